"""Shared cocotb testbench pieces: TB base, pause generators, AXIS wiring, scoreboards.

Import from here in testbenches::

    from tb.common import TbBase, axis_source, axis_sink, random_pause, FrameScoreboard
"""

from tb.common.axis import (
    AxiStreamFrame,
    AxiStreamSink,
    AxiStreamSource,
    axis_sink,
    axis_source,
    random_axis_frame,
    set_backpressure,
    uncompacted,
)
from tb.common.base import TbBase, dut_param
from tb.common.pause import bursty_pause, cycle_pause, no_pause, random_pause
from tb.common.scoreboard import FrameScoreboard

__all__ = [
    "AxiStreamFrame",
    "AxiStreamSink",
    "AxiStreamSource",
    "FrameScoreboard",
    "TbBase",
    "axis_sink",
    "bursty_pause",
    "axis_source",
    "cycle_pause",
    "dut_param",
    "no_pause",
    "random_axis_frame",
    "random_pause",
    "set_backpressure",
    "uncompacted",
]
