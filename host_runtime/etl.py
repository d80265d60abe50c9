"""Running a pipeline on a device: the host side of SPEC §7 (passes, buffers, streaming, report).

The same code drives every backend. For engines with state that the host must build, the passes are:

1. vocabulary count (only if a feature uses a vocabulary): the whole input streams once with the id stage in
   pass-1 mode; the batches are discarded;
2. hot-set profiling (only with a hot split): the whole input streams with hot sets off; the host profiles the
   first ⌈f·N⌉ rows' final ids (models.hotset.profile_hot_ids, FAE-style) and loads the hot tables. Vocabulary
   ids are numbered at first pass-2 occurrence, so this pass numbers every key exactly as the final pass would;
3. the streaming pass: text in, batches out.

The golden backend runs the models, which build that state themselves, so it only needs pass 3.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from host_runtime.device import Completion, Device, DeviceError, DmaBuffer
from models.batch_layout import BatchFlags
from models.hotset import HotSet, profile_hot_ids
from models.pack import parse_batch
from models.pipeline_spec import PipelineSpec
from models.transform import TransformState

TEXT_CHUNK = 1 << 20  # bytes per H2C descriptor
H2C_BUFFERS = 4
C2H_BUFFERS = 4


@dataclass
class EtlRun:
    batches: list[bytes]
    passes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    device_stats: dict = field(default_factory=dict)  # at the end of the run
    stats_before_stream: dict = field(default_factory=dict)  # at the start of the streaming pass
    stream_seconds: float = 0.0
    state: TransformState | None = None


def _text_chunks(text: bytes | Path, chunk: int) -> Iterator[bytes]:
    if isinstance(text, (bytes, bytearray, memoryview)):
        mv = memoryview(text)
        for i in range(0, len(mv), chunk):
            yield bytes(mv[i:i + chunk])
        return
    with open(text, "rb") as f:
        while data := f.read(chunk):
            yield data


def stream(device: Device, text: bytes | Path, batch_bytes: int, *,
           on_batch: Callable[[np.ndarray], None] | None = None, chunk: int = TEXT_CHUNK,
           c2h_target: str = "host", c2h_buffers: int = C2H_BUFFERS, keep: bool = True) -> list[bytes]:
    """Stream one text stream through the device; returns the batches in order (each as bytes; none if not
    `keep`), the last one flagged END_OF_STREAM. `on_batch` sees each batch buffer's bytes (a view, valid
    during the call). Batch buffers are allocated in `c2h_target` memory ("host", or "gpu": the P2P window)."""
    h2c_free = [device.alloc(chunk) for _ in range(H2C_BUFFERS)]
    c2h = [device.alloc(batch_bytes, c2h_target) for _ in range(c2h_buffers)]
    for b in c2h:
        device.submit_c2h(b)
    chunks = _text_chunks(text, chunk)
    pending = next(chunks, b"")
    text_done = False
    in_flight = 0
    batches: list[bytes] = []
    while True:
        while not text_done and h2c_free:
            nxt = next(chunks, None)
            buf = h2c_free.pop()
            buf.array[:len(pending)] = np.frombuffer(pending, dtype=np.uint8)
            device.submit_h2c(buf, len(pending), end_of_stream=nxt is None)
            in_flight += 1
            if nxt is None:
                text_done = True
            else:
                pending = nxt
        done = device.wait("c2h", max_cycles=None if text_done else 1 << 22)
        if done is not None:
            _check(done)
            view = done.buffer.array[:done.nbytes]
            if on_batch is not None:
                on_batch(view)
            hdr = parse_batch(view, verify_checksum=False).header
            if keep:
                batches.append(view.tobytes())
            device.submit_c2h(done.buffer)
            if hdr["flags"] & BatchFlags.END_OF_STREAM:
                while in_flight:
                    h = device.wait("h2c")
                    if h is None:
                        break
                    in_flight -= 1
                return batches
            continue
        h = device.wait("h2c")
        if h is None:
            raise DeviceError("the device stopped: no batch and no text completion (see device.stats())")
        _check(h)
        in_flight -= 1
        h2c_free.append(h.buffer)


def _check(c: Completion) -> None:
    if c.status:
        raise DeviceError(f"{c.channel} DMA error status {c.status} (buffer at {c.buffer.bus_addr:#x})")


def _batch_ids(batches: list[bytes]) -> np.ndarray:
    parts = [parse_batch(b).sparse.T.astype(np.uint64) for b in batches]
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.uint64)


def run_etl(spec: PipelineSpec, text: bytes | Path, device: Device, *,
            on_batch: Callable[[np.ndarray], None] | None = None, c2h_target: str = "host",
            c2h_buffers: int = C2H_BUFFERS, keep_batches: bool = True) -> EtlRun:
    """All passes the spec needs on `device`; returns the streaming pass's batches (if `keep_batches`). The
    streaming pass's batch buffers are allocated in `c2h_target` memory ("host" or "gpu")."""
    stream_opts = {"c2h_target": c2h_target, "c2h_buffers": c2h_buffers, "keep": keep_batches}
    t0 = time.perf_counter()
    nbytes = spec.geometry().total_bytes
    run = EtlRun(batches=[])
    if device.backend == "golden":
        device.configure(spec, None)
        t1 = time.perf_counter()
        run.batches = stream(device, text, nbytes, on_batch=on_batch, **stream_opts)
        run.stream_seconds = time.perf_counter() - t1
        run.passes.append("stream")
        run.state = getattr(device, "last_state", None)
    else:
        state = TransformState()
        if spec.uses_vocab:
            device.configure(spec, None, mode="vocab_count")
            stream(device, text, nbytes)
            run.passes.append("vocab_count")
        if spec.hot_split:
            assert spec.hotset is not None
            device.configure(spec, None, mode="profile")
            ids = _batch_ids(stream(device, text, nbytes))
            n_prof = math.ceil(spec.hotset.profile_fraction * ids.shape[0])
            state.hotsets = [HotSet(profile_hot_ids(ids[:n_prof, j], spec.hotset.capacity), spec.hotset.capacity)
                             if s.hot else None for j, s in enumerate(spec.sparse)]
            run.passes.append("profile")
        device.configure(spec, state, mode="run")
        run.stats_before_stream = device.stats()
        t1 = time.perf_counter()
        run.batches = stream(device, text, nbytes, on_batch=on_batch, **stream_opts)
        run.stream_seconds = time.perf_counter() - t1
        run.passes.append("stream")
        run.state = state
    run.seconds = time.perf_counter() - t0
    run.device_stats = device.stats()
    return run


def read_text(path: Path) -> bytes:
    return Path(path).read_bytes()


__all__ = ["EtlRun", "run_etl", "stream", "DmaBuffer"]
