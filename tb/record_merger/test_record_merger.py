"""cocotb testbench for rtl/decode/record_merger.v.

Golden behaviour (docs/spec/system_rtl.md, docs/spec/decode_rtl.md "Merger"), written
from the contract: packet p overall goes to lane p mod N (the splitter's round-robin);
the merger outputs the packets in order p = 0, 1, 2 ..., each beat unchanged except
bits [47:0] of the first beat, which become the packet's index within its stream;
stream s has count[s] packets (count words arrive on the side channel, zeros
included). tkeep / tuser pass through when enabled.

Random packets (1..5 beats, random data / keep / user), random stream sizes (0..9
packets), random idle cycles on every lane and on the count channel, random
back-pressure on the output. The count word of stream s is offered only after the
splitter would have written it (all of stream s's packets handed to lanes) and before
any packet of stream s+1 is offered — the ordering the splitter guarantees.
"""
from __future__ import annotations

import random
from pathlib import Path

import cocotb
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import FallingEdge, RisingEdge, Timer

from cosim.runner import rtl_sources, run_cocotb
from tb.common import TbBase, dut_param

ROW_MASK = (1 << 48) - 1


def make_streams(rng: random.Random, n_streams: int, dw: int, kw: int, uw: int
                 ) -> tuple[list[int], list[list[tuple[int, int, int]]]]:
    """Stream sizes and the packets (list of (data, keep, user) beats) in global order."""
    counts = [rng.choice([0, 1, 2, 3, 5, 9, rng.randint(0, 9)]) for _ in range(n_streams)]
    packets = []
    for c in counts:
        for _ in range(c):
            n = rng.randint(1, 5)
            packets.append([(rng.getrandbits(dw), rng.getrandbits(kw), rng.getrandbits(uw)) for _ in range(n)])
    return counts, packets


def expected(counts: list[int], packets: list[list[tuple[int, int, int]]]) -> list[list[tuple[int, int, int]]]:
    out, p = [], 0
    for c in counts:
        for i in range(c):
            beats = list(packets[p])
            d, k, u = beats[0]
            beats[0] = ((d & ~ROW_MASK) | i, k, u)
            out.append(beats)
            p += 1
    return out


async def run_case(dut: SimHandleBase, seed: int, idle_p: float, stall_p: float, n_streams: int) -> None:
    tb = TbBase(dut)
    n = dut_param("LANES")
    dw = dut_param("DATA_WIDTH")
    keep_en = dut_param("KEEP_ENABLE")
    user_en = dut_param("USER_ENABLE")
    kw = dw // 8
    uw = dut_param("USER_WIDTH")
    rng = random.Random(seed)
    counts, packets = make_streams(rng, n_streams, dw, kw, uw)
    exp = expected(counts, packets)
    stream_of = [s for s, c in enumerate(counts) for _ in range(c)]
    lane_q: list[list[tuple[int, int, int, int, int]]] = [[] for _ in range(n)]  # (data, keep, user, last, stream)
    for p, beats in enumerate(packets):
        for j, (d, k, u) in enumerate(beats):
            lane_q[p % n].append((d, k, u, int(j == len(beats) - 1), stream_of[p]))
    # a packet of stream s is offered only once the count words of the streams before s
    # were offered; the word of stream s only once the streams before it are through
    for name in ("s_axis_tvalid", "s_axis_cnt_tvalid", "m_axis_tready"):
        getattr(dut, name).value = 0
    dut.s_axis_tdata.value = 0
    dut.s_axis_tkeep.value = 0
    dut.s_axis_tlast.value = 0
    dut.s_axis_tuser.value = 0
    dut.s_axis_cnt_tdata.value = 0
    await tb.reset()
    cnt_next = 0            # next count word to offer
    offered_words = 0       # count words offered so far (valid seen at least once)
    handed = [0] * len(counts)  # packets of each stream fully accepted by the merger
    got: list[list[tuple[int, int, int]]] = []
    cur: list[tuple[int, int, int]] = []
    cycles = 0
    cnt_valid = False
    # drive at the falling edge, then read the (combinational) readies once settled: the
    # handshakes of the next rising edge are exactly what was read
    while len(got) < len(exp) or cnt_next < len(counts):
        await FallingEdge(tb.clk)
        cycles += 1
        assert cycles < 200000, "merger hang"
        data = keep = user = last = 0
        vmask = 0
        for lane in range(n):
            if lane_q[lane] and rng.random() >= idle_p:
                d, k, u, lst, s = lane_q[lane][0]
                if s <= offered_words:  # count words of the streams before s already offered
                    vmask |= 1 << lane
                    data |= d << (dw * lane)
                    keep |= k << (kw * lane)
                    user |= u << (uw * lane)
                    last |= lst << lane
        dut.s_axis_tdata.value = data
        dut.s_axis_tkeep.value = keep
        dut.s_axis_tuser.value = user
        dut.s_axis_tlast.value = last
        dut.s_axis_tvalid.value = vmask
        # AXI: an offered word stays valid until taken (the merger relies on it being visible)
        cnt_valid = cnt_valid or (cnt_next < len(counts) and all(handed[t] == counts[t] for t in range(cnt_next))
                                  and rng.random() >= idle_p)
        if cnt_valid:
            offered_words = max(offered_words, cnt_next + 1)
            dut.s_axis_cnt_tdata.value = counts[cnt_next]
        dut.s_axis_cnt_tvalid.value = int(cnt_valid)
        ready = rng.random() >= stall_p
        dut.m_axis_tready.value = int(ready)
        await Timer(1, "ns")
        rdy = int(dut.s_axis_tready.value)
        for lane in range(n):
            if (vmask >> lane) & 1 and (rdy >> lane) & 1:
                _, _, _, lst, s = lane_q[lane].pop(0)
                if lst:
                    handed[s] += 1
        if cnt_valid and int(dut.s_axis_cnt_tready.value):
            cnt_next += 1
            cnt_valid = False
        if ready and int(dut.m_axis_tvalid.value):
            d = int(dut.m_axis_tdata.value)
            k = int(dut.m_axis_tkeep.value) if keep_en else (1 << kw) - 1
            u = int(dut.m_axis_tuser.value) if user_en else 0
            cur.append((d, k, u))
            if int(dut.m_axis_tlast.value):
                got.append(cur)
                cur = []
    await FallingEdge(tb.clk)
    dut.s_axis_tvalid.value = 0
    dut.s_axis_cnt_tvalid.value = 0
    for _ in range(20):
        await RisingEdge(tb.clk)
        assert not int(dut.m_axis_tvalid.value), "extra output"
    mask_k = (1 << kw) - 1 if keep_en else None
    for i, (g, e) in enumerate(zip(got, exp)):
        e2 = [(d, k if mask_k is not None else (1 << kw) - 1, u if user_en else 0) for d, k, u in e]
        assert g == e2, f"packet {i}: got {[(hex(d & ROW_MASK), len(g))]} expected {[(hex(e2[0][0] & ROW_MASK), len(e2))]}"
    assert len(got) == len(exp)


