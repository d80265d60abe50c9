"""Operand-stream driver + scoreboard for the transform operator units (rtl/transform/).

The units have a flat valid/ready interface with one named port per operand field
(``s_<field>``, ``s_valid``, ``s_ready``) and per result field (``m_<field>``,
``m_valid``, ``m_ready``). One coroutine drives one operand per cycle and samples
the results at every rising edge (cocotbext-axi's sampling convention), so
thousands of operands run in seconds; cocotbext per-byte drivers are not used.

Random idle inserts on the input and random back-pressure on the output come from
the tb.common pause generators (True = pause this cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge


def _mask(v: int, width: int) -> int:
    return int(v) & ((1 << width) - 1)


class OpStream:
    """Drive operands into ``s_*`` and check results on ``m_*`` in order, bit-exactly."""

    def __init__(self, dut: SimHandleBase, clk: SimHandleBase, in_fields: Sequence[str],
                 out_fields: Sequence[str], name: str = "unit") -> None:
        self.dut = dut
        self.clk = clk
        self.name = name
        self.ins = {f: getattr(dut, f"s_{f}") for f in in_fields}
        self.outs = {f: getattr(dut, f"m_{f}") for f in out_fields}
        self.in_w = {f: len(h) for f, h in self.ins.items()}
        self.s_valid, self.s_ready = dut.s_valid, dut.s_ready
        self.m_valid, self.m_ready = dut.m_valid, dut.m_ready
        self.s_valid.value = 0
        self.m_ready.value = 0

    async def run(self, operands: Sequence[dict[str, int]], expected: Sequence[dict[str, int]],
                  in_pause: Iterator[bool] | None = None, out_pause: Iterator[bool] | None = None,
                  fmt: Callable[[dict[str, int]], str] | None = None, max_cycles: int | None = None
                  ) -> int:
        """Stream every operand through; compare each result in order. Returns the cycle count
        from the first operand presented to the last result taken."""
        n = len(operands)
        assert len(expected) == n
        max_cycles = max_cycles or 50 * n + 1000
        idx = got = cycles = 0
        cur: int | None = None
        errors: list[str] = []
        while got < n:
            if cur is None:
                if idx < n and not (in_pause is not None and next(in_pause)):
                    op = operands[idx]
                    for f, h in self.ins.items():
                        h.value = _mask(op[f], self.in_w[f])
                    self.s_valid.value = 1
                    cur = idx
                    idx += 1
                else:
                    self.s_valid.value = 0
            ready = not (out_pause is not None and next(out_pause))
            self.m_ready.value = int(ready)
            await RisingEdge(self.clk)
            cycles += 1
            if cycles > max_cycles:
                raise AssertionError(f"{self.name}: timeout, {got}/{n} results after {cycles} cycles")
            if cur is not None and int(self.s_ready.value):
                cur = None
            if ready and int(self.m_valid.value):
                res = {f: int(h.value) for f, h in self.outs.items()}
                want = expected[got]
                if res != want and len(errors) < 5:
                    op = operands[got]
                    errors.append(
                        f"{self.name}: result {got} mismatch for operand "
                        f"{fmt(op) if fmt else {k: hex(v) if isinstance(v, int) else v for k, v in op.items()}}: "
                        f"got {{{', '.join(f'{k}: {v:#x}' for k, v in res.items())}}} "
                        f"want {{{', '.join(f'{k}: {v:#x}' for k, v in want.items())}}}")
                got += 1
        self.s_valid.value = 0
        self.m_ready.value = 1
        if errors:
            raise AssertionError("\n".join(errors))
        return cycles
