"""Hotline hot sets: per-table hot ids, FAE-style profiling, and the popular-row split.

A hot set holds the ids of one embedding table whose rows live in the GPU-resident hot table;
an id's *slot* is its position in the hot set (= its row in the hot table). A row (sample) is
*popular* iff every feature that has a hot set is hot there; popular rows go to the micro-batch
the GPU can start at once, the others wait for a CPU-side gather.

Decision of record (docs/spec/sparse.md, "Hot set"): a feature without a hot set is a fully
GPU-resident table, so it always counts as hot and its ids pass through unchanged; in popular
rows the ids of features with a hot set are replaced by their slot; non-popular rows keep all
their original ids, because their embeddings are gathered from the full CPU-side tables.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from models import npx


def _as_u64_1d(name: str, ids: np.ndarray) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "ui":
        raise TypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    return arr.astype(np.uint64, copy=False)


class HotSet:
    """The hot ids of one table in slot order (slot = position), loaded at run time."""

    def __init__(self, ids: np.ndarray, capacity: int) -> None:
        if not isinstance(capacity, (int, np.integer)) or capacity < 0:
            raise ValueError(f"capacity must be a non-negative integer, got {capacity!r}")
        hot = _as_u64_1d("hot ids", ids)
        if hot.size > capacity:
            raise ValueError(f"{hot.size} hot ids exceed the hot-table capacity {capacity}")
        order = np.argsort(hot, kind="stable")
        sk = hot[order]
        dup = np.flatnonzero(sk[1:] == sk[:-1])
        if dup.size:
            raise ValueError(f"duplicate hot ids (first: {int(sk[dup[0]])}); each id needs one slot")
        self.capacity = int(capacity)
        self.ids = hot.copy()
        self._sorted = sk
        self._slot_of_sorted = order.astype(np.int64)

    def __len__(self) -> int:
        return int(self.ids.size)

    def lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(is_hot, slot) per id; slot is -1 where the id is not hot."""
        q = _as_u64_1d("ids", ids)
        slot = np.full(q.size, -1, dtype=np.int64)
        if self._sorted.size == 0:
            return np.zeros(q.size, dtype=bool), slot
        pos = np.minimum(np.searchsorted(self._sorted, q), self._sorted.size - 1)
        hot = self._sorted[pos] == q
        slot[hot] = self._slot_of_sorted[pos[hot]]
        return hot, slot


def profile_hot_ids(ids: np.ndarray, capacity: int) -> np.ndarray:
    """FAE-style profiling: the `capacity` most frequent ids of a sample, in slot order.

    Ranking is by descending frequency, ties broken by first appearance in the sample, so the
    result is a deterministic function of the sample (needed for bit-exact RTL/model runs).
    """
    if not isinstance(capacity, (int, np.integer)) or capacity < 0:
        raise ValueError(f"capacity must be a non-negative integer, got {capacity!r}")
    s = _as_u64_1d("ids", ids)
    uniq, first, counts = npx.unique(s, return_index=True, return_counts=True)
    rank = np.lexsort((first, -counts.astype(np.int64)))
    return uniq[rank[:capacity]]


def apply_hotsets(ids: np.ndarray, hotsets: Sequence[HotSet | None]) -> tuple[np.ndarray, np.ndarray]:
    """Split rows into popular / non-popular and remap hot ids of popular rows to slots.

    ids: u64[N, F]; hotsets: one entry per feature (None = table fully GPU-resident).
    Returns (out u64[N, F], popular bool[N]).
    """
    a = np.asarray(ids)
    if a.ndim != 2:
        raise ValueError(f"ids must be 2-D [rows, features], got shape {a.shape}")
    if a.size and a.dtype.kind not in "ui":
        raise TypeError(f"ids must be integers, got dtype {a.dtype}")
    a = a.astype(np.uint64, copy=False)
    n, f = a.shape
    if len(hotsets) != f:
        raise ValueError(f"{len(hotsets)} hot sets for {f} features")
    popular = np.ones(n, dtype=bool)
    slots: dict[int, np.ndarray] = {}
    for j, hs in enumerate(hotsets):
        if hs is None:
            continue
        hot, slot = hs.lookup(a[:, j])
        popular &= hot
        slots[j] = slot
    out = a.copy()
    for j, slot in slots.items():
        out[popular, j] = slot[popular].astype(np.uint64)
    return out, popular
