"""cocotb testbench for rtl/common/axis_fifo.v (8- and 64-bit, status outputs)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import cocotb
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge

from cosim.runner import rtl_sources, run_cocotb
from tb.common import (
    FrameScoreboard,
    TbBase,
    axis_sink,
    axis_source,
    bursty_pause,
    dut_param,
    random_axis_frame,
    random_pause,
    set_backpressure,
    uncompacted,
)


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.source = axis_source(dut, "s_axis", self.clk, self.rst)
        self.sink = axis_sink(dut, "m_axis", self.clk, self.rst)
        self.byte_lanes = len(dut.s_axis_tkeep)
        self.user_width = len(dut.s_axis_tuser)
        self.depth = dut_param("DEPTH")
        self.keep_enable = dut_param("KEEP_ENABLE")
        dut.status_hwm_clear.value = 0

    def model(self, frame):  # a FIFO's golden model is the identity, in order
        return uncompacted(frame, self.byte_lanes)


@cocotb.test(timeout_time=2, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Random frames, partial last beats, sparse tkeep, per-beat tuser."""
    tb = TB(dut)
    seed = 21 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    set_backpressure(
        tb.source,
        tb.sink,
        random_pause(0.3, seed + 1) if idle_inserts else None,
        bursty_pause(0.2, 2 * tb.depth, seed + 2) if backpressure else None,
    )
    await tb.reset()
    sb = FrameScoreboard("axis_fifo", check_keep=True)
    for _ in range(40):
        frame = random_axis_frame(
            rng, rng.randint(1, tb.byte_lanes * 24), tb.byte_lanes, tb.user_width,
            sparse_keep=bool(tb.keep_enable),
        )
        sb.expect(tb.model(frame))
        tb.source.send_nowait(frame)
    await sb.drain(tb.sink)
    sb.finish()
    await tb.cycles(4)
    assert int(dut.status_level.value) == 0


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_status(dut: SimHandleBase) -> None:
    """Fill to DEPTH with the sink stalled: tready drops, level and high-water = DEPTH."""
    tb = TB(dut)
    await tb.reset()
    assert int(dut.status_level.value) == 0 and int(dut.status_high_water.value) == 0
    set_backpressure(None, tb.sink, None, itertools.repeat(True))
    rng = random.Random(3)
    sb = FrameScoreboard("axis_fifo.status", check_keep=True)
    n = tb.depth + 5
    for _ in range(n):  # one beat per frame
        frame = random_axis_frame(rng, tb.byte_lanes, tb.byte_lanes, tb.user_width)
        sb.expect(tb.model(frame))
        tb.source.send_nowait(frame)
    await tb.cycles(tb.depth + 10)
    assert int(dut.s_axis_tready.value) == 0, "FIFO should be full"
    assert int(dut.status_level.value) == tb.depth
    assert int(dut.status_high_water.value) == tb.depth
    # drain completely; the high-water mark stays
    set_backpressure(None, tb.sink, None, None)
    await sb.drain(tb.sink)
    sb.finish()
    await tb.cycles(4)
    assert int(dut.status_level.value) == 0
    assert int(dut.status_high_water.value) == tb.depth
    # clear restarts the mark at the current level
    await RisingEdge(tb.clk)
    dut.status_hwm_clear.value = 1
    await RisingEdge(tb.clk)
    dut.status_hwm_clear.value = 0
    await RisingEdge(tb.clk)
    assert int(dut.status_high_water.value) == 0


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """Streaming without pauses: one beat per cycle after the 2-cycle latency."""
    tb = TB(dut)
    await tb.reset()
    beats = 3 * tb.depth
    frame = random_axis_frame(random.Random(4), beats * tb.byte_lanes, tb.byte_lanes)
    await tb.source.send(frame)
    seen = cycles = 0
    while seen < beats:
        await RisingEdge(tb.clk)
        if seen:
            cycles += 1
        if int(dut.m_axis_tvalid.value) and int(dut.m_axis_tready.value):
            seen += 1
    rx = await tb.sink.recv()
    assert bytes(rx.tdata) == bytes(frame.tdata)
    assert cycles == beats - 1, f"{beats} beats took {cycles + 1} cycles"


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_stress_test(dut: SimHandleBase) -> None:
    """Heavy random back-pressure both sides; mid-run reset-free; many short frames."""
    tb = TB(dut)
    rng = random.Random(77)
    set_backpressure(tb.source, tb.sink, random_pause(0.4, 5), bursty_pause(0.3, 3 * tb.depth, 6))
    await tb.reset()
    sb = FrameScoreboard("axis_fifo.stress", check_keep=True)
    for _ in range(150):
        frame = random_axis_frame(rng, rng.randint(1, 3 * tb.byte_lanes), tb.byte_lanes, tb.user_width)
        sb.expect(tb.model(frame))
        tb.source.send_nowait(frame)
    await sb.drain(tb.sink)
    sb.finish()
    assert int(dut.status_high_water.value) <= tb.depth


# ---------------------------------------------------------------------------
# pytest entry: one Verilator build per parameter set
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("data_width", [8, 64])
def test_axis_fifo(data_width: int) -> None:
    run_cocotb(
        toplevel="axis_fifo",
        sources=rtl_sources("axis_fifo"),
        parameters={
            "DEPTH": 16,
            "DATA_WIDTH": data_width,
            "KEEP_ENABLE": int(data_width > 8),
            "KEEP_WIDTH": (data_width + 7) // 8,
            "LAST_ENABLE": 1,
            "USER_ENABLE": 1,
            "USER_WIDTH": 2,
            "STATUS_ENABLE": 1,
        },
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
