"""Two-pass vocabulary with TorchRec numbering and the on-chip table's finite capacity.

Semantics of record: docs/spec/sparse.md, "Vocabulary". In short, one set-associative table
per column, `n_buckets` (power of two) x `ways` entries, bucket = XXH64(key, VOCAB_SEED) &
(n_buckets - 1).

* Pass 1 (`count`, keys in stream order): a stored key's count += 1 (saturating at the
  threshold); a new key is inserted with count 1 if its bucket has a free way, otherwise the
  occurrence is counted in `overflow`.
* `freeze()`.
* Pass 2 (`map`, keys in stream order): a stored key with count >= threshold gets a contiguous
  id, assigned at its first pass-2 occurrence from a running counter starting at 2; every other
  key (rare, or never stored) maps to 1.

When nothing overflows this equals TorchRec's `sparse_to_contiguous`.

Vectorisation (no per-key Python loop): each chunk is reduced by sorting to its distinct keys
with multiplicities (and, where needed, first occurrences via `stable_argsort_u64`); the table
state is kept as arrays sorted by key (two levels, see `__init__`), so membership is a
`searchsorted`. The stream-order rules survive the reduction because (a) a bucket never frees a
way, so the new keys that get in are exactly the first `free` distinct new keys of the bucket in
first-occurrence order, and every occurrence of a key that does not get in overflows; and (b) ids
are handed out in order of first occurrence.
"""
from __future__ import annotations

import numpy as np

from models import npx

from models.hashing import xxh64_u64

# ASCII "SluiceVo" read as a big-endian 64-bit word: the XXH64 seed of the bucket selector.
VOCAB_SEED = 0x536C75696365566F

RARE_ID = 1
FIRST_ID = 2
# map() works through a call's keys in blocks of this many: results are block-invariant (ids
# continue across blocks exactly as across calls) and 64 Ki-key working sets stay in cache,
# which measured ~2x faster per key than one 1 Mi-key block.
MAP_BLOCK = 1 << 16


def stable_argsort_u64(keys: np.ndarray) -> np.ndarray:
    """Stable argsort of a u64 array (< 2^32 elements) from two *value* sorts of packed words.

    numpy's value sort of u64 is a SIMD sort several times faster than its argsort (and 5-10x
    faster than its stable argsort), so we LSD-radix in two digits, each sort carrying its
    payload in the low bits of a distinct composite word (distinct => stability is free):
      pass A: sort (key_low << b | index)         b = index bits, key_low = low 64-b key bits
      pass B: sort (key_high << b | pass-A rank)  key_high = top b key bits
    Result: positions ordered by (key, index), i.e. a stable sort.
    """
    n = keys.size
    if n < 2:
        return np.arange(n, dtype=np.intp)
    b = max(int(n - 1).bit_length(), 1)
    if b > 32:
        raise ValueError("chunks of 2^32 keys or more are not supported")
    lo_mask, ub = np.uint64((1 << b) - 1), np.uint64(b)
    idx = np.arange(n, dtype=np.uint64)
    words = keys << ub          # pass A: key_low (the top bits are shifted out) | index
    words |= idx
    words.sort()
    words &= lo_mask
    p1 = words.view(np.int64)   # payloads < 2^32: reinterpreting the u64 bits is exact
    digit = keys[p1]            # pass B: key_high | pass-A rank
    digit >>= np.uint64(64 - b)
    digit <<= ub
    digit |= idx
    digit.sort()
    digit &= lo_mask
    return p1[digit.view(np.int64)]


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start position, key and length of every run of equal keys in a sorted array."""
    starts = np.empty(sorted_keys.size, dtype=bool)
    if sorted_keys.size:
        starts[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=starts[1:])
    start_pos = np.flatnonzero(starts)
    return start_pos, sorted_keys[start_pos], np.diff(np.append(start_pos, sorted_keys.size))


def _distinct_in_chunk(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys of a chunk (ascending), each one's first index, multiplicity, and the
    stable sort order (so callers can scatter per-distinct results back to chunk positions).

    With a stable order the first element of every run of equal keys is its first occurrence.
    """
    order = stable_argsort_u64(keys)
    start_pos, uniq, mult = _runs(keys[order])
    return uniq, order[start_pos], mult, order


