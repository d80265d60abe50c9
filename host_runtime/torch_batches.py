"""Batch buffers → torch tensors without copies.

A batch buffer (docs/formats/batch.md) is mapped once: `BatchViews` holds tensor
views of its regions that share memory with the buffer, so whatever a backend
writes into the buffer (golden packer today, the DMA model or a board's C2H
engine tomorrow) is seen by training with no copy. Buffers are allocated pinned
when CUDA is present so the host→GPU copy is asynchronous.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from models.batch_layout import HEADER_BYTES, HEADER_DTYPE, BatchGeometry, DenseDtype, SparseDtype
from models.pack import parse_batch

_DENSE_TORCH = {DenseDtype.FLOAT32: torch.float32, DenseDtype.FLOAT16: torch.float16,
                DenseDtype.BFLOAT16: torch.bfloat16}
_SPARSE_TORCH = {SparseDtype.INT32: torch.int32, SparseDtype.INT64: torch.int64}


def alloc_batch_buffer(geometry: BatchGeometry, pinned: bool | None = None) -> torch.Tensor:
    """A uint8 tensor sized for one batch, pinned when CUDA is available (or when asked)."""
    pin = torch.cuda.is_available() if pinned is None else pinned
    return torch.zeros(geometry.total_bytes, dtype=torch.uint8, pin_memory=pin)


@dataclass
class BatchViews:
    """Tensor views over one batch buffer's regions (capacity-sized; slice by `rows`)."""

    buffer: torch.Tensor  # uint8 [total_bytes]
    labels: torch.Tensor  # float32 [B]
    dense: torch.Tensor  # [B, n_dense]
    sparse: torch.Tensor  # [n_sparse, B]

    @classmethod
    def map(cls, buffer: torch.Tensor, g: BatchGeometry) -> "BatchViews":
        def region(off: int, nbytes: int, dtype: torch.dtype) -> torch.Tensor:
            return buffer[off:off + nbytes].view(dtype)

        labels = region(g.labels_offset, 4 * g.capacity, torch.float32)
        dense = region(g.dense_offset, g.dense_item_bytes * g.capacity * g.n_dense,
                       _DENSE_TORCH[g.dense_dtype]).view(g.capacity, g.n_dense)
        sparse = region(g.sparse_offset, g.sparse_item_bytes * g.capacity * g.n_sparse,
                        _SPARSE_TORCH[g.sparse_dtype]).view(g.n_sparse, g.capacity)
        return cls(buffer, labels, dense, sparse)

    def header(self) -> dict:
        h = self.buffer[:HEADER_BYTES].numpy().view(HEADER_DTYPE)[0]
        return {name: h[name].tolist() for name in HEADER_DTYPE.names if name != "reserved"}


def tensors_of(buf: bytes | bytearray | np.ndarray, verify: bool = True) -> dict[str, torch.Tensor]:
    """Validate a batch and return tensors sharing its memory (labels, dense, sparse, popular_rows)."""
    arr = np.frombuffer(buf, dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf
    b = parse_batch(arr, verify_checksum=verify)  # numpy views into arr
    with warnings.catch_warnings():
        # immutable `bytes` give read-only arrays; the views are only read, so sharing is safe
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        dense = torch.from_numpy(b.dense) if b.header["dense_dtype"] != DenseDtype.BFLOAT16 \
            else torch.from_numpy(b.dense.view(np.int16)).view(torch.bfloat16)
        return {"labels": torch.from_numpy(b.labels), "dense": dense, "sparse": torch.from_numpy(b.sparse),
                "rows": b.rows, "popular_rows": b.header["popular_rows"]}
