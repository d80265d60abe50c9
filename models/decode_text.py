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
  * the 8 bytes that end a numeric field are loaded as one uint64 ("window"),
    turned into digit values and combined SWAR-style into the field's value,
    8 digits per window. Fields
    longer than 8 / 16 / 24 bytes take a second / third window / a scan of
    the leading part, so cost follows the common short fields.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import NamedTuple

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
C_LEN = 0x10  # not a byte class: marks kinds that OVERLONG applies to (see _check_table)


_PAD = 24
"""Zero bytes in front of the buffer so that the three digit windows before any field end exist."""
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


def _window(win: np.ndarray, ends: np.ndarray, dlen: np.ndarray, k: int) -> np.ndarray:
    """Digit values of the 8 bytes ending 8*k bytes before each field end (SWAR lanes).

    Lanes before the field's digits (previous bytes, a sign) are zeroed; a digit
    byte becomes its value (0-9, a-f/A-F -> 10-15: low nibble, +9 when bit 6 is
    set). Other bytes give junk, but such a field is BAD_CHAR or BINARY anyway.
    """
    x = win[ends + (_PAD - 8 - 8 * k)]
    lanes = dlen - 8 * k if k else dlen.copy()
    np.clip(lanes, 0, 8, out=lanes)
    x &= _LANE_MASK[lanes]
    letter = x >> _U64(6)
    letter &= _U64(0x0101010101010101)
    letter *= _U64(9)
    x &= _U64(0x0F0F0F0F0F0F0F0F)
    x += letter
    return x


