"""Fixed-width binary rows (Piper/PipeRec "binary input"): writer and golden decoder.

The host turns Parquet/Arrow into these rows with pyarrow so that the engine
can skip text parsing entirely; comparing text and binary ingest is one of the
things Sluice measures. The layout (docs/formats/binary_rows.md) is:

    row = u64 LE null mask (bit c set = column c missing)
          + one slot per non-SKIP column, in schema order, packed:
              LABEL / INT  int32 LE        (4 bytes)
              HEX          u32 or u64 LE   (layout.hex_width: 4 or 8)
              STR          u64 LE          XXH64(bytes, seed 0), hashed on the host
          + zero padding to a multiple of 8 bytes

decode_binary yields the same DecodedRows as decode_text of the equivalent
text, so everything after decode is shared by both ingest paths.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.schema import (
    ColumnKind,
    DecodedRows,
    DecodeCounters,
    Reason,
    Schema,
    empty_decoded_rows,
)

try:  # the pinned `xxhash` package; tests cross-check it against models.hashing
    from xxhash import xxh64_intdigest as _xxh64
except ImportError:  # pragma: no cover - fall back to the pure-Python reference
    from models.hashing import xxh64_bytes as _xxh64

MASK_BYTES = 8
"""The null mask in front of every row: one bit per column, up to 64 columns."""
ROW_ALIGN = 8
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
_HEX_RE = re.compile(rb"[0-9a-fA-F]+")


@dataclass(frozen=True)
class BinaryLayout:
    """Where each column's slot lies in a row; built from a Schema.

    offsets[c] / widths[c] are the byte offset and width of column c's slot
    (-1 / 0 for SKIP columns, which have no slot). `kinds` records the schema
    the layout was built for, so decoding with a mismatching schema fails loudly.
    """

    kinds: tuple[int, ...]
    hex_width: int
    offsets: tuple[int, ...]
    widths: tuple[int, ...]
    row_bytes: int

    @classmethod
    def from_schema(cls, schema: Schema, hex_width: int = 8) -> "BinaryLayout":
        """Pack the slots in schema order after the mask; pad the row to 8 bytes."""
        if hex_width not in (4, 8):
            raise ValueError(f"hex_width must be 4 or 8, got {hex_width}")
        slot = {ColumnKind.LABEL: 4, ColumnKind.INT: 4, ColumnKind.HEX: hex_width, ColumnKind.STR: 8,
                ColumnKind.SKIP: 0}
        offsets: list[int] = []
        widths: list[int] = []
        pos = MASK_BYTES
        for col in schema.columns:
            w = slot[col.kind]
            offsets.append(pos if w else -1)
            widths.append(w)
            pos += w
        row_bytes = -(-pos // ROW_ALIGN) * ROW_ALIGN
        return cls(tuple(int(c.kind) for c in schema.columns), hex_width, tuple(offsets), tuple(widths), row_bytes)

    def check(self, schema: Schema) -> None:
        """Raise ValueError unless this layout was built for `schema`'s kinds."""
        if self.kinds != tuple(int(c.kind) for c in schema.columns):
            raise ValueError("binary layout does not match the schema (column kinds differ)")


# ----------------------------------------------------------------------------- writer


def _column(table: pa.Table, name: str) -> pa.Array:
    """One table column as a single plain (non-dictionary) Arrow array."""
    if name not in table.column_names:
        raise ValueError(f"column {name!r}: not in the Arrow table (has {table.column_names})")
    arr = table.column(name).combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def _int_values(arr: pa.Array, name: str, lo: int, hi: int) -> np.ndarray:
    """Integer column -> int64/uint64 numpy values (nulls 0), every valid one in [lo, hi]."""
    if not pa.types.is_integer(arr.type):
        raise ValueError(f"column {name!r}: expected an integer Arrow type, got {arr.type}")
    vals = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False)
    if vals.size:
        vmin, vmax = int(vals.min()), int(vals.max())
        if vmin < lo or vmax > hi:
            bad = vmin if vmin < lo else vmax
            raise ValueError(f"column {name!r}: value {bad} does not fit its slot (range {lo}..{hi})")
    return vals


def _hex_string_values(arr: pa.Array, name: str, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Hex-string column -> uint64 values and 'empty string' flags (empty = missing, as in text)."""
    out = np.zeros(len(arr), dtype=np.uint64)
    empty = np.zeros(len(arr), dtype=bool)
    for i, v in enumerate(arr.to_pylist()):
        if v is None:
            continue
        b = v.encode() if isinstance(v, str) else bytes(v)
        if not b:
            empty[i] = True
            continue
        if not _HEX_RE.fullmatch(b):
            raise ValueError(f"column {name!r}: {b[:40]!r} is not a hex number")
        x = int(b, 16)
        if x > hi:
            raise ValueError(f"column {name!r}: value {b[:40]!r} does not fit its {hi.bit_length() // 8}-byte slot")
        out[i] = x
    return out, empty


def _str_values(arr: pa.Array, name: str) -> tuple[np.ndarray, np.ndarray]:
    """String/binary column -> XXH64(bytes, 0) and 'empty string' flags (empty = missing)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
            or pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type)):
        raise ValueError(f"column {name!r}: expected a string or binary Arrow type, got {arr.type}")
    out = np.zeros(len(arr), dtype=np.uint64)
    empty = np.zeros(len(arr), dtype=bool)
    for i, v in enumerate(arr.to_pylist()):
        if v is None:
            continue
        b = v.encode() if isinstance(v, str) else bytes(v)
        if b:
            out[i] = _xxh64(b)
        else:
            empty[i] = True
    return out, empty


