"""VocabTable vs two independent plain-Python models written here from the documented behaviour.

* `torchrec_sparse_to_contiguous`: TorchRec's algorithm (count frequencies over all data, then
  iterate in order assigning running ids from 2; rare -> 1). Must equal VocabTable whenever the
  table is large enough that nothing overflows.
* `PlainSetAssocVocab`: the finite set-associative table of docs/spec/sparse.md, one key at a
  time, bucket from the PyPI `xxhash` package. Must equal VocabTable always, overflow included.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings, strategies as st

import models.vocab as vocab_mod
from models.vocab import VOCAB_SEED, VocabTable, stable_argsort_u64

U64_MAX = 2**64 - 1


# ----------------------------------------------------------------------------- reference models
def torchrec_sparse_to_contiguous(count_data: Iterable[int], map_data: Iterable[int], threshold: int) -> list[int]:
    """TorchRec's `sparse_to_contiguous` for one column, literally: a frequency dict over the whole
    pass-1 data, then one ordered walk assigning `running_sum` from 2, ids seen < threshold -> 1.

    TorchRec walks the same data twice; for a map key never counted (only possible when the two
    passes differ) its frequency is taken as 0, i.e. rare (Sluice's rule: never stored -> 1).
    """
    freq: dict[int, int] = {}
    for v in count_data:
        freq[v] = freq.get(v, 0) + 1
    running_sum = 2
    mapping: dict[int, int] = {}
    out = []
    for v in map_data:
        if v not in mapping:
            if v not in freq or (threshold > 1 and freq[v] < threshold):
                mapping[v] = 1
            else:
                mapping[v] = running_sum
                running_sum += 1
        out.append(mapping[v])
    return out


class PlainSetAssocVocab:
    """The set-associative table one key at a time, exactly as the spec words it."""

    def __init__(self, n_buckets: int, ways: int, threshold: int) -> None:
        self.n_buckets, self.ways, self.threshold = n_buckets, ways, threshold
        self.cap = max(threshold, 1)
        self.buckets: dict[int, list[int]] = defaultdict(list)
        self.count_of: dict[int, int] = {}
        self.id_of: dict[int, int] = {}
        self.overflow = 0
        self.next_id = 2

    def bucket(self, key: int) -> int:
        return xxhash.xxh64_intdigest(key.to_bytes(8, "little"), seed=VOCAB_SEED) & (self.n_buckets - 1)

    def count(self, keys: Iterable[int]) -> None:
        for k in keys:
            if k in self.count_of:
                self.count_of[k] = min(self.count_of[k] + 1, self.cap)
            elif len(self.buckets[self.bucket(k)]) < self.ways:
                self.buckets[self.bucket(k)].append(k)
                self.count_of[k] = 1
            else:
                self.overflow += 1

    def map(self, keys: Iterable[int]) -> list[int]:
        out = []
        for k in keys:
            if k in self.count_of and self.count_of[k] >= self.threshold:
                if k not in self.id_of:
                    self.id_of[k] = self.next_id
                    self.next_id += 1
                out.append(self.id_of[k])
            else:
                out.append(1)
        return out


# ----------------------------------------------------------------------------- helpers
def zipf_keys(rng: np.random.Generator, n: int, a: float = 1.2, domain: int = 50_000) -> np.ndarray:
    """Zipf-skewed u64 keys spread over the full 64-bit range (rank 1 -> key 0, the filled-missing value)."""
    ranks = np.minimum(rng.zipf(a, n), domain).astype(np.uint64) - np.uint64(1)
    with np.errstate(over="ignore"):
        keys = ranks * np.uint64(0x9E3779B97F4A7C15)
    keys[ranks == np.uint64(domain - 1)] = np.uint64(U64_MAX)  # make sure the top key occurs
    return keys


def split(arr: np.ndarray, rng: np.random.Generator, n_chunks: int) -> list[np.ndarray]:
    """Random chunk boundaries, empty chunks allowed (the pipeline may feed them)."""
    cuts = np.sort(rng.integers(0, arr.size + 1, n_chunks - 1))
    return np.split(arr, cuts)


def run_vocab(vt: VocabTable, count_chunks: list[np.ndarray], map_chunks: list[np.ndarray]) -> list[int]:
    for c in count_chunks:
        vt.count(c)
    vt.freeze()
    outs = [vt.map(c) for c in map_chunks]
    for o in outs:
        assert o.dtype == np.uint64
    return np.concatenate(outs).tolist() if outs else []


# ----------------------------------------------------------------------------- TorchRec equivalence
@pytest.mark.parametrize("threshold", [0, 1, 2, 3])
@pytest.mark.parametrize("n_chunks", [1, 7])
def test_equals_torchrec_when_large(threshold: int, n_chunks: int) -> None:
    rng = np.random.default_rng(100 + threshold * 10 + n_chunks)
    keys = zipf_keys(rng, 60_000)
    vt = VocabTable(n_buckets=4096, ways=32, threshold=threshold)  # 131072 entries >> distinct keys
    got = run_vocab(vt, split(keys, rng, n_chunks), split(keys, rng, n_chunks))
    kl = keys.tolist()
    assert vt.overflow == 0
    assert got == torchrec_sparse_to_contiguous(kl, kl, threshold)
    assert vt.n_stored == len(set(kl))
    assert vt.n_assigned == max(got) - 1


def test_torchrec_docstring_example() -> None:
    """The worked example in TorchRec's docstring (threshold 2, two day files, two columns)."""
    abc, iop, lkj, xyz, tuv = 0xABC, 0x10F, 0x1C7, 0x0, 0x7F
    for col, want in (([abc, iop, iop, lkj], [1, 2, 2, 1]), ([xyz, xyz, tuv, xyz], [2, 2, 1, 2])):
        vt = VocabTable(16, 4, threshold=2)
        got = run_vocab(vt, [np.array(col[:2], np.uint64), np.array(col[2:], np.uint64)],
                        [np.array(col[:2], np.uint64), np.array(col[2:], np.uint64)])
        assert got == want


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_pass2_on_different_data(threshold: int) -> None:
    """Pass 2 over other data (e.g. count on train, map on eval): unseen keys -> 1."""
    rng = np.random.default_rng(7 + threshold)
    train, evald = zipf_keys(rng, 30_000), zipf_keys(rng, 20_000, a=1.1, domain=80_000)
    vt = VocabTable(4096, 32, threshold)
    got = run_vocab(vt, split(train, rng, 3), split(evald, rng, 5))
    assert vt.overflow == 0
    assert got == torchrec_sparse_to_contiguous(train.tolist(), evald.tolist(), threshold)
    plain = PlainSetAssocVocab(4096, 32, threshold)
    plain.count(train.tolist())
    assert got == plain.map(evald.tolist())


# ----------------------------------------------------------------------------- finite table
@pytest.mark.parametrize("n_buckets,ways", [(1, 1), (1, 5), (2, 3), (8, 2), (64, 4), (256, 1)])
@pytest.mark.parametrize("threshold", [1, 3])
def test_overflow_equals_plain_set_assoc(n_buckets: int, ways: int, threshold: int) -> None:
    rng = np.random.default_rng(n_buckets * 31 + ways * 7 + threshold)
    train = zipf_keys(rng, 5000, domain=3000)
    evald = zipf_keys(rng, 3000, domain=3000)
    vt = VocabTable(n_buckets, ways, threshold)
    got = run_vocab(vt, split(train, rng, 6), split(evald, rng, 4))
    plain = PlainSetAssocVocab(n_buckets, ways, threshold)
    plain.count(train.tolist())
    assert vt.overflow == plain.overflow > 0
    assert vt.n_stored == len(plain.count_of) <= n_buckets * ways
    assert got == plain.map(evald.tolist())
    assert vt.n_assigned == plain.next_id - 2


def test_overflow_counts_every_occurrence_and_first_comer_wins() -> None:
    """One bucket, one way: the first key of the stream gets the way, all other occurrences overflow,
    even within the same chunk and even if a later key is more frequent."""
    vt = VocabTable(1, 1, threshold=1)
    vt.count(np.array([5, 9, 9, 9, 5, 7], dtype=np.uint64))
    vt.count(np.array([9, 9], dtype=np.uint64))
    assert (vt.overflow, vt.n_stored) == (6, 1)
    vt.freeze()
    assert vt.map(np.array([9, 5, 7, 5], dtype=np.uint64)).tolist() == [1, 2, 1, 2]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=0, max_size=300),
       st.lists(st.integers(0, 40), min_size=0, max_size=200),
       st.sampled_from([1, 2, 4, 8]), st.integers(1, 4), st.integers(0, 4), st.integers(1, 6), st.data())
