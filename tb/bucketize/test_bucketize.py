"""cocotb testbench for rtl/transform/bucketize.v: bit-exact vs models.dense_ops.bucketize
(numpy.searchsorted side="right"), several tables programmed at run time and interleaved."""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge

from cosim.runner import rtl_sources, run_cocotb
from models.dense_ops import INT32_MAX, INT32_MIN, bucketize
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream



def latency(max_bounds: int) -> int:
    """Stage 1 + one probe stage per halving of the 2^ceil(log2 MAX_BOUNDS) slots (at least one)."""
    return 1 + max(1, (max_bounds - 1).bit_length())


def random_table(rng: random.Random, max_bounds: int) -> list[int]:
    n = rng.choice([1, max_bounds, rng.randint(1, max_bounds)])
    kind = rng.random()
    if kind < 0.3:  # small values with many duplicates
        b = [rng.randint(-5, 5) for _ in range(n)]
    elif kind < 0.5:  # extremes included
        b = [rng.choice([INT32_MIN, INT32_MAX, 0, rng.randint(INT32_MIN, INT32_MAX)]) for _ in range(n)]
    else:
        b = [rng.randint(INT32_MIN, INT32_MAX) for _ in range(n)]
    return sorted(b)


def xs_for(rng: random.Random, b: list[int], n: int) -> list[int]:
    xs = [INT32_MIN, INT32_MAX, 0, -1, 1]
    for v in b:
        xs += [v - 1, v, v + 1]
    while len(xs) < n:
        xs.append(rng.choice([rng.randint(INT32_MIN, INT32_MAX), rng.choice(b) + rng.randint(-2, 2)]))
    return [min(max(x, INT32_MIN), INT32_MAX) for x in xs]


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.n_tables = dut_param("NUM_TABLES")
        self.max_bounds = dut_param("MAX_BOUNDS")
        self.stream = OpStream(dut, self.clk, ["x", "table", "tag"], ["bucket", "tag"], "bucketize")
        for s in ("cfg_we", "cfg_len_we", "cfg_table", "cfg_addr", "cfg_data", "cfg_len"):
            getattr(dut, s).value = 0

    async def program(self, tables: list[list[int]]) -> None:
        """Write every table, with random junk in the unused slots first (must be ignored)."""
        d = self.dut
        rng = random.Random(len(tables))
        await RisingEdge(self.clk)
        for t, b in enumerate(tables):
            d.cfg_table.value = t
            for a in range(self.max_bounds):
                d.cfg_we.value = 1
                d.cfg_addr.value = a
                d.cfg_data.value = (b[a] if a < len(b) else rng.randint(INT32_MIN, INT32_MAX)) & 0xFFFFFFFF
                await RisingEdge(self.clk)
            d.cfg_we.value = 0
            d.cfg_len_we.value = 1
            d.cfg_len.value = len(b)
            await RisingEdge(self.clk)
            d.cfg_len_we.value = 0
        await RisingEdge(self.clk)

    def ops(self, rng: random.Random, tables: list[list[int]], per_table: int):
        ops = []
        for t, b in enumerate(tables):
            ops += [{"x": x, "table": t} for x in xs_for(rng, b, per_table)]
        rng.shuffle(ops)
        exp = []
        for o in ops:
            o["tag"] = rng.getrandbits(self.tag_w)
            r = int(bucketize(np.array([o["x"]], dtype=np.int32), tables[o["table"]])[0])
            exp.append({"bucket": r, "tag": o["tag"]})
        return ops, exp


@cocotb.test(timeout_time=10, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Three rounds of reprogrammed tables (duplicates, int32 extremes, lengths 1..MAX);
    x at every boundary +-1, extremes, random; tables interleaved per operand."""
    tb = TB(dut)
    seed = 700 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    for _ in range(3):
        tables = [random_table(rng, tb.max_bounds) for _ in range(tb.n_tables)]
        await tb.program(tables)
        ops, exp = tb.ops(rng, tables, max(3 * tb.max_bounds + 10, 400 // tb.n_tables))
        await tb.stream.run(ops, exp,
                            random_pause(0.3, seed + 1) if idle_inserts else None,
                            bursty_pause(0.2, 12, seed + 2) if backpressure else None)
        await tb.cycles(latency(tb.max_bounds) + 2)


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one result per cycle after the fixed latency."""
    tb = TB(dut)
    rng = random.Random(11)
    await tb.reset()
    tables = [random_table(rng, tb.max_bounds) for _ in range(tb.n_tables)]
    await tb.program(tables)
    ops, exp = tb.ops(rng, tables, 100)
    cycles = await tb.stream.run(ops, exp)
    assert cycles == len(ops) + latency(tb.max_bounds), f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("num_tables,max_bounds,tag_width", [(3, 64, 8), (1, 5, 1)])
def test_bucketize(num_tables: int, max_bounds: int, tag_width: int) -> None:
    run_cocotb(
        toplevel="bucketize",
        sources=rtl_sources("bucketize"),
        parameters={"NUM_TABLES": num_tables, "MAX_BOUNDS": max_bounds, "TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
