"""Resources of a netlist mapped by Yosys `synth_xilinx -family xcup`, and the capacity of the target part.

The figures a user compares with a Vivado utilisation report: CLB LUTs (logic, LUTRAM and SRL together, as
Vivado counts them), flip-flops, carry cells, wide muxes, DSP48E2, block RAM (RAMB36 equivalents) and
UltraRAM, each also as a fraction of the part. Yosys maps carry chains to CARRY4 for every Xilinx family;
Vivado packs two of them into one UltraScale+ CARRY8, so `carry8` is reported as half the CARRY4 count
(rounded up), and `carry4` as counted.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """Capacity of one FPGA part (AMD/Xilinx data sheet figures)."""

    name: str
    family: str  # synth_xilinx -family
    lut: int
    ff: int
    bram36: int
    uram: int
    dsp: int


# Alveo U55C: xcu55c-fsvh2892-2L-e (DS962 / the U55C data sheet)
PARTS: dict[str, Part] = {
    "xcu55c": Part("xcu55c", "xcup", lut=1_303_680, ff=2_607_360, bram36=2_016, uram=960, dsp=9_024),
}

# LUTs of the CLB that each LUTRAM primitive occupies
LUTRAM_LUTS: dict[str, int] = {
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
}
_LUT_RE = re.compile(r"^LUT[1-6]$")
_FF_TYPES = ("FDRE", "FDSE", "FDCE", "FDPE")
LATCH_TYPES = ("LDCE", "LDPE")


def resources(cells_by_type: dict[str, int], part: Part) -> dict[str, float | int]:
    """Resource counts of a flattened mapped design and their fractions of `part`."""
    n = cells_by_type.get
    lut_logic = sum(v for k, v in cells_by_type.items() if _LUT_RE.match(k))
    lutram = sum(LUTRAM_LUTS[k] * v for k, v in cells_by_type.items() if k in LUTRAM_LUTS)
    srl = n("SRL16E", 0) + n("SRLC16E", 0) + n("SRLC32E", 0)
    lut = lut_logic + lutram + srl
    ff = sum(n(t, 0) for t in _FF_TYPES)
    ramb36, ramb18 = n("RAMB36E2", 0), n("RAMB18E2", 0)
    bram36 = ramb36 + ramb18 / 2
    carry4 = n("CARRY4", 0)
    out: dict[str, float | int] = {
        "lut": lut, "lut_logic": lut_logic, "lutram": lutram, "srl": srl, "ff": ff,
        "carry4": carry4, "carry8": math.ceil(carry4 / 2), "muxf7": n("MUXF7", 0), "muxf8": n("MUXF8", 0),
        "dsp": n("DSP48E2", 0), "ramb36": ramb36, "ramb18": ramb18, "bram36": bram36, "uram": n("URAM288", 0),
        "latches": sum(n(t, 0) for t in LATCH_TYPES),
    }
    out["lut_fraction"] = round(lut / part.lut, 5)
    out["ff_fraction"] = round(ff / part.ff, 5)
    out["bram_fraction"] = round(bram36 / part.bram36, 5)
    out["uram_fraction"] = round(out["uram"] / part.uram, 5)
    out["dsp_fraction"] = round(out["dsp"] / part.dsp, 5)
    return out
