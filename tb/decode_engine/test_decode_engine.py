"""cocotb testbench for rtl/decode/decode_engine.v (the wide decoder + record merger).

Bit-exact against `models.records.encode(decode_text(stream))` for every stream (row
numbers restart at 0 per stream, so the merger's global numbering is checked) and
against every counter of the summed golden `DecodeCounters` and status_str_fields, for
N = 1, 2, 4 record lanes and IN_BYTES = N * W input bytes per beat (W = 8, 32), under
random input idle cycles and output back-pressure. Stimulus, TB and scoreboard loop:
tb/common/decode.py.

Knobs (environment, read inside the simulation): DECODE_TESTS selects the cocotb test
group ("unit" or "fuzz"), DECODE_FUZZ_ROWS / DECODE_FUZZ_SEED size and seed the fuzz.
"""
from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import cocotb
import cocotb.utils
import pytest
from cocotb.handle import SimHandleBase

from cosim.runner import rtl_sources, run_cocotb
from models import records
from models.decode_text import decode_text
from models.schema import BadRowPolicy, TextFormat
from tb.common.decode import (
    CRITEO,
    CRITEO_KINDS,
    TB,
    K,
    Stream,
    criteo_variants,
    random_config,
    random_stream,
    run_streams,
    schema_of,
    short_line_stream,
    str_stream,
)

ENGINE_SOURCES = ("decode_engine", "decode_front", "decode_scan", "decode_chunker", "decode_fields", "decode_assemble",
                  "decode_emit", "xxh64_str", "record_merger", "axis_register", "axis_fifo")


def _group(name: str) -> bool:
    return os.environ.get("DECODE_TESTS", "unit") == name


