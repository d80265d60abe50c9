"""cocotb testbench for rtl/transform/dense_pe.v: the whole dense chain per feature,
bit-exact vs models.dense_ops.apply_dense with per-feature DenseOp config registers."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge

from cosim.runner import REPO_ROOT, rtl_sources, run_cocotb
from models.dense_ops import DTYPES, INT32_MAX, INT32_MIN, KINDS, DenseOp, apply_dense
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 23
EDGE = [0, 1, -1, INT32_MAX, INT32_MIN, INT32_MAX - 1, 1 << 24, (1 << 24) + 1, 65504, 65520, 100, -100]


def rand_i32(rng: random.Random) -> int:
    return rng.choice(EDGE) if rng.random() < 0.3 else rng.randint(INT32_MIN, INT32_MAX)


def random_ops(rng: random.Random, n_feat: int, tables: list[tuple[int, ...]]) -> list[tuple[DenseOp, int]]:
    out = []
    for f in range(n_feat):
        kind = KINDS[f % 3] if f < 9 else rng.choice(KINDS)
        dtype = DTYPES[(f // 3) % 3] if f < 9 else rng.choice(DTYPES)
        lo, hi = sorted((rand_i32(rng), rand_i32(rng)))
        if rng.random() < 0.4:
            lo, hi = INT32_MIN, INT32_MAX
        t = rng.randrange(len(tables))
        op = DenseOp(fill=rand_i32(rng), lo=lo, hi=hi, shift=rand_i32(rng) if rng.random() < 0.6 else 0,
                     kind=kind, dtype=dtype, boundaries=tables[t] if kind == "bucketize" else (),
                     bucket_as_float=kind == "bucketize" and rng.random() < 0.5)
        out.append((op, t))
    return out


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.n_feat = dut_param("NUM_FEATURES")
        self.n_tables = dut_param("NUM_TABLES")
        self.max_bounds = dut_param("MAX_BOUNDS")
        self.stream = OpStream(dut, self.clk, ["x", "null", "feature", "tag"], ["bits", "tag"], "dense_pe")
        for s in ("cfg_we", "cfg_feature", "cfg_addr", "cfg_data", "cfg_bk_we", "cfg_bk_len_we", "cfg_bk_table",
                  "cfg_bk_addr", "cfg_bk_data", "cfg_bk_len"):
            getattr(dut, s).value = 0

    async def program(self, ops: list[tuple[DenseOp, int]], tables: list[tuple[int, ...]]) -> None:
        d = self.dut
        await RisingEdge(self.clk)
        for t, b in enumerate(tables):
            d.cfg_bk_table.value = t
            for a, v in enumerate(b):
                d.cfg_bk_we.value, d.cfg_bk_addr.value, d.cfg_bk_data.value = 1, a, v & 0xFFFFFFFF
                await RisingEdge(self.clk)
            d.cfg_bk_we.value, d.cfg_bk_len_we.value, d.cfg_bk_len.value = 0, 1, len(b)
            await RisingEdge(self.clk)
            d.cfg_bk_len_we.value = 0
        for f, (op, t) in enumerate(ops):
            ctrl = (t << 8) | (int(op.bucket_as_float) << 5) | (DTYPES.index(op.dtype) << 2) | KINDS.index(op.kind)
            for a, v in enumerate((op.fill, op.lo, op.hi, op.shift, ctrl)):
                d.cfg_we.value, d.cfg_feature.value, d.cfg_addr.value, d.cfg_data.value = 1, f, a, v & 0xFFFFFFFF
                await RisingEdge(self.clk)
        d.cfg_we.value = 0
        await RisingEdge(self.clk)

    def stimulus(self, rng: random.Random, ops: list[tuple[DenseOp, int]], n: int):
        feats = [rng.randrange(len(ops)) for _ in range(n)]
        xs = []
        for f in feats:
            op = ops[f][0]
            pool = EDGE + [op.lo, op.hi, op.lo - 1, op.hi + 1, op.fill] + list(op.boundaries[:4])
            xs.append(min(max(rng.choice(pool) + rng.choice([0, 0, 1, -1]), INT32_MIN), INT32_MAX)
                      if rng.random() < 0.5 else rng.randint(INT32_MIN, INT32_MAX))
        nulls = [int(rng.random() < 0.1) for _ in range(n)]
        want = [0] * n
        for f in set(feats):
            idx = [i for i in range(n) if feats[i] == f]
            bits, _ = apply_dense(np.array([xs[i] for i in idx], dtype=np.int32),
                                  np.array([bool(nulls[i]) for i in idx]), ops[f][0])
            for i, b in zip(idx, bits):
                want[i] = int(b)
        stim = [{"x": x, "null": nl, "feature": f, "tag": rng.getrandbits(self.tag_w)}
                for x, nl, f in zip(xs, nulls, feats)]
        return stim, [{"bits": w, "tag": s["tag"]} for w, s in zip(want, stim)]

    def setup(self, rng: random.Random):
        tables = []
        for _ in range(self.n_tables):
            n = rng.randint(1, self.max_bounds)
            tables.append(tuple(sorted(rand_i32(rng) if rng.random() < 0.5 else rng.randint(-50, 50)
                                       for _ in range(n))))
        return random_ops(rng, self.n_feat, tables), tables


@cocotb.test(timeout_time=10, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Every kind x dtype (and bucket ids as int32 or float), random fills/clamps/shifts,
    interleaved features, values at clamp limits, boundaries and edges, random nulls."""
    tb = TB(dut)
    seed = 900 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    for _ in range(2):
        ops, tables = tb.setup(rng)
        await tb.program(ops, tables)
        stim, exp = tb.stimulus(rng, ops, 600)
        await tb.stream.run(stim, exp,
                            random_pause(0.3, seed + 1) if idle_inserts else None,
                            bursty_pause(0.2, 12, seed + 2) if backpressure else None)


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one result per cycle after the fixed latency."""
    tb = TB(dut)
    rng = random.Random(13)
    await tb.reset()
    ops, tables = tb.setup(rng)
    await tb.program(ops, tables)
    stim, exp = tb.stimulus(rng, ops, 300)
    cycles = await tb.stream.run(stim, exp)
    assert cycles == len(stim) + LATENCY, f"{len(stim)} operands took {cycles} cycles"


def _rom() -> Path:
    spec = importlib.util.spec_from_file_location("gen_log1p_rom", REPO_ROOT / "rtl/transform/gen_log1p_rom.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write(REPO_ROOT / "build" / "transform" / "log1p_fx_rom.mem")


@pytest.mark.parametrize("num_features,num_tables,max_bounds,tag_width", [(12, 3, 64, 8), (9, 1, 4, 1)])
def test_dense_pe(num_features: int, num_tables: int, max_bounds: int, tag_width: int) -> None:
    run_cocotb(
        toplevel="dense_pe",
        sources=rtl_sources("dense_pe", "dense_chain", "int_prefix", "bucketize", "log1p_fx", "int_to_f32", "f32_to_half",
                            "xform_delay", "axis_fifo"),
        parameters={"NUM_FEATURES": num_features, "NUM_TABLES": num_tables, "MAX_BOUNDS": max_bounds,
                    "TAG_WIDTH": tag_width, "ROM_FILE": f'"{_rom()}"'},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
