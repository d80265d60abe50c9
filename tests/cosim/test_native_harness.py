"""The native harness (cosim/native): bit-exact decode through it, port access, AXI-Lite,
waves windows, the DMA hook and the build cache.

Builds are cached under build/native/ (first run: about a minute per library on 2 cores;
later runs only hash the sources).
"""
from __future__ import annotations

import ctypes
import random
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from cosim.native import NativeSim, SimError
from cosim.native.decode_driver import counters, golden_counters, stream_and_check
from cosim.runner import REPO_ROOT, rtl_sources
from models import records
from models.schema import BadRowPolicy, TextFormat, sum_counters
from tb.common.decode import CRITEO_KINDS, criteo_variants, random_config, random_stream

TB_DIR = REPO_ROOT / "tb" / "native_harness"
TOP_SOURCES = [TB_DIR / "native_harness_top.v", TB_DIR / "axil_regs.v"]
ENGINE_SOURCES = ("decode_engine",)  # the rest through the rtl/ library dirs


def engine(seed: int = 0) -> NativeSim:
    """The decode engine at 2 lanes x 32 bytes (64-byte input beats), as etl_top's documented build."""
    return NativeSim("decode_engine", rtl_sources(*ENGINE_SOURCES),
                     {"LANES": 2, "LANE_BYTES": 32, "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT}, seed=seed)


def harness_top(waves: bool = False, seed: int = 0) -> NativeSim:
    return NativeSim("native_harness_top", TOP_SOURCES, {"BYTES": 8, "DEPTH": 16}, waves=waves, seed=seed)


@pytest.mark.parametrize("idle_p,stall_p", [(0.0, 0.0), (0.3, 0.4)])
def test_decode_engine_bit_exact(idle_p: float, stall_p: float) -> None:
    """Real Criteo rows (4 variants) and random/mutated rows of random schemas, pauses on both streams."""
    sim = engine(seed=3)
    sim.source().pause(idle_p, 11)
    sim.sink().pause(stall_p, 12)
    sim.reset()
    golden = []
    for i, data in enumerate(criteo_variants()):
        fmt = TextFormat(policy=BadRowPolicy.NULL if i % 2 else BadRowPolicy.DROP, header_lines=i % 2)
        golden.append(stream_and_check(sim, data, CRITEO_KINDS, fmt)[0])
    rng = random.Random(5 + int(idle_p * 10))
    for _ in range(25):
        kinds, fmt = random_config(rng)
        data = random_stream(rng, rng.randint(0, 150), kinds, fmt)
        golden.append(stream_and_check(sim, data, kinds, fmt)[0])
    for data in (b"", b"1\t2", b"\r", b"\n\n"):  # empty stream: one beat with tkeep 0
        kinds, fmt = [CRITEO_KINDS[1]] * 2, TextFormat()
        golden.append(stream_and_check(sim, data, kinds, fmt)[0])
    assert counters(sim) == golden_counters(sum_counters(golden))
    assert counters(sim)["rows_in"] > 500


def test_decode_engine_many_streams_one_push() -> None:
    """Several streams in one buffer (tlast at each end offset), one run, one comparison."""
    sim = engine()
    sim.reset()
    from cosim.native.decode_driver import DRAIN_IDLE_CYCLES, configure, expected_stream

    fmt = TextFormat()
    texts = [b"1\t2\n3\t4\n", b"5\t6", b"", b"7\tx\n8\t9\n"]
    kinds = [CRITEO_KINDS[1]] * 2
    configure(sim, kinds, fmt)
    exp = b"".join(expected_stream(t, kinds, fmt, 8)[0] for t in texts)
    src, snk = sim.source(), sim.sink()
    src.pause(0.5, 1)
    snk.pause(0.5, 2)
    src.push(b"".join(texts), np.cumsum([len(t) for t in texts]))
    # the engine's latency (tens of cycles) outlasts the default 16 idle cycles of "drained"
    sim.run(10_000, "drained", idle_cycles=DRAIN_IDLE_CYCLES)
    assert snk.data().tobytes() == exp
    assert src.stats()["packets"] == 4
    assert len(snk.ends()) == 5  # rows: 2 + 1 + 0 + 2


def test_ports_by_name() -> None:
    """Port list and widths come from the RTL; wide and odd-width ports; errors by name."""
    sim = harness_top()
    assert sim.ports["cfg_wide"].width == 100 and sim.ports["cfg_wide"].direction == "in"
    assert sim.ports["status_regs"].width == 256 and sim.ports["s_axis_tkeep"].width == 8
    v = (1 << 100) - 1  # + 1 wraps to 0 in 100 bits
    sim.set_port("cfg_wide", v)
    sim.run(2)
    assert sim.get_port("status_wide") == 0
    v = 0x1_2345_6789_ABCD_EF01_2345_6789
    sim.set_port("cfg_wide", v.to_bytes(13, "little"))
    sim.run(2)
    assert sim.get_port("status_wide") == v + 1
    assert sim.get_port_bytes("status_wide") == (v + 1).to_bytes(13, "little")
    with pytest.raises(KeyError):
        sim.set_port("no_such_port", 1)
    with pytest.raises(ValueError):
        sim.set_port("status_wide", 1)  # an output
    with pytest.raises(ValueError):
        sim.set_port("cfg_wide", 1 << 100)


def test_axil_and_streams() -> None:
    """AXI-Lite writes/reads/strobes/SLVERR while a FIFO moves random packets under pauses."""
    sim = harness_top(seed=1)
    sim.reset()
    src, snk = sim.source(), sim.sink(capacity=64)  # tiny: the sink buffer must grow
    src.pause(0.3, 3)
    snk.pause(0.5, 4)
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, 5000, dtype=np.uint8)
    ends = np.unique(np.concatenate([rng.integers(1, 5000, 60), [5000]]))
    src.push(data, ends)
    ax = sim.axil()
    for i in range(8):
        assert ax.write(4 * i, 0x1000 + i) == 0
        assert 1 <= ax.last_cycles <= 4
    assert ax.write(0x8, 0xAB00_0000, strb=0b1000) == 0
    assert [ax.read(4 * i) for i in range(8)] == [0x1000, 0x1001, 0xAB00_1002, 0x1003, 0x1004, 0x1005,
                                                   0x1006, 0x1007]
    assert ax.last_resp == 0
    assert ax.write(0x100, 1) == 2  # outside the file: SLVERR
    assert ax.read(0x100) == 0xDEADBEEF and ax.last_resp == 2
    assert sim.get_port("status_writes") == 10
    regs = sim.get_port("status_regs")
    assert (regs >> 32) & 0xFFFF_FFFF == 0x1001
    sim.run(100_000, "drained")
    assert np.array_equal(snk.data(), data)
    assert np.array_equal(snk.ends(), ends)
    assert sim.get_port("status_beats") == src.stats()["beats"]
    # until=port and until=packets
    src.push(np.arange(64, dtype=np.uint8), [8, 16, 24, 64])
    start = len(snk.ends())
    sim.run(10_000, "packets", packets=start + 2)
    assert len(snk.ends()) == start + 2
    c0 = sim.cycle
    sim.run(10_000, "drained")
    assert sim.cycle > c0
    with pytest.raises(SimError):
        sim.run(50, "port", port="status_beats", value=10**6)


def _fst_times(path: Path) -> tuple[int, int]:
    """(start_time, end_time) from an FST header block (type 0, big-endian)."""
    raw = path.read_bytes()
    assert raw[0] == 0, "not an FST header block"
    return struct.unpack(">QQ", raw[9:25])


def test_waves_window(tmp_path: Path) -> None:
    """FST of cycles [40, 60) only; the non-waves build has no tracing."""
    sim = harness_top(waves=True)
    fst = tmp_path / "w.fst"
    sim.waves(fst, 40, 60)
    sim.reset()
    sim.source().push(np.arange(256, dtype=np.uint8))
    sim.sink()
    sim.run(100)
    sim.close()
    start, end = _fst_times(fst)
    half = 5000  # ps: 10 ns per cycle, dumps at each edge
    assert (start, end) == (40 * 2 * half, 59 * 2 * half + half)
    with pytest.raises(SimError):
        harness_top(waves=False).waves(tmp_path / "x.fst", 0, 10)


def test_build_cache() -> None:
    """A second construction reuses the library (no Verilator run)."""
    a = harness_top()
    t = time.perf_counter()
    b = harness_top()
    assert time.perf_counter() - t < 2.0
    assert a.built.lib == b.built.lib


def test_dma_hook(tmp_path: Path) -> None:
    """The DMA hook (stub model): H2C bytes go through the FIFO and come back by C2H, stepped once per cycle."""
    so = tmp_path / "libdma_stub.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", f"-I{REPO_ROOT / 'cosim' / 'native'}",
                    str(TB_DIR / "dma_stub.c"), "-o", str(so)], check=True)
    lib = ctypes.CDLL(str(so))
    lib.stub_create.restype = ctypes.c_void_p
    lib.stub_create.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint64]
    for f in ("stub_received", "stub_packets", "stub_steps", "stub_sent"):
        getattr(lib, f).restype = ctypes.c_uint64
        getattr(lib, f).argtypes = [ctypes.c_void_p]
    data = np.random.default_rng(1).integers(0, 256, 3001, dtype=np.uint8)
    out = np.zeros(4096, dtype=np.uint8)
    dma = lib.stub_create(data.ctypes.data, len(data), 8, out.ctypes.data, len(out))
    sim = harness_top()
    sim.reset()
    sim.attach_dma(dma, lib.stub_step, "s_axis", "m_axis")
    c0 = sim.cycle
    sim.run(2000)
    assert lib.stub_steps(dma) == sim.dma_steps == sim.cycle - c0 == 2000
    assert lib.stub_sent(dma) == len(data)
    assert lib.stub_received(dma) == len(data) and lib.stub_packets(dma) == 1
    assert np.array_equal(out[: len(data)], data)
