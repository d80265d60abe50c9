"""TB base: clock, synchronous active-high reset, cycle helpers."""

from __future__ import annotations

import logging
import os

from cocotb.clock import Clock
from cocotb.handle import SimHandleBase
from cocotb.triggers import ClockCycles, RisingEdge


class TbBase:
    """Start the clock on construction; :meth:`reset` drives a synchronous reset.

    Subclass it per DUT and attach sources/sinks in ``__init__``::

        class TB(TbBase):
            def __init__(self, dut):
                super().__init__(dut)
                self.source = axis_source(dut, "s_axis", self.clk, self.rst)
    """

    def __init__(
        self,
        dut: SimHandleBase,
        clk: str = "clk",
        rst: str | None = "rst",
        period_ns: float = 4.0,
    ) -> None:
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb")
        self.log.setLevel(logging.INFO)
        self.clk = getattr(dut, clk)
        self.rst = getattr(dut, rst) if rst else None
        self.period_ns = period_ns
        Clock(self.clk, period_ns, unit="ns").start()

    async def cycles(self, n: int = 1) -> None:
        """Wait ``n`` rising clock edges."""
        await ClockCycles(self.clk, n)

    async def reset(self, cycles: int = 4) -> None:
        """Assert ``rst`` for ``cycles`` rising edges, then release and settle 2 cycles.

        Reset is sampled synchronously by the DUT (registered on ``posedge clk``).
        """
        if self.rst is None:
            return
        await RisingEdge(self.clk)
        self.rst.value = 1
        await ClockCycles(self.clk, cycles)
        self.rst.value = 0
        await ClockCycles(self.clk, 2)


def dut_param(name: str, default: int | None = None) -> int:
    """A top-level parameter of the DUT as set by ``cosim.runner.run_cocotb``.

    The runner exports every entry of ``parameters`` as ``PARAM_<NAME>`` into the
    simulator environment (verilog-axis convention).
    """
    value = os.environ.get(f"PARAM_{name}")
    if value is None:
        if default is None:
            raise KeyError(f"PARAM_{name} not set (not passed to run_cocotb parameters?)")
        return default
    return int(value, 0)