@cocotb.test(timeout_time=50, timeout_unit="ms")
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_merge(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Random packets over random streams (empty streams too) in round-robin lanes."""
    await run_case(dut, 10 + 2 * idle + backpressure, 0.3 if idle else 0.0, 0.3 if backpressure else 0.0, 40)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one beat per cycle through the merger (checked by cycle count)."""
    tb = TbBase(dut)
    n = dut_param("LANES")
    dw = dut_param("DATA_WIDTH")
    await tb.reset()
    dut.s_axis_cnt_tvalid.value = 0
    dut.m_axis_tready.value = 1
    n_pk = 64
    out = 0
    cycles = 0
    first = None
    sent = [0] * n_pk
    nxt = list(range(n))  # next packet index per lane
    while out < 3 * n_pk:
        await FallingEdge(tb.clk)
        cycles += 1
        assert cycles < 10000, "merger hang"
        data = last = vmask = 0
        for lane in range(n):
            p = nxt[lane]
            if p < n_pk:
                vmask |= 1 << lane
                data |= p << (dw * lane)
                last |= int(sent[p] == 2) << lane
        dut.s_axis_tdata.value = data
        dut.s_axis_tlast.value = last
        dut.s_axis_tvalid.value = vmask
        await Timer(1, "ns")
        rdy = int(dut.s_axis_tready.value)
        for lane in range(n):
            if (vmask >> lane) & 1 and (rdy >> lane) & 1:
                p = nxt[lane]
                sent[p] += 1
                if sent[p] == 3:
                    nxt[lane] += n
        if int(dut.m_axis_tvalid.value):
            first = cycles if first is None else first
            out += 1
    assert cycles - first + 1 <= 3 * n_pk + 1, f"{3 * n_pk} beats took {cycles - first + 1} cycles"


@pytest.mark.parametrize("lanes,data_width,extras", [
    (1, 512, {}),
    (2, 512, {}),
    (4, 1024, {"KEEP_ENABLE": 1, "USER_ENABLE": 1, "USER_WIDTH": 3}),
])
def test_record_merger(lanes: int, data_width: int, extras: dict[str, int]) -> None:
    params = {"LANES": lanes, "DATA_WIDTH": data_width, "KEEP_ENABLE": 0, "USER_ENABLE": 0, "USER_WIDTH": 1}
    params.update(extras)
    run_cocotb(
        toplevel="record_merger",
        sources=rtl_sources("record_merger", "axis_register"),
        parameters=params,
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
