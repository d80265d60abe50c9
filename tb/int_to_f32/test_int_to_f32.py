"""cocotb testbench for rtl/transform/int_to_f32.v.

SIGNED=1, IN_WIDTH=32, FRAC_BITS=0 (identity) vs models.dense_ops.int32_to_f32_bits (and numpy's cast);
SIGNED=0, IN_WIDTH=49, FRAC_BITS=44 (log1p's converter) vs models.log1p.q_to_f32_bits.
"""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models.dense_ops import int32_to_f32_bits
from models.log1p import q_to_f32_bits
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 5


def values(rng: random.Random, w: int, signed: bool, n: int) -> list[int]:
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    xs = {0, 1, 2, 3, lo, hi, lo + 1, hi - 1}
    for e in range(w):
        for d in (-3, -2, -1, 0, 1, 2, 3):
            xs.add((1 << e) + d)
            if e > 24:  # ties and near-ties at the rounding point
                half = 1 << (e - 24)
                xs.update({(1 << e) + half + d, (1 << e) + 3 * half + d, (1 << (e + 1)) - half + d})
    xs.update(-x for x in list(xs))
    while len(xs) < n:
        b = rng.randint(1, w)
        x = rng.getrandbits(b)
        if rng.random() < 0.3 and b > 25:  # force an exact tie
            x = (x >> (b - 25)) << (b - 25) | (1 << (b - 26))
        xs.add(-x if signed and rng.random() < 0.5 else x)
    out = sorted(x for x in xs if lo <= x <= hi)
    rng.shuffle(out)
    return out


def model(xs: list[int], signed: bool, frac: int) -> list[int]:
    a = np.array(xs, dtype=np.int64)
    if signed and frac == 0:
        bits = int32_to_f32_bits(a.astype(np.int32))
        assert np.array_equal(bits, a.astype(np.int32).astype(np.float32).view(np.uint32))
        return [int(b) for b in bits]
    assert not signed
    return [int(b) for b in q_to_f32_bits(a, frac)]


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.w = dut_param("IN_WIDTH")
        self.frac = dut_param("FRAC_BITS")
        self.signed = bool(dut_param("SIGNED"))
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["value", "tag"], ["f32", "tag"], "int_to_f32")

    def ops(self, rng: random.Random, n: int):
        xs = values(rng, self.w, self.signed, n)
        ops = [{"value": x, "tag": rng.getrandbits(self.tag_w)} for x in xs]
        exp = [{"f32": b, "tag": o["tag"]} for b, o in zip(model(xs, self.signed, self.frac), ops)]
        return ops, exp


@cocotb.test(timeout_time=5, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Powers of two +-3, rounding ties and near-ties, extremes, random values."""
    tb = TB(dut)
    seed = 400 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    ops, exp = tb.ops(rng, 1500)
    await tb.stream.run(ops, exp,
                        random_pause(0.3, seed + 1) if idle_inserts else None,
                        bursty_pause(0.2, 12, seed + 2) if backpressure else None)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one result per cycle after the fixed latency."""
    tb = TB(dut)
    await tb.reset()
    ops, exp = tb.ops(random.Random(8), 300)
    cycles = await tb.stream.run(ops, exp)
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("in_width,frac_bits,signed,tag_width", [(32, 0, 1, 1), (49, 44, 0, 6)])
def test_int_to_f32(in_width: int, frac_bits: int, signed: int, tag_width: int) -> None:
    run_cocotb(
        toplevel="int_to_f32",
        sources=rtl_sources("int_to_f32"),
        parameters={"IN_WIDTH": in_width, "FRAC_BITS": frac_bits, "SIGNED": signed, "TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
