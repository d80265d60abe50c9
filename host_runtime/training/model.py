"""The dense part of the DLRM: bottom MLP, pairwise dot interaction, top MLP.

The embeddings are not parameters of this module (training/embedding.py owns them and their optimiser): the
forward takes the looked-up rows [B, F, D] as an input, so the same module serves every storage — all tables on
the GPU, Hotline's hot/cold split, tables in CPU memory, tables sharded over ranks.
"""
from __future__ import annotations

import torch
from torch import nn

from host_runtime.training.config import DlrmConfig


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class DenseDlrm(nn.Module):
    def __init__(self, n_dense: int, n_sparse: int, cfg: DlrmConfig = DlrmConfig()) -> None:
        super().__init__()
        self.bottom = mlp([n_dense, *cfg.bottom, cfg.emb_dim])
        n_vec = n_sparse + 1
        self.top = mlp([cfg.emb_dim + n_vec * (n_vec - 1) // 2, *cfg.top, 1])
        iu = torch.triu_indices(n_vec, n_vec, offset=1)
        # the strictly upper triangle of the [F+1, F+1] Gram matrix, as positions in its flattened form
        self.register_buffer("tri", iu[0] * n_vec + iu[1], persistent=False)

    def forward(self, dense: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """dense [B, n_dense] (any float dtype), emb [B, F, D] -> logits [B] (float32)."""
        x = self.bottom(dense.float())
        t = torch.cat([x.unsqueeze(1).to(emb.dtype), emb], dim=1)  # [B, F+1, D]
        z = torch.bmm(t, t.transpose(1, 2)).flatten(1).index_select(1, self.tri)  # [B, (F+1)F/2]
        return self.top(torch.cat([x, z.to(x.dtype)], dim=1)).squeeze(1).float()

    def flops_per_row(self) -> int:
        """Forward multiply-adds x 2 of the MLPs and the interaction (backward is about twice this)."""
        macs = sum(m.in_features * m.out_features for m in self.modules() if isinstance(m, nn.Linear))
        n_vec = int((1 + (1 + 8 * self.tri.numel()) ** 0.5) / 2)
        d = self.bottom[-1].out_features
        return 2 * (macs + n_vec * n_vec * d)
