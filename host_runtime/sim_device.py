"""The `sim` backend: the Verilated etl_top and the cycle-level DMA model behind the device API.

Everything a board driver would do happens here the same way: CSR writes over AXI-Lite (clocked by the
simulator, the streams keep moving), descriptors written into rings in host memory (numpy buffers mapped as
the DMA model's IOMMU windows), tail-pointer writes, completions read from the write-back rings when the
modelled interrupt or poll says so. The clock loop runs in C++ (cosim/native); Python only acts between
chunks of cycles.
"""
from __future__ import annotations

import collections
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Deque

import numpy as np

from cosim.dma.dma import C2H, DESC_DTYPE, H2C, HOST, READ, WB_DTYPE, WRITE, Dma
from host_runtime.csr_image import csr_writes
from host_runtime.csr_image.idstage import IdStageParams
from host_runtime.csr_map import Access, load_csr_map
from host_runtime.device import Completion, Device, DeviceError, DmaBuffer, host_array
from models.pcie import LinkParams
from models.pipeline_spec import PipelineSpec, SparseFinal
from models.transform import TransformState

REPO = Path(__file__).resolve().parents[1]
ROM_FILE = REPO / "rtl" / "transform" / "log1p_fx_rom.mem"
RING = 64  # descriptors per ring
EOP, IRQ = 1, 2  # descriptor flags (docs/spec/dma.md)
CHUNK = 512  # cycles per native run call while waiting
STALL_LIMIT = 400_000  # cycles without any DMA progress before wait() gives up
OUT_BYTES = 64  # etl_top's m_axis beat (512 bits; CSR global.out_bytes): the DMA model's C2H stream width


@dataclass(frozen=True)
class TopParams:
    """Build parameters of etl_top (one Verilator build per distinct value)."""

    lanes: int = 2
    lane_bytes: int = 32
    dense_pes: int = 3
    sparse_pes: int = 8
    vocab_tables: int = 2
    vocab_buckets: int = 16
    vocab_ways: int = 2
    hotset_tables: int = 2
    hotset_capacity: int = 16
    pack_max_rows: int = 2048

    @classmethod
    def product(cls, lanes: int = 2, lane_bytes: int = 32) -> "TopParams":
        """The build every preset runs on (the table sizes of rtl/top/csr/*.yaml's product parameters):
        one cached Verilator build serves them all."""
        return cls(lanes=lanes, lane_bytes=lane_bytes, vocab_tables=26, vocab_buckets=1 << 16, vocab_ways=4,
                   hotset_tables=26, hotset_capacity=4096, pack_max_rows=2048)

    @classmethod
    def small(cls, spec: PipelineSpec | None = None) -> "TopParams":
        """`for_spec` on one narrow lane with few PEs: the same results, a much smaller Verilator model
        (the tests' build; throughput figures come from wider builds)."""
        return dataclasses.replace(cls.for_spec(spec, lanes=1, lane_bytes=8), dense_pes=1, sparse_pes=2)

    @classmethod
    def for_spec(cls, spec: PipelineSpec | None, lanes: int = 2, lane_bytes: int = 32) -> "TopParams":
        """The smallest build that runs `spec` exactly (tables sized as the spec asks)."""
        p = cls(lanes=lanes, lane_bytes=lane_bytes)
        if spec is None:
            return p
        vocab = [s.vocab for s in spec.sparse if s.final == SparseFinal.VOCAB and s.vocab is not None]
        if vocab:
            p = dataclasses.replace(p, vocab_tables=max(2, len(vocab)), vocab_buckets=vocab[0].n_buckets,
                                    vocab_ways=vocab[0].ways)
        if spec.hot_split and spec.hotset is not None:
            hot = sum(1 for s in spec.sparse if s.hot)
            p = dataclasses.replace(p, hotset_tables=max(2, hot),
                                    hotset_capacity=1 << max(4, math.ceil(math.log2(max(spec.hotset.capacity, 1)))))
        # the product row store (2048 rows) unless the batch is larger: one build serves every batch size
        rows = max(2048, 1 << math.ceil(math.log2(max(spec.batch.size, 2))))
        return dataclasses.replace(p, pack_max_rows=rows)

    def rtl(self) -> dict[str, object]:
        return {"LANES": self.lanes, "LANE_BYTES": self.lane_bytes, "DENSE_PES": self.dense_pes,
                "SPARSE_PES": self.sparse_pes, "VOCAB_TABLES": self.vocab_tables,
                "VOCAB_BUCKETS": self.vocab_buckets, "VOCAB_WAYS": self.vocab_ways,
                "HOTSET_TABLES": self.hotset_tables, "HOTSET_CAPACITY": self.hotset_capacity,
                "PACK_MAX_ROWS": self.pack_max_rows, "ROM_FILE": str(ROM_FILE)}

    def id_params(self) -> IdStageParams:
        return IdStageParams(max_sparse=64, vocab_tables=self.vocab_tables, vocab_buckets=self.vocab_buckets,
                             vocab_ways=self.vocab_ways, hotset_tables=self.hotset_tables,
                             hotset_capacity=self.hotset_capacity)


