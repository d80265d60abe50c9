"""ctypes front end of the native harness: ``NativeSim(top, sources, parameters)``.

Python only moves whole buffers: a source is handed a numpy byte buffer (zero-copy,
kept alive here until the harness has sent it) plus packet end offsets, a sink
collects into a numpy buffer that grows when full, and ``run`` clocks the design in
C++ until a condition holds. Nothing here runs per cycle.
"""
from __future__ import annotations

import ctypes as C
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cosim.native.build import build
from cosim.native.ports import Port

_U8P = C.POINTER(C.c_uint8)
_U64P = C.POINTER(C.c_uint64)
_INTP = C.POINTER(C.c_int)

ST_DONE, ST_MAX_CYCLES, ST_SINK_FULL = 0, 1, 2
_UNTIL = {None: 0, "drained": 1, "port": 2, "packets": 3}
_STREAM_FIELDS = ("tdata", "tkeep", "tvalid", "tready", "tlast", "tuser")
_AXIL_FIELDS = ("awaddr", "awvalid", "awready", "awprot", "wdata", "wstrb", "wvalid", "wready", "bresp",
                "bvalid", "bready", "araddr", "arvalid", "arready", "arprot", "rdata", "rresp", "rvalid",
                "rready")
_AXIL_OPTIONAL = {"awprot", "arprot", "wstrb"}


def _sig(lib: C.CDLL) -> None:
    vp = C.c_void_p
    table = {
        "sim_port_count": (C.c_int, []), "sim_port_name": (C.c_char_p, [C.c_int]),
        "sim_port_width": (C.c_int, [C.c_int]), "sim_port_dir": (C.c_int, [C.c_int]),
        "sim_has_waves": (C.c_int, []), "sim_dma_ports_size": (C.c_int, []),
        "sim_create": (vp, [C.c_uint64]), "sim_destroy": (None, [vp]),
        "sim_set_port": (C.c_int, [vp, C.c_int, _U8P, C.c_uint32]),
        "sim_get_port": (C.c_int, [vp, C.c_int, _U8P, C.c_uint32]),
        "sim_eval": (None, [vp]), "sim_cycle": (C.c_uint64, [vp]), "sim_status": (C.c_int, [vp]),
        "sim_run": (C.c_uint64, [vp, C.c_uint64, C.c_int, C.c_int64, C.c_uint64]),
        "sim_bare": (C.c_uint64, [vp, C.c_uint64]),
        "sim_add_source": (C.c_int, [vp, _INTP]),
        "sim_source_push": (None, [vp, C.c_int, vp, C.c_uint64, vp, C.c_uint64]),
        "sim_source_pause": (None, [vp, C.c_int, C.c_double, C.c_uint64]),
        "sim_source_stats": (None, [vp, C.c_int, _U64P]),
        "sim_add_sink": (C.c_int, [vp, _INTP]),
        "sim_sink_buffer": (None, [vp, C.c_int, vp, C.c_uint64, vp, C.c_uint64]),
        "sim_sink_clear": (None, [vp, C.c_int]),
        "sim_sink_pause": (None, [vp, C.c_int, C.c_double, C.c_uint64]),
        "sim_sink_stats": (None, [vp, C.c_int, _U64P]),
        "sim_add_axil": (C.c_int, [vp, _INTP]),
        "sim_axil_write": (C.c_int64, [vp, C.c_int, C.c_uint64, C.c_uint64, C.c_uint64, C.c_uint64,
                                       C.POINTER(C.c_uint32)]),
        "sim_axil_read": (C.c_int64, [vp, C.c_int, C.c_uint64, C.c_uint64, _U64P, C.POINTER(C.c_uint32)]),
        "sim_attach_dma": (C.c_int, [vp, vp, vp, _INTP, _INTP]),
        "sim_dma_steps": (C.c_uint64, [vp]),
        "sim_waves": (C.c_int, [vp, C.c_char_p, C.c_uint64, C.c_uint64]),
        "sim_waves_close": (None, [vp]),
    }
    for name, (res, args) in table.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args


def _ints(vals: Sequence[int]) -> C.Array:
    return (C.c_int * len(vals))(*vals)


class SimError(RuntimeError):
    """A harness call failed (timeout, missing port group, ...)."""


