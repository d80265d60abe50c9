"""Data-parallel training under torchrun: one ETL device, one input shard and one producer per rank.

    torchrun --standalone --nproc-per-node N -m host_runtime.cli train --config ... --input ... --device cuda
    sluice train --nproc N ...        (the same: runs torchrun)

Each rank reads its own row range of the input (rows [r*L/N, (r+1)*L/N)), runs its own device (golden or sim)
in its own background producer and trains on its local batches; the global batch of a step is the ranks'
local batches in rank order.

Dense part: data parallel. Each rank's loss is its rows' BCE sum divided by the global row count, and the MLP
gradients are summed over ranks (one all-reduce of one flat buffer), so every rank applies the gradient of the
global batch's mean loss.

Embeddings: TABLE-WISE MODEL PARALLEL with all-to-all (decision of record, docs/spec/training.md). Table t lives
on rank t mod N only. Per step each rank sends every lookup it needs to the table's owner (all-to-all of ids),
the owner returns the rows (all-to-all of rows) and, after backward, receives their gradients (all-to-all) and
applies row-wise Adagrad with the gradient summed over the global batch. Why not replication with a sparse
all-reduce: a replica per GPU multiplies table memory by N, every rank would receive all N ranks' gradients
(traffic per rank grows with N) and every rank would redo the whole global batch's table update (half of a
step's time on one H200), so the update would not scale at all; table-wise sharding divides memory and update
work by N and keeps per-rank traffic at one local batch's rows. (Its limit: 26 tables over 8 ranks is 4 vs 3
tables per rank; row-wise sharding would balance finer.)

Hotline: hot tables (the id stage's hot sets) are REPLICATED on every rank, as FAE and Hotline do: hot rows are
looked up locally and never cross the network — a popular row needs no all-to-all at all — and their gradients
are summed with one dense all-reduce of the (small) hot-table gradient. Only cold lookups go to the owners. All
ranks use the same hot sets, profiled once on the head of the whole input (not per shard).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.distributed as dist

from host_runtime.training.batch import Batch
from host_runtime.training.embedding import (FusedTable, init_rows, init_table, rowwise_adagrad_values,
                                             table_offsets)
from host_runtime.training.trainer import HotUnmap, Trainer

NCCL_ENV = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}
"""NVLink multicast stays off (the GPU machines' rule: a program using it can take the host's GPUs down)."""


@dataclass(frozen=True)
class World:
    rank: int
    size: int
    local_rank: int
    launched: bool  # started by torchrun (also with one rank)


def world() -> World:
    """This process's place among torchrun's ranks (rank 0 of 1, not launched, outside torchrun)."""
    return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                 int(os.environ.get("LOCAL_RANK", 0)), "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ)


def launch(nproc: int, argv: Sequence[str]) -> int:
    """`sluice train --nproc N ...`: run the same command under torchrun, N ranks on this host."""
    args = list(argv)
    for i, a in enumerate(args):
        if a == "--nproc":
            del args[i:i + 2]
            break
        if a.startswith("--nproc="):
            del args[i]
            break
    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in NCCL_ENV.items()}}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
           "-m", "host_runtime.cli", *args]
    return subprocess.call(cmd, env=env)


def shard_rows(text: bytes, rank: int, size: int) -> bytes:
    """Rows [rank*L/size, (rank+1)*L/size) of newline-separated text (L rows): a deterministic row-range shard."""
    nl = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
    ends = np.concatenate([nl + 1, [len(text)]]) if (len(text) and text[-1:] != b"\n") else nl + 1
    starts = np.concatenate([[0], ends[:-1]])
    n = len(ends)
    lo, hi = rank * n // size, (rank + 1) * n // size
    return text[int(starts[lo]):int(ends[hi - 1])] if hi > lo else b""


def owners(n_tables: int, size: int) -> list[int]:
    """Table t -> rank t mod size (every table gets one lookup per row, so equal counts balance the work)."""
    return [t % size for t in range(n_tables)]


class ShardedStore:
    """Table-wise model-parallel embeddings (all-to-all), with Hotline hot rows replicated on every rank."""

    def __init__(self, rows: Sequence[int], dim: int, device: torch.device, *, seed: int = 0,
                 hot_ids: Sequence[np.ndarray | None] | None = None, segment_sum: str = "index_add") -> None:
        self.dim, self.device = dim, device
        self.rank, self.size = dist.get_rank(), dist.get_world_size()
        nf = len(rows)
        own = owners(nf, self.size)
        self.mine = [t for t in range(nf) if own[t] == self.rank]
        self.table = FusedTable([rows[t] for t in self.mine], dim, device, segment_sum=segment_sum,
                                weight=init_table([rows[t] for t in self.mine], dim, device, seed, tables=self.mine))
        # features in owner order: each destination's lookups are one contiguous block of the flattened [F, b]
        self.order = [t for s in range(self.size) for t in range(nf) if own[t] == s]
        self.order_t = torch.tensor(self.order, device=device)
        self.inv_order_t = torch.argsort(self.order_t)
        self.owner_of = torch.tensor([own[t] for t in self.order], device=device)
        off_in_owner = {}
        for s in range(self.size):
            ts = [t for t in range(nf) if own[t] == s]
            for t, o in zip(ts, table_offsets([rows[t] for t in ts])):
                off_in_owner[t] = o
        self.owner_off = torch.tensor([off_in_owner[t] for t in self.order], device=device).view(nf, 1)
        self.rows_o = torch.tensor([rows[t] for t in self.order], device=device).view(nf, 1)
        self.unmap = HotUnmap(hot_ids, device) if hot_ids is not None else None
        self.hot: FusedTable | None = None
        if hot_ids is not None and any(h is not None and len(h) for h in hot_ids):
            self._init_hot(rows, hot_ids, seed)

    def _init_hot(self, rows: Sequence[int], hot_ids: Sequence[np.ndarray | None], seed: int) -> None:
        """The replicated hot table: hot rows of every table, with the values those rows start with in the full
        table (so one rank with every table starts from the same model)."""
        nf = len(rows)
        sizes = [len(hot_ids[t]) if hot_ids[t] is not None else 0 for t in self.order]
        parts = []
        for t, n in zip(self.order, sizes):
            if n:
                full = init_rows(torch.empty(rows[t], self.dim, device=self.device), t, seed)
                parts.append(full.index_select(0, torch.from_numpy(np.asarray(hot_ids[t], np.int64)).to(self.device)))
        w = torch.cat(parts + [torch.zeros(1, self.dim, device=self.device)])
        self.hot = FusedTable(sizes, self.dim, self.device, weight=w)
        cap = max(sizes)
        srt = torch.full((nf, cap), torch.iinfo(torch.int64).max, dtype=torch.int64)
        slot = torch.zeros(nf, cap, dtype=torch.int64)
        for i, t in enumerate(self.order):
            h = hot_ids[t]
            if h is not None and len(h):
                o = np.argsort(h, kind="stable")
                srt[i, :len(h)] = torch.from_numpy(np.asarray(h, np.int64)[o])
                slot[i, :len(h)] = torch.from_numpy(o)
        self.hot_sorted, self.hot_slot = srt.to(self.device), slot.to(self.device)
        self.hot_off = torch.tensor(table_offsets(sizes), device=self.device).view(nf, 1)

    def _a2a(self, x: torch.Tensor, send: list[int], recv: list[int]) -> torch.Tensor:
        out = x.new_empty((sum(recv), *x.shape[1:]))
        dist.all_to_all_single(out, x.contiguous(), output_split_sizes=recv, input_split_sizes=send)
        return out

    def lookup(self, b: Batch) -> tuple[torch.Tensor, Any]:
        nf, nb = b.sparse.shape
        ids = self.unmap(b.sparse, b.popular_t) if self.unmap is not None else b.sparse.long()
        ids_o = ids.index_select(0, self.order_t) % self.rows_o  # [F, b], owner order
        flat_rows = torch.zeros(nf * nb, self.dim, device=self.device)
        hot_idx = None
        if self.hot is not None:  # replicated hot rows: looked up here, never sent
            pos = torch.searchsorted(self.hot_sorted, ids_o.contiguous()).clamp(max=self.hot_sorted.shape[1] - 1)
            is_hot = self.hot_sorted.gather(1, pos) == ids_o
            hot_idx = torch.where(is_hot, self.hot_slot.gather(1, pos) + self.hot_off, self.hot.trash).reshape(-1)
            remote = ~is_hot.reshape(-1)
            flat_rows = self.hot.weight.index_select(0, hot_idx)
        else:
            remote = torch.ones(nf * nb, dtype=torch.bool, device=self.device)
        sel = torch.nonzero(remote).squeeze(1)
        send_ids = (ids_o + self.owner_off).reshape(-1).index_select(0, sel)
        send_n = torch.bincount(self.owner_of.repeat_interleave(nb).index_select(0, sel), minlength=self.size)
        recv_n = torch.empty_like(send_n)
        dist.all_to_all_single(recv_n, send_n)
        send, recv = send_n.tolist(), recv_n.tolist()
        recv_ids = self._a2a(send_ids, send, recv)
        got = self._a2a(self.table.weight.index_select(0, recv_ids), recv, send)
        flat_rows = flat_rows.index_copy(0, sel, got)
        emb = flat_rows.view(nf, nb, self.dim).index_select(0, self.inv_order_t).transpose(0, 1)
        return emb, (sel, send, recv, recv_ids, hot_idx)

    def update(self, ctx: Any, grad: torch.Tensor, lr: float, eps: float) -> None:
        sel, send, recv, recv_ids, hot_idx = ctx
        nb, nf, d = grad.shape
        g_o = grad.transpose(0, 1).index_select(0, self.order_t).reshape(-1, d)  # [F*b, D] owner order
        g_recv = self._a2a(g_o.index_select(0, sel), send, recv)
        self.table.update(recv_ids, g_recv, lr, eps)  # the owner: every rank's lookups, summed per row
        if self.hot is not None:
            assert hot_idx is not None
            g_hot = torch.zeros_like(self.hot.weight).index_add_(0, hot_idx, g_o)
            dist.all_reduce(g_hot)  # one dense all-reduce of the hot tables' gradient
            w, st = rowwise_adagrad_values(g_hot, self.hot.weight, self.hot.state, lr, eps)
            self.hot.weight.copy_(w)  # rows no rank touched have g = 0: unchanged
            self.hot.state.copy_(st)


class DistTrainer(Trainer):
    """The fused trainer with a sharded store; loss averaged over the global batch, MLP gradients summed."""

    def loss_denominator(self, rows_t: torch.Tensor) -> torch.Tensor:
        n = rows_t.to(torch.float32).reshape(1).clone()
        dist.all_reduce(n)
        return n.clamp(min=1).reshape(())

    def reduce_dense_grads(self) -> None:
        grads = [p.grad for p in self.opt.params if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        for g, part in zip(grads, flat.split([g.numel() for g in grads])):
            g.copy_(part.view_as(g))

    def global_losses(self) -> list[float]:
        """Per step, the global batch's mean loss (each rank holds its share)."""
        if not self.losses:
            return []
        x = torch.stack(self.losses).to(torch.float64)
        dist.all_reduce(x)
        return [float(v) for v in x.cpu()]


