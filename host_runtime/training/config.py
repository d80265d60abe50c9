"""Model shape, table sizes and training options.

The default shape is facebookresearch/dlrm's Criteo Kaggle configuration (`--arch-sparse-feature-size=16
--arch-mlp-bot=13-512-256-64-16 --arch-mlp-top=512-256-1`), so the rates measured here compare with the
published per-GPU figures for that model. Tables are sized from the pipeline spec (criteo_dlrm: 26 x 10 M rows);
a cap (dlrm's `max_ind_range` hashing trick, `id % rows`) keeps CPU runs small.
"""
from __future__ import annotations

from dataclasses import dataclass

from models.pipeline_spec import PipelineSpec, SparseFinal

CPU_MAX_ROWS = 1 << 17
"""Default table cap on CPU: 26 full Criteo tables are 16.6 GB at D = 16, more than a test machine has."""

UNBOUNDED_ROWS = 1 << 22
"""Rows of a table whose ids have no range the spec guarantees (hashed without a modulus): dlrm's
`max_ind_range` idea, ids folded with id % rows."""


@dataclass(frozen=True)
class DlrmConfig:
    emb_dim: int = 16
    bottom: tuple[int, ...] = (512, 256, 64)  # hidden sizes; the last layer outputs emb_dim
    top: tuple[int, ...] = (512, 256)  # hidden sizes; the last layer outputs 1 logit
    max_rows: int | None = None  # per-table cap (ids folded with id % rows); None: the spec's id range


def default_max_rows(device: str) -> int | None:
    """Full preset-sized tables on a GPU, capped tables on CPU (documented in docs/spec/training.md)."""
    return None if device.startswith("cuda") else CPU_MAX_ROWS


def table_rows(spec: PipelineSpec, max_rows: int | None) -> list[int]:
    """Rows of each embedding table: the id range the spec guarantees, capped at max_rows.

    Tables with a hot set are never smaller than the hot set, so hot slots stay distinct rows.
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
            n = UNBOUNDED_ROWS
        if spec.hotset is not None and s.hot:
            n = max(n, spec.hotset.capacity)
        out.append(n if max_rows is None else min(n, max_rows))
    return out


@dataclass(frozen=True)
class TrainOptions:
    """How a step runs. `deterministic` (fp32, no graph, deterministic kernels) gives bit-identical losses for
    identical batches and seed; `fast` is what production rates are measured with."""

    lr: float = 0.003  # dense Adagrad (0.05 makes the first steps of 512-wide layers diverge)
    emb_lr: float = 0.05  # row-wise Adagrad
    eps: float = 1e-8
    seed: int = 0
    bf16: bool = False  # autocast the dense part to bfloat16 (embedding storage and optimiser state stay fp32)
    graphs: bool = False  # capture the whole step (forward, backward, both optimisers) in one CUDA graph
    compile: bool = False  # torch.compile the dense forward (inductor fuses the elementwise work)
    deterministic: bool = True  # torch.use_deterministic_algorithms for the run

    @classmethod
    def for_mode(cls, mode: str, device: str, **kw: object) -> "TrainOptions":
        """`deterministic`, `fast`, or `auto` (deterministic on CPU, fast on CUDA)."""
        if mode == "auto":
            mode = "fast" if device.startswith("cuda") else "deterministic"
        if mode == "deterministic":
            return cls(**kw)  # type: ignore[arg-type]
        if mode == "fast":
            cuda = device.startswith("cuda")
            return cls(bf16=cuda, graphs=cuda, deterministic=False, **kw)  # type: ignore[arg-type]
        raise ValueError(f"unknown training mode {mode!r} (auto, deterministic, fast)")
