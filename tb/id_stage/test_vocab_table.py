"""cocotb testbench for rtl/transform/vocab_table.v alone: key-at-a-time against models.vocab.VocabTable.

Requests every max(2, TABLES) cycles (the id stage's issue rule) or with random gaps; pass 1 over a
Zipf-ish key stream on a tiny table (overflow happens), then pass 2 over the same keys plus unseen ones;
ids, overflow and ids assigned are compared with the model; then a clear and a second round. With
TABLES = 2 (two tables sharing the hash unit) and 3 (a second hash unit with one table) every request
carries one key per table from independent streams, and the tables after table 0 are disabled on a random
10 % of requests (those keys skip their model).
"""
from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge

from cosim.runner import rtl_sources, run_cocotb
from models.vocab import VocabTable
from tb.common import TbBase, dut_param



async def stream(tb: TbBase, keys: list[list[int]], enables: list[int], count: bool, gap_p: float,
                 rng: random.Random) -> list[list[int]]:
    """Issue one request per key tuple (>= max(2, min(HASH_SHARE, TABLES)) cycles apart), collect the
    results in order (one id per table)."""
    d = tb.dut
    tables = len(keys[0]) if keys else 1
    gap = max(2, min(dut_param("HASH_SHARE"), tables))
    id_w = len(d.m_id) // tables
    out: list[list[int]] = []
    pending = 0
    i = 0
    last = -5
    cyc = 0
    while i < len(keys) or pending:
        issue = i < len(keys) and cyc - last >= gap and not (gap_p and rng.random() < gap_p)
        d.s_valid.value = int(issue)
        d.s_key.value = sum(k << (64 * j) for j, k in enumerate(keys[i])) if issue else 0
        d.s_count.value = int(count)
        d.s_enable.value = enables[i] if issue else (1 << tables) - 1
        await RisingEdge(tb.clk)
        if issue:
            i += 1
            pending += 1
            last = cyc
        if int(d.m_valid.value):
            m = int(d.m_id.value)
            out.append([(m >> (id_w * j)) & ((1 << id_w) - 1) for j in range(tables)])
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
    buckets, ways, tables = dut_param("BUCKETS"), dut_param("WAYS"), dut_param("TABLES")
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
        streams, models, keys2 = [], [], []
        for j in range(tables):
            pool = [rng.getrandbits(64) if rng.random() < 0.7 else rng.getrandbits(6) for _ in range(3 * buckets * ways)]
            streams.append([pool[min(int(rng.paretovariate(1.0)) - 1, len(pool) - 1)] for _ in range(600)])
        en1 = [1 if j == 0 or rng.random() >= 0.1 else 0 for _ in range(600) for j in range(tables)]
        en = [sum(en1[i * tables + j] << j for j in range(tables)) for i in range(600)]
        for j in range(tables):
            model = VocabTable(buckets, ways, threshold)
            model.count(np.array([k for i, k in enumerate(streams[j]) if en[i] >> j & 1], dtype=np.uint64))
            model.freeze()
            models.append(model)
        got1 = await stream(tb, [list(t) for t in zip(*streams)], en, True, 0.3 if gaps else 0.0, rng)
        assert got1 == [[0] * tables] * len(streams[0])
        for j, model in enumerate(models):
            ovf = (int(dut.status_overflow.value) >> (32 * j)) & 0xFFFFFFFF
            assert ovf == model.overflow, (j, ovf, model.overflow)
        for j in range(tables):
            k2 = streams[j] + [rng.getrandbits(64) for _ in range(50)]
            rng.shuffle(k2)
            keys2.append(k2)
        en2 = [(1 << tables) - 1 if rng.random() >= 0.1 else 1 for _ in range(650)] if tables > 1 else [1] * 650
        got2 = await stream(tb, [list(t) for t in zip(*keys2)], en2, False, 0.3 if gaps else 0.0, rng)
        for j, model in enumerate(models):
            sel = [i for i in range(650) if en2[i] >> j & 1]
            exp = model.map(np.array([keys2[j][i] for i in sel], dtype=np.uint64)).tolist()
            got = [got2[i][j] for i in sel]
            if got != exp:
                i = next(k for k, (a, b) in enumerate(zip(got, exp)) if a != b)
                raise AssertionError(f"round {rnd} table {j}: key #{i} {keys2[j][sel[i]]:#x}: id {got[i]}, model {exp[i]}")
            assert all(got2[i][j] == 0 for i in range(650) if not en2[i] >> j & 1), "disabled table gave an id"
            asg = (int(dut.status_assigned.value) >> (32 * j)) & 0xFFFFFFFF
            assert asg == model.n_assigned, (j, asg, model.n_assigned)
            assert model.overflow > 0, "table too large: no overflow exercised"


@pytest.mark.parametrize("tables", [1, 2, 3])
def test_vocab_table(tables: int) -> None:
    run_cocotb(
        toplevel="vocab_table",
        sources=rtl_sources("vocab_table", "xxh64_u64"),
        parameters={"BUCKETS": 8, "WAYS": 2, "COUNT_WIDTH": 8, "TABLES": tables, "HASH_SHARE": 2},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
