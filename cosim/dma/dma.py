"""Python handle on the cycle-level PCIe DMA model (cosim/dma/sluice_dma.cpp, docs/spec/dma.md).

The model is C++ so that one implementation serves the cocotb system tests (stepped from a per-clock coroutine
through ctypes) and the native Verilator harness (which compiles the same source in). This module builds the
shared library on demand — ``g++ -O2 -fPIC`` into ``build/dma/<hash of the sources>/`` — and wraps the C API:
parameters from :class:`models.pcie.LinkParams`, zero-copy numpy windows, registers, per-cycle stepping,
host-side polling, statistics and the C++ self-test stream loops the bandwidth sweeps use.
"""
from __future__ import annotations

import ctypes as C
import dataclasses
import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np

from models.pcie import LinkParams, Target

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
SOURCES = (HERE / "sluice_dma.h", HERE / "sluice_dma.cpp")

HOST, GPU = 0, 1
READ, WRITE = 1, 2
H2C, C2H = 0, 1
# register offsets inside a channel block (channel block at ch * 0x1000)
REG = {"ID": 0x00, "CTRL": 0x04, "STATUS": 0x08, "RING_SIZE": 0x0C, "RING_LO": 0x10, "RING_HI": 0x14,
       "CMPT_LO": 0x18, "CMPT_HI": 0x1C, "TAIL": 0x20, "HEAD": 0x24, "COMPLETED": 0x28, "ERRORS": 0x2C,
       "EVENTS": 0x30}
DESC_EOP, DESC_IRQ = 1, 2
ST_OK, ST_NO_WINDOW, ST_PERM, ST_SHORT = 0, 1, 2, 3
WB_EOP, WB_DONE = 1, 0x80000000
DESC_DTYPE = np.dtype([("flags", "<u4"), ("len", "<u4"), ("src", "<u8"), ("dst", "<u8"), ("rsvd", "<u8")])
WB_DTYPE = np.dtype([("bytes", "<u4"), ("status", "<u4"), ("flags", "<u4"), ("seq", "<u4")])


class Params(C.Structure):
    """Mirror of ``sluice_dma_params`` (field order and types must match the header)."""

    _fields_ = [
        ("gen", C.c_int32), ("lanes", C.c_int32), ("mps", C.c_int32), ("mrrs", C.c_int32), ("rcb", C.c_int32),
        ("addr64", C.c_int32), ("read_latency_ns", C.c_double), ("read_tags", C.c_int32),
        ("posted_header_credits", C.c_int32), ("posted_data_credits", C.c_int32),
        ("credit_return_ns", C.c_double), ("ack_every_tlps", C.c_int32), ("fc_update_every_tlps", C.c_int32),
        ("skp_interval_blocks", C.c_int32), ("host_cap_gbps", C.c_double), ("gpu_cap_gbps", C.c_double),
        ("desc_bytes", C.c_int32), ("writeback_bytes", C.c_int32), ("irq_latency_ns", C.c_double),
        ("poll_interval_ns", C.c_double), ("use_polling", C.c_int32),
        ("user_clock_mhz", C.c_double), ("h2c_bytes", C.c_int32), ("c2h_bytes", C.c_int32),
        ("desc_prefetch", C.c_int32), ("c2h_fifo_bytes", C.c_int32), ("h2c_rx_bytes", C.c_int32),
    ]


class Ports(C.Structure):
    """Mirror of ``sluice_dma_ports``: the per-cycle AXI-Stream contract."""

    _fields_ = [
        ("h2c_tdata", C.POINTER(C.c_uint8)), ("h2c_tbytes", C.c_uint32), ("h2c_tvalid", C.c_uint8),
        ("h2c_tlast", C.c_uint8), ("h2c_tready", C.c_uint8),
        ("c2h_tdata", C.POINTER(C.c_uint8)), ("c2h_tbytes", C.c_uint32), ("c2h_tvalid", C.c_uint8),
        ("c2h_tlast", C.c_uint8), ("c2h_tready", C.c_uint8),
    ]


def _source_hash() -> str:
    h = hashlib.sha256()
    for s in SOURCES:
        h.update(s.read_bytes())
    return h.hexdigest()[:16]


def build() -> Path:
    """Compile the model into build/dma/<hash>/libsluice_dma.so once per source version (file-locked)."""
    out = REPO_ROOT / "build" / "dma" / _source_hash()
    lib = out / "libsluice_dma.so"
    if lib.exists():
        return lib
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if not lib.exists():
            tmp = out / f".tmp{os.getpid()}.so"
            subprocess.run(["g++", "-std=c++17", "-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-o", str(tmp),
                            str(HERE / "sluice_dma.cpp")], check=True)
            tmp.rename(lib)
    return lib


