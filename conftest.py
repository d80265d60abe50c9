"""Test ordering for `make test` (pytest -n 2).

The suite is CPU-bound on 2 cores; its longest tests each start with a large Verilator build (the etl_top
cocotb model, the native etl_top model, the 4 x 32 decode engine). Collected last (tb/ after tests/), they
ran at the end, where one worker waited on the other's build lock with nothing else left to do. Starting
them first lets the short tests fill the gaps instead. The order is deterministic, as xdist requires.
"""
from __future__ import annotations

import pytest

# node-id prefixes of the tests that build the largest models, longest first (measured: docs/performance.md
# "Test-suite time")
FIRST = (
    "tests/runtime/test_sim_backend.py::test_sim_etl_equals_golden_dlrm",
    "tb/etl_top/test_etl_top.py::test_etl_top",
    "tb/decode_engine/test_decode_engine.py::test_decode_engine",
    "tb/decode_engine/test_decode_engine.py::test_decode_engine_fuzz",
)


def _rank(item: pytest.Item) -> int:
    for i, prefix in enumerate(FIRST):
        if item.nodeid.startswith(prefix):
            return i
    return len(FIRST)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the rest keep their collection order
