"""fill_missing, salted hash (vs PyPI xxhash), modulo and Barrett reduction (vs Python int %)."""
from __future__ import annotations

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings, strategies as st

from models.sparse_ops import (
    U64_MAX,
    barrett_params,
    fill_missing,
    modulo,
    modulo_barrett,
    mulhi_u64,
    salted_hash,
)

PRIMES = [2, 3, 5, 7, 251, 65521, 65537, 1_000_003, 2_147_483_647, 4_294_967_291]  # last: largest < 2^32
POW2 = [1 << j for j in range(32)]
EDGE_M = sorted(set([1, 2, 3, (1 << 31) - 1, 1 << 31, (1 << 31) + 1, (1 << 32) - 2, (1 << 32) - 1]
                    + PRIMES + POW2 + [(1 << j) - 1 for j in range(2, 33)] + [(1 << j) + 1 for j in range(1, 32)]))
EDGE_V = sorted(set([0, 1, 2, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, (1 << 63) - 1, 1 << 63,
                     (1 << 63) + 1, U64_MAX - 1, U64_MAX]))


def _edge_values(m: int) -> list[int]:
    """Values around multiples of m (where a quotient estimate is most likely to be off by one)."""
    near = []
    for base in (m, 2 * m, (U64_MAX // m) * m, (U64_MAX // m - 1) * m, (1 << 63) // m * m):
        near += [base - 1, base, base + 1]
    return sorted({v for v in EDGE_V + near if 0 <= v <= U64_MAX})


def test_fill_missing() -> None:
    v = np.array([5, 7, 2**64 - 1, 9], dtype=np.uint64)
    null = np.array([False, True, False, True])
    assert fill_missing(v, null, 0).tolist() == [5, 0, 2**64 - 1, 0]
    assert fill_missing(v, null, 2**64 - 1).tolist() == [5, 2**64 - 1, 2**64 - 1, 2**64 - 1]
    assert fill_missing(v, null, 0).dtype == np.uint64
    with pytest.raises(ValueError):
        fill_missing(v, null, -1)
    with pytest.raises(ValueError):
        fill_missing(v, null[:2], 0)


def test_salted_hash_matches_pypi() -> None:
    rng = np.random.default_rng(7)
    keys = np.concatenate([rng.integers(0, U64_MAX, 2000, dtype=np.uint64, endpoint=True),
                           np.array(EDGE_V, dtype=np.uint64)])
    for salt in (0, 1, 0x5EED, 2**63, U64_MAX):
        want = [xxhash.xxh64_intdigest(int(v).to_bytes(8, "little"), seed=salt) for v in keys]
        assert salted_hash(keys, salt).tolist() == want
    with pytest.raises(ValueError):
        salted_hash(keys, 2**64)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, U64_MAX), st.integers(0, U64_MAX))
def test_salted_hash_hypothesis(v: int, salt: int) -> None:
    got = int(salted_hash(np.array([v], dtype=np.uint64), salt)[0])
    assert got == xxhash.xxh64_intdigest(v.to_bytes(8, "little"), seed=salt)


@pytest.mark.parametrize("bad", [0, -1, 2**32, 2**40])
def test_modulus_validation(bad: int) -> None:
    v = np.arange(4, dtype=np.uint64)
    with pytest.raises(ValueError):
        modulo(v, bad)
    with pytest.raises(ValueError):
        barrett_params(bad)
    with pytest.raises(ValueError):
        modulo_barrett(v, bad)


def test_mulhi_matches_python() -> None:
    rng = np.random.default_rng(3)
    a = np.concatenate([rng.integers(0, U64_MAX, 3000, dtype=np.uint64, endpoint=True),
                        np.array(EDGE_V, dtype=np.uint64)])
    b = np.concatenate([rng.integers(0, U64_MAX, 3000, dtype=np.uint64, endpoint=True),
                        np.array(EDGE_V[::-1], dtype=np.uint64)])
    assert mulhi_u64(a, b).tolist() == [(int(x) * int(y)) >> 64 for x, y in zip(a, b)]


def test_barrett_params_widths() -> None:
    for m in EDGE_M:
        p = barrett_params(m)
        assert p.mu == U64_MAX // m and 0 < p.mu <= U64_MAX  # fits the 64-bit mu register


@pytest.mark.parametrize("m", EDGE_M)
def test_modulo_and_barrett_edges(m: int) -> None:
    vals = _edge_values(m)
    arr = np.array(vals, dtype=np.uint64)
    want = [v % m for v in vals]
    assert modulo(arr, m).tolist() == want
    assert modulo_barrett(arr, m).tolist() == want
    assert modulo_barrett(arr, barrett_params(m)).tolist() == want


def test_modulo_and_barrett_random_bulk() -> None:
    rng = np.random.default_rng(11)
    ms = [int(x) for x in rng.integers(1, 2**32, 40, dtype=np.uint64)] + [1, 2**32 - 1, 1 << 31, 4_294_967_291]
    # Mix full-range values with small ones so both the q=0 and the large-quotient regimes occur.
    v = np.concatenate([rng.integers(0, U64_MAX, 4000, dtype=np.uint64, endpoint=True),
                        rng.integers(0, 2**34, 1000, dtype=np.uint64)])
    vl = [int(x) for x in v]
    for m in ms:
        want = [x % m for x in vl]
        assert modulo(v, m).tolist() == want
        assert modulo_barrett(v, m).tolist() == want


@settings(max_examples=500, deadline=None)
@given(st.integers(0, U64_MAX), st.integers(1, 2**32 - 1))
def test_barrett_hypothesis(v: int, m: int) -> None:
    arr = np.array([v, U64_MAX - v, v // m * m, v // m * m - 1 if v >= m else 0], dtype=np.uint64)
    want = [int(x) % m for x in arr]
    assert modulo(arr, m).tolist() == want
    assert modulo_barrett(arr, m).tolist() == want


def test_barrett_quotient_estimate_bound() -> None:
    """The proof's intermediate claim: q = floor(v*mu/2^64) is floor(v/m) or one less,
    so the pre-correction remainder fits 33 bits and one subtraction suffices."""
    rng = np.random.default_rng(5)
    for m in [1, 2, 3, 7, 2**31, 2**32 - 1, 4_294_967_291] + [int(x) for x in rng.integers(1, 2**32, 30)]:
        mu = U64_MAX // m
        for v in _edge_values(m) + [int(x) for x in rng.integers(0, U64_MAX, 200, dtype=np.uint64, endpoint=True)]:
            q = (v * mu) >> 64
            assert v // m - 1 <= q <= v // m
            assert 0 <= v - q * m < 2 * m < 2**33
