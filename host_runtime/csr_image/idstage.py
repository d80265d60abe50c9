"""CSR values of the id stage (rtl/top/csr/idstage.yaml) for a pipeline spec and its prepared state.

The id stage holds one vocabulary table per VOCAB feature and one hot-set table per feature with a
hot set (docs/spec/idstage_rtl.md). Tables are built into the RTL with fixed sizes (`IdStageParams`),
so a spec fits only if its vocabulary geometry equals the built one: the golden model numbers ids
from a table of exactly `n_buckets x ways` entries, and a different geometry overflows differently.
Every refusal is a ValueError naming the feature, because a silently different table would give
ids that differ from the golden model's.

The feature -> table maps are computed here, not in the RTL (`table_numbers`): the features with a
vocabulary and/or a hot set are numbered 0, 1, ... (both first, then vocabulary-only, then hot-only), and
vocabulary table t / hot-set table t serve feature t; the stage keeps one key register per number, fed from
the 64-bit lane of that feature's key in the row (`feature_lane`), and the patch map says, per {beat, lane}
of the row, which number replaces that feature's id (`patch_address`, `patch_word`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.hotset import HotSet
from models.pipeline_spec import PipelineSpec, SparseFinal
from models.transform import TransformState

MODE_PASS2 = 0  # map ids, hot split (the streaming pass)
MODE_PASS1 = 1  # count keys; the stage's output equals its input
THRESHOLD_MAX = 255  # cfg_threshold is 8 bits (the RTL counters are 8 bits wide)
MAX_DENSE_WORDS = 127  # cfg_n_dense is 7 bits
HOT_WORDS_PER_ENTRY = 4  # id lo, id hi, slot, (unused)
PATCH_WORDS = 256  # patch map: 16 beats x 16 lanes
U32 = (1 << 32) - 1


@dataclass(frozen=True)
class IdStageParams:
    """The RTL build parameters of id_stage (the YAML's counts and table sizes follow PRODUCT_PARAMS)."""

    max_sparse: int = 64
    vocab_tables: int = 26
    vocab_buckets: int = 1 << 13
    vocab_ways: int = 4
    hotset_tables: int = 26
    hotset_capacity: int = 4096

    @property
    def hot_table_bits(self) -> int:
        return max(1, (self.hotset_tables - 1).bit_length())

    @property
    def vocab_table_bits(self) -> int:
        return max(1, (self.vocab_tables - 1).bit_length())

    @property
    def hot_words(self) -> int:
        """Words of the hot-set load window: {table, sorted index, word}."""
        return (1 << self.hot_table_bits) * self.hotset_capacity * HOT_WORDS_PER_ENTRY

    @property
    def stat_words(self) -> int:
        """Words of the vocab_stat table: overflow of table t at t, ids assigned at 2^bits + t."""
        return 2 << self.vocab_table_bits

    @property
    def patch_words(self) -> int:
        return PATCH_WORDS

    @property
    def key_slots(self) -> int:
        """Numbered features (one key register each): max(vocab_tables, hotset_tables)."""
        return max(self.vocab_tables, self.hotset_tables)

    def rtl_parameters(self) -> dict[str, int]:
        return {"MAX_SPARSE": self.max_sparse, "VOCAB_TABLES": self.vocab_tables,
                "VOCAB_BUCKETS": self.vocab_buckets, "VOCAB_WAYS": self.vocab_ways,
                "HOTSET_TABLES": self.hotset_tables, "HOTSET_CAPACITY": self.hotset_capacity}


PRODUCT_PARAMS = IdStageParams()


def feature_lane(n_dense: int, f: int) -> int:
    """The 64-bit lane of sparse feature f's key in a TransformedRecord row with n_dense dense words, on
    the row as the id stage reads it: one word later when 3 + n_dense is odd, so that every key is one
    aligned lane (lane = 16 x beat + lane in beat)."""
    return (4 + n_dense + 2 * f - n_dense % 2) // 2


def patch_address(n_dense: int, f: int) -> int:
    """Patch-map word of sparse feature f: 16 x beat + (position of its lo word in the beat) / 2."""
    w = 3 + n_dense + 2 * f
    return (w >> 5) * 16 + ((w & 31) >> 1)


def patch_word(vocab_table: int | None, hot_table: int | None) -> int:
    """Patch-map entry: [7:0] the feature's number t (vocabulary table t and/or hot-set table t), [8]
    replace by the vocabulary id, [9] replace by the hot slot in popular rows."""
    if vocab_table is not None and hot_table is not None and vocab_table != hot_table:
        raise ValueError(f"vocabulary table {vocab_table} and hot table {hot_table} of one feature differ")
    t = vocab_table if vocab_table is not None else hot_table
    return 0 if t is None else t | (vocab_table is not None) << 8 | (hot_table is not None) << 9


def table_numbers(spec: PipelineSpec, params: IdStageParams = PRODUCT_PARAMS) -> tuple[dict[int, int], dict[int, int]]:
    """(vocabulary table of each vocabulary feature, hot-set table of each feature with a hot set), by sparse
    feature index. Every such feature gets its own number t (vocabulary table t and/or hot-set table t, key
    register t): those with both first, then the vocabulary-only ones, then the hot-only ones, each group in
    feature order. Raises ValueError naming the first feature that does not fit (a vocabulary feature needs
    t < vocab_tables, a hot one t < hotset_tables)."""
    vocab = [i for i, s in enumerate(spec.sparse) if s.final == SparseFinal.VOCAB]
    hot = [i for i, s in enumerate(spec.sparse) if s.hot] if spec.hot_split else []
    if len(vocab) > params.vocab_tables:
        raise ValueError(f"sparse feature {spec.sparse[vocab[params.vocab_tables]].name}: more than "
                         f"{params.vocab_tables} vocabulary features (the id stage has {params.vocab_tables} "
                         "vocabulary tables)")
    if len(hot) > params.hotset_tables:
        raise ValueError(f"sparse feature {spec.sparse[hot[params.hotset_tables]].name}: more than "
                         f"{params.hotset_tables} features with hot sets (the id stage has "
                         f"{params.hotset_tables} hot-set tables)")
    hot_set = set(hot)
    both = [i for i in vocab if i in hot_set]
    order = both + [i for i in vocab if i not in hot_set] + [i for i in hot if i not in set(vocab)]
    vt = {i: t for t, i in enumerate(order) if i in set(vocab)}
    ht = {i: t for t, i in enumerate(order) if i in hot_set}
    over = [i for i, t in ht.items() if t >= params.hotset_tables]
    if over:
        raise ValueError(f"sparse feature {spec.sparse[min(over)].name}: the id stage numbers at most "
                         f"{params.hotset_tables} features with a hot set or a vocabulary when some have only a "
                         f"hot set ({len(order)} here: {params.key_slots} key registers)")
    return vt, ht


def hot_table_words(hs: HotSet, table: int, params: IdStageParams) -> dict[int, int]:
    """Window words (address -> value) that load one hot set into hot-set table `table`.

    The RTL searches a sorted array (a pipelined binary search), so the host writes the ids in
    ascending unsigned order; each sorted entry i carries the id's slot (its position in the hot
    set, models.hotset.HotSet)."""
    order = np.argsort(hs.ids, kind="stable")
    base = table * params.hotset_capacity
    out: dict[int, int] = {}
    for i, slot in enumerate(order.tolist()):
        v = int(hs.ids[slot])
        a = (base + i) * HOT_WORDS_PER_ENTRY
        out[a], out[a + 1], out[a + 2] = v & U32, v >> 32, int(slot)
    return out


def idstage_csr_image(spec: PipelineSpec, state: TransformState | None,
                      params: IdStageParams = PRODUCT_PARAMS) -> dict[str, int | list[int]]:
    """Register values by YAML name: scalars as ints, array fields as `<array>_<field>` lists of
    `count` entries (unused entries 0), the table `hot` as its full list of window words (hot sets
    from state.hotsets; none loaded when state is None) and the table `patch` (the patch map).
    `mode` is MODE_PASS2; the runtime sets MODE_PASS1 for the counting pass of a spec with vocabulary
    features. Raises ValueError naming the feature when the spec does not fit the built hardware."""
    if len(spec.dense) > MAX_DENSE_WORDS:
        raise ValueError(f"dense: {len(spec.dense)} features, the id stage locates at most {MAX_DENSE_WORDS}")
    if len(spec.sparse) > params.max_sparse:
        raise ValueError(f"sparse: {len(spec.sparse)} features, the id stage takes at most {params.max_sparse} "
                         f"(first one over: {spec.sparse[params.max_sparse].name})")
    img: dict[str, int | list[int]] = {}
    nd = len(spec.dense)
    if spec.hot_split:
        assert spec.hotset is not None
        if spec.hotset.capacity > params.hotset_capacity:
            raise ValueError(f"hotset: capacity {spec.hotset.capacity} exceeds the id stage's hot tables of "
                             f"{params.hotset_capacity} ids")
    vt_of, ht_of = table_numbers(spec, params)
    k_lane, v_en = [0] * params.key_slots, [0] * params.vocab_tables
    for i, t in list(vt_of.items()) + list(ht_of.items()):
        k_lane[t] = feature_lane(nd, i)
    threshold: int | None = None
    for i, t in sorted(vt_of.items()):
        s = spec.sparse[i]
        name = f"sparse feature {s.name}"
        v = s.vocab
        assert v is not None
        if (v.n_buckets, v.ways) != (params.vocab_buckets, params.vocab_ways):
            raise ValueError(f"{name}: vocabulary table {v.n_buckets} buckets x {v.ways} ways, but the id stage "
                             f"is built with {params.vocab_buckets} x {params.vocab_ways}")
        if not 0 <= v.threshold <= THRESHOLD_MAX:
            raise ValueError(f"{name}: threshold {v.threshold} exceeds the id stage's {THRESHOLD_MAX}")
        if threshold is not None and v.threshold != threshold:
            raise ValueError(f"{name}: threshold {v.threshold} differs from {threshold} of an earlier feature "
                             "(the id stage has one threshold register)")
        threshold = v.threshold
        v_en[t] = 1
    n_ht = params.hotset_tables
    h_count, h_en, h_fv = [0] * n_ht, [0] * n_ht, [0] * n_ht
    hot_words = [0] * params.hot_words
    for i, t in sorted(ht_of.items()):
        name = f"sparse feature {spec.sparse[i].name}"
        h_en[t], h_fv[t] = 1, int(i in vt_of)
        if state is not None:
            hs = state.hotsets[i]
            if hs is None:
                raise ValueError(f"{name}: the prepared state has no hot set for it")
            if len(hs) > params.hotset_capacity:
                raise ValueError(f"{name}: {len(hs)} hot ids exceed the hot table's {params.hotset_capacity}")
            for a, w in hot_table_words(hs, t, params).items():
                hot_words[a] = w
            h_count[t] = len(hs)
    patch = [0] * params.patch_words
    for i in sorted(set(vt_of) | set(ht_of)):
        patch[patch_address(nd, i)] = patch_word(vt_of.get(i), ht_of.get(i))
    img["mode"] = MODE_PASS2
    img["hot_split"] = int(spec.hot_split)
    img["threshold"] = threshold if threshold is not None else 0
    img["n_dense"] = nd
    img["n_sparse"] = len(spec.sparse)
    img["key_lane"], img["vocab_enable"] = k_lane, v_en
    img["hotset_count"], img["hotset_enable"] = h_count, h_en
    img["hotset_from_vocab"] = h_fv
    img["hot"] = hot_words
    img["patch"] = patch
    return img