def _lookup(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each query in a sorted key array and whether it is present there."""
    pos = np.searchsorted(sorted_keys, queries)
    found = np.zeros(queries.size, dtype=bool)
    inside = pos < sorted_keys.size
    found[inside] = sorted_keys[pos[inside]] == queries[inside]
    return pos, found


class VocabTable:
    """One column's vocabulary table (streaming, two passes). See the module docstring."""

    def __init__(self, n_buckets: int, ways: int, threshold: int) -> None:
        if (not isinstance(n_buckets, int) or n_buckets < 1 or n_buckets > 2**32
                or n_buckets & (n_buckets - 1)):
            raise ValueError(f"n_buckets must be a power of two in [1, 2^32], got {n_buckets!r}")
        if not isinstance(ways, int) or ways < 1:
            raise ValueError(f"ways must be an integer >= 1, got {ways!r}")
        if not isinstance(threshold, int) or not 0 <= threshold < 2**32:
            raise ValueError(f"threshold must be an integer in [0, 2^32), got {threshold!r}")
        self.n_buckets = n_buckets
        self.ways = ways
        self.threshold = threshold
        # threshold <= 1: every stored key qualifies, so a 1-bit "seen" counter suffices.
        self.count_cap = max(threshold, 1)
        # Pass-1 state is two sorted levels: `main` plus a small `recent` level that absorbs the
        # inserts of each chunk and is merged into `main` once it reaches 1/8 of it, so a chunk
        # costs O(recent) rather than O(n_stored) (amortised O(1) copies per stored key).
        self._keys = np.empty(0, dtype=np.uint64)      # main level: stored keys, ascending
        self._counts = np.empty(0, dtype=np.uint32)    # saturating pass-1 counts, aligned to _keys
        self._rkeys = np.empty(0, dtype=np.uint64)     # recent level, same layout
        self._rcounts = np.empty(0, dtype=np.uint32)
        self._ids = np.empty(0, dtype=np.uint64)       # pass-2 ids (0 = not yet assigned), from freeze()
        self._occ = np.zeros(n_buckets, dtype=np.int64)
        self._overflow = 0
        self._next_id = FIRST_ID
        self._frozen = False

    # ----------------------------------------------------------------- properties
    @property
    def counter_width(self) -> int:
        """Bits of the per-entry saturating counter in the RTL (counts 0..count_cap)."""
        return self.count_cap.bit_length()

    @property
    def capacity(self) -> int:
        return self.n_buckets * self.ways

    @property
    def overflow(self) -> int:
        """Pass-1 occurrences that found their key absent and its bucket full."""
        return self._overflow

    @property
    def n_stored(self) -> int:
        return int(self._keys.size + self._rkeys.size)

    @property
    def n_assigned(self) -> int:
        """Ids handed out so far in pass 2 (the largest id is n_assigned + 1)."""
        return self._next_id - FIRST_ID

    @property
    def frozen(self) -> bool:
        return self._frozen

    def bucket_of(self, keys: np.ndarray) -> np.ndarray:
        """Bucket index of each key: the low log2(n_buckets) bits of XXH64(key, VOCAB_SEED)."""
        return (xxh64_u64(keys, VOCAB_SEED) & np.uint64(self.n_buckets - 1)).astype(np.int64)

    # ----------------------------------------------------------------- pass 1
    def count(self, keys: np.ndarray) -> None:
        """Pass 1 over one chunk of the column, in stream order (callable repeatedly)."""
        if self._frozen:
            raise RuntimeError("count() after freeze(): pass 1 is over")
        k = _as_u64_1d(keys)
        if k.size == 0:
            return
        # Distinct keys and multiplicities from a plain value sort (much cheaper than an argsort);
        # first occurrences are only needed if some bucket is contended (see _admit).
        _, uniq, mult = _runs(np.sort(k))
        cap = self.count_cap
        found = np.zeros(uniq.size, dtype=bool)
        for keys_, counts_ in ((self._keys, self._counts), (self._rkeys, self._rcounts)):
            pos, hit = _lookup(keys_, uniq)
            counts_[pos[hit]] = np.minimum(counts_[pos[hit]].astype(np.int64) + mult[hit], cap)
            found |= hit

        new = ~found
        n_keys, n_mult = uniq[new], mult[new]
        if n_keys.size == 0:
            return
        bucket = self.bucket_of(n_keys)
        admitted = self._admit(k, new, bucket)
        self._overflow += int(n_mult[~admitted].sum())
        np.add.at(self._occ, bucket[admitted], 1)  # O(new keys), not O(n_buckets), per chunk
        self._rkeys, self._rcounts = _merge_sorted(
            self._rkeys, self._rcounts, n_keys[admitted], np.minimum(n_mult[admitted], cap))
        if self._rkeys.size > max(self._keys.size // 8, 4096):
            self._flush_recent()

    def _flush_recent(self) -> None:
        """Merge the recent level into the main one (the two hold disjoint keys)."""
        self._keys, self._counts = _merge_sorted(self._keys, self._counts, self._rkeys, self._rcounts)
        self._rkeys = np.empty(0, dtype=np.uint64)
        self._rcounts = np.empty(0, dtype=np.uint32)

    def _admit(self, chunk: np.ndarray, new: np.ndarray, bucket: np.ndarray) -> np.ndarray:
        """Which of a chunk's new distinct keys get a way: per bucket, the first `free` of them in
        order of first occurrence (a bucket never frees a way, so later ones overflow entirely).

        `new` flags the chunk's distinct keys (ascending) that are absent from the table and
        `bucket` gives the bucket of each of those.
        """
        touched, demand = npx.unique(bucket, return_counts=True)
        if (demand <= self.ways - self._occ[touched]).all():
            return np.ones(bucket.size, dtype=bool)  # no contention: every new key fits
        first = _distinct_in_chunk(chunk)[1][new]
        chunk_len = chunk.size
        # Sort (bucket, first occurrence) as one packed word; first indices are distinct.
        b = max(int(chunk_len - 1).bit_length(), 1)
        words = np.sort((bucket.astype(np.uint64) << np.uint64(b)) | first.astype(np.uint64))
        s_bucket = (words >> np.uint64(b)).astype(np.int64)
        s_first = (words & np.uint64((1 << b) - 1)).astype(np.intp)
        grp = np.flatnonzero(np.r_[True, s_bucket[1:] != s_bucket[:-1]])
        rank = np.arange(words.size) - np.repeat(grp, np.diff(np.append(grp, words.size)))
        where = np.empty(chunk_len, dtype=np.intp)  # chunk position of a first occurrence -> new-key index
        where[first] = np.arange(first.size)
        admitted = np.zeros(bucket.size, dtype=bool)
        admitted[where[s_first]] = rank < self.ways - self._occ[s_bucket]
        return admitted

    def freeze(self) -> None:
        """End pass 1: from now on the table is read-only except for id assignment."""
        self._flush_recent()
        self._frozen = True
        self._ids = np.zeros(self._keys.size, dtype=np.uint64)

    # ----------------------------------------------------------------- pass 2
    def map(self, keys: np.ndarray) -> np.ndarray:
        """Pass 2 over one chunk: contiguous ids (>= 2) for frequent stored keys, 1 otherwise."""
        if not self._frozen:
            raise RuntimeError("map() before freeze(): pass 1 must be complete")
        k = _as_u64_1d(keys)
        out = np.empty(k.size, dtype=np.uint64)
        for lo in range(0, k.size, MAP_BLOCK):
            out[lo:lo + MAP_BLOCK] = self._map_block(k[lo:lo + MAP_BLOCK])
        return out

    def _map_block(self, k: np.ndarray) -> np.ndarray:
        """Pass 2 over one non-empty block of keys (stream order within and across blocks)."""
        uniq, first, mult, order = _distinct_in_chunk(k)
        pos, found = _lookup(self._keys, uniq)
        ok = np.zeros(uniq.size, dtype=bool)
        ok[found] = self._counts[pos[found]] >= self.threshold
        ids = np.full(uniq.size, RARE_ID, dtype=np.uint64)
        ids[ok] = self._ids[pos[ok]]

        fresh = np.flatnonzero(ok & (ids == 0))
        if fresh.size:
            fresh = fresh[np.argsort(first[fresh])]  # first indices are distinct: order is unique
            new_ids = np.arange(self._next_id, self._next_id + fresh.size, dtype=np.uint64)
            ids[fresh] = new_ids
            self._ids[pos[fresh]] = new_ids
            self._next_id += int(fresh.size)
        out = np.empty(k.size, dtype=np.uint64)
        out[order] = np.repeat(ids, mult)
        return out


def _merge_sorted(keys: np.ndarray, counts: np.ndarray, new_keys: np.ndarray,
                  new_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge ascending `new_keys` (absent from `keys`) into the ascending `keys`, with counts:
    one linear pass instead of np.insert's argsort of the insertion indices."""
    m = new_keys.size
    if m == 0:
        return keys, counts
    dest = np.searchsorted(keys, new_keys) + np.arange(m)
    keep = np.ones(keys.size + m, dtype=bool)
    keep[dest] = False
    out_k = np.empty(keep.size, dtype=np.uint64)
    out_k[keep], out_k[dest] = keys, new_keys
    out_c = np.empty(keep.size, dtype=np.uint32)
    out_c[keep], out_c[dest] = counts, new_counts
    return out_k, out_c


def _as_u64_1d(keys: np.ndarray) -> np.ndarray:
    """Keys arrive as one column chunk: a 1-D integer array."""
    arr = np.asarray(keys)
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-D key chunk, got shape {arr.shape}")
    if arr.dtype.kind not in "ui":
        raise TypeError(f"expected integer keys, got dtype {arr.dtype}")
    return arr.astype(np.uint64, copy=False)
