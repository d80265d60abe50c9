"""Train the DLRM on packed batches: the last step of the pipeline.

The trainer reads only batch buffers (through zero-copy tensor views), so two
backends that produce the same bytes produce the same loss curve for a seed —
the property the sim-vs-golden training test relies on.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import torch
from torch import nn

from host_runtime.dlrm import Dlrm, DlrmConfig, table_rows
from host_runtime.torch_batches import tensors_of
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
    """Popular rows carry hot-table slots; give them back their full-table ids so one embedding
    table per feature serves both micro-batches (the hybrid GPU/CPU storage is the runtime's job)."""
    if popular_rows == 0:
        return sparse
    out = sparse.clone()
    for f, ids in enumerate(hot_ids):
        if ids is not None:
            table = torch.from_numpy(ids.astype(np.int64))
            out[f, :popular_rows] = table[sparse[f, :popular_rows].long()].to(out.dtype)
    return out


def train(spec: PipelineSpec, batches: Iterable[bytes], steps: int, *, device: str = "cpu", seed: int = 0,
          lr: float = 0.05, cfg: DlrmConfig = DlrmConfig(),
          hot_ids: Sequence[np.ndarray | None] | None = None) -> TrainResult:
    """Run `steps` optimiser steps over the batches (cycling through them), one step per non-empty batch."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.sparse.check_sparse_tensor_invariants.disable()  # Adagrad builds its own valid COO grads
    model = Dlrm(len(spec.dense), table_rows(spec, cfg.max_rows), cfg).to(device)
    # Adagrad takes the embeddings' sparse gradients directly (as dlrm's sparse SGD does) and
    # learns the generated data's click signal in a few hundred steps
    opt = torch.optim.Adagrad(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    batch_list = list(batches)
    res = TrainResult()
    label_sum = 0.0
    t0 = time.perf_counter()
    step = 0
    while step < steps and batch_list:
        for buf in batch_list:
            if step >= steps:
                break
            tm = time.perf_counter()
            t = tensors_of(buf)
            n = t["rows"]
            if n == 0:
                continue
            sparse = t["sparse"][:, :n]
            if hot_ids is not None:
                sparse = unmap_hot_slots(sparse, t["popular_rows"], hot_ids)
            labels, dense = t["labels"][:n].to(device), t["dense"][:n].to(device)
            sparse = sparse.to(device)
            res.map_seconds += time.perf_counter() - tm
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(dense, sparse), labels)
            loss.backward()
            opt.step()
            res.losses.append(float(loss.detach()))
            res.rows += n
            label_sum += float(labels.sum())
            step += 1
    res.seconds = time.perf_counter() - t0
    p = label_sum / max(1, res.rows)
    if 0 < p < 1:
        res.baseline_loss = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    return res