def _any_not_zero_digit(buf: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per range [lo, hi) of buf (hi > lo): does any byte differ from '0'?"""
    n = hi - lo
    seg = np.zeros(n.shape, dtype=np.int64)
    np.cumsum(n[:-1], out=seg[1:])
    idx = np.arange(int(n.sum()), dtype=np.int64) + np.repeat(lo - seg, n)
    return np.maximum.reduceat((buf[idx] != ord("0")).view(np.uint8), seg) > 0


def _long_fields(
    win: np.ndarray, buf: np.ndarray, ends: np.ndarray, dlen: np.ndarray,
    hexa: np.ndarray, mag: np.ndarray, high: np.ndarray,
) -> None:
    """Add the digits of positions 8-18 (decimal) / 8-15 (hex) to mag, flag digits beyond.

    Only fields with more than 8 digit bytes come here (rare), so subsets are
    cheap. Decimal keeps the last 19 digit positions (10**19 - 1 < 2**64), hex
    the last 16; a non-zero digit further left means OVERFLOW (leading zeros
    are allowed).
    """
    i1 = np.flatnonzero(dlen > 8)
    if not i1.size:
        return
    hx1 = hexa[i1]
    w1 = _pack(_window(win, ends[i1], dlen[i1], 1), np.where(hx1, _U64(16), _U64(10)))
    mag[i1] += np.where(hx1, w1 << _U64(32), w1 * _U64(10**8))
    i2 = i1[dlen[i1] > 16]
    if i2.size:
        hx2 = hexa[i2]
        w2 = _window(win, ends[i2], dlen[i2], 2)
        # decimal: lanes 5, 6, 7 are digit positions 18, 17, 16; lanes 0-4 are positions 23-19
        top = w2 >> _U64(40)
        top3 = (top & _U64(0xFF)) * _U64(100) + ((top >> _U64(8)) & _U64(0xFF)) * _U64(10) + (top >> _U64(16))
        mag[i2] += np.where(hx2, _U64(0), top3 * _U64(10**16))
        high[i2] = np.where(hx2, w2, w2 & _U64(0xFFFFFFFFFF)) != 0
    i3 = i1[dlen[i1] > 24]
    if i3.size:
        high[i3] |= _any_not_zero_digit(buf, ends[i3] - dlen[i3], ends[i3] - 24)


def _check_table() -> np.ndarray:
    """Per kind code: which class bits make a field of that kind bad, plus C_LEN if OVERLONG applies.

    One uint8 per field carries everything kind-specific the checks need:
    LABEL/INT test C_NOTDEC, HEX C_NOTHEX, every column kind C_BIN, SKIP no
    length; fields outside every column (check 0) test nothing.
    """
    t = np.zeros(256, dtype=np.uint8)
    t[int(ColumnKind.LABEL)] = t[int(ColumnKind.INT)] = C_BIN | C_NOTDEC | C_LEN
    t[int(ColumnKind.HEX)] = C_BIN | C_NOTHEX | C_LEN
    t[int(ColumnKind.STR)] = C_BIN | C_LEN
    t[int(ColumnKind.SKIP)] = C_BIN
    return t


_CHECK = _check_table()


def _field_results(
    padded: bytes, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, check: np.ndarray,
    cls_f: np.ndarray, max_field_bytes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Reason (rule 7 priority) and uint64 value of every field (non-column fields: OK).

    All fields are computed at once from their `check` bits (cheaper than
    gathering per-kind subsets); values of STR/SKIP/non-column fields are junk
    here and are replaced or zeroed by the caller.
    """
    is_dec = (check & C_NOTDEC) != 0
    is_hex = (check & C_NOTHEX) != 0
    base = np.where(is_hex, _U64(16), _U64(10))
    length = ends - starts
    first = buf[starts]
    neg = is_dec & (first == ord("-")) & (length > 0)
    signed = neg | (is_dec & (first == ord("+")) & (length > 0))
    lone_sign = signed & (length == 1)
    dlen = length - signed  # the digit bytes
    win = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    mag = _pack(_window(win, ends, dlen, 0), base)
    high = np.zeros(starts.shape, dtype=bool)
    _long_fields(win, buf, ends, dlen, is_hex, mag, high)

    bad = cls_f & check
    bad_char = ((bad & (C_NOTDEC | C_NOTHEX)) != 0) | lone_sign
    limit = np.where(neg, _U64(-INT32_MIN), _U64(INT32_MAX))
    overflow = (is_dec | is_hex) & high | is_dec & (mag > limit)
    binary = (bad & C_BIN) != 0
    overlong = ((check & C_LEN) != 0) & (length > max_field_bytes)

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


class _FieldMap(NamedTuple):
    """Which fields are column fields, and where they go in the [rows, columns] result.

    In the regular case (every line a data row with exactly n_columns fields)
    `cf` and `flat` are `slice(None)`: no index arrays, only views.
    """

    check: np.ndarray  # uint8 per field (all fields): _CHECK of its kind, 0 if not a column field
    kind: np.ndarray  # uint8 ColumnKind of each column field
    cf: np.ndarray | slice  # the column fields, in stream order
    row: np.ndarray  # data-row number (0-based in this buffer) of each column field
    flat: np.ndarray | slice  # row * n_columns + column of each column field


def _map_fields(
    n_fields_total: int, n_fields: np.ndarray, line_first: np.ndarray, is_data: np.ndarray, kinds: np.ndarray,
) -> _FieldMap:
    """Rule 5: field j < n_columns of a data row belongs to column j; the rest is no column field."""
    n_cols = kinds.shape[0]
    n_rows = int(is_data.sum())
    if n_rows == is_data.shape[0] and bool((n_fields == n_cols).all()):
        every = slice(None)
        return _FieldMap(np.tile(_CHECK[kinds], n_rows), np.tile(kinds, n_rows), every,
                         np.repeat(np.arange(n_rows), n_cols), every)
    col_f = np.arange(n_fields_total) - np.repeat(line_first, n_fields)
    np.minimum(col_f, n_cols, out=col_f)
    col_f[np.repeat(~is_data, n_fields)] = n_cols  # column n_cols: "no column"
    check = np.append(_CHECK[kinds], np.uint8(0))[col_f]
    cf = np.flatnonzero(col_f < n_cols)
    row = np.repeat(np.cumsum(is_data) - 1, n_fields)[cf]
    col = col_f[cf]
    return _FieldMap(check, kinds[col], cf, row, row * n_cols + col)


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
    # rule 1: end of stream acts as a final LF; the pad serves the digit windows
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

    fm = _map_fields(seps.shape[0], n_fields, line_first, is_data, schema.kinds)
    cls_f = _field_classes(padded, buf, starts, ends, seps, (fm.check & C_NOTDEC) != 0, fmt.delimiter)
    reason_f, value_f = _field_results(padded, buf, starts, ends, fm.check, cls_f, fmt.max_field_bytes)

    # rules 7-9 on the column fields only
    reason, value, kind = reason_f[fm.cf], value_f[fm.cf], fm.kind
    f_start, f_end = starts[fm.cf], ends[fm.cf]
    row_reason = _row_reasons(fm.row, reason, nf_data > n_cols)
    keep = row_reason == 0 if fmt.policy == BadRowPolicy.DROP else np.ones(n_rows, dtype=bool)
    null_f = (f_end == f_start) | (kind == ColumnKind.SKIP) | (reason != 0)
    if fmt.policy == BadRowPolicy.NULL:
        counters.fields_nulled = int(np.count_nonzero(reason))
    value[null_f] = 0
    str_f = np.flatnonzero((kind == ColumnKind.STR) & ~null_f & keep[fm.row])
    if str_f.size:
        value[str_f] = _hash_fields(padded, f_start[str_f], f_end[str_f])

    values = np.zeros(n_rows * n_cols, dtype=np.uint64)
    null = np.ones(n_rows * n_cols, dtype=bool)
    values[fm.flat] = value
    null[fm.flat] = null_f
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
