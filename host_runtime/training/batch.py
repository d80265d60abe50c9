"""What a trainer consumes: one batch buffer's regions as tensors on the training device.

Every tensor is capacity-sized (the buffer's fixed geometry), so shapes never change from batch to batch and a
CUDA graph captured once serves every batch; rows past `rows` are zero in the buffer and masked out of the loss.
The row counts exist twice: as host ints (from the host-side header, for code that slices) and as 0-dim device
tensors viewed straight out of the copied header (for code inside a graph, which must not read the host).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from host_runtime.torch_batches import BatchViews
from models.batch_layout import HEADER_BYTES, HEADER_DTYPE, BatchGeometry, DenseDtype, SparseDtype
from models.pack import parse_batch

_ROWS_WORD = HEADER_DTYPE.fields["rows"][1] // 4
_POPULAR_WORD = HEADER_DTYPE.fields["popular_rows"][1] // 4


@dataclass
class Batch:
    labels: torch.Tensor  # float32 [B]
    dense: torch.Tensor  # [B, n_dense], the buffer's dtype
    sparse: torch.Tensor  # int [n_sparse, B], feature-major
    rows_t: torch.Tensor  # int32 0-dim, valid rows (a view of the header)
    popular_t: torch.Tensor  # int32 0-dim, popular rows (Hotline split; 0 otherwise)
    rows: int
    popular: int
    buffer: torch.Tensor | None = None  # the uint8 buffer the views share memory with
    ready: "torch.cuda.Event | None" = None  # set by a feed: the copy that filled `buffer` is done when it fires
    slot: int = -1  # the feed's device slot (released after the step that used it)


def header_words(buffer: torch.Tensor) -> torch.Tensor:
    return buffer[:HEADER_BYTES].view(torch.int32)


def map_batch(buffer: torch.Tensor, g: BatchGeometry, rows: int, popular: int) -> Batch:
    """Views of a uint8 batch buffer on any device (no copy); rows/popular are the host's reading of the header."""
    v = BatchViews.map(buffer, g)
    h = header_words(buffer)
    return Batch(v.labels, v.dense, v.sparse, h[_ROWS_WORD], h[_POPULAR_WORD], rows, popular, buffer)


def host_batch(buf: bytes | bytearray | np.ndarray | torch.Tensor, verify: bool = True) -> Batch:
    """A batch in host memory (validated: magic, geometry, checksum) as zero-copy tensors."""
    if isinstance(buf, torch.Tensor):
        arr = buf.numpy()
        t = buf
    else:
        arr = np.frombuffer(buf, dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf
        t = torch.from_numpy(arr) if arr.flags.writeable else torch.from_numpy(arr.copy())
    p = parse_batch(arr, verify_checksum=verify)
    h = p.header
    g = BatchGeometry(h["capacity"], h["n_dense"], h["n_sparse"], DenseDtype(h["dense_dtype"]),
                      SparseDtype(h["sparse_dtype"]))
    return map_batch(t[:g.total_bytes], g, p.rows, h["popular_rows"])
