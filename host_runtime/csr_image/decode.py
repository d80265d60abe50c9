"""CSR values of the decode block (rtl/top/csr/decode.yaml) for a pipeline spec."""
from __future__ import annotations

from models.pipeline_spec import InputFormat, PipelineSpec

MAX_COLUMNS = 64


def decode_csr_image(spec: PipelineSpec) -> dict[str, int]:
    """Register values by YAML name; ValueError naming the field when the spec does not fit the RTL."""
    if spec.input_format != InputFormat.TEXT:
        raise ValueError("input.format: the RTL decodes delimited text only (binary rows run on the golden backend)")
    cols = spec.schema.columns
    if not 1 <= len(cols) <= MAX_COLUMNS:
        raise ValueError(f"columns: {len(cols)} columns, the decode engine takes 1..{MAX_COLUMNS}")
    kinds = 0
    for c, col in enumerate(cols):
        kinds |= int(col.kind) << (3 * c)
    t = spec.text
    return {"delimiter": t.delimiter, "header_lines": t.header_lines, "policy": int(t.policy),
            "max_field_bytes": t.max_field_bytes, "n_columns": len(cols), "kinds": kinds}
