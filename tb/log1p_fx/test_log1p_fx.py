"""cocotb testbench for rtl/transform/log1p_fx.v: bit-exact vs models.log1p.log1p_f32.

The ROM image is generated from the model's table at test time
(rtl/transform/gen_log1p_rom.py) and passed as ROM_FILE; a separate test checks
that the committed rtl/transform/log1p_fx_rom.mem (what synthesis reads) is current.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import REPO_ROOT, rtl_sources, run_cocotb
from models.log1p import SEG_BITS, log1p_f32
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 16
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def stratified(rng: random.Random, n_random: int) -> list[int]:
    """Powers of two +-64, segment starts +-2 of every exponent, int32 edges, negatives, random."""
    xs: set[int] = {0, 1, 2, 3, INT32_MAX, INT32_MAX - 1, -1, -2, INT32_MIN, INT32_MIN + 1}
    for e in range(32):
        p = 1 << e
        xs.update(p + d for d in range(-64, 65))
        for i in range(0, 1 << SEG_BITS, 17 if e > 12 else 64):  # y = 2^e (1 + i/256): segment starts
            if e >= SEG_BITS:
                y = p + (i << (e - SEG_BITS))
                xs.update(y - 1 + d for d in (-2, -1, 0, 1, 2))
    xs.update(rng.randint(1 << 16, INT32_MAX) for _ in range(n_random))
    xs.update(rng.getrandbits(rng.randint(1, 31)) for _ in range(n_random // 4))
    xs.update(rng.randint(INT32_MIN, -1) for _ in range(n_random // 8))
    out = sorted(x for x in xs if INT32_MIN <= x <= INT32_MAX)
    rng.shuffle(out)
    return out


def ops_and_model(xs: list[int], rng: random.Random, tag_w: int):
    ops = [{"x": x, "tag": rng.getrandbits(tag_w)} for x in xs]
    f = log1p_f32(np.array(xs, dtype=np.int64)).view(np.uint32)
    return ops, [{"f32": int(b), "tag": o["tag"]} for b, o in zip(f, ops)]


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["x", "tag"], ["f32", "tag"], "log1p_fx")


@cocotb.test(timeout_time=20, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Stratified x (powers of two +-64, segment starts, int32 edges, negatives, random)."""
    tb = TB(dut)
    seed = 300 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    xs = stratified(rng, 1000)
    if idle_inserts or backpressure:
        xs = xs[:2500]  # the full stratified set runs once, without pauses
    ops, exp = ops_and_model(xs, rng, tb.tag_w)
    tb.log.info("log1p_fx: %d operands", len(ops))
    await tb.stream.run(ops, exp,
                        random_pause(0.3, seed + 1) if idle_inserts else None,
                        bursty_pause(0.2, 12, seed + 2) if backpressure else None)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def run_test_exhaustive_16(dut: SimHandleBase) -> None:
    """Every x in [0, 2^16) in order, no pauses: bit-exact and one result per cycle."""
    tb = TB(dut)
    await tb.reset()
    lo, hi = (0, 1 << 16) if tb.tag_w > 1 else (0, 1 << 12)  # full range on one build only
    ops, exp = ops_and_model(list(range(lo, hi)), random.Random(7), tb.tag_w)
    cycles = await tb.stream.run(ops, exp)
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


def _gen_module():
    spec = importlib.util.spec_from_file_location("gen_log1p_rom", REPO_ROOT / "rtl/transform/gen_log1p_rom.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_log1p_rom_file_current() -> None:
    """The committed ROM image (read by synthesis) equals the model's table."""
    assert _gen_module().is_current(), "rtl/transform/log1p_fx_rom.mem is stale: run rtl/transform/gen_log1p_rom.py"


@pytest.mark.parametrize("tag_width", [1, 8])
def test_log1p_fx(tag_width: int) -> None:
    rom = _gen_module().write(REPO_ROOT / "build" / "transform" / "log1p_fx_rom.mem")
    run_cocotb(
        toplevel="log1p_fx",
        sources=rtl_sources("log1p_fx", "int_to_f32"),
        parameters={"TAG_WIDTH": tag_width, "ROM_FILE": f'"{rom}"'},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
