"""The modelled board's batch rate: what feed (b) of the PipeRec experiment replays at.

rows/s = min(engine, link): the engine's rows per cycle from a cycle-accurate run (the Verilated etl_top behind
the cycle-level DMA model: `sluice bench system`, `sluice etl --backend sim --report`) times its clock, and the
C2H path into the GPU for the feed's batch size from the analytical PCIe/P2P model (models/pcie.py, which the
cycle model agrees with within 2 %): the link, credits, write-backs and the P2P cap into a GPU BAR.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.pcie import LinkParams, Target, c2h_achieved_bytes_per_s

REPO = Path(__file__).resolve().parents[2]
DEFAULT_REPORT = REPO / "docs" / "measurements" / "bench_system.json"


def _entry(report: Any, pcie: str) -> dict:
    """A run report (dict with rows_per_cycle) or `sluice bench system --json` output (a list per link)."""
    if isinstance(report, dict):
        return report
    for e in report:
        if e.get("pcie") == pcie:
            return e
    raise ValueError(f"no {pcie} entry in the board report")


def link_of(pcie: str) -> LinkParams:
    """'gen3x16' -> LinkParams(gen=3, lanes=16)."""
    gen, lanes = pcie.removeprefix("gen").split("x")
    return LinkParams(gen=int(gen), lanes=int(lanes))


def board_rate(batch_rows: int, batch_bytes: int, *, report_path: Path | None = None, pcie: str = "gen3x16",
               target: str = "gpu", clock_hz: float = 250e6) -> dict[str, Any]:
    """The modelled board's rows/s for batches of `batch_rows` rows in `batch_bytes`-byte buffers."""
    path = report_path or DEFAULT_REPORT
    e = _entry(json.loads(Path(path).read_text()), pcie)
    rows_per_cycle = float(e["rows_per_cycle"])
    link = link_of(e.get("pcie", pcie))
    t = Target.GPU if target == "gpu" else Target.HOST
    link_bps = c2h_achieved_bytes_per_s(link, batch_bytes, t)
    engine = rows_per_cycle * clock_hz
    by_link = link_bps / batch_bytes * batch_rows
    return {"source": str(Path(path).relative_to(REPO)) if Path(path).is_relative_to(REPO) else str(path),
            "measured_with": {k: e.get(k) for k in ("preset", "lanes", "lane_bytes", "pcie", "batch_rows")},
            "rows_per_cycle": rows_per_cycle, "clock_hz": clock_hz, "engine_rows_per_s": round(engine),
            "c2h_target": target, "p2p_cap_gbps": link.gpu_cap_gbps if t == Target.GPU else None,
            "link_gb_per_s_for_batch": round(link_bps / 1e9, 3), "link_rows_per_s": round(by_link),
            "rows_per_s": round(min(engine, by_link)), "bound_by": "engine" if engine <= by_link else "link"}
