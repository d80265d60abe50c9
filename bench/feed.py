"""`sluice bench feed`: PipeRec's experiment — how busy does the ETL keep a fast trainer?

The fused trainer (bf16, CUDA graph, preset-sized tables) trains N rows of criteo_dlrm under three feeds, each
through the same runtime path (pinned host buffers -> side-stream copies -> double-buffered device slots):

(a) cpu: the golden pipeline running live on all of the machine's cores (training/cpu_etl.py: one process per
    core, each turning its own datagen shard into batches, B lines at a time; the batches reach the trainer's
    process through a queue and a pinned ring) — the CPU-GPU pipeline;
(b) board: batches replayed at the modelled board rate (training/board.py: rows/cycle of a cycle-accurate run x
    250 MHz, capped by the modelled PCIe/P2P path into the GPU for this batch size) — Sluice's engine;
(c) unbounded: batches replayed as fast as the trainer takes them — the upper bound.

Reported per feed: time to train N rows, rows/s, GPU utilisation (CUDA-event busy time of the steps / wall
time), the runtime's per-batch overhead and who waited for whom; and the ratios PipeRec reports (utilisation
with each feed; end-to-end time of the board feed as a fraction of the CPU pipeline's).
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import queue
import time
from pathlib import Path
from typing import Any, Iterator

PIPEREC = {"gpu_utilisation_fpga": "64-91 % (78.6 % mean on the prototype)", "gpu_utilisation_cpu": "36.6 %",
           "end_to_end_time_vs_cpu_gpu_pipeline": "9.94 %"}


class PinnedRing:
    """Page-locked buffers the CPU feed's batches are copied into (the copy a CPU data loader makes)."""

    def __init__(self, nbytes: int, slots: int) -> None:
        import torch

        self.bufs = [torch.empty(nbytes, dtype=torch.uint8, pin_memory=True) for _ in range(slots)]
        self.free: queue.Queue[int] = queue.Queue()
        for i in range(slots):
            self.free.put(i)

    def fill(self, data: bytes) -> tuple[Any, int]:
        import numpy as np

        slot = self.free.get()
        self.bufs[slot].numpy()[:len(data)] = np.frombuffer(data, dtype=np.uint8)
        return self.bufs[slot], slot

    def release(self, slot: int) -> None:
        self.free.put(slot)


def paced(items: list, batch_rows: int, rows_per_s: float, n: int) -> Iterator[Any]:
    """The first n items of cycle(items), item i released at i * batch_rows / rows_per_s (a board writing batches
    at its modelled rate; the feed thread waits here, the trainer does not)."""
    t0 = time.perf_counter()
    for i, x in enumerate(itertools.islice(itertools.cycle(items), n)):
        due = t0 + (i + 1) * batch_rows / rows_per_s  # batch i is complete once its rows have been written
        while (left := due - time.perf_counter()) > 0:
            time.sleep(left if left > 2e-4 else 0)
        yield x


