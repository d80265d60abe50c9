"""`make demo` / `sluice demo`: generated data → ETL through the RTL → batches → training → report.

The ETL runs on the `sim` backend by default: the Verilated etl_top with the cycle-level DMA model, driven by
the same host runtime a board would use (CSR image over AXI-Lite, descriptor rings). The golden model runs on
the same input too and the demo checks the batches are byte-identical before training on the sim's batches.
Outputs in --out: the data, the .npz export, report.json (ETL counters, cycles, per-stage stalls, link,
training) and demo.png (loss curve; per-stage throughput and stalls).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main(args: argparse.Namespace) -> int:
    import dataclasses

    from host_runtime.cli import format_report, run_backend
    from host_runtime.datagen import write_tsv
    from host_runtime.export import batches_to_npz
    from host_runtime.spec import load_spec
    from host_runtime.train import train
    from models.pipeline import run_golden

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"criteo_like_{args.rows}.tsv"
    t0 = time.perf_counter()
    if not data.exists():
        write_tsv(data, args.rows, seed=2026, malformed_rate=0.001, truth_path=out / "malformed_truth.jsonl")
    print(f"[1/5] data: {data} ({data.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows incl. 0.1% malformed) "
          f"in {time.perf_counter() - t0:.1f}s")
    spec = load_spec(args.config)
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=args.batch_size))
    backend = getattr(args, "backend", "sim")
    print(f"[2/5] ETL: pipeline {spec.name} on backend {backend}"
          + (f" (etl_top: {args.lanes} lane(s) x {args.lane_bytes} B, Verilator + DMA model; the first run "
             "builds the model)" if backend == "sim" else ""))
    t1 = time.perf_counter()
    batches, report, state = run_backend(spec, data, backend, lanes=args.lanes, lane_bytes=args.lane_bytes,
                                         sim_threads=getattr(args, "sim_threads", 1))
    report["seconds"] = {**report.get("seconds", {}), "etl_wall": round(time.perf_counter() - t1, 2)}
    npz = out / f"{spec.name}.npz"
    arrays = batches_to_npz(batches, npz)
    (out / "batches.bin").write_bytes(b"".join(batches))  # the raw batch stream (python -m host_runtime.replay)
    report.update(input=str(data), output=str(npz), rows_exported=int(arrays["labels"].shape[0]))
    print("[3/5] check: golden model on the same input")
    golden = run_golden(spec, data)
    same = golden.batches == batches
    report["bit_exact_vs_golden"] = same
    print(f"  {len(batches)} batches, byte-identical to the golden pipeline: {same}")
    if not same:
        (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        print("  MISMATCH: the RTL and the golden model disagree; see report.json")
        return 1
    print("[4/5] ETL report:")
    print(format_report(report))
    print(f"  exported {arrays['labels'].shape[0]:,} rows: labels {arrays['labels'].shape}, dense "
          f"{arrays['dense'].shape}, sparse {arrays['sparse'].shape}; CTR {arrays['labels'].mean():.4f}")
    print(f"[5/5] training: DLRM on the {len(batches)} batches, {args.steps} steps on CPU")
    hot_ids = [h.ids if h is not None else None for h in state.hotsets] if state and state.hotsets else None
    res = train(spec, batches, args.steps, hot_ids=hot_ids)
    summary = res.summary()
    report["training"] = {**summary, "losses": [round(x, 6) for x in res.losses]}
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"  {summary['steps']} steps, {summary['rows']:,} rows in {summary['seconds']}s; loss "
          f"{summary['first_loss']} → {summary['final_loss_mean']} (last 50 steps) vs "
          f"{summary['constant_predictor_loss']} for a constant predictor")
    png = plot_demo(res.losses, summary["constant_predictor_loss"], report.get("stages"), out / "demo.png")
    print(f"  files: {npz}, {out / 'report.json'}, {png}")
    return 0


def plot_demo(losses: list[float], baseline: float, stages: dict | None, path: Path) -> Path:
    """Loss curve, and (sim runs) each stage's share of cycles busy / stalled / starved."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = 2 if stages else 1
    fig, axes = plt.subplots(1, n, figsize=(6 * n, 3.6))
    axes = axes if n > 1 else [axes]
    plot_losses_on(axes[0], losses, baseline)
    if stages:
        ax = axes[1]
        names = list(stages)
        cycles = max(1, max(v["beats"] + v["stall_cycles"] + v["starve_cycles"] for v in stages.values()))
        busy = [stages[s]["beats"] for s in names]
        stall = [stages[s]["stall_cycles"] for s in names]
        starve = [stages[s]["starve_cycles"] for s in names]
        tot = [max(1, b + s + v) for b, s, v in zip(busy, stall, starve)]
        ax.barh(names, [b / t for b, t in zip(busy, tot)], label="transfer")
        ax.barh(names, [s / t for s, t in zip(stall, tot)], left=[b / t for b, t in zip(busy, tot)],
                label="stalled (back-pressure)")
        ax.barh(names, [v / t for v, t in zip(starve, tot)],
                left=[(b + s) / t for b, s, t in zip(busy, stall, tot)], label="starved")
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel(f"share of active cycles per stream (of up to {cycles:,})")
        ax.set_title("etl_top streams (perf CSR counters)")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_losses_on(ax, losses: list[float], baseline: float) -> None:
    import numpy as np

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
