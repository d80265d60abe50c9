"""cocotb testbench for rtl/common/axis_register.v (REG_TYPE 0/1/2, 8- and 64-bit)."""

from __future__ import annotations

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
        self.keep_enable = dut_param("KEEP_ENABLE")

    def model(self, frame):  # the golden model of a register slice is the identity
        return uncompacted(frame, self.byte_lanes)


async def _run(dut: SimHandleBase, idle_inserts: bool, backpressure: bool, seed: int) -> None:
    tb = TB(dut)
    rng = random.Random(seed)
    set_backpressure(
        tb.source,
        tb.sink,
        random_pause(0.3, seed + 1) if idle_inserts else None,
        random_pause(0.3, seed + 2) if backpressure else None,
    )
    await tb.reset()

    sb = FrameScoreboard("axis_register", check_user=True, check_keep=True)
    for _ in range(40):
        frame = random_axis_frame(
            rng,
            rng.randint(1, tb.byte_lanes * 6),
            tb.byte_lanes,
            tb.user_width,
            sparse_keep=bool(tb.keep_enable),
        )
        sb.expect(tb.model(frame))
        await tb.source.send(frame)
    await sb.drain(tb.sink)
    sb.finish()
    assert tb.sink.empty()
    await tb.cycles(4)


@cocotb.test(timeout_time=2, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Random frames, partial last beats, sparse tkeep, per-beat tuser."""
    await _run(dut, idle_inserts, backpressure, seed=11 + 2 * idle_inserts + backpressure)


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """Without pauses every type moves one beat per cycle (no bubbles)."""
    tb = TB(dut)
    await tb.reset()
    beats = 64
    frame = random_axis_frame(random.Random(5), beats * tb.byte_lanes, tb.byte_lanes)
    await tb.source.send(frame)
    seen = 0
    cycles = 0
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
    """Heavy random back-pressure on both sides, many short frames."""
    tb = TB(dut)
    rng = random.Random(99)
    set_backpressure(tb.source, tb.sink, random_pause(0.5, 1), random_pause(0.6, 2))
    await tb.reset()
    sb = FrameScoreboard("axis_register.stress", check_keep=True)
    for _ in range(200):
        frame = random_axis_frame(rng, rng.randint(1, 2 * tb.byte_lanes), tb.byte_lanes, tb.user_width)
        sb.expect(tb.model(frame))
        tb.source.send_nowait(frame)
    await sb.drain(tb.sink)
    sb.finish()


# ---------------------------------------------------------------------------
# pytest entry: one Verilator build per parameter set
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("reg_type", [0, 1, 2])
@pytest.mark.parametrize("data_width", [8, 64])
def test_axis_register(data_width: int, reg_type: int) -> None:
    run_cocotb(
        toplevel="axis_register",
        sources=rtl_sources("axis_register"),
        parameters={
            "DATA_WIDTH": data_width,
            "KEEP_ENABLE": int(data_width > 8),
            "KEEP_WIDTH": (data_width + 7) // 8,
            "LAST_ENABLE": 1,
            "USER_ENABLE": 1,
            "USER_WIDTH": 3,
            "REG_TYPE": reg_type,
        },
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
