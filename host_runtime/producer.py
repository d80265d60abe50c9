"""A background batch producer: the ETL runs in its own thread while training consumes batches.

The producer thread drives the device (run_etl: every pass the spec needs); each batch that completes is
copied once from the DMA buffer into a slot of a ring of page-locked (pinned, when CUDA is present) host
buffers, and the trainer gets zero-copy tensor views of that slot (host_runtime.torch_batches), so the
host→GPU copy can be asynchronous. A slot is reused only after the consumer released it, which bounds the
memory and makes the producer wait when training is slower (back-pressure all the way to the device, whose
C2H descriptors then wait). The simulator's clock loop and torch both release the GIL, so ETL and training
really overlap. On a board the C2H descriptors would point at the pinned ring directly and the one copy goes
away; the consumer side is the same.
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

from host_runtime.device import Device
from host_runtime.etl import EtlRun, run_etl
from host_runtime.torch_batches import alloc_batch_buffer, tensors_of
from models.pipeline_spec import PipelineSpec


@dataclass
class ProducedBatch:
    slot: int
    nbytes: int
    tensors: dict  # labels, dense, sparse, rows, popular_rows: views of the pinned slot
    arrived_s: float  # seconds since the producer started


@dataclass
class ProducerStats:
    batches: int = 0
    producer_wait_s: float = 0.0  # time the producer waited for a free slot (training was slower)
    consumer_wait_s: float = 0.0  # time the consumer waited for a batch (the ETL was slower)
    first_batch_s: float | None = None
    etl_done_s: float | None = None
    run: EtlRun | None = field(default=None, repr=False)


class BatchProducer:
    """Iterate over the streaming pass's batches while the ETL still runs; call `release(b)` when done."""

    def __init__(self, spec: PipelineSpec, text: bytes | Path, device: Device, slots: int = 4) -> None:
        g = spec.geometry()
        self._slots = [alloc_batch_buffer(g) for _ in range(slots)]
        self._free: queue.Queue[int] = queue.Queue()
        for i in range(slots):
            self._free.put(i)
        self._ready: queue.Queue[ProducedBatch | BaseException | None] = queue.Queue()
        self.stats = ProducerStats()
        self._spec, self._text, self._device = spec, text, device
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._work, name="sluice-producer", daemon=True)
        self._thread.start()

    def _on_batch(self, view: np.ndarray) -> None:
        t = time.perf_counter()
        slot = self._free.get()
        self.stats.producer_wait_s += time.perf_counter() - t
        buf = self._slots[slot]
        buf.numpy()[:view.size] = view  # the one copy: DMA buffer -> pinned slot
        now = time.perf_counter() - self._t0
        if self.stats.first_batch_s is None:
            self.stats.first_batch_s = now
        self.stats.batches += 1
        self._ready.put(ProducedBatch(slot, int(view.size), tensors_of(buf.numpy()[:view.size]), now))

    def _work(self) -> None:
        try:
            # run_etl hands on_batch to the streaming pass only (vocabulary / profiling passes are internal)
            self.stats.run = run_etl(self._spec, self._text, self._device, on_batch=self._on_batch)
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
        self._free.put(b.slot)

    def join(self) -> None:
        self._thread.join()


def train_streaming(spec: PipelineSpec, producer: BatchProducer, steps: int, *, device: str = "cpu",
                    seed: int = 0, lr: float = 0.05) -> dict:
    """Train on batches as the producer delivers them (one pass over the stream, at most `steps` steps)."""
    from torch import nn

    from host_runtime.dlrm import Dlrm, DlrmConfig, table_rows

    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    cfg = DlrmConfig()
    model = Dlrm(len(spec.dense), table_rows(spec, cfg.max_rows), cfg).to(device)
    opt = torch.optim.Adagrad(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses: list[float] = []
    first_step_s = None
    for b in producer:
        t = b.tensors
        n = t["rows"]
        if n and len(losses) < steps:
            labels, dense, sparse = t["labels"][:n].to(device), t["dense"][:n].to(device), t["sparse"][:, :n].to(device)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(dense.float(), sparse), labels)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            if first_step_s is None:
                first_step_s = time.perf_counter() - producer._t0
        producer.release(b)
    producer.join()
    s = producer.stats
    return {"steps": len(losses), "losses": losses, "batches": s.batches, "first_batch_s": s.first_batch_s,
            "first_step_s": first_step_s, "etl_done_s": s.etl_done_s,
            "overlapped": first_step_s is not None and s.etl_done_s is not None and first_step_s < s.etl_done_s,
            "producer_wait_s": round(s.producer_wait_s, 3), "consumer_wait_s": round(s.consumer_wait_s, 3)}
