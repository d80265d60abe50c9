"""Hotline hybrid embeddings: hot rows in GPU memory, cold rows in (pinned) CPU memory.

Placement. The id stage's hot sets (models/hotset.py) name, per table, the rows most lookups hit. Those rows live
in a small GPU table (one fused tensor: the hot rows of every table with a hot set, plus whole tables of the
features that have none); every table with a hot set also lives whole in CPU memory, where only its cold rows
are ever read or written (a hot row's GPU copy is the authoritative one). placement="cpu" puts nothing on the
GPU: DLRM's classic CPU-GPU mode, the baseline.

A step on a batch of n rows whose first p are popular (the header's count; every id there is a hot slot):
1. popular micro-batch: looked up in the GPU table at once, forward and backward (gradients kept);
2. non-popular micro-batch: its cold rows were gathered on the CPU in the background (a worker thread: id ->
   slot map, cold-row gather into pinned staging, one host->device copy on a side stream); hot entries come from
   the GPU table, cold ones from the copied rows; forward and backward;
3. ONE optimiser step for the whole batch (dense Adagrad; row-wise Adagrad over the lookups of both parts): the
   same mini-batch semantics as a trainer with every table on the GPU, so the loss curves agree (bench and tests
   check it) — the micro-batches change when work happens, not what is computed;
4. cold-row write-back: the cold rows' new values and accumulators are computed on the GPU, copied back on the
   side stream, and the worker writes them into the CPU table.

Pipelining (prefetch=True). The worker gathers batch i+1's cold rows while the GPU trains batch i, i.e. before
batch i's write-back. Rows batch i updates are then stale in that gather; the GPU patches them from batch i's
new values (sorted ids, searchsorted) before batch i+1 uses them. The worker runs write-back i before gather
i+2, so one batch of patching suffices and every read sees every earlier update. prefetch=False is the classic
serial order: gather i+1 only after write-back i (no patching needed).
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from host_runtime.training.batch import Batch
from host_runtime.training.config import DlrmConfig, TrainOptions
from host_runtime.training.embedding import (FusedTable, rowwise_adagrad_values, segments_of, summed_grads,
                                             table_offsets)
from host_runtime.training.model import DenseDlrm
from host_runtime.training.optim import DenseAdagrad
from host_runtime.training.trainer import cuda_index, set_determinism


@dataclass(frozen=True)
class Placement:
    """Where each (feature, id) lives. hot[f]: hot ids in slot order (None: feature f's whole table is on the
    GPU); an empty array: nothing of feature f on the GPU."""

    rows: tuple[int, ...]
    hot: tuple[np.ndarray | None, ...]

    @property
    def gpu_rows(self) -> list[int]:
        return [r if h is None else len(h) for r, h in zip(self.rows, self.hot)]

    @property
    def cpu_rows(self) -> list[int]:
        return [0 if h is None else r for r, h in zip(self.rows, self.hot)]

    def gpu_bytes(self, dim: int) -> int:
        return (sum(self.gpu_rows) + 1) * (dim + 1) * 4

    def cpu_bytes(self, dim: int) -> int:
        return sum(self.cpu_rows) * (dim + 1) * 4


def hotline_placement(rows: Sequence[int], hot_ids: Sequence[np.ndarray | None]) -> Placement:
    return Placement(tuple(rows), tuple(None if h is None else np.asarray(h, dtype=np.int64) for h in hot_ids))


def cpu_placement(rows: Sequence[int]) -> Placement:
    return Placement(tuple(rows), tuple(np.zeros(0, dtype=np.int64) for _ in rows))


def _pin(t: torch.Tensor) -> bool:
    """Page-lock a large CPU tensor in place (cudaHostRegister: no power-of-two rounding as pin_memory() has);
    False where the platform refuses (the tensor then stays pageable, which only slows the cold-row copies)."""
    try:
        err = torch.cuda.cudart().cudaHostRegister(t.data_ptr(), t.numel() * t.element_size(), 0)
        return int(err) == 0
    except (RuntimeError, AttributeError, TypeError):
        return False


def _unpin(t: torch.Tensor) -> None:
    try:
        torch.cuda.cudart().cudaHostUnregister(t.data_ptr())
    except (RuntimeError, AttributeError, TypeError):
        pass


@dataclass
class _Cold:
    """What the worker sends the GPU for one batch's non-popular part."""

    lo: int  # first non-popular row
    gpu_idx: torch.Tensor  # int32 [F, m]: row in the GPU table, -1 where the row is cold
    cold_pos: torch.Tensor  # int64 [K]: flat positions in [F, m] of the cold entries
    cold_gid: torch.Tensor  # int64 [K]: their rows in the CPU table
    w: torch.Tensor  # float32 [K, D]: their values as gathered
    st: torch.Tensor  # float32 [K]: their accumulators as gathered
    ready: torch.cuda.Event | None
    cpu_s: float  # worker time spent on it


