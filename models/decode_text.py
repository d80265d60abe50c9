"""Golden model of the text decode engine: delimited text -> DecodedRows.

The rules implemented here are the spec of record (docs/spec/decode.md); the
RTL decoder is checked bit-exactly against this model, and this model is also
the CPU baseline, so it is vectorised with numpy over the whole buffer: there
is no Python loop per row or per byte, only one per STR field (hashing).

How the vectorisation works (docs/spec/decode.md, "Golden model"):
  * every LF and every delimiter byte is a *separator*; the buffer (plus a
    virtual LF at the end when the stream does not end with one) splits into
    segments, one per field: field bytes [+ the CR of a CRLF] + separator.
    Every segment has at least one byte, so `np.bitwise_or.reduceat` over the
    segment starts is exact even for empty fields;
  * one `bytes.translate` maps every byte to its class bits (binary, not a
    decimal digit, not a hex digit); one or-reduce gives each field's classes,
    which decide BINARY and BAD_CHAR for every kind;
  * a second `bytes.translate` maps every byte to its hex-nibble value; the
    8 bytes that end a numeric field are loaded as one uint64 ("window") and
    combined SWAR-style into the field's value, 8 digits per window. Fields
    longer than 8 / 16 / 24 bytes take a second / third window / a scan of
    the leading part, so cost follows the common short fields.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator

import numpy as np

from models.schema import (
    BadRowPolicy,
    ColumnKind,
    DecodedRows,
    DecodeCounters,
    Reason,
    Schema,
    TextFormat,
    concat_decoded_rows,
    empty_decoded_rows,
)

try:  # the pinned `xxhash` package; tests cross-check it against models.hashing
    from xxhash import xxh64_intdigest as _xxh64
except ImportError:  # pragma: no cover - fall back to the pure-Python reference
    from models.hashing import xxh64_bytes as _xxh64

LF = 0x0A
CR = 0x0D
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

# Byte class bits (or-reduced per field).
C_BIN = 0x01  # 0x00-0x1F or 0x7F (the delimiter byte and LF are separators, class 0)
C_NOTDEC = 0x02  # not 0-9 (a leading sign of a LABEL/INT field is cleared before reducing)
C_NOTHEX = 0x04  # not 0-9a-fA-F

_K_NONE = 255
"""Kind code of a field that belongs to no column (header, empty line, extra region)."""
_DEC_KINDS = (int(ColumnKind.LABEL), int(ColumnKind.INT))

_PAD = 24
"""Zero bytes in front of the nibble buffer so that three windows before any field end exist."""
_U64 = np.uint64
_M8 = _U64(0x00FF00FF00FF00FF)
_M16 = _U64(0x0000FFFF0000FFFF)
_M32 = _U64(0x00000000FFFFFFFF)
_LANE_MASK = np.array(
    [0] + [((1 << 64) - 1) ^ ((1 << (8 * (8 - m))) - 1) for m in range(1, 9)], dtype=np.uint64
)
"""_LANE_MASK[m] keeps the m highest-address bytes (lanes) of a little-endian window."""


@functools.lru_cache(maxsize=256)
def _class_table(delimiter: int) -> bytes:
    """Translate table byte -> class bits; separators (LF, delimiter) are class 0."""
    hexdigits = b"0123456789abcdefABCDEF"
    table = bytearray(256)
    for b in range(256):
        bits = C_BIN if (b < 0x20 or b == 0x7F) else 0
        bits |= 0 if 0x30 <= b <= 0x39 else C_NOTDEC
        bits |= 0 if b in hexdigits else C_NOTHEX
        table[b] = bits
    table[LF] = 0
    table[delimiter] = 0
    return bytes(table)


def _nibble_table() -> bytes:
    """Translate table byte -> hex digit value (0 for every non-hex byte, signs included)."""
    table = bytearray(256)
    for i, c in enumerate(b"0123456789abcdef"):
        table[c] = i
    for i, c in enumerate(b"ABCDEF"):
        table[c] = 10 + i
    return bytes(table)


_NIBBLE_TABLE = _nibble_table()


def _as_bytes(data: bytes | bytearray | memoryview | np.ndarray) -> bytes:
    """The input as an immutable bytes object (no copy when it already is one)."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, np.ndarray):
        return np.ascontiguousarray(data).view(np.uint8).tobytes()
    return bytes(data)


