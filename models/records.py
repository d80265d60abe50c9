"""Golden encoder/decoder of the decode -> transform record stream (docs/formats/records.md).

One data row = one AXI-Stream packet of 64*K-bit beats (K = FIELDS_PER_BEAT slots of
64 bits), in input order (data-row number order):

* beat 0 (header): [47:0] data-row number, [55:48] reason code (models.schema.Reason,
  0 = clean), [56] tombstone, [127:64] null mask (bit c = column c is null; bits
  >= n_columns are 0; a tombstone's mask is 0). All other bits are 0.
* a kept row has ceil(n_columns / K) value beats after the header: column c sits in
  beat 1 + c // K, slot c % K (bits [64*s+63 : 64*s]); null fields and slots past the
  last column are 0.
* a dropped row (DROP policy) is a one-beat tombstone (tombstone bit set, its reason).

Beats are Python ints here (bit i of the int = bit i of tdata); `packet_bytes` gives
the little-endian byte image that an AXI-Stream sink collects (tdata byte lane j =
bits [8j+7:8j]).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.schema import DecodedRows

FIELDS_PER_BEAT = 8
"""K: 64-bit value slots per beat (beat width 64*K bits)."""

ROW_BITS = 48
TOMBSTONE_BIT = 56
REASON_SHIFT = 48
NULL_SHIFT = 64
MASK64 = (1 << 64) - 1


def value_beats(n_columns: int, k: int = FIELDS_PER_BEAT) -> int:
    """Value beats of a kept row: ceil(n_columns / k)."""
    return -(-n_columns // k)


def header_beat(row: int, reason: int, tombstone: bool, null_mask: int) -> int:
    """The header beat of one row as an int."""
    if not 0 <= row < (1 << ROW_BITS):
        raise ValueError(f"row number {row} does not fit in {ROW_BITS} bits")
    return (row | (int(reason) & 0xFF) << REASON_SHIFT | int(bool(tombstone)) << TOMBSTONE_BIT
            | (null_mask & MASK64) << NULL_SHIFT)


def encode_row(row: int, reason: int, values: np.ndarray, null: np.ndarray, k: int = FIELDS_PER_BEAT) -> list[int]:
    """Beats of one kept row (header + value beats)."""
    n = len(values)
    mask = 0
    for c in np.flatnonzero(null).tolist():
        mask |= 1 << c
    beats = [header_beat(row, reason, False, mask)]
    vals = [0 if null[c] else int(values[c]) for c in range(n)]
    for b in range(value_beats(n, k)):
        word = 0
        for s, v in enumerate(vals[b * k:(b + 1) * k]):
            word |= (v & MASK64) << (64 * s)
        beats.append(word)
    return beats


def encode_tombstone(row: int, reason: int) -> list[int]:
    """The one beat of a dropped row."""
    return [header_beat(row, reason, True, 0)]


def encode(rows: DecodedRows, k: int = FIELDS_PER_BEAT) -> list[list[int]]:
    """Every data row of `rows` (kept and dropped) as packets of beats, in row-number order."""
    items: list[tuple[int, list[int]]] = []
    for i in range(rows.n_rows):
        items.append((int(rows.row_index[i]),
                      encode_row(int(rows.row_index[i]), int(rows.reason[i]), rows.values[i], rows.null[i], k)))
    for idx, rsn in zip(rows.dropped_index.tolist(), rows.dropped_reason.tolist()):
        items.append((int(idx), encode_tombstone(int(idx), int(rsn))))
    items.sort(key=lambda t: t[0])
    return [p for _, p in items]


def packet_bytes(packet: list[int], k: int = FIELDS_PER_BEAT) -> bytes:
    """Little-endian byte image of a packet (what an AXI-Stream sink collects)."""
    nb = 8 * k
    return b"".join(b.to_bytes(nb, "little") for b in packet)


def bytes_packet(data: bytes, k: int = FIELDS_PER_BEAT) -> list[int]:
    """Inverse of packet_bytes."""
    nb = 8 * k
    if len(data) % nb:
        raise ValueError("packet length is not a whole number of beats")
    return [int.from_bytes(data[i:i + nb], "little") for i in range(0, len(data), nb)]


@dataclass
class DecodedRecords:
    """The logical content of a record stream (DecodedRows without counters)."""

    values: np.ndarray  # uint64 [N, n_columns]
    null: np.ndarray  # bool [N, n_columns]
    row_index: np.ndarray  # int64 [N]
    reason: np.ndarray  # uint8 [N]
    dropped_index: np.ndarray  # int64 [D]
    dropped_reason: np.ndarray  # uint8 [D]


def decode(packets: list[list[int]], n_columns: int, k: int = FIELDS_PER_BEAT) -> DecodedRecords:
    """Parse packets back into rows; checks the layout strictly (ValueError on any deviation)."""
    vals: list[list[int]] = []
    nulls: list[list[bool]] = []
    idx: list[int] = []
    rsn: list[int] = []
    d_idx: list[int] = []
    d_rsn: list[int] = []
    nvb = value_beats(n_columns, k)
    for p in packets:
        if not p:
            raise ValueError("empty packet")
        h = p[0]
        row = h & ((1 << ROW_BITS) - 1)
        reason = (h >> REASON_SHIFT) & 0xFF
        tomb = (h >> TOMBSTONE_BIT) & 1
        mask = (h >> NULL_SHIFT) & MASK64
        if h >> (NULL_SHIFT + 64) or (h >> (TOMBSTONE_BIT + 1)) & ((1 << (NULL_SHIFT - TOMBSTONE_BIT - 1)) - 1):
            raise ValueError(f"row {row}: reserved header bits set")
        if mask >> n_columns:
            raise ValueError(f"row {row}: null mask bits beyond n_columns")
        if tomb:
            if len(p) != 1 or mask or reason == 0:
                raise ValueError(f"row {row}: malformed tombstone")
            d_idx.append(row)
            d_rsn.append(reason)
            continue
        if len(p) != 1 + nvb:
            raise ValueError(f"row {row}: {len(p)} beats, expected {1 + nvb}")
        row_vals = []
        for c in range(n_columns):
            row_vals.append((p[1 + c // k] >> (64 * (c % k))) & MASK64)
        for b in range(nvb):
            used = min(k, n_columns - b * k)
            if p[1 + b] >> (64 * used):
                raise ValueError(f"row {row}: non-zero unused slots")
        row_null = [bool(mask >> c & 1) for c in range(n_columns)]
        if any(n and v for n, v in zip(row_null, row_vals)):
            raise ValueError(f"row {row}: null field with a non-zero value")
        vals.append(row_vals)
        nulls.append(row_null)
        idx.append(row)
        rsn.append(reason)
    return DecodedRecords(
        values=np.array(vals, dtype=np.uint64).reshape(-1, n_columns),
        null=np.array(nulls, dtype=bool).reshape(-1, n_columns),
        row_index=np.array(idx, dtype=np.int64),
        reason=np.array(rsn, dtype=np.uint8),
        dropped_index=np.array(d_idx, dtype=np.int64),
        dropped_reason=np.array(d_rsn, dtype=np.uint8),
    )


# ---------------------------------------------------------------------------------------------
# transform -> merger -> id stage -> pack: TransformedRecord (docs/formats/records.md)

BEAT_WORDS = 32
"""32-bit words per TransformedRecord beat (1024-bit beats)."""

TR_HEADER_WORDS = 3  # row number lo, {popular, tombstone, reason, row number hi}, label
TR_TOMBSTONE_BIT = 24
TR_POPULAR_BIT = 25
TR_EOS_BIT = 26


def transformed_words(n_dense: int, n_sparse: int) -> int:
    """32-bit words of a kept row: header (3) + dense (1 each) + sparse (2 each, lo then hi)."""
    return TR_HEADER_WORDS + n_dense + 2 * n_sparse


def transformed_beats(n_dense: int, n_sparse: int, beat_words: int = BEAT_WORDS) -> int:
    return -(-transformed_words(n_dense, n_sparse) // beat_words)


def dense_record_words(dense: np.ndarray, dense_dtype: int) -> np.ndarray:
    """uint32 words of dense values already rounded to the batch dtype (0 f32, 1 f16, 2 bf16):
    the dtype's bits, 16-bit dtypes in [15:0]."""
    v = np.ascontiguousarray(dense, dtype=np.float32)
    if dense_dtype == 0:
        return v.view(np.uint32).copy()
    if dense_dtype == 1:
        return v.astype(np.float16).view(np.uint16).astype(np.uint32)
    return v.view(np.uint32) >> np.uint32(16)


