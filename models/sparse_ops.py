"""Element-wise sparse operators: fill_missing, salted hash, modulo (exact and Barrett).

These are the golden models for the first stages of the sparse chain
(fill_missing -> optional salted hash -> modulo | vocabulary | none -> optional hot set);
they are numpy-vectorised because they double as the CPU baseline.

`modulo_barrett` is the integer-only reduction the RTL implements (no divider in the
datapath: the host computes one 64-bit constant per column at configuration time).
It is proven equal to exact `%` in docs/spec/sparse.md and checked in
tests/models/test_sparse_ops.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.hashing import xxh64_u64

U64_MAX = (1 << 64) - 1
M_MAX = (1 << 32) - 1  # largest modulus accepted (M < 2^32)

_U = np.uint64
_M32 = _U(0xFFFF_FFFF)
_M33 = _U((1 << 33) - 1)

# Datapath widths of the Barrett unit (see docs/spec/sparse.md, "Barrett reduction").
BARRETT_MU_BITS = 64        # mu = floor((2^64 - 1) / m) fits 64 bits for every m >= 1
BARRETT_MUL1 = (64, 64)     # v * mu, only the high 64 bits of the 128-bit product are kept
BARRETT_MUL2 = (33, 32)     # q[32:0] * m, only the low 33 bits of the product are kept
BARRETT_R_BITS = 33         # pre-correction remainder r < 2m < 2^33


def _as_u64(values: np.ndarray) -> np.ndarray:
    """View/convert to a 1-D-or-more uint64 array; rejects non-integer input so floats never sneak in."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "ui":
        raise TypeError(f"expected an integer array, got dtype {arr.dtype}")
    return arr.astype(np.uint64, copy=False)


def _check_u64_scalar(name: str, x: int) -> int:
    """Configuration scalars are 64-bit registers in the RTL: reject anything that does not fit."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    x = int(x)
    if not 0 <= x <= U64_MAX:
        raise ValueError(f"{name} must be in [0, 2^64), got {x}")
    return x


def fill_missing(values: np.ndarray, null: np.ndarray, fill: int) -> np.ndarray:
    """Replace null entries by `fill` (uint64); the value under a null flag is ignored.

    Missing categorical values become an ordinary key (TorchRec uses 0, `int(v or "0", 16)`),
    so every later stage sees a dense, null-free u64 column.
    """
    v = _as_u64(values)
    n = np.asarray(null, dtype=bool)
    if n.shape != v.shape:
        raise ValueError(f"null mask shape {n.shape} != values shape {v.shape}")
    return np.where(n, _U(_check_u64_scalar("fill", fill)), v)


def salted_hash(values: np.ndarray, salt: int) -> np.ndarray:
    """XXH64 of each key's 8 little-endian bytes, seeded with the 64-bit salt.

    Same hash unit as decode and the vocabulary bucket selector, so the RTL needs only one.
    """
    return xxh64_u64(_as_u64(values), _check_u64_scalar("salt", salt))


def _check_modulus(m: int) -> int:
    """M is a 32-bit configuration register; M = 0 would be a division by zero."""
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)):
        raise TypeError(f"modulus must be an integer, got {type(m).__name__}")
    m = int(m)
    if not 1 <= m <= M_MAX:
        raise ValueError(f"modulus must satisfy 1 <= m < 2^32, got {m}")
    return m


def modulo(values: np.ndarray, m: int) -> np.ndarray:
    """Exact u64 % m for 1 <= m < 2^32 (golden model; numpy's u64 % is exact)."""
    return _as_u64(values) % _U(_check_modulus(m))


@dataclass(frozen=True)
class BarrettParams:
    """Per-column constants loaded into the Barrett unit: the modulus and mu = floor((2^64-1)/m)."""

    m: int
    mu: int


def barrett_params(m: int) -> BarrettParams:
    """Host-side precomputation (one division per column, at configuration time, not per key)."""
    m = _check_modulus(m)
    return BarrettParams(m=m, mu=U64_MAX // m)


def mulhi_u64(a: np.ndarray, b: np.ndarray | np.uint64) -> np.ndarray:
    """High 64 bits of the 128-bit product a*b, from four 32x32 partial products (no overflow)."""
    a0, a1 = a & _M32, a >> _U(32)
    b0, b1 = b & _M32, b >> _U(32)
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _U(32)) + (p01 & _M32) + (p10 & _M32)  # < 3 * 2^32, no overflow
    return p11 + (p01 >> _U(32)) + (p10 >> _U(32)) + (mid >> _U(32))


def modulo_barrett(values: np.ndarray, m: int | BarrettParams) -> np.ndarray:
    """u64 % m the way the RTL computes it: one 64x64 high multiply, one 33x32 low multiply,
    one conditional subtraction.

        q  = (v * mu) >> 64                       (q = floor(v/m) or floor(v/m) - 1)
        r  = (v[32:0] - q[32:0] * m) mod 2^33     (0 <= r < 2m < 2^33)
        r  = r - m if r >= m
    """
    p = m if isinstance(m, BarrettParams) else barrett_params(m)
    v = _as_u64(values)
    mu, mm = _U(p.mu), _U(p.m)
    with np.errstate(over="ignore"):
        q = mulhi_u64(v, mu)
        r = ((v & _M33) - ((q & _M33) * mm)) & _M33  # 33x32 multiplier, low 33 bits
    return np.where(r >= mm, r - mm, r)