# ----------------------------------------------------------------------------- fields


def _segments(buf: np.ndarray, delim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Separator positions, field starts, and whether each separator is an LF.

    `buf` ends with LF. Field f spans [starts[f], seps[f]) before CR removal.
    """
    is_lf = buf == LF
    seps = np.flatnonzero(is_lf | (buf == delim))
    starts = np.empty_like(seps)
    starts[0] = 0
    starts[1:] = seps[:-1] + 1
    return seps, starts, is_lf[seps]


def _field_ends(buf: np.ndarray, seps: np.ndarray, starts: np.ndarray, sep_lf: np.ndarray) -> np.ndarray:
    """Field ends with the CR of a CRLF removed (rule 1: only right before LF)."""
    last = np.flatnonzero(sep_lf & (seps > starts))
    ends = seps.copy()
    ends[last[buf[seps[last] - 1] == CR]] -= 1
    return ends


def _field_classes(
    padded: bytes, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, seps: np.ndarray,
    is_dec: np.ndarray, delimiter: int,
) -> np.ndarray:
    """Or of the class bits of each field's bytes.

    The CR of a CRLF is not part of its field, and a leading '+'/'-' of a
    LABEL/INT field is allowed: both are cleared in a private copy first.
    """
    cls = np.frombuffer(bytearray(padded.translate(_class_table(delimiter))), dtype=np.uint8)[_PAD:]
    cls[ends[ends != seps]] = 0
    first = buf[starts]
    signed_at = starts[is_dec & (ends > starts) & ((first == ord("-")) | (first == ord("+")))]
    cls[signed_at] &= np.uint8(~C_NOTDEC & 0xFF)
    return np.bitwise_or.reduceat(cls, starts)


def _pack(x: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Value of the 8 digit lanes of each window, lowest address most significant (SWAR).

    x is consumed (used as scratch); in-place steps avoid large temporaries.
    """
    hi = x >> _U64(8)
    hi &= _M8
    x &= _M8
    x *= base
    x += hi  # 4 lanes of 16 bits: two digits each
    b2 = base * base
    np.right_shift(x, _U64(16), out=hi)
    hi &= _M16
    x &= _M16
    x *= b2
    x += hi  # 2 lanes of 32 bits: four digits each
    np.right_shift(x, _U64(32), out=hi)
    x &= _M32
    b2 *= b2
    x *= b2
    x += hi
    return x


def _window(win: np.ndarray, ends: np.ndarray, length: np.ndarray, k: int) -> np.ndarray:
    """The 8 nibble lanes ending 8*k bytes before each field end, lanes before the field zeroed."""
    w = win[ends + (_PAD - 8 - 8 * k)]
    lanes = length - 8 * k if k else length.copy()
    np.clip(lanes, 0, 8, out=lanes)
    w &= _LANE_MASK[lanes]
    return w


def _any_nonzero(nib: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per range [lo, hi) of the (unpadded) nibble buffer: is any nibble non-zero? (hi > lo)."""
    n = hi - lo
    seg = np.zeros(n.shape, dtype=np.int64)
    np.cumsum(n[:-1], out=seg[1:])
    idx = np.arange(int(n.sum()), dtype=np.int64) + np.repeat(lo - seg, n)
    return np.maximum.reduceat(nib[idx + _PAD], seg) > 0


def _long_fields(
    win: np.ndarray, nib: np.ndarray, starts: np.ndarray, ends: np.ndarray, length: np.ndarray,
    hexa: np.ndarray, mag: np.ndarray, high: np.ndarray,
) -> None:
    """Add the digits of positions 8-18 (decimal) / 8-15 (hex) to mag, flag digits beyond.

    Only fields longer than 8 bytes come here (rare), so subsets are cheap.
    Decimal keeps the last 19 digit positions (10**19 - 1 < 2**64), hex the last
    16; a non-zero digit further left means OVERFLOW (leading zeros are allowed).
    """
    i1 = np.flatnonzero(length > 8)
    if not i1.size:
        return
    hx1 = hexa[i1]
    w1 = _pack(_window(win, ends[i1], length[i1], 1), np.where(hx1, _U64(16), _U64(10)))
    mag[i1] += np.where(hx1, w1 << _U64(32), w1 * _U64(10**8))
    i2 = i1[length[i1] > 16]
    if i2.size:
        hx2 = hexa[i2]
        w2 = _window(win, ends[i2], length[i2], 2)
        # decimal: lanes 5, 6, 7 are digit positions 18, 17, 16; lanes 0-4 are positions 23-19
        top = w2 >> _U64(40)
        top3 = (top & _U64(0xFF)) * _U64(100) + ((top >> _U64(8)) & _U64(0xFF)) * _U64(10) + (top >> _U64(16))
        mag[i2] += np.where(hx2, _U64(0), top3 * _U64(10**16))
        high[i2] = np.where(hx2, w2, w2 & _U64(0xFFFFFFFFFF)) != 0
    i3 = i1[length[i1] > 24]
    if i3.size:
        high[i3] |= _any_nonzero(nib, starts[i3], ends[i3] - 24)


# Per-kind properties, indexed by the kind code (ColumnKind value or _K_NONE).
_IS_DEC = np.zeros(256, dtype=bool)
_IS_DEC[list(_DEC_KINDS)] = True
_IS_HEX = np.zeros(256, dtype=bool)
_IS_HEX[int(ColumnKind.HEX)] = True
_BASE = np.where(_IS_HEX, 16, 10).astype(np.uint64)
_BAD_CHAR_BITS = np.zeros(256, dtype=np.uint8)
_BAD_CHAR_BITS[list(_DEC_KINDS)] = C_NOTDEC
_BAD_CHAR_BITS[int(ColumnKind.HEX)] = C_NOTHEX
_BIN_BITS = np.full(256, C_BIN, dtype=np.uint8)
_BIN_BITS[_K_NONE] = 0


def _kind_props(kind_f: np.ndarray, n_rows: int, kinds: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Per-field kind properties; tiled from the schema when every row is regular."""
    if kinds is not None:
        return tuple(np.tile(t[kinds], n_rows) for t in (_IS_DEC, _IS_HEX, _BASE, _BAD_CHAR_BITS, _BIN_BITS))
    return tuple(t[kind_f] for t in (_IS_DEC, _IS_HEX, _BASE, _BAD_CHAR_BITS, _BIN_BITS))


def _field_results(
    padded: bytes, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, kind_f: np.ndarray,
    cls_f: np.ndarray, max_field_bytes: int, props: tuple[np.ndarray, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Reason (rule 7 priority) and uint64 value of every field (kind NONE: OK, 0).

    All fields are computed at once with per-field kind properties (cheaper
    than gathering per-kind subsets); values of STR/SKIP/NONE fields are junk
    here and are replaced or zeroed by the caller.
    """
    is_dec, is_hex, base, bad_bits, bin_bits = props
    length = ends - starts
    nib = np.frombuffer(padded.translate(_NIBBLE_TABLE), dtype=np.uint8)
    win = np.ndarray(shape=(nib.shape[0] - 7,), dtype="<u8", buffer=nib, strides=(1,))
    mag = _pack(_window(win, ends, length, 0), base)
    high = np.zeros(starts.shape, dtype=bool)
    _long_fields(win, nib, starts, ends, length, is_hex, mag, high)

    first = buf[starts]
    neg = is_dec & (first == ord("-")) & (length > 0)
    lone_sign = is_dec & (length == 1) & (neg | (first == ord("+")))
    bad_char = ((cls_f & bad_bits) != 0) | lone_sign
    limit = np.where(neg, _U64(-INT32_MIN), _U64(INT32_MAX))
    overflow = (is_dec | is_hex) & high | is_dec & (mag > limit)
    binary = (cls_f & bin_bits) != 0
    overlong = (length > max_field_bytes) & (kind_f != ColumnKind.SKIP) & (kind_f != _K_NONE)

    reason = np.zeros(starts.shape, dtype=np.uint8)
    for mask, rsn in ((overflow, Reason.OVERFLOW), (bad_char, Reason.BAD_CHAR),
                      (overlong, Reason.OVERLONG), (binary, Reason.BINARY)):
        reason[mask] = rsn  # lowest priority first, so that higher ones overwrite
    np.negative(mag, out=mag, where=neg)  # two's complement of -mag
    return reason, mag


# ----------------------------------------------------------------------------- rows


def _row_reasons(r: np.ndarray, reason: np.ndarray, has_extra: np.ndarray) -> np.ndarray:
    """Reason of each data row: its first bad column field, else EXTRA_FIELDS, else OK.

    Column fields arrive in stream order (row-major), so the first bad field of
    a row is the first occurrence of that row among the bad fields.
    """
    row_reason = np.zeros(has_extra.shape[0], dtype=np.uint8)
    bad = np.flatnonzero(reason)
    if bad.size:
        rb = r[bad]
        first = np.ones(rb.shape, dtype=bool)
        first[1:] = rb[1:] != rb[:-1]
        row_reason[rb[first]] = reason[bad[first]]
    row_reason[(row_reason == 0) & has_extra] = Reason.EXTRA_FIELDS
    return row_reason


def _hash_fields(padded: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """XXH64(seed 0) of each STR field: the one per-field Python loop."""
    return np.fromiter(
        (_xxh64(padded[s:e]) for s, e in zip((starts + _PAD).tolist(), (ends + _PAD).tolist())),
        dtype=np.uint64,
        count=starts.shape[0],
    )


def _assemble(
    values: np.ndarray, null: np.ndarray, row_reason: np.ndarray, keep: np.ndarray,
    first_row_index: int, counters: DecodeCounters,
) -> DecodedRows:
    """Split the rows into kept and dropped ones and fill the row counters."""
    n_rows = row_reason.shape[0]
    idx = np.arange(first_row_index, first_row_index + n_rows, dtype=np.int64)
    counts = np.bincount(row_reason, minlength=len(Reason))
    for rsn in Reason:
        if rsn != Reason.OK:
            counters.errors[rsn.name] = int(counts[rsn])
    counters.rows_out = int(keep.sum())
    counters.rows_dropped = n_rows - counters.rows_out
    all_kept = counters.rows_dropped == 0
    return DecodedRows(
        values=values if all_kept else values[keep],
        null=null if all_kept else null[keep],
        row_index=idx if all_kept else idx[keep],
        reason=row_reason if all_kept else row_reason[keep],
        dropped_index=idx[~keep],
        dropped_reason=row_reason[~keep],
        counters=counters,
    )


def decode_text(
    data: bytes | bytearray | memoryview | np.ndarray,
    schema: Schema,
    fmt: TextFormat,
    *,
    first_row_index: int = 0,
    skip_header: bool = True,
) -> DecodedRows:
    """Decode a whole buffer of delimited text (rules in docs/spec/decode.md).

    `skip_header=False` is for later pieces of a stream whose header was
    already consumed; `first_row_index` continues the data-row numbering.
    """
    return _decode(data, schema, fmt, first_row_index, fmt.header_lines if skip_header else 0)


def _decode(
    data: bytes | bytearray | memoryview | np.ndarray,
    schema: Schema,
    fmt: TextFormat,
    first_row_index: int,
    header_to_skip: int,
) -> DecodedRows:
    """decode_text with an explicit number of header lines still to skip."""
    src = _as_bytes(data)
    n_cols = schema.n_columns
    counters = DecodeCounters(bytes_in=len(src))
    if not src:
        return empty_decoded_rows(n_cols, counters)
    # rule 1: end of stream acts as a final LF; the pad serves the nibble windows
    padded = bytes(_PAD) + src + (b"" if src.endswith(b"\n") else b"\n")
    buf = np.frombuffer(padded, dtype=np.uint8)[_PAD:]
    seps, starts, sep_lf = _segments(buf, fmt.delimiter)
    ends = _field_ends(buf, seps, starts, sep_lf)

    # lines (rules 2-4)
    lf_field = np.flatnonzero(sep_lf)  # each line's last field
    line_first = np.empty_like(lf_field)
    line_first[0] = 0
    line_first[1:] = lf_field[:-1] + 1
    n_lines = lf_field.shape[0]
    n_fields = lf_field - line_first + 1
    is_header = np.arange(n_lines) < header_to_skip
    is_empty = ((ends[lf_field] - starts[line_first]) == 0) & ~is_header
    is_data = ~is_header & ~is_empty
    counters.header_lines = int(min(header_to_skip, n_lines))
    counters.empty_lines = int(is_empty.sum())
    nf_data = n_fields[is_data]
    n_rows = nf_data.shape[0]
    counters.rows_in = n_rows
    counters.rows_short = int((nf_data < n_cols).sum())
    has_extra = nf_data > n_cols

    # fields -> column kinds (rule 5); the common all-regular case needs no index maps
    regular = n_rows == n_lines and bool((nf_data == n_cols).all())
    if regular:
        kind_f = np.tile(schema.kinds, n_rows)
        cf = r = flat = None
    else:
        line_of_field = np.repeat(np.arange(n_lines), n_fields)
        col_f = np.arange(seps.shape[0]) - line_first[line_of_field]
        is_col = is_data[line_of_field] & (col_f < n_cols)
        cf = np.flatnonzero(is_col)
        kind_f = np.full(seps.shape, _K_NONE, dtype=np.uint8)
        kind_f[cf] = schema.kinds[col_f[cf]]
        r = (np.cumsum(is_data) - 1)[line_of_field[cf]]
        flat = r * n_cols + col_f[cf]

    props = _kind_props(kind_f, n_rows, schema.kinds if regular else None)
    cls_f = _field_classes(padded, buf, starts, ends, seps, props[0], fmt.delimiter)
    reason_f, value_f = _field_results(padded, buf, starts, ends, kind_f, cls_f, fmt.max_field_bytes, props)

    if regular:
        reason, value, kind = reason_f, value_f, kind_f
        f_start, f_end = starts, ends
        r = np.repeat(np.arange(n_rows), n_cols)
    else:
        reason, value, kind = reason_f[cf], value_f[cf], kind_f[cf]
        f_start, f_end = starts[cf], ends[cf]

    row_reason = _row_reasons(r, reason, has_extra)
    keep = row_reason == 0 if fmt.policy == BadRowPolicy.DROP else np.ones(n_rows, dtype=bool)
    null_f = (f_end == f_start) | (kind == ColumnKind.SKIP) | (reason != 0)
    if fmt.policy == BadRowPolicy.NULL:
        counters.fields_nulled = int(np.count_nonzero(reason))
    value[null_f] = 0

    if regular:
        values, null = value.reshape(n_rows, n_cols), null_f.reshape(n_rows, n_cols)
        flat = None
    else:
        values = np.zeros(n_rows * n_cols, dtype=np.uint64)
        null = np.ones(n_rows * n_cols, dtype=bool)
        values[flat] = value
        null[flat] = null_f
    str_f = np.flatnonzero((kind == ColumnKind.STR) & ~null_f & keep[r])
    if str_f.size:
        at = str_f if flat is None else flat[str_f]
        values.reshape(-1)[at] = _hash_fields(padded, f_start[str_f], f_end[str_f])
    return _assemble(
        values.reshape(n_rows, n_cols), null.reshape(n_rows, n_cols), row_reason, keep, first_row_index, counters
    )


def iter_text_chunks(path: str | os.PathLike[str], chunk_bytes: int = 16 << 20) -> Iterator[bytes]:
    """Yield the file in pieces of about chunk_bytes that each end right after an LF.

    Only the last piece may lack a final LF (a last line without one). A line
    longer than chunk_bytes makes a longer piece, never a split line, so no
    piece boundary ever falls inside a row or between a CR and its LF.
    """
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be >= 1")
    carry = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk_bytes)
            if not block:
                break
            piece = carry + block
            cut = piece.rfind(b"\n") + 1
            if cut == 0:
                carry = piece
                continue
            carry = piece[cut:]
            yield piece[:cut]
    if carry:
        yield carry


def decode_text_file(
    path: str | os.PathLike[str],
    schema: Schema,
    fmt: TextFormat,
    chunk_bytes: int = 16 << 20,
) -> DecodedRows:
    """Decode a file chunk by chunk, as one stream: same result as decode_text(whole file).

    Header lines are skipped across chunk boundaries if there are more header
    lines than the first chunk holds; row numbering continues from chunk to chunk.
    """
    parts: list[DecodedRows] = []
    next_row = 0
    header_left = fmt.header_lines
    for chunk in iter_text_chunks(path, chunk_bytes):
        part = _decode(chunk, schema, fmt, next_row, header_left)
        header_left -= part.counters.header_lines
        next_row += part.counters.rows_in
        parts.append(part)
    return concat_decoded_rows(parts, schema.n_columns)
