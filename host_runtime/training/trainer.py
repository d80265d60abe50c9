"""One optimiser step per batch: the fused-embedding DLRM trainer.

A step: ids -> rows of the fused table (a leaf tensor) -> dense part (optionally under bf16 autocast) -> masked
BCE over the batch's valid rows -> backward -> dense Adagrad -> row-wise Adagrad on the looked-up rows. Every
shape is the batch capacity's, and nothing reads a device value on the host, so in fast mode the whole step is
captured once as a CUDA graph and replayed per batch (inputs are copied into the graph's static buffers on the
device). In deterministic mode (fp32, eager, deterministic kernels) equal batches and seed give bit-identical
losses: the property the sim == golden training test relies on.

Storage is a strategy (`EmbeddingStore`): all tables on the device here; sharded over ranks in training/dist.py.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from host_runtime.training.batch import Batch
from host_runtime.training.config import DlrmConfig, TrainOptions, table_rows
from host_runtime.training.embedding import FusedTable
from host_runtime.training.model import DenseDlrm
from host_runtime.training.optim import DenseAdagrad
from models.pipeline_spec import PipelineSpec


def set_determinism(on: bool, device: torch.device) -> None:
    """torch.use_deterministic_algorithms for the process (cuBLAS needs its workspace setting for that)."""
    if on and device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(on)


def cuda_index(device: torch.device) -> torch.device:
    """'cuda' -> 'cuda:<current>' (threads and streams want an explicit index)."""
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


class HotUnmap:
    """Hotline batches carry hot-table slots in their popular rows; all-on-one-device storage wants full ids.
    A [F, C] slot -> id map on the device turns them back with fixed-shape ops (graph-safe)."""

    def __init__(self, hot_ids: Sequence[np.ndarray | None], device: torch.device) -> None:
        cap = max([len(h) for h in hot_ids if h is not None] + [1])
        m = torch.zeros(len(hot_ids), cap, dtype=torch.int64)
        has = torch.zeros(len(hot_ids), 1, dtype=torch.bool)
        for f, ids in enumerate(hot_ids):
            if ids is not None and len(ids):
                m[f, :len(ids)] = torch.from_numpy(np.asarray(ids, dtype=np.int64))
                has[f] = True
        self.map, self.has, self.cap = m.to(device), has.to(device), cap

    def __call__(self, sparse: torch.Tensor, popular_t: torch.Tensor) -> torch.Tensor:
        s = sparse.long()
        pop = torch.arange(s.shape[1], device=s.device) < popular_t
        full = torch.gather(self.map, 1, s.clamp(0, self.cap - 1))
        return torch.where(pop.unsqueeze(0) & self.has, full, s)


class EmbeddingStore(Protocol):
    dim: int

    def lookup(self, batch: Batch) -> tuple[torch.Tensor, object]:
        """Rows [B, F, D] for the batch (a plain tensor; the trainer makes it a leaf) and a context for update."""

    def update(self, ctx: object, grad: torch.Tensor, lr: float, eps: float) -> None:
        """Apply the row-wise optimiser with the rows' gradient [B, F, D]."""


class DeviceStore:
    """Every table in one FusedTable on the training device."""

    def __init__(self, table: FusedTable, unmap: HotUnmap | None = None) -> None:
        self.table, self.unmap, self.dim = table, unmap, table.dim

    def lookup(self, batch: Batch) -> tuple[torch.Tensor, object]:
        sparse = batch.sparse if self.unmap is None else self.unmap(batch.sparse, batch.popular_t)
        gid = self.table.global_ids(sparse).t()  # [B, F]
        return self.table.lookup(gid), gid

    def update(self, ctx: object, grad: torch.Tensor, lr: float, eps: float) -> None:
        assert isinstance(ctx, torch.Tensor)
        self.table.update(ctx.reshape(-1), grad.reshape(-1, self.dim), lr, eps)


@dataclass
class StepTimes:
    """CUDA-event times (ms) of a step's phases, summed over the steps that were timed (eager steps only)."""

    ms: dict[str, float] = field(default_factory=dict)
    steps: int = 0


