"""Logic depth and an estimated path delay of a netlist mapped to Xilinx UltraScale+ primitives.

Yosys' own passes do not answer "how many LUTs deep is the worst register-to-register path" for a
`synth_xilinx` netlist: `ltp` does not know FDRE/RAMB/DSP48E2 as sequential cells (it reports loops
through every flip-flop), and `sta` has no timing arcs for CARRY4 or the flip-flops. So this module reads
the flattened netlist that `write_json` gives after `synth_xilinx` and walks it itself.

What is counted (docs/spec/synthesis.md has the table and the reasons):

* **LUT levels**: LUT1..LUT6 cells on a path between two timing points (flip-flops, block RAM / UltraRAM
  ports, registered DSP48E2 ports, LUTRAM/SRL write ports, the block's ports). A LUTRAM or SRL read
  (address -> data) is one level. MUXF7/8/9, CARRY4 and DSP48E2 logic add no LUT level.
* **Estimated delay** (ns): a simple per-primitive model, with routing folded into the LUT figure, so that
  8 LUT levels between two flip-flops come to about 4 ns (the project's stand-in for 250 MHz); carry chains,
  wide muxes, unregistered DSP48E2 stages and block RAM clock-to-out add their own delay. It is an estimate
  for ranking paths and spotting unregistered multipliers, not a timing sign-off.

The walk is a longest-path pass over the bit-level graph in topological order; a combinational loop is an
error. Both the path with the most LUT levels and the path with the largest estimated delay are reported,
with the nets along them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

# ------------------------------------------------------------------ delay model (ns)
T_CLK_Q = 0.10          # flip-flop clock to Q
T_SETUP = 0.05          # flip-flop setup
T_LUT = 0.45            # one LUT with its input net (UltraScale+, typical placed-and-routed figure)
T_MUXF = 0.10           # MUXF7/F8/F9
T_CARRY_IN = 0.30       # LUT output / DI into a CARRY4 and out of its first stage, with the local route
T_CARRY_STEP = 0.03     # each further carry stage (4 per CARRY4)
T_BRAM_CLK_Q = 1.00     # block RAM clock to data out, output register off
T_BRAM_CLK_Q_REG = 0.40  # ... with the output register
T_BRAM_SETUP = 0.45     # block RAM address / data / enable setup
T_URAM_CLK_Q = 1.20
T_URAM_CLK_Q_REG = 0.45
T_LUTRAM_CLK_Q = 1.00   # LUTRAM / SRL stored data to output after a write clock
T_DSP_SETUP = 0.35      # into a DSP48E2 input register
T_DSP_MULT = 2.20       # DSP48E2 input (or A/B register) through the multiplier to the M register
T_DSP_ALU = 1.00        # M register (or C / PCIN) through the ALU to the P register
T_DSP_CLK_P = 0.40      # P register to output
TARGET_LUT_LEVELS = 8
TARGET_DELAY_NS = 4.0

_LUT_RE = re.compile(r"^LUT[1-6]$")
_FF_TYPES = {"FDRE", "FDSE", "FDCE", "FDPE"}
_PASS_TYPES = {"IBUF", "OBUF", "BUFG", "BUFGCE", "INV", "IBUFG", "BUFH"}
_BRAM_TYPES = {"RAMB18E2", "RAMB36E2", "RAMB18E1", "RAMB36E1"}
_LUTRAM_TYPES = {"RAM32X1D", "RAM64X1D", "RAM128X1D", "RAM256X1D", "RAM32X1S", "RAM64X1S", "RAM128X1S",
                 "RAM256X1S", "RAM512X1S", "RAM32M", "RAM64M", "RAM32M16", "RAM64M8"}
_SRL_TYPES = {"SRL16E", "SRLC16E", "SRLC32E"}
_IGNORED_TYPES = {"GND", "VCC", "$scopeinfo"}


@dataclass
class _Arrival:
    delay: float
    levels: int
    pred: int  # predecessor bit on the path (-1 at a start point)
    start: str  # kind of start point


@dataclass
class PathReport:
    """One reported path: from a timing start point to an end point."""

    levels: int
    delay_ns: float
    start: str
    end: str
    nets: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"lut_levels": self.levels, "delay_ns": round(self.delay_ns, 3), "start": self.start,
                "end": self.end, "nets": self.nets}


@dataclass
class DepthReport:
    """The deepest path by LUT levels, the slowest by estimated delay, and how many end points miss."""

    by_levels: PathReport
    by_delay: PathReport
    endpoints: int
    endpoints_over_levels: int
    endpoints_over_delay: int
    per_group: dict[str, tuple[int, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"lut_levels": self.by_levels.levels, "path_delay_ns": round(self.by_delay.delay_ns, 3),
                "endpoints": self.endpoints,
                f"endpoints_over_{TARGET_LUT_LEVELS}_levels": self.endpoints_over_levels,
                f"endpoints_over_{TARGET_DELAY_NS:g}ns": self.endpoints_over_delay,
                "deepest_path": self.by_levels.as_dict(), "slowest_path": self.by_delay.as_dict()}


class CombinationalLoop(RuntimeError):
    """The netlist has a combinational cycle (no register on it): no longest path exists."""


class _Graph:
    """Bit-level timing graph of one flattened module."""

    def __init__(self) -> None:
        # bit -> list of (input bit, LUT levels, delay) arcs that drive it combinationally
        self.arcs: dict[int, list[tuple[int, int, float]]] = {}
        # bit -> (launch delay, description) for timing start points
        self.sources: dict[int, tuple[float, str]] = {}
        # (bit, setup delay, description, bit whose net names the end point, cell name) for end points
        self.sinks: list[tuple[int, float, str, int, str]] = []

    def arc(self, ins: Iterable[int], outs: Iterable[int], levels: int, delay: float) -> None:
        ins = [b for b in ins if isinstance(b, int)]
        for o in outs:
            if isinstance(o, int):
                self.arcs.setdefault(o, []).extend((i, levels, delay) for i in ins)

    def source(self, bits: Iterable[int], delay: float, what: str) -> None:
        for b in bits:
            if isinstance(b, int):
                old = self.sources.get(b)
                if old is None or old[0] < delay:
                    self.sources[b] = (delay, what)

    def sink(self, bits: Iterable[int], setup: float, what: str, ref: int | None = None, cell: str = "") -> None:
        self.sinks.extend((b, setup, what, b if ref is None else ref, cell or what)
                          for b in bits if isinstance(b, int))


def _bits(conn: dict[str, list], *ports: str) -> list[int]:
    out: list[int] = []
    for p in ports:
        out.extend(b for b in conn.get(p, []) if isinstance(b, int))
    return out


def _param_int(params: dict[str, str], name: str, default: int = 0) -> int:
    v = params.get(name)
    if v is None:
        return default
    try:
        return int(v, 2) if set(v) <= {"0", "1"} else int(v)
    except ValueError:
        return default


def _add_carry4(g: _Graph, c: dict[str, list]) -> None:
    ci = _bits(c, "CI", "CYINIT")
    s, di, co, o = c.get("S", []), c.get("DI", []), c.get("CO", []), c.get("O", [])
    for i in range(4):
        ins_local = [b for b in s[: i + 1] + di[: i + 1] if isinstance(b, int)]
        outs = [x for x in (co[i] if i < len(co) else None, o[i] if i < len(o) else None) if isinstance(x, int)]
        g.arc(ins_local, outs, 0, T_CARRY_IN + T_CARRY_STEP * i)
        g.arc(ci, outs, 0, T_CARRY_STEP * (i + 1))


def _add_dsp(g: _Graph, name: str, c: dict[str, list], params: dict[str, str]) -> None:
    areg = _param_int(params, "AREG", 1) or _param_int(params, "ACASCREG", 0)
    breg = _param_int(params, "BREG", 1) or _param_int(params, "BCASCREG", 0)
    creg, dreg = _param_int(params, "CREG", 1), _param_int(params, "DREG", 1)
    mreg, preg = _param_int(params, "MREG", 1), _param_int(params, "PREG", 1)
    use_mult = params.get("USE_MULT", "MULTIPLY").strip('"') != "NONE"
    outs = _bits(c, "P", "PCOUT", "CARRYOUT", "CARRYCASCOUT", "PATTERNDETECT", "PATTERNBDETECT", "OVERFLOW",
                 "UNDERFLOW", "MULTSIGNOUT", "XOROUT")
    what = f"DSP48E2 {name}"
    # multiplier-side inputs: A/B/D (and cascades), registered or not
    for port, reg in (("A", areg), ("ACIN", areg), ("B", breg), ("BCIN", breg), ("D", dreg)):
        bits = _bits(c, port)
        if not bits:
            continue
        if reg:
            g.sink(bits, T_DSP_SETUP, f"{what}.{port}")
        elif mreg and use_mult:
            g.sink(bits, T_DSP_MULT, f"{what}.{port} (via multiplier)")
        elif preg:
            g.sink(bits, T_DSP_MULT + T_DSP_ALU, f"{what}.{port} (via multiplier and ALU)")
        else:
            g.arc(bits, outs, 0, T_DSP_MULT + T_DSP_ALU + T_DSP_CLK_P)
    # ALU-side inputs
    alu_in = _bits(c, "PCIN", "CARRYIN", "CARRYCASCIN", "OPMODE", "ALUMODE", "CARRYINSEL", "INMODE")
    c_in = _bits(c, "C")
    for bits, reg, port in ((c_in, creg, "C"), (alu_in, 0, "ALU controls")):
        if not bits:
            continue
        if reg:
            g.sink(bits, T_DSP_SETUP, f"{what}.{port}")
        elif preg:
            g.sink(bits, T_DSP_ALU, f"{what}.{port}")
        else:
            g.arc(bits, outs, 0, T_DSP_ALU + T_DSP_CLK_P)
    if preg:
        g.source(outs, T_DSP_CLK_P, what)
    elif mreg and use_mult:
        g.source(outs, T_DSP_ALU + T_DSP_CLK_P, f"{what} (M register)")
    elif (areg or breg) and use_mult:
        g.source(outs, T_DSP_MULT + T_DSP_ALU + T_DSP_CLK_P, f"{what} (A/B registers)")
    g.sink(_bits(c, *[p for p in c if p.startswith(("CE", "RST"))]), T_DSP_SETUP, f"{what} enables")
    g.source(_bits(c, "ACOUT", "BCOUT"), T_DSP_CLK_P, what)


def _add_lutram(g: _Graph, name: str, ctype: str, c: dict[str, list], directions: dict[str, str]) -> None:
    outs = _bits(c, *[p for p, d in directions.items() if d == "output"])
    addr = [p for p, d in directions.items() if d == "input" and (p.startswith(("A", "DPRA", "ADDR")))]
    data = [p for p, d in directions.items() if d == "input" and p not in addr and p not in ("WCLK", "CLK")]
    g.arc(_bits(c, *addr), outs, 1, T_LUT)
    g.source(outs, T_LUTRAM_CLK_Q, f"{ctype} {name}")
    g.sink(_bits(c, *data, *addr), T_SETUP, f"{ctype} {name} write")


def build_graph(module: dict) -> _Graph:
    """The timing graph of one flattened module of a `write_json` netlist."""
    g = _Graph()
    for pname, port in module.get("ports", {}).items():
        if port["direction"] == "input":
            g.source(port["bits"], 0.0, f"input {pname}")
        elif port["direction"] == "output":
            g.sink(port["bits"], 0.0, f"output {pname}")
    unknown: set[str] = set()
    for name, cell in module["cells"].items():
        t = cell["type"]
        c = cell["connections"]
        d = cell.get("port_directions", {})
        params = cell.get("parameters", {})
        if _LUT_RE.match(t):
            g.arc(_bits(c, *[p for p in c if p.startswith("I")]), _bits(c, "O"), 1, T_LUT)
        elif t in ("MUXF7", "MUXF8", "MUXF9"):
            g.arc(_bits(c, "I0", "I1", "S"), _bits(c, "O"), 0, T_MUXF)
        elif t in ("CARRY4", "CARRY8"):
            _add_carry4(g, c)
        elif t in _FF_TYPES:
            q = _bits(c, "Q")
            g.source(q, T_CLK_Q, t)
            g.sink(_bits(c, "D", "CE", "R", "S", "CLR", "PRE"), T_SETUP, t, q[0] if q else None, name)
        elif t in _SRL_TYPES:
            g.arc(_bits(c, "A", "A0", "A1", "A2", "A3"), _bits(c, "Q"), 1, T_LUT)
            g.source(_bits(c, "Q", "Q31"), T_LUTRAM_CLK_Q, f"{t} {name}")
            g.sink(_bits(c, "D", "CE"), T_SETUP, f"{t} {name}")
        elif t in _LUTRAM_TYPES:
            _add_lutram(g, name, t, c, d)
        elif t in _BRAM_TYPES:
            reg = _param_int(params, "DOA_REG") or _param_int(params, "DOB_REG")
            outs = _bits(c, *[p for p, dd in d.items() if dd == "output"])
            ins = _bits(c, *[p for p, dd in d.items() if dd == "input" and not p.startswith("CLK")])
            g.source(outs, T_BRAM_CLK_Q_REG if reg else T_BRAM_CLK_Q, f"{t} {name}")
            g.sink(ins, T_BRAM_SETUP, f"{t} {name}")
        elif t == "URAM288":
            reg = _param_int(params, "OREG_A") or _param_int(params, "OREG_B")
            outs = _bits(c, *[p for p, dd in d.items() if dd == "output"])
            ins = _bits(c, *[p for p, dd in d.items() if dd == "input" and p != "CLK"])
            g.source(outs, T_URAM_CLK_Q_REG if reg else T_URAM_CLK_Q, f"URAM288 {name}")
            g.sink(ins, T_BRAM_SETUP, f"URAM288 {name}")
        elif t == "DSP48E2":
            _add_dsp(g, name, c, params)
        elif t in _PASS_TYPES:
            ins = _bits(c, *[p for p, dd in d.items() if dd == "input"])
            outs = _bits(c, *[p for p, dd in d.items() if dd == "output"])
            g.arc(ins, outs, 0, 0.0)
        elif t in _IGNORED_TYPES:
            continue
        else:
            unknown.add(t)
    if unknown:
        raise ValueError(f"netlist_depth: no timing model for cell type(s) {sorted(unknown)}")
    return g


def _longest(g: _Graph, key: str) -> dict[int, _Arrival]:
    """Arrival of every reachable bit, maximising `key` ("delay" or "levels"; the other breaks ties)."""
    best: dict[int, _Arrival] = {}
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done

    def better(a: _Arrival, b: _Arrival | None) -> bool:
        if b is None:
            return True
        if key == "delay":
            return (a.delay, a.levels) > (b.delay, b.levels)
        return (a.levels, a.delay) > (b.levels, b.delay)

    def visit(root: int) -> None:
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            bit, i = stack[-1]
            if i == 0:
                if state.get(bit) == 2:
                    stack.pop()
                    continue
                state[bit] = 1
            arcs = g.arcs.get(bit, [])
            if i < len(arcs):
                stack[-1] = (bit, i + 1)
                src = arcs[i][0]
                st = state.get(src)
                if st == 1:
                    raise CombinationalLoop(f"combinational loop through bit {src}")
                if st != 2:
                    stack.append((src, 0))
                continue
            stack.pop()
            cand: _Arrival | None = None
            if bit in g.sources:
                d, what = g.sources[bit]
                cand = _Arrival(d, 0, -1, what)
            for src, lev, dly in arcs:
                a = best.get(src)
                if a is None:
                    continue
                c = _Arrival(a.delay + dly, a.levels + lev, src, a.start)
                if better(c, cand):
                    cand = c
            if cand is not None:
                best[bit] = cand
            state[bit] = 2

    for b in list(g.arcs) + list(g.sources):
        if state.get(b) != 2:
            visit(b)
    return best


def _net_names(module: dict, bits: set[int]) -> dict[int, str]:
    names: dict[int, tuple[int, str]] = {}
    for name, net in module.get("netnames", {}).items():
        hidden = int(net.get("hide_name", 0))
        for idx, b in enumerate(net["bits"]):
            if b in bits:
                label = name if len(net["bits"]) == 1 else f"{name}[{idx + int(net.get('offset', 0))}]"
                cur = names.get(b)
                if cur is None or (hidden, len(label)) < cur[:1] + (len(cur[1]),):
                    names[b] = (hidden, label)
    return {b: n for b, (_, n) in names.items()}


def _trace(best: dict[int, _Arrival], end_bit: int) -> list[int]:
    path = [end_bit]
    while best[path[-1]].pred >= 0:
        path.append(best[path[-1]].pred)
    return path[::-1]


def analyse(module: dict, group_of: Callable[[str], str] | None = None) -> DepthReport:
    """Depth and delay of the worst paths of one flattened module.

    With `group_of` (end-point cell name -> group, e.g. its top-level instance), the report also holds the
    worst LUT levels and delay of the paths ending in each group (`per_group`).
    """
    g = build_graph(module)
    by_delay = _longest(g, "delay")
    by_levels = _longest(g, "levels")
    worst_d: tuple[float, int, int, str, int] | None = None
    worst_l: tuple[int, float, int, str, int] | None = None
    over_l = over_d = 0
    groups: dict[str, list[float]] = {}
    for bit, setup, what, ref, cell in g.sinks:
        a = by_delay.get(bit)
        if a is not None:
            d = a.delay + setup
            over_d += d > TARGET_DELAY_NS
            if worst_d is None or d > worst_d[0]:
                worst_d = (d, a.levels, bit, what, ref)
            if group_of is not None:
                grp = groups.setdefault(group_of(cell), [0, 0.0])
                grp[1] = max(grp[1], d)
        b = by_levels.get(bit)
        if b is not None:
            over_l += b.levels > TARGET_LUT_LEVELS
            if worst_l is None or (b.levels, b.delay) > (worst_l[0], worst_l[1]):
                worst_l = (b.levels, b.delay + setup, bit, what, ref)
            if group_of is not None:
                grp = groups.setdefault(group_of(cell), [0, 0.0])
                grp[0] = max(grp[0], b.levels)
    reports: list[PathReport] = []
    for worst, best in ((worst_l, by_levels), (worst_d, by_delay)):
        if worst is None:
            reports.append(PathReport(0, 0.0, "", ""))
            continue
        lev, dly = (worst[0], worst[1]) if best is by_levels else (worst[1], worst[0])
        path = _trace(best, worst[2])
        names = _net_names(module, set(path) | {worst[4]})
        start = f"{best[path[0]].start} {names.get(path[0], '?')}"
        end = f"{worst[3]} {names.get(worst[4], '?')}"
        reports.append(PathReport(lev, dly, start, end, _compress([names.get(b, str(b)) for b in path])))
    rep_l, rep_d = reports
    per_group = {k: (int(v[0]), round(float(v[1]), 3)) for k, v in sorted(groups.items())}
    return DepthReport(rep_l, rep_d, len(g.sinks), over_l, over_d, per_group)


def _compress(nets: list[str]) -> list[str]:
    """Drop the tool-generated names in the middle of a path, keeping the readable ones (and both ends)."""
    keep = [n for i, n in enumerate(nets) if i in (0, len(nets) - 1) or not n.startswith("$")]
    out: list[str] = []
    for n in keep:
        if not out or out[-1] != n:
            out.append(n)
    return out


def top_module(netlist: dict, top: str | None = None) -> dict:
    """The (flattened) top module of a `write_json` netlist: `top`, or the one marked top."""
    mods = netlist["modules"]
    if top and top in mods:
        return mods[top]
    for m in mods.values():
        if _param_int(m.get("attributes", {}), "top"):
            return m
    raise KeyError("netlist_depth: no top module in the netlist")


def analyse_file(path: Path, top: str | None = None) -> DepthReport:
    return analyse(top_module(json.loads(Path(path).read_text()), top))


if __name__ == "__main__":
    import sys

    rep = analyse_file(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
    print(json.dumps(rep.as_dict(), indent=2))
