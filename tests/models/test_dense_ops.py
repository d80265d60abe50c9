"""Dense chain golden model: int32 edge semantics, bucketize, fp16/bf16 rounding vs numpy and torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from models import dense_ops as D
from models.log1p import log1p_f32

I32 = st.integers(D.INT32_MIN, D.INT32_MAX)
EDGES = np.array([0, 1, -1, 2, -2, D.INT32_MAX, D.INT32_MIN, D.INT32_MAX - 1, D.INT32_MIN + 1,
                  1 << 24, (1 << 24) + 1, -(1 << 24) - 1, 1 << 30, -(1 << 30)], dtype=np.int64)


def _words(x: np.ndarray) -> np.ndarray:
    """int32 values as decode's sign-extended uint64 words."""
    return np.asarray(x, dtype=np.int64).view(np.uint64)


def _f32_patterns(n: int, seed: int) -> np.ndarray:
    """Finite float32 bit patterns: every exponent and sign, random and near-tie mantissas."""
    rng = np.random.default_rng(seed)
    exp = np.arange(255, dtype=np.uint32)  # 255 would be inf/NaN
    per = max(1, n // (2 * 255))
    mant = rng.integers(0, 1 << 23, (2, 255, per), dtype=np.uint32)
    # mantissas whose low 13/16 bits sit at, just below and just above the rounding midpoint
    ties = np.array([0x1000, 0x0FFF, 0x1001, 0x3000, 0x8000, 0x7FFF, 0x8001, 0x18000, 0x7FFFFF, 0, 1],
                    dtype=np.uint32)
    hi = rng.integers(0, 1 << 7, (2, 255, ties.size), dtype=np.uint32) << np.uint32(16)
    tie_m = (hi | ties[None, None, :]) & np.uint32(0x7FFFFF)
    m = np.concatenate([mant, tie_m], axis=2)
    sign = np.array([0, 1 << 31], dtype=np.uint32)[:, None, None]
    return (sign | (exp[None, :, None] << np.uint32(23)) | m).ravel()


def _torch_bits(f: np.ndarray, dt: torch.dtype) -> np.ndarray:
    return torch.from_numpy(f.copy()).to(dt).view(torch.int16).numpy().view(np.uint16)


# --------------------------------------------------------------------------- int32 steps
def test_as_int32_sign_extension() -> None:
    got = D.as_int32(_words(EDGES))
    assert got.dtype == np.int32 and got.tolist() == EDGES.tolist()
    for bad in (1 << 31, 1 << 32, (1 << 64) - (1 << 31) - 1):
        with pytest.raises(ValueError):
            D.as_int32(np.array([bad], dtype=np.uint64))


def test_fill_missing() -> None:
    vals = _words(np.array([5, -7, 0, 0, D.INT32_MIN]))
    vals[3] = np.uint64(1 << 40)  # garbage under a null is a don't-care
    null = np.array([False, True, False, True, False])
    assert D.fill_missing(vals, null, 42).tolist() == [5, 42, 0, 42, D.INT32_MIN]
    assert D.fill_missing(vals, null, D.INT32_MIN).dtype == np.int32
    with pytest.raises(ValueError):
        D.fill_missing(vals, null, 1 << 31)
    with pytest.raises(ValueError):
        D.fill_missing(vals, null[:3], 0)
    allnull = np.ones(5, dtype=bool)
    assert D.fill_missing(vals, allnull, -3).tolist() == [-3] * 5


def test_clamp_edges() -> None:
    x = EDGES.astype(np.int32)
    assert D.clamp(x, D.INT32_MIN, D.INT32_MAX).tolist() == x.tolist()
    assert D.clamp(x, 0, 0).tolist() == [0] * x.size
    assert D.clamp(x, -1, 1).tolist() == np.clip(EDGES, -1, 1).tolist()
    with pytest.raises(ValueError):
        D.clamp(x, 1, 0)


def test_shift_saturates() -> None:
    assert D.shift(np.array([D.INT32_MAX]), 1).tolist() == [D.INT32_MAX]
    assert D.shift(np.array([D.INT32_MIN]), -1).tolist() == [D.INT32_MIN]
    assert D.shift(np.array([D.INT32_MAX, D.INT32_MIN]), D.INT32_MAX).tolist() == [D.INT32_MAX, -1]
    assert D.shift(np.array([D.INT32_MAX, D.INT32_MIN]), D.INT32_MIN).tolist() == [-1, D.INT32_MIN]
    assert D.shift(np.array([3]), 0).tolist() == [3]
    with pytest.raises(ValueError):
        D.shift(np.array([3]), 1 << 31)


@settings(max_examples=300, deadline=None)
@given(st.lists(I32, min_size=1, max_size=50), I32, I32, I32)
def test_int_steps_properties(xs: list[int], a: int, b: int, c: int) -> None:
    lo, hi = min(a, b), max(a, b)
    x = np.array(xs, dtype=np.int32)
    cl = D.clamp(x, lo, hi)
    assert cl.tolist() == [min(max(v, lo), hi) for v in xs]
    sh = D.shift(x, c)
    assert sh.dtype == np.int32
    assert sh.tolist() == [min(max(v + c, D.INT32_MIN), D.INT32_MAX) for v in xs]


# --------------------------------------------------------------------------- identity
def test_identity_rne_matches_integer_converter_and_torch() -> None:
    rng = np.random.default_rng(5)
    c = [1 << k for k in range(31)] + [3 << k for k in range(30)]
    w = (np.array(c)[:, None] + np.arange(-40, 41)[None, :]).ravel()
    x = np.concatenate([EDGES, w, -w, rng.integers(D.INT32_MIN, D.INT32_MAX, 500_000, endpoint=True)])
    x = np.clip(x, D.INT32_MIN, D.INT32_MAX).astype(np.int32)
    f = D.identity(x)
    assert f.dtype == np.float32
    assert np.array_equal(D.int32_to_f32_bits(x), f.view(np.uint32))
    assert np.array_equal(torch.from_numpy(x).to(torch.float32).numpy().view(np.uint32), f.view(np.uint32))
    assert D.identity(np.array([D.INT32_MIN]))[0] == np.float32(-2.0 ** 31)
    assert D.identity(np.array([D.INT32_MAX]))[0] == np.float32(2.0 ** 31)  # rounds up
    assert D.identity(np.array([(1 << 24) + 1]))[0] == np.float32(1 << 24)  # tie to even


def test_log1p_wrapper_neg2zero() -> None:
    x = EDGES.astype(np.int32)
    got = D.log1p(x)
    assert np.array_equal(got, log1p_f32(np.maximum(EDGES, 0)))
    assert np.all(got[EDGES < 0].view(np.uint32) == 0)


# --------------------------------------------------------------------------- bucketize
def test_bucketize_against_numpy_and_torch() -> None:
    rng = np.random.default_rng(9)
    cases = [
        [0],
        [D.INT32_MIN],
        [D.INT32_MAX],
        [-5, 0, 0, 0, 7, 7, 100],
        [D.INT32_MIN, D.INT32_MIN, -1, 0, 1, D.INT32_MAX, D.INT32_MAX],
        list(range(-32, 32)),
        sorted(rng.integers(-1000, 1000, 64).tolist()),
        sorted(rng.integers(D.INT32_MIN, D.INT32_MAX, 64, endpoint=True).tolist()),
    ]
    for b in cases:
        bb = np.array(b, dtype=np.int32)
        x = np.concatenate([EDGES, bb.astype(np.int64), bb.astype(np.int64) - 1, bb.astype(np.int64) + 1,
                            rng.integers(-1100, 1100, 2000), rng.integers(D.INT32_MIN, D.INT32_MAX, 2000)])
        x = np.clip(x, D.INT32_MIN, D.INT32_MAX).astype(np.int32)
        got = D.bucketize(x, b)
        assert got.dtype == np.int32
        assert np.array_equal(got, np.searchsorted(bb, x, side="right"))
        assert np.array_equal(got, D.bucketize_compare(x, b))
        tb = torch.bucketize(torch.from_numpy(x), torch.from_numpy(bb), right=True, out_int32=True)
        assert np.array_equal(got, tb.numpy())


def test_bucketize_equal_values_and_duplicates() -> None:
    b = [1, 3, 3, 3, 9]
    assert D.bucketize(np.array([0, 1, 2, 3, 4, 9, 10]), b).tolist() == [0, 1, 1, 4, 4, 5, 5]


def test_bucketize_rejects_bad_boundaries() -> None:
    for bad in ([], list(range(65)), [2, 1], [0, 1 << 31], [[1, 2]]):
        with pytest.raises(ValueError):
            D.bucketize(np.array([0]), bad)
    with pytest.raises(TypeError):
        D.bucketize(np.array([0]), [0.5, 1.5])
    assert D.bucketize(np.array([100]), list(range(64))).tolist() == [64]


@settings(max_examples=200, deadline=None)
@given(st.lists(I32, min_size=1, max_size=64), st.lists(I32, min_size=1, max_size=40))
def test_bucketize_property(b: list[int], xs: list[int]) -> None:
    bb = sorted(b)
    x = np.array(sorted(xs), dtype=np.int32)
    got = D.bucketize(x, bb)
    assert got.tolist() == [sum(1 for v in bb if v <= xv) for xv in x.tolist()]
    assert np.all(np.diff(got) >= 0) and 0 <= got.min() and got.max() <= len(bb)


# --------------------------------------------------------------------------- output dtype
def test_float32_is_identity() -> None:
    f = _f32_patterns(20_000, 1).view(np.float32)
    bits, val = D.to_dtype(f, "float32")
    assert bits.dtype == np.uint32 and np.array_equal(bits, f.view(np.uint32))
    assert np.array_equal(val.view(np.uint32), f.view(np.uint32))


def test_bfloat16_matches_torch() -> None:
    f = _f32_patterns(400_000, 2).view(np.float32)
    extra = np.array([np.inf, -np.inf, 0.0, -0.0, 3.3895314e38, -3.4028235e38, 1e-45], dtype=np.float32)
    f = np.concatenate([f, extra])
    bits, val = D.to_dtype(f, "bfloat16")
    assert bits.dtype == np.uint16
    assert np.array_equal(bits, _torch_bits(f, torch.bfloat16))
    want = torch.from_numpy(f.copy()).to(torch.bfloat16).to(torch.float32).numpy()
    assert np.array_equal(val.view(np.uint32), want.view(np.uint32))
    assert D.to_dtype(np.array([3.4028235e38], dtype=np.float32), "bfloat16")[0][0] == 0x7F80  # overflow


def test_float16_matches_numpy_and_torch() -> None:
    f = _f32_patterns(400_000, 3).view(np.float32)
    # dense f16 sweep of the whole half range's neighbourhood: subnormals, 2^-25 ties, 65504..65536
    u = np.arange(0x32F00000, 0x33100000, 7, dtype=np.uint32)
    top = np.arange(0x477FE000 - 64, 0x47800000 + 64, dtype=np.uint32)
    sub = np.arange(0x387FF000, 0x38801000, dtype=np.uint32)
    f = np.concatenate([f, u.view(np.float32), top.view(np.float32), sub.view(np.float32),
                        np.array([np.inf, -np.inf, 65504, 65519.996, 65520, -65520, 2.0 ** -24,
                                  2.0 ** -25, 1.5 * 2.0 ** -25, 2.0 ** -14], dtype=np.float32)])
    f = np.concatenate([f, -f])
    bits, val = D.to_dtype(f, "float16")
    assert bits.dtype == np.uint16
    with np.errstate(over="ignore"):  # overflow to inf is the specified result
        want = f.astype(np.float16)
    assert np.array_equal(bits, want.view(np.uint16))
    assert np.array_equal(bits, _torch_bits(f, torch.float16))
    assert np.array_equal(val, want.astype(np.float32))
    inf = D.to_dtype(np.array([65520.0, 65519.996, 1e10], dtype=np.float32), "float16")[0]
    assert inf.tolist() == [0x7C00, 0x7BFF, 0x7C00]


def test_nan_stays_nan() -> None:
    """The chain never makes a NaN; converters still map NaN to a NaN (libraries differ in the bits)."""
    u = np.array([0x7FC00000, 0x7F800001, 0xFF800001, 0x7FA00000, 0xFFFFFFFF], dtype=np.uint32)
    for dt in ("float16", "bfloat16"):
        _, val = D.to_dtype(u.view(np.float32), dt)
        assert np.all(np.isnan(val)), dt


def test_unknown_dtype() -> None:
    with pytest.raises(ValueError):
        D.to_dtype(np.zeros(1, np.float32), "float64")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=False, allow_infinity=True), min_size=1, max_size=30),
       st.sampled_from(D.DTYPES))