_LIB: C.CDLL | None = None


def lib() -> C.CDLL:
    global _LIB
    if _LIB is None:
        L = C.CDLL(str(build()))
        P, V, u64, u32, i32, dbl = C.c_void_p, C.c_void_p, C.c_uint64, C.c_uint32, C.c_int, C.c_double
        sig = {
            "sluice_dma_default_params": (None, [C.POINTER(Params)]),
            "sluice_dma_create": (P, [C.POINTER(Params)]),
            "sluice_dma_last_error": (C.c_char_p, []),
            "sluice_dma_destroy": (None, [P]),
            "sluice_dma_map": (i32, [P, u64, u64, V, i32, i32]),
            "sluice_dma_unmap": (i32, [P, i32]),
            "sluice_dma_reg_write": (None, [P, u32, u32]),
            "sluice_dma_reg_read": (u32, [P, u32]),
            "sluice_dma_step": (None, [P, C.POINTER(Ports)]),
            "sluice_dma_poll": (u64, [P, i32, C.POINTER(u64)]),
            "sluice_dma_stat_count": (i32, []),
            "sluice_dma_stat_name": (C.c_char_p, [i32]),
            "sluice_dma_stat": (u64, [P, i32]),
            "sluice_dma_cycles": (u64, [P]),
            "sluice_dma_run_c2h_stream": (dbl, [P, i32, u32, u32]),
            "sluice_dma_run_h2c_stream": (dbl, [P, i32, u32, u32]),
        }
        for name, (res, args) in sig.items():
            f = getattr(L, name)
            f.restype, f.argtypes = res, args
        _LIB = L
    return _LIB


def make_params(link: LinkParams = LinkParams(), *, user_clock_mhz: float = 250.0, h2c_bytes: int = 64,
                c2h_bytes: int = 64, desc_prefetch: int = 32, c2h_fifo_bytes: int = 16384,
                h2c_rx_bytes: int = 65536) -> Params:
    """The C parameter block: every LinkParams field copied by name, plus the engine's own settings."""
    p = Params()
    lib().sluice_dma_default_params(C.byref(p))
    for f in dataclasses.fields(link):
        v = getattr(link, f.name)
        setattr(p, f.name, int(v) if isinstance(v, bool) else v)
    p.user_clock_mhz, p.h2c_bytes, p.c2h_bytes = user_clock_mhz, h2c_bytes, c2h_bytes
    p.desc_prefetch, p.c2h_fifo_bytes, p.h2c_rx_bytes = desc_prefetch, c2h_fifo_bytes, h2c_rx_bytes
    return p


