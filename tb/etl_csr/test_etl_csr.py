"""cocotb testbench for the generated AXI-Lite register file (cosim/csrgen.py → etl_csr).

The generator runs on a fixture map (csr_fixture/) that uses every feature: reset values,
multi-word registers, byte strobes, a counter sharing a config register's name, 48-bit counters
read lo-then-hi as one snapshot, command pulses, an array with multi-word fields, a table-backed
array (words forwarded to the engine, read back masked from etl_csr's copy) and an engine
table with its one-cycle read latency. Expected addresses come from host_runtime.csr_map (the
same loader the runtime uses); expected values from what the test wrote.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import cocotb
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from cosim.csrgen import generate_verilog
from cosim.runner import REPO_ROOT, run_cocotb
from host_runtime.csr_map import Access, load_csr_map, image_writes
from tb.common import TbBase

FIXTURE = Path(__file__).resolve().parent / "csr_fixture"


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), self.clk, self.rst)
        self.mem = [random.Random(1).getrandbits(32) for _ in range(40)]
        self.kicks = 0
        self.ram_writes: list[tuple[int, int]] = []
        dut.status_alpha_count.value = 0
        dut.status_alpha_flag.value = 0
        cocotb.start_soon(self._engine())

    async def _engine(self) -> None:
        """The engine side of the table port (rdata the cycle after re) and a kick counter."""
        dut = self.dut
        while True:
            await RisingEdge(self.clk)
            if int(dut.cmd_alpha_kick.value):
                self.kicks += 1
            if int(dut.tbl_beta_ram_we.value):
                self.ram_writes.append((int(dut.tbl_beta_ram_addr.value), int(dut.tbl_beta_ram_wdata.value)))
            if int(dut.tbl_beta_mem_we.value):
                self.mem[int(dut.tbl_beta_mem_addr.value)] = int(dut.tbl_beta_mem_wdata.value)
            if int(dut.tbl_beta_mem_re.value):
                dut.tbl_beta_mem_rdata.value = self.mem[int(dut.tbl_beta_mem_addr.value)]
            else:
                dut.tbl_beta_mem_rdata.value = 0xDEADBEEF  # only the cycle after re is valid

    async def read(self, addr: int) -> int:
        return int.from_bytes((await self.axil.read(addr, 4)).data, "little")

    async def write(self, addr: int, value: int) -> None:
        await self.axil.write(addr, value.to_bytes(4, "little"))


@cocotb.test()
async def run_test_registers(dut: SimHandleBase) -> None:
    tb = TB(dut)
    await tb.reset()
    m = load_csr_map(FIXTURE)
    alpha, beta = m.block("alpha"), m.block("beta")
    # reset values
    assert await tb.read(alpha.reg("small").address) == 17
    assert int(dut.cfg_alpha_small.value) == 17
    # a multi-word register through image_writes, read back word by word
    wide = (0xAB << 64) | 0x0123456789ABCDEF
    for a, w in image_writes(alpha, {"wide": wide, "count": 0x12345, "small": 0x3F}):
        await tb.write(a, w)
    assert int(dut.cfg_alpha_wide.value) == wide
    assert int(dut.cfg_alpha_small.value) == 0x1F  # 5 bits kept
    assert int(dut.cfg_alpha_count.value) == 0x12345
    r = alpha.reg("wide")
    assert [await tb.read(r.address + 4 * i) for i in range(3)] == [0x89ABCDEF, 0x01234567, 0xAB]
    # byte strobes: write only byte 1 of the wide register's low word
    await tb.axil.write(r.address + 1, b"\x55")
    assert int(dut.cfg_alpha_wide.value) == (wide & ~0xFF00) | 0x5500
    # counter snapshot: reading lo latches hi even if the counter moves before the hi read
    c = alpha.reg("count", Access.RO)
    dut.status_alpha_count.value = (0x1234 << 32) | 0xFFFFFFFF
    lo = await tb.read(c.address)
    dut.status_alpha_count.value = (0x1235 << 32) | 0x00000000
    hi = await tb.read(c.address + 4)
    assert (lo, hi) == (0xFFFFFFFF, 0x1234)
    dut.status_alpha_flag.value = 1
    assert await tb.read(alpha.reg("flag").address) == 1
    # command pulse: one cycle per write of 1, nothing for a write of 0
    await tb.write(alpha.reg("kick").address, 1)
    await tb.write(alpha.reg("kick").address, 0)
    await tb.write(alpha.reg("kick").address, 1)
    await tb.cycles(2)
    assert tb.kicks == 2
    # array entries and multi-word fields
    rng = random.Random(7)
    vals = {"column": [rng.randrange(64) for _ in range(5)], "salt": [rng.getrandbits(64) for _ in range(5)],
            "m": [rng.getrandbits(32) for _ in range(5)]}
    for a, w in image_writes(beta, {"feat": vals, "mode": 2}):
        await tb.write(a, w)
    arr = beta.array("feat")
    for f in arr.fields:
        flat = int(getattr(dut, f"cfg_beta_feat_{f.name}").value)
        got = [(flat >> (f.width * i)) & ((1 << f.width) - 1) for i in range(arr.count)]
        assert got == vals[f.name], f.name
    salt2 = await tb.read(arr.address + 2 * arr.stride + 4 * arr.field("salt").word + 4)
    assert salt2 == vals["salt"][2] >> 32
    # the table-backed array: every word reaches the engine port (word address in the window, whole word),
    # reads return the word masked to its field (as a register read would), the padding word reads 0
    ra = beta.array("ram")
    rv = {"kind": [5, 2, 7], "key": [(0xAB << 32) | 0x12345678, 0xFF_FFFFFFFF, 1]}
    tb.ram_writes.clear()
    writes = image_writes(beta, {"ram": rv})
    for a, w in writes:
        await tb.write(a, w | 0xFFFFFF00 if (a - ra.address) % ra.stride == 0 else w)  # junk above kind's bits
    await tb.cycles(2)
    assert [a for a, _ in tb.ram_writes] == [(a - ra.address) // 4 for a, _ in writes]
    got = dict(tb.ram_writes)
    assert got[ra.field("key").word] == 0x12345678 and got[0] == 0xFFFFFF05  # forwarded unmasked
    for i in range(ra.count):
        base = ra.address + i * ra.stride
        assert await tb.read(base + 4 * ra.field("kind").word) == rv["kind"][i]
        assert await tb.read(base + 4 * ra.field("key").word) == rv["key"][i] & 0xFFFFFFFF
        assert await tb.read(base + 4 * ra.field("key").word + 4) == rv["key"][i] >> 32
    await tb.write(ra.address + ra.stride + 12, 0xFFFFFFFF)  # the entry's padding word
    assert tb.ram_writes[-1] == ((ra.stride + 12) // 4, 0xFFFFFFFF)
    assert await tb.read(ra.address + ra.stride + 12) == 0
    # the table: writes reach the engine memory, reads return the cycle-after-re data
    t = beta.table("mem")
    for k in (0, 7, 39):
        await tb.write(t.address + 4 * k, 0x1000 + k)
    for k in (0, 7, 39, 5):
        assert await tb.read(t.address + 4 * k) == tb.mem[k]
    assert tb.mem[7] == 0x1007
    # unmapped addresses read 0 and ignore writes
    await tb.write(0x00F0, 0xFFFFFFFF)
    assert await tb.read(0x00F0) == 0


def test_etl_csr() -> None:
    """Generate etl_csr from the fixture map and run the register tests on it."""
    out = REPO_ROOT / "build" / "etl_csr_fixture" / "etl_csr.v"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = generate_verilog(load_csr_map(FIXTURE))
    if not out.exists() or out.read_text() != text:
        out.write_text(text)
    run_cocotb(toplevel="etl_csr", sources=[out], parameters={}, test_module=Path(__file__).stem,
               test_dir=Path(__file__).resolve().parent, extra_env={"CSR_FIXTURE": os.fspath(FIXTURE)})
