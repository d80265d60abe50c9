"""cocotb testbench for rtl/decode/xxh64_str.v: XXH64 of byte strings, bit-exact.

Every expected digest is models.hashing.xxh64_bytes (written from the xxHash spec)
and, independently, PyPI xxhash: the two must agree before the RTL is compared, so a
bug shared by the model and the RTL cannot pass unnoticed. Lengths: every length
0..MAX_BYTES (all stripe / 8 / 4 / 1-byte tail combinations) plus random lengths, random
bytes and garbage beyond the length (the unit must ignore it), seed 0 (the STR rule) and
random seeds, random input gaps and output back-pressure.
"""
from __future__ import annotations

import random
from pathlib import Path

import cocotb
import pytest
import xxhash
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models.hashing import xxh64_bytes
from tb.common import TbBase, bursty_pause, dut_param, random_pause
from tb.transform_common.opstream import OpStream


def operands(rng: random.Random, max_bytes: int, tag_w: int, n_random: int) -> list[dict[str, int]]:
    lengths = list(range(max_bytes + 1)) + [rng.randint(0, max_bytes) for _ in range(n_random)]
    ops = []
    for i, n in enumerate(lengths):
        data = rng.randbytes(max_bytes)  # bytes beyond n are garbage the unit must ignore
        seed = 0 if i % 3 else rng.choice([rng.getrandbits(64), (1 << 64) - 1, 1])
        ops.append({"data": int.from_bytes(data, "little"), "len": n, "seed": seed,
                    "tag": rng.getrandbits(tag_w)})
    return ops


def model(ops: list[dict[str, int]], max_bytes: int) -> list[dict[str, int]]:
    out = []
    for o in ops:
        s = o["data"].to_bytes(max_bytes, "little")[: o["len"]]
        h = xxh64_bytes(s, o["seed"])
        assert h == xxhash.xxh64_intdigest(s, o["seed"]), "models.hashing disagrees with PyPI xxhash"
        out.append({"hash": h, "tag": o["tag"]})
    return out


def cycles_of(n: int) -> int:
    """Cycles from accept to the result offered, as the module header documents."""
    s, r = n // 32, n % 32
    t8, t4, t1 = r // 8, int(r % 8 >= 4), r % 4
    return 1 + 40 * s + 61 * (n >= 32) + (t8 + t4 + t1 + 1) + 15 * t8 + 10 * t4 + 10 * t1 + 10


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.max_bytes = dut_param("MAX_BYTES")
        self.tag_w = dut_param("TAG_WIDTH")
        self.stream = OpStream(dut, self.clk, ["data", "len", "seed", "tag"], ["hash", "tag"], "xxh64_str")


@cocotb.test(timeout_time=20, timeout_unit="ms")
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_test(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Every length 0..MAX_BYTES plus random lengths, seeds and garbage tails; pauses on both sides."""
    tb = TB(dut)
    seed = 200 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    await tb.reset()
    ops = operands(rng, tb.max_bytes, tb.tag_w, 200)
    await tb.stream.run(ops, model(ops, tb.max_bytes),
                        random_pause(0.3, seed + 1) if idle_inserts else None,
                        bursty_pause(0.3, 12, seed + 2) if backpressure else None,
                        fmt=lambda o: f"len={o['len']} seed={o['seed']:#x}",
                        max_cycles=2 * sum(cycles_of(o["len"]) + 2 for o in ops) + 1000)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def run_test_latency(dut: SimHandleBase) -> None:
    """No pauses: the documented cycle count per string (one string in flight at a time)."""
    tb = TB(dut)
    await tb.reset()
    rng = random.Random(9)
    ops = operands(rng, tb.max_bytes, tb.tag_w, 0)
    cycles = await tb.stream.run(ops, model(ops, tb.max_bytes),
                                 max_cycles=2 * sum(cycles_of(o["len"]) + 2 for o in ops) + 1000)
    # each string: accept cycle .. result cycle, then one cycle to return to idle
    want = sum(cycles_of(o["len"]) + 1 for o in ops)
    assert abs(cycles - want) <= 2, f"{len(ops)} strings took {cycles} cycles, expected {want}"


@pytest.mark.parametrize("max_bytes,tag_width", [(256, 6), (64, 1)])
def test_xxh64_str(max_bytes: int, tag_width: int) -> None:
    run_cocotb(
        toplevel="xxh64_str",
        sources=rtl_sources("xxh64_str", "xform_mul64c"),
        parameters={"MAX_BYTES": max_bytes, "TAG_WIDTH": tag_width},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