@cocotb.test(timeout_time=40, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_criteo(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Real Criteo rows: as is, cut to 37-38 fields, CRLF, no final LF; both policies, a header line."""
    streams = []
    for i, data in enumerate(criteo_variants()):
        pol = BadRowPolicy.NULL if i % 2 else BadRowPolicy.DROP
        streams.append(Stream(data, CRITEO_KINDS, TextFormat(policy=pol, header_lines=i % 2)))
    await run_streams(dut, streams, idle, backpressure, 100)


@cocotb.test(timeout_time=80, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(backpressure=[False, True])
async def run_test_datagen(dut: SimHandleBase, backpressure: bool) -> None:
    """host_runtime.datagen rows with cut rows and injected malformed rows (LF and CRLF)."""
    import tempfile

    from host_runtime.datagen import write_tsv

    streams = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, crlf in enumerate((False, True)):
            p = Path(tmp) / f"d{i}.tsv"
            write_tsv(p, 300, seed=21 + i, cut_rate=0.2, malformed_rate=0.15, crlf=crlf,
                      truth_path=Path(tmp) / f"t{i}.jsonl")
            pol = BadRowPolicy.DROP if i == 0 else BadRowPolicy.NULL
            streams.append(Stream(p.read_bytes(), CRITEO_KINDS, TextFormat(policy=pol)))
    await run_streams(dut, streams, backpressure, backpressure, 200)


@cocotb.test(timeout_time=80, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_bad_classes(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Random schemas/formats; rows of every bad-input class; many streams back to back."""
    rng = random.Random(500 + 2 * idle + backpressure)
    streams = []
    for _ in range(14):
        kinds, fmt = random_config(rng)
        streams.append(Stream(random_stream(rng, rng.randint(0, 40), kinds, fmt), kinds, fmt))
    two = [K.INT, K.INT]
    for data in (b"", b"1\t2\n", b"1\n", b"\t\r\n", b"\r\n", b"1\t2\t\n", b"+\t2\n", b"99999999999\tx\n",
                 b"1\x00\t2\n", b"a\r\r\n", b"1\t2", b"1\t2\r", b"\r", b"\n\n\n", b"1\t2\n\r",
                 b"-0\t+0\n-000017\t0x1\n", b"2147483647\t-2147483648\n2147483648\t-2147483649\n"):
        for pol in (BadRowPolicy.DROP, BadRowPolicy.NULL):
            streams.append(Stream(data, two, TextFormat(policy=pol)))
    await run_streams(dut, streams, idle, backpressure, 500)


@cocotb.test(timeout_time=80, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_short_lines(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Lines shorter than a beat: several data-line ends, empty and header lines per beat (the
    splitter's N-segments-per-cycle limit and its look-ahead for a CR at the end of a beat)."""
    rng = random.Random(600 + 2 * idle + backpressure)
    streams = []
    for _ in range(16):
        fmt = TextFormat(header_lines=rng.choice([0, 0, 1, 3, 50]),
                         policy=rng.choice([BadRowPolicy.DROP, BadRowPolicy.NULL]))
        kinds = [K.INT, K.INT] if rng.random() < 0.5 else [K.HEX]
        streams.append(Stream(short_line_stream(rng, rng.randint(0, 120), fmt), kinds, fmt))
    await run_streams(dut, streams, idle, backpressure, 600)


@cocotb.test(timeout_time=80, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(backpressure=[False, True])
async def run_test_partial_beats(dut: SimHandleBase, backpressure: bool) -> None:
    """Partial non-last beats (1..IN_BYTES bytes, contiguous tkeep) and empty tlast beats: beyond the
    input contract (only the tlast beat partial), decoded exactly all the same (the CR look-ahead
    reads the next beat's first byte whatever the beat's length)."""
    rng = random.Random(400 + backpressure)
    streams = []
    for _ in range(10):
        kinds, fmt = random_config(rng)
        streams.append(Stream(random_stream(rng, rng.randint(1, 30), kinds, fmt), kinds, fmt))
    for data in (b"1\t2\r\n3\r\r\n\r\n", b"1\t2\r", b"a\r\r\n\r", b"\r"):
        streams.append(Stream(data, [K.INT, K.INT], TextFormat()))
    streams.append(Stream(criteo_variants()[2], CRITEO_KINDS, TextFormat()))
    await run_streams(dut, streams, backpressure, backpressure, 400, partial_beats=True)


@cocotb.test(timeout_time=120, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_str(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """STR columns: XXH64 values bit-exact (every slot compared), nulls, reasons, counters and
    status_str_fields, with STR fields arriving faster than the lane's hashing unit."""
    rng = random.Random(700 + 2 * idle + backpressure)
    streams = []
    kinds3 = [K.INT, K.STR, K.HEX]
    streams.append(Stream(b"1\tabc\tff\n2\t\tff\n3\tx\x00y\t1\n4\t0123456789\t2\n5\tq\tzz\n", kinds3,
                          TextFormat(max_field_bytes=8)))
    for kinds in ([K.STR], [K.STR] * 8, [K.STR, K.INT] * 4, [K.INT, K.STR, K.STR], [K.STR, K.SKIP, K.STR, K.HEX]):
        for _ in range(2):
            fmt = TextFormat(delimiter=rng.choice([0x09, ord(","), 0x01]),
                             header_lines=rng.choice([0, 1]),
                             policy=rng.choice([BadRowPolicy.DROP, BadRowPolicy.NULL]),
                             max_field_bytes=rng.choice([4, 31, 32, 200, 255]))
            streams.append(Stream(str_stream(rng, rng.randint(5, 25), kinds, fmt), kinds, fmt))
    # tiny rows, many per beat: a STR field at every delimiter and line end
    streams.append(Stream(b"".join(rng.choice([b"a", b"", b"bc", b"\r"]) + b"\n" for _ in range(200)),
                          [K.STR], TextFormat()))
    await run_streams(dut, streams, idle, backpressure, 700)


@cocotb.test(timeout_time=40, timeout_unit="ms", skip=not _group("unit"))
async def run_test_throughput(dut: SimHandleBase) -> None:
    """Criteo rows, no pauses: bytes per cycle per lane (reported; the bench checks the target)."""
    tb = TB(dut)
    await tb.reset()
    cocotb.start_soon(tb.pump(0.0, 0.0, 1))
    data = CRITEO.read_bytes() * 2
    tb.configure(CRITEO_KINDS, TextFormat())
    expected = records.encode(decode_text(data, schema_of(CRITEO_KINDS), TextFormat()), tb.k)
    start = cocotb.utils.get_sim_time("ns")
    await tb.transfer(data, len(expected), 100000)
    cycles = (cocotb.utils.get_sim_time("ns") - start) / tb.period_ns
    assert tb.packets == expected
    bpc = len(data) / cycles / tb.lanes
    tb.log.info("N=%d W=%d: %d bytes, %d rows in %d cycles = %.3f bytes/cycle/lane, %.4f rows/cycle",
                tb.lanes, tb.w // tb.lanes, len(data), len(expected), cycles, bpc, len(expected) / cycles)


@cocotb.test(timeout_time=1000000, timeout_unit="ms", skip=not _group("fuzz"))
async def run_test_fuzz(dut: SimHandleBase) -> None:
    """Bulk fuzz: DECODE_FUZZ_ROWS random and mutated rows (incl. short-line streams) over many configurations."""
    total = int(os.environ.get("DECODE_FUZZ_ROWS", "100000"))
    seed = int(os.environ.get("DECODE_FUZZ_SEED", "17"))
    rng = random.Random(seed)
    n_bytes = 0

    def streams() -> Iterator[Stream]:
        nonlocal n_bytes
        n = 0
        while n < total:
            kinds, fmt = random_config(rng, max_cols=8)
            if rng.random() < 0.1:
                data = short_line_stream(rng, rng.randint(50, 1000), fmt)
            else:
                data = random_stream(rng, rng.randint(200, 4000), kinds, fmt, bad_p=0.25)
            n += decode_text(data, schema_of(kinds), fmt).counters.rows_in
            n_bytes += len(data)
            yield Stream(data, kinds, fmt)

    t0 = time.perf_counter()
    checked, n_streams = await run_streams(dut, streams(), True, True, seed, idle_p=0.1, stall_p=0.2)
    summary = {"rows_checked": checked, "streams": n_streams, "bytes": n_bytes,
               "cycles": int(cocotb.utils.get_sim_time("ns") / 4), "wall_s": round(time.perf_counter() - t0, 1)}
    cocotb.log.info("fuzz: %s", summary)
    Path("fuzz_summary.json").write_text(json.dumps(summary))
    assert checked >= total


# ----------------------------------------------------------------------------- pytest


def _run(lanes: int, lane_bytes: int, group: str, extra: dict[str, str] | None = None) -> None:
    env = {"DECODE_TESTS": group}
    env.update(extra or {})
    run_cocotb(
        toplevel="decode_engine",
        sources=rtl_sources(*ENGINE_SOURCES),
        parameters={"LANES": lanes, "LANE_BYTES": lane_bytes, "IN_BYTES": lanes * lane_bytes,
                    "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
        extra_env=env,
    )


# make test runs the smallest and the widest engine; the other four are in make soak (each build costs minutes)
@pytest.mark.parametrize("lanes,lane_bytes", [
    (1, 8), pytest.param(2, 8, marks=pytest.mark.slow), pytest.param(4, 8, marks=pytest.mark.slow),
    pytest.param(1, 32, marks=pytest.mark.slow), pytest.param(2, 32, marks=pytest.mark.slow), (4, 32)])
def test_decode_engine(lanes: int, lane_bytes: int) -> None:
    _run(lanes, lane_bytes, "unit")


def test_decode_engine_fuzz() -> None:
    """>= 100k random and mutated rows (10 % short-line streams) through the N = 4, W = 32 engine inside
    `make test`; the 10M-row soak runs on the native harness (tests/cosim/test_decode_soak.py)."""
    _run(4, 32, "fuzz", {"DECODE_FUZZ_ROWS": "100000"})
