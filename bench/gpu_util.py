"""Helpers shared by the GPU benches (`sluice bench train`, `sluice bench feed`).

* `ceilings`: the two numbers a GPU figure is judged against, measured in the same run (METHOD.md): device-to-
  device copy bandwidth (bytes read + written) and a large bf16 matrix product's rate;
* `drive`: run a trainer over a feed, timing each step with CUDA events (GPU busy time) and the whole run on the
  host clock: rows/s, GPU utilisation = busy / wall;
* `require_cuda` (host_runtime/training/cuda_check.py): the one-line error (exit 2) for `--device cuda` where
  torch has no CUDA.
"""
from __future__ import annotations

import platform
import time
from typing import Any, Callable

import torch

from host_runtime.training.cuda_check import NoCuda, require_cuda  # noqa: F401  (re-exported)


def machine(device: str) -> dict[str, Any]:
    out: dict[str, Any] = {"torch": torch.__version__, "python": platform.python_version(), "device": device}
    if device.startswith("cuda"):
        p = torch.cuda.get_device_properties(torch.device(device))
        out.update(gpu=p.name, sms=p.multi_processor_count, gpu_memory_gib=round(p.total_memory / 2**30, 1),
                   cuda=torch.version.cuda)
    return out


def _median_ms(fn, reps: int) -> float:
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        ts.append(s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2]


def ceilings(device: str) -> dict[str, float]:
    """Copy bandwidth (GB/s, read + write) over 4 GiB and bf16 matmul TFLOP/s (8192^3, random data)."""
    if not device.startswith("cuda"):
        return {"copy_gb_per_s": float("nan"), "bf16_matmul_tflop_per_s": float("nan")}
    n = 1 << 32
    a = torch.empty(n, dtype=torch.uint8, device=device).random_()
    b = torch.empty_like(a)
    b.copy_(a)
    ms = _median_ms(lambda: b.copy_(a), 10)
    del a, b
    m = 8192
    x = torch.randn(m, m, device=device, dtype=torch.bfloat16)
    y = torch.randn(m, m, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        x @ y
    mm = _median_ms(lambda: x @ y, 10)
    del x, y
    torch.cuda.empty_cache()
    return {"copy_gb_per_s": round(2 * n / ms / 1e6, 1), "bf16_matmul_tflop_per_s": round(2 * m ** 3 / mm / 1e9, 1)}


class _HostTimer:
    """Stands in for a CUDA event pair on CPU runs (the step is synchronous there)."""

    def __init__(self) -> None:
        self.t = time.perf_counter()

    def elapsed_ms(self, other: "_HostTimer") -> float:
        return 1e3 * (other.t - self.t)


def _mark(cuda: bool) -> Any:
    if cuda:
        e = torch.cuda.Event(enable_timing=True)
        e.record()
        return e
    return _HostTimer()


def _sync(cuda: bool) -> None:
    if cuda:
        torch.cuda.synchronize()


def drive(step: Callable[[int, Any], None], feed: Any, steps: int, warmup: int = 0) -> dict[str, float]:
    """Run `step(i, batch)` on the first warmup + steps batches of `feed` (training.feed.GpuFeed or HostFeed),
    releasing each after its step; the last `steps` are timed (CUDA events per step, the host clock overall)."""
    cuda = type(feed).__name__ == "GpuFeed"
    busy: list[tuple[Any, Any]] = []
    t0 = time.perf_counter()
    rows = 0
    first_wait = 0.0
    for i, b in enumerate(feed):
        if i == warmup:
            _sync(cuda)
            t0 = time.perf_counter()
            first_wait = feed.stats.consumer_wait_s
        if b.ready is not None:
            torch.cuda.current_stream().wait_event(b.ready)
        s = _mark(cuda)
        step(i, b)
        e = _mark(cuda)
        if i >= warmup:
            busy.append((s, e))
            rows += b.rows
        feed.release(b)
        if i + 1 >= warmup + steps:
            break
    _sync(cuda)
    wall = time.perf_counter() - t0
    gpu_ms = sum((s.elapsed_time(e) if cuda else s.elapsed_ms(e)) for s, e in busy)
    return {"steps": len(busy), "rows": rows, "wall_s": round(wall, 4), "rows_per_s": round(rows / wall),
            "gpu_ms_per_step": round(gpu_ms / max(1, len(busy)), 4),
            "gpu_utilisation": round(gpu_ms / 1e3 / wall, 4),
            "trainer_waited_for_batches_s": round(feed.stats.consumer_wait_s - first_wait, 4)}
