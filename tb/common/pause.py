"""Pause generators for cocotbext-axi ``set_pause_generator`` (True = pause this cycle).

All random generators are seeded so a failing run repeats exactly.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator


def random_pause(probability: float, seed: int) -> Iterator[bool]:
    """Pause each cycle independently with ``probability`` (0 = never, 1 = always)."""
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"pause probability {probability} not in [0, 1]")
    rng = random.Random(seed)
    while True:
        yield rng.random() < probability


def bursty_pause(probability: float, max_burst: int, seed: int) -> Iterator[bool]:
    """Random pauses that come in bursts of 1..``max_burst`` cycles.

    ``probability`` is the chance that a new burst starts on a running cycle;
    useful to fill FIFOs and exercise full/empty corners.
    """
    rng = random.Random(seed)
    while True:
        if rng.random() < probability:
            for _ in range(rng.randint(1, max_burst)):
                yield True
        else:
            yield False


def cycle_pause(pattern: tuple[bool, ...] = (True, True, True, False)) -> Iterator[bool]:
    """A fixed repeating pattern (verilog-axis style ``[1, 1, 1, 0]`` by default)."""
    return itertools.cycle(pattern)


def no_pause() -> None:
    """Explicit "no back-pressure" (``set_pause_generator(None)``)."""
    return None
