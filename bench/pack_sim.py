"""Verilator cost of pack_engine alone at the product parameters (docs/spec/pack_rtl.md "Simulation cost").

    .venv/bin/python -m bench.pack_sim [--rows N] [--json]

idle: the bare clk/eval loop after reset, inputs idle (us per cycle, wall clock and process CPU time: on a
loaded machine the CPU figure is the one to compare).
busy: the native harness (cosim/native) streaming Criteo-shaped TransformedRecords (criteo_dlrm,
datagen rows, B = 2048) through the engine with the output always ready; the batches are checked
byte-exact against models.pack.pack_batches after the run (outside the timed part); us per cycle.
"""
from __future__ import annotations

import argparse
import json
import time

PARAMS = {"MAX_ROWS": 2048, "MAX_DENSE": 16, "MAX_SPARSE": 40, "OUT_FIFO_DEPTH": 16}


def run(rows: int = 8192, idle_cycles: int = 200_000) -> dict:
    import numpy as np

    from cosim.native import NativeSim
    from cosim.runner import rtl_sources
    from host_runtime.csr_image.pack import pack_csr_image
    from tb.pack_engine.test_pack_engine import make_case

    case = make_case("criteo_dlrm", f"datagen:{rows}:21", size=2048)
    t0 = time.perf_counter()
    sim = NativeSim("pack_engine", rtl_sources("pack_engine"), PARAMS)
    build_s = time.perf_counter() - t0
    for name, value in pack_csr_image(case.spec, PARAMS).items():
        sim.set_port(f"cfg_{name}", value)
    sim.set_port("s_axis_tkeep", (1 << 128) - 1)
    sim.reset()
    t, c = time.perf_counter(), time.process_time()
    sim.bare(idle_cycles)
    idle_s, idle_cpu = time.perf_counter() - t, time.process_time() - c
    beats = [b for p in case.packets for b in p]
    data = b"".join(b.to_bytes(128, "little") for b in beats)
    ends = np.cumsum([128 * len(p) for p in case.packets])
    out_bytes = sum(len(g) for g in case.golden)
    src, snk = sim.source(), sim.sink(capacity=out_bytes + 4096)
    src.push(data, ends)
    t, c = time.perf_counter(), time.process_time()
    cycles = sim.run(20 * len(beats) + 100_000, "packets", packets=len(case.golden))
    busy_s, busy_cpu = time.perf_counter() - t, time.process_time() - c
    got = snk.packets()
    exact = got == case.golden
    sim.close()
    return {"top": "pack_engine", "parameters": PARAMS, "rows": case.rows.n_rows, "in_beats": len(beats),
            "out_beats": out_bytes // 64, "idle_cycles": idle_cycles,
            "idle_us_per_cycle": round(idle_s / idle_cycles * 1e6, 3),
            "idle_cpu_us_per_cycle": round(idle_cpu / idle_cycles * 1e6, 3),
            "busy_cycles": cycles, "busy_us_per_cycle": round(busy_s / cycles * 1e6, 3),
            "busy_cpu_us_per_cycle": round(busy_cpu / cycles * 1e6, 3),
            "bit_exact": exact, "build_or_load_s": round(build_s, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=8192)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res = run(a.rows)
    print(json.dumps(res, indent=1) if a.json else
          f"pack_engine idle {res['idle_us_per_cycle']} us/cycle (cpu {res['idle_cpu_us_per_cycle']}), "
          f"busy {res['busy_us_per_cycle']} us/cycle (cpu {res['busy_cpu_us_per_cycle']}) "
          f"({res['busy_cycles']} cycles, {res['rows']} rows), bit-exact {res['bit_exact']}")
    return 0 if res["bit_exact"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
