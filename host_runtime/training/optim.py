"""Adagrad for the dense (MLP) parameters, written so a CUDA graph can capture it.

torch.optim.Adagrad keeps a step counter on the host and has no `capturable` mode in every torch version we
run (2.11 on the GPU machine, 2.13 here); this one has no host state at all: `G += g^2; p -= lr g / (sqrt(G) +
eps)` on each parameter, the same rule as torch's Adagrad with lr_decay 0 and initial accumulator 0.
"""
from __future__ import annotations

from typing import Iterable

import torch


class DenseAdagrad:
    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, eps: float) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.state = [torch.zeros_like(p) for p in self.params]
        self.lr, self.eps = lr, eps

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for p, st in zip(self.params, self.state):
            if p.grad is None:
                continue
            st.addcmul_(p.grad, p.grad)
            p.addcdiv_(p.grad, st.sqrt().add_(self.eps), value=-self.lr)
