"""The dense (INT) operator chain, int32 semantics: the golden model of the RTL transform lane.

Per dense feature (SPEC §4):
  fill_missing(v) -> clamp(lo, hi) -> shift(+c) -> one of
      log1p     -> float32   (models.log1p; negatives give +0.0, Piper's Neg2ZeroLog)
      identity  -> float32   (int32 -> float32, round to nearest even)
      bucketize -> int32     (numpy.searchsorted(b, x, side="right"))
  then, for the float kinds, the output dtype float32 / float16 / bfloat16.

Every step is defined on int32 or on float32 bit patterns so the RTL can be
bit-exact; numpy's own casts are used for speed where they are proven (in
tests) to equal the integer-only definitions also given here, which are what
the RTL implements. docs/spec/numerics.md is the prose version.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from models import log1p as _log1p

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
MAX_BOUNDARIES = 64
"""Most bucketize boundaries per feature (SPEC §4)."""

DType = Literal["float32", "float16", "bfloat16"]
Kind = Literal["log1p", "identity", "bucketize"]
DTYPES: tuple[str, ...] = ("float32", "float16", "bfloat16")
KINDS: tuple[str, ...] = ("log1p", "identity", "bucketize")


def _check_int32(name: str, v: int) -> int:
    if not INT32_MIN <= int(v) <= INT32_MAX:
        raise ValueError(f"{name}={v} is outside int32")
    return int(v)


# --------------------------------------------------------------------------- integer steps
def as_int32(values: np.ndarray) -> np.ndarray:
    """Decode's uint64 words (sign-extended two's-complement int32) as int32.

    A word that is not a sign-extended int32 is a decode bug, so it raises
    rather than wrapping silently. Signed integer input within int32 is accepted too.
    """
    v = np.asarray(values)
    if v.dtype == np.uint64:
        s = v.view(np.int64)
    elif np.issubdtype(v.dtype, np.integer):
        s = v.astype(np.int64)
    else:
        raise TypeError(f"expected integer words, got {v.dtype}")
    if s.size and (int(s.min()) < INT32_MIN or int(s.max()) > INT32_MAX):
        raise ValueError("value is not a sign-extended int32")
    return s.astype(np.int32)


def fill_missing(values: np.ndarray, null: np.ndarray, v: int) -> np.ndarray:
    """int32 values with every missing entry replaced by v (the word under a null is ignored)."""
    v = _check_int32("fill value", v)
    null = np.asarray(null, dtype=bool)
    raw = np.asarray(values)
    if raw.shape != null.shape:
        raise ValueError(f"values {raw.shape} and null {null.shape} differ in shape")
    words = np.where(null, np.zeros((), dtype=raw.dtype), raw)  # don't-care words cannot fail as_int32
    return np.where(null, np.int32(v), as_int32(words)).astype(np.int32)


def clamp(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """min(max(x, lo), hi) on int32, lo <= hi."""
    lo, hi = _check_int32("lo", lo), _check_int32("hi", hi)
    if lo > hi:
        raise ValueError(f"clamp needs lo <= hi, got lo={lo} hi={hi}")
    return np.clip(np.asarray(x, dtype=np.int32), np.int32(lo), np.int32(hi)).astype(np.int32)


def shift(x: np.ndarray, c: int) -> np.ndarray:
    """x + c with int32 saturation (never wraps: a wrapped log input would be garbage)."""
    c = _check_int32("shift", c)
    s = np.asarray(x, dtype=np.int32).astype(np.int64) + c
    return np.clip(s, INT32_MIN, INT32_MAX).astype(np.int32)


# --------------------------------------------------------------------------- terminal ops
def int32_to_f32_bits(x: np.ndarray) -> np.ndarray:
    """float32 bits of int32 x, round to nearest even, by integer ops only (the RTL's converter).

    Shares the magnitude rounder with log1p (q_to_f32_bits with 0 fraction bits),
    so the RTL needs one int -> float32 unit for both.
    """
    x = np.asarray(x, dtype=np.int32).astype(np.int64)
    sign = (x < 0).astype(np.uint32) << np.uint32(31)
    return sign | _log1p.q_to_f32_bits(np.abs(x), 0)


def identity(x: np.ndarray) -> np.ndarray:
    """int32 -> float32, round to nearest even (numpy's cast; equal to int32_to_f32_bits)."""
    return np.asarray(x, dtype=np.int32).astype(np.float32)


def log1p(x: np.ndarray) -> np.ndarray:
    """float32 log(1 + max(x, 0)) of int32 x: models.log1p.log1p_f32 (Neg2ZeroLog)."""
    return _log1p.log1p_f32(np.asarray(x, dtype=np.int32))


def check_boundaries(b: np.ndarray | tuple[int, ...] | list[int]) -> np.ndarray:
    """Validate bucketize boundaries: 1..64 int32 values, non-decreasing (duplicates allowed)."""
    arr = np.asarray(b)
    if arr.ndim != 1 or not 1 <= arr.size <= MAX_BOUNDARIES:
        raise ValueError(f"bucketize takes 1..{MAX_BOUNDARIES} boundaries, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"boundaries must be integers, got {arr.dtype}")
    if int(arr.min()) < INT32_MIN or int(arr.max()) > INT32_MAX:
        raise ValueError("boundaries must be int32")
    arr = arr.astype(np.int32)
    if np.any(arr[1:] < arr[:-1]):
        raise ValueError("boundaries must be non-decreasing")
    return arr


def bucketize(x: np.ndarray, b: np.ndarray | tuple[int, ...] | list[int]) -> np.ndarray:
    """Number of boundaries <= x, i.e. numpy.searchsorted(b, x, side="right"), as int32.

    The RTL form is a comparator per boundary and a popcount (duplicates count
    twice, exactly as searchsorted does): see bucketize_compare.
    """
    bb = check_boundaries(b)
    return np.searchsorted(bb, np.asarray(x, dtype=np.int32), side="right").astype(np.int32)


def bucketize_compare(x: np.ndarray, b: np.ndarray | tuple[int, ...] | list[int]) -> np.ndarray:
    """sum_j [b_j <= x]: the comparator-bank definition the RTL implements (equal to bucketize)."""
    bb = check_boundaries(b)
    xx = np.asarray(x, dtype=np.int32)
    return (bb[None, :] <= xx.reshape(-1, 1)).sum(axis=1).astype(np.int32).reshape(xx.shape)


# --------------------------------------------------------------------------- output dtype
def f32_bits_to_bf16_bits(u: np.ndarray) -> np.ndarray:
    """bfloat16 bits of float32 bits u: round to nearest even on the top 16 bits.

    Overflow rounds to +-inf through the carry (0x7F7FFFFF -> 0x7F80). A NaN maps
    to 0x7FC0, as torch does; the dense chain never makes one.
    """
    u = np.asarray(u, dtype=np.uint32).astype(np.uint64)
    r = (u + np.uint64(0x7FFF) + ((u >> np.uint64(16)) & np.uint64(1))) >> np.uint64(16)
    nan = (u & np.uint64(0x7FFFFFFF)) > np.uint64(0x7F800000)
    return np.where(nan, np.uint64(0x7FC0), r).astype(np.uint16)


def f32_bits_to_f16_bits(u: np.ndarray) -> np.ndarray:
    """IEEE binary16 bits of float32 bits u, round to nearest even, by integer ops only.

    |v| >= 65520 (the midpoint above 65504, which ties to even = up) gives +-inf;
    results below 2^-14 become subnormal with correct RNE; a NaN becomes a quiet
    NaN with its top payload bits (the chain never makes one, so only NaN-ness is
    specified). This is the RTL's converter.
    """
    u = np.asarray(u, dtype=np.uint32).astype(np.int64)
    sign = (u >> 16) & 0x8000
    a = u & 0x7FFFFFFF
    # normal half: re-bias the exponent (127 -> 15) and round off 13 mantissa bits
    m = a - (112 << 23)
    normal = (m + 0xFFF + ((m >> 13) & 1)) >> 13
    # subnormal half: value / 2^-24 = mant * 2^(e - 126), rounded to nearest even
    e = a >> 23
    mant = (a & 0x7FFFFF) | (1 << 23)
    sh = np.clip(126 - e, 1, 40)
    q = mant >> sh
    rem = mant & ((np.int64(1) << sh) - 1)
    half = np.int64(1) << (sh - 1)
    sub = q + ((rem > half) | ((rem == half) & ((q & 1) == 1)))
    nan = 0x7E00 | ((a >> 13) & 0x3FF)  # quiet NaN keeping the top payload bits (as F16C does)
    h = np.where(a < 0x38800000, sub, normal)
    h = np.where(a >= 0x477FF000, 0x7C00, h)
    h = np.where(a > 0x7F800000, nan, h)
    return (sign | h).astype(np.uint16)


def to_dtype(x_f32: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Round float32 values to the output dtype.

    Returns (bits, value_f32): bits are the stored little-endian words (uint32 for
    float32, uint16 for float16/bfloat16) that go into a batch buffer; value_f32
    is the float32 that equals the rounded value exactly (what training sees).
    """
    x = np.ascontiguousarray(x_f32, dtype=np.float32)
    u = x.view(np.uint32)
    if dtype == "float32":
        return u.copy(), x.copy()
    if dtype == "float16":
        bits = f32_bits_to_f16_bits(u)
        return bits, bits.view(np.float16).astype(np.float32)
    if dtype == "bfloat16":
        bits = f32_bits_to_bf16_bits(u)
        return bits, (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)
    raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")


# --------------------------------------------------------------------------- whole chain
@dataclass(frozen=True)
class DenseOp:
    """One dense output feature's operator settings (the values its CSRs hold)."""

    fill: int = 0
    lo: int = INT32_MIN
    hi: int = INT32_MAX
    shift: int = 0
    kind: str = "log1p"
    boundaries: tuple[int, ...] = ()
    dtype: str = "float32"  # output dtype of a float result
    bucket_as_float: bool = False  # bucketize feeding a *dense* output: the id as a float of `dtype`

    def __post_init__(self) -> None:
        for name in ("fill", "lo", "hi", "shift"):
            _check_int32(name, getattr(self, name))
        if self.lo > self.hi:
            raise ValueError("lo must be <= hi")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.kind == "bucketize":
            check_boundaries(self.boundaries)
        elif self.boundaries or self.bucket_as_float:
            raise ValueError("boundaries and bucket_as_float only apply to bucketize")


def apply_dense(values: np.ndarray, null: np.ndarray, op: DenseOp) -> tuple[np.ndarray, np.ndarray]:
    """Run the whole chain on one column.

    Returns (bits, value): for log1p/identity the stored words of op.dtype and
    their exact float32 values; for bucketize the int32 bucket ids as both the
    stored words (uint32 view) and the values (a generated sparse feature), or,
    with op.bucket_as_float, the id converted like identity (ids <= 64 are exact
    in every dtype) for a bucketized *dense* feature.
    """
    x = shift(clamp(fill_missing(values, null, op.fill), op.lo, op.hi), op.shift)
    if op.kind == "bucketize":
        ids = bucketize(x, op.boundaries)
        if not op.bucket_as_float:
            return ids.view(np.uint32), ids
        return to_dtype(identity(ids), op.dtype)
    f = log1p(x) if op.kind == "log1p" else identity(x)
    return to_dtype(f, op.dtype)
