"""cocotb testbench for rtl/transform/vocab_table.v alone: key-at-a-time against models.vocab.VocabTable.

Requests every 2 cycles (the id stage's issue rule) or with random gaps; pass 1 over a Zipf-ish key
stream on a tiny table (overflow happens), then pass 2 over the same keys plus unseen ones; ids,
overflow and ids assigned are compared with the model; then a clear and a second round.
"""
from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge

from cosim.runner import rtl_sources, run_cocotb
from models.vocab import VocabTable
from tb.common import TbBase, dut_param

LATENCY = 8


async def stream(tb: TbBase, keys: list[int], count: bool, gap_p: float, rng: random.Random) -> list[int]:
    """Issue one request per key (>= 2 cycles apart), collect the results in order."""
    d = tb.dut
    out: list[int] = []
    pending = 0
    i = 0
    last = -5
    cyc = 0
    while i < len(keys) or pending:
        issue = i < len(keys) and cyc - last >= 2 and not (gap_p and rng.random() < gap_p)
        d.s_valid.value = int(issue)
        d.s_key.value = keys[i] if issue else 0
        d.s_count.value = int(count)
        d.s_enable.value = 1
        await RisingEdge(tb.clk)
        if issue:
            i += 1
            pending += 1
            last = cyc
        if int(d.m_valid.value):
            out.append(int(d.m_id.value))
            pending -= 1
        cyc += 1
    d.s_valid.value = 0
    return out


async def wait_idle(tb: TbBase) -> None:
    for _ in range(10000):
        await RisingEdge(tb.clk)
        if not int(tb.dut.status_busy.value):
            return
    raise AssertionError("busy stuck")


@cocotb.test(timeout_time=50, timeout_unit="ms")
@cocotb.parametrize(threshold=[0, 1, 3], gaps=[False, True])
async def run_test_table(dut: SimHandleBase, threshold: int, gaps: bool) -> None:
    tb = TbBase(dut)
    rng = random.Random(7 * threshold + gaps)
    buckets, ways = dut_param("BUCKETS"), dut_param("WAYS")
    dut.s_valid.value = 0
    dut.cmd_clear.value = 0
    dut.cfg_threshold.value = threshold
    await tb.reset()
    await wait_idle(tb)
    for rnd in range(2):
        if rnd:
            dut.cmd_clear.value = 1
            await RisingEdge(tb.clk)
            dut.cmd_clear.value = 0
            await wait_idle(tb)
        pool = [rng.getrandbits(64) if rng.random() < 0.7 else rng.getrandbits(6) for _ in range(3 * buckets * ways)]
        keys = [pool[min(int(rng.paretovariate(1.0)) - 1, len(pool) - 1)] for _ in range(600)]
        model = VocabTable(buckets, ways, threshold)
        model.count(np.array(keys, dtype=np.uint64))
        model.freeze()
        got1 = await stream(tb, keys, True, 0.3 if gaps else 0.0, rng)
        assert got1 == [0] * len(keys)
        assert int(dut.status_overflow.value) == model.overflow, (int(dut.status_overflow.value), model.overflow)
        keys2 = keys + [rng.getrandbits(64) for _ in range(50)]
        rng.shuffle(keys2)
        exp = model.map(np.array(keys2, dtype=np.uint64)).tolist()
        got2 = await stream(tb, keys2, False, 0.3 if gaps else 0.0, rng)
        if got2 != exp:
            i = next(k for k, (a, b) in enumerate(zip(got2, exp)) if a != b)
            raise AssertionError(f"round {rnd}: key #{i} {keys2[i]:#x}: id {got2[i]}, model {exp[i]}")
        assert int(dut.status_assigned.value) == model.n_assigned
        assert model.overflow > 0, "table too large: no overflow exercised"


def test_vocab_table() -> None:
    run_cocotb(
        toplevel="vocab_table",
        sources=rtl_sources("vocab_table", "xxh64_u64"),
        parameters={"BUCKETS": 8, "WAYS": 2, "COUNT_WIDTH": 8},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
