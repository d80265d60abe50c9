"""A DLRM-style model (bottom MLP, embeddings, pairwise interaction, top MLP).

Shaped after facebookresearch/dlrm's Kaggle configuration (embedding dim 16,
26 tables, dot-product interaction of the bottom-MLP output with every
embedding) and sized from the pipeline spec, so the same model trains on any
preset's batches.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from models.pipeline_spec import PipelineSpec, SparseFinal


def table_rows(spec: PipelineSpec, max_rows: int) -> list[int]:
    """Rows of each embedding table: the id range the spec guarantees, capped at max_rows.

    Ids at or above a capped table's size are folded with `id % rows` in the model (the
    hashing trick dlrm uses as `max_ind_range`); tables with a hot set are never smaller
    than the hot set so slots stay distinct.
    """
    out = []
    for s in spec.sparse:
        if s.final == SparseFinal.MODULO:
            n = s.modulus
        elif s.final == SparseFinal.VOCAB:
            assert s.vocab is not None
            n = 2 + s.vocab.n_buckets * s.vocab.ways
        elif s.bucketized and s.hash_salt is None:
            n = len(s.boundaries) + 1
        else:
            n = max_rows
        if spec.hotset is not None and s.hot:
            n = max(n, spec.hotset.capacity)
        out.append(min(n, max_rows))
    return out


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class DlrmConfig:
    emb_dim: int = 16
    bottom: tuple[int, ...] = (64, 32)
    top: tuple[int, ...] = (128, 64)
    max_rows: int = 1 << 17


class Dlrm(nn.Module):
    def __init__(self, n_dense: int, rows: list[int], cfg: DlrmConfig = DlrmConfig()) -> None:
        super().__init__()
        self.rows = torch.tensor(rows, dtype=torch.int64)
        self.bottom = mlp([n_dense, *cfg.bottom, cfg.emb_dim])
        self.emb = nn.ModuleList(nn.EmbeddingBag(r, cfg.emb_dim, mode="sum", sparse=True) for r in rows)
        n_vec = len(rows) + 1
        n_int = n_vec * (n_vec - 1) // 2
        self.top = mlp([cfg.emb_dim + n_int, *cfg.top, 1])
        iu = torch.triu_indices(n_vec, n_vec, offset=1)
        self.register_buffer("iu0", iu[0], persistent=False)
        self.register_buffer("iu1", iu[1], persistent=False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        """dense float [N, n_dense]; sparse int [n_sparse, N] feature-major (the batch layout)."""
        x = self.bottom(dense.float())
        n = x.shape[0]
        offsets = torch.arange(n, device=x.device)
        vecs = [x]
        for f, table in enumerate(self.emb):
            ids = sparse[f].long() % int(self.rows[f])
            vecs.append(table(ids, offsets))
        t = torch.stack(vecs, dim=1)  # [N, F+1, D]
        z = torch.bmm(t, t.transpose(1, 2))[:, self.iu0, self.iu1]
        return self.top(torch.cat([x, z], dim=1)).squeeze(1)
