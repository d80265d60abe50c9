"""`sluice etl --backend golden` for every preset, and the binary (Parquet) input path."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from host_runtime.cli import main
from host_runtime.datagen import write_parquet, write_tsv
from host_runtime.spec import PRESETS, compile_spec, load_spec
from models.pack import batches_to_arrays, parse_batch
from models.pipeline import run_golden


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("etl")
    tsv, pq = d / "d.tsv", d / "d.parquet"
    write_tsv(tsv, 5000, seed=11)
    write_parquet(pq, 5000, seed=11)
    return tsv, pq


@pytest.mark.parametrize("preset", PRESETS)
def test_etl_cli_writes_npz(preset: str, data, tmp_path: Path) -> None:
    tsv, _ = data
    out, rep = tmp_path / "o.npz", tmp_path / "r.json"
    assert main(["etl", "--backend", "golden", "--config", preset, "--input", str(tsv), "--out", str(out),
                 "--report", str(rep)]) == 0
    z = np.load(out)
    spec = load_spec(preset)
    n = 5000
    assert z["labels"].dtype == np.float32 and z["labels"].shape == (n,)
    assert z["dense"].dtype == np.float32 and z["dense"].shape == (n, len(spec.dense))
    assert z["sparse"].dtype == np.int64 and z["sparse"].shape == (n, len(spec.sparse))
    r = json.loads(rep.read_text())
    assert r["rows_in"] == r["rows_out"] + r["rows_dropped"] == n
    assert r["batches"] == -(-n // spec.batch.size) + (1 if n % spec.batch.size == 0 else 0)


def test_invalid_spec_is_rejected_before_running(tmp_path: Path, data) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((Path(__file__).resolve().parents[2] / "configs" / "criteo_dlrm.yaml").read_text()
                   .replace("modulo: 10000000", "modulo: 0"))
    r = subprocess.run([sys.executable, "-m", "host_runtime.cli", "etl", "--config", str(bad), "--input",
                        str(data[0]), "--out", str(tmp_path / "x.npz")], capture_output=True, text=True)
    assert r.returncode == 2 and "sparse[0].ops[1].modulo" in r.stderr
    assert not (tmp_path / "x.npz").exists()


def test_binary_rows_from_parquet_equal_text(data) -> None:
    tsv, pq = data
    text_spec = load_spec("criteo_dlrm")
    import yaml
    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "configs" / "criteo_dlrm.yaml").read_text())
    doc["input"] = {"format": "binary", "hex_width": 4}
    bin_spec = compile_spec(doc)
    a = batches_to_arrays([parse_batch(b) for b in run_golden(text_spec, tsv).batches])
    b = batches_to_arrays([parse_batch(x) for x in run_golden(bin_spec, pq).batches])
    for k in ("labels", "dense", "sparse"):
        np.testing.assert_array_equal(a[k], b[k])