class Source:
    """Streams numpy byte buffers into an ``<prefix>_t*`` input group, beat by beat in C++."""

    def __init__(self, sim: NativeSim, idx: int, prefix: str, beat_bytes: int) -> None:
        self._sim, self._i, self.prefix, self.beat_bytes = sim, idx, prefix, beat_bytes
        self._held: list[tuple[np.ndarray, np.ndarray | None]] = []
        self._released = 0

    def push(self, data: bytes | np.ndarray, ends: Sequence[int] | np.ndarray | None = None) -> None:
        """Queue ``data``; ``tlast`` ends a packet at each offset in ``ends`` (default: one packet).

        ``ends`` must be ascending with the last equal to ``len(data)``; equal neighbours
        give an empty packet (one beat, tkeep 0, tlast 1).
        """
        buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) \
            else np.ascontiguousarray(data).view(np.uint8).reshape(-1)
        e = None
        if ends is not None:
            e = np.ascontiguousarray(ends, dtype=np.uint64)
            if len(e) == 0 or int(e[-1]) != len(buf) or np.any(np.diff(e.astype(np.int64)) < 0):
                raise ValueError("ends must be ascending and end at len(data)")
        self._held.append((buf, e))
        self._sim._lib.sim_source_push(self._sim._h, self._i, buf.ctypes.data, len(buf),
                                       e.ctypes.data if e is not None else None, 0 if e is None else len(e))

    def pause(self, p: float, seed: int = 0) -> None:
        """Idle (tvalid low) with probability ``p`` per cycle between beats (seeded, in C++)."""
        self._sim._lib.sim_source_pause(self._sim._h, self._i, p, seed)

    def stats(self) -> dict[str, int]:
        out = (C.c_uint64 * 5)()
        self._sim._lib.sim_source_stats(self._sim._h, self._i, out)
        return dict(zip(("chunks_done", "pending", "beats", "packets", "bytes"), map(int, out)))

    @property
    def idle(self) -> bool:
        return self.stats()["pending"] == 0

    def _release(self) -> None:
        done = self.stats()["chunks_done"]
        drop = done - self._released
        if drop > 0:
            del self._held[:drop]
            self._released = done