def test_rounding_properties(xs: list[float], dt: str) -> None:
    """Rounding is idempotent, monotone, and the nearest representable value."""
    f = np.sort(np.array(xs, dtype=np.float32))
    bits, val = D.to_dtype(f, dt)
    bits2, val2 = D.to_dtype(val, dt)
    assert np.array_equal(bits, bits2)
    assert np.all(val[1:] >= val[:-1])
    if dt == "float16":
        with np.errstate(over="ignore"):
            assert np.array_equal(val, f.astype(np.float16).astype(np.float32))
    if dt == "bfloat16":
        assert np.array_equal(bits, _torch_bits(f, torch.bfloat16))


_F16_LO, _F16_HI = 101 << 23, 144 << 23
"""float32 magnitudes with exponent 101..143: every pattern whose float16 is not trivially +-0 or +-inf."""


@pytest.mark.slow
@pytest.mark.parametrize("part", range(8))
def test_float16_exhaustive_nontrivial_range(part: int) -> None:
    """Every float32 in [2^-26, 2^17) (both signs) against numpy's cast (make soak)."""
    span = (_F16_HI - _F16_LO) // 8
    lo = _F16_LO + part * span
    hi = _F16_HI if part == 7 else lo + span
    for a in range(lo, hi, 1 << 22):
        mag = np.arange(a, min(a + (1 << 22), hi), dtype=np.uint32)
        for u in (mag, mag | np.uint32(1 << 31)):
            with np.errstate(over="ignore"):
                want = u.view(np.float32).astype(np.float16).view(np.uint16)
            assert np.array_equal(D.f32_bits_to_f16_bits(u), want), hex(a)


