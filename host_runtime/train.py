"""Train the DLRM on packed batches: the last step of the pipeline.

The trainer reads only batch buffers (through zero-copy tensor views), so two backends that produce the same
bytes produce the same loss curve for a seed in deterministic mode — the property the sim-vs-golden training
test relies on. The trainer itself lives in host_runtime/training/ (fused tables, row-wise Adagrad, CUDA
graphs); this module is the simple entry point: a list of batch buffers, a number of steps.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import torch

from host_runtime.training.batch import host_batch
from host_runtime.training.config import DlrmConfig, TrainOptions, default_max_rows
from host_runtime.training.feed import GpuFeed
from host_runtime.training.trainer import Trainer
from models.pipeline_spec import PipelineSpec


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0
    map_seconds: float = 0.0  # time spent turning batch buffers into tensors (the runtime's overhead)
    baseline_loss: float = float("nan")  # loss of always predicting the mean label

    def summary(self, tail: int = 50) -> dict:
        t = self.losses[-tail:] if self.losses else [float("nan")]
        return {"steps": len(self.losses), "rows": self.rows, "seconds": round(self.seconds, 3),
                "rows_per_second": round(self.rows / self.seconds) if self.seconds else None,
                "first_loss": round(self.losses[0], 5) if self.losses else None,
                "final_loss_mean": round(float(np.mean(t)), 5),
                "constant_predictor_loss": round(self.baseline_loss, 5),
                "map_us_per_batch": round(1e6 * self.map_seconds / max(1, len(self.losses)), 2)}


def unmap_hot_slots(sparse: torch.Tensor, popular_rows: int, hot_ids: Sequence[np.ndarray | None]) -> torch.Tensor:
    """Popular rows carry hot-table slots; give them back their full-table ids (host-side reference of the
    trainer's on-device training.trainer.HotUnmap)."""
    if popular_rows == 0:
        return sparse
    out = sparse.clone()
    for f, ids in enumerate(hot_ids):
        if ids is not None:
            table = torch.from_numpy(ids.astype(np.int64))
            out[f, :popular_rows] = table[sparse[f, :popular_rows].long()].to(out.dtype)
    return out


def constant_predictor_loss(label_sum: float, rows: int) -> float:
    p = label_sum / max(1, rows)
    return -(p * math.log(p) + (1 - p) * math.log(1 - p)) if 0 < p < 1 else float("nan")


def train(spec: PipelineSpec, batches: Iterable[bytes], steps: int, *, device: str = "cpu", seed: int = 0,
          cfg: DlrmConfig | None = None, mode: str = "deterministic",
          hot_ids: Sequence[np.ndarray | None] | None = None) -> TrainResult:
    """Run `steps` optimiser steps over the batches (cycling through them), one step per non-empty batch.

    mode: `deterministic` (fp32, eager, deterministic kernels), `fast` (bf16 + CUDA graph on a GPU) or `auto`.
    On a GPU the batches go through the pinned-ring feed (side-stream copies, double-buffered)."""
    cfg = cfg or DlrmConfig(max_rows=default_max_rows(device))
    trainer = Trainer(spec, device=device, cfg=cfg, opts=TrainOptions.for_mode(mode, device, seed=seed),
                      hot_ids=hot_ids)
    host = [b for b in (host_batch(x) for x in batches) if b.rows]
    res = TrainResult()
    if not host:
        return res
    order = [host[i % len(host)] for i in range(steps)]
    label_sum = sum(float(b.labels[:b.rows].sum()) for b in order)
    t0 = time.perf_counter()
    if trainer.cuda:
        feed = GpuFeed(spec.geometry(), device, (b.buffer for b in order))
        for b in feed:
            trainer.step(b)
            feed.release(b)
        res.map_seconds = feed.stats.enqueue_s
        torch.cuda.synchronize()
    else:
        for b in order:
            trainer.step(b)
    res.losses = trainer.loss_values()
    res.seconds = time.perf_counter() - t0
    res.rows = trainer.rows
    res.baseline_loss = constant_predictor_loss(label_sum, res.rows)
    return res
