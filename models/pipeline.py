"""Golden end-to-end pipeline: input file → decode → transform → packed batches.

This is the reference every other backend must reproduce byte for byte, and
(because every stage is vectorised numpy) the single-core CPU baseline.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from models.binary_rows import BinaryLayout, decode_binary, table_to_binary_rows
from models.decode_text import decode_text, decode_text_file
from models.pack import PackSettings, TransformedRows, pack_batches
from models.pipeline_spec import InputFormat, PipelineSpec
from models.schema import BadRowPolicy, DecodedRows
from models.transform import TransformState, transform


@dataclass
class GoldenResult:
    batches: list[bytes]
    decoded: DecodedRows
    transformed: TransformedRows
    state: TransformState
    seconds: dict[str, float] = field(default_factory=dict)

    def report(self, spec: PipelineSpec) -> dict:
        c = self.decoded.counters
        dropping = spec.text.policy == BadRowPolicy.DROP
        total = sum(self.seconds.values())
        return {
            "pipeline": spec.name,
            "backend": "golden",
            "rows_in": c.rows_in,
            "rows_out": c.rows_out,
            "rows_dropped": c.rows_dropped,
            "dropped_by_reason": dict(c.errors) if dropping else {k: 0 for k in c.errors},
            "nulled_rows_by_reason": {k: 0 for k in c.errors} if dropping else dict(c.errors),
            "empty_lines": c.empty_lines,
            "header_lines": c.header_lines,
            "rows_short": c.rows_short,
            "fields_nulled": c.fields_nulled,
            "bytes_in": c.bytes_in,
            "batches": len(self.batches),
            "bytes_out": int(sum(len(b) for b in self.batches)),
            "popular_rows": int(self.transformed.popular.sum()) if spec.hot_split else None,
            "vocab_overflow": {spec.sparse[i].name: t.overflow for i, t in self.state.vocabs.items()} or None,
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            "rows_per_second": round(c.rows_in / total) if total > 0 else None,
            "mb_per_second": round(c.bytes_in / total / 1e6, 2) if total > 0 else None,
        }


def decode_input(spec: PipelineSpec, path: str | Path, *, chunk_bytes: int = 64 << 20) -> DecodedRows:
    """Decode a text file, a raw binary-row file, or a Parquet file (converted to binary rows)."""
    path = Path(path)
    if spec.input_format == InputFormat.TEXT:
        return decode_text_file(path, spec.schema, spec.text, chunk_bytes=chunk_bytes)
    layout = BinaryLayout.from_schema(spec.schema, hex_width=spec.hex_width)
    if path.suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        data = table_to_binary_rows(pq.read_table(path), spec.schema, layout)
    else:
        data = path.read_bytes()
    return decode_binary(data, spec.schema, layout)


def run_decoded(spec: PipelineSpec, rows: DecodedRows, seconds: dict[str, float] | None = None) -> GoldenResult:
    seconds = dict(seconds or {})
    t0 = time.perf_counter()
    state = TransformState.prepare(spec, rows)
    t1 = time.perf_counter()
    out = transform(spec, rows, state)
    t2 = time.perf_counter()
    settings = PackSettings(spec.geometry(), spec.batch.drop_last, spec.hot_split)
    batches = list(pack_batches(out, settings))
    t3 = time.perf_counter()
    seconds.update(prepare=t1 - t0, transform=t2 - t1, pack=t3 - t2)
    return GoldenResult(batches, rows, out, state, seconds)


def run_golden(spec: PipelineSpec, path: str | Path) -> GoldenResult:
    t0 = time.perf_counter()
    rows = decode_input(spec, path)
    return run_decoded(spec, rows, {"decode": time.perf_counter() - t0})


def run_golden_bytes(spec: PipelineSpec, text: bytes) -> GoldenResult:
    """Run the pipeline on in-memory text (tests, benches)."""
    t0 = time.perf_counter()
    rows = decode_text(text, spec.schema, spec.text)
    return run_decoded(spec, rows, {"decode": time.perf_counter() - t0})