class Trainer:
    def __init__(self, spec: PipelineSpec, *, device: str = "cpu", cfg: DlrmConfig = DlrmConfig(),
                 opts: TrainOptions = TrainOptions(), hot_ids: Sequence[np.ndarray | None] | None = None,
                 store: EmbeddingStore | None = None, segment_sum: str = "index_add") -> None:
        self.device = cuda_index(torch.device(device))
        self.cuda = self.device.type == "cuda"
        self.opts, self.cfg = opts, cfg
        set_determinism(opts.deterministic, self.device)
        torch.manual_seed(opts.seed)
        # the dense part is built on the CPU from the seed, so every device and storage starts from equal weights
        self.model = DenseDlrm(len(spec.dense), len(spec.sparse), cfg).to(self.device)
        if store is None:
            table = FusedTable(table_rows(spec, cfg.max_rows), cfg.emb_dim, self.device, seed=opts.seed,
                               segment_sum=segment_sum)
            store = DeviceStore(table, HotUnmap(hot_ids, self.device) if hot_ids is not None else None)
        self.store = store
        self.opt = DenseAdagrad(self.model.parameters(), opts.lr, opts.eps)
        self.dense_fn = torch.compile(self.model) if opts.compile else self.model
        self.capacity = spec.batch.size
        self.geometry = spec.geometry()
        self.losses: list[torch.Tensor] = []
        self.rows = 0
        self._graph: torch.cuda.CUDAGraph | None = None
        self._static: Batch | None = None
        self._static_loss: torch.Tensor | None = None
        self.times = StepTimes()

    # ------------------------------------------------------------------ the step
    def loss_denominator(self, rows_t: torch.Tensor) -> torch.Tensor:
        """Rows the loss is averaged over (a rank averages over the global batch: training/dist.py)."""
        return rows_t.clamp(min=1).float()

    def reduce_dense_grads(self) -> None:
        """Hook between backward and the dense optimiser (data-parallel ranks all-reduce here)."""

    def forward(self, b: Batch) -> tuple[torch.Tensor, torch.Tensor, object]:
        with torch.no_grad():
            rows, ctx = self.store.lookup(b)
        emb = rows.detach().requires_grad_(True)
        # autocast's weight-cast cache must be off under graph capture (cached casts would outlive the capture)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.opts.bf16,
                            cache_enabled=not self.opts.graphs):
            logits = self.dense_fn(b.dense, emb)
        mask = (torch.arange(logits.shape[0], device=logits.device) < b.rows_t).float()
        bce = F.binary_cross_entropy_with_logits(logits, b.labels, reduction="none")
        return (bce * mask).sum() / self.loss_denominator(b.rows_t), emb, ctx

    def _body(self, b: Batch) -> torch.Tensor:
        self.opt.zero_grad()
        loss, emb, ctx = self.forward(b)
        loss.backward()
        self.reduce_dense_grads()
        self.opt.step()
        assert emb.grad is not None
        self.store.update(ctx, emb.grad, self.opts.emb_lr, self.opts.eps)
        return loss.detach()

    def step(self, b: Batch) -> None:
        """One optimiser step on batch `b` (on the training device; its `ready` event, if any, is waited on)."""
        if b.ready is not None:
            torch.cuda.current_stream().wait_event(b.ready)
        if self.opts.graphs and self.cuda:
            if self._graph is None:
                self._capture(b)
            s = self._static
            assert s is not None and self._static_loss is not None and self._graph is not None
            s.buffer.copy_(b.buffer, non_blocking=True)  # one device-to-device copy of the whole batch
            self._graph.replay()
            self.losses.append(self._static_loss.clone())
        else:
            self.losses.append(self._body(b))
        self.rows += b.rows

    def _capture(self, like: Batch) -> None:
        """Capture the step as a CUDA graph over static input buffers. The warm-up steps run on an empty batch
        (rows = 0): every gradient is zero, so Adagrad leaves weights and accumulators exactly as they were."""
        from host_runtime.training.batch import map_batch

        assert like.buffer is not None
        buf = torch.zeros_like(like.buffer)
        self._static = map_batch(buf, self.geometry, 0, 0)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                self._body(self._static)
        torch.cuda.current_stream().wait_stream(side)
        self._graph = torch.cuda.CUDAGraph()
        self.opt.zero_grad()
        with torch.cuda.graph(self._graph):
            self._static_loss = self._body(self._static)

    # ------------------------------------------------------------------ results
    def loss_values(self) -> list[float]:
        if not self.losses:
            return []
        return [float(x) for x in torch.stack(self.losses).cpu()]

    def timed_step(self, b: Batch) -> None:
        """An eager step with CUDA events between phases (bench breakdown); not captured."""
        ev = {k: torch.cuda.Event(enable_timing=True) for k in ("start", "fwd", "bwd", "dense_opt", "emb_opt")}
        if b.ready is not None:
            torch.cuda.current_stream().wait_event(b.ready)
        ev["start"].record()
        self.opt.zero_grad()
        loss, emb, ctx = self.forward(b)
        ev["fwd"].record()
        loss.backward()
        self.reduce_dense_grads()
        ev["bwd"].record()
        self.opt.step()
        ev["dense_opt"].record()
        assert emb.grad is not None
        self.store.update(ctx, emb.grad, self.opts.emb_lr, self.opts.eps)
        ev["emb_opt"].record()
        torch.cuda.synchronize()
        prev = "start"
        for k in ("fwd", "bwd", "dense_opt", "emb_opt"):
            self.times.ms[k] = self.times.ms.get(k, 0.0) + ev[prev].elapsed_time(ev[k])
            prev = k
        self.times.steps += 1
        self.losses.append(loss.detach())
        self.rows += b.rows