class SimDevice(Device):
    backend = "sim"

    def __init__(self, spec: PipelineSpec | None = None, *, params: TopParams | None = None,
                 link: LinkParams | None = None, clock_hz: float = 250e6, waves: bool = False, seed: int = 0,
                 c2h_target: str = "host", threads: int = 1) -> None:
        from cosim.native import NativeSim
        from cosim.runner import rtl_sources

        self.params = params or TopParams.for_spec(spec)
        self.link = link or LinkParams(gen=3, lanes=16)
        self.clock_hz = clock_hz
        self.c2h_target = c2h_target
        self.sim = NativeSim("etl_top", rtl_sources("etl_top"), self.params.rtl(), waves=waves, seed=seed,
                             threads=threads)
        in_bytes = self.params.lanes * self.params.lane_bytes
        self.dma = Dma(self.link, user_clock_mhz=clock_hz / 1e6, h2c_bytes=in_bytes, c2h_bytes=OUT_BYTES)
        self.sim.attach_dma(self.dma.handle, self.dma.step_function, "s_axis", "m_axis")
        self.axil = self.sim.axil("s_axil")
        self.sim.reset()
        self.csr = load_csr_map()
        self._next_bus = 0x10_0000_0000
        self._rings: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._tail = {H2C: 0, C2H: 0}
        self._seen = {H2C: 0, C2H: 0}
        self._pending: dict[int, Deque[DmaBuffer]] = {H2C: collections.deque(), C2H: collections.deque()}
        for ch in (H2C, C2H):
            ring = self._host(RING * DESC_DTYPE.itemsize, READ)
            wb = self._host(RING * WB_DTYPE.itemsize, WRITE)
            self.dma.setup_channel(ch, ring.bus_addr, RING, wb.bus_addr)
            self._rings[ch] = (ring.array.view(DESC_DTYPE), wb.array.view(WB_DTYPE))
        self.configured: str | None = None

    # ------------------------------------------------------------ registers
    def reg_read(self, addr: int) -> int:
        return self.axil.read(addr)

    def reg_write(self, addr: int, value: int) -> None:
        self.axil.write(addr, value & 0xFFFFFFFF)

    def read_counter(self, block: str, name: str) -> int:
        """A status register of the CSR map (lo word first: the RTL latches hi on the lo read)."""
        r = self.csr.block(block).reg(name, Access.RO)
        v = 0
        for w in range(r.words):
            v |= self.reg_read(r.address + 4 * w) << (32 * w)
        return v

    def write_field(self, block: str, name: str, value: int) -> None:
        r = self.csr.block(block).reg(name)
        for w in range(r.words):
            self.reg_write(r.address + 4 * w, (value >> (32 * w)) & 0xFFFFFFFF)

    # ------------------------------------------------------------ memory
    def _host(self, nbytes: int, perm: int) -> DmaBuffer:
        arr = np.zeros(max(nbytes, 64), dtype=np.uint8)
        buf = DmaBuffer(arr, self._next_bus, "host")
        self.dma.map(buf.bus_addr, arr, HOST, perm)
        self._next_bus += (arr.size + 4095) // 4096 * 4096
        return buf

    def alloc(self, nbytes: int, target: str = "host") -> DmaBuffer:
        from cosim.dma.dma import GPU

        arr = host_array(nbytes)  # page-locked when CUDA is present: the "gpu" window is copied on to a CUDA tensor
        buf = DmaBuffer(arr, self._next_bus, target)
        self.dma.map(buf.bus_addr, arr, GPU if target == "gpu" else HOST, READ | WRITE)
        self._next_bus += (nbytes + 4095) // 4096 * 4096
        return buf

    # ------------------------------------------------------------ configuration
    def configure(self, spec: PipelineSpec, state: TransformState | None, *, mode: str = "run") -> None:
        self.write_field("global", "enable", 0)
        if mode == "vocab_count" or (mode != "vocab_count" and self.configured is None and spec.uses_vocab):
            self.write_field("idstage", "clear", 1)
            for _ in range(1 << 22):
                if not self.read_counter("idstage", "busy"):
                    break
                self.sim.run(1024)
        for addr, word in csr_writes(spec, state, mode, id_params=self.params.id_params(),
                                     pack_params={"MAX_ROWS": self.params.pack_max_rows}):
            self.reg_write(addr, word)
        self.write_field("global", "enable", 1)
        self.configured = mode

    # ------------------------------------------------------------ DMA
    def _submit(self, ch: int, desc: tuple[int, int, int, int], buf: DmaBuffer) -> None:
        ring, _ = self._rings[ch]
        if len(self._pending[ch]) >= RING - 1:
            raise DeviceError("descriptor ring full: wait for completions first")
        d = ring[self._tail[ch]]
        d["flags"], d["len"], d["src"], d["dst"] = desc
        self._tail[ch] = (self._tail[ch] + 1) % RING
        self._pending[ch].append(buf)
        self.dma.write_reg(ch, "TAIL", self._tail[ch])

    def submit_h2c(self, buf: DmaBuffer, nbytes: int, end_of_stream: bool) -> None:
        # IRQ on every descriptor: the host learns of each completion (after the modelled MSI-X latency)
        self._submit(H2C, (IRQ | (EOP if end_of_stream else 0), nbytes, buf.bus_addr, 0), buf)

    def submit_c2h(self, buf: DmaBuffer) -> None:
        self._submit(C2H, (IRQ, buf.nbytes, 0, buf.bus_addr), buf)

    def _ready(self, ch: int) -> bool:
        done, _ = self.dma.poll(ch)
        return done > self._seen[ch]

    def _take(self, ch: int) -> Completion:
        _, wb = self._rings[ch]
        rec = wb[self._seen[ch] % RING]
        self._seen[ch] += 1
        buf = self._pending[ch].popleft()
        return Completion("h2c" if ch == H2C else "c2h", buf, int(rec["bytes"]), bool(rec["flags"] & 1),
                          int(rec["status"]), self.sim.cycle)

    def wait(self, channel: str, max_cycles: int | None = None) -> Completion | None:
        ch = H2C if channel == "h2c" else C2H
        other = C2H if ch == H2C else H2C
        if not self._pending[ch]:
            return None
        ran = 0
        idle = 0
        last = self._progress()
        while True:
            if self._ready(ch):
                return self._take(ch)
            if ch == C2H and self._ready(other):
                return None  # the host has a text buffer back to refill first
            if max_cycles is not None and ran >= max_cycles:
                return None
            self.sim.run(CHUNK)
            ran += CHUNK
            now = self._progress()
            idle = idle + CHUNK if now == last else 0
            last = now
            if idle >= STALL_LIMIT:
                return None

    def _progress(self) -> tuple[int, ...]:
        s = self.dma.stats()
        return (s.get("h2c_beats", 0), s.get("c2h_beats", 0), self.dma.poll(H2C)[0], self.dma.poll(C2H)[0])

    # ------------------------------------------------------------ reporting
    def stats(self) -> dict:
        c = {b: {r.name: self.read_counter(b, r.name) for r in self.csr.block(b).registers if r.access == Access.RO}
             for b in ("global", "decode", "transform", "idstage", "pack", "perf")}
        return {"backend": "sim", "params": dataclasses.asdict(self.params), "clock_hz": self.clock_hz,
                "link": dataclasses.asdict(self.link), "cycles": self.sim.cycle, "counters": c,
                "dma": self.dma.stats()}

    def close(self) -> None:
        self.sim.close()
        self.dma.close()
