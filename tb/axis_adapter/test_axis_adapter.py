"""cocotb testbench for rtl/common/axis_adapter.v (upsize and downsize)."""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge

from cosim.runner import rtl_sources, run_cocotb
from tb.common import (
    AxiStreamFrame,
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
        self.s_lanes = len(dut.s_axis_tkeep)
        self.m_lanes = len(dut.m_axis_tkeep)
        self.user_width = len(dut.s_axis_tuser)
        self.both_keep = bool(dut_param("S_KEEP_ENABLE") and dut_param("M_KEEP_ENABLE"))

    def model(self, frame: AxiStreamFrame) -> AxiStreamFrame:
        """Golden model for frames with contiguous tkeep: the same bytes, re-beated
        on the output width, last beat padded with tdata 0 / tkeep 0, tuser kept."""
        return uncompacted(frame, self.m_lanes)

    def gen(self, rng: random.Random, max_len: int, sparse: bool = False) -> AxiStreamFrame:
        # tuser is a frame-level flag here (constant per frame): the adapter merges
        # or splits beats, so per-beat values are defined only per output beat.
        return random_axis_frame(
            rng, rng.randint(1, max_len), self.s_lanes, self.user_width,
            sparse_keep=sparse, user_per_beat=False,
        )


@cocotb.test(timeout_time=2, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Random frame sizes (partial first/last beats on both sides), exact beats and tkeep."""
    tb = TB(dut)
    seed = 31 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    set_backpressure(
        tb.source,
        tb.sink,
        random_pause(0.3, seed + 1) if idle_inserts else None,
        random_pause(0.4, seed + 2) if backpressure else None,
    )
    await tb.reset()
    sb = FrameScoreboard("axis_adapter", check_keep=True)
    max_len = 4 * max(tb.s_lanes, tb.m_lanes)
    for _ in range(40):
        frame = tb.gen(rng, max_len)
        sb.expect(tb.model(frame))
        tb.source.send_nowait(frame)
    await sb.drain(tb.sink)
    sb.finish()
    assert tb.sink.empty()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_sparse_keep(dut: SimHandleBase) -> None:
    """Null bytes inside frames (tkeep holes): kept bytes arrive in order."""
    tb = TB(dut)
    if not tb.both_keep:
        return  # sparse tkeep needs tkeep on both sides (see axis_adapter.v)
    rng = random.Random(41)
    set_backpressure(tb.source, tb.sink, random_pause(0.2, 1), random_pause(0.3, 2))
    await tb.reset()
    sb = FrameScoreboard("axis_adapter.sparse", check_keep=False)
    for _ in range(40):
        frame = tb.gen(rng, 4 * max(tb.s_lanes, tb.m_lanes), sparse=True)
        exp = AxiStreamFrame(frame)
        exp.normalize()
        exp.compact()
        sb.expect(exp)
        tb.source.send_nowait(frame)
    await sb.drain(tb.sink)
    sb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: the narrow side moves one beat per cycle."""
    tb = TB(dut)
    await tb.reset()
    nbytes = 32 * max(tb.s_lanes, tb.m_lanes)
    frame = random_axis_frame(random.Random(6), nbytes, tb.s_lanes)
    narrow = "s_axis" if tb.s_lanes < tb.m_lanes else "m_axis"
    valid, ready = getattr(dut, f"{narrow}_tvalid"), getattr(dut, f"{narrow}_tready")
    beats = nbytes // min(tb.s_lanes, tb.m_lanes)
    await tb.source.send(frame)
    seen = cycles = 0
    while seen < beats:
        await RisingEdge(tb.clk)
        if seen:
            cycles += 1
        if int(valid.value) and int(ready.value):
            seen += 1
    rx = await tb.sink.recv()
    assert bytes(rx.tdata) == bytes(frame.tdata)
    assert cycles == beats - 1, f"{beats} narrow beats took {cycles + 1} cycles"


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_stress_test(dut: SimHandleBase) -> None:
    """Heavy back-pressure, many tiny frames (1..2 wide beats)."""
    tb = TB(dut)
    rng = random.Random(88)
    set_backpressure(tb.source, tb.sink, random_pause(0.5, 3), random_pause(0.6, 4))
    await tb.reset()
    sb = FrameScoreboard("axis_adapter.stress", check_keep=True)
    for _ in range(150):
        frame = tb.gen(rng, 2 * max(tb.s_lanes, tb.m_lanes))
        sb.expect(tb.model(frame))
        tb.source.send_nowait(frame)
    await sb.drain(tb.sink)
    sb.finish()


# ---------------------------------------------------------------------------
# pytest entry: one Verilator build per parameter set
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s_width", "m_width"),
    [(8, 64), (64, 8), (32, 128), (64, 16)],
    ids=["up8to64", "down64to8", "up32to128", "down64to16"],
)
def test_axis_adapter(s_width: int, m_width: int) -> None:
    run_cocotb(
        toplevel="axis_adapter",
        sources=rtl_sources("axis_adapter"),
        parameters={
            "S_DATA_WIDTH": s_width,
            "S_KEEP_ENABLE": int(s_width > 8),
            "S_KEEP_WIDTH": s_width // 8,
            "M_DATA_WIDTH": m_width,
            "M_KEEP_ENABLE": int(m_width > 8),
            "M_KEEP_WIDTH": m_width // 8,
            "LAST_ENABLE": 1,
            "USER_ENABLE": 1,
            "USER_WIDTH": 2,
        },
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
