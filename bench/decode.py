"""`sluice bench decode`: decode-lane throughput in cycles (Verilator + cocotb).

For each lane width W = 8, 16, 32 one decode lane (rtl/decode/decode_lane.v) decodes
Criteo-like TSV rows (host_runtime.datagen, seed 1) with no idle cycles and no
back-pressure; the record stream is checked against the golden model on the way, so a
figure is only reported for a bit-exact run. Figures per configuration:

  bytes_per_cycle  input bytes / cycles from the first input beat to the last one accepted
  rows_per_cycle   data rows / cycles from the first input beat to the last record beat
  target           0.95 * W (SPEC §10) and whether it is met

Only N = 1 lane exists so far (the row splitter/merger for N = 2, 4 is not implemented),
so only lanes = 1 is reported. Cycle counts are exact and need only a few thousand rows
for a steady-state rate: at most 4000 rows are simulated whatever --rows says.

This file is also the cocotb test module of the run (`run_bench_decode` below).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import cocotb

MAX_ROWS = 4000
WIDTHS = (8, 16, 32)


def _make_text(rows: int) -> bytes:
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bench.tsv"
        write_tsv(p, rows, 1)
        return p.read_bytes()


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def run_bench_decode(dut) -> None:
    """Stream the bench text through one lane without pauses; count cycles; check bit-exactness."""
    from cocotb.triggers import RisingEdge

    from models import records
    from models.decode_text import decode_text
    from models.schema import TextFormat
    from tb.decode_lane.test_decode_lane import CRITEO_KINDS, TB, golden_counters, schema_of

    text = Path(os.environ["DECODE_BENCH_TEXT"]).read_bytes()
    tb = TB(dut)
    await tb.reset()
    fmt = TextFormat()
    tb.configure(CRITEO_KINDS, fmt)
    rows = decode_text(text, schema_of(CRITEO_KINDS), fmt)
    expected = records.encode(rows, tb.k)
    cocotb.start_soon(tb.pump(0.0, 0.0, 1))
    start = cocotb.utils.get_sim_time("ns")
    await tb.transfer(text, 0, 40 * len(text))  # input side only
    in_cycles = tb.cycles_in
    while len(tb.packets) < len(expected):
        await RisingEdge(tb.clk)
    total_cycles = round((cocotb.utils.get_sim_time("ns") - start) / tb.period_ns)
    assert tb.packets == expected, "bench run is not bit-exact"
    assert tb.counters() == golden_counters(rows.counters)
    out = {
        "lane_bytes": tb.w,
        "lanes": 1,
        "rows": rows.counters.rows_in,
        "bytes": len(text),
        "input_cycles": in_cycles,
        "total_cycles": total_cycles,
        "bytes_per_cycle": round(len(text) / in_cycles, 4),
        "rows_per_cycle": round(rows.counters.rows_in / total_cycles, 5),
        "target_bytes_per_cycle": 0.95 * tb.w,
        "meets_target": len(text) / in_cycles >= 0.95 * tb.w,
    }
    Path(os.environ["DECODE_BENCH_OUT"]).write_text(json.dumps(out))


def run(rows: int) -> list[dict]:
    rows = max(1, min(rows, MAX_ROWS))
    results = []
    # the simulator logs to stdout: send it to stderr so that stdout carries only the figures
    saved_stdout = os.dup(1)
    os.dup2(2, 1)
    try:
        _run_widths(rows, results)
    finally:
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)
    return results


def _run_widths(rows: int, results: list[dict]) -> None:
    from cosim.runner import rtl_sources, run_cocotb
    from models import records

    with tempfile.TemporaryDirectory() as d:
        text_path = Path(d) / "bench.tsv"
        text_path.write_bytes(_make_text(rows))
        for w in WIDTHS:
            out = Path(d) / f"w{w}.json"
            run_cocotb(
                toplevel="decode_lane",
                sources=rtl_sources("decode_lane", "decode_row_emit", "axis_register"),
                parameters={"LANE_BYTES": w, "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT},
                test_module="decode",
                test_dir=Path(__file__).resolve().parent,
                extra_env={"DECODE_BENCH_TEXT": str(text_path), "DECODE_BENCH_OUT": str(out),
                           "COCOTB_TEST_FILTER": "run_bench_decode"},
            )
            results.append(json.loads(out.read_text()))


def markdown(results: list[dict]) -> str:
    lines = ["| W | lanes | rows | bytes/cycle | target | rows/cycle |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['lane_bytes']} | {r['lanes']} | {r['rows']} | {r['bytes_per_cycle']:.3f} | "
                     f"{r['target_bytes_per_cycle']:.2f} {'ok' if r['meets_target'] else 'MISSED'} | "
                     f"{r['rows_per_cycle']:.4f} |")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    results = run(getattr(args, "rows", 2000) or 2000)
    if getattr(args, "json", False):
        print(json.dumps(results, indent=2))
    else:
        print(markdown(results))
    return 0 if all(r["meets_target"] for r in results) else 1


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--json", action="store_true")
    raise SystemExit(main(ap.parse_args()))
