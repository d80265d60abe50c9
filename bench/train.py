"""`sluice bench train`: how fast the fused DLRM trains (default), and Hotline's hybrid embeddings against their
baselines (`--hybrid`).

Default: criteo_dlrm batches made by the golden pipeline on every core (`--rows` rows, replayed in a loop: the
throughput figures need millions of rows, the step's work does not depend on which real rows it gets), tables
sized from the preset (26 x 10 M rows, D = --emb-dim), fed from pinned host memory through the side-stream feed.
For each batch size and variant: rows/s, GPU time per step, and the distance to the GPU's limits — dense FLOP/s
against a bf16 matrix product's rate and the embedding tables' minimum traffic against the copy bandwidth, both
ceilings measured in the same run. The previous trainer (bench/legacy_trainer.py) runs in the same run as the
reference point.

--hybrid: criteo_hotline batches; the same batches train (a) with every table on the GPU, (b) Hotline's hybrid
(hot rows on the GPU, cold rows in pinned CPU memory, popular micro-batch first, cold rows prefetched), (c)
every table in CPU memory with the MLPs on the GPU (DLRM's classic CPU-GPU mode, serial) and (d) the same with
the cold-row pipeline. The loss curves of (b)-(d) are compared with (a) over the same batches (equal accuracy).
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

VARIANTS = ("legacy", "deterministic", "eager", "graph", "graph-fp32", "graph-segment", "compile")


def _opts(variant: str, seed: int = 0):
    from host_runtime.training.config import TrainOptions

    return {"deterministic": TrainOptions(seed=seed),
            "eager": TrainOptions(seed=seed, bf16=True, deterministic=False),
            "graph": TrainOptions(seed=seed, bf16=True, graphs=True, deterministic=False),
            "graph-fp32": TrainOptions(seed=seed, graphs=True, deterministic=False),
            "graph-segment": TrainOptions(seed=seed, bf16=True, graphs=True, deterministic=False),
            "compile": TrainOptions(seed=seed, bf16=True, graphs=True, compile=True, deterministic=False)}[variant]


def _free() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _feed(spec, device: str, pinned: list, n: int):
    from host_runtime.training.feed import make_feed

    return make_feed(spec.geometry(), device, itertools.islice(itertools.cycle(pinned), n))


def _limits(trainer, rows_per_s: float, ceil: dict, dim: int, n_sparse: int) -> dict:
    """Achieved dense FLOP/s and minimum embedding traffic against the measured ceilings."""
    flops_row = 3 * trainer.model.flops_per_row()  # forward + backward (2x forward)
    # per lookup: the row read in the forward, read + written by the update, its accumulator read + written
    emb_bytes_row = n_sparse * (3 * 4 * dim + 2 * 4)
    tf = rows_per_s * flops_row / 1e12
    gbs = rows_per_s * emb_bytes_row / 1e9
    return {"dense_tflop_per_s": round(tf, 2), "fraction_of_bf16_matmul": round(tf / ceil["bf16_matmul_tflop_per_s"], 4),
            "embedding_min_gb_per_s": round(gbs, 1), "fraction_of_copy_bw": round(gbs / ceil["copy_gb_per_s"], 4),
            "flop_per_row": flops_row, "embedding_min_bytes_per_row": emb_bytes_row}


def run_variant(spec, variant: str, pinned: list, device: str, cfg, steps: int, warmup: int,
                ceil: dict) -> dict[str, Any]:
    import torch

    from bench.gpu_util import drive

    _free()
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    if variant == "legacy":
        from bench.legacy_trainer import LegacyTrainer

        tr: Any = LegacyTrainer(spec, device)
    else:
        from host_runtime.training.trainer import Trainer

        tr = Trainer(spec, device=device, cfg=cfg, opts=_opts(variant),
                     segment_sum="segment" if variant == "graph-segment" else "index_add")
    setup = time.perf_counter() - t0
    t1 = time.perf_counter()
    feed = _feed(spec, device, pinned, warmup + steps)
    r = drive(lambda i, b: tr.step(b), feed, steps, warmup)
    feed.join()
    out: dict[str, Any] = {"variant": variant, "batch": spec.batch.size, **r, "setup_s": round(setup, 2),
                           "run_s_incl_warmup": round(time.perf_counter() - t1, 2),
                           "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
                           "runtime_overhead_us_per_batch": feed.stats.summary()["runtime_overhead_us_per_batch"]}
    if variant != "legacy":
        out["limits"] = _limits(tr, r["rows_per_s"], ceil, cfg.emb_dim, len(spec.sparse))
        if variant == "eager" and cuda:  # where an eager step's time goes (CUDA events between phases, 5 steps)
            one = host_like = pinned[0]
            from host_runtime.training.batch import host_batch

            hb = host_batch(host_like, verify=False)
            dev = one.to(device, non_blocking=False)
            from host_runtime.training.batch import map_batch

            db = map_batch(dev, spec.geometry(), hb.rows, hb.popular)
            for _ in range(5):
                tr.timed_step(db)
            out["eager_phase_ms"] = {k: round(v / tr.times.steps, 3) for k, v in tr.times.ms.items()}
        losses = tr.loss_values()
        out["loss_first_last"] = [round(losses[0], 4), round(float(np.mean(losses[-10:])), 4)]
    else:
        tr.close()
    del tr, feed
    _free()
    return out


def bench_trainer(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from bench.gpu_util import ceilings, machine
    from host_runtime.spec import load_spec
    from host_runtime.training.config import DlrmConfig, default_max_rows
    from host_runtime.training.cpu_etl import generate_batches
    from host_runtime.training.feed import host_buffers

    spec = load_spec(args.config)
    sizes = tuple(int(x) for x in args.batch_sizes.split(","))
    variants = [v for v in args.variants.split(",") if v]
    t0 = time.perf_counter()
    data, _ = generate_batches(spec, args.rows or (1 << 20), sizes=sizes)
    gen_s = time.perf_counter() - t0
    ceil = ceilings(args.device)
    cfg = DlrmConfig(emb_dim=args.emb_dim, max_rows=default_max_rows(args.device))
    report: dict[str, Any] = {"bench": "train", "machine": machine(args.device), "pipeline": spec.name,
                              "model": dataclasses.asdict(cfg), "ceilings": ceil,
                              "data": {"rows": sum(int.from_bytes(b[12:16], "little") for b in data[sizes[0]]),
                                       "batches_per_size": {s: len(v) for s, v in data.items()},
                                       "generated_s": round(gen_s, 1),
                                       "note": "golden-pipeline batches replayed in a loop"},
                              "runs": []}
    for size in sizes:
        sp = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=size))
        pinned = host_buffers(data[size], pinned=args.device.startswith("cuda"))
        for v in variants:
            if v == "compile" and size != max(sizes):
                continue  # one compile (minutes of device time) at the largest batch
            try:
                r = run_variant(sp, v, pinned, args.device, cfg, args.steps, args.warmup, ceil)
            except Exception as e:  # keep the other figures; say what failed
                r = {"variant": v, "batch": size, "error": f"{type(e).__name__}: {e}"[:500]}
                _free()
            report["runs"].append(r)
            _save(args, report)  # partial results survive a time limit
            print(json.dumps({k: r.get(k) for k in ("variant", "batch", "rows_per_s", "gpu_ms_per_step",
                                                     "gpu_utilisation", "error")}), flush=True)
        del pinned
    best = max((r for r in report["runs"] if "rows_per_s" in r and r["variant"] != "legacy"),
               key=lambda r: r["rows_per_s"], default=None)
    legacy = {r["batch"]: r["rows_per_s"] for r in report["runs"] if r["variant"] == "legacy" and "rows_per_s" in r}
    report["best"] = best and {k: best[k] for k in ("variant", "batch", "rows_per_s")}
    report["target_rows_per_s"] = 5_000_000
    report["target_met"] = bool(best and best["rows_per_s"] >= 5_000_000)
    if best and best["batch"] in legacy:
        report["speedup_vs_legacy_same_batch"] = round(best["rows_per_s"] / legacy[best["batch"]], 1)
    return report


# ------------------------------------------------------------------------------------------------ hybrid
def _agree(ref: list[float], got: list[float], window: int = 10) -> dict[str, float]:
    a, b = np.array(ref), np.array(got)
    window = max(1, min(window, min(len(a), len(b)) // 4))
    n = min(len(a), len(b)) // window * window
    wa, wb = a[:n].reshape(-1, window).mean(1), b[:n].reshape(-1, window).mean(1)
    return {"max_abs_step_diff": round(float(np.max(np.abs(a[:n] - b[:n]))), 5),
            "max_abs_window_mean_diff": round(float(np.max(np.abs(wa - wb))), 5),
            "final_window_mean": round(float(wb[-1]), 5), "reference_final_window_mean": round(float(wa[-1]), 5)}


def bench_hybrid(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from bench.gpu_util import drive, machine
    from host_runtime.spec import load_spec
    from host_runtime.training.batch import host_batch
    from host_runtime.training.config import CPU_MAX_ROWS, DlrmConfig, table_rows
    from host_runtime.training.cpu_etl import generate_batches
    from host_runtime.training.embedding import FusedTable, init_table
    from host_runtime.training.feed import host_buffers
    from host_runtime.training.hybrid import HybridTrainer, Placement, cpu_placement, hotline_placement
    from host_runtime.training.trainer import DeviceStore, HotUnmap, Trainer

    base = load_spec(args.config)
    if not base.hot_split:  # the default preset has no hot set: the Hotline preset is the one to run
        base = load_spec("criteo_hotline")
    size = int(args.batch_sizes.split(",")[-1])
    caps = [int(x) for x in args.hot_capacity.split(",")]
    dim, dev = args.emb_dim, args.device
    budget = int(args.gpu_budget_gib * 2**30)
    cfg = DlrmConfig(emb_dim=dim, max_rows=None)
    cuda = dev.startswith("cuda")
    fast = _opts("graph")
    eager = dataclasses.replace(fast, graphs=False)
    report: dict[str, Any] = {"bench": "train --hybrid", "machine": machine(dev), "pipeline": base.name,
                              "batch": size, "emb_dim": dim, "gpu_embedding_budget_gib": args.gpu_budget_gib,
                              "configs": []}
    n_all = args.warmup + args.steps
    for cap in caps:
        spec = dataclasses.replace(base, batch=dataclasses.replace(base.batch, size=size),
                                   hotset=dataclasses.replace(base.hotset, capacity=cap))
        if not cuda:  # a CPU run (a check of the code path) cannot hold 26 x 10 M rows: smaller id ranges
            spec = dataclasses.replace(spec, sparse=tuple(dataclasses.replace(s, modulus=CPU_MAX_ROWS)
                                                          for s in spec.sparse))
        t0 = time.perf_counter()
        data, state = generate_batches(spec, args.rows or (1 << 20))
        hot = [h.ids.astype(np.int64) if h is not None else None for h in state.hotsets]
        raw = data[size]
        pinned = host_buffers(raw, pinned=cuda)
        hosts = [host_batch(p, verify=False) for p in pinned]
        rows = table_rows(spec, None)
        w0 = init_table(rows, dim, dev, seed=0)
        cfg_rec: dict[str, Any] = {"hot_capacity": cap, "data_rows": sum(h.rows for h in hosts),
                                   "batches": len(hosts), "generated_s": round(time.perf_counter() - t0, 1),
                                   "popular_fraction": round(sum(h.popular for h in hosts) / sum(h.rows for h in hosts), 4),
                                   "modes": {}}
        full_bytes = (sum(rows) + 1) * (dim + 1) * 4
        cfg_rec["all_tables_bytes"] = full_bytes
        cfg_rec["all_tables_exceed_budget"] = full_bytes > budget

        def feed():
            return _feed(spec, dev, pinned, n_all)

        # (a) every table on the GPU (the fast trainer, CUDA graph)
        _free()
        tr = Trainer(spec, device=dev, cfg=cfg, opts=fast,
                     store=DeviceStore(FusedTable(rows, dim, dev, weight=w0.clone()), HotUnmap(hot, torch.device(dev))))
        f = feed()
        r = drive(lambda i, b: tr.step(b), f, args.steps, args.warmup)
        f.join()
        ref = tr.loss_values()
        cfg_rec["modes"]["all_gpu"] = {**r, "gpu_embedding_bytes": full_bytes,
                                       "within_budget": full_bytes <= budget}
        del tr, f
        _free()
        for name, pl, prefetch in (("hybrid", hotline_placement(rows, hot), True),
                                   ("cpu_embeddings_classic", cpu_placement(rows), False),
                                   ("cpu_embeddings_pipelined", cpu_placement(rows), True)):
            t1 = time.perf_counter()
            h = HybridTrainer(len(spec.dense), pl, hot, device=dev, cfg=cfg, opts=eager, init_weight=w0,
                              prefetch=prefetch)
            setup = time.perf_counter() - t1
            f = feed()
            r = drive(lambda i, b: h.step(b, hosts[i % len(hosts)],
                                          hosts[(i + 1) % len(hosts)] if i + 1 < n_all else None),
                      f, args.steps, args.warmup)
            f.join()
            h.finish()
            cfg_rec["modes"][name] = {**r, **h.stats.summary(), "setup_s": round(setup, 1),
                                      "cold_table_pinned": h.table_pinned,
                                      "gpu_embedding_bytes": pl.gpu_bytes(dim), "cpu_embedding_bytes": pl.cpu_bytes(dim),
                                      "within_budget": pl.gpu_bytes(dim) <= budget,
                                      "loss_vs_all_gpu": _agree(ref, h.loss_values())}
            h.close()
            del h, f
            _free()
            print(json.dumps({"cap": cap, "mode": name, "rows_per_s": r["rows_per_s"]}), flush=True)
        m = cfg_rec["modes"]
        cfg_rec["hybrid_vs_cpu_classic"] = round(m["hybrid"]["rows_per_s"] / m["cpu_embeddings_classic"]["rows_per_s"], 2)
        cfg_rec["hybrid_vs_cpu_pipelined"] = round(m["hybrid"]["rows_per_s"] / m["cpu_embeddings_pipelined"]["rows_per_s"], 2)
        cfg_rec["hybrid_vs_all_gpu"] = round(m["hybrid"]["rows_per_s"] / m["all_gpu"]["rows_per_s"], 3)
        report["configs"].append(cfg_rec)
        _save(args, report)
        del w0, pinned, hosts
        _free()
    report["goal"] = "hybrid >= 2.2x the CPU-embedding baseline (Hotline)"
    report["goal_met"] = all(c["hybrid_vs_cpu_classic"] >= 2.2 for c in report["configs"])
    return report


def _save(args: argparse.Namespace, report: dict) -> None:
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


def main(args: argparse.Namespace) -> int:
    from bench.gpu_util import NoCuda, require_cuda

    try:
        require_cuda(args.device, "sluice bench train")
    except NoCuda as e:
        return int(e.code)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # the legacy / deterministic runs need it
    report = bench_hybrid(args) if args.hybrid else bench_trainer(args)
    _save(args, report)
    print(json.dumps(report, indent=2) if args.json else _table(report))
    return 0


def _table(r: dict) -> str:
    if r["bench"] == "train":
        lines = [f"{'variant':14} {'batch':>6} {'rows/s':>12} {'ms/step':>8} {'util':>6}"]
        for x in r["runs"]:
            lines.append(f"{x['variant']:14} {x['batch']:>6} {x.get('rows_per_s', x.get('error', '')):>12} "
                         f"{x.get('gpu_ms_per_step', ''):>8} {x.get('gpu_utilisation', ''):>6}")
        return "\n".join(lines)
    return json.dumps(r, indent=2)
