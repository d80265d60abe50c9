"""Replay batches at the modelled board rate into a trainer: the runtime's overhead and GPU utilisation.

    python -m host_runtime.replay --batches out/x/batches.bin --config criteo_dlrm --rows-per-second 3.3e7 \
        --device cuda --steps 400 --json out/x/replay.json

The batches are what the simulator produced (`sluice etl --backend sim --batches-out`). They are loaded into
page-locked buffers first, as a board's C2H engine would have written them, then two runs train the DLRM:

* unthrottled: each step takes the next batch as soon as the previous step is queued, which measures the
  runtime's own per-batch overhead (header check, zero-copy views, the asynchronous host→GPU copies) in CPU
  microseconds, and the GPU time per step from CUDA events;
* paced: batch i becomes available at i·rows/rate (the cycle-accurate modelled rate at the stated clock),
  which is the predicted board behaviour; GPU utilisation = GPU busy time ÷ wall time.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from host_runtime.dlrm import Dlrm, DlrmConfig, table_rows
from host_runtime.spec import load_spec
from host_runtime.torch_batches import tensors_of
from models.pack import iter_batch_stream


def _load_pinned(path: Path) -> list[tuple[torch.Tensor, int]]:
    """Every non-empty batch of a batch stream file in its own page-locked buffer, with its row count."""
    raw = np.fromfile(path, dtype=np.uint8)
    out = []
    pin = torch.cuda.is_available()
    pos = 0
    for b in iter_batch_stream(raw):
        n = int(b.header["total_bytes"])
        if b.rows:
            t = torch.empty(n, dtype=torch.uint8, pin_memory=pin)
            t.numpy()[:] = raw[pos:pos + n]
            out.append((t, b.rows))
        pos += n
    return out


def _run(model: nn.Module, opt: torch.optim.Optimizer, batches: list[tuple[torch.Tensor, int]], steps: int,
         device: str, rate_rows_per_s: float | None) -> dict:
    cuda = device.startswith("cuda")
    loss_fn = nn.BCEWithLogitsLoss()
    copy_stream = torch.cuda.Stream() if cuda else None
    overhead = 0.0
    gpu_ms = 0.0
    events = []
    losses = []
    rows = 0
    avail = 0.0
    t0 = time.perf_counter()
    for step in range(steps):
        buf, n = batches[step % len(batches)]
        if rate_rows_per_s:
            avail += n / rate_rows_per_s
            while time.perf_counter() - t0 < avail:
                pass  # the batch has not "arrived" yet at the modelled rate
        tm = time.perf_counter()
        t = tensors_of(buf.numpy(), verify=True)
        if cuda:
            with torch.cuda.stream(copy_stream):
                labels = t["labels"][:n].to(device, non_blocking=True)
                dense = t["dense"][:n].to(device, non_blocking=True)
                sparse = t["sparse"][:, :n].to(device, non_blocking=True)
            torch.cuda.current_stream().wait_stream(copy_stream)
        else:
            labels, dense, sparse = t["labels"][:n], t["dense"][:n], t["sparse"][:, :n]
        overhead += time.perf_counter() - tm
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(dense.float(), sparse), labels)
        loss.backward()
        opt.step()
        if cuda:
            end.record()
            events.append((start, end))
        losses.append(loss.detach())
        rows += n
    if cuda:
        torch.cuda.synchronize()
        gpu_ms = sum(s.elapsed_time(e) for s, e in events)
    wall = time.perf_counter() - t0
    return {"steps": steps, "rows": rows, "wall_s": round(wall, 4),
            "rows_per_s": round(rows / wall),
            "runtime_overhead_us_per_batch": round(1e6 * overhead / steps, 2),
            "gpu_ms_per_step": round(gpu_ms / steps, 4) if cuda else None,
            "gpu_utilisation": round(gpu_ms / 1e3 / wall, 4) if cuda else None,
            "final_loss": round(float(torch.stack(losses[-20:]).float().mean()), 5)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=Path, required=True, help="batch stream file (concatenated batches)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--rows-per-second", type=float, required=True, help="modelled board rate")
    ap.add_argument("--baseline-rows-per-second", type=float, default=None,
                    help="also pace at this rate (e.g. the CPU ETL baseline of sluice bench cpu) for comparison")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    spec = load_spec(args.config)
    batches = _load_pinned(args.batches)
    torch.manual_seed(0)
    cfg = DlrmConfig()
    model = Dlrm(len(spec.dense), table_rows(spec, cfg.max_rows), cfg).to(args.device)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.05)
    _run(model, opt, batches, args.warmup, args.device, None)
    report = {"device": args.device,
              "gpu": torch.cuda.get_device_name() if args.device.startswith("cuda") else None,
              "torch": torch.__version__, "pipeline": spec.name, "batches_in_file": len(batches),
              "batch_rows": batches[0][1] if batches else 0,
              "modelled_rows_per_second": args.rows_per_second,
              "unthrottled": _run(model, opt, batches, args.steps, args.device, None),
              "paced_at_modelled_rate": _run(model, opt, batches, args.steps, args.device, args.rows_per_second)}
    if args.baseline_rows_per_second:
        report["baseline_rows_per_second"] = args.baseline_rows_per_second
        report["paced_at_baseline_rate"] = _run(model, opt, batches, args.steps, args.device,
                                                args.baseline_rows_per_second)
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
