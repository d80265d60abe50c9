"""The device API (SPEC §7): one interface for the golden model, the simulator and a board.

A device looks like what a host driver sees of an FPGA card behind a DMA shell:

* registers: `reg_read` / `reg_write` on the engine's AXI-Lite map (docs/csr_map.md);
* DMA buffers: `alloc` returns host memory (a numpy byte array, page-locked through torch where CUDA is
  present) with the bus address the card uses for it;
* submit / wait: text buffers are queued host→card (H2C, `end_of_stream` closes a stream), batch buffers
  card→host (C2H, one batch per buffer); `wait` returns completions in submission order per channel;
* events: completions carry the modelled time they were signalled (interrupt or poll) in device cycles.

Backends: `golden` runs the Python models behind this interface (no registers to speak of: `configure`
hands it the spec), `sim` runs the Verilated etl_top with the cycle-level DMA model (host_runtime/sim_device.py),
and a board backend would implement the same methods over a vendor driver's character devices.
"""
from __future__ import annotations

import abc
import collections
import sys
from dataclasses import dataclass
from typing import Deque

import numpy as np

from models.pack import PackSettings, pack_batches
from models.pipeline_spec import PipelineSpec
from models.transform import TransformState


def host_array(nbytes: int) -> np.ndarray:
    """Host memory for a DMA buffer: page-locked (through torch) when torch is loaded and sees CUDA, so a copy
    from it to a GPU is asynchronous and needs no staging copy; plain memory otherwise (ETL-only runs never
    import torch for this)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return torch.zeros(nbytes, dtype=torch.uint8, pin_memory=True).numpy()  # the array keeps the tensor alive
    return np.zeros(nbytes, dtype=np.uint8)


@dataclass
class DmaBuffer:
    """A host buffer the card can reach: `array` is the host view, `bus_addr` the card's address of it."""

    array: np.ndarray  # uint8
    bus_addr: int
    target: str = "host"  # "host" (DRAM) or "gpu" (peer-to-peer BAR)

    @property
    def nbytes(self) -> int:
        return int(self.array.size)


@dataclass
class Completion:
    channel: str  # "h2c" or "c2h"
    buffer: DmaBuffer
    nbytes: int  # bytes moved
    end_of_packet: bool  # c2h: the buffer holds one whole batch; h2c: the stream ended here
    status: int = 0  # 0 OK; non-zero: DMA error (window violation, short buffer, ...)
    cycle: int = 0  # device cycle at which the completion was signalled


class DeviceError(RuntimeError):
    pass


class Device(abc.ABC):
    """What every backend provides."""

    backend: str = "abstract"
    clock_hz: float = 250e6

    @abc.abstractmethod
    def reg_read(self, addr: int) -> int: ...

    @abc.abstractmethod
    def reg_write(self, addr: int, value: int) -> None: ...

    @abc.abstractmethod
    def alloc(self, nbytes: int, target: str = "host") -> DmaBuffer: ...

    @abc.abstractmethod
    def configure(self, spec: PipelineSpec, state: TransformState | None, *, mode: str = "run") -> None:
        """Load a pipeline: `mode` is "run" (the streaming pass), "vocab_count" (vocabulary pass 1) or
        "profile" (hot sets off, for host-side hot-id profiling)."""

    @abc.abstractmethod
    def submit_h2c(self, buf: DmaBuffer, nbytes: int, end_of_stream: bool) -> None: ...

    @abc.abstractmethod
    def submit_c2h(self, buf: DmaBuffer) -> None: ...

    @abc.abstractmethod
    def wait(self, channel: str, max_cycles: int | None = None) -> Completion | None:
        """The next completion on `channel` in submission order, running the device as needed; None if it
        cannot complete (nothing submitted that could finish, or max_cycles ran out)."""

    def stats(self) -> dict:
        return {}

    def close(self) -> None:
        pass

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GoldenDevice(Device):
    """The golden models behind the device API. A stream's batches exist once its text has ended
    (the models are not incremental); completions are in order, and `cycle` is 0."""

    backend = "golden"

    def __init__(self) -> None:
        self._regs: dict[int, int] = {}
        self._spec: PipelineSpec | None = None
        self._state: TransformState | None = None
        self._mode = "run"
        self._text: list[bytes] = []
        self._h2c_done: Deque[Completion] = collections.deque()
        self._c2h_free: Deque[DmaBuffer] = collections.deque()
        self._batches: Deque[bytes] = collections.deque()
        self._next_bus = 0x1_0000_0000
        self.streams = 0
        self.last_state: TransformState | None = None
        self.last_counters = None

    def reg_read(self, addr: int) -> int:
        return self._regs.get(addr, 0)

    def reg_write(self, addr: int, value: int) -> None:
        self._regs[addr] = value & 0xFFFFFFFF

    def alloc(self, nbytes: int, target: str = "host") -> DmaBuffer:
        buf = DmaBuffer(host_array(nbytes), self._next_bus, target)
        self._next_bus += (nbytes + 4095) // 4096 * 4096
        return buf

    def configure(self, spec: PipelineSpec, state: TransformState | None, *, mode: str = "run") -> None:
        self._spec, self._state, self._mode = spec, state, mode

    def submit_h2c(self, buf: DmaBuffer, nbytes: int, end_of_stream: bool) -> None:
        self._text.append(bytes(buf.array[:nbytes]))
        self._h2c_done.append(Completion("h2c", buf, nbytes, end_of_stream))
        if end_of_stream:
            self._run_stream(b"".join(self._text))
            self._text = []

    def _run_stream(self, text: bytes) -> None:
        from models.decode_text import decode_text
        from models.transform import transform

        spec = self._spec
        if spec is None:
            raise DeviceError("configure() first")
        rows = decode_text(text, spec.schema, spec.text)
        state = self._state if self._state is not None else TransformState.prepare(spec, rows)
        out = transform(spec, rows, state)
        self.last_state, self.last_counters = state, rows.counters
        hot = spec.hot_split and self._mode == "run"
        self._batches.extend(pack_batches(out, PackSettings(spec.geometry(), spec.batch.drop_last, hot)))
        self.streams += 1

    def submit_c2h(self, buf: DmaBuffer) -> None:
        self._c2h_free.append(buf)

    def stats(self) -> dict:
        c = self.last_counters
        return {"backend": "golden", "streams": self.streams,
                "decode": None if c is None else {k: v for k, v in vars(c).items() if not k.startswith("_")}}

    def wait(self, channel: str, max_cycles: int | None = None) -> Completion | None:
        if channel == "h2c":
            return self._h2c_done.popleft() if self._h2c_done else None
        if not self._batches or not self._c2h_free:
            return None
        data = self._batches.popleft()
        buf = self._c2h_free.popleft()
        if len(data) > buf.nbytes:
            raise DeviceError(f"batch of {len(data)} bytes does not fit a {buf.nbytes}-byte buffer")
        buf.array[:len(data)] = np.frombuffer(data, dtype=np.uint8)
        return Completion("c2h", buf, len(data), True)


def open_device(backend: str, spec: PipelineSpec | None = None, **kwargs: object) -> Device:
    """A device of the named backend; `sim` builds (or reuses) the Verilated etl_top for `spec`'s needs."""
    if backend == "golden":
        return GoldenDevice()
    if backend == "sim":
        from host_runtime.sim_device import SimDevice

        return SimDevice(spec=spec, **kwargs)  # type: ignore[arg-type]
    raise ValueError(f"unknown backend {backend!r} (golden, sim)")

