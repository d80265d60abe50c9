"""`sluice datagen`: deterministic, Criteo-like training data (TSV or Parquet).

Why synthetic data: the real Criteo files are 11 GB and cannot ship with the
repository, yet every benchmark, co-simulation run and DLRM smoke test needs
inputs that look like Criteo to the hardware (row length, missing fields,
skewed ids, an I2 that goes to -1) and to a model (a label that can be learnt).

Determinism: rows are produced in fixed blocks of ``BLOCK_ROWS`` rows; block b
draws everything from its own generator, seeded by
``SeedSequence(seed, spawn_key=(b, stream))``. Output therefore depends only on
(seed, n_rows) and the options, never on how a writer chunks its work, and
the first k rows of an n-row file are the k rows of any longer file.

See docs/datagen.md for the distributions and the ground-truth file format.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from models.schema import Reason

# --------------------------------------------------------------------------- layout

BLOCK_ROWS = 16384
"""Rows per generation block: the unit of determinism (never change casually)."""

DEFAULT_CHUNK_ROWS = 1 << 17
"""Rows a writer converts at once (bounds memory; output does not depend on it)."""

MAX_CHUNK_ROWS = 1 << 22
"""Larger chunks are split: Arrow strings have 32-bit offsets (4M rows < 2 GiB)."""

DEFAULT_ROW_GROUP_ROWS = 1 << 18
"""Parquet row-group size."""

N_INT = 13
N_CAT = 26
N_FIELDS = 1 + N_INT + N_CAT
INT_NAMES: tuple[str, ...] = tuple(f"I{i}" for i in range(1, N_INT + 1))
CAT_NAMES: tuple[str, ...] = tuple(f"C{i}" for i in range(1, N_CAT + 1))
INT32_MAX = 2**31 - 1

# Random streams of one block (the second element of the spawn key).
_STREAM_DATA = 0
_STREAM_CUT = 1
_STREAM_INJECT = 2

# --------------------------------------------------------------------------- distributions

CTR_TARGET = 0.2562
"""Click-through rate of the Criteo Kaggle training set (BRIEF.md)."""

CARDINALITIES: tuple[int, ...] = (
    1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593, 3194,
    27, 14992, 5461306, 10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572,
)
"""Published distinct-value counts of C1..C26 (Criteo Kaggle)."""


@dataclass(frozen=True)
class IntColumnSpec:
    """One dense column: value = floor(exp(mu + sigma * z)), z ~ N(0, 1).

    The floor of a lognormal gives non-negative, heavy-tailed counts with
    plenty of small values (many 0s and 1s), like Criteo's counters; mu and
    sigma were tuned against the 100 real rows so the text length matches.
    ``weight`` is the column's coefficient in the click model (on the
    standardised log1p value); 0 means the column carries no signal.
    """

    missing: float
    mu: float
    sigma: float
    weight: float = 0.0


INT_SPECS: tuple[IntColumnSpec, ...] = (
    IntColumnSpec(0.45, 0.40, 1.20, +0.45),    # I1
    IntColumnSpec(0.00, 1.90, 1.90),           # I2 (also -1 at I2_NEG_RATE)
    IntColumnSpec(0.21, 1.80, 1.30, -0.20),    # I3
    IntColumnSpec(0.21, 1.70, 1.00),           # I4
    IntColumnSpec(0.026, 8.35, 2.00),          # I5
    IntColumnSpec(0.22, 3.20, 1.70, -0.35),    # I6
    IntColumnSpec(0.04, 1.50, 1.50, +0.30),    # I7
    IntColumnSpec(0.0005, 1.90, 1.20),         # I8
    IntColumnSpec(0.04, 3.70, 1.50),           # I9
    IntColumnSpec(0.45, 0.20, 0.50),           # I10
    IntColumnSpec(0.04, 0.40, 1.00, +0.45),    # I11
    IntColumnSpec(0.77, -1.00, 1.00),          # I12
    IntColumnSpec(0.21, 1.50, 1.20, -0.25),    # I13
)

I2_NEG_RATE = 0.02
"""Share of I2 values replaced by -1 (the only negative value in real Criteo)."""

CAT_MISSING: tuple[float, ...] = (
    0.0, 0.0, 0.034, 0.034, 0.0, 0.12, 0.0, 0.0, 0.0, 0.0, 0.0, 0.034, 0.0,
    0.0, 0.0, 0.034, 0.0, 0.0, 0.44, 0.44, 0.034, 0.76, 0.0, 0.034, 0.44, 0.44,
)
"""Missing rate of C1..C26, close to Criteo Kaggle's."""