@dataclass
class HybridStats:
    steps: int = 0
    rows: int = 0
    popular_rows: int = 0
    lookups: int = 0
    cold_lookups: int = 0
    gather_s: float = 0.0  # worker CPU time: classify + gather + queue the copy
    writeback_s: float = 0.0  # worker CPU time: waiting for the copy back + scatter into the CPU table
    wait_cold_s: float = 0.0  # main thread waiting for a batch's cold rows

    def summary(self) -> dict:
        return {"steps": self.steps, "rows": self.rows,
                "popular_fraction": round(self.popular_rows / max(1, self.rows), 4),
                "cold_lookup_fraction": round(self.cold_lookups / max(1, self.lookups), 4),
                "worker_gather_ms_per_step": round(1e3 * self.gather_s / max(1, self.steps), 3),
                "worker_writeback_ms_per_step": round(1e3 * self.writeback_s / max(1, self.steps), 3),
                "main_wait_for_cold_ms_per_step": round(1e3 * self.wait_cold_s / max(1, self.steps), 3)}


class _Worker:
    """One CPU thread running tasks in submission order (gathers and write-backs must not reorder)."""

    def __init__(self, device: torch.device) -> None:
        self._q: queue.Queue[tuple[Callable[[], Any], queue.Queue] | None] = queue.Queue()
        self._device = device
        self._t = threading.Thread(target=self._run, name="sluice-hybrid-cpu", daemon=True)
        self._t.start()

    def _run(self) -> None:
        if self._device.type == "cuda":
            torch.cuda.set_device(self._device)
        while (item := self._q.get()) is not None:
            fn, out = item
            try:
                out.put(fn())
            except BaseException as e:
                out.put(e)

    def submit(self, fn: Callable[[], Any]) -> "queue.Queue[Any]":
        out: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._q.put((fn, out))
        return out

    @staticmethod
    def result(q: "queue.Queue[Any]") -> Any:
        r = q.get()
        if isinstance(r, BaseException):
            raise r
        return r

    def close(self) -> None:
        self._q.put(None)
        self._t.join()