def _slot_values(arr: pa.Array, kind: ColumnKind, name: str, layout: BinaryLayout) -> tuple[np.ndarray, np.ndarray]:
    """(slot value as uint64 bit pattern, extra-missing flags) of one non-SKIP column."""
    no_extra = np.zeros(len(arr), dtype=bool)
    if kind in (ColumnKind.LABEL, ColumnKind.INT):
        v = _int_values(arr, name, INT32_MIN, INT32_MAX)
        return v.astype(np.int64).astype(np.uint32).astype(np.uint64), no_extra
    if kind == ColumnKind.HEX:
        hi = (1 << (8 * layout.hex_width)) - 1
        if pa.types.is_integer(arr.type):
            return _int_values(arr, name, 0, hi).astype(np.uint64), no_extra
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_binary(arr.type):
            return _hex_string_values(arr, name, hi)
        raise ValueError(f"column {name!r}: HEX needs an integer or hex-string Arrow type, got {arr.type}")
    return _str_values(arr, name)


def table_to_binary_rows(table: pa.Table, schema: Schema, layout: BinaryLayout) -> bytes:
    """Arrow table -> binary rows; columns matched by name, SKIP columns need not exist.

    Nulls come from the validity bitmaps; an empty string in a STR or hex-string
    column is missing too, as an empty text field is. A value that does not fit
    its slot raises ValueError naming the column.
    """
    layout.check(schema)
    n = table.num_rows
    out = np.zeros((n, layout.row_bytes), dtype=np.uint8)
    mask = np.zeros(n, dtype=np.uint64)
    for c, col in enumerate(schema.columns):
        if col.kind == ColumnKind.SKIP:
            mask |= np.uint64(1 << c)
            continue
        arr = _column(table, col.name)
        vals, empty = _slot_values(arr, col.kind, col.name, layout)
        missing = arr.is_null().to_numpy(zero_copy_only=False) | empty
        vals[missing] = 0
        mask |= missing.astype(np.uint64) << np.uint64(c)
        w, off = layout.widths[c], layout.offsets[c]
        out[:, off:off + w] = vals.astype(f"<u{w}").view(np.uint8).reshape(n, w)
    out[:, :MASK_BYTES] = mask.astype("<u8").view(np.uint8).reshape(n, MASK_BYTES)
    return out.tobytes()


# ----------------------------------------------------------------------------- decoder


def _slot(rows: np.ndarray, off: int, w: int, kind: int) -> np.ndarray:
    """One column's slots of every row, widened to the uint64 value decode reports."""
    raw = np.ascontiguousarray(rows[:, off:off + w])
    if kind in (ColumnKind.LABEL, ColumnKind.INT):
        return raw.view("<i4").ravel().astype(np.int64).view(np.uint64)  # sign-extended
    return raw.view(f"<u{w}").ravel().astype(np.uint64)


def decode_binary(
    data: bytes | bytearray | memoryview | np.ndarray,
    schema: Schema,
    layout: BinaryLayout,
    *,
    first_row_index: int = 0,
) -> DecodedRows:
    """Binary rows -> DecodedRows (same shape and counters as decode_text).

    Every whole row is kept (the format has no bad values); a trailing partial
    row is one dropped row with reason TRUNCATED. SKIP columns and mask bits
    beyond the schema are ignored; missing fields read as 0.
    """
    layout.check(schema)
    raw = data.reshape(-1).view(np.uint8) if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=np.uint8)
    n_cols = schema.n_columns
    n_full, tail = divmod(int(raw.shape[0]), layout.row_bytes)
    counters = DecodeCounters(bytes_in=int(raw.shape[0]), rows_in=n_full + (tail > 0), rows_out=n_full)
    if tail:
        counters.rows_dropped = 1
        counters.errors[Reason.TRUNCATED.name] = 1
    if n_full == 0 and not tail:
        return empty_decoded_rows(n_cols, counters)
    rows = raw[: n_full * layout.row_bytes].reshape(n_full, layout.row_bytes)
    mask = np.ascontiguousarray(rows[:, :MASK_BYTES]).view("<u8").ravel()
    values = np.zeros((n_full, n_cols), dtype=np.uint64)
    null = np.ones((n_full, n_cols), dtype=bool)
    for c, kind in enumerate(layout.kinds):
        if kind == ColumnKind.SKIP:
            continue
        missing = ((mask >> np.uint64(c)) & np.uint64(1)).astype(bool)
        values[:, c] = np.where(missing, np.uint64(0), _slot(rows, layout.offsets[c], layout.widths[c], kind))
        null[:, c] = missing
    idx = np.arange(first_row_index, first_row_index + n_full + (tail > 0), dtype=np.int64)
    return DecodedRows(
        values=values,
        null=null,
        row_index=idx[:n_full],
        reason=np.zeros(n_full, dtype=np.uint8),
        dropped_index=idx[n_full:],
        dropped_reason=np.full(int(tail > 0), Reason.TRUNCATED, dtype=np.uint8),
        counters=counters,
    )
