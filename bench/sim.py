"""`sluice bench sim [--json]`: simulation speed of the native harness vs a bare loop vs cocotb.

Default (SIM_BENCH_TOP unset or etl_top): the full design — the sim backend's streaming pass (Verilated
etl_top, 2 lanes x 32 bytes, with the C++ DMA model stepped every cycle, driven by the host runtime) on
Criteo-like rows, checked byte-exact against the golden pipeline; bare = the library's clk/eval loop on the
same model object afterwards; cocotb = the same top and parameters under cocotb, clocked by a per-cycle
Python coroutine with idle streams (`run_bench_sim_cocotb_clock`); golden_rows_per_second = the single-thread
golden pipeline (models.pipeline.run_golden_bytes) on the same text in the same run. Targets (SPEC §10, on 2
cores): >= 300k cycles/s busy, bare >= 500k, harness <= 1.5 x bare, sim_rows_per_second >= 0.5 x golden.

SIM_BENCH_TOP=decode_engine: the decode engine alone (2 lanes x 32 bytes, as etl_top's) decodes Criteo-like rows
(host_runtime.datagen, seed 1):

  cycles_per_second         the native harness (cosim/native) streaming the text with no
                            pauses: source + sink agents in C++, record bytes checked against
                            the golden decoder after the run (outside the timed part)
  bare_cycles_per_second    the same model in the same process, clocked by the library's bare
                            `clk=0; eval; clk=1; eval` loop with the stream mid-flight
  cocotb_cycles_per_second  the same top under Verilator + cocotb with a minimal per-cycle
                            Python driver (one coroutine, one beat per cycle each way)
  bare_over_harness         bare / harness

SIM_BENCH_TOP=blocks: each etl_top block built alone, idle bare loop (where the per-cycle cost sits).

This file is also the cocotb test module of the cocotb measurement (`run_bench_sim_cocotb`).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import cocotb

HARNESS_ROWS = 20_000
COCOTB_CYCLES = 20_000


def _text(rows: int) -> bytes:
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bench.tsv"
        write_tsv(p, rows, 1)
        return p.read_bytes()


def _top() -> tuple[str, list[Path], dict[str, int]]:
    from cosim.runner import rtl_sources
    from models import records

    return "decode_engine", rtl_sources("decode_engine"), {
        "LANES": 2, "LANE_BYTES": 32, "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT}


def native(top: str, sources: list[Path], params: dict[str, int], rows: int) -> dict:
    """Harness and bare-loop rates on one model instance."""
    import numpy as np

    from cosim.native import NativeSim
    from cosim.native.decode_driver import configure, expected_stream
    from models.schema import TextFormat
    from tb.common.decode import CRITEO_KINDS

    text = _text(rows)
    fmt = TextFormat()
    t0 = time.perf_counter()
    sim = NativeSim(top, sources, params)
    build_s = time.perf_counter() - t0
    configure(sim, CRITEO_KINDS, fmt)
    sim.reset()
    src, snk = sim.source(), sim.sink(capacity=64 * 8 * rows)
    src.push(text, [len(text)])
    t = time.perf_counter()
    cycles = sim.run(200 * len(text), "drained", idle_cycles=32)
    harness_s = time.perf_counter() - t
    exp, exp_ends, _ = expected_stream(text, CRITEO_KINDS, fmt, sim.parameters["FIELDS_PER_BEAT"])
    exact = snk.data().tobytes() == exp and np.array_equal(snk.ends(), exp_ends)
    # bare loop: same model, the input stream presenting a beat (the design keeps working on it)
    src.push(text, [len(text)])
    sim.run(64)
    bare_n = max(cycles, 10_000)
    t = time.perf_counter()
    sim.bare(bare_n)
    bare_s = time.perf_counter() - t
    sim.close()
    return {
        "top": top, "parameters": sim.parameters, "rows": rows, "bytes": len(text), "cycles": cycles,
        "bit_exact": bool(exact), "cycles_per_second": round(cycles / harness_s),
        "bare_cycles": bare_n, "bare_cycles_per_second": round(bare_n / bare_s), "build_or_load_s": round(build_s, 2),
    }


@cocotb.test(timeout_time=10, timeout_unit="sec")
async def run_bench_sim_cocotb(dut) -> None:
    """A minimal per-cycle cocotb driver: text in, records out, no pauses; cycles per wall second."""
    from cocotb.clock import Clock
    from cocotb.triggers import RisingEdge


    text = Path(os.environ["SIM_BENCH_TEXT"]).read_bytes()
    n_cycles = int(os.environ["SIM_BENCH_CYCLES"])
    nb = len(dut.s_axis_tdata) // 8
    cocotb.start_soon(Clock(dut.clk, 4, unit="ns").start())
    dut.cfg_delimiter.value = 9
    dut.cfg_header_lines.value = 0
    dut.cfg_policy.value = 0
    dut.cfg_max_field_bytes.value = 255
    dut.cfg_n_columns.value = 40
    kinds = [0] + [1] * 13 + [2] * 26
    dut.cfg_kinds.value = sum(k << (3 * c) for c, k in enumerate(kinds))
    dut.s_axis_tvalid.value = 0
    dut.s_axis_tlast.value = 0
    dut.s_axis_tuser.value = 0
    dut.m_axis_tready.value = 1
    dut.rst.value = 1
    for _ in range(4):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    pos, beats = 0, 0
    t = time.perf_counter()
    for _ in range(n_cycles):
        if pos < len(text):
            chunk = text[pos:pos + nb]
            dut.s_axis_tdata.value = int.from_bytes(chunk.ljust(nb, b"\0"), "little")
            dut.s_axis_tkeep.value = (1 << len(chunk)) - 1
            dut.s_axis_tlast.value = int(pos + len(chunk) >= len(text))
            dut.s_axis_tvalid.value = 1
        else:
            dut.s_axis_tvalid.value = 0
        await RisingEdge(dut.clk)
        if pos < len(text) and int(dut.s_axis_tready.value):
            pos += nb
        if int(dut.m_axis_tvalid.value):
            beats += 1
    wall = time.perf_counter() - t
    Path(os.environ["SIM_BENCH_OUT"]).write_text(json.dumps(
        {"cycles": n_cycles, "wall_s": wall, "out_beats": beats, "in_bytes": min(pos, len(text))}))


@cocotb.test(timeout_time=60, timeout_unit="sec")
async def run_bench_sim_cocotb_clock(dut) -> None:
    """etl_top under a per-cycle cocotb driver: reset, then clock it with idle streams (the Python cost per
    cycle that any cocotb stream driver pays at least)."""
    from cocotb.clock import Clock
    from cocotb.triggers import RisingEdge

    n_cycles = int(os.environ["SIM_BENCH_CYCLES"])
    cocotb.start_soon(Clock(dut.clk, 4, unit="ns").start())
    for name in ("s_axis_tvalid", "s_axil_awvalid", "s_axil_wvalid", "s_axil_arvalid"):
        getattr(dut, name).value = 0
    dut.m_axis_tready.value = 1
    dut.s_axil_bready.value = 1
    dut.s_axil_rready.value = 1
    dut.rst.value = 1
    for _ in range(4):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    t = time.perf_counter()
    for _ in range(n_cycles):
        dut.s_axis_tvalid.value = 0
        await RisingEdge(dut.clk)
    wall = time.perf_counter() - t
    Path(os.environ["SIM_BENCH_OUT"]).write_text(json.dumps({"cycles": n_cycles, "wall_s": wall}))


def etl_top_native(rows: int, threads: int = 1) -> dict:
    """The full design: the sim backend's streaming pass (etl_top + DMA model + host runtime) on Criteo-like
    rows, then a bare Verilator loop on the same model object. ``threads`` > 1: a multi-threaded model
    (Verilator --threads; a separate build)."""
    from host_runtime.etl import run_etl
    from host_runtime.sim_device import SimDevice, TopParams
    from host_runtime.spec import load_spec
    from models.pipeline import run_golden_bytes

    spec = load_spec("criteo_dlrm")
    text = _text(rows)
    params = TopParams.for_spec(spec)
    with SimDevice(spec, params=params, threads=threads) as dev:
        run = run_etl(spec, text, dev)
        cycles = run.device_stats["cycles"] - run.stats_before_stream["cycles"]
        bare_n = max(20_000, cycles // 4)
        t = time.perf_counter()
        dev.sim.bare(bare_n)
        bare_s = time.perf_counter() - t
    # the single-thread golden pipeline on the same input, in the same run (the rate the simulated RTL is held to)
    t = time.perf_counter()
    golden = run_golden_bytes(spec, text)
    golden_s = time.perf_counter() - t
    exact = run.batches == golden.batches
    return {"top": "etl_top", "parameters": params.rtl(), "threads": threads, "rows": rows, "cycles": cycles,
            "bit_exact": exact,
            "cycles_per_second": round(cycles / run.stream_seconds),
            "sim_rows_per_second": round(rows / run.stream_seconds),
            "golden_rows_per_second": round(rows / golden_s),
            "bare_cycles": bare_n, "bare_cycles_per_second": round(bare_n / bare_s),
            "what": "cycles_per_second / sim_rows_per_second: etl_top + DMA model + host runtime streaming pass "
                    "(busy design); bare: clk/eval loop on the same model afterwards (idle inputs); "
                    "golden_rows_per_second: models.pipeline.run_golden_bytes on the same text, one thread"}


def cocotb_rate(top: str, sources: list[Path], params: dict[str, int], cycles: int) -> dict:
    from cosim.runner import run_cocotb

    with tempfile.TemporaryDirectory() as d:
        text = Path(d) / "t.tsv"
        text.write_bytes(_text(max(100, cycles // 4)))
        out = Path(d) / "out.json"
        saved = os.dup(1)
        os.dup2(2, 1)  # the simulator logs to stdout: keep stdout for the figures
        try:
            run_cocotb(toplevel=top, sources=sources, parameters=params, test_module="sim",
                       test_dir=Path(__file__).resolve().parent,
                       extra_env={"SIM_BENCH_TEXT": str(text), "SIM_BENCH_OUT": str(out),
                                  "SIM_BENCH_CYCLES": str(cycles),
                                  # a regex: end-anchored, one test name is a prefix of the other
                                  "COCOTB_TEST_FILTER": "run_bench_sim_cocotb_clock$" if top == "etl_top"
                                  else "run_bench_sim_cocotb$"})
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        r = json.loads(out.read_text())
    return {"cocotb_cycles": r["cycles"], "cocotb_cycles_per_second": round(r["cycles"] / r["wall_s"])}


def blocks(cycles: int = 100_000) -> dict:
    """Where the full design's per-cycle cost sits: each etl_top block built alone (criteo_dlrm 2 x 32
    parameters; the other parameters as etl_top instantiates the block), after reset, clocked by the bare loop
    with idle inputs. Standalone, the blocks' cfg_* are top-level inputs, which Verilator also evaluates in
    the input region: the figures are upper bounds of each block's share."""
    from cosim.native import NativeSim
    from cosim.runner import rtl_sources
    from host_runtime.sim_device import TopParams
    from host_runtime.spec import load_spec
    from models import records

    p = TopParams.for_spec(load_spec("criteo_dlrm"))
    k = records.FIELDS_PER_BEAT
    params = {
        "decode_front": {"LANES": p.lanes, "LANE_BYTES": p.lane_bytes, "IN_BYTES": p.lanes * p.lane_bytes,
                         "FIELDS_PER_BEAT": k},
        "transform_lane": {"DENSE_PES": p.dense_pes, "SPARSE_PES": p.sparse_pes, "MAX_DENSE": 32, "MAX_SPARSE": 64,
                           "BK_TABLES": 8, "MAX_BOUNDS": 64, "FIELDS_PER_BEAT": k, "ROM_FILE": p.rtl()["ROM_FILE"]},
        "id_stage": {"MAX_SPARSE": 64, "VOCAB_TABLES": p.vocab_tables, "VOCAB_BUCKETS": p.vocab_buckets,
                     "VOCAB_WAYS": p.vocab_ways, "HOTSET_TABLES": p.hotset_tables,
                     "HOTSET_CAPACITY": p.hotset_capacity},
        "pack_engine": {"MAX_ROWS": p.pack_max_rows, "MAX_DENSE": 16, "MAX_SPARSE": 40, "OUT_FIFO_DEPTH": 16},
    }
    out = {"what": "idle bare loop per etl_top block, built alone", "cycles": cycles, "instances": {
        "decode_front": 1, "transform_lane": p.lanes, "id_stage": 1, "pack_engine": 1}, "blocks": {}}
    for name, prm in params.items():
        sim = NativeSim(name, rtl_sources(name), prm)
        sim.reset()
        t = time.perf_counter()
        sim.bare(cycles)
        wall = time.perf_counter() - t
        out["blocks"][name] = {"parameters": prm, "bare_cycles_per_second": round(cycles / wall),
                               "us_per_cycle": round(wall / cycles * 1e6, 2)}
    out["sum_us_per_cycle"] = round(sum(out["instances"][n] * b["us_per_cycle"]
                                        for n, b in out["blocks"].items()), 2)
    return out


