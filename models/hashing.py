"""XXH64, written from the xxHash specification (doc/xxhash_spec.md, v0.1.1).

Sluice uses one hash family everywhere so the RTL needs one hash unit:
  * STR fields are reduced to XXH64(field bytes, seed=0) by decode;
  * the sparse "salted hash" operator is XXH64(8-byte little-endian key, seed=salt);
  * the on-chip vocabulary table picks its bucket from XXH64(key, VOCAB_SEED).

The vectorised integer-key form is the golden model and the CPU baseline;
tests cross-check both forms against the `xxhash` package from PyPI.
"""
from __future__ import annotations

import numpy as np

MASK64 = (1 << 64) - 1
P1 = 0x9E3779B185EBCA87
P2 = 0xC2B2AE3D27D4EB4F
P3 = 0x165667B19E3779F9
P4 = 0x85EBCA77C2B2AE63
P5 = 0x27D4EB2F165667C5

_U = np.uint64


def _rotl_np(x: np.ndarray, r: int) -> np.ndarray:
    return (x << _U(r)) | (x >> _U(64 - r))


def xxh64_u64(keys: np.ndarray, seed: int | np.ndarray = 0) -> np.ndarray:
    """XXH64 of each key's 8 little-endian bytes; seed may be scalar or per-key."""
    k = np.asarray(keys).astype(np.uint64, copy=False)
    s = np.asarray(seed, dtype=np.uint64) if isinstance(seed, np.ndarray) else _U(seed & MASK64)
    with np.errstate(over="ignore"):
        h = s + _U(P5) + _U(8)
        k1 = _rotl_np(k * _U(P2), 31) * _U(P1)
        h = h ^ k1
        h = _rotl_np(h, 27) * _U(P1) + _U(P4)
        h = h ^ (h >> _U(33))
        h = h * _U(P2)
        h = h ^ (h >> _U(29))
        h = h * _U(P3)
        h = h ^ (h >> _U(32))
    return h


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & MASK64


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * P2) & MASK64
    return (_rotl(acc, 31) * P1) & MASK64


def _merge(acc: int, val: int) -> int:
    acc ^= _round(0, val)
    return (acc * P1 + P4) & MASK64


def xxh64_bytes(data: bytes, seed: int = 0) -> int:
    """XXH64 of an arbitrary byte string (scalar reference form)."""
    n = len(data)
    seed &= MASK64
    pos = 0
    if n >= 32:
        v1 = (seed + P1 + P2) & MASK64
        v2 = (seed + P2) & MASK64
        v3 = seed
        v4 = (seed - P1) & MASK64
        while pos + 32 <= n:
            v1 = _round(v1, int.from_bytes(data[pos:pos + 8], "little"))
            v2 = _round(v2, int.from_bytes(data[pos + 8:pos + 16], "little"))
            v3 = _round(v3, int.from_bytes(data[pos + 16:pos + 24], "little"))
            v4 = _round(v4, int.from_bytes(data[pos + 24:pos + 32], "little"))
            pos += 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & MASK64
        for v in (v1, v2, v3, v4):
            h = _merge(h, v)
    else:
        h = (seed + P5) & MASK64
    h = (h + n) & MASK64
    while pos + 8 <= n:
        h ^= _round(0, int.from_bytes(data[pos:pos + 8], "little"))
        h = (_rotl(h, 27) * P1 + P4) & MASK64
        pos += 8
    if pos + 4 <= n:
        h ^= (int.from_bytes(data[pos:pos + 4], "little") * P1) & MASK64
        h = (_rotl(h, 23) * P2 + P3) & MASK64
        pos += 4
    while pos < n:
        h ^= (data[pos] * P5) & MASK64
        h = (_rotl(h, 11) * P1) & MASK64
        pos += 1
    h ^= h >> 33
    h = (h * P2) & MASK64
    h ^= h >> 29
    h = (h * P3) & MASK64
    h ^= h >> 32
    return h
