"""The fixed-point log1p golden model: accuracy, exactness, table provenance, RTL-facing facts.

Coverage is stratified so `make test` stays fast: every x < 2^20, +-64 windows
around every power of two and every segment boundary of every exponent, 2 M
seeded random x, and an mpmath spot check; the full 2^31 sweep is the slow test.
"""
from __future__ import annotations

import functools

import mpmath as mp
import numpy as np
import pytest

from models import log1p as L

ABS_ERR_BOUND = 2.0 ** -40
"""Documented bound on |L 2^-F - log(1+x)| (docs/spec/numerics.md; measured 2^-40.5)."""
HALF_ULP_MARGIN = 2.0 ** -10
"""Slack over 0.5 ulp: ABS_ERR_BOUND / smallest ulp (2^-24) = 2^-16, plus float64 reference error."""


def _windows(centres: list[int], radius: int = 64) -> np.ndarray:
    c = np.array(centres, dtype=np.int64)[:, None]
    return (c + np.arange(-radius, radius + 1, dtype=np.int64)[None, :]).ravel()


@functools.lru_cache(maxsize=1)
def strata() -> np.ndarray:
    """Sorted unique x covering the places an error would hide."""
    small = np.arange(1 << 20, dtype=np.int64)
    pow2 = [1 << k for k in range(32)]
    # x with y = x + 1 at a segment start: y = 2^e + i 2^(e - SEG_BITS)
    seg = [(1 << e) + (i << (e - L.SEG_BITS)) - 1
           for e in range(L.SEG_BITS, 32) for i in range(1 << L.SEG_BITS)]
    rnd = np.random.default_rng(20240531).integers(0, 1 << 31, 2_000_000, dtype=np.int64)
    x = np.concatenate([small, _windows(pow2), _windows(seg), rnd])
    x = x[(x >= 0) & (x <= L.X_MAX)]
    return np.unique(x)


def _bits(f: np.ndarray) -> np.ndarray:
    return np.asarray(f, dtype=np.float32).view(np.int32).astype(np.int64)


# --------------------------------------------------------------------------- exact values
def test_zero_is_exactly_positive_zero() -> None:
    assert L.log1p_q(np.array([0]))[0] == 0
    assert _bits(L.log1p_f32(np.array([0])))[0] == 0
    assert L.COEFFS[0, 0] == 0


def test_negatives_give_positive_zero() -> None:
    x = np.array([-1, -2, -(1 << 31), -12345], dtype=np.int64)
    assert np.all(_bits(L.log1p_f32(x)) == 0)
    assert np.all(_bits(L.log1p_f32(x.astype(np.int32))) == 0)


def test_domain_and_types() -> None:
    with pytest.raises(ValueError):
        L.log1p_q(np.array([-1]))
    with pytest.raises(ValueError):
        L.log1p_q(np.array([1 << 31]))
    with pytest.raises(ValueError):
        L.log1p_f32(np.array([1 << 31]))
    with pytest.raises(ValueError):
        L.log1p_f32(np.array([1 << 63], dtype=np.uint64))
    with pytest.raises(TypeError):
        L.log1p_f32(np.array([1.0]))
    for dt in (np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32, np.int64, np.uint64):
        x = np.array([0, 1, 100], dtype=dt)
        assert np.array_equal(L.log1p_f32(x), L.log1p_f32(x.astype(np.int64)))
    x = np.arange(12).reshape(3, 4)
    assert L.log1p_f32(x).shape == (3, 4) and L.log1p_f32(x).dtype == np.float32
    assert L.log1p_f32(np.array([], dtype=np.int32)).shape == (0,)


# --------------------------------------------------------------------------- accuracy
def test_within_one_ulp_of_correctly_rounded() -> None:
    x = strata()
    ours = L.log1p_f32(x)
    cr = np.log1p(x.astype(np.float64)).astype(np.float32)
    diff = np.abs(_bits(ours) - _bits(cr))
    assert diff.max() <= 1, x[np.argmax(diff)]
    # Misrounding needs log(1+x) within ~2^-40 of a midpoint: rare (0 to a few here).
    assert np.count_nonzero(diff) <= 20


def test_half_ulp_plus_margin() -> None:
    x = strata()
    ours = L.log1p_f32(x)
    ref = np.log1p(x.astype(np.float64))
    ulp = np.spacing(ours).astype(np.float64)
    err = np.abs(ours.astype(np.float64) - ref)
    nz = x > 0
    assert np.all(err[nz] <= (0.5 + HALF_ULP_MARGIN) * ulp[nz])


def test_fixed_point_absolute_error() -> None:
    x = strata()
    q = L.log1p_q(x)
    assert int(q.max()) < 1 << 53  # the float64 route below is exact
    err = np.abs(q * 2.0 ** -L.FRAC_BITS - np.log1p(x.astype(np.float64)))
    assert err.max() <= ABS_ERR_BOUND


