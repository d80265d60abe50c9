"""`make demo` / `sluice demo`: generated data → ETL pipeline → batches → report.

Today the pipeline runs on the golden backend; the RTL-in-Verilator and training
steps join this same script as their issues land, so `make demo` stays the one
command that shows the whole system.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main(args: argparse.Namespace) -> int:
    from host_runtime.cli import format_report
    from host_runtime.datagen import write_tsv
    from host_runtime.export import batches_to_npz
    from host_runtime.spec import load_spec
    from models.pipeline import run_golden

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"criteo_like_{args.rows}.tsv"
    t0 = time.perf_counter()
    if not data.exists():
        write_tsv(data, args.rows, seed=2026, malformed_rate=0.001, truth_path=out / "malformed_truth.jsonl")
    t_gen = time.perf_counter() - t0
    print(f"[1/3] data: {data} ({data.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows incl. 0.1% malformed) "
          f"in {t_gen:.1f}s")
    spec = load_spec(args.config)
    print(f"[2/3] ETL: pipeline {spec.name}, backend golden (bit-exact reference)")
    result = run_golden(spec, data)
    npz = out / f"{spec.name}.npz"
    arrays = batches_to_npz(result.batches, npz)
    report = result.report(spec)
    report.update(input=str(data), output=str(npz), rows_exported=int(arrays["labels"].shape[0]))
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print("[3/3] report:")
    print(format_report(report))
    print(f"  exported {arrays['labels'].shape[0]:,} rows: labels {arrays['labels'].shape}, dense "
          f"{arrays['dense'].shape}, sparse {arrays['sparse'].shape}; CTR {arrays['labels'].mean():.4f}")
    print(f"  files: {npz}, {out / 'report.json'}")
    return 0
