"""`sluice` command line: datagen, etl, train, bench, report, demo."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BACKENDS = ("golden", "sim")


def run_backend(spec, input_path: Path, backend: str, *, lanes: int = 2, lane_bytes: int = 32,
                dense_pes: int = 3, sparse_pes: int = 8, sim_threads: int = 1, quiet: bool = False):
    """Run the pipeline on a backend; returns (batches, report dict, TransformState or None)."""
    import dataclasses

    from host_runtime.etl import run_etl
    from models.pipeline import run_golden

    if backend == "golden":
        result = run_golden(spec, input_path)
        return result.batches, result.report(spec), result.state
    from host_runtime.report import sim_report
    from host_runtime.sim_device import SimDevice, TopParams

    params = dataclasses.replace(TopParams.for_spec(spec, lanes, lane_bytes), dense_pes=dense_pes,
                                 sparse_pes=sparse_pes)
    with SimDevice(spec, params=params, threads=sim_threads) as dev:
        run = run_etl(spec, Path(input_path), dev, on_batch=None if quiet else _progress(Path(input_path)))
        report = sim_report(spec, run.batches, run.stats_before_stream, run.device_stats, run.passes,
                            run.stream_seconds)
    if not quiet and sys.stderr.isatty():  # end the in-place progress line
        print(file=sys.stderr)
    return run.batches, report, run.state


SIM_THREADS_HELP = ("sim: threads of the Verilated model (a separate build; 2 gave 1.2-1.4x on the busy 2 x 32 "
                    "design with 2 free cores, docs/performance.md)")


def _add_sim_args(p: argparse.ArgumentParser) -> None:
    """The sim backend's build options, shared by `etl` and `train`."""
    p.add_argument("--lanes", type=int, default=2, choices=[1, 2, 4], help="sim: decode/transform lanes")
    p.add_argument("--lane-bytes", type=int, default=32, choices=[8, 16, 32], help="sim: bytes per lane beat")
    p.add_argument("--dense-pes", type=int, default=3, help="sim: dense processing elements per lane")
    p.add_argument("--sparse-pes", type=int, default=8, help="sim: sparse processing elements per lane")
    p.add_argument("--sim-threads", type=int, default=1, choices=[1, 2, 4], help=SIM_THREADS_HELP)


def _add_gpu_bench_args(b: argparse.ArgumentParser) -> None:
    """Options of `bench train` and `bench feed` (bench/train.py, bench/feed.py)."""
    g = b.add_argument_group("train / feed")
    g.add_argument("--device", default="cuda", help="train/feed: cuda (cpu runs the code path, slowly)")
    g.add_argument("--batch-sizes", default="16384,32768,65536", help="train/feed: batch sizes (feed: the last)")
    g.add_argument("--emb-dim", type=int, default=16, help="train/feed: embedding dimension")
    g.add_argument("--steps", type=int, default=100, help="train: timed steps per run")
    g.add_argument("--warmup", type=int, default=10, help="train: untimed steps first")
    g.add_argument("--variants", default="legacy,deterministic,eager,graph,graph-fp32,graph-segment,compile",
                   help="train: trainer variants to measure")
    g.add_argument("--hybrid", action="store_true", help="train: Hotline hybrid vs all-GPU and CPU-embedding")
    g.add_argument("--hot-capacity", default="4096", help="train --hybrid: hot rows per table (list)")
    g.add_argument("--gpu-budget-gib", type=float, default=4.0, help="train --hybrid: GPU memory for embeddings")
    g.add_argument("--train-rows", type=int, default=None, help="feed: rows to train under each feed")
    g.add_argument("--feeds", default="cpu,board,unbounded", help="feed: which feeds to run")
    g.add_argument("--board-report", type=Path, default=None,
                   help="feed: a cycle-accurate run's JSON (rows_per_cycle); default docs/measurements/bench_system.json")
    g.add_argument("--cpu-workers", type=int, default=None, help="feed: golden-pipeline processes (default: all cores)")
    g.add_argument("--out", type=Path, default=None, help="train/feed: also write the JSON report here")