class Sink:
    """Collects an ``<prefix>_t*`` output group into a growing numpy buffer (bytes by tkeep)."""

    def __init__(self, sim: NativeSim, idx: int, prefix: str, beat_bytes: int, capacity: int) -> None:
        self._sim, self._i, self.prefix, self.beat_bytes = sim, idx, prefix, beat_bytes
        self._buf = np.zeros(max(capacity, 4 * beat_bytes), dtype=np.uint8)
        self._ends = np.zeros(max(capacity // max(beat_bytes, 1), 16), dtype=np.uint64)
        self._point()

    def _point(self) -> None:
        self._sim._lib.sim_sink_buffer(self._sim._h, self._i, self._buf.ctypes.data, len(self._buf),
                                       self._ends.ctypes.data, len(self._ends))

    def _grow(self) -> None:
        self._buf = np.concatenate([self._buf, np.zeros(len(self._buf), dtype=np.uint8)])
        self._ends = np.concatenate([self._ends, np.zeros(len(self._ends), dtype=np.uint64)])
        self._point()

    def stats(self) -> dict[str, int]:
        out = (C.c_uint64 * 4)()
        self._sim._lib.sim_sink_stats(self._sim._h, self._i, out)
        return dict(zip(("bytes", "packets", "beats", "last_beat_cycle"), map(int, out)))

    def data(self) -> np.ndarray:
        """Bytes received so far (a view; copy it before the next run if you keep it)."""
        return self._buf[: self.stats()["bytes"]]

    def ends(self) -> np.ndarray:
        """End offset (into data()) of every packet received so far."""
        return self._ends[: self.stats()["packets"]]

    def packets(self) -> list[bytes]:
        d, e = self.data().tobytes(), self.ends().tolist()
        return [d[a:b] for a, b in zip([0, *e[:-1]], e)]

    def clear(self) -> None:
        """Forget what was received (bytes after the last packet end are dropped too)."""
        self._sim._lib.sim_sink_clear(self._sim._h, self._i)

    def pause(self, p: float, seed: int = 0) -> None:
        """Back-pressure (tready low) with probability ``p`` per cycle (seeded, in C++)."""
        self._sim._lib.sim_sink_pause(self._sim._h, self._i, p, seed)


class AxiLite:
    """AXI-Lite master on an ``<prefix>_*`` group; each access runs the design until it completes."""

    def __init__(self, sim: NativeSim, idx: int, data_width: int) -> None:
        self._sim, self._i, self.data_width = sim, idx, data_width

    def write(self, addr: int, data: int, strb: int | None = None, timeout: int = 1000) -> int:
        """Write; returns BRESP. Raises on timeout. ``last_cycles`` holds the cycles taken."""
        resp = C.c_uint32()
        strb = (1 << (self.data_width // 8)) - 1 if strb is None else strb
        n = self._sim._lib.sim_axil_write(self._sim._h, self._i, addr, data, strb, timeout, C.byref(resp))
        if n < 0:
            raise SimError(f"AXI-Lite write {addr:#x}: no response in {timeout} cycles")
        self.last_cycles = int(n)
        return int(resp.value)

    def read(self, addr: int, timeout: int = 1000) -> int:
        """Read; returns RDATA (RRESP in ``last_resp``). Raises on timeout."""
        resp, data = C.c_uint32(), C.c_uint64()
        n = self._sim._lib.sim_axil_read(self._sim._h, self._i, addr, timeout, C.byref(data), C.byref(resp))
        if n < 0:
            raise SimError(f"AXI-Lite read {addr:#x}: no response in {timeout} cycles")
        self.last_cycles, self.last_resp = int(n), int(resp.value)
        return int(data.value)


class NativeSim:
    """A Verilated ``top`` in a generated C++ harness (see docs/spec/native_sim.md)."""

    def __init__(self, top: str, sources: Sequence[Path], parameters: Mapping[str, object] | None = None,
                 waves: bool = False, seed: int = 0, clock: str = "clk", threads: int = 1) -> None:
        self.built = build(top, sources, parameters or {}, waves=waves, clock=clock, threads=threads)
        self.top = top
        self.parameters = self.built.parameters
        self._lib = C.CDLL(str(self.built.lib))
        _sig(self._lib)
        n = self._lib.sim_port_count()
        self.ports: dict[str, Port] = {}
        self._idx: dict[str, int] = {}
        for i in range(n):
            name = self._lib.sim_port_name(i).decode()
            self.ports[name] = Port(name, "in" if self._lib.sim_port_dir(i) == 0 else "out",
                                    self._lib.sim_port_width(i))
            self._idx[name] = i
        self._h = self._lib.sim_create(seed)
        self._sources: dict[str, Source] = {}
        self._sinks: dict[str, Sink] = {}
        self._axil: dict[str, AxiLite] = {}

    # ---------------------------------------------------------------- ports
    def _port(self, name: str) -> int:
        if name not in self._idx:
            raise KeyError(f"{self.top} has no port {name!r}")
        return self._idx[name]

    def set_port(self, name: str, value: int | bytes) -> None:
        """Drive an input: an int, or a little-endian byte image for any width."""
        p = self.ports[name] if name in self.ports else self.ports[name]  # KeyError with the name
        if isinstance(value, int):
            if value < 0 or value >> p.width:
                raise ValueError(f"{name}: {value:#x} does not fit {p.width} bits")
            value = value.to_bytes(p.nbytes, "little")
        buf = (C.c_uint8 * len(value)).from_buffer_copy(value)
        if self._lib.sim_set_port(self._h, self._port(name), buf, len(value)) != 0:
            raise ValueError(f"{name} is not an input")

    def get_port_bytes(self, name: str) -> bytes:
        p = self.ports[name]
        buf = (C.c_uint8 * p.nbytes)()
        self._lib.sim_get_port(self._h, self._port(name), buf, p.nbytes)
        return bytes(buf)

    def get_port(self, name: str) -> int:
        """Current value of a port (outputs as of the last evaluation)."""
        return int.from_bytes(self.get_port_bytes(name), "little")

    def eval(self) -> None:
        """Settle combinational logic after set_port (no clock edge)."""
        self._lib.sim_eval(self._h)

    def reset(self, cycles: int = 4, port: str = "rst") -> None:
        self.set_port(port, 1)
        self.run(cycles)
        self.set_port(port, 0)

    # ---------------------------------------------------------------- agents
    def _group(self, prefix: str, fields: Sequence[str], required: Sequence[str]) -> list[int]:
        idx = [self._idx.get(f"{prefix}_{f}", -1) for f in fields]
        missing = [f for f, i in zip(fields, idx) if i < 0 and f in required]
        if missing:
            raise SimError(f"{self.top}: group {prefix}_* lacks {missing}")
        return idx

    def source(self, prefix: str = "s_axis") -> Source:
        """The AXI-Stream source agent driving the ``prefix`` input group (created once)."""
        if prefix not in self._sources:
            idx = self._group(prefix, _STREAM_FIELDS, ("tdata", "tvalid", "tready"))
            if self.ports[f"{prefix}_tdata"].direction != "in":
                raise SimError(f"{prefix}_tdata is not an input: use sink()")
            i = self._lib.sim_add_source(self._h, _ints(idx))
            if i < 0:
                raise SimError(f"cannot add source {prefix} ({i})")
            self._sources[prefix] = Source(self, i, prefix, self.ports[f"{prefix}_tdata"].nbytes)
        return self._sources[prefix]

    def sink(self, prefix: str = "m_axis", capacity: int = 1 << 20) -> Sink:
        """The AXI-Stream sink agent draining the ``prefix`` output group (created once)."""
        if prefix not in self._sinks:
            idx = self._group(prefix, _STREAM_FIELDS, ("tdata", "tvalid", "tready"))
            if self.ports[f"{prefix}_tdata"].direction != "out":
                raise SimError(f"{prefix}_tdata is not an output: use source()")
            i = self._lib.sim_add_sink(self._h, _ints(idx))
            if i < 0:
                raise SimError(f"cannot add sink {prefix} ({i})")
            self._sinks[prefix] = Sink(self, i, prefix, self.ports[f"{prefix}_tdata"].nbytes, capacity)
        return self._sinks[prefix]

    def axil(self, prefix: str = "s_axil") -> AxiLite:
        """The AXI-Lite master on the ``prefix`` slave group (created once)."""
        if prefix not in self._axil:
            req = [f for f in _AXIL_FIELDS if f not in _AXIL_OPTIONAL]
            idx = self._group(prefix, _AXIL_FIELDS, req)
            i = self._lib.sim_add_axil(self._h, _ints(idx))
            self._axil[prefix] = AxiLite(self, i, self.ports[f"{prefix}_wdata"].width)
        return self._axil[prefix]

    def attach_dma(self, dma_ptr: int, step: int | C._CFuncPtr, s_prefix: str | None = "s_axis",
                   m_prefix: str | None = "m_axis") -> None:
        """Step a DMA model once per cycle on the ``s_prefix`` (H2C) / ``m_prefix`` (C2H) groups.

        ``dma_ptr`` is the model object (``sluice_dma *``) and ``step`` the address of its
        ``sluice_dma_step`` (an int or the ctypes function of the model's library).
        """
        addr = step if isinstance(step, int) else C.cast(step, C.c_void_p).value
        five = _STREAM_FIELDS[:5]
        s_idx = self._group(s_prefix, five, ("tdata", "tvalid", "tready")) if s_prefix else [-1] * 5
        m_idx = self._group(m_prefix, five, ("tdata", "tvalid", "tready")) if m_prefix else [-1] * 5
        self._lib.sim_attach_dma(self._h, dma_ptr, addr, _ints(s_idx), _ints(m_idx))

    @property
    def dma_steps(self) -> int:
        return int(self._lib.sim_dma_steps(self._h))

    # ---------------------------------------------------------------- running
    @property
    def cycle(self) -> int:
        """Cycles clocked since construction (harness and bare loop)."""
        return int(self._lib.sim_cycle(self._h))

    def run(self, max_cycles: int, until: str | None = None, *, idle_cycles: int = 16,
            port: str | None = None, value: int = 0, sink: str = "m_axis", packets: int = 0,
            check: bool = True) -> int:
        """Clock up to ``max_cycles``; return the cycles run.

        until=None: exactly max_cycles. "drained": every source has sent all it was given
        and every sink has been idle for ``idle_cycles``. "port": ``port`` (<= 64 bits)
        equals ``value`` after an edge. "packets": sink ``sink`` holds ``packets`` packets.
        With ``check``, a condition not met within max_cycles raises SimError.
        """
        mode = _UNTIL[until]
        a, b = 0, 0
        if until == "drained":
            b = idle_cycles
        elif until == "port":
            assert port is not None
            a, b = self._port(port), value
        elif until == "packets":
            a, b = self.sink(sink)._i, packets
        total = 0
        while True:
            n = int(self._lib.sim_run(self._h, max_cycles - total, mode, a, b))
            total += n
            st = self._lib.sim_status(self._h)
            if st == ST_SINK_FULL:
                for s in self._sinks.values():
                    st_ = s.stats()
                    if st_["bytes"] + s.beat_bytes > len(s._buf) or st_["packets"] >= len(s._ends):
                        s._grow()
                if total < max_cycles:
                    continue
            break
        for src in self._sources.values():
            src._release()
        if check and until is not None and st != ST_DONE:
            raise SimError(f"run(until={until!r}) not met within {max_cycles} cycles")
        return total

    def bare(self, cycles: int) -> int:
        """The reference loop: ``clk=0; eval; clk=1; eval`` with no agents, same model."""
        return int(self._lib.sim_bare(self._h, cycles))

    def waves(self, path: Path | str, start: int, end: int) -> None:
        """Write an FST of cycles [start, end) to ``path`` (needs ``waves=True``)."""
        if self._lib.sim_waves(self._h, str(path).encode(), start, end) != 0:
            raise SimError("built without tracing: construct with waves=True")

    def close(self) -> None:
        if self._h:
            self._lib.sim_destroy(self._h)
            self._h = None

    def __enter__(self) -> NativeSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
