"""Batch buffers in pinned host memory -> CUDA tensors the trainer can use, overlapped with training.

A feed thread takes each host buffer (a pinned ring slot of the producer, a replayed buffer, ...), reads its
header on the host, and queues ONE asynchronous host->device copy of the whole buffer on a side stream into one
of `slots` device buffers (double-buffered by default), then hands the trainer a `Batch` of views into that
device buffer with an event that fires when the copy is done. The trainer's stream waits on that event (no host
sync); `release(batch)` records when the trainer's stream is done with the slot, and the next copy into it waits
for that on the copy stream. A releaser thread returns each host buffer to its owner as soon as its copy has
finished, so the producer's ring turns over without the trainer ever blocking on a copy.

Measured (FeedStats): CPU time per batch in the feed itself (header check, views, queuing the copy: the
runtime's per-batch overhead), and who waited for whom.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch

from host_runtime.training.batch import Batch, map_batch
from models.batch_layout import HEADER_BYTES, HEADER_DTYPE, MAGIC, BatchGeometry



@dataclass
class FeedStats:
    batches: int = 0
    bytes: int = 0
    enqueue_s: float = 0.0  # feed-thread CPU time: header check + views + queuing the copy (per-batch overhead)
    source_wait_s: float = 0.0  # waiting for the next host buffer (the ETL / replay was slower)
    slot_wait_s: float = 0.0  # waiting for a free device slot (training was slower)
    consumer_wait_s: float = 0.0  # the trainer waiting for a batch

    def summary(self) -> dict:
        n = max(1, self.batches)
        return {"batches": self.batches, "bytes": self.bytes,
                "runtime_overhead_us_per_batch": round(1e6 * self.enqueue_s / n, 2),
                "source_wait_s": round(self.source_wait_s, 4), "slot_wait_s": round(self.slot_wait_s, 4),
                "consumer_wait_s": round(self.consumer_wait_s, 4)}


def read_header(buf: torch.Tensor, g: BatchGeometry) -> tuple[int, int]:
    """(rows, popular_rows) from a host buffer's header, after the checks that make the views valid."""
    h = buf[:HEADER_BYTES].numpy().view(HEADER_DTYPE)[0]
    if int(h["magic"]) != MAGIC or int(h["total_bytes"]) != g.total_bytes or int(h["capacity"]) != g.capacity:
        raise ValueError("batch buffer does not match the feed's geometry (magic, capacity or size)")
    return int(h["rows"]), int(h["popular_rows"])


class GpuFeed:
    """Iterate over CUDA `Batch`es made from host buffers; call `release(batch)` after the step that used it.

    `source` yields uint8 host buffers (pinned, for the copies to be asynchronous), or (buffer, token) pairs:
    each token goes to `on_copied` once its buffer has been copied to the device."""

    def __init__(self, geometry: BatchGeometry, device: str | torch.device, source: Iterable[Any], *,
                 slots: int = 2, on_copied: Callable[[Any], None] | None = None, skip_empty: bool = True) -> None:
        from host_runtime.training.trainer import cuda_index

        self.g = geometry
        self.device = cuda_index(torch.device(device))
        self.copy_stream = torch.cuda.Stream(device=self.device)
        self._bufs = [torch.empty(geometry.total_bytes, dtype=torch.uint8, device=self.device) for _ in range(slots)]
        self._views = [map_batch(b, geometry, 0, 0) for b in self._bufs]
        self._consumed: list[torch.cuda.Event | None] = [None] * slots
        self._free: queue.Queue[int] = queue.Queue()
        for i in range(slots):
            self._free.put(i)
        self._out: queue.Queue[Batch | BaseException | None] = queue.Queue()
        self._copied: queue.Queue[tuple[torch.cuda.Event | None, Any] | None] = queue.Queue()
        self._on_copied = on_copied
        self._skip_empty = skip_empty
        self.stats = FeedStats()
        self._source = source
        self._releaser = threading.Thread(target=self._release_host, name="sluice-feed-release", daemon=True)
        self._thread = threading.Thread(target=self._work, name="sluice-feed", daemon=True)
        self._releaser.start()
        self._thread.start()

    def _work(self) -> None:
        try:
            torch.cuda.set_device(self.device)
            it = iter(self._source)
            while True:
                t = time.perf_counter()
                item = next(it, None)
                self.stats.source_wait_s += time.perf_counter() - t
                if item is None:
                    break
                buf, token = item if isinstance(item, tuple) else (item, None)
                self._feed_one(buf, token)
            self._out.put(None)
        except BaseException as e:  # surfaced in the consumer
            self._out.put(e)
        finally:
            self._copied.put(None)

    def _feed_one(self, buf: torch.Tensor, token: Any) -> None:
        t = time.perf_counter()
        rows, popular = read_header(buf, self.g)
        if rows == 0 and self._skip_empty:
            self._copied.put((None, token))
            self.stats.enqueue_s += time.perf_counter() - t
            return
        t_wait = time.perf_counter()
        slot = self._free.get()
        waited = time.perf_counter() - t_wait
        self.stats.slot_wait_s += waited
        with torch.cuda.stream(self.copy_stream):
            consumed = self._consumed[slot]
            if consumed is not None:
                self.copy_stream.wait_event(consumed)
            self._bufs[slot].copy_(buf[:self.g.total_bytes], non_blocking=True)
            ready = torch.cuda.Event()
            ready.record(self.copy_stream)
        v = self._views[slot]
        b = Batch(v.labels, v.dense, v.sparse, v.rows_t, v.popular_t, rows, popular, v.buffer, ready, slot)
        self._copied.put((ready, token))
        self.stats.batches += 1
        self.stats.bytes += self.g.total_bytes
        self.stats.enqueue_s += time.perf_counter() - t - waited
        self._out.put(b)

    def _release_host(self) -> None:
        while (item := self._copied.get()) is not None:
            ev, token = item
            if ev is not None:
                ev.synchronize()
            if self._on_copied is not None and token is not None:
                self._on_copied(token)

    def __iter__(self) -> Iterator[Batch]:
        while True:
            t = time.perf_counter()
            item = self._out.get()
            self.stats.consumer_wait_s += time.perf_counter() - t
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def release(self, b: Batch) -> None:
        """The trainer's stream is done with `b` once the work queued so far has run: its slot may be refilled."""
        ev = torch.cuda.Event()
        ev.record(torch.cuda.current_stream(self.device))
        self._consumed[b.slot] = ev
        self._free.put(b.slot)

    def join(self) -> None:
        self._thread.join()
        self._releaser.join()


