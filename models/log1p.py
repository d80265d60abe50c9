"""log1p of a non-negative int32 in fixed point: the golden model of the RTL log unit.

Why fixed point: the RTL computes one result per cycle with integer multipliers,
shifts and a small ROM, and must be bit-exact with this model. Every step below
is an integer operation with a defined width, so "bit-exact" is well defined.
The algorithm of record, its widths and its error analysis are in
docs/spec/numerics.md; this docstring is the short version.

For x in [0, 2^31):
  y = x + 1                                  1 .. 2^31
  e = floor(log2 y)                          leading-zero count, 0 .. 31
  T = (y << (31 - e)) - 2^31                 t = y/2^e - 1 = T/2^31, exact, 31 bits
  i = T >> U_BITS                            segment, top SEG_BITS bits of T
  u = T & (2^U_BITS - 1)                     local coordinate, s = u/2^U_BITS in [0, 1)
  acc = c3[i]                                Horner, every shift a floor (>>>)
  acc = c2[i] + ((acc * u) >> U_BITS)
  acc = c1[i] + ((acc * u) >> U_BITS)
  p   = c0[i] + ((acc * u) >> U_BITS)        p ~ log1p(t) * 2^FRAC_BITS
  L   = e * LN2_Q + p                        L ~ log(1 + x) * 2^FRAC_BITS
  f32 = round-to-nearest-even(L * 2^-FRAC_BITS)

The coefficient table (models/data/log1p_table.json) is generated once by
`generate_table` (constrained least squares at Chebyshev nodes, in mpmath) and
committed; it is the source of truth the RTL ROM is written from.

Negative inputs give +0.0: Piper's Neg2ZeroLog, log(1 + max(x, 0)).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp_proc
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

IN_BITS = 31
"""Width of the fraction T; x + 1 is at most 2^31."""

X_MAX = (1 << IN_BITS) - 1
"""Largest accepted input (INT32_MAX)."""

TABLE_PATH = Path(__file__).resolve().parent / "data" / "log1p_table.json"

# Parameters the committed table is generated with (generate_table's defaults).
_GEN_SEG_BITS = 8
_GEN_DEGREE = 3
_GEN_FRAC_BITS = 44
_GEN_NODES = 24
_GEN_DPS = 50


# --------------------------------------------------------------------------- table generation
def generate_table(seg_bits: int = _GEN_SEG_BITS, degree: int = _GEN_DEGREE,
                   frac_bits: int = _GEN_FRAC_BITS, nodes: int = _GEN_NODES,
                   dps: int = _GEN_DPS) -> dict[str, Any]:
    """Build the coefficient table deterministically (pure mpmath, no libm, no LAPACK).

    Per segment i (t_i = i / 2^seg_bits, width h = 2^-seg_bits) in the local
    coordinate s = (t - t_i)/h in [0, 1):
      * c0 = round(log1p(t_i) * 2^F) exactly, so p(0) = c0 and x = 0 gives 0;
      * c1..cD minimise sum_j (c0/2^F + sum_k c_k s_j^k - log1p(t_i + h s_j))^2
        over `nodes` Chebyshev nodes s_j on [0, 1] (near-minimax, stable);
      * each c_k is rounded to the nearest integer of c_k * 2^F.
    mpmath at `dps` digits makes the result independent of the platform, so a
    test can regenerate it and demand equality with the committed file.
    """
    import mpmath as mp  # generation only; not needed to evaluate

    with mp.workdps(dps):
        h = mp.mpf(1) / (1 << seg_bits)
        scale = mp.mpf(2) ** frac_bits
        s_nodes = [(1 - mp.cos(mp.pi * (2 * j + 1) / (2 * nodes))) / 2 for j in range(nodes)]
        design = mp.matrix(nodes, degree)
        for j, s in enumerate(s_nodes):
            for k in range(degree):
                design[j, k] = s ** (k + 1)
        normal = design.T * design
        rows: list[list[int]] = []
        for i in range(1 << seg_bits):
            t0 = i * h
            c0 = int(mp.nint(mp.log1p(t0) * scale))
            rhs = mp.matrix(nodes, 1)
            for j, s in enumerate(s_nodes):
                rhs[j] = mp.log1p(t0 + h * s) - c0 / scale
            sol = mp.lu_solve(normal, design.T * rhs)
            rows.append([c0] + [int(mp.nint(sol[k] * scale)) for k in range(degree)])
        ln2_q = int(mp.nint(mp.log(2) * scale))
    widths, signed = _column_widths(rows)
    return {
        "description": "log1p fixed-point segment table; see models/log1p.py and docs/spec/numerics.md",
        "generator": "models.log1p.generate_table",
        "in_bits": IN_BITS,
        "seg_bits": seg_bits,
        "degree": degree,
        "frac_bits": frac_bits,
        "nodes": nodes,
        "dps": dps,
        "ln2_q": ln2_q,
        "coef_widths": widths,
        "coef_signed": signed,
        "coefficients": rows,
    }


def _column_widths(rows: list[list[int]]) -> tuple[list[int], list[bool]]:
    """Smallest width per coefficient column: unsigned if never negative, else two's complement."""
    widths: list[int] = []
    signed: list[bool] = []
    for k in range(len(rows[0])):
        col = [r[k] for r in rows]
        lo, hi = min(col), max(col)
        if lo >= 0:
            widths.append(max(1, hi.bit_length()))
            signed.append(False)
        else:
            widths.append(max(hi.bit_length(), (-lo - 1).bit_length()) + 1)
            signed.append(True)
    return widths, signed