def init_rank(device: str) -> torch.device:
    """Join torchrun's process group (NCCL on GPUs, multicast off; gloo on CPU); this rank's device."""
    w = world()
    for k, v in NCCL_ENV.items():
        os.environ.setdefault(k, v)
    if device.startswith("cuda"):
        torch.cuda.set_device(w.local_rank)
        dev = torch.device("cuda", w.local_rank)
    else:
        dev = torch.device("cpu")
    dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return dev


def train_rank(spec, args: argparse.Namespace, cfg, open_device) -> dict | None:
    """One rank of `sluice train` under torchrun; returns the report on rank 0 (None elsewhere).
    `open_device(spec, backend, args)` opens this rank's own ETL device (the CLI's, with its sim options)."""
    import dataclasses
    from pathlib import Path

    from host_runtime.producer import BatchProducer
    from host_runtime.training.config import TrainOptions, table_rows
    from host_runtime.training.cpu_etl import profile_state
    from host_runtime.training.feed import make_feed

    w = world()
    device = init_rank(args.device)
    try:
        if spec.uses_vocab:
            raise SystemExit("sluice train: vocabulary features need one count pass over the whole input; "
                             "not supported with several ranks")
        text = Path(args.input).read_bytes()
        total_rows = text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
        state = profile_state(spec, text, total_rows) if spec.hot_split else None  # the same on every rank
        shard = shard_rows(text, w.rank, w.size)
        opts = dataclasses.replace(TrainOptions.for_mode(args.mode, args.device, seed=args.seed), graphs=False)
        hot = [h.ids.astype(np.int64) if h is not None else None for h in state.hotsets] if state else None
        rows = table_rows(spec, cfg.max_rows)
        if hot is not None and any(h is not None and len(h) and int(h.max()) >= r for h, r in zip(hot, rows)):
            raise SystemExit("sluice train: hot ids beyond a capped table; use --max-rows none")
        tr = DistTrainer(spec, device=str(device), cfg=cfg, opts=opts,
                         store=ShardedStore(rows, cfg.emb_dim, device, seed=args.seed, hot_ids=hot))
        with open_device(spec, args.backend, args) as dev:
            prod = BatchProducer(spec, shard, dev, keep_batches=False, state=state)
            feed = make_feed(spec.geometry(), device, ((pb.buffer, pb) for pb in prod), on_copied=prod.release)
            it = iter(feed)
            while len(tr.losses) < args.steps:
                b = next(it, None)
                more = torch.tensor([0 if b is None else 1], device=device)
                dist.all_reduce(more, op=dist.ReduceOp.MIN)  # every rank steps, or none does
                if not int(more):
                    if b is not None:
                        feed.release(b)
                    break
                tr.step(b)
                feed.release(b)
            for b in it:  # drain: the producer finishes its stream
                feed.release(b)
            feed.join()
            prod.join()
        losses = tr.global_losses()
        if w.rank != 0:
            return None
        return {"pipeline": spec.name, "backend": args.backend, "device": args.device, "ranks": w.size,
                "embeddings": "table-wise model parallel (all-to-all)" + (", hot tables replicated" if hot else ""),
                "steps": len(losses), "local_batch": spec.batch.size, "losses": [round(x, 6) for x in losses]}
    finally:
        dist.destroy_process_group()
