"""Top-level port lists read from the RTL (pyverilog on `verilator -E -P` output).

Why not a hand-written list: the harness must serve any Verilated top of the project,
and port widths depend on parameters (``[8*LANE_BYTES-1:0]``). pyverilog's own
preprocessor shells out to iverilog (absent), so Verilator preprocesses, only the
module header (parameters + ANSI port list) is handed to pyverilog, and the
parameter/width expressions are evaluated here with the caller's overrides.
"""
from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyverilog.vparser import ast as va


@dataclass(frozen=True)
class Port:
    """One top-level port: name, direction ('in' / 'out'), width in bits."""

    name: str
    direction: str
    width: int

    @property
    def nbytes(self) -> int:
        return (self.width + 7) // 8


class PortError(RuntimeError):
    """The RTL header could not be read or evaluated."""


def preprocess(source: Path, include_dirs: Sequence[Path] = ()) -> str:
    """`verilator -E -P` (comments and line markers removed, macros expanded)."""
    from cosim.runner import ensure_verilator_env

    ensure_verilator_env()
    cmd = ["verilator", "-E", "-P", *[f"-I{d}" for d in include_dirs], str(source)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise PortError(f"verilator -E failed on {source}:\n{res.stderr}")
    return res.stdout


def _balanced(text: str, start: int) -> int:
    """Index just past the ')' matching the '(' at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    raise PortError("unbalanced parentheses in module header")


def module_header(text: str, top: str) -> str:
    """``module top #(...) (...);`` cut out of preprocessed text, plus ``endmodule``."""
    m = re.search(rf"\bmodule\s+{re.escape(top)}\b", text)
    if not m:
        raise PortError(f"module {top} not found")
    i = m.end()
    while text[i].isspace():
        i += 1
    if text[i] == "#":
        i = text.index("(", i)
        i = _balanced(text, i)
        while text[i].isspace():
            i += 1
    if text[i] != "(":
        raise PortError(f"module {top}: no ANSI port list")
    i = _balanced(text, i)
    semi = text.index(";", i)
    body = text[m.start():semi + 1]
    # directives Verilator passes through mean nothing inside one module header
    body = "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith("`"))
    return body + "\nendmodule\n"


def _int_const(s: str) -> int:
    s = s.replace("_", "")
    m = re.fullmatch(r"(\d*)'([sS]?)([bBoOdDhH])([0-9a-fA-FxXzZ?]+)", s)
    if m:
        base = {"b": 2, "o": 8, "d": 10, "h": 16}[m.group(3).lower()]
        return int(re.sub(r"[xXzZ?]", "0", m.group(4)), base)
    return int(s)


def evaluate(node: va.Node, env: Mapping[str, int]) -> int:
    """Integer value of a constant expression (parameters taken from ``env``)."""
    ev = lambda n: evaluate(n, env)  # noqa: E731
    if isinstance(node, va.IntConst):
        return _int_const(node.value)
    if isinstance(node, va.StringConst):  # e.g. a ROM file name: a parameter, never a width
        return node.value  # type: ignore[return-value]
    if isinstance(node, va.Identifier):
        if node.name not in env:
            raise PortError(f"unknown identifier {node.name} in a width/parameter expression")
        return env[node.name]
    if isinstance(node, (va.Rvalue,)):
        return ev(node.var)
    binops = {
        va.Plus: lambda a, b: a + b, va.Minus: lambda a, b: a - b, va.Times: lambda a, b: a * b,
        va.Divide: lambda a, b: int(a / b), va.Mod: lambda a, b: a % b, va.Power: lambda a, b: a ** b,
        va.Sll: lambda a, b: a << b, va.Srl: lambda a, b: a >> b, va.Sla: lambda a, b: a << b,
        va.Sra: lambda a, b: a >> b, va.LessThan: lambda a, b: int(a < b),
        va.GreaterThan: lambda a, b: int(a > b), va.LessEq: lambda a, b: int(a <= b),
        va.GreaterEq: lambda a, b: int(a >= b), va.Eq: lambda a, b: int(a == b),
        va.NotEq: lambda a, b: int(a != b), va.Land: lambda a, b: int(bool(a) and bool(b)),
        va.Lor: lambda a, b: int(bool(a) or bool(b)), va.And: lambda a, b: a & b,
        va.Or: lambda a, b: a | b, va.Xor: lambda a, b: a ^ b,
    }
    for cls, fn in binops.items():
        if type(node) is cls:
            return fn(ev(node.left), ev(node.right))
    if isinstance(node, va.Uminus):
        return -ev(node.right)
    if isinstance(node, va.Uplus):
        return ev(node.right)
    if isinstance(node, va.Ulnot):
        return int(not ev(node.right))
    if isinstance(node, va.Cond):
        return ev(node.true_value) if ev(node.cond) else ev(node.false_value)
    if isinstance(node, va.SystemCall) and node.syscall == "clog2":
        v = ev(node.args[0])
        return 0 if v <= 1 else math.ceil(math.log2(v))
    raise PortError(f"cannot evaluate {type(node).__name__} in a width/parameter expression")


def _parse(header: str) -> va.ModuleDef:
    from pyverilog.vparser.parser import VerilogParser

    with tempfile.TemporaryDirectory() as d:
        parser = VerilogParser(outputdir=d, debug=False)
        src = parser.parse(header, debug=0)
    defs = [x for x in src.description.definitions if isinstance(x, va.ModuleDef)]
    if len(defs) != 1:
        raise PortError("expected one module definition in the header")
    return defs[0]


def read_ports(
    top: str, source: Path, parameters: Mapping[str, object] | None = None,
    include_dirs: Sequence[Path] = (),
) -> tuple[list[Port], dict[str, int]]:
    """Ports of ``top`` (declared in ``source``) and its resolved parameter values."""
    mod = _parse(module_header(preprocess(source, include_dirs), top))
    overrides = {k: (v if isinstance(v, str) else int(v))  # type: ignore[call-overload]
                 for k, v in (parameters or {}).items()}
    env: dict[str, int] = {}
    for decl in mod.paramlist.params if mod.paramlist else ():
        for p in getattr(decl, "list", [decl]):
            if isinstance(p, (va.Parameter, va.Localparam)):
                env[p.name] = overrides[p.name] if (p.name in overrides and isinstance(p, va.Parameter)) \
                    else evaluate(p.value, env)
    unknown = set(overrides) - set(env)
    if unknown:
        raise PortError(f"{top} has no parameter(s) {sorted(unknown)}")
    ports: list[Port] = []
    for ioport in mod.portlist.ports:
        first = ioport.first if isinstance(ioport, va.Ioport) else ioport
        if isinstance(first, va.Input):
            direction = "in"
        elif isinstance(first, va.Output):
            direction = "out"
        else:
            raise PortError(f"port {getattr(first, 'name', first)}: only input/output are supported")
        width = 1
        if first.width is not None:
            msb, lsb = evaluate(first.width.msb, env), evaluate(first.width.lsb, env)
            width = abs(msb - lsb) + 1
        ports.append(Port(first.name, direction, width))
    return ports, env
