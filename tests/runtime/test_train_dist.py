"""Data-parallel training (training/dist.py) against one rank over the same global batches, on CPU with gloo.

* 2 ranks under torchrun (`sluice train --nproc 2`), each with its own golden device, its own row-range shard
  and its own producer, on a Hotline spec (so both paths run: cold lookups through the table owners'
  all-to-all, hot rows from the replicated hot tables): the per-step global losses equal those of one trainer
  that holds every table and trains on the concatenated global batches, within 1e-4. Why that tolerance: the
  only differences are the order of float32 additions (MLP gradients summed per rank, then across ranks; hot
  rows summed per rank into a dense gradient, then all-reduced), about 2^-24 relative per addition; Adagrad's
  per-parameter normalisation can turn a rounding difference in a near-zero gradient into a +-lr step, which
  moves later losses by ~1e-6..1e-5 over these 6 steps. Seen: 5e-7 (the report rounds losses to 6 decimals);
  with the hot tables' all-reduce left out (each rank updating its replica alone): 2e-2. A lost or
  double-counted lookup or a wrong owner moves them by 1e-3 and more.
* 1 rank in-process: the sharded store and data-parallel hooks change no bit of the single-table trainer.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from host_runtime.cli import main as sluice
from host_runtime.datagen import write_tsv
from host_runtime.device import GoldenDevice
from host_runtime.etl import run_etl
from host_runtime.spec import load_spec
from host_runtime.train import unmap_hot_slots
from host_runtime.training.batch import Batch, host_batch
from host_runtime.training.config import DlrmConfig, TrainOptions, table_rows
from host_runtime.training.cpu_etl import profile_state
from host_runtime.training.dist import DistTrainer, ShardedStore, shard_rows
from host_runtime.training.trainer import Trainer

STEPS = 6
SPEC = """name: dist_hotline_small
input: {format: tsv, delimiter: "\\t", bad_rows: drop}
columns:
  - {name: label, kind: LABEL}
  - {name: "I{1..13}", kind: INT}
  - {name: "C{1..26}", kind: HEX}
label: label
dense:
  - {name: "I{1..13}", from: "I{1..13}", ops: [{fill_missing: 0}, {clamp: {min: 0}}, log1p]}
sparse:
  - {name: "C{1..26}", from: "C{1..26}", ops: [{fill_missing: 0}, {modulo: 20000}]}
hotset: {capacity: 256, profile_fraction: 0.25}
batch: {size: 128, drop_last: false, dense_dtype: float32, sparse_dtype: int32}
"""


def _global_batches(spec, text: bytes, ranks: int) -> list[Batch]:
    """Step k's global batch: every rank's k-th local batch in rank order, hot slots mapped back to ids."""
    total = text.count(b"\n")
    state = profile_state(spec, text, total)
    hot = [h.ids if h is not None else None for h in state.hotsets]
    per_rank = []
    for r in range(ranks):
        run = run_etl(spec, shard_rows(text, r, ranks), GoldenDevice(), state=state)
        per_rank.append([b for b in (host_batch(x) for x in run.batches) if b.rows])
    out = []
    for k in range(STEPS):
        parts = [bs[k] for bs in per_rank]
        sparse = torch.cat([unmap_hot_slots(b.sparse[:, :b.rows], b.popular, hot).long() for b in parts], 1)
        n = sum(b.rows for b in parts)
        out.append(Batch(torch.cat([b.labels[:b.rows] for b in parts]), torch.cat([b.dense[:b.rows] for b in parts]),
                         sparse, torch.tensor(n, dtype=torch.int32), torch.tensor(0, dtype=torch.int32), n, 0))
    return out


def test_two_ranks_equal_one_rank_over_the_same_global_batches(tmp_path: Path) -> None:
    cfg_path, tsv, rep = tmp_path / "spec.yaml", tmp_path / "d.tsv", tmp_path / "dist.json"
    cfg_path.write_text(SPEC)
    write_tsv(tsv, 2048, seed=9)
    assert sluice(["train", "--nproc", "2", "--config", str(cfg_path), "--input", str(tsv), "--steps", str(STEPS),
                   "--max-rows", "none", "--report", str(rep)]) == 0
    got = json.loads(rep.read_text())
    assert got["ranks"] == 2 and "hot tables replicated" in got["embeddings"]
    spec = load_spec(cfg_path)
    ref = Trainer(spec, cfg=DlrmConfig(max_rows=None), opts=TrainOptions(seed=0))
    for b in _global_batches(spec, tsv.read_bytes(), 2):
        ref.step(b)
    want = ref.loss_values()
    assert len(got["losses"]) == STEPS
    np.testing.assert_allclose(got["losses"], want, rtol=0, atol=1e-4)


def test_one_rank_sharded_store_is_the_single_table_trainer(tmp_path: Path) -> None:
    spec = load_spec("criteo_dlrm")
    import dataclasses

    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=64))
    tsv = tmp_path / "d.tsv"
    write_tsv(tsv, 64 * STEPS, seed=4)
    batches = [host_batch(b) for b in run_etl(spec, tsv.read_bytes(), GoldenDevice()).batches if host_batch(b).rows]
    cfg = DlrmConfig(max_rows=4096)
    ref = Trainer(spec, cfg=cfg, opts=TrainOptions(seed=1))
    for b in batches:
        ref.step(b)
    dist.init_process_group("gloo", store=dist.FileStore(str(tmp_path / "store"), 1), rank=0, world_size=1)
    try:
        store = ShardedStore(table_rows(spec, cfg.max_rows), cfg.emb_dim, torch.device("cpu"), seed=1)
        tr = DistTrainer(spec, cfg=cfg, opts=TrainOptions(seed=1), store=store)
        for b in batches:
            tr.step(b)
        assert tr.global_losses() == ref.loss_values()
        assert torch.equal(store.table.weight, ref.store.table.weight)  # type: ignore[attr-defined]
    finally:
        dist.destroy_process_group()