def test_hypothesis_vs_plain(train: list[int], evald: list[int], n_buckets: int, ways: int,
                             threshold: int, n_chunks: int, data: st.DataObject) -> None:
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Small domain mapped onto spread-out u64 keys (collisions in buckets are then likely).
    to_key = {i: (i * 0xD1B54A32D192ED03) & U64_MAX for i in range(41)}
    t = np.array([to_key[i] for i in train], dtype=np.uint64)
    e = np.array([to_key[i] for i in evald], dtype=np.uint64)
    vt = VocabTable(n_buckets, ways, threshold)
    got = run_vocab(vt, split(t, rng, n_chunks), split(e, rng, n_chunks))
    plain = PlainSetAssocVocab(n_buckets, ways, threshold)
    plain.count(t.tolist())
    assert got == plain.map(e.tolist())
    assert vt.overflow == plain.overflow
    assert vt.n_stored == len(plain.count_of)


@pytest.mark.parametrize("block", [1, 7, 4096])
def test_map_blocking_is_invisible(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """map() works in internal blocks of MAP_BLOCK keys; the block size must not show."""
    rng = np.random.default_rng(block)
    keys = zipf_keys(rng, 3000 if block == 1 else 20_000, domain=4000)
    monkeypatch.setattr(vocab_mod, "MAP_BLOCK", block)
    vt = VocabTable(1024, 16, threshold=2)
    got = run_vocab(vt, [keys], split(keys, rng, 3))
    assert vt.overflow == 0
    assert got == torchrec_sparse_to_contiguous(keys.tolist(), keys.tolist(), 2)


def test_chunking_invariance() -> None:
    rng = np.random.default_rng(42)
    keys = zipf_keys(rng, 20_000, domain=5000)
    results = []
    for n_chunks in (1, 2, 13, 200):
        vt = VocabTable(64, 8, threshold=2)  # 512 entries: overflows
        results.append((run_vocab(vt, split(keys, rng, n_chunks), split(keys, rng, n_chunks)), vt.overflow))
    assert all(r == results[0] for r in results)
    assert results[0][1] > 0


# ----------------------------------------------------------------------------- internals
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0, 1, 2, 2**32, 2**63 - 1, 2**63, U64_MAX - 1, U64_MAX])
                | st.integers(0, U64_MAX), max_size=300))
