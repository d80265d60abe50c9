"""A background batch producer: the ETL runs in its own thread while training consumes batches.

The producer thread drives the device (run_etl: every pass the spec needs). The streaming pass's C2H buffers
ARE the ring: page-locked when CUDA is present (host_runtime.device.host_array), each one lent to the consumer
when the device has written a batch into it and handed back to the device only after the consumer released it.
There is no host copy between the device's write and the consumer: on CPU the trainer reads zero-copy views of
the buffer; on a GPU the feed (training/feed.py) queues one asynchronous copy of it on a side stream and
releases it as soon as that copy is done. A ring with every buffer lent makes the producer (and, through the
missing C2H descriptors, the device) wait: back-pressure all the way to the engine. `stats` records who waited.

With `c2h_target="gpu"` the batch buffers are allocated as GPU memory: on the sim backend the DMA model maps
them as its P2P (GPU BAR) window, so the modelled peer-to-peer write (with its own bandwidth cap) lands there;
with CUDA present the feed then copies that window into a real CUDA tensor (what the P2P write would have done).
The simulator's clock loop and torch both release the GIL, so ETL and training really overlap.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from host_runtime.device import Completion, Device, DmaBuffer
from host_runtime.etl import EtlRun, run_etl
from host_runtime.training.batch import Batch, host_batch
from host_runtime.training.config import DlrmConfig
from models.pipeline_spec import PipelineSpec
from models.transform import TransformState


@dataclass
class ProducedBatch:
    dma: DmaBuffer  # the device's batch buffer (lent until released)
    nbytes: int
    batch: Batch  # zero-copy host views of the buffer
    arrived_s: float  # seconds since the producer started

    @property
    def buffer(self) -> torch.Tensor:
        """The whole buffer as a uint8 tensor (shares memory with `dma.array`)."""
        assert self.batch.buffer is not None
        return self.batch.buffer


@dataclass
class ProducerStats:
    batches: int = 0
    producer_wait_s: float = 0.0  # the device had no buffer to write into (training was slower)
    consumer_wait_s: float = 0.0  # time the consumer waited for a batch (the ETL was slower)
    first_batch_s: float | None = None
    etl_done_s: float | None = None
    run: EtlRun | None = field(default=None, repr=False)


class LendingDevice:
    """Wraps a device so that C2H buffers the producer lends out are resubmitted only once given back.

    run_etl resubmits a buffer right after its batch was seen; here that resubmission waits until the consumer
    gave the buffer back, and `wait("c2h")` blocks while every buffer is out (the device could not write anyway).
    All device calls stay on the producer thread; the consumer only flips a flag and notifies."""

    def __init__(self, inner: Device, stats: ProducerStats) -> None:
        self.inner, self._stats = inner, stats
        self._lent: set[int] = set()
        self._deferred: list[DmaBuffer] = []
        self._submitted = 0
        self._cv = threading.Condition()
        self.last: Completion | None = None

    def __getattr__(self, name: str):  # registers, alloc, configure, submit_h2c, stats, backend, ...
        return getattr(self.inner, name)

    def submit_c2h(self, buf: DmaBuffer) -> None:
        with self._cv:
            if id(buf) in self._lent:
                self._deferred.append(buf)
                return
        self.inner.submit_c2h(buf)
        self._submitted += 1

    def _resubmit_returned(self) -> None:
        back = [b for b in self._deferred if id(b) not in self._lent]
        self._deferred = [b for b in self._deferred if id(b) in self._lent]
        for b in back:
            self.inner.submit_c2h(b)
            self._submitted += 1

    def wait(self, channel: str, max_cycles: int | None = None) -> Completion | None:
        if channel == "c2h":
            t = time.perf_counter()
            with self._cv:
                self._resubmit_returned()
                while self._submitted == 0 and self._deferred:
                    self._cv.wait()
                    self._resubmit_returned()
            self._stats.producer_wait_s += time.perf_counter() - t
            c = self.inner.wait("c2h", max_cycles)
            if c is not None:
                self._submitted -= 1
                self.last = c
            return c
        return self.inner.wait(channel, max_cycles)

    def lend_last(self) -> DmaBuffer:
        assert self.last is not None
        with self._cv:
            self._lent.add(id(self.last.buffer))
        return self.last.buffer

    def give_back(self, buf: DmaBuffer) -> None:
        with self._cv:
            self._lent.discard(id(buf))
            self._cv.notify_all()


class BatchProducer:
    """Iterate over the streaming pass's batches while the ETL still runs; call `release(b)` when done."""

    def __init__(self, spec: PipelineSpec, text: bytes | Path, device: Device, slots: int = 4, *,
                 c2h_target: str = "host", keep_batches: bool = True) -> None:
        self.stats = ProducerStats()
        self._ready: queue.Queue[ProducedBatch | BaseException | None] = queue.Queue()
        self._spec, self._text = spec, text
        self._device = LendingDevice(device, self.stats)
        self._opts = {"c2h_target": c2h_target, "c2h_buffers": slots, "keep_batches": keep_batches}
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._work, name="sluice-producer", daemon=True)
        self._thread.start()

    @property
    def state(self) -> TransformState | None:
        """The id stage's tables (hot sets) once the ETL is done."""
        return self.stats.run.state if self.stats.run is not None else None

    def _on_batch(self, view: np.ndarray) -> None:
        dma = self._device.lend_last()
        now = time.perf_counter() - self._t0
        if self.stats.first_batch_s is None:
            self.stats.first_batch_s = now
        self.stats.batches += 1
        self._ready.put(ProducedBatch(dma, int(view.size), host_batch(torch.from_numpy(dma.array), verify=False),
                                      now))

    def _work(self) -> None:
        try:
            # run_etl hands on_batch to the streaming pass only (vocabulary / profiling passes are internal)
            self.stats.run = run_etl(self._spec, self._text, self._device,  # type: ignore[arg-type]
                                     on_batch=self._on_batch, **self._opts)  # type: ignore[arg-type]
            self.stats.etl_done_s = time.perf_counter() - self._t0
            self._ready.put(None)
        except BaseException as e:  # surfaced in the consumer
            self._ready.put(e)

    def __iter__(self) -> Iterator[ProducedBatch]:
        while True:
            t = time.perf_counter()
            item = self._ready.get()
            self.stats.consumer_wait_s += time.perf_counter() - t
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def release(self, b: ProducedBatch) -> None:
        self._device.give_back(b.dma)

    def join(self) -> None:
        self._thread.join()


