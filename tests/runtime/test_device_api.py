"""The device API on the golden backend: run_etl through submit/wait equals the golden pipeline."""
from __future__ import annotations

from pathlib import Path

import pytest

from host_runtime.device import GoldenDevice, open_device
from host_runtime.etl import run_etl
from host_runtime.spec import load_spec
from models.pipeline import run_golden_bytes

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "criteo" / "sample_train.tsv"


@pytest.mark.parametrize("preset", ["criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline"])
def test_golden_device_equals_golden_pipeline(preset: str) -> None:
    import dataclasses

    spec = load_spec(preset)
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=16))
    text = DATA.read_bytes() + b"1\t2\n\nbad\trow\n"
    want = run_golden_bytes(spec, text).batches
    with open_device("golden") as dev:
        run = run_etl(spec, text, dev)
    assert run.batches == want
    assert run.passes == ["stream"]


def test_small_text_chunks_and_buffers() -> None:
    """Many H2C descriptors per stream (text split mid-row) give the same batches."""
    from host_runtime import etl

    spec = load_spec("criteo_dlrm")
    text = DATA.read_bytes()
    dev = GoldenDevice()
    dev.configure(spec, None)
    got = etl.stream(dev, text, spec.geometry().total_bytes, chunk=777)
    assert got == run_golden_bytes(spec, text).batches
