"""cocotb testbench for rtl/transform/barrett_mod.v: bit-exact vs numpy u64 % m.

mu comes from models.sparse_ops.barrett_params (the host-side precomputation);
the expected remainder is numpy's exact % (models.sparse_ops.modulo), and the
Barrett golden model is checked to agree on the same operands.
"""

from __future__ import annotations

import random
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models.sparse_ops import barrett_params, modulo, modulo_barrett
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream

LATENCY = 8
U64_MAX = (1 << 64) - 1
EDGE_M = [1, 2, 3, 5, 7, 10, 1000, 65535, 65536, 65537, (1 << 31) - 1, 1 << 31, (1 << 31) + 1,
          4294967291, (1 << 32) - 2, (1 << 32) - 1] + [1 << j for j in range(2, 32, 5)] \
         + [(1 << j) - 1 for j in range(3, 32, 7)] + [(1 << j) + 1 for j in range(3, 32, 7)]


def values_for(m: int, rng: random.Random) -> list[int]:
    """Edge values for one modulus: 0, 1, around multiples of m, around 2^32/2^63/2^64, max."""
    vs = [0, 1, m - 1, m, m + 1, 2 * m - 1, 2 * m, (1 << 31) - 1, 1 << 32, (1 << 63) - 1,
          1 << 63, U64_MAX, U64_MAX - 1]
    k = U64_MAX // m
    vs += [k * m - 1, k * m, min(k * m + 1, U64_MAX), (k - 1) * m + m - 1]
    big = rng.getrandbits(64) // m * m
    vs += [max(big - 1, 0), big, big + 1]
    return [v & U64_MAX for v in vs]


def operands(rng: random.Random, n: int, tag_w: int) -> list[dict[str, int]]:
    pairs = [(v, m) for m in EDGE_M for v in values_for(m, rng)]
    while len(pairs) < n:
        m = rng.choice([rng.randint(1, (1 << 32) - 1), rng.randint(1, 1000), rng.choice(EDGE_M),
                        rng.getrandbits(rng.randint(1, 32)) or 1])
        v = rng.getrandbits(64) if rng.random() < 0.7 else rng.getrandbits(rng.randint(1, 64))
        pairs.append((v, m))
    rng.shuffle(pairs)
    return [{"value": v, "m": m, "mu": barrett_params(m).mu, "tag": rng.getrandbits(tag_w)} for v, m in pairs]


def model(ops: list[dict[str, int]]) -> list[dict[str, int]]:
    out = []
    for o in ops:
        v = np.array([o["value"]], dtype=np.uint64)
        r = int(modulo(v, o["m"])[0])
        assert r == int(modulo_barrett(v, o["m"])[0]) == o["value"] % o["m"]
        out.append({"rem": r, "tag": o["tag"]})
    return out


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["value", "m", "mu", "tag"], ["rem", "tag"], "barrett_mod")


@cocotb.test(timeout_time=5, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Edge (v, m) pairs (m = 1, 2^32 - 1, powers of two +-1, primes; v around multiples
    of m and 2^64 - 1) plus random pairs, interleaved moduli, random gaps and back-pressure."""
    tb = TB(dut)
    seed = 200 + 2 * idle_inserts + backpressure
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
    ops = operands(random.Random(6), 400, tb.tag_w)[:400]
    cycles = await tb.stream.run(ops, model(ops))
    assert cycles == len(ops) + LATENCY, f"{len(ops)} operands took {cycles} cycles"


@pytest.mark.parametrize("tag_width", [1, 8])
def test_barrett_mod(tag_width: int) -> None:
    run_cocotb(
        toplevel="barrett_mod",
        sources=rtl_sources("barrett_mod"),
        parameters={"TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
