"""Hotline hybrid embeddings against the trainer with every table in one place (CPU here; the GPU run is
`sluice bench train --hybrid`). In deterministic fp32:

* the CPU-embedding baseline (every row in CPU memory, gathered and written back by the worker) and the hybrid
  placement run as one forward over the batch are bit-identical to it, with and without prefetching (which also
  checks the patching of rows a prefetched gather read before the previous batch's write-back);
* with the popular micro-batch first (two forwards, one optimiser step) only the summation order of the MLP
  gradients changes: the losses agree within 1e-4 (float32 rounding, 2^-24 ~ 6e-8 per operation, grows through
  Adagrad's per-row normalisation over 16 steps; a wrong row or a lost update moves them by 1e-2 and more).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from host_runtime.datagen import write_tsv
from host_runtime.spec import load_spec
from host_runtime.training.batch import host_batch
from host_runtime.training.config import DlrmConfig, TrainOptions, table_rows
from host_runtime.training.embedding import init_table
from host_runtime.training.hybrid import HybridTrainer, cpu_placement, hotline_placement
from host_runtime.training.trainer import Trainer
from models.pipeline import run_golden

STEPS = 16


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = tmp_path_factory.mktemp("hybrid") / "d.tsv"
    write_tsv(path, 6000, seed=11)
    spec = load_spec("criteo_hotline")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=256),
                               sparse=tuple(dataclasses.replace(s, modulus=20_000) for s in spec.sparse),
                               hotset=dataclasses.replace(spec.hotset, capacity=512, profile_fraction=0.2))
    res = run_golden(spec, path)
    hot = [h.ids.astype(np.int64) if h is not None else None for h in res.state.hotsets]
    batches = [b for b in (host_batch(x) for x in res.batches) if b.rows][:STEPS]
    assert len(batches) == STEPS and sum(b.popular for b in batches) > 0
    rows = table_rows(spec, None)
    ref = Trainer(spec, cfg=DlrmConfig(), opts=TrainOptions(seed=4), hot_ids=hot)
    for b in batches:
        ref.step(b)
    return spec, hot, batches, rows, ref


def _run(setup, placement: str, *, prefetch: bool, popular_first: bool = True) -> HybridTrainer:
    spec, hot, batches, rows, _ = setup
    pl = hotline_placement(rows, hot) if placement == "hybrid" else cpu_placement(rows)
    h = HybridTrainer(len(spec.dense), pl, hot, cfg=DlrmConfig(), opts=TrainOptions(seed=4),
                      init_weight=init_table(rows, 16, "cpu", 4), prefetch=prefetch, popular_first=popular_first)
    for i, b in enumerate(batches):
        h.step(b, b, batches[i + 1] if i + 1 < len(batches) else None)
    h.finish()
    return h


@pytest.mark.parametrize("placement,prefetch,popular_first", [
    ("cpu", False, True), ("cpu", True, True), ("hybrid", True, False), ("hybrid", False, False)])
def test_placement_alone_changes_nothing(setup, placement: str, prefetch: bool, popular_first: bool) -> None:
    ref = setup[4]
    h = _run(setup, placement, prefetch=prefetch, popular_first=popular_first)
    assert h.loss_values() == ref.loss_values()
    assert torch.equal(h.full_table(), ref.store.table.weight)
    s = h.stats.summary()
    assert (s["cold_lookup_fraction"] == 1.0) == (placement == "cpu")
    assert 0 < s["cold_lookup_fraction"] <= 1.0
    h.close()


def test_popular_micro_batch_first_agrees_within_rounding(setup) -> None:
    ref = np.array(setup[4].loss_values())
    h = _run(setup, "hybrid", prefetch=True)
    got = np.array(h.loss_values())
    assert np.max(np.abs(got - ref)) < 1e-4
    assert 0 < h.stats.summary()["popular_fraction"] < 1
    h.close()