def run(rows: int) -> dict:
    if os.environ.get("SIM_BENCH_TOP") == "blocks":
        return blocks()
    if os.environ.get("SIM_BENCH_TOP", "etl_top") == "etl_top":
        from cosim.runner import rtl_sources

        res = etl_top_native(rows)
        # the same design as a 2-thread Verilator model (an option of the sim backend: --sim-threads 2)
        thr = etl_top_native(rows, threads=2)
        res["threads2_cycles_per_second"] = thr["cycles_per_second"]
        res["threads2_bare_cycles_per_second"] = thr["bare_cycles_per_second"]
        res["bit_exact"] = res["bit_exact"] and thr["bit_exact"]
        quoted = {k: (f'"{v}"' if isinstance(v, str) else v) for k, v in res["parameters"].items()}
        res.update(cocotb_rate("etl_top", rtl_sources("etl_top"), quoted, COCOTB_CYCLES))
        return _with_targets(res)
    top, sources, params = _top()
    res = native(top, sources, params, rows)
    res.update(cocotb_rate(top, sources, params, COCOTB_CYCLES))
    return _with_targets(res)


def _with_targets(res: dict) -> dict:
    """The ratios and SPEC §10's simulation-speed targets, from the rates measured in this run."""
    res["bare_over_harness"] = round(res["bare_cycles_per_second"] / res["cycles_per_second"], 3)
    res["cocotb_speedup"] = round(res["cycles_per_second"] / res["cocotb_cycles_per_second"], 1)
    targets = {"cycles_per_second >= 300k": res["cycles_per_second"] >= 300_000,
               "bare_cycles_per_second >= 500k": res["bare_cycles_per_second"] >= 500_000,
               "harness <= 1.5 x bare (bare_over_harness <= 1.5)": res["bare_over_harness"] <= 1.5}
    if "golden_rows_per_second" in res:
        res["sim_over_golden_rows"] = round(res["sim_rows_per_second"] / res["golden_rows_per_second"], 3)
        targets["sim_rows_per_second >= 0.5 x golden"] = res["sim_over_golden_rows"] >= 0.5
    res["targets"] = targets
    res["cores"] = os.cpu_count()
    res["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return res


def main(args: argparse.Namespace) -> int:
    res = run(getattr(args, "rows", None) or HARNESS_ROWS)
    if getattr(args, "json", False):
        print(json.dumps(res, indent=2))
    elif "blocks" in res:
        for name, b in res["blocks"].items():
            print(f"{name:16s} x{res['instances'][name]}  {b['bare_cycles_per_second']:>10,} cycles/s  "
                  f"{b['us_per_cycle']:6.2f} us/cycle")
        print(f"sum over etl_top's instances: {res['sum_us_per_cycle']} us/cycle")
        return 0
    else:
        print(f"top {res['top']} {res['parameters']}  ({res['rows']} rows, {res['cycles']} cycles, "
              f"bit-exact {res['bit_exact']})")
        if "note" in res:
            print(f"note: {res['note']}")
        print(f"cycles_per_second        {res['cycles_per_second']:>12,}")
        if "sim_rows_per_second" in res:
            print(f"sim_rows_per_second      {res['sim_rows_per_second']:>12,}   (golden, one thread: "
                  f"{res['golden_rows_per_second']:,}; ratio {res['sim_over_golden_rows']})")
        print(f"bare_cycles_per_second   {res['bare_cycles_per_second']:>12,}   (bare / harness "
              f"{res['bare_over_harness']})")
        print(f"cocotb_cycles_per_second {res['cocotb_cycles_per_second']:>12,}")
        if "threads2_cycles_per_second" in res:
            print(f"threads2_cycles_per_second {res['threads2_cycles_per_second']:>10,}   (2-thread model; bare "
                  f"{res['threads2_bare_cycles_per_second']:,})")
        print("targets: " + ", ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in res["targets"].items()))
    return 0 if res.get("bit_exact", True) else 1


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    raise SystemExit(main(ap.parse_args()))