def write_table(path: Path = TABLE_PATH) -> None:
    """Regenerate and write the committed table (run by hand: python -m models.log1p --write-table)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tab = generate_table()
    text = json.dumps({k: v for k, v in tab.items() if k != "coefficients"}, indent=1)[:-2]
    rows = ",\n  ".join(json.dumps(r) for r in tab["coefficients"])
    path.write_text(f'{text},\n "coefficients": [\n  {rows}\n ]\n}}\n')


# --------------------------------------------------------------------------- loaded parameters
def load_table(path: Path = TABLE_PATH) -> dict[str, Any]:
    """The committed table as a dict (same shape as generate_table's result)."""
    return json.loads(path.read_text())


_TABLE = load_table()
SEG_BITS: int = _TABLE["seg_bits"]
"""Segment index width: 2^SEG_BITS ROM entries."""
DEGREE: int = _TABLE["degree"]
"""Polynomial degree per segment (Horner stages = DEGREE multipliers)."""
FRAC_BITS: int = _TABLE["frac_bits"]
"""L is log(1 + x) in Q(FRAC_BITS): L = round-ish(log(1 + x) * 2^FRAC_BITS)."""
U_BITS: int = IN_BITS - SEG_BITS
"""Width of the local coordinate u (unsigned)."""
LN2_Q: int = _TABLE["ln2_q"]
"""round(ln 2 * 2^FRAC_BITS)."""
COEF_WIDTHS: tuple[int, ...] = tuple(_TABLE["coef_widths"])
"""Bit width of c0..cDEGREE in the ROM."""
COEF_SIGNED: tuple[bool, ...] = tuple(_TABLE["coef_signed"])
"""True where the column is two's complement, False where unsigned."""
COEFFS: np.ndarray = np.array(_TABLE["coefficients"], dtype=np.int64)
"""int64 [2^SEG_BITS, DEGREE + 1]: row i is (c0, c1, ..., cDEGREE) of segment i."""
COEFFS.setflags(write=False)
_COLS: tuple[np.ndarray, ...] = tuple(np.ascontiguousarray(COEFFS[:, k]) for k in range(DEGREE + 1))
_U_MASK = np.int64((1 << U_BITS) - 1)


def table_words() -> list[int]:
    """One ROM word per segment, fields packed LSB first: c0 | c1 << W0 | c2 << (W0+W1) | ...

    Each field is the coefficient in COEF_WIDTHS[k] bits (two's complement where
    COEF_SIGNED[k]); the word is WORD_BITS wide. Written as hex this is the
    $readmemh image of the RTL ROM.
    """
    words: list[int] = []
    for row in COEFFS.tolist():
        word, pos = 0, 0
        for c, w in zip(row, COEF_WIDTHS):
            word |= (c & ((1 << w) - 1)) << pos
            pos += w
        words.append(word)
    return words


WORD_BITS: int = sum(COEF_WIDTHS)
"""Width of one packed ROM word (see table_words)."""


def unpack_word(word: int) -> tuple[int, ...]:
    """Inverse of one table_words() entry: the RTL's field slicing, for tests."""
    out: list[int] = []
    pos = 0
    for w, sgn in zip(COEF_WIDTHS, COEF_SIGNED):
        f = (word >> pos) & ((1 << w) - 1)
        if sgn and f >> (w - 1):
            f -= 1 << w
        out.append(f)
        pos += w
    return tuple(out)


def readmemh_lines() -> list[str]:
    """The ROM image as $readmemh lines, one zero-padded hex word per segment."""
    digits = (WORD_BITS + 3) // 4
    return [f"{w:0{digits}x}" for w in table_words()]


def horner_bounds() -> list[tuple[int, int]]:
    """Per Horner stage k = DEGREE-1 .. 0: (bits of |acc_in|, bits of |acc_in * u|), signed widths.

    Bound: |acc_D| <= max|c_D|, |acc_k| <= max|c_k| + |acc_{k+1}| (u / 2^U < 1, floor adds < 1).
    These size the RTL multipliers; all are < 64 so the int64 model cannot overflow.
    """
    mags = [int(np.abs(COEFFS[:, k]).max()) for k in range(DEGREE + 1)]
    acc = mags[DEGREE]
    out: list[tuple[int, int]] = []
    for k in range(DEGREE - 1, -1, -1):
        prod = acc * ((1 << U_BITS) - 1)
        out.append((acc.bit_length() + 1, prod.bit_length() + 1))
        acc = mags[k] + acc + 1
    return out


# --------------------------------------------------------------------------- evaluation
def ilog2(y: np.ndarray) -> np.ndarray:
    """floor(log2 y) for int64 y >= 1 by integer compares only (the RTL's leading-zero count)."""
    y = np.asarray(y, dtype=np.int64)
    n = np.zeros(y.shape, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        hit = (y >> (n + s)) != 0
        n += np.where(hit, s, 0)
    return n


def _ilog2_fast(y: np.ndarray) -> np.ndarray:
    """floor(log2 y) via the float64 exponent field; exact because y <= 2^31 < 2^53."""
    return (y.astype(np.float64).view(np.int64) >> 52) - 1023


def _log1p_q_chunk(x: np.ndarray) -> np.ndarray:
    """The fixed-point datapath on one cache-sized chunk of int64 x in [0, 2^31)."""
    y = x + 1
    e = _ilog2_fast(y)
    t = (y << (IN_BITS - e)) - (1 << IN_BITS)
    i = t >> U_BITS
    u = t & _U_MASK
    acc = _COLS[DEGREE].take(i)
    for k in range(DEGREE - 1, -1, -1):
        acc *= u
        acc >>= U_BITS
        acc += _COLS[k].take(i)
    e *= LN2_Q
    acc += e
    return acc


_CHUNK = 1 << 13
"""Elements per inner step: keeps the ~10 temporaries in L2 (measured fastest)."""


def _int_input(x: np.ndarray, name: str) -> np.ndarray:
    xa = np.asarray(x)
    if not np.issubdtype(xa.dtype, np.integer):
        raise TypeError(f"{name} takes integers, got {xa.dtype}")
    if xa.dtype.kind == "u" and xa.size and int(xa.max()) > X_MAX:
        raise ValueError(f"x must be <= 2^31 - 1; got {int(xa.max())}")  # before any int64 wrap
    return xa


def _chunked(xa: np.ndarray, out_dtype: type, neg_to_zero: bool, to_float: bool) -> np.ndarray:
    """Run the datapath chunk by chunk so every pass stays in cache (the speed target)."""
    flat = xa.ravel()
    out = np.empty(flat.shape, dtype=out_dtype)
    for a in range(0, flat.size, _CHUNK):
        xc = flat[a:a + _CHUNK].astype(np.int64)
        if neg_to_zero:
            np.maximum(xc, 0, out=xc)
        elif int(xc.min()) < 0:
            raise ValueError(f"log1p_q takes x in [0, 2^31); got {int(xc.min())}")
        if int(xc.max()) > X_MAX:
            raise ValueError(f"x must be <= 2^31 - 1; got {int(xc.max())}")
        q = _log1p_q_chunk(xc)
        if to_float:
            f = q.astype(np.float64)
            f *= 2.0 ** -FRAC_BITS  # exact: q < 2^53 and the scale is a power of two
            out[a:a + _CHUNK] = f  # float64 -> float32 cast: the one RNE rounding
        else:
            out[a:a + _CHUNK] = q
    return out.reshape(xa.shape)


def log1p_q(x: np.ndarray) -> np.ndarray:
    """L = fixed-point log(1 + x) in Q(FRAC_BITS) as int64, for integer x in [0, 2^31).

    This is exactly the RTL's value before float conversion. Raises ValueError
    outside the domain (negatives are handled by log1p_f32, not here).
    """
    return _chunked(_int_input(x, "log1p_q"), np.int64, neg_to_zero=False, to_float=False)


def q_to_f32_bits(q: np.ndarray, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """float32 bits of round-to-nearest-even(q * 2^-frac_bits) by integer ops only (what the RTL does).

    q: int64 >= 0, < 2^62. Normal results only are needed (log1p gives 0 or >= ln 2),
    but subnormal/overflow ranges are rejected rather than silently wrong.
    """
    q = np.asarray(q, dtype=np.int64)
    if q.size and int(q.min()) < 0:
        raise ValueError("q_to_f32_bits takes q >= 0")
    nz = q != 0
    qs = np.where(nz, q, 1)
    n = ilog2(qs)  # q in [2^n, 2^(n+1))
    exp = n - frac_bits + 127
    if np.any(nz & ((exp < 1) | (exp > 254))):
        raise ValueError("result outside the normal float32 range")
    sh = np.maximum(n - 23, 0)
    keep = np.where(n > 23, qs >> sh, qs << np.maximum(23 - n, 0))
    rem = qs & ((np.int64(1) << sh) - 1)
    half = np.where(sh > 0, np.int64(1) << np.maximum(sh - 1, 0), 1 << 62)
    up = (rem > half) | ((rem == half) & ((keep & 1) == 1))
    keep = keep + up
    carry = keep >> 24  # rounding overflowed the 24-bit significand
    keep = keep >> carry
    exp = exp + carry
    bits = (exp << 23) | (keep & 0x7FFFFF)
    return np.where(nz, bits, 0).astype(np.uint32)


def log1p_f32(x: np.ndarray) -> np.ndarray:
    """float32 log(1 + max(x, 0)) for any integer array with x <= 2^31 - 1 (Neg2ZeroLog).

    L * 2^-FRAC_BITS is exact in float64 (L < 2^53), so the float64 -> float32
    cast is the single RNE rounding the RTL performs (tested against q_to_f32_bits).
    """
    return _chunked(_int_input(x, "log1p_f32"), np.float32, neg_to_zero=True, to_float=True)


# --------------------------------------------------------------------------- reference checks
def cr_f32_mp(x: int, dps: int = 60) -> tuple[np.float32, Any]:
    """Correctly rounded float32 of log(1 + x) via mpmath, and the mpf value itself.

    Rounds by integer scaling (never through float64) so no double rounding;
    log(1 + x) for integer x >= 1 is transcendental, so no exact ties occur.
    """
    import mpmath as mp

    with mp.workdps(dps):
        v = mp.log1p(x)
        if x == 0:
            return np.float32(0.0), v
        k = int(mp.floor(mp.log(v, 2)))
        m = int(mp.nint(v * mp.mpf(2) ** (23 - k)))
        return np.float32(m * 2.0 ** (k - 23)), v


@dataclass
class ChunkStats:
    """What one exhaustive-check chunk reports."""

    n: int = 0
    n_cr: int = 0  # equal to float32(float64 log1p), before ambiguous fixes
    max_ulp_cr: int = 0  # max |bits(ours) - bits(cr)|
    max_ulp_err: float = 0.0  # max |ours - log1p_f64| / ulp(ours)
    max_abs_err: float = 0.0  # max |L 2^-F - log1p_f64|
    first: float = 0.0
    last: float = 0.0
    monotone: bool = True
    ambiguous: list[int] | None = None  # x where float64 cannot settle the rounding
    misrounded: list[int] | None = None  # x with ours != float32(float64 log1p), if few


def check_range(lo: int, hi: int) -> ChunkStats:
    """Compare every x in [lo, hi) against float64 log1p (the exhaustive check's unit of work)."""
    x = np.arange(lo, hi, dtype=np.int64)
    q = log1p_q(x)
    ours = (q.astype(np.float64) * 2.0 ** -FRAC_BITS).astype(np.float32)
    ref = np.log1p(x.astype(np.float64))
    cr = ref.astype(np.float32)
    diff = np.abs(ours.view(np.int32).astype(np.int64) - cr.view(np.int32).astype(np.int64))
    ulp = np.spacing(ours).astype(np.float64)
    ulp[ours == 0] = np.spacing(np.float32(0))
    up = np.nextafter(cr, np.float32(np.inf)).astype(np.float64)
    dn = np.nextafter(cr, np.float32(-np.inf)).astype(np.float64)
    crd = cr.astype(np.float64)
    mid = np.minimum(np.abs(ref - (crd + up) / 2), np.abs(ref - (crd + dn) / 2))
    amb = np.flatnonzero((mid <= 4 * np.spacing(ref)) & (x > 0))
    bad = np.flatnonzero(diff != 0)
    st = ChunkStats(
        n=int(x.size), n_cr=int(x.size - bad.size), max_ulp_cr=int(diff.max()),
        max_ulp_err=float((np.abs(ours.astype(np.float64) - ref) / ulp).max()),
        max_abs_err=float(np.abs(q * 2.0 ** -FRAC_BITS - ref).max()),
        first=float(ours[0]), last=float(ours[-1]),
        monotone=bool(np.all(ours[1:] >= ours[:-1])),
        ambiguous=(x[amb]).tolist(), misrounded=(x[bad]).tolist() if bad.size <= 100_000 else None,
    )
    return st


def _check_range_star(args: tuple[int, int]) -> ChunkStats:
    return check_range(*args)


def exhaustive(workers: int | None = None, chunk: int = 1 << 22, lo: int = 0, hi: int = 1 << 31,
               verbose: bool = True) -> dict[str, Any]:
    """Check every x in [lo, hi): max ulp error, fraction correctly rounded, monotonicity.

    The correctly rounded float32 is float32(float64 log1p(x)) except where the
    float64 value lies within 4 ulp(float64) of a float32 rounding midpoint; those
    few x are settled with mpmath at 60 digits (cr_f32_mp).
    """
    workers = workers or os.cpu_count() or 1
    t0 = time.perf_counter()
    jobs = [(a, min(a + chunk, hi)) for a in range(lo, hi, chunk)]
    ctx = mp_proc.get_context("fork" if sys.platform != "win32" else "spawn")
    tot = ChunkStats(first=np.inf)
    prev_last = -np.inf
    amb: list[int] = []
    mis: list[int] = []
    mis_complete = True
    with ctx.Pool(workers) as pool:
        for j, st in enumerate(pool.imap(_check_range_star, jobs)):
            tot.n += st.n
            tot.n_cr += st.n_cr
            tot.max_ulp_cr = max(tot.max_ulp_cr, st.max_ulp_cr)
            tot.max_ulp_err = max(tot.max_ulp_err, st.max_ulp_err)
            tot.max_abs_err = max(tot.max_abs_err, st.max_abs_err)
            tot.monotone &= st.monotone and st.first >= prev_last
            prev_last = st.last
            amb += st.ambiguous or []
            if st.misrounded is None:
                mis_complete = False
            else:
                mis += st.misrounded
            if verbose and (j % 64 == 63 or j == len(jobs) - 1):
                print(f"  {jobs[j][1]:>11d} / {hi}  {time.perf_counter() - t0:7.1f} s", flush=True)
    # Settle ambiguous cases exactly: adjust the correctly-rounded count.
    amb_fixed = 0
    mis_set = set(mis)
    for xv in amb:
        want, _ = cr_f32_mp(xv)
        got = log1p_f32(np.array([xv]))[0]
        was_cr = xv not in mis_set if mis_complete else None
        now_cr = bool(got == want)
        if now_cr:
            mis_set.discard(xv)
        else:
            mis_set.add(xv)
        if was_cr is not None and was_cr != now_cr:
            tot.n_cr += 1 if now_cr else -1
            amb_fixed += 1
            tot.max_ulp_cr = max(tot.max_ulp_cr, abs(int(np.float32(got).view(np.int32))
                                                     - int(np.float32(want).view(np.int32))))
    dt = time.perf_counter() - t0
    return {
        "range": [lo, hi], "n": tot.n, "workers": workers, "seconds": round(dt, 1),
        "rate_per_s": tot.n / dt,
        "correctly_rounded": tot.n_cr, "fraction_correctly_rounded": tot.n_cr / tot.n,
        "not_correctly_rounded": tot.n - tot.n_cr,
        "max_ulp_vs_correctly_rounded": tot.max_ulp_cr,
        "max_err_ulps_vs_f64": tot.max_ulp_err,
        "max_abs_err_fixed_point": tot.max_abs_err,
        "max_abs_err_log2": float(np.log2(tot.max_abs_err)) if tot.max_abs_err > 0 else float("-inf"),
        "monotone": tot.monotone, "ambiguous_checked_with_mpmath": len(amb),
        "ambiguous_that_changed_count": amb_fixed, "misrounded_list_complete": mis_complete,
        "misrounded_x": sorted(mis_set) if mis_complete else None,
        "params": {"seg_bits": SEG_BITS, "degree": DEGREE, "frac_bits": FRAC_BITS},
    }


def speed(n: int = 1 << 24, repeat: int = 3) -> float:
    """log1p_f32 values per second on one core (best of `repeat`), for the report."""
    x = np.random.default_rng(0).integers(0, 1 << 31, n, dtype=np.int64)
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        log1p_f32(x)
        best = min(best, time.perf_counter() - t)
    return n / best


def main(argv: list[str] | None = None) -> int:
    """CLI: --exhaustive [--workers N] | --speed | --write-table | --readmemh FILE."""
    ap = argparse.ArgumentParser(prog="python -m models.log1p", description=__doc__.splitlines()[0])
    ap.add_argument("--exhaustive", action="store_true", help="check every x in [0, 2^31)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--lo", type=int, default=0)
    ap.add_argument("--hi", type=int, default=1 << 31)
    ap.add_argument("--json", type=Path, default=None, help="also write the full report (with misrounded x) here")
    ap.add_argument("--speed", action="store_true", help="measure single-core values/s")
    ap.add_argument("--write-table", action="store_true", help="regenerate models/data/log1p_table.json")
    ap.add_argument("--readmemh", type=Path, default=None, help="write the ROM image to this file")
    a = ap.parse_args(argv)
    if a.write_table:
        write_table()
        print(f"wrote {TABLE_PATH}")
    if a.readmemh:
        a.readmemh.write_text("\n".join(readmemh_lines()) + "\n")
        print(f"wrote {a.readmemh} ({1 << SEG_BITS} words x {WORD_BITS} bits)")
    if a.speed:
        print(f"log1p_f32: {speed() / 1e6:.1f} M values/s (one core)")
    if a.exhaustive:
        print(f"exhaustive log1p check, x in [{a.lo}, {a.hi}), SEG_BITS={SEG_BITS} DEGREE={DEGREE} "
              f"FRAC_BITS={FRAC_BITS}")
        r = exhaustive(a.workers, lo=a.lo, hi=a.hi)
        if a.json:
            a.json.write_text(json.dumps(r, indent=1) + "\n")
        shown = dict(r, misrounded_x=f"{len(r['misrounded_x'] or [])} values (see --json)")
        print(json.dumps(shown, indent=1))
        ok = r["max_ulp_vs_correctly_rounded"] <= 1 and r["monotone"]
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