CAT_MISSING_GROUP: tuple[int, ...] = (
    0, 1, 2, 2, 4, 5, 6, 7, 8, 9, 10, 2, 12,
    13, 14, 2, 16, 17, 18, 18, 2, 21, 22, 2, 18, 18,
)
"""Column whose uniform decides a column's missingness. In Criteo C19/C20/C25/
C26 are missing in the same rows (one upstream source), and so are C3/C4/C12/
C16/C21/C24; sharing the draw reproduces that and the 37/38-field rows of the
test files."""

CAT_ZIPF_EXPONENT = 1.05
"""Exponent a of the bounded power law P(rank) ~ (rank + 1)^-a over [0, card)."""

CAT_EFFECT_SCALE: tuple[float, ...] = (
    0.30, 0.40, 0.0, 0.0, 0.40, 0.30, 0.0, 0.30, 0.20, 0.0, 0.0, 0.0, 0.0,
    0.40, 0.0, 0.0, 0.40, 0.0, 0.0, 0.30, 0.0, 0.30, 0.50, 0.0, 0.30, 0.0,
)
"""Standard deviation of the per-(column, value) logit effect. Only columns of
modest cardinality (or a hot head) carry one, so an embedding can learn it."""

LOGIT_INTERCEPT = -1.0922
"""Intercept of the click model, calibrated by `calibrate_intercept()` so the
mean label is CTR_TARGET (kept as a constant so labels never depend on floating
point details of a calibration run)."""

_MIX_MUL1 = np.uint32(0x7FEB352D)
_MIX_MUL2 = np.uint32(0x846CA68B)
_VALUE_KEYS = np.array([(0x9E3779B9 * (k + 1)) & 0xFFFFFFFF for k in range(N_CAT)], dtype=np.uint32)
_EFFECT_KEYS = np.array([(0x85EBCA6B * (k + 7)) & 0xFFFFFFFF for k in range(N_CAT)], dtype=np.uint32)
_HEX_PAIR_LUT = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)
_HEX_QUAD_LUT = np.stack([np.repeat(_HEX_PAIR_LUT, 256), np.tile(_HEX_PAIR_LUT, 256)], axis=1).copy().view(np.uint32)[:, 0]
"""16-bit value -> its four lowercase hex characters, as one uint32 in memory order."""


def mix32(x: np.ndarray, key: np.ndarray | np.uint32) -> np.ndarray:
    """Bijective 32-bit mix (xor key, then the 'lowbias32' xorshift-multiply).

    Every step is invertible on 32-bit words, so distinct ranks give distinct
    values, while hot (small) ranks come out looking random like real hashes.
    """
    with np.errstate(over="ignore"):
        v = np.asarray(x, dtype=np.uint32) ^ key
        v = v ^ (v >> np.uint32(16))
        v = v * _MIX_MUL1
        v = v ^ (v >> np.uint32(15))
        v = v * _MIX_MUL2
        v = v ^ (v >> np.uint32(16))
    return v


def zipf_ranks(u: np.ndarray, cardinality: np.ndarray, a: float = CAT_ZIPF_EXPONENT) -> np.ndarray:
    """Inverse CDF of the continuous bounded power law (x+1)^-a on [0, card).

    Closed form, vectorised, and exactly bounded by the cardinality — unlike
    numpy's unbounded Zipf sampler, which would need rejection.
    """
    e = 1.0 - a
    top = np.power(cardinality.astype(np.float64) + 1.0, e) - 1.0
    x = np.power(1.0 + u * top, 1.0 / e) - 1.0
    r = np.floor(x).astype(np.int64)
    return np.clip(r, 0, cardinality.astype(np.int64) - 1).astype(np.uint32)


