"""`sluice bench cpu`: the golden pipeline as a CPU baseline, one core and all cores.

Baselines measured in the same run on the same bytes:
  * pyarrow's multithreaded CSV reader (parse only, typed columns) — a fair, heavily
    optimised C++ parser, so the golden figures are put in context;
  * the same reader single-threaded.
Figures go to stdout (table or --json) and, with --write-docs, into the marked
block of docs/performance.md together with the command line.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
BEGIN, END = "<!-- bench:cpu:begin -->", "<!-- bench:cpu:end -->"


def make_text(rows: int, seed: int = 1) -> bytes:
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bench.tsv"
        write_tsv(p, rows, seed)
        return p.read_bytes()


def split_at_newlines(text: bytes, parts: int) -> list[bytes]:
    out, pos, step = [], 0, max(1, len(text) // parts)
    while pos < len(text):
        end = text.find(b"\n", min(len(text) - 1, pos + step))
        end = len(text) if end < 0 else end + 1
        out.append(text[pos:end])
        pos = end
    return out


def _golden_chunk(args: tuple[str, bytes]) -> int:
    from host_runtime.spec import load_spec
    from models.pipeline import run_golden_bytes

    spec = load_spec(args[0])
    res = run_golden_bytes(spec, args[1])
    return sum(len(b) for b in res.batches)


def _row(name: str, threads: int, rows: int, nbytes: int, seconds: float, **extra) -> dict:
    return {"name": name, "threads": threads, "rows": rows, "bytes": nbytes, "seconds": round(seconds, 4),
            "rows_per_second": round(rows / seconds), "mb_per_second": round(nbytes / seconds / 1e6, 2), **extra}


def bench_golden_single(config: str, text: bytes, rows: int) -> dict:
    from host_runtime.spec import load_spec
    from models.pipeline import run_golden_bytes

    spec = load_spec(config)
    run_golden_bytes(spec, text[: 1 << 20])  # warm imports and caches
    t0 = time.perf_counter()
    res = run_golden_bytes(spec, text)
    dt = time.perf_counter() - t0
    stages = {k: round(v, 4) for k, v in res.seconds.items()}
    return _row(f"golden {config}", 1, rows, len(text), dt, stages=stages)


def bench_golden_parallel(config: str, text: bytes, rows: int, workers: int) -> dict:
    if config in ("criteo_torchrec", "criteo_hotline"):
        # vocabulary / hot-set profiling need the whole input: not chunk-parallel
        return {"name": f"golden {config}", "threads": workers, "skipped": "needs a global pass"}
    chunks = split_at_newlines(text, workers * 4)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_golden_chunk, [(config, chunks[0][:100_000])] * workers))  # warm workers
        t0 = time.perf_counter()
        list(pool.map(_golden_chunk, [(config, c) for c in chunks]))
        dt = time.perf_counter() - t0
    return _row(f"golden {config}", workers, rows, len(text), dt)


def bench_pyarrow(text: bytes, rows: int, threads: bool) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = ["label"] + [f"I{i}" for i in range(1, 14)] + [f"C{i}" for i in range(1, 27)]
    types = {"label": pa.int32(), **{f"I{i}": pa.int32() for i in range(1, 14)},
             **{f"C{i}": pa.string() for i in range(1, 27)}}
    ro = pacsv.ReadOptions(column_names=names, use_threads=threads, block_size=16 << 20)
    po = pacsv.ParseOptions(delimiter="\t")
    co = pacsv.ConvertOptions(column_types=types)
    t0 = time.perf_counter()
    table = pacsv.read_csv(io.BytesIO(text), read_options=ro, parse_options=po, convert_options=co)
    dt = time.perf_counter() - t0
    assert table.num_rows == rows
    n = (os.cpu_count() or 1) if threads else 1
    return _row("pyarrow.csv parse only", n, rows, len(text), dt)


def run(config: str, rows: int) -> list[dict]:
    text = make_text(rows)
    workers = os.cpu_count() or 1
    results = [
        bench_golden_single(config, text, rows),
        bench_golden_parallel(config, text, rows, workers),
        bench_pyarrow(text, rows, threads=False),
        bench_pyarrow(text, rows, threads=True),
    ]
    base = next(r for r in results if r["name"].startswith("pyarrow") and r["threads"] > 1)
    for r in results:
        if "rows_per_second" in r:
            r["ratio_vs_pyarrow_mt"] = round(r["rows_per_second"] / base["rows_per_second"], 3)
    return results


def markdown(results: list[dict], cmd: str) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [f"Measured by `{cmd}` on {platform.machine()} with {os.cpu_count()} cores "
             f"({time.strftime('%Y-%m-%d')}; load average at the end {load}).", "",
             "| pipeline | threads | rows/s | MB/s | × pyarrow MT parse |", "|---|---:|---:|---:|---:|"]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['name']} | {r['threads']} | – | – | ({r['skipped']}) |")
        else:
            lines.append(f"| {r['name']} | {r['threads']} | {r['rows_per_second']:,} | {r['mb_per_second']} "
                         f"| {r['ratio_vs_pyarrow_mt']} |")
    st = results[0].get("stages")
    if st:
        lines += ["", "Single-core golden stage times (s): " + ", ".join(f"{k} {v}" for k, v in st.items())]
    return "\n".join(lines)


def write_docs(block: str) -> None:
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}")


DEFAULT_ROWS = 400_000


def main(args: argparse.Namespace) -> int:
    args.rows = args.rows or DEFAULT_ROWS
    results = run(args.config, args.rows)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(markdown(results, f"sluice bench cpu --rows {args.rows} --config {args.config}"))
    if args.write_docs:
        write_docs(markdown(results, f"sluice bench cpu --rows {args.rows} --config {args.config}"))
    return 0