def host_buffers(items: Iterable[np.ndarray | bytes], pinned: bool) -> list[torch.Tensor]:
    """Copy batch buffers once into (pinned) torch buffers, as a C2H engine would have written them."""
    out = []
    for x in items:
        a = np.frombuffer(x, dtype=np.uint8) if not isinstance(x, np.ndarray) else x
        t = torch.empty(a.size, dtype=torch.uint8, pin_memory=pinned)
        t.numpy()[:] = a
        out.append(t)
    return out


class HostFeed:
    """The CPU counterpart of GpuFeed (same interface): batches are used where they are, in host memory."""

    def __init__(self, geometry: BatchGeometry, source: Iterable[Any], *,
                 on_copied: Callable[[Any], None] | None = None, skip_empty: bool = True) -> None:
        self.g, self._source, self._on_copied, self._skip_empty = geometry, source, on_copied, skip_empty
        self.stats = FeedStats()
        self._tokens: dict[int, Any] = {}

    def __iter__(self) -> Iterator[Batch]:
        it = iter(self._source)
        while True:
            t = time.perf_counter()
            item = next(it, None)
            self.stats.consumer_wait_s += time.perf_counter() - t
            if item is None:
                return
            buf, token = item if isinstance(item, tuple) else (item, None)
            t = time.perf_counter()
            rows, popular = read_header(buf, self.g)
            if rows == 0 and self._skip_empty:
                if self._on_copied is not None and token is not None:
                    self._on_copied(token)
                continue
            b = map_batch(buf[:self.g.total_bytes], self.g, rows, popular)
            b.slot = self.stats.batches
            self._tokens[b.slot] = token
            self.stats.batches += 1
            self.stats.bytes += self.g.total_bytes
            self.stats.enqueue_s += time.perf_counter() - t
            yield b

    def release(self, b: Batch) -> None:
        token = self._tokens.pop(b.slot, None)
        if self._on_copied is not None and token is not None:
            self._on_copied(token)

    def join(self) -> None:
        pass


def make_feed(geometry: BatchGeometry, device: str | torch.device, source: Iterable[Any], *,
              on_copied: Callable[[Any], None] | None = None, slots: int = 2) -> "GpuFeed | HostFeed":
    """A GpuFeed for a CUDA device, a HostFeed otherwise."""
    if torch.device(device).type == "cuda":
        return GpuFeed(geometry, device, source, slots=slots, on_copied=on_copied)
    return HostFeed(geometry, source, on_copied=on_copied)
