"""Data-parallel training under torchrun (work in progress: world() only)."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class World:
    rank: int
    size: int
    local_rank: int


def world() -> World:
    """This process's place among torchrun's ranks (rank 0 of 1 when not started by torchrun)."""
    return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                 int(os.environ.get("LOCAL_RANK", 0)))
