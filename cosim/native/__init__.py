"""Native (C++) simulation harness around any Verilated top; see docs/spec/native_sim.md."""
from cosim.native.sim import AxiLite, NativeSim, SimError, Sink, Source

__all__ = ["AxiLite", "NativeSim", "SimError", "Sink", "Source"]
