"""Golden batch packer and parser (SPEC §5, docs/formats/batch.md).

The packer consumes the transformed row stream in input order, including the
"tombstones" of rows decode dropped, so the cumulative error counters in each
header are a deterministic function of the input (the RTL passes tombstones
down the pipeline for the same reason). Batch boundaries follow the row
count only; the cycle-dependent freshness flush exists only in the RTL, and
tests that enable it compare row content rather than boundaries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from models.batch_layout import (
    HEADER_BYTES, HEADER_DTYPE, MAGIC, N_REASON_COUNTERS, VERSION, BatchFlags, BatchGeometry,
    DenseDtype, SparseDtype,
)


@dataclass
class TransformedRows:
    """Rows after transform, in input order, plus the dropped rows' tombstones.

    dense holds float32 values already rounded to the batch dense dtype (so the
    conversion at packing is exact); sparse holds the final ids.
    """

    labels: np.ndarray  # float32 [N]
    dense: np.ndarray  # float32 [N, n_dense]
    sparse: np.ndarray  # uint64 [N, n_sparse]
    popular: np.ndarray  # bool [N]
    row_index: np.ndarray  # int64 [N]
    reason: np.ndarray  # uint8 [N], error reason of kept (nulled) rows, 0 = clean
    dropped_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dropped_reason: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    rows_in: int | None = None  # data rows seen; defaults to kept + dropped

    @property
    def n_rows(self) -> int:
        return int(self.labels.shape[0])


@dataclass(frozen=True)
class PackSettings:
    geometry: BatchGeometry
    drop_last: bool = False
    hot_split: bool = False


def _dense_words(values: np.ndarray, dtype: DenseDtype) -> np.ndarray:
    v = np.ascontiguousarray(values, dtype=np.float32)
    if dtype == DenseDtype.FLOAT32:
        return v
    if dtype == DenseDtype.FLOAT16:
        out = v.astype(np.float16)
        if not np.array_equal(out.astype(np.float32), v, equal_nan=True):
            raise ValueError("dense values are not float16-representable; round them in transform")
        return out
    bits = v.view(np.uint32)
    if np.any(bits & np.uint32(0xFFFF)):
        raise ValueError("dense values are not bfloat16-representable; round them in transform")
    return (bits >> np.uint32(16)).astype(np.uint16)


def _sparse_words(ids: np.ndarray, dtype: SparseDtype) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.uint64)
    limit = np.uint64(2**31 if dtype == SparseDtype.INT32 else 2**63)
    if ids.size and ids.max() >= limit:
        raise ValueError(f"sparse id {int(ids.max())} does not fit {dtype.name}")
    return ids.astype(np.int32 if dtype == SparseDtype.INT32 else np.int64)


def payload_checksum(buf: np.ndarray) -> int:
    """Sum mod 2^32 of the little-endian u32 words after the header."""
    words = np.frombuffer(buf, dtype="<u4", offset=HEADER_BYTES)
    return int(words.sum(dtype=np.uint64) & np.uint64(0xFFFFFFFF))


def _counters_upto(idx: np.ndarray, reasons: np.ndarray, limit: int | None) -> np.ndarray:
    """Per-reason counts (index 0 unused) among records with index <= limit."""
    sel = reasons if limit is None else reasons[idx <= limit]
    return np.bincount(sel, minlength=N_REASON_COUNTERS + 1)[: N_REASON_COUNTERS + 1]


def build_batch(
    rows: TransformedRows, lo: int, hi: int, seq: int, settings: PackSettings, flags: BatchFlags,
    dropped_cum: int, errors_cum: np.ndarray, next_row_index: int,
) -> bytes:
    """One batch buffer from kept rows [lo, hi)."""
    g = settings.geometry
    n = hi - lo
    order = np.arange(lo, hi)
    popular_rows = 0
    if settings.hot_split:
        pop = rows.popular[lo:hi]
        order = np.concatenate([order[pop], order[~pop]])  # stable partition
        popular_rows = int(pop.sum())
        flags |= BatchFlags.HOT_SPLIT
    buf = np.zeros(g.total_bytes, dtype=np.uint8)
    buf[g.labels_offset:g.labels_offset + 4 * n] = rows.labels[order].astype("<f4").view(np.uint8)
    dense = _dense_words(rows.dense[order], g.dense_dtype)
    dense_bytes = dense.astype(dense.dtype.newbyteorder("<")).view(np.uint8).reshape(-1)
    buf[g.dense_offset:g.dense_offset + dense_bytes.size] = dense_bytes
    sparse = _sparse_words(rows.sparse[order], g.sparse_dtype)  # [n, n_sparse]
    item = g.sparse_item_bytes
    for f in range(g.n_sparse):
        start = g.sparse_offset + f * g.capacity * item
        col = np.ascontiguousarray(sparse[:, f]).astype(sparse.dtype.newbyteorder("<"))
        buf[start:start + n * item] = col.view(np.uint8)
    hdr = np.zeros(1, dtype=HEADER_DTYPE)
    hdr["magic"], hdr["version"], hdr["header_bytes"] = MAGIC, VERSION, HEADER_BYTES
    hdr["seq"], hdr["rows"], hdr["capacity"] = seq, n, g.capacity
    hdr["popular_rows"] = popular_rows
    hdr["first_row_index"] = int(rows.row_index[lo]) if n else next_row_index
    hdr["n_dense"], hdr["n_sparse"] = g.n_dense, g.n_sparse
    hdr["dense_dtype"], hdr["sparse_dtype"], hdr["flags"] = int(g.dense_dtype), int(g.sparse_dtype), int(flags)
    hdr["labels_offset"], hdr["dense_offset"] = g.labels_offset, g.dense_offset
    hdr["sparse_offset"], hdr["total_bytes"] = g.sparse_offset, g.total_bytes
    hdr["rows_dropped_cum"] = dropped_cum
    hdr["rows_error_cum"] = int(errors_cum[1:].sum())
    hdr["errors_cum"] = errors_cum[1:N_REASON_COUNTERS + 1]
    buf[:HEADER_BYTES] = hdr.view(np.uint8)
    hdr["payload_checksum"] = payload_checksum(buf)
    buf[:HEADER_BYTES] = hdr.view(np.uint8)
    return buf.tobytes()


def pack_batches(rows: TransformedRows, settings: PackSettings, *, first_seq: int = 0) -> Iterator[bytes]:
    """Pack all rows into batches; the last one carries END_OF_STREAM.

    The end-of-stream batch is always emitted, with 0 rows when the stream ends on
    a batch boundary or drop_last discards the tail, so the consumer always sees
    the final counters and a clean end marker.
    """
    cap = settings.geometry.capacity
    n = rows.n_rows
    kept_err = rows.reason.astype(np.int64)
    kept_idx = rows.row_index
    drop_idx, drop_rsn = rows.dropped_index, rows.dropped_reason.astype(np.int64)
    all_idx = np.concatenate([kept_idx[kept_err > 0], drop_idx])
    all_rsn = np.concatenate([kept_err[kept_err > 0], drop_rsn])
    rows_in = rows.rows_in if rows.rows_in is not None else n + drop_idx.size
    seq = first_seq
    full = n // cap
    for b in range(full):
        lo, hi = b * cap, (b + 1) * cap
        last = int(kept_idx[hi - 1])
        yield build_batch(rows, lo, hi, seq, settings, BatchFlags(0),
                          int((drop_idx <= last).sum()), _counters_upto(all_idx, all_rsn, last),
                          last + 1)
        seq += 1
    lo = full * cap
    hi = lo if settings.drop_last else n
    yield build_batch(rows, lo, hi, seq, settings, BatchFlags.END_OF_STREAM,
                      int(drop_idx.size), _counters_upto(all_idx, all_rsn, None), rows_in)


@dataclass
class ParsedBatch:
    header: dict
    labels: np.ndarray  # float32 [rows]
    dense: np.ndarray  # [rows, n_dense] in the stored dtype (bf16 as uint16 words)
    sparse: np.ndarray  # [n_sparse, rows] int32/int64

    @property
    def rows(self) -> int:
        return int(self.header["rows"])

    def dense_f32(self) -> np.ndarray:
        if self.header["dense_dtype"] == DenseDtype.BFLOAT16:
            return (self.dense.astype(np.uint32) << np.uint32(16)).view(np.float32)
        return self.dense.astype(np.float32)


class BatchFormatError(ValueError):
    pass


def parse_batch(buf: bytes | np.ndarray, *, verify_checksum: bool = True) -> ParsedBatch:
    """Validate a batch buffer and return zero-copy views of its valid rows."""
    raw = np.frombuffer(buf, dtype=np.uint8) if isinstance(buf, (bytes, bytearray, memoryview)) else buf
    if raw.size < HEADER_BYTES:
        raise BatchFormatError("buffer shorter than a header")
    h = raw[:HEADER_BYTES].view(HEADER_DTYPE)[0]
    header = {name: (h[name].tolist()) for name in HEADER_DTYPE.names if name != "reserved"}
    if header["magic"] != MAGIC:
        raise BatchFormatError(f"bad magic {header['magic']:#x}")
    if header["version"] != VERSION or header["header_bytes"] != HEADER_BYTES:
        raise BatchFormatError(f"unsupported version {header['version']}/{header['header_bytes']}")
    g = BatchGeometry(header["capacity"], header["n_dense"], header["n_sparse"],
                      DenseDtype(header["dense_dtype"]), SparseDtype(header["sparse_dtype"]))
    expect = (g.labels_offset, g.dense_offset, g.sparse_offset, g.total_bytes)
    got = (header["labels_offset"], header["dense_offset"], header["sparse_offset"], header["total_bytes"])
    if expect != got:
        raise BatchFormatError(f"region offsets {got} disagree with the geometry {expect}")
    if raw.size < g.total_bytes:
        raise BatchFormatError(f"buffer has {raw.size} bytes, header says {g.total_bytes}")
    raw = raw[:g.total_bytes]
    if verify_checksum and payload_checksum(raw) != header["payload_checksum"]:
        raise BatchFormatError("payload checksum mismatch")
    n = header["rows"]
    if n > g.capacity or header["popular_rows"] > n:
        raise BatchFormatError("row counts exceed capacity")
    labels = raw[g.labels_offset:g.labels_offset + 4 * g.capacity].view("<f4")[:n]
    ddt = {DenseDtype.FLOAT32: "<f4", DenseDtype.FLOAT16: "<f2", DenseDtype.BFLOAT16: "<u2"}[g.dense_dtype]
    dense = raw[g.dense_offset:g.dense_offset + g.dense_item_bytes * g.capacity * g.n_dense] \
        .view(ddt).reshape(g.capacity, g.n_dense)[:n]
    sdt = "<i4" if g.sparse_dtype == SparseDtype.INT32 else "<i8"
    sparse = raw[g.sparse_offset:g.sparse_offset + g.sparse_item_bytes * g.capacity * g.n_sparse] \
        .view(sdt).reshape(g.n_sparse, g.capacity)[:, :n]
    return ParsedBatch(header, labels, dense, sparse)


def iter_batch_stream(stream: bytes | np.ndarray) -> Iterator[ParsedBatch]:
    """Parse back-to-back batch buffers (each total_bytes long)."""
    raw = np.frombuffer(stream, dtype=np.uint8) if not isinstance(stream, np.ndarray) else stream
    pos = 0
    while pos < raw.size:
        b = parse_batch(raw[pos:])
        yield b
        pos += b.header["total_bytes"]


def batches_to_arrays(batches: list[ParsedBatch]) -> dict[str, np.ndarray]:
    """Concatenate batches into the `sluice etl` export arrays, in delivery order."""
    labels = [b.labels for b in batches]
    dense = [b.dense_f32() for b in batches]
    sparse = [b.sparse.T.astype(np.int64) for b in batches]
    popular = [np.arange(b.rows) < b.header["popular_rows"] for b in batches]
    n_dense = batches[0].header["n_dense"] if batches else 0
    n_sparse = batches[0].header["n_sparse"] if batches else 0
    return {
        "labels": np.concatenate(labels).astype(np.float32) if labels else np.zeros(0, np.float32),
        "dense": np.concatenate(dense) if dense else np.zeros((0, n_dense), np.float32),
        "sparse": np.concatenate(sparse) if sparse else np.zeros((0, n_sparse), np.int64),
        "popular": np.concatenate(popular) if popular else np.zeros(0, bool),
        "batch_rows": np.array([b.rows for b in batches], dtype=np.int64),
    }
