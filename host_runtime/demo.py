"""`make demo` / `sluice demo`: generated data → ETL pipeline → batches → training → report.

Today the pipeline runs on the golden backend; the RTL-in-Verilator backend joins
this same script when the native simulator lands, so `make demo` stays the one
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
    import dataclasses

    from host_runtime.spec import load_spec
    from host_runtime.train import train
    from models.pipeline import run_golden

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"criteo_like_{args.rows}.tsv"
    t0 = time.perf_counter()
    if not data.exists():
        write_tsv(data, args.rows, seed=2026, malformed_rate=0.001, truth_path=out / "malformed_truth.jsonl")
    t_gen = time.perf_counter() - t0
    print(f"[1/4] data: {data} ({data.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows incl. 0.1% malformed) "
          f"in {t_gen:.1f}s")
    spec = load_spec(args.config)
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=args.batch_size))
    print(f"[2/4] ETL: pipeline {spec.name}, backend golden (bit-exact reference)")
    result = run_golden(spec, data)
    npz = out / f"{spec.name}.npz"
    arrays = batches_to_npz(result.batches, npz)
    report = result.report(spec)
    report.update(input=str(data), output=str(npz), rows_exported=int(arrays["labels"].shape[0]))
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print("[3/4] ETL report:")
    print(format_report(report))
    print(f"  exported {arrays['labels'].shape[0]:,} rows: labels {arrays['labels'].shape}, dense "
          f"{arrays['dense'].shape}, sparse {arrays['sparse'].shape}; CTR {arrays['labels'].mean():.4f}")
    print(f"[4/4] training: DLRM on the {len(result.batches)} batches, {args.steps} steps on CPU")
    hot_ids = [h.ids if h is not None else None for h in result.state.hotsets] or None
    res = train(spec, result.batches, args.steps, hot_ids=hot_ids)
    summary = res.summary()
    report["training"] = {**summary, "losses": [round(x, 6) for x in res.losses]}
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"  {summary['steps']} steps, {summary['rows']:,} rows in {summary['seconds']}s; loss "
          f"{summary['first_loss']} → {summary['final_loss_mean']} (last 50 steps) vs "
          f"{summary['constant_predictor_loss']} for a constant predictor")
    png = plot_losses(res.losses, summary["constant_predictor_loss"], out / "loss.png")
    print(f"  files: {npz}, {out / 'report.json'}, {png}")
    return 0


def plot_losses(losses: list[float], baseline: float, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses, lw=0.8, alpha=0.5, label="per step")
    k = 20
    if len(losses) >= k:
        ax.plot(range(k - 1, len(losses)), np.convolve(losses, np.ones(k) / k, mode="valid"), label=f"mean of {k}")
    ax.axhline(baseline, color="k", ls="--", lw=0.8, label="constant predictor")
    top = max(1.0, float(np.percentile(losses, 99))) if losses else 1.0
    ax.set_ylim(0, top)
    off = sum(1 for x in losses if x > top)
    if off:
        ax.text(0.99, 0.02, f"{off} step(s) above {top:.2f} off-scale", transform=ax.transAxes, ha="right", fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("BCE loss")
    ax.set_title("DLRM on Sluice batches")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
