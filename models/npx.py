"""Small numpy helpers the golden models share.

`unique` exists because numpy 2.4's `np.unique` on integer arrays is 30-40x slower
than a sort on this machine (4 M uint64: ~5 s vs 0.14 s); the golden models are
also the CPU baseline, so they use this sort-based equivalent.
"""
from __future__ import annotations

import numpy as np


def unique(x: np.ndarray, *, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False):
    """Same results as np.unique(x, ...) for 1-D arrays (index = first occurrence)."""
    x = np.asarray(x).ravel()
    need_order = return_index or return_inverse
    order = np.argsort(x, kind="stable") if need_order else None
    s = x[order] if need_order else np.sort(x)
    first = np.ones(s.size, dtype=bool)
    first[1:] = s[1:] != s[:-1]
    vals = s[first]
    if not (return_index or return_inverse or return_counts):
        return vals
    out = [vals]
    starts = np.flatnonzero(first)
    if return_index:
        out.append(order[starts])  # stable sort: the first occurrence leads each run
    if return_inverse:
        inv = np.empty(x.size, dtype=np.intp)
        inv[order] = np.cumsum(first) - 1
        out.append(inv)
    if return_counts:
        out.append(np.diff(np.append(starts, s.size)))
    return tuple(out)
