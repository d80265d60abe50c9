"""AXI-Stream wiring helpers around cocotbext-axi, and random frame generation.

cocotbext-axi is exact but slow (~30k beats/s): use it for unit tests with
frames of at most a few kB; engine-level throughput tests need a faster driver.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator

from cocotb.handle import SimHandleBase
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

__all__ = [
    "AxiStreamFrame",
    "AxiStreamSink",
    "AxiStreamSource",
    "axis_sink",
    "axis_source",
    "random_axis_frame",
    "set_backpressure",
    "uncompacted",
]


def axis_source(
    dut: SimHandleBase,
    prefix: str,
    clk: SimHandleBase,
    rst: SimHandleBase | None = None,
    log_level: int = logging.WARNING,
) -> AxiStreamSource:
    """Drive the ``<prefix>_t*`` signals of ``dut`` (e.g. ``s_axis``); reset active-high.

    Per-frame INFO logs are off by default (they cost more than the simulation);
    pass ``log_level=logging.INFO`` when debugging.
    """
    src = AxiStreamSource(AxiStreamBus.from_prefix(dut, prefix), clk, rst)
    src.log.setLevel(log_level)
    return src


def axis_sink(
    dut: SimHandleBase,
    prefix: str,
    clk: SimHandleBase,
    rst: SimHandleBase | None = None,
    log_level: int = logging.WARNING,
) -> AxiStreamSink:
    """Receive from the ``<prefix>_t*`` signals of ``dut`` (e.g. ``m_axis``)."""
    sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, prefix), clk, rst)
    sink.log.setLevel(log_level)
    return sink


def set_backpressure(
    source: AxiStreamSource | None,
    sink: AxiStreamSink | None,
    source_pause: Iterator[bool] | None,
    sink_pause: Iterator[bool] | None,
) -> None:
    """Install pause generators (``None`` = never pause).

    A paused source inserts idle cycles (tvalid low); a paused sink deasserts tready.
    Use this rather than ``set_pause_generator(None)`` directly: cocotbext-axi
    leaves ``pause`` at the generator's last value when the generator is removed.
    """
    for port, gen in ((source, source_pause), (sink, sink_pause)):
        if port is None:
            continue
        port.set_pause_generator(gen)
        if gen is None:
            port.pause = False


def random_axis_frame(
    rng: random.Random,
    length: int,
    byte_lanes: int,
    user_width: int = 0,
    sparse_keep: bool = False,
    user_per_beat: bool = True,
) -> AxiStreamFrame:
    """A frame of ``length`` random bytes.

    Args:
        rng: seeded generator (keeps runs reproducible).
        length: number of byte slots (beats = ceil(length / byte_lanes); the
            last beat is partial when ``length`` is not a multiple).
        byte_lanes: tkeep width of the bus the frame is sent on.
        user_width: tuser width (0 = no tuser).
        sparse_keep: also clear random tkeep bits inside the frame (null bytes);
            only for DUTs that pass tkeep through unchanged. At least one byte
            per frame stays kept.
        user_per_beat: random tuser per beat (else one value for the frame).
    """
    data = bytearray(rng.getrandbits(8) for _ in range(length))
    frame = AxiStreamFrame(data)
    if sparse_keep:
        keep = [1 if rng.random() < 0.8 else 0 for _ in range(length)]
        if not any(keep):
            keep[rng.randrange(length)] = 1
        frame.tkeep = keep
    if user_width:
        beats = -(-length // byte_lanes)
        if user_per_beat:
            users = [rng.getrandbits(user_width) for _ in range(beats)]
            frame.tuser = [users[i // byte_lanes] for i in range(length)]
        else:
            frame.tuser = rng.getrandbits(user_width)
    return frame


def uncompacted(frame: AxiStreamFrame, byte_lanes: int) -> AxiStreamFrame:
    """What a sink sees with ``recv(compact=False)`` after a pass-through DUT.

    Pads ``frame`` to whole beats the way ``AxiStreamSource`` drives a partial last
    beat (tdata 0, tkeep 0, tuser of that beat) and makes tkeep explicit.
    """
    f = AxiStreamFrame(frame)
    f.normalize()
    pad = (-len(f.tdata)) % byte_lanes
    last_user = f.tuser[-1] if f.tuser else 0
    return AxiStreamFrame(
        bytearray(f.tdata) + bytearray(pad),
        tkeep=list(f.tkeep) + [0] * pad,
        tuser=list(f.tuser) + [last_user] * pad,
    )
