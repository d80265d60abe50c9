"""Batches → the `sluice etl` export (.npz), derived only from batch buffers.

Deriving the export from the packed batches (not from intermediate arrays)
means two backends that write equal .npz files produced equal batches.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from models.pack import batches_to_arrays, parse_batch


def batches_to_npz(batches: Iterable[bytes], out: str | Path) -> dict[str, np.ndarray]:
    """Write labels float32[N], dense float32[N, n_dense], sparse int64[N, n_sparse] (+ popular, batch_rows)."""
    arrays = batches_to_arrays([parse_batch(b) for b in batches])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **arrays)
    return arrays