class Dma:
    """One modelled DMA shell. Host memory is numpy arrays mapped zero-copy as bus-address windows."""

    def __init__(self, link: LinkParams = LinkParams(), **engine: int | float) -> None:
        self.link = link
        self.params = make_params(link, **engine)  # type: ignore[arg-type]
        h = lib().sluice_dma_create(C.byref(self.params))
        if not h:
            raise ValueError(lib().sluice_dma_last_error().decode())
        self._h = h
        self._windows: dict[int, np.ndarray] = {}  # keep mapped buffers alive
        self.ports = Ports()
        self._c2h_buf = np.zeros(256, np.uint8)
        self._h2c_buf = np.zeros(256, np.uint8)
        self.ports.h2c_tdata = self._h2c_buf.ctypes.data_as(C.POINTER(C.c_uint8))
        self.ports.c2h_tdata = self._c2h_buf.ctypes.data_as(C.POINTER(C.c_uint8))

    def close(self) -> None:
        if getattr(self, "_h", None):
            lib().sluice_dma_destroy(self._h)
            self._h = None

    def __del__(self) -> None:
        self.close()

    @property
    def handle(self) -> int:
        """The model object (`sluice_dma *`) for a harness that steps it (cosim.native attach_dma)."""
        return int(C.cast(self._h, C.c_void_p).value or 0)

    @property
    def step_function(self) -> object:
        """`sluice_dma_step` of the loaded library (its address goes to the harness)."""
        return lib().sluice_dma_step

    @property
    def cycle_ns(self) -> float:
        return 1e3 / self.params.user_clock_mhz

    def map(self, bus_addr: int, buf: np.ndarray, target: int = HOST, perm: int = READ | WRITE) -> int:
        """Map a contiguous numpy buffer as a window the device may access (IOMMU-like)."""
        if not buf.flags["C_CONTIGUOUS"]:
            raise ValueError("buffer must be C-contiguous")
        wid = lib().sluice_dma_map(self._h, bus_addr, buf.nbytes, buf.ctypes.data, target, perm)
        if wid < 0:
            raise ValueError(f"cannot map window at {bus_addr:#x} (+{buf.nbytes}): overlap or bad arguments")
        self._windows[wid] = buf
        return wid

    def unmap(self, wid: int) -> None:
        lib().sluice_dma_unmap(self._h, wid)
        self._windows.pop(wid, None)

    def write_reg(self, ch: int, name: str, value: int) -> None:
        lib().sluice_dma_reg_write(self._h, ch * 0x1000 + REG[name], value & 0xFFFFFFFF)

    def read_reg(self, ch: int, name: str) -> int:
        return int(lib().sluice_dma_reg_read(self._h, ch * 0x1000 + REG[name]))

    def setup_channel(self, ch: int, ring_bus: int, ring_size: int, cmpt_bus: int, irq: bool | None = None) -> None:
        self.write_reg(ch, "RING_SIZE", ring_size)
        self.write_reg(ch, "RING_LO", ring_bus)
        self.write_reg(ch, "RING_HI", ring_bus >> 32)
        self.write_reg(ch, "CMPT_LO", cmpt_bus)
        self.write_reg(ch, "CMPT_HI", cmpt_bus >> 32)
        ctrl = self.read_reg(ch, "CTRL")
        if irq is not None:
            ctrl = (ctrl & ~2) | (2 if irq else 0)
        self.write_reg(ch, "CTRL", ctrl | 1)

    def step(self) -> Ports:
        """One user-clock edge with the inputs currently in ``self.ports`` (see the contract)."""
        lib().sluice_dma_step(self._h, C.byref(self.ports))
        return self.ports

    def set_c2h_beat(self, data: bytes | None, last: bool = False) -> None:
        """Present (or withdraw, with None) the design's m_axis beat for the next edge."""
        if data is None:
            self.ports.c2h_tvalid = 0
            return
        self._c2h_buf[: len(data)] = np.frombuffer(data, np.uint8)
        self.ports.c2h_tbytes, self.ports.c2h_tvalid, self.ports.c2h_tlast = len(data), 1, int(last)

    def h2c_beat(self) -> tuple[bytes, bool] | None:
        """The beat the model presents on the design's s_axis for the next edge, or None."""
        p = self.ports
        if not p.h2c_tvalid:
            return None
        return bytes(self._h2c_buf[: p.h2c_tbytes]), bool(p.h2c_tlast)

    def poll(self, ch: int) -> tuple[int, int]:
        """(completions the host has been told about, notifications so far) — the modelled host view."""
        ev = C.c_uint64()
        done = lib().sluice_dma_poll(self._h, ch, C.byref(ev))
        return int(done), int(ev.value)

    @property
    def cycles(self) -> int:
        return int(lib().sluice_dma_cycles(self._h))

    def stats(self) -> dict[str, int]:
        L = lib()
        return {L.sluice_dma_stat_name(i).decode(): int(L.sluice_dma_stat(self._h, i))
                for i in range(L.sluice_dma_stat_count())}

    def run_c2h_stream(self, nbatches: int, batch_bytes: int, target: Target = Target.HOST) -> float:
        """C++ loop: a full-rate design source of `nbatches` packets; returns steady-state bytes/s."""
        r = lib().sluice_dma_run_c2h_stream(self._h, GPU if target == Target.GPU else HOST, nbatches, batch_bytes)
        if r < 0:
            raise RuntimeError(f"C2H self-test failed with code {r}")
        return float(r)

    def run_h2c_stream(self, ndesc: int, desc_bytes: int, target: Target = Target.HOST) -> float:
        """C++ loop: a full-rate design sink of `ndesc` descriptors; returns steady-state bytes/s."""
        r = lib().sluice_dma_run_h2c_stream(self._h, GPU if target == Target.GPU else HOST, ndesc, desc_bytes)
        if r < 0:
            raise RuntimeError(f"H2C self-test failed with code {r}")
        return float(r)


def user_side_bytes_per_s(beat_bytes: int, user_clock_mhz: float) -> float:
    """The bound the user-side stream width puts on either direction."""
    return beat_bytes * user_clock_mhz * 1e6


__all__ = ["Dma", "Params", "Ports", "build", "lib", "make_params", "user_side_bytes_per_s", "HOST", "GPU",
           "READ", "WRITE", "H2C", "C2H", "DESC_DTYPE", "WB_DTYPE"]
