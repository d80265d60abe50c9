"""`sluice bench decode`: decode throughput in cycles (Verilator + cocotb).

Two tops, each row of the result says which in "top":

  decode_front   (N = 2, 4) the wide decoder with N record lanes, each lane's record stream
                 drained by its own sink with no back-pressure: the decode as etl_top uses it
                 (every lane feeds its own transform lane; the merge is after transform,
                 at 1024 bits). This is the decode figure.
  decode_engine  (N = 1, 2, 4) decode_front + record_merger: one merged 512-bit record
                 stream (the standalone engine); kept so the output cap stays visible.

for W = 8, 16, 32 bytes per lane (N*W input bytes per beat, all decoded by the one wide decoder), on Criteo-like TSV rows
(host_runtime.datagen, seed 1) with no idle cycles on the input and no back-pressure
on any output. The records (for decode_front: the lanes' packets put back in
round-robin order with global row numbers) and every counter are checked against the
golden model in the same run, so a figure is only reported for a bit-exact run.
Figures per configuration (cycles = from the first input beat offered to the last
record beat out):

  bytes_per_cycle        per lane: input bytes / cycles / N (target 0.95 * W, SPEC §10; i.e. the
                         decoder takes >= 0.95 of its N*W-byte beat per cycle)
  rows_per_cycle         total data rows / cycles
  output_beats_per_cycle record beats / cycles (all lanes together for decode_front);
                         the merged 512-bit output of decode_engine carries at most 1
                         beat per cycle = 1 / (1 + ceil(40 / 8)) = 1/6 Criteo rows per
                         cycle, which caps N*W >= 64 (docs/spec/decode_rtl.md)
  limited_by             "output" when decode_engine's output ran >= 0.95 beats/cycle,
                         else "lanes"

Cycle counts are exact and need only a few thousand rows for a steady-state rate: at
most 4000 rows are simulated whatever --rows says.

This file is also the cocotb test module of the runs (`run_bench_front`, `run_bench_decode` below).
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
LANES = (1, 2, 4)
FRONT_LANES = (2, 4)
FRONT_SOURCES = ("decode_front", "decode_scan", "decode_chunker", "decode_fields", "decode_assemble", "decode_emit",
                 "xxh64_str", "axis_register", "axis_fifo")


def _make_text(rows: int) -> bytes:
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bench.tsv"
        write_tsv(p, rows, 1)
        return p.read_bytes()


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def run_bench_decode(dut) -> None:
    """Stream the bench text through the engine without pauses; count cycles; check bit-exactness."""
    from cocotb.triggers import RisingEdge

    from models import records
    from models.decode_text import decode_text
    from models.schema import TextFormat
    from tb.common.decode import CRITEO_KINDS, TB, golden_counters, schema_of

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
    while len(tb.packets) < len(expected):
        await RisingEdge(tb.clk)
    cycles = round((cocotb.utils.get_sim_time("ns") - start) / tb.period_ns)
    assert tb.packets == expected, "bench run is not bit-exact"
    await tb.cycles(4)
    assert tb.counters() == golden_counters(rows.counters)
    beats = sum(len(p) for p in expected)
    _write_result("decode_engine", tb.lanes, tb.w // tb.lanes, rows.counters.rows_in, len(text), cycles, beats,
                  "output" if beats / cycles >= 0.95 else "lanes")


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def run_bench_front(dut) -> None:
    """decode_front: every lane drained by its own sink, no pauses; count cycles; check bit-exactness."""
    from cocotb.triggers import RisingEdge

    from models import records
    from models.decode_text import decode_text
    from models.schema import TextFormat
    from tb.common.decode import CRITEO_KINDS, TB, golden_counters, schema_of

    text = Path(os.environ["DECODE_BENCH_TEXT"]).read_bytes()
    tb = TB(dut)
    n, w = tb.lanes, tb.w // tb.lanes
    dut.m_axis_tready.value = (1 << n) - 1
    dut.m_axis_cnt_tready.value = 1
    await tb.reset()
    fmt = TextFormat()
    tb.configure(CRITEO_KINDS, fmt)
    rows = decode_text(text, schema_of(CRITEO_KINDS), fmt)
    expected = records.encode(rows, tb.k)
    tb.send(text)
    lane_pk: list[list[list[int]]] = [[] for _ in range(n)]
    cur: list[list[int]] = [[] for _ in range(n)]
    cnt_words: list[int] = []
    bits = 64 * tb.k
    mask = (1 << bits) - 1
    got = cycles = 0
    valid = False
    while got < len(expected):  # one beat in, one beat out of every lane per cycle
        if tb.queue:
            data, keep, last = tb.queue[0]
            dut.s_axis_tdata.value = data
            dut.s_axis_tkeep.value = keep
            dut.s_axis_tlast.value = last
        valid = bool(tb.queue)
        dut.s_axis_tvalid.value = int(valid)
        await RisingEdge(tb.clk)
        cycles += 1
        if cycles > 40 * len(text):
            raise AssertionError(f"decode_front bench: {got}/{len(expected)} records after {cycles} cycles")
        if valid and int(dut.s_axis_tready.value):
            tb.queue.popleft()
        tv = int(dut.m_axis_tvalid.value)
        if tv:
            td, tl = int(dut.m_axis_tdata.value), int(dut.m_axis_tlast.value)
            for lane in range(n):
                if (tv >> lane) & 1:
                    cur[lane].append((td >> (lane * bits)) & mask)
                    if (tl >> lane) & 1:
                        lane_pk[lane].append(cur[lane])
                        cur[lane] = []
                        got += 1
        if int(dut.m_axis_cnt_tvalid.value):
            cnt_words.append(int(dut.m_axis_cnt_tdata.value))
    dut.s_axis_tvalid.value = 0
    # data rows go to lanes round-robin from lane 0: record i is lane i % N's (i // N)-th packet
    # (the row number the merger writes is the one it already carries)
    merged = []
    for i in range(len(expected)):
        p = list(lane_pk[i % n][i // n])
        p[0] = (p[0] & ~((1 << 48) - 1)) | i
        merged.append(p)
    assert merged == expected, "decode_front bench run is not bit-exact"
    await tb.cycles(4)
    assert tb.counters() == golden_counters(rows.counters)
    assert cnt_words == [rows.counters.rows_in], f"side channel {cnt_words}"
    beats = sum(len(p) for p in expected)
    _write_result("decode_front", n, w, rows.counters.rows_in, len(text), cycles, beats, "lanes")


def _write_result(top: str, lanes: int, lane_bytes: int, rows: int, text_bytes: int, cycles: int, beats: int,
                  limited_by: str) -> None:
    """One configuration's figures, as the `sluice bench decode --json` list entry, to DECODE_BENCH_OUT."""
    bpc = text_bytes / cycles / lanes
    out = {
        "top": top,
        "lane_bytes": lane_bytes,
        "lanes": lanes,
        "bytes_per_cycle": round(bpc, 4),
        "rows_per_cycle": round(rows / cycles, 5),
        "rows": rows,
        "bytes": text_bytes,
        "cycles": cycles,
        "output_beats_per_cycle": round(beats / cycles, 4),
        "limited_by": limited_by,
        "target_bytes_per_cycle": 0.95 * lane_bytes,
        "meets_target": bpc >= 0.95 * lane_bytes,
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
    ENGINE_SOURCES = ("decode_engine", "record_merger", *FRONT_SOURCES)

    # (top, its sources, lane counts, cocotb test): every lane width of each
    configs = (("decode_front", FRONT_SOURCES, FRONT_LANES, "run_bench_front"),
               ("decode_engine", ENGINE_SOURCES, LANES, "run_bench_decode"))
    with tempfile.TemporaryDirectory() as d:
        text_path = Path(d) / "bench.tsv"
        text_path.write_bytes(_make_text(rows))
        for top, sources, lane_counts, test in configs:
            for w in WIDTHS:
                for n in lane_counts:
                    out = Path(d) / f"{top}_w{w}n{n}.json"
                    run_cocotb(
                        toplevel=top,
                        sources=rtl_sources(*sources),
                        parameters={"LANES": n, "LANE_BYTES": w, "IN_BYTES": n * w,
                                    "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT},
                        test_module="decode",
                        test_dir=Path(__file__).resolve().parent,
                        extra_env={"DECODE_BENCH_TEXT": str(text_path), "DECODE_BENCH_OUT": str(out),
                                   "COCOTB_TEST_FILTER": test},
                    )
                    results.append(json.loads(out.read_text()))


def markdown(results: list[dict]) -> str:
    lines = ["| top | W | lanes | rows | bytes/cycle/lane | target | rows/cycle | out beats/cycle | limited by |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['top']} | {r['lane_bytes']} | {r['lanes']} | {r['rows']} | {r['bytes_per_cycle']:.3f} | "
                     f"{r['target_bytes_per_cycle']:.2f} {'ok' if r['meets_target'] else 'missed'} | "
                     f"{r['rows_per_cycle']:.4f} | {r['output_beats_per_cycle']:.3f} | {r['limited_by']} |")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    results = run(getattr(args, "rows", 2000) or 2000)
    if getattr(args, "json", False):
        print(json.dumps(results, indent=2))
    else:
        print(markdown(results))
    # decode_front (the per-lane figure etl_top gets) must meet the target; a decode_engine
    # configuration capped by its single merged output (limited_by "output") is reported, not failed
    return 0 if all(r["meets_target"] or r["limited_by"] == "output" for r in results) else 1


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--json", action="store_true")
    raise SystemExit(main(ap.parse_args()))
