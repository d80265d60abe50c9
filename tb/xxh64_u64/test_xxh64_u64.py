"""cocotb testbench for rtl/transform/xxh64_u64.v: bit-exact vs models.hashing.xxh64_u64."""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models.hashing import xxh64_u64
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 16
EDGE64 = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32,
          (1 << 63) - 1, 1 << 63, (1 << 64) - 1, (1 << 64) - 2, 0x536C75696365566F]


def operands(rng: random.Random, n: int, tag_w: int) -> list[dict[str, int]]:
    ops = [{"key": k, "seed": s} for k in EDGE64 for s in EDGE64[::3]]
    while len(ops) < n:
        ops.append({"key": rng.getrandbits(64) if rng.random() < 0.7 else rng.getrandbits(rng.randint(1, 40)),
                    "seed": rng.choice([0, rng.getrandbits(64)])})
    for op in ops:
        op["tag"] = rng.getrandbits(tag_w)
    return ops


def model(ops: list[dict[str, int]]) -> list[dict[str, int]]:
    keys = np.array([o["key"] for o in ops], dtype=np.uint64)
    seeds = np.array([o["seed"] for o in ops], dtype=np.uint64)
    h = xxh64_u64(keys, seeds)
    return [{"hash": int(v), "tag": o["tag"]} for v, o in zip(h, ops)]


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["key", "seed", "tag"], ["hash", "tag"], "xxh64_u64")


@cocotb.test(timeout_time=5, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Edge keys x seeds plus random operands, random input gaps and output back-pressure."""
    tb = TB(dut)
    seed = 100 + 2 * idle_inserts + backpressure
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
    ops = operands(random.Random(5), 400, tb.tag_w)
    cycles = await tb.stream.run(ops, model(ops))
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("tag_width", [1, 8])
def test_xxh64_u64(tag_width: int) -> None:
    run_cocotb(
        toplevel="xxh64_u64",
        sources=rtl_sources("xxh64_u64"),
        parameters={"TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