def test_mpmath_spot_check() -> None:
    """2000 values against 60-digit mpmath: correct rounding within 1 ulp and the absolute bound."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.choice(strata(), 1900, replace=False),
                        np.array([1, 2, 3, L.X_MAX, L.X_MAX - 1, (1 << 30) - 1, 1 << 30] +
                                 [(1 << k) - 1 for k in range(1, 32)] + [(1 << k) for k in range(31)])])
    q = L.log1p_q(x)
    ours = L.log1p_f32(x)
    scale = mp.mpf(2) ** -L.FRAC_BITS
    n_cr = 0
    for xv, qv, ov in zip(x.tolist(), q.tolist(), ours.tolist()):
        want, v = L.cr_f32_mp(xv)
        assert abs(int(_bits(np.float32(ov))) - int(_bits(want))) <= 1, xv
        with mp.workdps(60):
            assert abs(qv * scale - v) <= ABS_ERR_BOUND, xv
            if xv:
                ulp = float(np.spacing(np.float32(ov)))
                assert abs(mp.mpf(ov) - v) <= (0.5 + HALF_ULP_MARGIN) * ulp, xv
        n_cr += bool(np.float32(ov) == want)
    assert n_cr >= len(x) - 2


def test_monotone() -> None:
    """L is strictly increasing: the error bound is below half the smallest gap log(1+1/2^31)."""
    x = strata()
    q = L.log1p_q(x)
    assert np.all(np.diff(q) > 0)
    f = L.log1p_f32(x)
    assert np.all(np.diff(f) >= 0)


# --------------------------------------------------------------------------- the integer algorithm
def _reference_q(x: int) -> int:
    """The documented algorithm in Python ints (unbounded, so no overflow can hide)."""
    y = x + 1
    e = y.bit_length() - 1
    t = (y << (L.IN_BITS - e)) - (1 << L.IN_BITS)
    i, u = t >> L.U_BITS, t & ((1 << L.U_BITS) - 1)
    c = [int(v) for v in L.COEFFS[i]]
    acc = c[L.DEGREE]
    for k in range(L.DEGREE - 1, -1, -1):
        acc = c[k] + ((acc * u) >> L.U_BITS)
    return e * L.LN2_Q + acc


def test_vectorised_equals_reference_algorithm() -> None:
    rng = np.random.default_rng(3)
    seg_end = [(1 << e) + ((i + 1) << (e - L.SEG_BITS)) - 2
               for e in range(L.SEG_BITS, 32) for i in range(1 << L.SEG_BITS)]
    seg_end = [v for v in seg_end if v <= L.X_MAX]
    x = np.concatenate([rng.choice(strata(), 4000, replace=False), np.array(seg_end[::7]),
                        np.array([0, 1, L.X_MAX])])
    got = L.log1p_q(x).tolist()
    assert got == [_reference_q(v) for v in x.tolist()]


def test_ilog2_fast_equals_integer_clz() -> None:
    y = np.unique(np.clip(_windows([1 << k for k in range(32)], 3), 1, 1 << 31))
    assert np.array_equal(L._ilog2_fast(y), L.ilog2(y))
    assert np.array_equal(L.ilog2(y), np.array([v.bit_length() - 1 for v in y.tolist()]))


def test_float64_cast_is_one_rne_rounding() -> None:
    """float32(L * 2^-F) via float64 equals the integer-only RNE the RTL does."""
    q = L.log1p_q(strata())
    assert np.array_equal(L.q_to_f32_bits(q), (q * 2.0 ** -L.FRAC_BITS).astype(np.float32).view(np.uint32))
    rng = np.random.default_rng(11)
    r = rng.integers(1, 1 << 53, 500_000, dtype=np.int64) >> rng.integers(0, 52, 500_000)
    r = np.maximum(r, 1)
    # exact ties and tie +-1 at every shift: (odd/even keep) * 2^s + 2^(s-1)
    s = rng.integers(1, 29, 200_000)
    keep = rng.integers(1 << 23, 1 << 24, 200_000)
    tie = (keep << s) + (np.int64(1) << (s - 1))
    cases = np.concatenate([r, tie, tie - 1, tie + 1, [1, (1 << 24) - 1, (1 << 25) - 1, (1 << 53) - 1]])
    for fb in (0, 20, L.FRAC_BITS, 52):
        want = (cases * 2.0 ** -fb).astype(np.float32).view(np.uint32)
        assert np.array_equal(L.q_to_f32_bits(cases, fb), want), fb


# --------------------------------------------------------------------------- table provenance
def test_table_regenerates_exactly() -> None:
    """The committed table is what generate_table makes (mpmath only: platform-independent)."""
    assert L.generate_table() == L.load_table()


def test_table_words_round_trip_and_widths() -> None:
    words = L.table_words()
    assert len(words) == 1 << L.SEG_BITS
    assert all(0 <= w < 1 << L.WORD_BITS for w in words)
    assert [list(L.unpack_word(w)) for w in words] == L.COEFFS.tolist()
    for k, (w, sgn) in enumerate(zip(L.COEF_WIDTHS, L.COEF_SIGNED)):
        col = L.COEFFS[:, k]
        lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if sgn else (0, (1 << w) - 1)
        assert lo <= int(col.min()) and int(col.max()) <= hi
        assert sgn == bool(col.min() < 0)
    lines = L.readmemh_lines()
    assert len(lines) == len(words) and {len(s) for s in lines} == {(L.WORD_BITS + 3) // 4}


def test_parameters_and_int64_headroom() -> None:
    assert L.U_BITS == L.IN_BITS - L.SEG_BITS
    assert all(prod <= 63 for _, prod in L.horner_bounds())
    assert (31 * L.LN2_Q + int(L.COEFFS[:, 0].max()) + int(L.COEFFS[:, 1].max())) < 1 << 53
    assert abs(L.LN2_Q - mp.log(2) * mp.mpf(2) ** L.FRAC_BITS) <= 0.5


@pytest.mark.slow
def test_exhaustive_all_int32() -> None:
    """Every x in [0, 2^31): within 1 ulp of correctly rounded, monotone (make soak)."""
    r = L.exhaustive(verbose=False)
    assert r["n"] == 1 << 31
    assert r["max_ulp_vs_correctly_rounded"] <= 1
    assert r["monotone"]
    assert r["max_abs_err_fixed_point"] <= ABS_ERR_BOUND
    assert r["fraction_correctly_rounded"] >= 0.99999
