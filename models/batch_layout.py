"""The training-ready batch buffer layout: the one source of truth.

Every producer (golden packer, RTL packer) and consumer (parser, torch views,
docs) reads the header fields and region rules from here. `python -m
models.batch_layout` prints the Markdown table that docs/formats/batch.md
embeds; a test keeps the two in sync.

Layout of one batch buffer (all little-endian):

    [header: HEADER_BYTES] [labels f32[B]] [dense dtype[B, n_dense]] [sparse idx[n_sparse, B]]

Each region starts on a REGION_ALIGN boundary and is sized by the batch
*capacity* B, not by the number of valid rows, so a host can map tensor views
on a DMA buffer once and reuse them for every batch; rows past `rows` are zero.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

MAGIC = 0x42434C53  # bytes "SLCB" in little-endian order
VERSION = 1
HEADER_BYTES = 128  # two 512-bit beats
REGION_ALIGN = 64  # one 512-bit beat / one cache line
MAX_BATCH_ROWS = 65536


class DenseDtype(enum.IntEnum):
    FLOAT32 = 0
    FLOAT16 = 1
    BFLOAT16 = 2


class SparseDtype(enum.IntEnum):
    INT32 = 0
    INT64 = 1


class BatchFlags(enum.IntFlag):
    HOT_SPLIT = 1  # rows are ordered popular first; popular_rows is meaningful
    END_OF_STREAM = 2  # emitted by the end-of-stream flush (may be partial)
    FRESHNESS = 4  # emitted by the freshness timeout (partial)


DENSE_ITEM_BYTES = {DenseDtype.FLOAT32: 4, DenseDtype.FLOAT16: 2, DenseDtype.BFLOAT16: 2}
SPARSE_ITEM_BYTES = {SparseDtype.INT32: 4, SparseDtype.INT64: 8}

# Reason codes 1..6 of models.schema.Reason have one cumulative counter each.
N_REASON_COUNTERS = 6

# (name, numpy dtype, count, meaning). Offsets follow from the order.
_HEADER_FIELDS: list[tuple[str, str, int, str]] = [
    ("magic", "<u4", 1, f"{MAGIC:#010x} (bytes 'SLCB')"),
    ("version", "<u2", 1, f"layout version, {VERSION}"),
    ("header_bytes", "<u2", 1, f"{HEADER_BYTES}"),
    ("seq", "<u4", 1, "batch sequence number, 0 for the first batch of a run"),
    ("rows", "<u4", 1, "valid rows in this batch (<= capacity)"),
    ("capacity", "<u4", 1, "B: rows every region is sized for"),
    ("popular_rows", "<u4", 1, "rows [0, popular_rows) are popular (HOT_SPLIT); else 0"),
    ("first_row_index", "<u8", 1, "smallest input data-row number among the batch's rows"),
    ("n_dense", "<u2", 1, "dense features per row"),
    ("n_sparse", "<u2", 1, "sparse features per row"),
    ("dense_dtype", "u1", 1, "0 float32, 1 float16, 2 bfloat16"),
    ("sparse_dtype", "u1", 1, "0 int32, 1 int64"),
    ("flags", "<u2", 1, "bit0 HOT_SPLIT, bit1 END_OF_STREAM, bit2 FRESHNESS"),
    ("labels_offset", "<u4", 1, "byte offset of labels f32[B]"),
    ("dense_offset", "<u4", 1, "byte offset of dense [B, n_dense]"),
    ("sparse_offset", "<u4", 1, "byte offset of sparse [n_sparse, B] (feature-major)"),
    ("total_bytes", "<u4", 1, "size of the whole buffer, header included"),
    ("rows_dropped_cum", "<u4", 1, "rows dropped by decode before this batch closed (cumulative)"),
    ("rows_error_cum", "<u4", 1, "rows with any decode error before this batch closed (cumulative)"),
    ("errors_cum", "<u4", N_REASON_COUNTERS, "per reason 1..6 (EXTRA_FIELDS..TRUNCATED), cumulative"),
    ("payload_checksum", "<u4", 1, "sum mod 2^32 of the little-endian u32 words after the header"),
]


def _header_dtype() -> np.dtype:
    fields = []
    for name, dt, count, _ in _HEADER_FIELDS:
        fields.append((name, dt, (count,)) if count > 1 else (name, dt))
    used = np.dtype(fields).itemsize
    fields.append(("reserved", "u1", (HEADER_BYTES - used,)))
    return np.dtype(fields)


HEADER_DTYPE: np.dtype = _header_dtype()
assert HEADER_DTYPE.itemsize == HEADER_BYTES


def align(n: int, a: int = REGION_ALIGN) -> int:
    return (n + a - 1) // a * a


@dataclass(frozen=True)
class BatchGeometry:
    """Region offsets of a batch buffer; depends only on the batch settings."""

    capacity: int
    n_dense: int
    n_sparse: int
    dense_dtype: DenseDtype = DenseDtype.FLOAT32
    sparse_dtype: SparseDtype = SparseDtype.INT32

    def __post_init__(self) -> None:
        if not 1 <= self.capacity <= MAX_BATCH_ROWS:
            raise ValueError(f"batch size must be in 1..{MAX_BATCH_ROWS}, got {self.capacity}")
        if not (0 <= self.n_dense < 2**16 and 0 <= self.n_sparse < 2**16):
            raise ValueError("feature counts must fit 16 bits")

    @property
    def labels_offset(self) -> int:
        return HEADER_BYTES

    @property
    def dense_offset(self) -> int:
        return align(self.labels_offset + 4 * self.capacity)

    @property
    def dense_item_bytes(self) -> int:
        return DENSE_ITEM_BYTES[self.dense_dtype]

    @property
    def sparse_item_bytes(self) -> int:
        return SPARSE_ITEM_BYTES[self.sparse_dtype]

    @property
    def sparse_offset(self) -> int:
        return align(self.dense_offset + self.dense_item_bytes * self.capacity * self.n_dense)

    @property
    def total_bytes(self) -> int:
        return align(self.sparse_offset + self.sparse_item_bytes * self.capacity * self.n_sparse)


def header_markdown() -> str:
    """The header table of docs/formats/batch.md, generated from _HEADER_FIELDS."""
    lines = ["| offset | field | type | meaning |", "|---:|---|---|---|"]
    for name, _, count, meaning in _HEADER_FIELDS:
        off = HEADER_DTYPE.fields[name][1]
        base = HEADER_DTYPE.fields[name][0]
        sub = base.subdtype
        t = f"{sub[0].name}[{count}]" if sub else base.name
        lines.append(f"| {off} | `{name}` | {t} | {meaning} |")
    off = HEADER_DTYPE.fields["reserved"][1]
    lines.append(f"| {off} | `reserved` | u8[{HEADER_BYTES - off}] | zero |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(header_markdown())
