"""The JSON run report of `sluice etl` / the demo, from what the device counted.

For the golden backend the counts come from the models; for the simulator they are the CSR counters read
over AXI-Lite (the same reads a board run would do) and the DMA model's statistics, taken as the difference
between the start and the end of the streaming pass (earlier passes — vocabulary count, hot-set profiling —
are reported separately under `passes`). Figures that depend on a clock are projections at `clock_hz`.

Each stage of `stages` (a stream between two engines, named after its producer) also carries `fifo_hwm`: the
high-water marks (largest fill, in FIFO words) of the data-path FIFOs that feed or sit inside the engine that
produces the stream. Unlike the counters these are maxima since the last device reset, not differences, so they
cover every pass of the run (a vocabulary count or profile pass included).
"""
from __future__ import annotations

from models.pack import parse_batch
from models.pipeline_spec import PipelineSpec
from models.schema import BadRowPolicy, Reason

_REASONS = [r for r in Reason if r != Reason.OK]
_ERR_NAMES = {Reason.EXTRA_FIELDS: "err_extra_fields", Reason.BAD_CHAR: "err_bad_char",
              Reason.OVERFLOW: "err_overflow", Reason.OVERLONG: "err_overlong", Reason.BINARY: "err_binary"}


# stream -> {FIFO: (CSR block, register)} of the FIFOs in front of / inside the engine producing the stream
_STAGE_FIFOS: dict[str, dict[str, tuple[str, str]]] = {
    **{f"dec{l}": {"row_store": ("perf", f"dec_rows{l}_hwm")} for l in range(4)},
    **{f"tr{l}": {"slot_fifo": ("perf", f"tr_fifo{l}_hwm")} for l in range(4)},
    "merged": {"dec_cnt_fifo": ("perf", "dec_cnt_fifo_hwm"), "cnt_m_fifo": ("perf", "cnt_m_fifo_hwm"),
               "cnt_e_fifo": ("perf", "cnt_e_fifo_hwm")},
    "packin": {"beat_fifo": ("perf", "id_beat_fifo_hwm"), "vid_fifo": ("perf", "id_vid_fifo_hwm"),
               "hot_fifo": ("perf", "id_hot_fifo_hwm")},
    "batch_out": {"out_fifo": ("pack", "out_fifo_hwm")},
}


def _delta(a: dict, b: dict) -> dict:
    out = {}
    for k, v in b.items():
        if isinstance(v, dict):
            out[k] = _delta(a.get(k, {}), v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = v - a.get(k, 0)
        else:
            out[k] = v
    return out


def sim_report(spec: PipelineSpec, batches: list[bytes], before: dict, after: dict, passes: list[str],
               seconds: float) -> dict:
    """Report of the streaming pass of a sim run (see the module docstring)."""
    d = _delta(before, after)
    dec, perf, pk = d["counters"]["decode"], d["counters"]["perf"], d["counters"]["pack"]
    cycles = int(d["cycles"])
    clock = float(after["clock_hz"])
    rows_out = int(dec["rows_out"])
    errors = {r.name: int(dec.get(_ERR_NAMES.get(r, ""), 0)) for r in _REASONS}
    # TRUNCATED is not a decode error of the text path (binary rows only): always 0 here
    dropping = spec.text.policy == BadRowPolicy.DROP
    stages = {}
    for name in ["text_in", "dec0", "dec1", "dec2", "dec3", "tr0", "tr1", "tr2", "tr3", "merged", "packin",
                 "batch_out"]:
        b, st, sv = perf[f"{name}_beats"], perf[f"{name}_stall"], perf[f"{name}_starve"]
        if b or st or sv:
            stages[name] = {"beats": b, "stall_cycles": st, "starve_cycles": sv,
                            "busy": round(b / cycles, 4) if cycles else None}
            fifos = _STAGE_FIFOS.get(name)
            if fifos:  # maxima since reset: read from `after`, never differenced
                stages[name]["fifo_hwm"] = {f: int(after["counters"][blk][reg]) for f, (blk, reg) in fifos.items()}
    dma = d["dma"]
    link_bytes_up = dma.get("up_wire_bytes", 0)
    link_busy_up = dma.get("up_busy_cycles", 0)
    link_busy_down = dma.get("down_busy_cycles", 0)
    total_rows = sum(int(parse_batch(b, verify_checksum=False).header["rows"]) for b in batches)
    return {
        "pipeline": spec.name,
        "backend": "sim",
        "rows_in": int(dec["rows_in"]),
        "rows_out": rows_out,
        "rows_dropped": int(dec["rows_dropped"]),
        "dropped_by_reason": errors if dropping else {k: 0 for k in errors},
        "nulled_rows_by_reason": {k: 0 for k in errors} if dropping else errors,
        "empty_lines": int(dec["empty_lines"]),
        "header_lines": int(dec["header_lines"]),
        "rows_short": int(dec["rows_short"]),
        "fields_nulled": int(dec["fields_nulled"]),
        "bytes_in": int(dec["bytes_in"]),
        "batches": len(batches),
        "bytes_out": int(sum(len(b) for b in batches)),
        "rows_exported": total_rows,
        "passes": passes,
        "cycles": cycles,
        "clock_hz": clock,
        "rows_per_cycle": round(int(dec["rows_in"]) / cycles, 4) if cycles else None,
        "bytes_per_cycle": round(int(dec["bytes_in"]) / cycles, 3) if cycles else None,
        "projected_rows_per_second": round(int(dec["rows_in"]) / cycles * clock) if cycles else None,
        "stages": stages,
        "pack": {k: pk[k] for k in ("batches", "rows", "tombstones", "fresh_flushes", "ids_truncated",
                                    "stall_in_cycles", "stall_out_cycles")},
        "link": {"params": after["link"], "c2h_payload_bytes": dma.get("c2h_bytes", 0),
                 "h2c_payload_bytes": dma.get("h2c_bytes", 0), "up_wire_bytes": link_bytes_up,
                 "up_utilisation": round(link_busy_up / cycles, 4) if cycles else None,
                 "down_utilisation": round(link_busy_down / cycles, 4) if cycles else None},
        "dma_stalls": {k: v for k, v in dma.items() if "stall" in k},
        "build": after["params"],
        "seconds": {"wall": round(seconds, 3)},
        "simulated_cycles_per_second": round(cycles / seconds) if seconds else None,
    }
