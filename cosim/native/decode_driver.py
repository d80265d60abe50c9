"""Decode-lane / decode-engine streams through the native harness, checked against the golden decoder.

Shared by tests/cosim/test_native_harness.py, tests/cosim/test_decode_soak.py and
bench/sim.py: configure the cfg_* ports for a schema and text format, stream one text
(tlast at its end), run until drained, and compare the record bytes with
``models.records.encode(models.decode_text.decode_text(...))``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cosim.native.sim import NativeSim
from models import records
from models.decode_text import decode_text
from models.schema import Column, ColumnKind, DecodeCounters, Schema, TextFormat

COUNTERS = ("rows_in", "rows_out", "rows_dropped", "empty_lines", "header_lines", "rows_short",
            "fields_nulled", "bytes_in")
ERRORS = {"EXTRA_FIELDS": "err_extra_fields", "BAD_CHAR": "err_bad_char", "OVERFLOW": "err_overflow",
          "OVERLONG": "err_overlong", "BINARY": "err_binary"}

# "Drained" = no handshake on either stream for this many cycles. A lane hashing STR fields is busy without
# any handshake: each non-null STR field waits for the lane's one xxh64_str unit (one string at a time,
# ≈ 5 cycles for a short one, more for long ones), so a final row of many STR fields is still being finished
# after tens of quiet cycles (the 10M-row soak found a 37-column row whose last record left after > 32).
DRAIN_IDLE_CYCLES = 2048


def schema_of(kinds: Sequence[ColumnKind]) -> Schema:
    return Schema(tuple(Column(f"c{i}", k) for i, k in enumerate(kinds)))


def configure(sim: NativeSim, kinds: Sequence[ColumnKind], fmt: TextFormat) -> None:
    """Drive the decode cfg_* ports (docs/spec/decode_rtl.md)."""
    sim.set_port("cfg_delimiter", fmt.delimiter)
    sim.set_port("cfg_header_lines", fmt.header_lines)
    sim.set_port("cfg_policy", int(fmt.policy))
    sim.set_port("cfg_max_field_bytes", fmt.max_field_bytes)
    sim.set_port("cfg_n_columns", len(kinds))
    word = 0
    for c, kd in enumerate(kinds):
        word |= int(kd) << (3 * c)
    sim.set_port("cfg_kinds", word)


def expected_stream(data: bytes, kinds: Sequence[ColumnKind], fmt: TextFormat,
                    k: int) -> tuple[bytes, np.ndarray, DecodeCounters]:
    """Golden record bytes, packet end offsets and counters of one text stream."""
    rows = decode_text(data, schema_of(kinds), fmt)
    pk = records.encode(rows, k)
    chunks = [records.packet_bytes(p, k) for p in pk]
    ends = np.cumsum([len(c) for c in chunks], dtype=np.uint64)
    return b"".join(chunks), ends, rows.counters


def counters(sim: NativeSim) -> dict[str, int]:
    out = {name: sim.get_port(f"status_{name}") for name in COUNTERS}
    for rsn, port in ERRORS.items():
        out[rsn] = sim.get_port(f"status_{port}")
    return out


def golden_counters(c: DecodeCounters) -> dict[str, int]:
    out = {name: getattr(c, name) for name in COUNTERS}
    for rsn in ERRORS:
        out[rsn] = c.errors[rsn]
    return out


def first_mismatch(got: bytes, got_ends: np.ndarray, exp: bytes, exp_ends: np.ndarray) -> str:
    ge, ee = [0, *got_ends.tolist()], [0, *exp_ends.tolist()]
    for i in range(min(len(ge), len(ee)) - 1):
        g, e = got[ge[i]:ge[i + 1]], exp[ee[i]:ee[i + 1]]
        if g != e:
            return f"packet {i}: got {g[:80].hex()}... ({len(g)} B), expected {e[:80].hex()}... ({len(e)} B)"
    return f"packet count: got {len(got_ends)}, expected {len(exp_ends)}"


def stream_and_check(sim: NativeSim, data: bytes, kinds: Sequence[ColumnKind], fmt: TextFormat,
                     max_cycles: int | None = None) -> tuple[DecodeCounters, int]:
    """Configure, stream ``data`` as one stream, compare every record byte; return (counters, cycles)."""
    k = sim.parameters["FIELDS_PER_BEAT"]
    configure(sim, kinds, fmt)
    exp, exp_ends, golden = expected_stream(data, kinds, fmt, k)
    snk = sim.sink()
    snk.clear()
    sim.source().push(data, [len(data)])
    cycles = sim.run(max_cycles or 4000 + 40 * len(data), "drained", idle_cycles=DRAIN_IDLE_CYCLES)
    got, got_ends = snk.data().tobytes(), snk.ends().copy()
    if got != exp or not np.array_equal(got_ends, exp_ends):
        raise AssertionError(first_mismatch(got, got_ends, exp, exp_ends))
    return golden, cycles