PROGRESS_LOG_EVERY = 50  # batches between progress lines when stderr is not a terminal


def _progress(path: Path):
    """Progress on stderr: batches and rows out so far. On a terminal one line rewritten in place; into a log
    (not a TTY) a plain line every PROGRESS_LOG_EVERY batches, so the log stays readable."""
    state = {"batches": 0, "rows": 0}
    tty = sys.stderr.isatty()

    def on_batch(view) -> None:
        from models.pack import parse_batch

        state["batches"] += 1
        state["rows"] += int(parse_batch(view, verify_checksum=False).header["rows"])
        line = f"  sim: {state['batches']} batches, {state['rows']:,} rows"
        if tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif state["batches"] % PROGRESS_LOG_EVERY == 0:
            print(line, file=sys.stderr, flush=True)

    return on_batch


def _cmd_etl(args: argparse.Namespace) -> int:
    from host_runtime.export import batches_to_npz
    from host_runtime.spec import SpecError, load_spec

    try:
        spec = load_spec(args.config)
    except SpecError as e:
        print(f"sluice etl: invalid pipeline spec: {e}", file=sys.stderr)
        return 2
    if args.batch_size:
        import dataclasses

        spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=args.batch_size))
    try:
        batches, report, _ = run_backend(spec, args.input, args.backend, lanes=args.lanes,
                                         lane_bytes=args.lane_bytes, dense_pes=args.dense_pes,
                                         sparse_pes=args.sparse_pes, sim_threads=args.sim_threads)
    except ValueError as e:  # a spec the RTL cannot run names its field
        print(f"sluice etl: {e}", file=sys.stderr)
        return 2
    arrays = batches_to_npz(batches, args.out)
    if args.batches_out:
        Path(args.batches_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.batches_out).write_bytes(b"".join(batches))
    report.update(input=str(args.input), output=str(args.out), rows_exported=int(arrays["labels"].shape[0]))
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
    print(format_report(report))
    return 0


def format_report(r: dict) -> str:
    """A short human-readable view of a run report."""
    lines = [f"pipeline {r['pipeline']} on backend {r['backend']}",
             f"  rows in {r['rows_in']:,}  out {r['rows_out']:,}  dropped {r['rows_dropped']:,}"
             f"  (empty lines {r['empty_lines']:,}, short rows {r['rows_short']:,})"]
    bad = {k: v for k, v in r["dropped_by_reason"].items() if v}
    if bad:
        lines.append("  dropped by reason: " + ", ".join(f"{k} {v:,}" for k, v in bad.items()))
    nul = {k: v for k, v in r.get("nulled_rows_by_reason", {}).items() if v}
    if nul:
        lines.append("  rows repaired (fields nulled) by reason: " + ", ".join(f"{k} {v:,}" for k, v in nul.items()))
    lines.append(f"  bytes in {r['bytes_in']:,}  batches {r['batches']}  bytes out {r['bytes_out']:,}")
    if r.get("popular_rows") is not None:
        lines.append(f"  popular rows {r['popular_rows']:,}")
    if r.get("vocab_overflow"):
        ov = sum(r["vocab_overflow"].values())
        lines.append(f"  vocabulary overflow occurrences {ov:,}")
    if r.get("cycles"):
        lines.append(f"  {r['cycles']:,} cycles, {r['rows_per_cycle']} rows/cycle, {r['bytes_per_cycle']} bytes/cycle;"
                     f" projected {r['projected_rows_per_second']:,} rows/s at {r['clock_hz'] / 1e6:.0f} MHz;"
                     f" simulated {r['simulated_cycles_per_second']:,} cycles/s")
    if r.get("rows_per_second"):
        lines.append(f"  {r['rows_per_second']:,} rows/s, {r['mb_per_second']} MB/s  stages {r['seconds']}")
    return "\n".join(lines)


