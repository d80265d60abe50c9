"""cocotb testbench for rtl/transform/int_prefix.v: fill_missing -> clamp -> saturating shift,
bit-exact vs models.dense_ops (fill_missing, clamp, shift)."""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models import dense_ops as d
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 2
MIN, MAX = d.INT32_MIN, d.INT32_MAX
EDGE = [0, 1, -1, 2, -2, MAX, MAX - 1, MIN, MIN + 1, 1000, -1000, 1 << 24, -(1 << 24)]


def operands(rng: random.Random, n: int, tag_w: int) -> list[dict[str, int]]:
    def val() -> int:
        return rng.choice(EDGE) if rng.random() < 0.4 else rng.randint(MIN, MAX)

    ops = []
    # all-edge cross product of x x shift with full-range clamp, and null with edge fills
    for x in EDGE:
        for c in EDGE:
            ops.append(dict(x=x, null=0, fill=0, lo=MIN, hi=MAX, shift=c))
            ops.append(dict(x=rng.randint(MIN, MAX), null=1, fill=x, lo=MIN, hi=MAX, shift=c))
    while len(ops) < n:
        lo, hi = sorted((val(), val()))
        if rng.random() < 0.2:
            lo = hi  # degenerate clamp
        x = rng.choice([val(), lo, hi, lo - 1, hi + 1, lo + 1, hi - 1])
        x = min(max(x, MIN), MAX)
        ops.append(dict(x=x, null=int(rng.random() < 0.2), fill=val(), lo=lo, hi=hi, shift=val()))
    for o in ops:
        o["tag"] = rng.getrandbits(tag_w)
    return ops


def model(ops: list[dict[str, int]]) -> list[dict[str, int]]:
    out = []
    for o in ops:
        v = np.array([o["x"] & 0xFFFFFFFF if not o["null"] else 0], dtype=np.uint32).view(np.int32)
        f = d.fill_missing(v, np.array([bool(o["null"])]), o["fill"])
        r = int(d.shift(d.clamp(f, o["lo"], o["hi"]), o["shift"])[0])
        out.append({"x": r & 0xFFFFFFFF, "tag": o["tag"]})
    return out


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["x", "null", "fill", "lo", "hi", "shift", "tag"], ["x", "tag"],
                               "int_prefix")


@cocotb.test(timeout_time=5, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Edge x/shift cross product, nulls with edge fills, random clamps with x at/around lo and hi."""
    tb = TB(dut)
    seed = 500 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    ops = operands(rng, 1500, tb.tag_w)
    await tb.stream.run(ops, model(ops),
                        random_pause(0.3, seed + 1) if idle_inserts else None,
                        bursty_pause(0.2, 12, seed + 2) if backpressure else None)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one result per cycle after the fixed latency."""
    tb = TB(dut)
    await tb.reset()
    ops = operands(random.Random(9), 300, tb.tag_w)[-300:]
    cycles = await tb.stream.run(ops, model(ops))
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("tag_width", [1, 8])
def test_int_prefix(tag_width: int) -> None:
    run_cocotb(
        toplevel="int_prefix",
        sources=rtl_sources("int_prefix"),
        parameters={"TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
