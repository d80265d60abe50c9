"""host_runtime.csr_image.idstage: the presets fit the built id stage, misfits are refused by name,
and rtl/top/csr/idstage.yaml agrees with PRODUCT_PARAMS and with the id_stage ports' widths."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from host_runtime.csr_image.idstage import (PRODUCT_PARAMS, IdStageParams, feature_lane, idstage_csr_image,
                                            patch_address, table_numbers)
from host_runtime.spec import load_spec
from models.decode_text import decode_text
from models.transform import TransformState

YAML = Path(__file__).resolve().parents[2] / "rtl" / "top" / "csr" / "idstage.yaml"
CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")


def test_yaml_matches_product_params() -> None:
    doc = yaml.safe_load(YAML.read_text())
    arrays = {a["name"]: a for a in doc["arrays"]}
    tables = {t["name"]: t["words"] for t in doc["tables"]}
    assert arrays["vocab"]["count"] == PRODUCT_PARAMS.vocab_tables
    assert arrays["key"]["count"] == PRODUCT_PARAMS.key_slots
    assert arrays["hotset"]["count"] == PRODUCT_PARAMS.hotset_tables
    assert tables["hot"] == PRODUCT_PARAMS.hot_words
    assert tables["vocab_stat"] == PRODUCT_PARAMS.stat_words
    assert tables["patch"] == PRODUCT_PARAMS.patch_words


@pytest.mark.parametrize("preset", ["criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline"])
def test_presets_fit(preset: str) -> None:
    spec = load_spec(preset)
    state = TransformState.prepare(spec, decode_text(CRITEO.read_bytes(), spec.schema, spec.text))
    img = idstage_csr_image(spec, state)
    assert img["n_sparse"] == len(spec.sparse)
    assert len(img["hot"]) == PRODUCT_PARAMS.hot_words
    if preset == "criteo_hotline":
        assert img["hot_split"] == 1 and sum(img["hotset_enable"]) == 26 and not any(img["hotset_from_vocab"])
        assert img["key_lane"] == [feature_lane(13, f) for f in range(26)]
        assert all(img["patch"][patch_address(13, f)] == f | 1 << 9 for f in range(26))
        hs = state.hotsets[0]
        assert hs is not None and img["hotset_count"][0] == len(hs)
        # entry 0 of table 0: the smallest hot id and its slot
        lo = min(int(x) for x in hs.ids)
        assert img["hot"][0] | img["hot"][1] << 32 == lo
        assert int(hs.ids[img["hot"][2]]) == lo
    if preset == "criteo_torchrec":
        assert img["threshold"] == 3 and img["vocab_enable"] == [1] * 26
        assert img["key_lane"] == [feature_lane(13, f) for f in range(26)] == list(range(8, 34))
        assert all(img["patch"][patch_address(13, f)] == f | 1 << 8 for f in range(26))
        assert sum(1 for w in img["patch"] if w) == 26


def test_refusals_name_the_feature() -> None:
    spec = load_spec("criteo_torchrec")
    small = IdStageParams(vocab_buckets=16, vocab_ways=2)
    with pytest.raises(ValueError, match=r"C1: vocabulary table 8192 buckets x 4 ways, but the id stage is built with 16 x 2"):
        idstage_csr_image(spec, None, small)
    with pytest.raises(ValueError, match=r"C26: more than 25 vocabulary features"):
        idstage_csr_image(spec, None, dataclasses.replace(PRODUCT_PARAMS, vocab_tables=25))
    s2 = list(spec.sparse)
    s2[4] = dataclasses.replace(s2[4], vocab=dataclasses.replace(s2[4].vocab, threshold=2))
    with pytest.raises(ValueError, match=r"C5: threshold 2 differs"):
        idstage_csr_image(dataclasses.replace(spec, sparse=tuple(s2)), None)
    hot = load_spec("criteo_hotline")
    with pytest.raises(ValueError, match=r"hotset: capacity 4096 exceeds"):
        idstage_csr_image(hot, None, dataclasses.replace(PRODUCT_PARAMS, hotset_capacity=1024))
    with pytest.raises(ValueError, match=r"C3: more than 2 features with hot sets"):
        idstage_csr_image(hot, None, dataclasses.replace(PRODUCT_PARAMS, hotset_tables=2))
    with pytest.raises(ValueError, match=r"sparse: 26 features, the id stage takes at most 8 \(first one over: C9\)"):
        idstage_csr_image(hot, None, dataclasses.replace(PRODUCT_PARAMS, max_sparse=8))


def test_table_numbers_share_joint_features() -> None:
    """Every feature with a vocabulary and/or a hot set gets its own number (vocabulary table t, hot-set table t,
    key register t): both first, then vocabulary-only, then hot-only; too many of them is refused by name."""
    spec = load_spec("criteo_torchrec")
    hs = load_spec("criteo_hotline").hotset
    hot = [f % 3 != 0 for f in range(26)]  # features 1, 2, 4, 5, ... have hot sets
    sparse = list(spec.sparse)
    for f in (0, 10):  # two features without a vocabulary (modulo), feature 10 with a hot set
        sparse[f] = dataclasses.replace(load_spec("criteo_hotline").sparse[f])
    spec = dataclasses.replace(spec, hotset=hs, sparse=tuple(dataclasses.replace(s, hot=h) for s, h in zip(sparse, hot)))
    vt, ht = table_numbers(spec)
    both = [f for f in range(26) if f in vt and f in ht]
    assert [vt[f] for f in both] == [ht[f] for f in both] == list(range(len(both)))
    assert sorted(set(vt.values()) | set(ht.values())) == list(range(len(set(vt) | set(ht))))
    assert max(vt.values()) < min(t for f, t in ht.items() if f not in vt)  # hot-only after vocabulary-only
    assert 0 not in vt and 10 not in vt and 10 in ht and 0 not in ht
    img = idstage_csr_image(spec, None)
    assert [img["hotset_from_vocab"][ht[f]] for f in ht] == [int(f in vt) for f in ht]
    for f in set(vt) | set(ht):
        w = img["patch"][patch_address(13, f)]
        assert w & 0xFF == vt.get(f, ht.get(f)) and (w >> 8 & 1) == (f in vt) and (w >> 9 & 1) == (f in ht)
        assert img["key_lane"][vt.get(f, ht.get(f))] == feature_lane(13, f)
    # 24 vocabulary features (feature 0 with a hot set too) and 3 hot-only ones: 27 numbers, 26 key registers
    hl = load_spec("criteo_hotline").sparse
    sp = [dataclasses.replace(s, hot=(f == 0)) for f, s in enumerate(load_spec("criteo_torchrec").sparse)]
    sp[24], sp[25] = (dataclasses.replace(hl[f], hot=True) for f in (24, 25))
    sp.append(dataclasses.replace(hl[0], name="X1", hot=True))
    too_many = dataclasses.replace(load_spec("criteo_torchrec"), hotset=hs, sparse=tuple(sp))
    with pytest.raises(ValueError, match=r"X1: the id stage numbers at most 26 features"):
        table_numbers(too_many)