def _open_device(spec, backend: str, args: argparse.Namespace):
    """A device of the backend with the CLI's sim build options (for the streaming producer)."""
    import dataclasses

    from host_runtime.device import GoldenDevice

    if backend == "golden":
        return GoldenDevice()
    from host_runtime.sim_device import SimDevice, TopParams

    params = dataclasses.replace(TopParams.for_spec(spec, args.lanes, args.lane_bytes), dense_pes=args.dense_pes,
                                 sparse_pes=args.sparse_pes)
    return SimDevice(spec, params=params, threads=args.sim_threads)


def _cmd_train(args: argparse.Namespace) -> int:
    import dataclasses

    from host_runtime.spec import SpecError, load_spec
    from host_runtime.training.cuda_check import NoCuda, require_cuda

    if args.nproc and args.nproc > 1:
        from host_runtime.training.dist import launch

        return launch(args.nproc, sys.argv[1:] if args.argv is None else args.argv)
    try:
        require_cuda(args.device, "sluice train")
    except NoCuda as e:
        return int(e.code)
    try:
        spec = load_spec(args.config)
    except SpecError as e:
        print(f"sluice train: invalid pipeline spec: {e}", file=sys.stderr)
        return 2
    if not Path(args.input).is_file():
        print(f"sluice train: no such input file: {args.input}", file=sys.stderr)
        return 2
    if args.batch_size:
        spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=args.batch_size))
    from host_runtime.training.config import DlrmConfig, default_max_rows

    max_rows = default_max_rows(args.device) if args.max_rows == "auto" else \
        (None if args.max_rows == "none" else int(args.max_rows))
    cfg = DlrmConfig(emb_dim=args.emb_dim, max_rows=max_rows)
    from host_runtime.training.dist import world

    if world().size > 1:  # started by torchrun: this process is one rank
        from host_runtime.training.dist import train_rank

        summary = train_rank(spec, args, cfg)
    elif args.stream:
        from host_runtime.producer import BatchProducer, train_streaming

        with _open_device(spec, args.backend, args) as dev:
            p = BatchProducer(spec, args.input, dev, c2h_target=args.c2h_target, keep_batches=False)
            r = train_streaming(spec, p, args.steps, device=args.device, seed=args.seed, mode=args.mode, cfg=cfg)
        summary = {"pipeline": spec.name, "backend": args.backend, "device": args.device, "stream": True,
                   "c2h_target": args.c2h_target, **{k: v for k, v in r.items() if k != "losses"},
                   "losses": [round(x, 6) for x in r["losses"]]}
    else:
        from host_runtime.train import train

        batches, _, state = run_backend(spec, args.input, args.backend, lanes=args.lanes,
                                        lane_bytes=args.lane_bytes, dense_pes=args.dense_pes,
                                        sparse_pes=args.sparse_pes, sim_threads=args.sim_threads, quiet=True)
        hot_ids = None
        if state is not None and state.hotsets:
            hot_ids = [h.ids if h is not None else None for h in state.hotsets]
        res = train(spec, batches, args.steps, device=args.device, seed=args.seed, cfg=cfg, mode=args.mode,
                    hot_ids=hot_ids)
        summary = {"pipeline": spec.name, "backend": args.backend, "device": args.device, "mode": args.mode,
                   **res.summary(), "losses": [round(x, 6) for x in res.losses]}
    if summary is None:  # a rank other than 0 reports nothing
        return 0
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "losses"}, indent=2))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    print(format_report(json.loads(Path(args.report).read_text())))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    """`sluice bench WHAT` runs bench/WHAT.py's main(args)."""
    import importlib

    try:
        mod = importlib.import_module(f"bench.{args.what}")
    except ModuleNotFoundError:
        print(f"sluice bench {args.what}: not available yet", file=sys.stderr)
        return 2
    return int(mod.main(args) or 0)


def _cmd_demo(args: argparse.Namespace) -> int:
    from host_runtime import demo

    return demo.main(args)


