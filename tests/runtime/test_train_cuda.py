"""The GPU paths, where torch has CUDA (skipped elsewhere; run on the GPU machine, see docs/spec/training.md):
the CUDA graph computes what the eager step computes, CUDA deterministic mode repeats itself and agrees with the
CPU, the hybrid placement agrees with all tables on the GPU, and the producer -> feed path delivers the exact
batch bytes into GPU memory."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from host_runtime.device import GoldenDevice
from host_runtime.producer import BatchProducer
from host_runtime.spec import load_spec
from host_runtime.training.batch import host_batch
from host_runtime.training.config import DlrmConfig, TrainOptions, table_rows
from host_runtime.training.embedding import init_table
from host_runtime.training.feed import GpuFeed, host_buffers
from host_runtime.training.hybrid import HybridTrainer, cpu_placement, hotline_placement
from host_runtime.training.trainer import Trainer
from models.pipeline import run_golden_bytes

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # before any cuBLAS handle: deterministic mode
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "criteo" / "sample_train.tsv"
STEPS = 12


def _text(rows: int) -> bytes:
    from host_runtime.training.cpu_etl import shard_text

    return shard_text(rows, seed=3)


@pytest.fixture(scope="module")
def dlrm():
    spec = load_spec("criteo_dlrm")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=512))
    return spec, [b for b in run_golden_bytes(spec, _text(8000)).batches if host_batch(b).rows][:STEPS]


def _train(spec, batches, opts: TrainOptions, device: str = "cuda") -> list[float]:
    tr = Trainer(spec, device=device, cfg=DlrmConfig(max_rows=1 << 16), opts=opts)
    if device == "cpu":
        for b in batches:
            tr.step(host_batch(b))
    else:
        feed = GpuFeed(spec.geometry(), device, host_buffers(batches, pinned=True))
        for b in feed:
            tr.step(b)
            feed.release(b)
    return tr.loss_values()


def test_graph_replay_equals_eager(dlrm) -> None:
    spec, batches = dlrm
    eager = _train(spec, batches, TrainOptions(seed=1, deterministic=False))
    graph = _train(spec, batches, TrainOptions(seed=1, deterministic=False, graphs=True))
    assert len(graph) == STEPS
    np.testing.assert_allclose(graph, eager, rtol=0, atol=2e-5)  # atomics only reorder float sums


def test_cuda_deterministic_repeats_and_agrees_with_cpu(dlrm) -> None:
    spec, batches = dlrm
    a = _train(spec, batches, TrainOptions(seed=2))
    b = _train(spec, batches, TrainOptions(seed=2))
    assert a == b
    cpu = _train(spec, batches, TrainOptions(seed=2), device="cpu")
    np.testing.assert_allclose(a, cpu, rtol=0, atol=1e-4)  # different kernels: float rounding only


def test_bf16_graph_learns(dlrm) -> None:
    spec, batches = dlrm
    losses = _train(spec, batches * 4, TrainOptions(seed=1, deterministic=False, graphs=True, bf16=True))
    assert np.isfinite(losses).all() and np.mean(losses[-8:]) < np.mean(losses[:8])


def test_hybrid_on_gpu_agrees_with_all_tables_on_gpu() -> None:
    spec = load_spec("criteo_hotline")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=512),
                               sparse=tuple(dataclasses.replace(s, modulus=50_000) for s in spec.sparse),
                               hotset=dataclasses.replace(spec.hotset, capacity=1024, profile_fraction=0.2))
    res = run_golden_bytes(spec, _text(8000))
    hot = [h.ids.astype(np.int64) if h is not None else None for h in res.state.hotsets]
    raw = [b for b in res.batches if host_batch(b).rows][:STEPS]
    pinned = host_buffers(raw, pinned=True)
    hosts = [host_batch(p, verify=False) for p in pinned]
    rows = table_rows(spec, None)
    opts = TrainOptions(seed=5)
    ref = Trainer(spec, device="cuda", cfg=DlrmConfig(), opts=opts, hot_ids=hot)
    feed = GpuFeed(spec.geometry(), "cuda", pinned)
    for b in feed:
        ref.step(b)
        feed.release(b)
    want = ref.loss_values()
    for placement, tol in ((cpu_placement(rows), 1e-5), (hotline_placement(rows, hot), 2e-4)):
        h = HybridTrainer(len(spec.dense), placement, hot, device="cuda", opts=opts,
                          init_weight=init_table(rows, 16, "cuda", 5), prefetch=True)
        feed = GpuFeed(spec.geometry(), "cuda", pinned)
        for i, b in enumerate(feed):
            h.step(b, hosts[i], hosts[i + 1] if i + 1 < len(hosts) else None)
            feed.release(b)
        got = h.loss_values()
        h.close()
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)


def test_producer_batches_land_in_gpu_memory_unchanged() -> None:
    spec = load_spec("criteo_dlrm")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=16))
    text = DATA.read_bytes()
    want = run_golden_bytes(spec, text).batches
    p = BatchProducer(spec, text, GoldenDevice(), slots=2, c2h_target="gpu", keep_batches=False)
    feed = GpuFeed(spec.geometry(), "cuda", ((pb.buffer, pb) for pb in p), on_copied=p.release, skip_empty=False)
    got = []
    for b in feed:
        assert b.labels.is_cuda and b.buffer.is_cuda
        torch.cuda.current_stream().wait_event(b.ready)
        got.append(bytes(b.buffer.cpu().numpy()[:len(want[len(got)])]))
        feed.release(b)
    feed.join()
    p.join()
    assert got == want
