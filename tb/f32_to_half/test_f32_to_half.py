"""cocotb testbench for rtl/transform/f32_to_half.v: float32 / float16 / bfloat16 output dtype,
bit-exact vs models.dense_ops.f32_bits_to_f16_bits / f32_bits_to_bf16_bits.

NaN bits are compared exactly against the model too (the RTL implements the model's NaN rule)."""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models.dense_ops import f32_bits_to_bf16_bits, f32_bits_to_f16_bits
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 3
EDGE = [0x00000000, 0x80000000, 0x00000001, 0x007FFFFF, 0x00800000, 0x3F800000, 0xBF800000,
        0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x477FFFFF, 0x47800000, 0x7F7FFFFF, 0xFF7FFFFF,
        0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFFFFFFF, 0x7FBFFFFF,
        0x38800000, 0x387FFFFF, 0x33000000, 0x33000001, 0x32FFFFFF, 0x33800000, 0x337FFFFF,
        0x3F808000, 0x3F818000, 0x3F807FFF, 0x3F808001, 0x40490FDB, 0x3F7FFFFF, 0x7F7F8000]


def values(rng: random.Random, n: int) -> list[int]:
    us = list(EDGE)
    for e in range(98, 146):  # every exponent around the float16 range, RNE ties and near-ties
        for m in (0, 1, 0x1000, 0xFFF, 0x1FFF, 0x2000, 0x3000, 0x7FFFFF, 0x7FE000, 0x7FF000):
            us.append((e << 23) | m)
            us.append(0x80000000 | (e << 23) | m)
    for m in (0x8000, 0x7FFF, 0x18000, 0x10000, 0x17FFF):  # bfloat16 ties
        us += [0x3F800000 | m, 0x7F7F0000 | m]
    while len(us) < n:
        r = rng.random()
        if r < 0.5:
            u = rng.getrandbits(32)
        elif r < 0.85:
            u = (rng.getrandbits(1) << 31) | (rng.randint(98, 146) << 23) | rng.getrandbits(23)
        else:
            u = rng.getrandbits(32) & ~0xFFF | rng.choice([0, 0x1000, 0xFFF, 0x800])
        us.append(u & 0xFFFFFFFF)
    return us


def model(us: list[int], dtypes: list[int]) -> list[int]:
    a = np.array(us, dtype=np.uint32)
    h = f32_bits_to_f16_bits(a)
    b = f32_bits_to_bf16_bits(a)
    return [int(h[i]) if t == 1 else int(b[i]) if t == 2 else us[i] for i, t in enumerate(dtypes)]


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["f32", "dtype", "tag"], ["bits", "tag"], "f32_to_half")

    def ops(self, rng: random.Random, n: int):
        us = values(rng, n)
        us = [u for u in us for _ in (0, 1)]
        dts = [t for i in range(len(us) // 2) for t in (1 + i % 2, 2 - i % 2)]  # each value in both halves
        dts = [t if rng.random() > 0.1 else 0 for t in dts]
        ops = [{"f32": u, "dtype": t, "tag": rng.getrandbits(self.tag_w)} for u, t in zip(us, dts)]
        exp = [{"bits": b, "tag": o["tag"]} for b, o in zip(model(us, dts), ops)]
        return ops, exp


@cocotb.test(timeout_time=10, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Edge encodings (0, subnormal boundary, 65504/65520, inf, NaN, ties), every exponent 98..145,
    random words; each value converted to float16 and bfloat16, some passed as float32."""
    tb = TB(dut)
    seed = 600 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    ops, exp = tb.ops(rng, 1200)
    await tb.stream.run(ops, exp,
                        random_pause(0.3, seed + 1) if idle_inserts else None,
                        bursty_pause(0.2, 12, seed + 2) if backpressure else None)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one result per cycle after the fixed latency."""
    tb = TB(dut)
    await tb.reset()
    ops, exp = tb.ops(random.Random(10), 150)
    ops, exp = ops[-300:], exp[-300:]
    cycles = await tb.stream.run(ops, exp)
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("tag_width", [1, 8])
def test_f32_to_half(tag_width: int) -> None:
    run_cocotb(
        toplevel="f32_to_half",
        sources=rtl_sources("f32_to_half"),
        parameters={"TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
