"""CSR values of the pack block (rtl/top/csr/pack.yaml) for a pipeline spec.

The packer's row store is sized at build time (PRODUCT_PARAMS); a spec whose batch or feature counts
exceed it cannot run on the RTL, so the image builder refuses it with the offending field named
rather than letting the hardware silently truncate.
"""
from __future__ import annotations

from models.pipeline_spec import PipelineSpec

PRODUCT_PARAMS: dict[str, int] = {"MAX_ROWS": 2048, "MAX_DENSE": 16, "MAX_SPARSE": 40}


def pack_csr_image(spec: PipelineSpec, params: dict[str, int] | None = None) -> dict[str, int]:
    """Register values by YAML name; ValueError naming the field when the spec does not fit the RTL."""
    p = {**PRODUCT_PARAMS, **(params or {})}
    b = spec.batch
    if not 1 <= b.size <= p["MAX_ROWS"]:
        raise ValueError(f"batch.size: {b.size} rows, the pack engine's row store holds 1..{p['MAX_ROWS']}")
    if len(spec.dense) > p["MAX_DENSE"]:
        raise ValueError(f"dense: {len(spec.dense)} features, the pack engine takes at most {p['MAX_DENSE']}")
    if len(spec.sparse) > p["MAX_SPARSE"]:
        raise ValueError(f"sparse: {len(spec.sparse)} features, the pack engine takes at most {p['MAX_SPARSE']}")
    if not 0 <= b.freshness_cycles < 2**32:
        raise ValueError(f"batch.freshness_cycles: {b.freshness_cycles} does not fit 32 bits")
    return {
        "batch_size": b.size,
        "drop_last": int(b.drop_last),
        "dense_dtype": int(b.dense_dtype),
        "sparse_dtype": int(b.sparse_dtype),
        "hot_split": int(spec.hot_split),
        "freshness_cycles": b.freshness_cycles,
        "n_dense": len(spec.dense),
        "n_sparse": len(spec.sparse),
    }