def _tr_header(row: int, reason: int, tombstone: bool, popular: bool) -> tuple[int, int]:
    if not 0 <= row < (1 << ROW_BITS):
        raise ValueError(f"row number {row} does not fit in {ROW_BITS} bits")
    w1 = (row >> 32) | (int(reason) & 0xFF) << 16 | int(bool(tombstone)) << TR_TOMBSTONE_BIT \
        | int(bool(popular)) << TR_POPULAR_BIT
    return row & 0xFFFFFFFF, w1


def _words_to_beats(words: list[int], beat_words: int) -> list[int]:
    beats = []
    for b in range(-(-len(words) // beat_words)):
        beat = 0
        for s, w in enumerate(words[b * beat_words:(b + 1) * beat_words]):
            beat |= (w & 0xFFFFFFFF) << (32 * s)
        beats.append(beat)
    return beats


def encode_eos(rows_in: int, beat_words: int = BEAT_WORDS) -> list[int]:
    """The end-of-stream marker: one beat, row-number field = data rows in the stream."""
    w0, w1 = _tr_header(rows_in, 0, False, False)
    return _words_to_beats([w0, w1 | 1 << TR_EOS_BIT], beat_words)


def encode_transformed(rows, dense_dtype: int = 0, beat_words: int = BEAT_WORDS,
                       eos: bool = False) -> list[list[int]]:
    """Every data row of a models.pack.TransformedRows (kept rows and tombstones) as packets of
    TransformedRecord beats, in row-number order; with eos, the end-of-stream marker last."""
    n_dense = rows.dense.shape[1] if rows.dense.ndim == 2 else 0
    dwords = dense_record_words(rows.dense.reshape(rows.n_rows, n_dense), dense_dtype)
    labels = np.ascontiguousarray(rows.labels, dtype=np.float32).view(np.uint32)
    sparse = np.asarray(rows.sparse, dtype=np.uint64)
    items: list[tuple[int, list[int]]] = []
    for i in range(rows.n_rows):
        row = int(rows.row_index[i])
        w0, w1 = _tr_header(row, int(rows.reason[i]), False, bool(rows.popular[i]))
        words = [w0, w1, int(labels[i])] + [int(x) for x in dwords[i]]
        for v in sparse[i].tolist():
            words += [v & 0xFFFFFFFF, v >> 32]
        items.append((row, _words_to_beats(words, beat_words)))
    for idx, rsn in zip(rows.dropped_index.tolist(), rows.dropped_reason.tolist()):
        w0, w1 = _tr_header(int(idx), int(rsn), True, False)
        items.append((int(idx), _words_to_beats([w0, w1], beat_words)))
    items.sort(key=lambda t: t[0])
    packets = [p for _, p in items]
    if eos:
        rows_in = rows.rows_in if rows.rows_in is not None else rows.n_rows + len(rows.dropped_index)
        packets.append(encode_eos(int(rows_in), beat_words))
    return packets


@dataclass
class TransformedRecords:
    """The logical content of a TransformedRecord stream."""

    labels: np.ndarray  # float32 [N]
    dense_words: np.ndarray  # uint32 [N, n_dense]
    sparse: np.ndarray  # uint64 [N, n_sparse]
    popular: np.ndarray  # bool [N]
    row_index: np.ndarray  # int64 [N]
    reason: np.ndarray  # uint8 [N]
    dropped_index: np.ndarray  # int64 [D]
    dropped_reason: np.ndarray  # uint8 [D]
    eos_rows_in: list[int] = field(default_factory=list)  # row-number field of each end-of-stream marker


def decode_transformed(packets: list[list[int]], n_dense: int, n_sparse: int,
                       beat_words: int = BEAT_WORDS) -> TransformedRecords:
    """Parse TransformedRecord packets; checks the layout strictly (ValueError on any deviation)."""
    nw = transformed_words(n_dense, n_sparse)
    nb = -(-nw // beat_words)
    lab, dns, sps, pop, idx, rsn, d_idx, d_rsn = [], [], [], [], [], [], [], []
    eos_rows: list[int] = []
    for p in packets:
        if not p:
            raise ValueError("empty packet")
        words = [(beat >> (32 * s)) & 0xFFFFFFFF for beat in p for s in range(beat_words)]
        if any(beat >> (32 * beat_words) for beat in p):
            raise ValueError("beat wider than beat_words")
        row = words[0] | (words[1] & 0xFFFF) << 32
        reason = (words[1] >> 16) & 0xFF
        tomb = (words[1] >> TR_TOMBSTONE_BIT) & 1
        popular = (words[1] >> TR_POPULAR_BIT) & 1
        if words[1] >> (TR_EOS_BIT + 1):
            raise ValueError(f"row {row}: reserved header bits set")
        if (words[1] >> TR_EOS_BIT) & 1:
            if len(p) != 1 or words[1] != (row >> 32) | 1 << TR_EOS_BIT or any(words[2:]):
                raise ValueError("malformed end-of-stream marker")
            eos_rows.append(row)
            continue
        if tomb:
            if len(p) != 1 or reason == 0 or popular or any(words[2:]):
                raise ValueError(f"row {row}: malformed tombstone")
            d_idx.append(row)
            d_rsn.append(reason)
            continue
        if len(p) != nb:
            raise ValueError(f"row {row}: {len(p)} beats, expected {nb}")
        if any(words[nw:]):
            raise ValueError(f"row {row}: non-zero words past the row")
        lab.append(words[2])
        dns.append(words[3:3 + n_dense])
        sw = words[3 + n_dense:nw]
        sps.append([sw[2 * f] | sw[2 * f + 1] << 32 for f in range(n_sparse)])
        pop.append(bool(popular))
        idx.append(row)
        rsn.append(reason)
    return TransformedRecords(
        labels=np.array(lab, dtype=np.uint32).view(np.float32),
        dense_words=np.array(dns, dtype=np.uint32).reshape(-1, n_dense),
        sparse=np.array(sps, dtype=np.uint64).reshape(-1, n_sparse),
        popular=np.array(pop, dtype=bool),
        row_index=np.array(idx, dtype=np.int64),
        reason=np.array(rsn, dtype=np.uint8),
        dropped_index=np.array(d_idx, dtype=np.int64),
        dropped_reason=np.array(d_rsn, dtype=np.uint8),
        eos_rows_in=eos_rows,
    )
