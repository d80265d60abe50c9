"""The DLRM's shape and table sizes (an entry point kept for callers; the model lives in host_runtime/training/).

The 26-`EmbeddingBag` model that was here trained at 17 k rows/s at batch 512 on an H200. It is replaced by the
fused-table trainer: training/model.py (bottom MLP, interaction, top MLP), training/embedding.py (one fused
table, row-wise Adagrad from index operations) and training/trainer.py (the step, CUDA graphs).
"""
from __future__ import annotations

from host_runtime.training.config import DlrmConfig, table_rows
from host_runtime.training.embedding import FusedTable
from host_runtime.training.model import DenseDlrm, mlp

__all__ = ["DenseDlrm", "DlrmConfig", "FusedTable", "table_rows", "mlp"]