def test_stable_argsort_u64(vals: list[int]) -> None:
    a = np.array(vals, dtype=np.uint64)
    assert stable_argsort_u64(a).tolist() == np.argsort(a, kind="stable").tolist()


def test_stable_argsort_u64_large_with_duplicates() -> None:
    rng = np.random.default_rng(9)
    for n in (2, 3, 1000, (1 << 16) + 1):
        a = zipf_keys(rng, n, domain=max(n // 4, 2))
        a[::7] ^= np.uint64(1 << 63)  # exercise the top digit
        assert (stable_argsort_u64(a) == np.argsort(a, kind="stable")).all()


# ----------------------------------------------------------------------------- counters and API
def test_counter_saturates_at_threshold() -> None:
    vt = VocabTable(4, 2, threshold=3)
    assert vt.counter_width == 2
    vt.count(np.zeros(1000, dtype=np.uint64))
    vt.count(np.zeros(5, dtype=np.uint64))
    vt.freeze()  # flushes the pass-1 levels into one array
    assert vt._counts.tolist() == [3]
    assert VocabTable(4, 2, threshold=1).counter_width == 1
    assert VocabTable(4, 2, threshold=0).counter_width == 1
    assert VocabTable(4, 2, threshold=255).counter_width == 8
    assert VocabTable(4, 2, threshold=256).counter_width == 9


def test_extreme_keys() -> None:
    keys = np.array([U64_MAX, 0, U64_MAX, 1, 0, U64_MAX], dtype=np.uint64)
    vt = VocabTable(8, 4, threshold=2)
    assert run_vocab(vt, [keys], [keys]) == torchrec_sparse_to_contiguous(keys.tolist(), keys.tolist(), 2)
    assert vt.map(np.array([1, U64_MAX], dtype=np.uint64)).tolist() == [1, 2]


def test_api_errors() -> None:
    for bad in [(0, 1, 1), (3, 1, 1), (4, 0, 1), (4, 1, -1)]:
        with pytest.raises(ValueError):
            VocabTable(*bad)
    vt = VocabTable(4, 1, 1)
    with pytest.raises(RuntimeError):
        vt.map(np.array([1], dtype=np.uint64))
    vt.freeze()
    with pytest.raises(RuntimeError):
        vt.count(np.array([1], dtype=np.uint64))
    with pytest.raises(ValueError):
        vt.map(np.zeros((2, 2), dtype=np.uint64))
    assert vt.map(np.empty(0, dtype=np.uint64)).tolist() == []