def train_streaming(spec: PipelineSpec, producer: BatchProducer, steps: int, *, device: str = "cpu",
                    seed: int = 0, mode: str = "deterministic", cfg: DlrmConfig | None = None) -> dict:
    """Train on batches as the producer delivers them (one pass over the stream, at most `steps` steps).
    On a GPU the producer's buffers go through the feed (one side-stream copy each, released once copied)."""
    from host_runtime.training.config import TrainOptions, default_max_rows
    from host_runtime.training.feed import GpuFeed
    from host_runtime.training.trainer import Trainer

    cfg = cfg or DlrmConfig(max_rows=default_max_rows(device))
    trainer = Trainer(spec, device=device, cfg=cfg, opts=TrainOptions.for_mode(mode, device, seed=seed))
    first_step_s = None
    if trainer.cuda:
        feed = GpuFeed(spec.geometry(), device, ((pb.buffer, pb) for pb in producer), on_copied=producer.release)
        for b in feed:
            if len(trainer.losses) < steps:
                trainer.step(b)
                first_step_s = first_step_s or time.perf_counter() - producer._t0
            feed.release(b)
        feed.join()
        overhead = feed.stats.summary()
    else:
        for pb in producer:
            if pb.batch.rows and len(trainer.losses) < steps:
                trainer.step(pb.batch)
                first_step_s = first_step_s or time.perf_counter() - producer._t0
            producer.release(pb)
        overhead = {}
    producer.join()
    s = producer.stats
    losses = trainer.loss_values()
    return {"steps": len(losses), "losses": losses, "batches": s.batches, "first_batch_s": s.first_batch_s,
            "first_step_s": first_step_s, "etl_done_s": s.etl_done_s,
            "overlapped": first_step_s is not None and s.etl_done_s is not None and first_step_s < s.etl_done_s,
            "producer_wait_s": round(s.producer_wait_s, 3), "consumer_wait_s": round(s.consumer_wait_s, 3),
            "feed": overhead}
