"""The golden pipeline on every core: PipeRec's CPU feed, and batch data for the benches.

The golden models are vectorised numpy on one core, so the CPU path scales by processes: each worker owns a
shard of Criteo-like text (`sluice datagen` rows, its own seed) and turns it, B lines at a time, into packed
batches (decode -> transform -> pack, models/). Rows of a stateless preset (criteo_dlrm: modulo ids) transform
identically in any chunking; for a hot split the hot sets are profiled once, FAE-style, on the first rows of
shard 0 and shipped to every worker, as the engine's profiling pass does for the whole input.

`LiveCpuEtl` runs the workers continuously (looping over their shards, the work per row being what it is) and
hands the parent batch bytes through a queue: what a CPU data loader costs, including moving the batches between
processes. `generate_batches` makes a fixed set of batches once (data for replay and training benches). This
module imports no torch: workers start fast and the parent's CUDA state is not involved.
"""
from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import os
import queue
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np

from models.decode_text import decode_text
from models.pack import PackSettings, pack_batches, parse_batch
from models.pipeline_spec import PipelineSpec
from models.transform import TransformState, transform


def _quiet_threads() -> None:
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = "1"


def shard_text(rows: int, seed: int) -> bytes:
    """`rows` Criteo-like TSV rows (sluice datagen, no malformed rows) as bytes."""
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "shard.tsv"
        write_tsv(p, rows, seed=seed)
        return p.read_bytes()


def line_chunks(text: bytes, lines: int) -> list[tuple[int, int]]:
    """(start, stop) byte ranges of `lines` whole lines each (the last may be shorter)."""
    nl = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
    ends = nl[lines - 1::lines] + 1
    starts = np.concatenate([[0], ends])
    stops = np.concatenate([ends, [len(text)]])
    return [(int(a), int(b)) for a, b in zip(starts, stops) if b > a]


def chunk_batches(spec: PipelineSpec, text: bytes, state: TransformState) -> list[bytes]:
    """The non-empty batches the golden pipeline packs from `text` with fixed stateful tables."""
    rows = decode_text(text, spec.schema, spec.text)
    out = transform(spec, rows, state)
    settings = PackSettings(spec.geometry(), spec.batch.drop_last, spec.hot_split)
    return [b for b in pack_batches(out, settings) if parse_batch(b, verify_checksum=False).rows]


def profile_state(spec: PipelineSpec, text: bytes, total_rows: int) -> TransformState:
    """Hot sets (and vocabularies) from the first ceil(f * total_rows) rows of `text` (FAE-style sample)."""
    if not spec.hot_split and not spec.uses_vocab:
        return TransformState()
    assert spec.hotset is not None or not spec.hot_split
    n_prof = math.ceil((spec.hotset.profile_fraction if spec.hotset else 1.0) * total_rows)
    head = text[:line_chunks(text, n_prof)[0][1]]
    one = dataclasses.replace(spec, hotset=dataclasses.replace(spec.hotset, profile_fraction=1.0)) \
        if spec.hotset is not None else spec
    return TransformState.prepare(one, decode_text(head, spec.schema, spec.text))


# ---------------------------------------------------------------------------------------------- fixed sets
def _gen_shard(args: tuple[int, int]) -> bytes:
    _quiet_threads()
    rows, seed = args
    return shard_text(rows, seed)


def _pack_shard(args: tuple[PipelineSpec, bytes, TransformState, tuple[int, ...]]) -> dict[int, list[bytes]]:
    spec, text, state, sizes = args
    out = transform(spec, decode_text(text, spec.schema, spec.text), state)
    res = {}
    for size in sizes:
        g = dataclasses.replace(spec.batch, size=size).geometry(len(spec.dense), len(spec.sparse))
        packed = pack_batches(out, PackSettings(g, spec.batch.drop_last, spec.hot_split))
        res[size] = [b for b in packed if parse_batch(b, verify_checksum=False).rows]
    return res


def generate_batches(spec: PipelineSpec, rows: int, *, sizes: tuple[int, ...] | None = None,
                     workers: int | None = None, seed: int = 1) -> tuple[dict[int, list[bytes]], TransformState]:
    """About `rows` rows packed at each batch size of `sizes` (default: the spec's), made on `workers` processes
    (shard w: datagen seed + w; decoded and transformed once, packed per size)."""
    sizes = sizes or (spec.batch.size,)
    workers = workers or os.cpu_count() or 1
    per = -(-rows // workers)
    per = -(-per // max(sizes)) * max(sizes)  # whole batches of every size per shard (sizes are powers of 2)
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers) as pool:
        texts = pool.map(_gen_shard, [(per, seed + w) for w in range(workers)])
        state = profile_state(spec, texts[0], per * workers)
        shards = pool.map(_pack_shard, [(spec, t, state, tuple(sizes)) for t in texts])
    return {s: [b for sh in shards for b in sh[s]] for s in sizes}, state


# ---------------------------------------------------------------------------------------------- live feed
def _live_worker(spec: PipelineSpec, rows: int, seed: int, state: TransformState, out: "mp.Queue[bytes]",
                 stop: "mp.synchronize.Event") -> None:
    _quiet_threads()
    text = shard_text(rows, seed)
    chunks = line_chunks(text, spec.batch.size)
    while not stop.is_set():
        for a, b in chunks:
            for batch in chunk_batches(spec, text[a:b], state):
                while not stop.is_set():
                    try:
                        out.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
            if stop.is_set():
                return


class LiveCpuEtl:
    """Worker processes running the golden pipeline continuously; iterate for batch bytes, `close()` to stop.
    Each worker generates its own text shard first (`ready()` waits for the first batch)."""

    def __init__(self, spec: PipelineSpec, *, workers: int | None = None, rows_per_worker: int = 1 << 18,
                 seed: int = 1, state: TransformState | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        ctx = mp.get_context("spawn")
        self._q: mp.Queue[bytes] = ctx.Queue(maxsize=2 * self.workers)
        self._stop = ctx.Event()
        st = state if state is not None else TransformState()
        per = -(-rows_per_worker // spec.batch.size) * spec.batch.size
        self._procs = [ctx.Process(target=_live_worker, args=(spec, per, seed + w, st, self._q, self._stop),
                                   daemon=True) for w in range(self.workers)]
        for p in self._procs:
            p.start()
        self._first: bytes | None = None

    def ready(self, timeout: float = 600.0) -> None:
        if self._first is None:
            self._first = self._q.get(timeout=timeout)

    def __iter__(self) -> Iterator[bytes]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while True:
            yield self._q.get()

    def close(self) -> None:
        self._stop.set()
        for p in self._procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
        self._q.cancel_join_thread()
