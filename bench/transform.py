"""`sluice bench transform`: transform-lane throughput in cycles (Verilator + cocotb).

For each preset one transform lane (rtl/transform/transform_lane.v, default PEs: 3 dense, 8 sparse)
gets the golden DecodedRecords of Criteo-like rows (host_runtime.datagen, seed 7, 40 columns, 6
beats a row) at full rate with no back-pressure; the output is checked bit-exactly against
models.transform.transform_lanes on the way, so a figure is only reported for a bit-exact run.
This measures the lane alone: the in-order vocabulary / hot-set id stage after the merger is a
separate block and not part of these figures.

  fields_per_cycle  rows * (n_dense + n_sparse + 1 label) / cycles
  rows_per_cycle    rows / cycles, cycles = first input beat accepted .. last output beat
                    (includes the ~30-cycle pipeline fill once)
  beats_per_cycle   input beats / cycles from the first to the last input beat accepted
                    (target: 1.0, the rate of a decode lane at W = 32 is below that)

This file is also the cocotb test module of the run (`run_bench_transform` below).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import cocotb

MAX_ROWS = 4000
PRESETS = ("criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline")


@cocotb.test(timeout_time=4000, timeout_unit="ms")
async def run_bench_transform(dut) -> None:
    """Each preset without pauses: count cycles, check bit-exactness."""
    from tb.transform_lane.test_transform_lane import measure

    rows = int(os.environ["TRANSFORM_BENCH_ROWS"])
    out = []
    tb = None
    for p in PRESETS:
        r, tb = await measure(dut, p, rows, tb)
        r["fields_per_cycle"] = round(r["fields_per_cycle"], 4)
        r["rows_per_cycle"] = round(r["rows_per_cycle"], 5)
        r["beats_per_cycle"] = round(r["beats_per_cycle"], 4)
        r["meets_target"] = r["in_stall_cycles"] == 0
        out.append(r)
    Path(os.environ["TRANSFORM_BENCH_OUT"]).write_text(json.dumps(out))


def run(rows: int) -> list[dict]:
    rows = max(1, min(rows, MAX_ROWS))
    saved_stdout = os.dup(1)  # the simulator logs to stdout; keep stdout for the figures
    os.dup2(2, 1)
    try:
        from cosim.runner import rtl_sources, run_cocotb
        from tb.transform_lane.test_transform_lane import SOURCES, _rom

        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "transform.json"
            run_cocotb(
                toplevel="transform_lane",
                sources=rtl_sources(*SOURCES),
                parameters={"ROM_FILE": f'"{_rom()}"'},
                test_module="transform",
                test_dir=Path(__file__).resolve().parent,
                extra_env={"TRANSFORM_BENCH_ROWS": str(rows), "TRANSFORM_BENCH_OUT": str(out),
                           "COCOTB_TEST_FILTER": "run_bench_transform"},
            )
            return json.loads(out.read_text())
    finally:
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)


def markdown(results: list[dict]) -> str:
    lines = ["Transform lane alone (the id stage is separate), no back-pressure, bit-exact:", "",
             "| preset | rows | fields/cycle | rows/cycle | input beats/cycle | input stalls |",
             "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['preset']} | {r['rows']} | {r['fields_per_cycle']:.3f} | {r['rows_per_cycle']:.4f} | "
                     f"{r['beats_per_cycle']:.3f} | {r['in_stall_cycles']} |")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    results = run(getattr(args, "rows", None) or 1000)
    if getattr(args, "json", False):
        print(json.dumps(results, indent=2))
    else:
        print(markdown(results))
    return 0 if all(r["meets_target"] for r in results) else 1


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    raise SystemExit(main(ap.parse_args()))
