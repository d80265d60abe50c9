"""The fused-table trainer's parts against plain references: row-wise Adagrad, hot-slot unmapping, masking."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from host_runtime.spec import load_spec
from host_runtime.train import unmap_hot_slots
from host_runtime.training.batch import host_batch
from host_runtime.training.config import DlrmConfig, TrainOptions, table_rows
from host_runtime.training.embedding import FusedTable
from host_runtime.training.trainer import HotUnmap, Trainer
from models.pipeline import run_golden_bytes
from pathlib import Path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "criteo" / "sample_train.tsv"


@pytest.mark.parametrize("how", ["index_add", "segment"])
def test_rowwise_adagrad_matches_a_per_row_reference(how: str) -> None:
    g = torch.Generator().manual_seed(1)
    rows = [7, 3, 11]
    t = FusedTable(rows, 4, "cpu", seed=2, segment_sum=how)
    w0, st0 = t.weight.clone(), t.state.clone()
    t.state += torch.rand(t.state.shape, generator=g)  # a non-zero accumulator, as after some steps
    st0 = t.state.clone()
    idx = torch.randint(0, sum(rows), (40,), generator=g)  # many duplicates
    grad = torch.randn(40, 4, generator=g)
    t.update(idx, grad, lr=0.1, eps=1e-8)
    want_w, want_st = w0.clone(), st0.clone()
    for r in idx.unique().tolist():
        gr = grad[idx == r].sum(0)
        want_st[r] += gr.pow(2).mean()
        want_w[r] -= 0.1 * gr / (want_st[r].sqrt() + 1e-8)
    torch.testing.assert_close(t.state, want_st, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(t.weight, want_w, rtol=1e-6, atol=1e-7)
    untouched = torch.ones(t.weight.shape[0], dtype=torch.bool)
    untouched[idx] = False
    assert torch.equal(t.weight[untouched], w0[untouched])  # rows nobody looked up stay bit-identical


def test_hot_unmap_on_device_equals_the_host_reference() -> None:
    spec = load_spec("criteo_hotline")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=32),
                               hotset=dataclasses.replace(spec.hotset, capacity=16))
    res = run_golden_bytes(spec, DATA.read_bytes())
    hot_ids = [h.ids if h is not None else None for h in res.state.hotsets]
    unmap = HotUnmap(hot_ids, torch.device("cpu"))
    seen_popular = 0
    for buf in res.batches:
        b = host_batch(buf)
        if not b.rows:
            continue
        got = unmap(b.sparse, b.popular_t)[:, :b.rows]
        want = unmap_hot_slots(b.sparse[:, :b.rows], b.popular, hot_ids).long()
        assert torch.equal(got, want)
        seen_popular += b.popular
    assert seen_popular > 0


def test_padded_rows_neither_count_nor_train() -> None:
    """A partial batch (rows < capacity) runs at full capacity shape: the loss is the mean over its valid rows
    only, and table rows that only padded rows point at are not changed."""
    spec = load_spec("criteo_dlrm")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=64))
    batches = run_golden_bytes(spec, DATA.read_bytes()).batches
    b = host_batch(batches[1])  # 100 rows: batch 1 is the partial one (36 rows)
    assert 0 < b.rows < 64
    tr = Trainer(spec, cfg=DlrmConfig(max_rows=1 << 12), opts=TrainOptions(seed=1))
    table = tr.store.table  # type: ignore[attr-defined]
    w0 = table.weight.clone()
    with torch.no_grad():
        gid = table.global_ids(b.sparse[:, :b.rows]).t()
        logits = tr.model(b.dense[:b.rows], table.lookup(gid))
        want = float(F.binary_cross_entropy_with_logits(logits, b.labels[:b.rows]))
    tr.step(b)
    assert tr.loss_values()[0] == pytest.approx(want, rel=1e-6)
    used = torch.zeros(table.weight.shape[0], dtype=torch.bool)
    used[gid.reshape(-1)] = True
    assert torch.equal(table.weight[~used], w0[~used])  # padded rows point at id 0 of every table: untouched
    assert not torch.equal(table.weight[used], w0[used])


def test_table_rows_come_from_the_preset() -> None:
    spec = load_spec("criteo_dlrm")
    assert table_rows(spec, None) == [10_000_000] * 26
    assert table_rows(spec, 1 << 17) == [1 << 17] * 26
