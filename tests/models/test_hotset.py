"""Hot sets: lookup, FAE-style profiling (ties by first appearance), popular-row rule."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from models.hotset import HotSet, apply_hotsets, profile_hot_ids

U64_MAX = 2**64 - 1


def test_lookup_slots_are_positions() -> None:
    hs = HotSet(np.array([42, 7, U64_MAX, 0], dtype=np.uint64), capacity=8)
    hot, slot = hs.lookup(np.array([7, 8, 0, U64_MAX, 42, 7, 1], dtype=np.uint64))
    assert hot.tolist() == [True, False, True, True, True, True, False]
    assert slot.tolist() == [1, -1, 3, 2, 0, 1, -1]
    assert slot.dtype == np.int64 and len(hs) == 4


def test_hotset_validation() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        HotSet(np.array([1, 2, 1], dtype=np.uint64), capacity=8)
    with pytest.raises(ValueError, match="capacity"):
        HotSet(np.arange(5, dtype=np.uint64), capacity=4)
    empty = HotSet(np.array([], dtype=np.uint64), capacity=0)
    hot, slot = empty.lookup(np.array([0, 1], dtype=np.uint64))
    assert not hot.any() and (slot == -1).all()


def test_profile_ties_by_first_appearance() -> None:
    sample = np.array([9, 5, 5, 3, 9, 3, 8, 1, 1, 2], dtype=np.uint64)
    # counts: 9:2 5:2 3:2 1:2 8:1 2:1 -> ties broken by first appearance
    assert profile_hot_ids(sample, 10).tolist() == [9, 5, 3, 1, 8, 2]
    assert profile_hot_ids(sample, 3).tolist() == [9, 5, 3]
    assert profile_hot_ids(sample, 0).tolist() == []
    assert profile_hot_ids(np.array([7, 4, 4, 7, 4], dtype=np.uint64), 1).tolist() == [4]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=200), st.integers(0, 40))
def test_profile_vs_counter(sample: list[int], cap: int) -> None:
    """Reference: rank by (-count, first index), plain Python."""
    c = Counter(sample)
    first = {v: sample.index(v) for v in c}
    want = sorted(c, key=lambda v: (-c[v], first[v]))[:cap]
    got = profile_hot_ids(np.array(sample, dtype=np.uint64), cap).tolist()
    assert got == want
    HotSet(np.array(got, dtype=np.uint64), cap)  # a profile is always a valid hot set


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.integers(1, 5), st.integers(0, 2**32 - 1), st.data())
def test_apply_hotsets_properties(n: int, f: int, seed: int, data: st.DataObject) -> None:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 12, (n, f)).astype(np.uint64)
    hotsets: list[HotSet | None] = []
    for _ in range(f):
        if data.draw(st.booleans()):
            hotsets.append(None)
        else:
            cap = data.draw(st.integers(0, 12))
            hot_ids = rng.permutation(12)[: data.draw(st.integers(0, cap))].astype(np.uint64)
            hotsets.append(HotSet(hot_ids, cap))
    out, popular = apply_hotsets(ids, hotsets)
    assert out.dtype == np.uint64 and out.shape == ids.shape and popular.shape == (n,)
    for i in range(n):
        row_hot = [hs is None or int(ids[i, j]) in hs.ids.tolist() for j, hs in enumerate(hotsets)]
        assert popular[i] == all(row_hot)  # popular <=> every feature hot
        for j, hs in enumerate(hotsets):
            if popular[i] and hs is not None:
                slot = int(out[i, j])
                assert 0 <= slot < len(hs) <= hs.capacity  # slot in range
                assert int(hs.ids[slot]) == int(ids[i, j])  # slot points back at the id
            else:
                assert out[i, j] == ids[i, j]  # non-popular rows and GPU-resident tables untouched
    # stable: same input -> same output, and per-row result independent of the other rows
    out2, pop2 = apply_hotsets(ids, hotsets)
    assert (out2 == out).all() and (pop2 == popular).all()
    perm = rng.permutation(n)
    out3, pop3 = apply_hotsets(ids[perm], hotsets)
    assert (out3 == out[perm]).all() and (pop3 == popular[perm]).all()


def test_all_none_means_all_popular() -> None:
    ids = np.arange(12, dtype=np.uint64).reshape(4, 3)
    out, popular = apply_hotsets(ids, [None, None, None])
    assert popular.all() and (out == ids).all()


def test_apply_hotsets_validation() -> None:
    with pytest.raises(ValueError):
        apply_hotsets(np.zeros((3, 2), dtype=np.uint64), [None])
    with pytest.raises(ValueError):
        apply_hotsets(np.zeros(3, dtype=np.uint64), [None])