class HybridTrainer:
    """Train on Hotline batches (popular rows first, header count) with a hybrid or CPU-only embedding placement.

    `batch_hot_ids`: the hot sets the batches were made with (their popular rows carry slots of these);
    `placement`: where rows live (hotline_placement with the same hot sets, or cpu_placement);
    `init_weight`: the full tables' initial values [sum(rows) + 1, D] (any device), so every trainer compared in
    a bench starts from the same model; `popular_first=False` runs one forward over all rows (popular rows'
    slots mapped back on the CPU): the check that hot/cold placement alone changes no bit of the result."""

    def __init__(self, n_dense: int, placement: Placement, batch_hot_ids: Sequence[np.ndarray | None], *,
                 device: str = "cpu", cfg: DlrmConfig = DlrmConfig(), opts: TrainOptions = TrainOptions(),
                 init_weight: torch.Tensor, prefetch: bool = True, pin: bool = True,
                 popular_first: bool = True) -> None:
        self.device = cuda_index(torch.device(device))
        self.cuda = self.device.type == "cuda"
        self.opts, self.place, self.prefetch = opts, placement, prefetch
        set_determinism(opts.deterministic, self.device)
        torch.manual_seed(opts.seed)
        self.model = DenseDlrm(n_dense, len(placement.rows), cfg).to(self.device)
        self.opt = DenseAdagrad(self.model.parameters(), opts.lr, opts.eps)
        self.dim = cfg.emb_dim
        nf = len(placement.rows)
        full_off = table_offsets(placement.rows)
        # GPU table: hot rows of tables with a hot set, whole tables of the others (values from init_weight)
        gpu_parts = []
        for f, (r, h) in enumerate(zip(placement.rows, placement.hot)):
            src = torch.arange(full_off[f], full_off[f] + r) if h is None else torch.from_numpy(h) + full_off[f]
            gpu_parts.append(init_weight.index_select(0, src.to(init_weight.device)).to(self.device))
        gpu_w = torch.cat(gpu_parts + [torch.zeros(1, self.dim, device=self.device)])
        self.gpu = FusedTable(placement.gpu_rows, self.dim, self.device, weight=gpu_w)
        self.gpu_off = torch.tensor(table_offsets(placement.gpu_rows), device=self.device).view(nf, 1)
        # CPU table: every table with a hot set, whole; the slot map says which of its rows are hot
        cpu_rows = placement.cpu_rows
        self.cpu_w = torch.empty(sum(cpu_rows), self.dim, dtype=torch.float32)
        for f, o in enumerate(table_offsets(cpu_rows)):  # table by table: no second full-size copy anywhere
            if cpu_rows[f]:
                self.cpu_w[o:o + cpu_rows[f]].copy_(init_weight[full_off[f]:full_off[f] + cpu_rows[f]])
        self.cpu_st = torch.zeros(self.cpu_w.shape[0], dtype=torch.float32)
        self._pinned = pin and self.cuda
        self.table_pinned = self._pinned and _pin(self.cpu_w) and _pin(self.cpu_st)
        self.cpu_off = torch.tensor(table_offsets(cpu_rows), dtype=torch.int64).view(nf, 1)
        self.rows_t = torch.tensor(placement.rows, dtype=torch.int64).view(nf, 1)
        self.slot_map = torch.full((self.cpu_w.shape[0],), -1, dtype=torch.int32)
        self.gpu_base = torch.tensor(table_offsets(placement.gpu_rows), dtype=torch.int32).view(nf, 1)
        for f, h in enumerate(placement.hot):
            if h is not None and len(h):
                self.slot_map[self.cpu_off[f, 0] + torch.from_numpy(h)] = torch.arange(len(h), dtype=torch.int32)
        self.full_gpu = torch.tensor([h is None for h in placement.hot]).view(nf, 1)
        self.full_gpu_dev = self.full_gpu.to(self.device)
        self.any_hot = any(h is not None and len(h) for h in placement.hot)
        # the batches' own hot sets: to turn popular rows' slots back into ids when the placement differs
        self.same_hot = popular_first and all((a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))
                            for a, b in zip(placement.hot, batch_hot_ids))
        self.batch_hot = list(batch_hot_ids)
        self.copy_stream = torch.cuda.Stream(self.device) if self.cuda else None
        self.worker = _Worker(self.device)
        self.stats = HybridStats()
        self.losses: list[torch.Tensor] = []
        self._prev: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # last batch's cold updates
        self._pending: "queue.Queue[Any] | None" = None

    # ------------------------------------------------------------------ CPU side (worker thread)
    def _full_ids(self, sparse: torch.Tensor, lo: int, n: int, popular: int) -> torch.Tensor:
        """ids [F, n - lo] of rows [lo, n): popular rows' slots mapped back when the placement is not the
        batches' own hot split."""
        ids = sparse[:, lo:n].long()
        if popular > lo:
            k = popular - lo
            for f, h in enumerate(self.batch_hot):
                if h is not None:
                    ids[f, :k] = torch.from_numpy(np.asarray(h, dtype=np.int64))[ids[f, :k]]
        return ids

    def _gather(self, host: Batch) -> _Cold:
        t0 = time.perf_counter()
        lo = host.popular if self.same_hot else 0  # popular rows need no CPU work when their slots are ours
        ids = self._full_ids(host.sparse, lo, host.rows, host.popular)
        rows = ids % self.rows_t
        cpu_gid = rows + self.cpu_off
        minus1 = torch.full_like(rows, -1, dtype=torch.int32)
        gpu_idx = torch.where(self.full_gpu, rows.to(torch.int32) + self.gpu_base, minus1)
        if self.any_hot:  # the slot map: which rows of tables with a hot set are on the GPU
            hot_feat = ~self.full_gpu
            slot = self.slot_map.index_select(0, torch.where(hot_feat, cpu_gid, 0).reshape(-1)).view_as(gpu_idx)
            gpu_idx = torch.where(hot_feat & (slot >= 0), slot + self.gpu_base, gpu_idx)
        cold_pos = torch.nonzero(gpu_idx.reshape(-1) < 0).squeeze(1)
        cold_gid = cpu_gid.reshape(-1).index_select(0, cold_pos)
        w = torch.empty(len(cold_gid), self.dim, pin_memory=self._pinned)
        st = torch.empty(len(cold_gid), pin_memory=self._pinned)
        torch.index_select(self.cpu_w, 0, cold_gid, out=w)
        torch.index_select(self.cpu_st, 0, cold_gid, out=st)
        ready = None
        parts = [gpu_idx, cold_pos, cold_gid, w, st]
        if self.cuda:
            assert self.copy_stream is not None
            with torch.cuda.stream(self.copy_stream):
                parts = [p.pin_memory().to(self.device, non_blocking=True) if not p.is_pinned()
                         else p.to(self.device, non_blocking=True) for p in parts]
                ready = torch.cuda.Event()
                ready.record(self.copy_stream)
        return _Cold(lo, *parts, ready, time.perf_counter() - t0)  # type: ignore[arg-type]

    def _writeback(self, rows: torch.Tensor, w: torch.Tensor, st: torch.Tensor, done: torch.cuda.Event | None) -> float:
        t0 = time.perf_counter()
        if done is not None:
            done.synchronize()
        self.cpu_w.index_put_((rows,), w)
        self.cpu_st.index_put_((rows,), st)
        return time.perf_counter() - t0

    # ------------------------------------------------------------------ GPU side (main thread)
    def _cold_rows(self, c: _Cold) -> tuple[torch.Tensor, torch.Tensor]:
        """The gathered cold rows, patched with the previous batch's updates they may predate."""
        w, st = c.w, c.st
        if self._prev is not None and len(c.cold_gid):
            rows, w_new, st_new = self._prev
            if len(rows):
                pos = torch.searchsorted(rows, c.cold_gid).clamp(max=len(rows) - 1)
                hit = rows.index_select(0, pos) == c.cold_gid
                w = torch.where(hit.unsqueeze(1), w_new.index_select(0, pos), w)
                st = torch.where(hit, st_new.index_select(0, pos), st)
        return w, st

    def _dense_loss(self, dense: torch.Tensor, emb: torch.Tensor, labels: torch.Tensor, n: int) -> torch.Tensor:
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.opts.bf16):
            logits = self.model(dense, emb)
        return F.binary_cross_entropy_with_logits(logits, labels, reduction="sum") / n

    def step(self, dev: Batch, host: Batch, next_host: Batch | None) -> None:
        """One optimiser step on a batch: `dev` its tensors on the training device, `host` the same buffer in host
        memory (the worker reads ids there); `next_host` the following batch, gathered ahead when prefetching."""
        n, p = host.rows, host.popular
        if self._pending is None:
            self._pending = self.worker.submit(lambda: self._gather(host))
        if self.prefetch and next_host is not None:
            nxt = self.worker.submit(lambda: self._gather(next_host))
        if dev.ready is not None:
            torch.cuda.current_stream().wait_event(dev.ready)
        self.opt.zero_grad()
        idx_parts, grad_parts, losses = [], [], []
        lo = p if self.same_hot else 0
        if lo:  # popular micro-batch: every table it touches is on the GPU
            sp = dev.sparse[:, :lo].long()
            gidx = torch.where(self.full_gpu_dev, sp % self.gpu.rows.clamp(min=1), sp) + self.gpu_off
            emb_p = self.gpu.weight.index_select(0, gidx.t().reshape(-1)).view(lo, -1, self.dim).requires_grad_(True)
            loss_p = self._dense_loss(dev.dense[:lo], emb_p, dev.labels[:lo], n)
            loss_p.backward()
            losses.append(loss_p.detach())
            idx_parts.append(gidx.t().reshape(-1))
            grad_parts.append(emb_p.grad.reshape(-1, self.dim))  # type: ignore[union-attr]
        t = time.perf_counter()
        c: _Cold = self.worker.result(self._pending)
        self.stats.wait_cold_s += time.perf_counter() - t
        self.stats.gather_s += c.cpu_s
        if c.ready is not None:
            torch.cuda.current_stream().wait_event(c.ready)
            for x in (c.gpu_idx, c.cold_pos, c.cold_gid, c.w, c.st):  # made on the copy stream, used on this one
                x.record_stream(torch.cuda.current_stream())
        m = n - lo
        if m:
            cold_w, cold_st = self._cold_rows(c)
            gpu_idx = c.gpu_idx.long()
            cold = gpu_idx < 0
            from_gpu = self.gpu.weight.index_select(0, gpu_idx.clamp(min=0).reshape(-1))
            cidx = (torch.cumsum(cold.reshape(-1), 0) - 1).clamp(min=0)
            if len(c.cold_gid):
                from_cpu = cold_w.index_select(0, cidx)
                rows_fm = torch.where(cold.reshape(-1, 1), from_cpu, from_gpu)
            else:
                rows_fm = from_gpu
            emb_n = rows_fm.view(-1, m, self.dim).transpose(0, 1).contiguous().requires_grad_(True)  # [m, F, D]
            loss_n = self._dense_loss(dev.dense[lo:n], emb_n, dev.labels[lo:n], n)
            loss_n.backward()
            losses.append(loss_n.detach())
            g_fm = emb_n.grad.transpose(0, 1).reshape(-1, self.dim)  # type: ignore[union-attr]  [F*m, D]
            idx_parts.append(torch.where(cold, self.gpu.trash, gpu_idx).reshape(-1))
            grad_parts.append(g_fm)
        self.opt.step()
        if idx_parts:
            self.gpu.update(torch.cat(idx_parts), torch.cat(grad_parts), self.opts.emb_lr, self.opts.eps)
        if m and len(c.cold_gid):
            s = segments_of(c.cold_gid, with_lengths=self.gpu.segment_sum == "segment")
            g_row = summed_grads(s, g_fm.index_select(0, c.cold_pos), self.gpu.segment_sum)
            w_new, st_new = rowwise_adagrad_values(g_row, cold_w.index_select(0, s.perm),
                                                   cold_st.index_select(0, s.perm), self.opts.emb_lr, self.opts.eps)
            self._prev = (s.rows, w_new, st_new) if self.prefetch else None
            self._queue_writeback(s.rows, w_new, st_new)
        else:
            self._prev = None
        self.losses.append(torch.stack(losses).sum() if losses else torch.zeros((), device=self.device))
        if self.prefetch:
            self._pending = nxt if next_host is not None else None
        else:
            self._pending = self.worker.submit(lambda: self._gather(next_host)) if next_host is not None else None
        st_ = self.stats
        st_.steps += 1
        st_.rows += n
        st_.popular_rows += p
        st_.lookups += n * len(self.place.rows)
        st_.cold_lookups += len(c.cold_gid)

    def _queue_writeback(self, rows: torch.Tensor, w: torch.Tensor, st: torch.Tensor) -> None:
        done = None
        if self.cuda:
            assert self.copy_stream is not None
            self.copy_stream.wait_stream(torch.cuda.current_stream())
            for x in (rows, w, st):  # made on this stream, read by the copy stream
                x.record_stream(self.copy_stream)
            with torch.cuda.stream(self.copy_stream):
                rows, w, st = (x.to("cpu", non_blocking=True) for x in (rows, w, st))
                done = torch.cuda.Event()
                done.record(self.copy_stream)

        def task() -> None:
            self.stats.writeback_s += self._writeback(rows, w, st, done)

        self.worker.submit(task)

    def finish(self) -> None:
        """Wait for the last write-back (the CPU table is then up to date)."""
        self.worker.result(self.worker.submit(lambda: None))
        if self.cuda:
            torch.cuda.synchronize()

    def close(self) -> None:
        self.finish()
        self.worker.close()
        if self.table_pinned:
            _unpin(self.cpu_w)
            _unpin(self.cpu_st)

    def loss_values(self) -> list[float]:
        return [float(x) for x in torch.stack(self.losses).cpu()] if self.losses else []

    def full_table(self) -> torch.Tensor:
        """The whole model's tables as one [sum(rows) + 1, D] CPU tensor (hot rows from the GPU): for checks."""
        self.finish()
        out = []
        full_off_gpu = table_offsets(self.place.gpu_rows)
        cpu_off = table_offsets(self.place.cpu_rows)
        for f, (r, h) in enumerate(zip(self.place.rows, self.place.hot)):
            if h is None:
                out.append(self.gpu.weight[full_off_gpu[f]:full_off_gpu[f] + r].cpu())
                continue
            t = self.cpu_w[cpu_off[f]:cpu_off[f] + r].clone()
            if len(h):
                t[torch.from_numpy(h)] = self.gpu.weight[full_off_gpu[f]:full_off_gpu[f] + len(h)].cpu()
            out.append(t)
        return torch.cat(out + [torch.zeros(1, self.dim)])
