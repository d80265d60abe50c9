"""Replay a batch file at a given rate into the fast trainer: the runtime's per-batch overhead and GPU use.

    python -m host_runtime.replay --batches out/demo/batches.bin --config criteo_dlrm \\
        --rows-per-second 3.7e7 --device cuda --steps 400 --json out/x/replay.json

The batches are what a run produced (`sluice etl --backend sim --batches-out`, `make demo`'s batches.bin). They
are loaded once into page-locked buffers, as a board's C2H engine would have written them, then the fused trainer
(fast mode on a GPU) trains on them through the side-stream feed, twice: unthrottled (the trainer's own rate and
the runtime's per-batch overhead) and paced at --rows-per-second (batch i available at (i+1)*rows/rate). The
PipeRec experiment with all three feeds is `sluice bench feed`; this is the same runtime on any batch file.
"""
from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np


def load_batches(path: Path) -> list[bytes]:
    """Every non-empty batch of a batch-stream file (back-to-back buffers)."""
    from models.pack import iter_batch_stream

    raw = np.fromfile(path, dtype=np.uint8)
    out, pos = [], 0
    for b in iter_batch_stream(raw):
        n = int(b.header["total_bytes"])
        if b.rows:
            out.append(raw[pos:pos + n].tobytes())
        pos += n
    return out


def _run(trainer, spec, device: str, bufs: list, steps: int, rate: float | None) -> dict:
    from host_runtime.training.feed import make_feed, paced

    rows = int.from_bytes(bytes(bufs[0][12:16].numpy()), "little")
    src = paced(bufs, rows, rate, steps) if rate else itertools.islice(itertools.cycle(bufs), steps)
    feed = make_feed(spec.geometry(), device, src)
    t0 = time.perf_counter()
    for b in feed:
        trainer.step(b)
        feed.release(b)
    feed.join()
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    return {"steps": steps, "wall_s": round(wall, 4), "rows_per_s": round(steps * rows / wall),
            **feed.stats.summary()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=Path, required=True, help="batch stream file (concatenated batches)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--rows-per-second", type=float, required=True, help="the rate to replay at")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from host_runtime.spec import load_spec
    from host_runtime.training.config import DlrmConfig, TrainOptions, default_max_rows
    from host_runtime.training.cuda_check import NoCuda, require_cuda
    from host_runtime.training.feed import host_buffers
    from host_runtime.training.trainer import Trainer

    try:
        require_cuda(args.device, "python -m host_runtime.replay")
    except NoCuda as e:
        return int(e.code)
    spec = load_spec(args.config)
    raw = load_batches(args.batches)
    if not raw:
        print(f"python -m host_runtime.replay: no batches in {args.batches}")
        return 2
    cap = int.from_bytes(raw[0][16:20], "little")
    import dataclasses

    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=cap))
    bufs = host_buffers(raw, pinned=args.device.startswith("cuda"))
    trainer = Trainer(spec, device=args.device, cfg=DlrmConfig(max_rows=default_max_rows(args.device)),
                      opts=TrainOptions.for_mode("fast", args.device))
    _run(trainer, spec, args.device, bufs, args.warmup, None)
    report = {"device": args.device, "pipeline": spec.name, "batches_in_file": len(bufs), "batch_capacity": cap,
              "unthrottled": _run(trainer, spec, args.device, bufs, args.steps, None),
              "paced": {"rows_per_second": args.rows_per_second,
                        **_run(trainer, spec, args.device, bufs, args.steps, args.rows_per_second)}}
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
