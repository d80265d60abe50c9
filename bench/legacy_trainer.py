"""The trainer the fused one replaced, kept only so `sluice bench train` measures the speedup in the same run.

As it was (host_runtime/dlrm.py and train.py before the fused trainer): 26 `EmbeddingBag`s with sparse
gradients, torch's Adagrad, deterministic kernels, tables capped at 2^17 rows, bottom MLP 64-32-16, top 128-64-1.
Its rates are a reference point, not a like-for-like model: smaller MLPs and tables than the fused trainer's
dlrm Kaggle configuration.
"""
from __future__ import annotations

import torch
from torch import nn

from host_runtime.training.batch import Batch
from host_runtime.training.model import mlp
from models.pipeline_spec import PipelineSpec


class LegacyDlrm(nn.Module):
    def __init__(self, n_dense: int, rows: list[int], dim: int = 16) -> None:
        super().__init__()
        self.rows = [int(r) for r in rows]
        self.bottom = mlp([n_dense, 64, 32, dim])
        self.emb = nn.ModuleList(nn.EmbeddingBag(r, dim, mode="sum", sparse=True) for r in rows)
        n_vec = len(rows) + 1
        self.top = mlp([dim + n_vec * (n_vec - 1) // 2, 128, 64, 1])
        iu = torch.triu_indices(n_vec, n_vec, offset=1)
        self.register_buffer("iu0", iu[0], persistent=False)
        self.register_buffer("iu1", iu[1], persistent=False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        x = self.bottom(dense.float())
        offsets = torch.arange(x.shape[0], device=x.device)
        vecs = [x] + [t(sparse[f].long() % self.rows[f], offsets) for f, t in enumerate(self.emb)]
        t = torch.stack(vecs, dim=1)
        z = torch.bmm(t, t.transpose(1, 2))[:, self.iu0, self.iu1]
        return self.top(torch.cat([x, z], dim=1)).squeeze(1)


class LegacyTrainer:
    def __init__(self, spec: PipelineSpec, device: str, max_rows: int = 1 << 17) -> None:
        torch.manual_seed(0)
        torch.use_deterministic_algorithms(True)
        torch.sparse.check_sparse_tensor_invariants.disable()
        self.model = LegacyDlrm(len(spec.dense), [max_rows] * len(spec.sparse)).to(device)
        self.opt = torch.optim.Adagrad(self.model.parameters(), lr=0.05)
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.rows = 0

    def step(self, b: Batch) -> None:
        n = b.rows
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(b.dense[:n], b.sparse[:, :n]), b.labels[:n])
        loss.backward()
        self.opt.step()
        self.rows += n

    def close(self) -> None:
        torch.use_deterministic_algorithms(False)