def build_parser() -> argparse.ArgumentParser:
    from host_runtime import datagen

    p = argparse.ArgumentParser(prog="sluice", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    datagen.register(sub)

    e = sub.add_parser("etl", help="run the ETL pipeline and export processed rows to .npz")
    e.add_argument("--backend", choices=BACKENDS, default="golden")
    e.add_argument("--config", required=True, help="pipeline YAML or preset name")
    e.add_argument("--input", required=True, type=Path)
    e.add_argument("--out", required=True, type=Path)
    e.add_argument("--report", type=Path, help="write the JSON run report here")
    e.add_argument("--batches-out", type=Path, help="also write the raw batch stream (concatenated buffers)")
    _add_sim_args(e)
    e.add_argument("--batch-size", type=int, help="override batch.size of the spec")
    e.set_defaults(func=_cmd_etl)

    b = sub.add_parser("bench", help="benchmarks")
    b.add_argument("what", choices=["cpu", "decode", "transform", "system", "sim", "train", "feed"])
    b.add_argument("--json", action="store_true", help="print JSON only")
    b.add_argument("--rows", type=int, default=None, help="rows to run (each bench has its own default)")
    b.add_argument("--config", default="criteo_dlrm")
    b.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    _add_gpu_bench_args(b)
    b.set_defaults(func=_cmd_bench)

    t = sub.add_parser("train", help="train a DLRM on the pipeline's batches")
    t.add_argument("--backend", choices=BACKENDS, default="golden")
    t.add_argument("--config", required=True, help="pipeline YAML or preset name")
    t.add_argument("--input", required=True, type=Path)
    t.add_argument("--steps", type=int, default=300)
    t.add_argument("--device", default="cpu", help="cpu or cuda")
    t.add_argument("--mode", default="auto", choices=["auto", "deterministic", "fast"],
                   help="deterministic: fp32, eager, bit-reproducible; fast: bf16 + CUDA graph; auto: "
                        "deterministic on cpu, fast on cuda")
    t.add_argument("--emb-dim", type=int, default=16, help="embedding dimension (dlrm's Kaggle setting: 16)")
    t.add_argument("--max-rows", default="auto",
                   help="per-table row cap (id %% rows): an int, none (the preset's sizes), or auto (none on "
                        "cuda, 2^17 on cpu)")
    t.add_argument("--stream", action="store_true",
                   help="train while the ETL runs (background producer, one pass over the input)")
    t.add_argument("--c2h-target", default="host", choices=["host", "gpu"],
                   help="--stream: allocate batch buffers as host memory or as GPU memory (the P2P window)")
    t.add_argument("--nproc", type=int, default=0, help="data-parallel ranks: runs torchrun (one ETL device each)")
    t.set_defaults(argv=None)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--batch-size", type=int, help="override batch.size of the spec")
    t.add_argument("--report", type=Path, help="write the JSON training report (with the loss curve) here")
    _add_sim_args(t)
    t.set_defaults(func=_cmd_train)

    r = sub.add_parser("report", help="print a JSON run report")
    r.add_argument("report", type=Path)
    r.set_defaults(func=_cmd_report)

    d = sub.add_parser("demo", help="data → pipeline → batches → training → report")
    d.add_argument("--rows", type=int, default=100_000)
    d.add_argument("--backend", choices=BACKENDS, default="sim")
    d.add_argument("--lanes", type=int, default=2, choices=[1, 2, 4])
    d.add_argument("--lane-bytes", type=int, default=32, choices=[8, 16, 32])
    d.add_argument("--sim-threads", type=int, default=1, choices=[1, 2, 4], help=SIM_THREADS_HELP)
    d.add_argument("--config", default="criteo_dlrm")
    d.add_argument("--out", type=Path, default=Path("out/demo"))
    d.add_argument("--steps", type=int, default=300, help="training steps")
    d.add_argument("--batch-size", type=int, default=512)
    d.set_defaults(func=_cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
