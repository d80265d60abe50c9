"""The background producer: batches arrive in order, byte-identical, through a bounded pinned ring."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from host_runtime.device import GoldenDevice
from host_runtime.producer import BatchProducer, train_streaming
from host_runtime.spec import load_spec
from models.pipeline import run_golden_bytes

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "criteo" / "sample_train.tsv"


def _spec(preset: str, size: int = 8):
    spec = load_spec(preset)
    return dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=size))


def test_producer_delivers_the_golden_batches_through_two_slots() -> None:
    spec = _spec("criteo_hotline")
    text = DATA.read_bytes()
    want = run_golden_bytes(spec, text).batches
    p = BatchProducer(spec, text, GoldenDevice(), slots=2)
    got = []
    for b in p:
        # the tensors are views of the pinned slot, which holds exactly the batch bytes until released
        assert b.tensors["labels"].data_ptr() == p._slots[b.slot].data_ptr() + 128
        got.append(p._slots[b.slot].numpy()[:b.nbytes].tobytes())
        p.release(b)
    p.join()
    assert got == want
    assert p.stats.batches == len(want)


def test_train_streaming_uses_every_batch() -> None:
    spec = _spec("criteo_dlrm", 16)
    r = train_streaming(spec, BatchProducer(spec, DATA.read_bytes(), GoldenDevice(), slots=3), steps=100)
    assert r["steps"] == 7  # 100 rows in batches of 16: 6 full batches + the end-of-stream batch of 4 rows
    assert r["batches"] == 7
    assert all(np.isfinite(r["losses"]))