# --------------------------------------------------------------------------- block generation


@dataclass
class RowBlock:
    """Rows in column-major numpy form; missing entries hold 0 (and a True mask)."""

    label: np.ndarray        # int32 [n]
    ints: np.ndarray         # int32 [n, 13]
    int_missing: np.ndarray  # bool [n, 13]
    ranks: np.ndarray        # uint32 [n, 26] popularity rank of each id (0 = hottest)
    cats: np.ndarray         # uint32 [n, 26] the id as written (mix32 of the rank)
    cat_missing: np.ndarray  # bool [n, 26]

    @property
    def n(self) -> int:
        return int(self.label.shape[0])

    def slice(self, start: int, stop: int) -> "RowBlock":
        return RowBlock(*(getattr(self, f)[start:stop] for f in _BLOCK_FIELDS))

    @staticmethod
    def concat(blocks: list["RowBlock"]) -> "RowBlock":
        if len(blocks) == 1:
            return blocks[0]
        return RowBlock(*(np.concatenate([getattr(b, f) for b in blocks]) for f in _BLOCK_FIELDS))


_BLOCK_FIELDS = ("label", "ints", "int_missing", "ranks", "cats", "cat_missing")


def _rng(seed: int, block: int, stream: int) -> np.random.Generator:
    """Generator of one (block, stream): independent of every other block."""
    if seed < 0:
        raise ValueError("seed must be >= 0")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, stream))))


