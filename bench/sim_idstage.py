"""Simulation cost of the id stage alone (`python -m bench.sim_idstage [--json] [--rows N] [--small]`).

Builds rtl/transform/id_stage.v with etl_top's parameters (the product tables, host_runtime.csr_image.idstage
PRODUCT_PARAMS; `--small`: the testbench build) in the native harness (cosim/native) and reports:

  idle_us_per_cycle   bare clk/eval loop after reset and the clear sweep, nothing streaming (wall clock;
                      *_cpu_us_per_cycle: the process's CPU time, steadier on a shared machine)
  busy_us_per_cycle   the harness streaming TransformedRecord beats of datagen rows through both passes
                      (PASS1 count, PASS2 map; criteo_torchrec: 26 vocabulary features; criteo_hotline: 26 hot
                      sets loaded through the table port), no pauses; the PASS2 output is checked bit for bit
                      against models.transform.TransformState.id_stage
  beats_per_cycle     input beats accepted per cycle while streaming (1.0 = the stage never stalls)
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from cosim.native import NativeSim
from cosim.runner import rtl_sources
from host_runtime.csr_image.idstage import MODE_PASS1, MODE_PASS2, PRODUCT_PARAMS, IdStageParams, idstage_csr_image
from host_runtime.spec import load_spec
from models import records
from models.decode_text import decode_text
from models.pipeline_spec import PipelineSpec, SparseFinal
from models.transform import TransformState, transform_lanes

SOURCES = ("id_stage", "vocab_table", "hotset_table", "xxh64_u64", "axis_register", "axis_fifo")
ARRAYS = {"key_lane": 8, "vocab_enable": 1, "hotset_count": 16, "hotset_enable": 1, "hotset_from_vocab": 1}
SMALL = IdStageParams(max_sparse=26, vocab_tables=26, vocab_buckets=16, vocab_ways=2, hotset_tables=26,
                      hotset_capacity=64)


def geometry(spec: PipelineSpec, p: IdStageParams) -> PipelineSpec:
    sparse = []
    for s in spec.sparse:
        if s.final == SparseFinal.VOCAB and s.vocab is not None:
            s = dataclasses.replace(s, vocab=dataclasses.replace(s.vocab, n_buckets=p.vocab_buckets, ways=p.vocab_ways))
        sparse.append(s)
    spec = dataclasses.replace(spec, sparse=tuple(sparse))
    if spec.hotset is not None:
        spec = dataclasses.replace(spec, hotset=dataclasses.replace(spec.hotset, capacity=min(
            spec.hotset.capacity, p.hotset_capacity)))
    return spec


def rows_of(spec: PipelineSpec, n: int):
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "r.tsv"
        write_tsv(f, n, seed=1)
        return decode_text(f.read_bytes(), spec.schema, spec.text)


def to_bytes(packets: list[list[int]]) -> tuple[bytes, list[int]]:
    out = bytearray()
    ends = []
    for p in packets:
        for beat in p:
            out += beat.to_bytes(128, "little")
        ends.append(len(out))
    return bytes(out), ends


def configure(sim: NativeSim, img: dict, p: IdStageParams) -> None:
    for name in ("hot_split", "threshold", "n_dense", "n_sparse"):
        sim.set_port(f"cfg_{name}", int(img[name]))
    for name, w in ARRAYS.items():
        word = 0
        for i, v in enumerate(img[name]):
            word |= int(v) << (w * i)
        sim.set_port(f"cfg_{name}", word)
    for t, n in enumerate(img["hotset_count"]):
        for i in range(n):
            for w in range(3):
                a = (t * p.hotset_capacity + i) * 4 + w
                sim.set_port("tbl_hot_we", 1)
                sim.set_port("tbl_hot_addr", a)
                sim.set_port("tbl_hot_wdata", img["hot"][a])
                sim.run(1)
    sim.set_port("tbl_hot_we", 0)
    for a, w in enumerate(img.get("patch", [])):
        sim.set_port("tbl_patch_we", 1)
        sim.set_port("tbl_patch_addr", a)
        sim.set_port("tbl_patch_wdata", w)
        sim.run(1)
    if "patch" in img:
        sim.set_port("tbl_patch_we", 0)
    sim.run(8)


def busy(sim: NativeSim, preset: str, p: IdStageParams, n_rows: int) -> dict:
    spec = geometry(load_spec(preset), p)
    rows = rows_of(spec, n_rows)
    state = TransformState.prepare(spec, rows)
    img = idstage_csr_image(spec, state, p)
    lanes = transform_lanes(spec, rows)
    dtype = int(spec.batch.dense_dtype)
    packets = records.encode_transformed(lanes, dtype, eos=True)
    expected = records.encode_transformed(state.id_stage(spec, lanes), dtype, eos=True)
    data, ends = to_bytes(packets)
    exp_bytes, _ = to_bytes(expected)
    sim.set_port("cmd_clear", 1)
    sim.run(1)
    sim.set_port("cmd_clear", 0)
    sim.run(1 << 20, "port", port="status_busy", value=0)
    configure(sim, img, p)
    src, snk = sim.source(), sim.sink(capacity=2 * len(data) + (1 << 16))
    res = {}
    for mode in (MODE_PASS1, MODE_PASS2):
        sim.set_port("cfg_mode", mode)
        sim.run(4)
        snk.clear()
        st0 = src.stats()["beats"]
        beats = len(data) // 128
        src.push(data, ends)
        t, c = time.perf_counter(), time.process_time()
        cycles = sim.run(40 * beats + 10000, "drained", idle_cycles=64)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        got = snk.data().tobytes()
        want = data if mode == MODE_PASS1 else exp_bytes
        res[f"pass{2 - mode}"] = {"cycles": cycles, "beats": src.stats()["beats"] - st0,
                                  "us_per_cycle": round(wall / cycles * 1e6, 3),
                                  "cpu_us_per_cycle": round(cpu / cycles * 1e6, 3),
                                  "beats_per_cycle": round(beats / (cycles - 64), 4), "bit_exact": got == want}
    return {"preset": preset, "rows": rows.n_rows, **res}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--idle-cycles", type=int, default=200_000)
    ap.add_argument("--small", action="store_true", help="the testbench build (26 tables of 16 x 2, hot 64)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--presets", default="criteo_torchrec,criteo_hotline")
    args = ap.parse_args()
    p = SMALL if args.small else PRODUCT_PARAMS
    t0 = time.perf_counter()
    sim = NativeSim("id_stage", rtl_sources(*SOURCES), p.rtl_parameters())
    build_s = time.perf_counter() - t0
    for name, port in sim.ports.items():  # every input low (unset inputs start random)
        if port.direction == "in" and name not in ("clk",):
            sim.set_port(name, 0)
    sim.reset()
    sweep = sim.run(1 << 22, "port", port="status_busy", value=0)
    t, c = time.perf_counter(), time.process_time()
    sim.bare(args.idle_cycles)
    idle = (time.perf_counter() - t) / args.idle_cycles * 1e6
    idle_cpu = (time.process_time() - c) / args.idle_cycles * 1e6
    out = {"parameters": p.rtl_parameters(), "build_or_load_s": round(build_s, 1), "clear_sweep_cycles": sweep,
           "idle_us_per_cycle": round(idle, 3), "idle_cpu_us_per_cycle": round(idle_cpu, 3), "busy": []}
    for preset in [x for x in args.presets.split(",") if x]:
        out["busy"].append(busy(sim, preset, p, args.rows))
    sim.close()
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"id_stage {p.rtl_parameters()}: idle {out['idle_us_per_cycle']} us/cycle "
              f"({out['idle_cpu_us_per_cycle']} CPU) "
              f"(clear sweep {sweep} cycles, build/load {out['build_or_load_s']} s)")
        for b in out["busy"]:
            for k in ("pass1", "pass2"):
                r = b[k]
                print(f"  {b['preset']:16s} {k}: {b['rows']} rows, {r['cycles']} cycles, {r['us_per_cycle']} us/cycle "
                      f"({r['cpu_us_per_cycle']} CPU), "
                      f"{r['beats_per_cycle']} beats/cycle, bit-exact {r['bit_exact']}")
    ok = all(b[k]["bit_exact"] for b in out["busy"] for k in ("pass1", "pass2"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
