"""`sluice bench system [--json]`: the whole system, cycle by cycle — host text → H2C → etl_top → C2H → batches.

For each PCIe generation (Gen3/4/5 x16, the DMA model's defaults otherwise) the same generated Criteo rows run
through the sim backend (Verilated etl_top + the cycle-level DMA model, the host runtime's streaming pass) and
are checked byte-for-byte against the golden pipeline. Reported per run:

* `rows_per_cycle`: data rows in ÷ cycles of the streaming pass (input to last batch written);
* `bound_by`: what limits it — from the stream monitors of the perf CSR block and the DMA model's statistics
  (see `bound_by`);
* `c2h_efficiency`: achieved C2H payload bandwidth per transfer (first data TLP to completion write-back, the
  DMA model's `c2h_xfer_*` statistics) ÷ the analytical bound of the modelled C2H path for the batch size: the
  PCIe link model `models.pcie.c2h_achieved_bytes_per_s` or the engine's 512-bit output stream at the clock,
  whichever is lower (`c2h_bound_by`; `c2h_pcie_bound_gbps` gives the link's figure alone).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from cosim.dma.dma import user_side_bytes_per_s
from models.pcie import LinkParams, c2h_achieved_bytes_per_s

STAGES = [("text_in", "decode"), ("dec0", "transform"), ("tr0", "merger"), ("merged", "id_stage"),
          ("packin", "pack"), ("batch_out", "c2h_dma")]


def bound_by(report: dict) -> str:
    """The stage or link that limits the run.

    A stream that is *stalled* (valid, not ready) most of the time points at its consumer; one that is
    *starved* (ready, not valid) at its producer. Walk the pipeline from the output: the first stream whose
    stall share is high names the consumer as the limit; if the text input is starved, the H2C side
    (link or DMA) is."""
    st = report["stages"]
    cyc = max(1, report["cycles"])
    out = st.get("batch_out", {"stall_cycles": 0})
    if out["stall_cycles"] / cyc > 0.2:
        return "c2h_link"
    for stream, consumer in reversed(STAGES[:-1]):
        s = st.get(stream)
        if s and s["stall_cycles"] / cyc > 0.2:
            return consumer
    tin = st.get("text_in", {"starve_cycles": 0})
    if tin["starve_cycles"] / cyc > 0.2:
        return "h2c_link"
    busiest = max(((s["beats"] / cyc, name) for name, s in st.items()), default=(0, "none"))
    return {"text_in": "decode", "merged": "id_stage", "packin": "pack", "batch_out": "c2h_dma"}.get(
        busiest[1], busiest[1])


def c2h_bound_bytes_per_s(link: LinkParams, batch_bytes: int, clock_hz: float, beat_bytes: int) -> tuple[float, str]:
    """The analytical bound of the modelled C2H path for back-to-back transfers of `batch_bytes`: the PCIe
    link model (`models.pcie.c2h_achieved_bytes_per_s`: TLP framing, DLLPs, credits, write-back, MSI-X,
    target caps) or the engine's output stream (`beat_bytes` per user clock), whichever is lower."""
    pcie = c2h_achieved_bytes_per_s(link, batch_bytes)
    stream = user_side_bytes_per_s(beat_bytes, clock_hz / 1e6)
    return (pcie, "pcie_link") if pcie <= stream else (stream, "c2h_stream_width")


def c2h_efficiency(dma_delta: dict, bound_bytes_per_s: float, clock_hz: float) -> float:
    """Per transfer: the DMA model's C2H bytes ÷ the cycles from each transfer's first data TLP to its
    completion write-back (`c2h_xfer_bytes` / `c2h_xfer_cycles`), ÷ the path's bound (`c2h_bound_bytes_per_s`).
    It measures how close the cycle-level path gets to the analytical bound while a batch is moving; the gaps
    *between* batches (the engine still packing the next one) are the engine's time, not the link's, and show
    up in `rows_per_cycle` / `bound_by` instead. The card→host direction also carries the H2C read requests of
    the text input during the run, which the C2H-only bound does not include."""
    cycles = dma_delta.get("c2h_xfer_cycles", 0)
    if cycles <= 0:
        return 0.0
    return dma_delta["c2h_xfer_bytes"] / (cycles / clock_hz) / bound_bytes_per_s


def run_one(preset: str, text_path: Path, gen: int, lanes: int, lane_bytes: int, batch: int) -> dict:
    from host_runtime.etl import run_etl
    from host_runtime.report import _delta, sim_report
    from host_runtime.sim_device import OUT_BYTES, SimDevice, TopParams
    from host_runtime.spec import load_spec
    from models.pipeline import run_golden

    spec = load_spec(preset)
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=batch))
    link = LinkParams(gen=gen, lanes=16)
    with SimDevice(spec, params=TopParams.for_spec(spec, lanes, lane_bytes), link=link) as dev:
        run = run_etl(spec, text_path, dev)
        rep = sim_report(spec, run.batches, run.stats_before_stream, run.device_stats, run.passes,
                         run.stream_seconds)
        dma = _delta(run.stats_before_stream["dma"], run.device_stats["dma"])
    exact = run.batches == run_golden(spec, text_path).batches
    nbytes = spec.geometry().total_bytes
    dev_clock = rep["clock_hz"]
    bound, bound_name = c2h_bound_bytes_per_s(link, nbytes, dev_clock, OUT_BYTES)
    return {"preset": preset, "lanes": lanes, "lane_bytes": lane_bytes, "pcie": f"gen{gen}x16",
            "batch_rows": batch, "batch_bytes": nbytes,
            "rows_per_cycle": rep["rows_per_cycle"], "bound_by": bound_by(rep),
            "c2h_efficiency": round(c2h_efficiency(dma, bound, dev_clock), 4),
            "c2h_bound_by": bound_name, "c2h_bound_gbps": round(bound / 1e9, 3),
            "c2h_pcie_bound_gbps": round(c2h_achieved_bytes_per_s(link, nbytes) / 1e9, 3),
            "c2h_transfer_gbps": round(dma["c2h_xfer_bytes"] / max(1, dma["c2h_xfer_cycles"]) * dev_clock / 1e9, 3),
            "bytes_per_cycle": rep["bytes_per_cycle"], "cycles": rep["cycles"], "rows": rep["rows_in"],
            "projected_rows_per_second": rep["projected_rows_per_second"],
            "c2h_link_utilisation": rep["link"]["up_utilisation"], "bit_exact": exact,
            "simulated_cycles_per_second": rep["simulated_cycles_per_second"]}


def main(args: argparse.Namespace) -> int:
    from host_runtime.datagen import write_tsv

    rows = args.rows or 40000  # long enough that the pipeline fill and the last batch's drain are small
    presets = [args.config] if args.config else ["criteo_dlrm"]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "rows.tsv"
        write_tsv(text, rows, seed=7)
        for preset in presets:
            for gen in (3, 4, 5):
                r = run_one(preset, text, gen, lanes=2, lane_bytes=32, batch=2048)
                results.append(r)
                if not args.json:
                    print(json.dumps(r), file=sys.stderr)
    print(json.dumps(results, indent=None if args.json else 2))
    return 0 if all(r["bit_exact"] for r in results) else 1