def _draw_ints(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense counts and their missing mask (draw order is part of the format)."""
    mu = np.array([s.mu for s in INT_SPECS])
    sigma = np.array([s.sigma for s in INT_SPECS])
    miss_rate = np.array([s.missing for s in INT_SPECS])
    u_miss = rng.random((n, N_INT))
    z = rng.standard_normal((n, N_INT))
    u_neg = rng.random(n)
    vals = np.floor(np.exp(np.minimum(mu + sigma * z, 21.0)))  # e^21 < 2^31
    ints = np.minimum(vals, INT32_MAX).astype(np.int32)
    ints[u_neg < I2_NEG_RATE, 1] = -1
    missing = u_miss < miss_rate
    ints[missing] = 0
    return ints, missing


def _draw_cats(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Categorical popularity ranks and their missing mask."""
    u_miss = rng.random((n, N_CAT))
    u_rank = rng.random((n, N_CAT))
    missing = u_miss[:, list(CAT_MISSING_GROUP)] < np.array(CAT_MISSING)
    ranks = zipf_ranks(u_rank, np.array(CARDINALITIES))
    ranks[missing] = 0
    return ranks, missing


def click_logit_features(ints: np.ndarray, int_missing: np.ndarray,
                         ranks: np.ndarray, cat_missing: np.ndarray) -> np.ndarray:
    """The click model's logit without its intercept.

    Dense part: sum of weight * standardised log1p(value) over a few columns
    (missing contributes 0). Sparse part: a fixed pseudo-random effect per
    (column, value), derived by hashing the rank so no table is stored and any
    block can compute it alone.
    """
    logit = np.zeros(ints.shape[0], dtype=np.float64)
    for j, s in enumerate(INT_SPECS):
        if s.weight == 0.0:
            continue
        z = (np.log1p(np.maximum(ints[:, j], 0).astype(np.float64)) - max(s.mu, 0.0)) / s.sigma
        logit += np.where(int_missing[:, j], 0.0, s.weight * z)
    for k, scale in enumerate(CAT_EFFECT_SCALE):
        if scale == 0.0:
            continue
        h = mix32(ranks[:, k], _EFFECT_KEYS[k]).astype(np.float64) * (2.0 / 2**32) - 1.0
        logit += np.where(cat_missing[:, k], 0.0, scale * math.sqrt(3.0) * h)
    return logit


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def generate_block(seed: int, block: int) -> RowBlock:
    """All BLOCK_ROWS rows of block ``block`` (always the full block, so a
    shorter file is a prefix of a longer one)."""
    rng = _rng(seed, block, _STREAM_DATA)
    n = BLOCK_ROWS
    ints, int_missing = _draw_ints(rng, n)
    ranks, cat_missing = _draw_cats(rng, n)
    u_label = rng.random(n)
    p = _sigmoid(LOGIT_INTERCEPT + click_logit_features(ints, int_missing, ranks, cat_missing))
    label = (u_label < p).astype(np.int32)
    cats = mix32(ranks, _VALUE_KEYS[None, :])
    cats[cat_missing] = 0
    return RowBlock(label, ints, int_missing, ranks, cats, cat_missing)


def _block_range(start: int, stop: int) -> range:
    return range(start // BLOCK_ROWS, (stop + BLOCK_ROWS - 1) // BLOCK_ROWS)


def generate_rows(seed: int, start: int, stop: int) -> RowBlock:
    """Rows [start, stop) of the stream for ``seed``."""
    if not 0 <= start <= stop:
        raise ValueError("need 0 <= start <= stop")
    if start == stop:
        return generate_block(seed, 0).slice(0, 0)
    blocks = [generate_block(seed, b) for b in _block_range(start, stop)]
    base = (start // BLOCK_ROWS) * BLOCK_ROWS
    return RowBlock.concat(blocks).slice(start - base, stop - base)


def _per_block_uniform(seed: int, start: int, stop: int, stream: int, width: int = 1) -> np.ndarray:
    """Uniforms of a side stream (cut / injection) for rows [start, stop).

    Side streams are separate from the data stream so turning cuts or
    injections on never changes the logical rows.
    """
    parts = [_rng(seed, b, stream).random((BLOCK_ROWS, width)) for b in _block_range(start, stop)]
    if not parts:
        return np.zeros((0, width))
    base = (start // BLOCK_ROWS) * BLOCK_ROWS
    return np.concatenate(parts)[start - base:stop - base]


# --------------------------------------------------------------------------- Arrow


def arrow_schema() -> pa.Schema:
    """label int32, I1..I13 int32 nullable, C1..C26 uint32 nullable."""
    fields = [pa.field("label", pa.int32(), nullable=False)]
    fields += [pa.field(n, pa.int32()) for n in INT_NAMES]
    fields += [pa.field(n, pa.uint32()) for n in CAT_NAMES]
    return pa.schema(fields)


def block_to_table(b: RowBlock) -> pa.Table:
    """A RowBlock as an Arrow table with nulls for missing fields."""
    cols: list[pa.Array] = [pa.array(b.label, type=pa.int32())]
    cols += [pa.array(b.ints[:, j], type=pa.int32(), mask=b.int_missing[:, j]) for j in range(N_INT)]
    cols += [pa.array(b.cats[:, k], type=pa.uint32(), mask=b.cat_missing[:, k]) for k in range(N_CAT)]
    return pa.Table.from_arrays(cols, schema=arrow_schema())


def generate_table(n_rows: int, seed: int) -> pa.Table:
    """The first ``n_rows`` rows for ``seed`` as an Arrow table (see arrow_schema)."""
    return block_to_table(generate_rows(seed, 0, n_rows))


# --------------------------------------------------------------------------- text


def _hex_chars(cats: np.ndarray) -> np.ndarray:
    """[n, 26] uint32 -> [n, 26, 8] ASCII lowercase hex.

    Two lookups per value in a 65536-entry table of four-character strings
    (256 KiB, stays in L2) instead of eight nibble lookups.
    """
    out = np.empty(cats.shape + (2,), dtype=np.uint32)
    np.take(_HEX_QUAD_LUT, cats >> np.uint32(16), out=out[..., 0])
    np.take(_HEX_QUAD_LUT, cats & np.uint32(0xFFFF), out=out[..., 1])
    return out.view(np.uint8)


def _hex_segment(cats: np.ndarray, missing: np.ndarray, eol: bytes) -> pa.Array:
    """The 26 hex fields of each row as one string "h1\\th2...\\th26<eol>".

    Built as a fixed [n, 26 x 9] byte matrix (8 digits + tab per field), the
    digits of missing fields then squeezed out by one boolean compress; the
    last tab becomes the line end. One Arrow column instead of 26 makes the
    join cheaper, and the line end costs no extra pass.
    """
    n = cats.shape[0]
    width = N_CAT * 9 - 1 + len(eol)
    text = np.empty((n, width), dtype=np.uint8)
    body = text[:, : N_CAT * 9].reshape(n, N_CAT, 9)
    body[..., :8] = _hex_chars(cats)
    body[..., 8] = 0x09
    text[:, N_CAT * 9 - 1:] = np.frombuffer(eol, dtype=np.uint8)
    keep = np.ones((n, width), dtype=bool)
    keep[:, : N_CAT * 9].reshape(n, N_CAT, 9)[..., :8] = ~missing[:, :, None]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(width - 8 * missing.sum(axis=1, dtype=np.int32), out=offsets[1:])
    data = text[keep]
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _joined_lines(b: RowBlock, eol: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All 40 fields of each row joined by tabs, line end included.

    Returns (text, offsets): line i is text[offsets[i]:offsets[i+1]]. Integers
    go through Arrow's int->string cast (nulls become ''), the hex part is one
    prebuilt column, and the join is one Arrow kernel: no per-row Python.
    """
    cols: list[pa.Array] = [pc.cast(pa.array(b.label, type=pa.int32()), pa.string())]
    for j in range(N_INT):
        cols.append(pc.cast(pa.array(b.ints[:, j], type=pa.int32(), mask=b.int_missing[:, j]), pa.string()))
    cols.append(_hex_segment(b.cats, b.cat_missing, eol))
    joined = pc.binary_join_element_wise(*cols, "\t", null_handling="replace", null_replacement="")
    _, off_buf, data_buf = joined.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int32, count=b.n + 1).astype(np.int64)
    text = np.frombuffer(data_buf, dtype=np.uint8, count=int(offsets[-1]))
    return text, offsets


def trailing_empty_fields(b: RowBlock, limit: int = 3) -> np.ndarray:
    """How many of the last ``limit`` fields of each row are empty, counted
    from the end (0..limit): the fields a cut row may drop."""
    run = np.ones(b.n, dtype=bool)
    count = np.zeros(b.n, dtype=np.int64)
    for k in range(N_CAT - 1, N_CAT - 1 - limit, -1):
        run &= b.cat_missing[:, k]
        count += run
    return count


def _cut_trailing(text: np.ndarray, offsets: np.ndarray, cut: np.ndarray,
                  eol_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Remove the ``cut[i]`` tabs that precede line i's end (its trailing empty
    fields); one compress pass, only when some row is cut."""
    if not cut.any():
        return text, offsets
    keep = np.ones(len(text), dtype=bool)
    before_eol = offsets[1:] - eol_len
    for j in range(1, int(cut.max()) + 1):
        keep[before_eol[cut >= j] - j] = False
    new_off = offsets.copy()
    new_off[1:] -= np.cumsum(cut)
    return text[keep], new_off


# --------------------------------------------------------------------------- malformed rows

INJECT_KINDS: tuple[str, ...] = (
    "extra_fields", "bad_char_int", "bad_char_hex", "overflow_int", "overflow_hex",
    "overlong", "binary_nul", "empty_line",
)
"""Kinds of injected damage, each drawn with equal probability."""

EXPECTED_REASON: dict[str, str | None] = {
    "extra_fields": Reason.EXTRA_FIELDS.name,
    "bad_char_int": Reason.BAD_CHAR.name,
    "bad_char_hex": Reason.BAD_CHAR.name,
    "overflow_int": Reason.OVERFLOW.name,
    "overflow_hex": Reason.OVERFLOW.name,
    "overlong": Reason.OVERLONG.name,
    "binary_nul": Reason.BINARY.name,
    "empty_line": None,
}
"""Reason the decoder must report for each kind (None: not a data row)."""

MAX_FIELD_BYTES = 64
"""Decoder's default max_field_bytes (models.schema.TextFormat); overlong fields exceed it."""

_BAD_INT_CHARS = b"abcdefxyz.,:#%_/"
_BAD_HEX_CHARS = b"ghijklmnopqrstuvwyzGHZ.:_/"
_HEX_DIGITS = b"0123456789abcdef"


@dataclass(frozen=True)
class Injection:
    """One injected defect: the row's new fields and what the truth file says."""

    fields: list[bytes] | None  # None: the row is unchanged (an empty line goes before it)
    field: int | None           # 0-based field index that carries the defect
    value: bytes | None         # the bytes of that field


def _digits(rng: np.random.Generator, n: int, alphabet: bytes, first_nonzero: bool = True) -> bytes:
    idx = rng.integers(0, len(alphabet), n)
    if first_nonzero and n:
        idx[0] = rng.integers(1, len(alphabet))
    return bytes(alphabet[i] for i in idx)


def _bad_char_int(rng: np.random.Generator) -> bytes:
    body = bytearray(_digits(rng, int(rng.integers(1, 6)), b"0123456789", first_nonzero=False))
    body.insert(int(rng.integers(0, len(body) + 1)), _BAD_INT_CHARS[int(rng.integers(0, len(_BAD_INT_CHARS)))])
    return bytes(body)


def _bad_char_hex(rng: np.random.Generator) -> bytes:
    body = bytearray(_digits(rng, 8, _HEX_DIGITS, first_nonzero=False))
    body[int(rng.integers(0, 8))] = _BAD_HEX_CHARS[int(rng.integers(0, len(_BAD_HEX_CHARS)))]
    return bytes(body)


def _overflow_int(rng: np.random.Generator) -> bytes:
    """A decimal outside int32: the boundaries ±(2^31) and 10..30-digit values."""
    choice = int(rng.integers(0, 4))
    if choice == 0:
        return b"2147483648"
    if choice == 1:
        return b"-2147483649"
    text = _digits(rng, int(rng.integers(11, 31)), b"0123456789")
    return b"-" + text if choice == 3 else text


def _overflow_hex(rng: np.random.Generator) -> bytes:
    """17..24 hex digits with a non-zero first digit, so the value is >= 2^64."""
    return _digits(rng, int(rng.integers(17, 25)), _HEX_DIGITS)


def make_injection(kind: str, fields: list[bytes], rng: np.random.Generator) -> Injection:
    """Damage one clean 40-field row so that exactly one field is bad."""
    if kind == "empty_line":
        return Injection(None, None, None)
    out = list(fields)
    if kind == "extra_fields":
        extra = [_digits(rng, 8, _HEX_DIGITS, first_nonzero=False) for _ in range(int(rng.integers(1, 4)))]
        out += extra
        return Injection(out, N_FIELDS, extra[0])
    if kind in ("bad_char_int", "overflow_int"):
        f = 1 + int(rng.integers(0, N_INT))
        value = _bad_char_int(rng) if kind == "bad_char_int" else _overflow_int(rng)
    elif kind in ("bad_char_hex", "overflow_hex"):
        f = 1 + N_INT + int(rng.integers(0, N_CAT))
        value = _bad_char_hex(rng) if kind == "bad_char_hex" else _overflow_hex(rng)
    elif kind == "overlong":
        f = 1 + int(rng.integers(0, N_INT + N_CAT))
        length = MAX_FIELD_BYTES + 1 + int(rng.integers(0, 32))
        value = _digits(rng, length, b"0123456789" if f <= N_INT else _HEX_DIGITS)
    elif kind == "binary_nul":
        f = 1 + int(rng.integers(0, N_INT + N_CAT))
        body = bytearray(out[f])
        body.insert(int(rng.integers(0, len(body) + 1)), 0)
        value = bytes(body)
    else:
        raise ValueError(f"unknown injection kind {kind!r}")
    out[f] = value
    return Injection(out, f, value)


# --------------------------------------------------------------------------- writers


@dataclass
class DatagenStats:
    """What a writer produced; printed by the CLI and used by benchmarks."""

    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    positives: int = 0
    cut_rows: int = 0
    injected: int = 0
    empty_lines: int = 0

    @property
    def ctr(self) -> float:
        return self.positives / self.rows if self.rows else 0.0

    @property
    def bytes_per_row(self) -> float:
        return self.bytes / self.rows if self.rows else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0


def _chunks(n_rows: int, chunk_rows: int) -> Iterator[tuple[int, int]]:
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    if chunk_rows <= 0:
        raise ValueError("chunk_rows must be > 0")
    for start in range(0, n_rows, chunk_rows):
        yield start, min(n_rows, start + chunk_rows)


def _inject_rows(seed: int, start: int, stop: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows (absolute indices) chosen for injection and their kind indices."""
    if rate <= 0.0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    u = _per_block_uniform(seed, start, stop, _STREAM_INJECT, width=2)
    rows = np.flatnonzero(u[:, 0] < rate)
    kinds = np.minimum((u[rows, 1] * len(INJECT_KINDS)).astype(np.int64), len(INJECT_KINDS) - 1)
    return rows + start, kinds


class _TsvChunkWriter:
    """Writes assembled chunks, splicing in injected lines and tracking line numbers."""

    def __init__(self, out: BinaryIO, truth: Any, seed: int, eol: bytes) -> None:
        self.out, self.truth, self.seed, self.eol = out, truth, seed, eol
        self.extra_lines = 0  # empty lines injected so far (shift physical line numbers)
        self.stats = DatagenStats()

    def write(self, start: int, text: np.ndarray, line_off: np.ndarray,
              rows: np.ndarray, kinds: np.ndarray) -> None:
        pos = 0
        mv = memoryview(text)
        for row, kind_idx in zip(rows.tolist(), kinds.tolist()):
            i = row - start
            self._emit(mv[pos:line_off[i]])
            line = mv[line_off[i]:line_off[i + 1]].tobytes()
            self._emit(self._injected_line(row, INJECT_KINDS[kind_idx], line))
            pos = int(line_off[i + 1])
        self._emit(mv[pos:])

    def _emit(self, b: bytes | memoryview) -> None:
        self.out.write(b)
        self.stats.bytes += len(b)

    def _injected_line(self, row: int, kind: str, line: bytes) -> bytes:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(row, 0x1A7E)))
        fields = line[: len(line) - len(self.eol)].split(b"\t")
        inj = make_injection(kind, fields, rng)
        physical = row + self.extra_lines
        self.stats.injected += 1
        record: dict[str, Any] = {"line": physical, "data_row": row, "kind": kind,
                                  "expected_reason": EXPECTED_REASON[kind], "field": inj.field,
                                  "value": inj.value.decode("latin-1") if inj.value is not None else None}
        if inj.fields is None:  # an empty line before the (clean) row
            record["data_row"] = None
            self.extra_lines += 1
            self.stats.empty_lines += 1
            new = self.eol + line
        else:
            new = b"\t".join(inj.fields) + self.eol
        if self.truth is not None:
            self.truth.write(json.dumps(record) + "\n")
        return new


def write_tsv(path: str | Path, n_rows: int, seed: int, *, cut_rate: float = 0.0,
              malformed_rate: float = 0.0, truth_path: str | Path | None = None,
              crlf: bool = False, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> DatagenStats:
    """Write ``n_rows`` Criteo-style TSV rows.

    cut_rate: share of rows ending in empty fields whose (up to 3) trailing
    empty fields are cut off, giving the 37..39-field rows of the real test
    files. malformed_rate: share of rows damaged (see INJECT_KINDS); each is
    recorded in ``truth_path`` (JSON Lines) if given. Injected rows are never
    cut. The bytes written depend only on (seed, n_rows) and the options.
    """
    eol = b"\r\n" if crlf else b"\n"
    t0 = time.perf_counter()
    truth = open(truth_path, "w", encoding="ascii") if truth_path is not None else None
    try:
        with open(path, "wb") as out:
            w = _TsvChunkWriter(out, truth, seed, eol)
            for start, stop in _chunks(n_rows, min(chunk_rows, MAX_CHUNK_ROWS)):
                b = generate_rows(seed, start, stop)
                rows, kinds = _inject_rows(seed, start, stop, malformed_rate)
                cut = np.zeros(b.n, dtype=np.int64)
                if cut_rate > 0.0:
                    chosen = _per_block_uniform(seed, start, stop, _STREAM_CUT)[:, 0] < cut_rate
                    chosen[rows - start] = False
                    cut = np.where(chosen, trailing_empty_fields(b), 0)
                text, line_off = _cut_trailing(*_joined_lines(b, eol), cut, len(eol))
                w.write(start, text, line_off, rows, kinds)
                w.stats.rows += b.n
                w.stats.positives += int(b.label.sum())
                w.stats.cut_rows += int(np.count_nonzero(cut))
    finally:
        if truth is not None:
            truth.close()
    w.stats.seconds = time.perf_counter() - t0
    return w.stats


def write_parquet(path: str | Path, n_rows: int, seed: int, *,
                  row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
                  compression: str = "snappy") -> DatagenStats:
    """Write the same logical rows as write_tsv (without cuts or injections) as
    Parquet, one row group per ``row_group_rows`` rows."""
    t0 = time.perf_counter()
    stats = DatagenStats()
    with pq.ParquetWriter(str(path), arrow_schema(), compression=compression) as writer:
        for start, stop in _chunks(n_rows, row_group_rows):
            b = generate_rows(seed, start, stop)
            writer.write_table(block_to_table(b), row_group_size=b.n)
            stats.rows += b.n
            stats.positives += int(b.label.sum())
    stats.bytes = Path(path).stat().st_size
    stats.seconds = time.perf_counter() - t0
    return stats


# --------------------------------------------------------------------------- calibration


def calibrate_intercept(n_rows: int = 1 << 18, seed: int = 12345, target: float = CTR_TARGET) -> float:
    """Intercept b with mean(sigmoid(b + features)) == target over a sample.

    Used to set LOGIT_INTERCEPT after changing the click model (bisection:
    the mean is monotone in b).
    """
    feats = []
    for blk in range((n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS):
        rng = _rng(seed, blk, _STREAM_DATA)
        ints, im = _draw_ints(rng, BLOCK_ROWS)
        ranks, cm = _draw_cats(rng, BLOCK_ROWS)
        feats.append(click_logit_features(ints, im, ranks, cm))
    f = np.concatenate(feats)
    lo, hi = -10.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(mid + f).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# --------------------------------------------------------------------------- CLI


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `datagen` subcommand; its handler is stored as ``args.func``."""
    p = subparsers.add_parser("datagen", help="generate deterministic Criteo-like data",
                              description="Generate deterministic Criteo-like TSV or Parquet data.")
    p.add_argument("--rows", type=int, required=True, help="number of data rows")
    p.add_argument("--seed", type=int, default=0, help="seed (>= 0); same seed and rows = same bytes")
    p.add_argument("--out", required=True, help="output file")
    p.add_argument("--format", choices=("tsv", "parquet"), default="tsv")
    p.add_argument("--cut-rate", type=float, default=0.0,
                   help="share of rows with trailing empty fields written with them cut off")
    p.add_argument("--malformed-rate", type=float, default=0.0, help="share of rows damaged on purpose")
    p.add_argument("--truth", default=None, help="JSON Lines ground truth of the damaged rows")
    p.add_argument("--crlf", action="store_true", help="end lines with CR LF")
    p.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help=argparse.SUPPRESS)
    p.set_defaults(func=run_cli)


def run_cli(args: argparse.Namespace) -> int:
    """Handler of `sluice datagen`: write the file and print a one-line summary."""
    if args.format == "parquet":
        if args.malformed_rate or args.cut_rate or args.crlf or args.truth:
            print("datagen: --cut-rate/--malformed-rate/--truth/--crlf apply to TSV only")
            return 2
        s = write_parquet(args.out, args.rows, args.seed)
    else:
        s = write_tsv(args.out, args.rows, args.seed, cut_rate=args.cut_rate,
                      malformed_rate=args.malformed_rate, truth_path=args.truth,
                      crlf=args.crlf, chunk_rows=args.chunk_rows)
    extra = f" cut={s.cut_rows} injected={s.injected}" if args.format == "tsv" else ""
    print(f"datagen: rows={s.rows} bytes={s.bytes} bytes/row={s.bytes_per_row:.1f} "
          f"MB/s={s.mb_per_s:.1f} CTR={s.ctr:.4f}{extra} -> {args.out}")
    return 0


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="datagen")
    register(_parser.add_subparsers(required=True))
    _args = _parser.parse_args()
    raise SystemExit(_args.func(_args))
