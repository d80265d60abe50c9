"""The pipeline YAML compiler: presets compile; invalid specs are rejected naming the field."""
import copy

import pytest
import yaml

from host_runtime.spec import CONFIG_DIR, PRESETS, SpecError, compile_spec, expand_names, load_spec
from models.pipeline_spec import DenseOut, SparseFinal


def base() -> dict:
    return yaml.safe_load((CONFIG_DIR / "criteo_dlrm.yaml").read_text())


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_compile(preset: str) -> None:
    s = load_spec(preset)
    assert s.schema.n_columns == 40
    assert len(s.dense) == 13 and s.dense[0].out == DenseOut.LOG1P


def test_preset_details() -> None:
    dlrm = load_spec("criteo_dlrm")
    assert all(f.prefix.clamp_lo == 0 and f.prefix.fill == 0 for f in dlrm.dense)
    assert all(s.final == SparseFinal.MODULO and s.modulus == 10_000_000 for s in dlrm.sparse)
    tr = load_spec("criteo_torchrec")
    assert all(f.prefix.shift == 2 for f in tr.dense)
    assert all(s.final == SparseFinal.VOCAB and s.vocab.threshold == 3 for s in tr.sparse)
    presto = load_spec("criteo_presto")
    assert [s.name for s in presto.sparse][-13:] == [f"B{i}" for i in range(1, 14)]
    assert all(s.hash_salt is not None for s in presto.sparse[:26])
    assert all(s.bucketized and len(s.boundaries) <= 64 for s in presto.sparse[26:])
    hot = load_spec("criteo_hotline")
    assert hot.hot_split and hot.hotset.capacity == 4096


def test_expand_names() -> None:
    assert expand_names("C{1..3}", "x") == ["C1", "C2", "C3"]
    assert expand_names("label", "x") == ["label"]
    with pytest.raises(SpecError, match="empty"):
        expand_names("C{3..1}", "x")


def _reject(mutate, path_fragment: str, msg: str = "") -> None:
    doc = base()
    mutate(doc)
    with pytest.raises(SpecError) as e:
        compile_spec(doc)
    assert str(e.value).startswith(path_fragment), str(e.value)
    assert msg in str(e.value)


def test_rejections_name_the_field() -> None:
    _reject(lambda d: d.__setitem__("bogus", 1), "bogus", "unknown field")
    _reject(lambda d: d["sparse"][0]["ops"].__setitem__(1, {"modulo": 0}), "sparse[0].ops[1].modulo", "outside")
    _reject(lambda d: d["sparse"][0]["ops"].__setitem__(1, {"modulo": 2**32}), "sparse[0].ops[1].modulo")
    _reject(lambda d: d["dense"][0]["ops"].append("identity"), "dense[0].ops", "exactly one")
    _reject(lambda d: d["dense"][0]["ops"].insert(0, "log1p"), "dense[0].ops[1]", "out of order")
    _reject(lambda d: d["dense"][0]["ops"].__setitem__(1, {"clamp": {"min": 5, "max": 1}}), "dense[0].ops[1].clamp")
    _reject(lambda d: d["dense"][0].__setitem__("from", "C{1..13}"), "dense[0].from", "need INT")
    _reject(lambda d: d["dense"][0].__setitem__("from", "Z{1..13}"), "dense[0].from", "no column")
    _reject(lambda d: d["dense"][0].__setitem__("name", "D{1..3}"), "dense[0].name", "expands to 3")
    _reject(lambda d: d["batch"].__setitem__("size", 70000), "batch.size", "outside")
    _reject(lambda d: d["batch"].__setitem__("dense_dtype", "float64"), "batch.dense_dtype")
    _reject(lambda d: d["input"].__setitem__("delimiter", "\n"), "input.delimiter")
    _reject(lambda d: d["input"].__setitem__("bad_rows", "ignore"), "input.bad_rows")
    _reject(lambda d: d.__setitem__("label", "I1"), "label", "not of kind LABEL")
    _reject(lambda d: d["columns"].append({"name": "X{1..30}", "kind": "INT"}), "columns", "at most 64")
    _reject(lambda d: d["columns"].append({"name": "I1", "kind": "INT"}), "columns", "twice")
    _reject(lambda d: d["columns"][1].__setitem__("kind", "FLOAT"), "columns[1].kind")
    _reject(lambda d: d["sparse"][0]["ops"].__setitem__(1, {"hash": {"salt": 1}}), "sparse[0]",
            "do not fit")  # unbounded hash output cannot be int32
    _reject(lambda d: d["sparse"][0]["ops"].append({"bucketize": [1, 2]}), "sparse[0].ops[2]", "out of order")
    _reject(lambda d: d["sparse"][0]["ops"].__setitem__(1, {"vocab": {"buckets": 1000}}),
            "sparse[0].ops[1].vocab.buckets", "power of two")
    _reject(lambda d: d["dense"][0]["ops"].__setitem__(2, {"bucketize": [3, 2]}), "dense[0].ops[2].bucketize",
            "ascending")
    _reject(lambda d: d["dense"][0]["ops"].__setitem__(2, {"bucketize": list(range(65))}),
            "dense[0].ops[2].bucketize")
    _reject(lambda d: d.__setitem__("hotset", {"capacity": 10, "profile_fraction": 2}),
            "hotset.profile_fraction")


def test_sparse_dtype_must_hold_every_id() -> None:
    doc = base()
    doc["sparse"][0]["ops"][1:] = [{"hash": {"salt": 7}}, {"modulo": 2**32 - 1}]
    with pytest.raises(SpecError, match="do not fit batch.sparse_dtype int32"):
        compile_spec(copy.deepcopy(doc))
    doc["batch"]["sparse_dtype"] = "int64"
    s = compile_spec(copy.deepcopy(doc))
    assert s.sparse[0].hash_salt == 7 and s.sparse[0].modulus == 2**32 - 1
    doc["sparse"][0]["ops"][1:] = [{"hash": {"salt": 7}}]  # raw 64-bit hashes fit no dtype
    with pytest.raises(SpecError, match="add modulo/vocab"):
        compile_spec(copy.deepcopy(doc))


def test_bad_rows_null_policy_spellings() -> None:
    from models.schema import BadRowPolicy
    for v in (None, "null", "nullify", "NULL"):
        doc = base()
        doc["input"]["bad_rows"] = v
        assert compile_spec(doc).text.policy == BadRowPolicy.NULL
