"""Embedding tables fused into one tensor, and row-wise Adagrad built from index operations.

Why fused: 26 separate `EmbeddingBag`s cost 26 lookups, 26 backward kernels and 26 optimiser updates per step;
one [rows, D] tensor with per-table offsets costs one gather and one update whatever the table count. Why a
hand-written optimiser: autograd would give the table a dense gradient as large as the table (16.6 GB for
Criteo), and torch's sparse gradients need a host sync to size them. Here the gathered rows are a leaf tensor;
after backward its gradient (one row per lookup) drives the update directly.

The update has fixed shapes — M = batch x features lookups in, M rows out — so it runs inside a CUDA graph: sort
the lookups by row, sum each row's gradients over its segment, then every lookup computes its row's new value
(duplicates compute the same value, and write it more than once). Row-wise Adagrad (dlrm / FBGEMM's
`rowwise_adagrad`): one accumulator per row, `G += mean(g^2)`, `w -= lr * g / (sqrt(G) + eps)`, where g is the
row's summed gradient over the batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

SEGMENT_SUM = ("index_add", "segment")
"""How a sorted segment's gradients are summed: `index_add` (atomics on CUDA, sort-based under deterministic
mode) or `segment` (torch.segment_reduce: one reduction per segment, no atomics)."""


def table_offsets(rows: Sequence[int]) -> list[int]:
    out, acc = [], 0
    for r in rows:
        out.append(acc)
        acc += r
    return out


def init_table(rows: Sequence[int], dim: int, device: str | torch.device, seed: int) -> torch.Tensor:
    """[sum(rows) + 1, dim] float32: table t uniform in +-sqrt(1/rows_t) (dlrm's initialisation); the extra last
    row is a trash row that updates aimed at no real row may land in."""
    w = torch.empty(sum(rows) + 1, dim, dtype=torch.float32, device=device)
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    for off, r in zip(table_offsets(rows), rows):
        bound = (1.0 / r) ** 0.5
        w[off:off + r].uniform_(-bound, bound, generator=g)
    w[-1].zero_()
    return w


@dataclass
class Segments:
    """Lookups sorted by row: `rows` (sorted row ids), `perm` (sorted position -> lookup), `seg` (sorted
    position -> segment number, dense from 0), and `lengths` (segment -> lookups; zero past the last segment)."""

    rows: torch.Tensor
    perm: torch.Tensor
    seg: torch.Tensor
    lengths: torch.Tensor | None


def segments_of(idx: torch.Tensor, *, with_lengths: bool) -> Segments:
    """Fixed-shape grouping of M lookups by row (no host sync: CUDA-graph safe)."""
    m = idx.numel()
    rows, perm = torch.sort(idx, stable=True)
    head = torch.ones(m, dtype=torch.bool, device=idx.device)
    head[1:] = rows[1:] != rows[:-1]
    seg = torch.cumsum(head, 0) - 1
    lengths = None
    if with_lengths:
        # start position of every segment; positions of absent segments stay m, so lengths there are 0
        starts = torch.full((m + 2,), m, dtype=torch.int64, device=idx.device)
        slot = torch.where(head, seg, torch.full_like(seg, m + 1))  # non-heads write the spare slot m + 1
        starts.index_put_((slot,), torch.arange(m, device=idx.device))
        lengths = starts[1:m + 1] - starts[:m]
    return Segments(rows, perm, seg, lengths)


def summed_grads(s: Segments, grad: torch.Tensor, how: str) -> torch.Tensor:
    """Per sorted lookup: the summed gradient of its row over the batch."""
    g = grad.index_select(0, s.perm)
    if how == "segment":
        assert s.lengths is not None
        total = torch.segment_reduce(g, "sum", lengths=s.lengths, axis=0, unsafe=True)
    else:
        total = torch.zeros_like(g).index_add_(0, s.seg, g)
    return total.index_select(0, s.seg)


def rowwise_adagrad_values(g_row: torch.Tensor, w_old: torch.Tensor, st_old: torch.Tensor, lr: float,
                           eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """New (weights, accumulators) of rows given their summed gradients and old values (any row order)."""
    st = st_old + g_row.pow(2).mean(1)
    w = w_old - (lr / (st.sqrt() + eps)).unsqueeze(1) * g_row
    return w, st


class FusedTable:
    """All tables of a model in one [total + 1, D] float32 tensor, row-wise Adagrad accumulators beside it."""

    def __init__(self, rows: Sequence[int], dim: int, device: str | torch.device, *, seed: int = 0,
                 weight: torch.Tensor | None = None, segment_sum: str = "index_add") -> None:
        if segment_sum not in SEGMENT_SUM:
            raise ValueError(f"segment_sum must be one of {SEGMENT_SUM}")
        self.rows_list = list(rows)
        self.dim = dim
        self.device = torch.device(device)
        self.weight = weight if weight is not None else init_table(rows, dim, device, seed)
        self.state = torch.zeros(self.weight.shape[0], dtype=torch.float32, device=self.device)
        self.rows = torch.tensor(self.rows_list, dtype=torch.int64, device=self.device).unsqueeze(1)
        self.offsets = torch.tensor(table_offsets(rows), dtype=torch.int64, device=self.device).unsqueeze(1)
        self.trash = int(self.weight.shape[0]) - 1
        self.segment_sum = segment_sum

    @property
    def nbytes(self) -> int:
        return self.weight.numel() * 4 + self.state.numel() * 4

    def global_ids(self, sparse: torch.Tensor) -> torch.Tensor:
        """Feature-major ids [F, B] (the batch layout) -> row numbers [F, B] in the fused table."""
        return sparse.long() % self.rows + self.offsets

    def lookup(self, gid_bf: torch.Tensor) -> torch.Tensor:
        """Rows for ids [B, F] -> [B, F, D]."""
        b, f = gid_bf.shape
        return self.weight.index_select(0, gid_bf.reshape(-1)).view(b, f, self.dim)

    def update(self, idx: torch.Tensor, grad: torch.Tensor, lr: float, eps: float) -> None:
        """Row-wise Adagrad for M lookups `idx` [M] with gradients `grad` [M, D] (duplicates summed)."""
        s = segments_of(idx, with_lengths=self.segment_sum == "segment")
        g_row = summed_grads(s, grad, self.segment_sum)
        w, st = rowwise_adagrad_values(g_row, self.weight.index_select(0, s.rows), self.state.index_select(0, s.rows),
                                       lr, eps)
        self.state.index_put_((s.rows,), st)  # a row looked up k times writes the same value k times
        self.weight.index_put_((s.rows,), w)
