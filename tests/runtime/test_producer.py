"""The background producer: batches arrive in order, byte-identical, in the device's own DMA buffers (no host
copy), and a ring whose buffers are all lent holds the producer back until one is released."""
from __future__ import annotations

import dataclasses
import time
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


def test_producer_lends_the_dma_buffers_without_a_copy() -> None:
    spec = _spec("criteo_hotline")
    text = DATA.read_bytes()
    want = run_golden_bytes(spec, text).batches
    p = BatchProducer(spec, text, GoldenDevice(), slots=2)
    got, buffers = [], set()
    for b in p:
        # the tensors are views of the device's C2H buffer itself, which holds the batch until released
        assert b.batch.labels.data_ptr() == b.dma.array.ctypes.data + 128
        assert b.buffer.data_ptr() == b.dma.array.ctypes.data
        buffers.add(b.dma.bus_addr)
        got.append(b.dma.array[:b.nbytes].tobytes())
        p.release(b)
    p.join()
    assert got == want
    assert p.stats.batches == len(want) > 2
    assert len(buffers) == 2  # the ring is the two C2H buffers, reused


def test_a_fully_lent_ring_holds_the_producer_back() -> None:
    spec = _spec("criteo_dlrm")
    p = BatchProducer(spec, DATA.read_bytes(), GoldenDevice(), slots=2, keep_batches=False)
    it = iter(p)
    a, b = next(it), next(it)
    time.sleep(0.3)
    assert p._ready.empty()  # both buffers are lent: the device has nowhere to write the third batch
    first = a.dma.array[:a.nbytes].copy()
    p.release(a)
    c = next(it)
    assert c.dma is a.dma and not np.array_equal(c.dma.array[:c.nbytes], first)
    assert p.stats.producer_wait_s > 0.2
    p.release(b)
    p.release(c)
    for rest in it:
        p.release(rest)
    p.join()
    assert p.stats.run is not None and p.stats.run.batches == []  # keep_batches=False keeps nothing


def test_train_streaming_uses_every_batch() -> None:
    spec = _spec("criteo_dlrm", 16)
    r = train_streaming(spec, BatchProducer(spec, DATA.read_bytes(), GoldenDevice(), slots=3), steps=100)
    assert r["steps"] == 7  # 100 rows in batches of 16: 6 full batches + the end-of-stream batch of 4 rows
    assert r["batches"] == 7
    assert all(np.isfinite(r["losses"]))