def main(args: argparse.Namespace) -> int:
    from bench.gpu_util import NoCuda, require_cuda

    try:
        require_cuda(args.device, "sluice bench feed")
    except NoCuda as e:
        return int(e.code)
    report = run(args)
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    print(text if args.json else _table(report))
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from bench.gpu_util import drive, machine
    from host_runtime.spec import load_spec
    from host_runtime.training.board import board_rate
    from host_runtime.training.config import DlrmConfig, TrainOptions, default_max_rows
    from host_runtime.training.cpu_etl import LiveCpuEtl, generate_batches
    from host_runtime.training.feed import host_buffers, make_feed
    from host_runtime.training.trainer import Trainer

    size = int(args.batch_sizes.split(",")[-1])
    spec = load_spec(args.config)
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=size))
    g = spec.geometry()
    feeds = [f for f in args.feeds.split(",") if f]
    n_batches = max(1, (args.train_rows or 96 * size) // size)
    cuda = args.device.startswith("cuda")
    workers = args.cpu_workers or os.cpu_count() or 1
    # start the CPU pipeline's workers first (spawned processes; their datagen runs while we set up)
    live = LiveCpuEtl(spec, workers=workers) if "cpu" in feeds else None
    data, _ = generate_batches(spec, 16 * size, workers=workers)
    pinned = host_buffers(data[size], pinned=cuda)
    board = board_rate(size, g.total_bytes, report_path=args.board_report)
    trainer = Trainer(spec, device=args.device, cfg=DlrmConfig(emb_dim=args.emb_dim, max_rows=default_max_rows(args.device)),
                      opts=TrainOptions.for_mode("fast", args.device))
    step = lambda i, b: trainer.step(b)  # noqa: E731
    warm = make_feed(g, args.device, itertools.islice(itertools.cycle(pinned), 10))
    drive(step, warm, 10)  # capture the graph, warm the allocator
    report: dict[str, Any] = {"bench": "feed", "machine": machine(args.device), "pipeline": spec.name,
                              "batch": size, "rows_to_train": n_batches * size, "board": board,
                              "cpu_workers": workers, "piperec": PIPEREC, "feeds": {}}
    for name in feeds:
        if name == "unbounded":
            f = make_feed(g, args.device, itertools.islice(itertools.cycle(pinned), n_batches))
            r = drive(step, f, n_batches)
        elif name == "board":
            f = make_feed(g, args.device, paced(pinned, size, board["rows_per_s"], n_batches))
            r = drive(step, f, n_batches)
        elif name == "cpu":
            assert live is not None
            live.ready()
            alone = _cpu_alone(live, size, seconds=3.0)
            ring = PinnedRing(g.total_bytes, 4) if cuda else None
            src = (ring.fill(x) if ring else (torch.frombuffer(bytearray(x), dtype=torch.uint8), None)
                   for x in itertools.islice(live, n_batches))
            f = make_feed(g, args.device, src, on_copied=ring.release if ring else None)
            r = drive(step, f, n_batches)
            r["cpu_pipeline_alone_rows_per_s"] = alone
            live.close()
        else:
            raise ValueError(f"unknown feed {name!r} (cpu, board, unbounded)")
        f.join()
        r["time_to_train_s"] = r.pop("wall_s")
        r.update(f.stats.summary())
        report["feeds"][name] = r
        if args.out:  # partial results survive a time limit
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps({"feed": name, "rows_per_s": r["rows_per_s"], "gpu_utilisation": r["gpu_utilisation"]}),
              flush=True)
    fd = report["feeds"]
    if "cpu" in fd and "board" in fd:
        report["board_time_vs_cpu_time"] = round(fd["board"]["time_to_train_s"] / fd["cpu"]["time_to_train_s"], 4)
    if "unbounded" in fd:
        for k in ("cpu", "board"):
            if k in fd:
                fd[k]["rows_per_s_vs_unbounded"] = round(fd[k]["rows_per_s"] / fd["unbounded"]["rows_per_s"], 4)
    return report


def _cpu_alone(live: Any, size: int, seconds: float) -> int:
    """The CPU pipeline's own rate with nothing training: drain what is queued, then count for `seconds`."""
    try:
        while True:
            live._q.get_nowait()
    except queue.Empty:
        pass
    t0 = time.perf_counter()
    n = 0
    for _ in live:
        n += size
        if time.perf_counter() - t0 >= seconds:
            break
    rate = round(n / (time.perf_counter() - t0))
    try:  # start the measured run with an empty queue too: no head start for the CPU feed
        while True:
            live._q.get_nowait()
    except queue.Empty:
        pass
    return rate


def _table(r: dict) -> str:
    lines = [f"{'feed':10} {'rows/s':>12} {'time s':>8} {'GPU util':>8}"]
    for k, v in r["feeds"].items():
        lines.append(f"{k:10} {v['rows_per_s']:>12} {v['time_to_train_s']:>8} {v['gpu_utilisation']:>8}")
    return "\n".join(lines)