@pytest.mark.slow
@pytest.mark.parametrize("part", range(8))
def test_bfloat16_exhaustive_all_float32(part: int) -> None:
    """Every non-NaN float32 bit pattern against torch's float32 -> bfloat16 (make soak)."""
    step = 1 << 24
    for a in range(part << 29, (part + 1) << 29, step):
        u = np.arange(a, a + step, dtype=np.uint64).astype(np.uint32)
        f = u.view(np.float32)
        keep = ~np.isnan(f)
        assert np.array_equal(D.f32_bits_to_bf16_bits(u[keep]), _torch_bits(f[keep], torch.bfloat16)), hex(a)


# --------------------------------------------------------------------------- whole chain
def test_apply_dense_chain() -> None:
    x = np.array([0, 5, -3, D.INT32_MAX, D.INT32_MIN, 0, 1000], dtype=np.int64)
    null = np.array([True, False, False, False, False, False, False])
    vals = _words(x)
    op = D.DenseOp(fill=2, lo=-10, hi=1 << 30, shift=1, kind="log1p", dtype="float16")
    bits, val = D.apply_dense(vals, null, op)
    pre = np.clip(np.where(null, 2, x), -10, 1 << 30) + 1
    want = log1p_f32(np.maximum(pre, 0)).astype(np.float16)
    assert np.array_equal(bits, want.view(np.uint16))
    assert np.array_equal(val, want.astype(np.float32))
    ids, idv = D.apply_dense(vals, null, D.DenseOp(kind="bucketize", boundaries=(-3, 0, 0, 1000)))
    assert idv.tolist() == np.searchsorted([-3, 0, 0, 1000], np.where(null, 0, x), side="right").tolist()
    assert ids.dtype == np.uint32
    fb, fv = D.apply_dense(vals, null, D.DenseOp(kind="bucketize", boundaries=(-3, 0, 0, 1000),
                                                 bucket_as_float=True, dtype="bfloat16"))
    assert fv.tolist() == [float(v) for v in idv.tolist()] and fb.dtype == np.uint16
    b32, v32 = D.apply_dense(vals, null, D.DenseOp(kind="identity", dtype="bfloat16"))
    assert np.array_equal(b32, _torch_bits(np.where(null, 0, x).astype(np.float32), torch.bfloat16))
    assert v32.dtype == np.float32


def test_dense_op_validation() -> None:
    for bad in (dict(lo=1, hi=0), dict(kind="sqrt"), dict(dtype="float64"), dict(kind="bucketize"),
                dict(boundaries=(1,)), dict(bucket_as_float=True), dict(fill=1 << 31), dict(shift=-(1 << 31) - 1)):
        with pytest.raises(ValueError):
            D.DenseOp(**bad)
