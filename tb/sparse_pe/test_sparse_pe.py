"""cocotb testbench for rtl/transform/sparse_pe.v: fill_missing -> [salted hash] -> [modulo],
bit-exact vs models.sparse_ops (fill_missing, salted_hash, modulo), per-operand feature config."""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models import sparse_ops as so
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 24
U64 = (1 << 64) - 1
EDGE_V = [0, 1, (1 << 31) - 1, 1 << 32, (1 << 63) - 1, 1 << 63, U64]
EDGE_M = [1, 2, 3, 1 << 16, (1 << 31) - 1, 4294967291, (1 << 32) - 1]


def features(rng: random.Random, n: int) -> list[dict[str, int]]:
    fs = []
    for i in range(n):
        m = rng.choice(EDGE_M + [rng.randint(1, (1 << 32) - 1), rng.randint(1, 100)])
        fs.append(dict(fill=rng.choice([0, U64, rng.getrandbits(64)]), hash_en=i % 2, salt=rng.choice(
            [0, U64, rng.getrandbits(64)]), mod_en=(i // 2) % 2, m=m, mu=so.barrett_params(m).mu))
    return fs


def operands(rng: random.Random, n: int, tag_w: int) -> list[dict[str, int]]:
    fs = features(rng, 12)
    ops = []
    for i in range(n):
        f = fs[rng.randrange(len(fs))]
        v = rng.choice(EDGE_V) if rng.random() < 0.2 else rng.getrandbits(rng.choice([64, 64, 32, 8]))
        ops.append(dict(f, value=v, null=int(rng.random() < 0.15), tag=rng.getrandbits(tag_w)))
    return ops


def model(ops: list[dict[str, int]]) -> list[dict[str, int]]:
    out = []
    for o in ops:
        v = so.fill_missing(np.array([o["value"]], dtype=np.uint64), np.array([bool(o["null"])]), o["fill"])
        if o["hash_en"]:
            v = so.salted_hash(v, o["salt"])
        if o["mod_en"]:
            v = so.modulo(v, o["m"])
        out.append({"id": int(v[0]), "tag": o["tag"]})
    return out


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["value", "null", "fill", "hash_en", "salt", "mod_en", "m", "mu",
                                               "tag"], ["id", "tag"], "sparse_pe")


@cocotb.test(timeout_time=5, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """12 interleaved features covering every hash/modulo on-off combination, edge moduli and salts."""
    tb = TB(dut)
    seed = 800 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    ops = operands(rng, 1000, tb.tag_w)
    await tb.stream.run(ops, model(ops),
                        random_pause(0.3, seed + 1) if idle_inserts else None,
                        bursty_pause(0.2, 12, seed + 2) if backpressure else None)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: one result per cycle after the fixed latency."""
    tb = TB(dut)
    await tb.reset()
    ops = operands(random.Random(12), 300, tb.tag_w)
    cycles = await tb.stream.run(ops, model(ops))
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("tag_width", [1, 8])
def test_sparse_pe(tag_width: int) -> None:
    run_cocotb(
        toplevel="sparse_pe",
        sources=rtl_sources("sparse_pe", "xxh64_u64", "barrett_mod", "xform_mul64c", "xform_delay"),
        parameters={"TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
