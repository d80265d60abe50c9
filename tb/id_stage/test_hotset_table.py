"""cocotb testbench for rtl/transform/hotset_table.v alone: lookups against models.hotset.HotSet.lookup.

Hot sets of every size class (empty, one id, random sizes, full), loaded through the table's write port in
the layout host_runtime.csr_image.idstage.hot_table_words gives (sorted ascending, each entry with its
slot); queries mix hot ids, their neighbours (id +- 1), random 64-bit values and the extremes 0 and
2^64 - 1, one per cycle or with random gaps; every (hit, slot) is compared with the model. Every table of
a build (TABLES searched in lockstep) gets its own hot set and queries. The build with
SYNC_LEVEL_ENTRIES=8 puts the levels of 8 entries and more in synchronous RAMs (the two-cycle levels that
the product's 4096-entry tables use from 128 entries on), the other build keeps every level in LUTRAM.
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
from host_runtime.csr_image.idstage import IdStageParams, hot_table_words
from models.hotset import HotSet
from tb.common import TbBase, dut_param


async def load(tb: TbBase, table: int, hs: HotSet, cap: int) -> None:
    d = tb.dut
    for a, w in sorted(hot_table_words(hs, 0, IdStageParams(hotset_capacity=cap)).items()):
        d.wr_en.value = 1
        d.wr_table.value = table
        d.wr_index.value = a >> 2
        d.wr_word.value = a & 3
        d.wr_data.value = w
        await RisingEdge(tb.clk)
    d.wr_en.value = 0
    await RisingEdge(tb.clk)


async def lookups(tb: TbBase, qs: list[list[int]], gap_p: float, rng: random.Random) -> list[list[tuple[int, int]]]:
    """One query per table per request (qs[i][t]); results per request, per table."""
    d = tb.dut
    tables, log = len(qs[0]), dut_param("CAPACITY").bit_length() - 1
    out: list[list[tuple[int, int]]] = []
    i = 0
    for _ in range(200 * len(qs) + 100):
        issue = i < len(qs) and not (gap_p and rng.random() < gap_p)
        d.s_valid.value = int(issue)
        d.s_q.value = sum(q << (64 * t) for t, q in enumerate(qs[i])) if issue else 0
        await RisingEdge(tb.clk)
        i += issue
        if int(d.m_valid.value):
            hit, slot = int(d.m_hit.value), int(d.m_slot.value)
            out.append([(hit >> t & 1, slot >> (log * t) & ((1 << log) - 1)) for t in range(tables)])
        if i == len(qs) and len(out) == len(qs):
            break
    d.s_valid.value = 0
    return out


@cocotb.test(timeout_time=100, timeout_unit="ms")
@cocotb.parametrize(gaps=[False, True])
async def run_test_lookup(dut: SimHandleBase, gaps: bool) -> None:
    tb = TbBase(dut)
    cap, tables = dut_param("CAPACITY"), dut_param("TABLES")
    rng = random.Random(100 + gaps)
    dut.s_valid.value = 0
    dut.wr_en.value = 0
    dut.cfg_count.value = 0
    await tb.reset()
    sizes = [0, 1, cap, cap] + [rng.randint(1, cap) for _ in range(6)]
    for rnd, n in enumerate(sizes):
        sets: list[list[int]] = []
        counts = 0
        for t in range(tables):
            nt = n if t == 0 else rng.choice([0, 1, cap, rng.randint(1, cap)])
            ids: list[int] = []
            while len(ids) < nt:
                v = rng.getrandbits(64) if rng.random() < 0.5 else rng.getrandbits(12)
                if v not in ids:
                    ids.append(v)
            sets.append(ids)
            await load(tb, t, HotSet(np.array(ids, dtype=np.uint64), cap), cap)
            counts |= nt << ((cap.bit_length()) * t)
        dut.cfg_count.value = counts
        qs: list[list[int]] = []
        for _ in range(300):
            row = []
            for ids in sets:
                r = rng.random()
                if ids and r < 0.45:
                    row.append(rng.choice(ids))
                elif ids and r < 0.7:
                    row.append((rng.choice(ids) + rng.choice((-1, 1))) % (1 << 64))
                elif r < 0.75:
                    row.append(rng.choice((0, (1 << 64) - 1)))
                else:
                    row.append(rng.getrandbits(64) if rng.random() < 0.5 else rng.getrandbits(12))
            qs.append(row)
        got = await lookups(tb, qs, 0.3 if gaps else 0.0, rng)
        assert len(got) == len(qs), f"{len(got)} results for {len(qs)} lookups"
        for t, ids in enumerate(sets):
            hs = HotSet(np.array(ids, dtype=np.uint64), cap)
            hot, slot = hs.lookup(np.array([q[t] for q in qs], dtype=np.uint64))
            for k, (h, sl) in enumerate(zip(hot, slot)):
                gh, gs = got[k][t]
                if gh != int(h) or (h and gs != int(sl)):
                    raise AssertionError(f"round {rnd} table {t} ({len(ids)} ids): query #{k} {qs[k][t]:#x}: "
                                         f"hit {gh} slot {gs}, model hit {int(h)} slot {int(sl)}")
        tb.log.info("round %d: sets of %s ids, %d lookups per table bit-exact", rnd, [len(x) for x in sets], len(qs))


@pytest.mark.parametrize("capacity,sync,tables", [(64, 8, 3), (2, 128, 1)])
def test_hotset_table(capacity: int, sync: int, tables: int) -> None:
    run_cocotb(
        toplevel="hotset_table",
        sources=rtl_sources("hotset_table"),
        parameters={"CAPACITY": capacity, "SYNC_LEVEL_ENTRIES": sync, "TABLES": tables},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
