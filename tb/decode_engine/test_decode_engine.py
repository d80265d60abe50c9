"""cocotb testbench for rtl/decode/decode_engine.v (splitter + N lanes + merger).

Bit-exact against `models.records.encode(decode_text(stream))` for every stream (row
numbers restart at 0 per stream, so the merger's global numbering is checked) and
against every counter of the summed golden `DecodeCounters`, for N = 1, 2, 4 lanes and
W = 8, 32 bytes per lane, under random input idle cycles and output back-pressure.

The stimulus generators and the scoreboard loop are those of the decode-lane testbench
(tb/decode_lane/test_decode_lane.py), imported, not copied; only the input beat width
differs (IN_BYTES = N * W bytes per beat).

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
from tb.common import dut_param
from tb.decode_lane.test_decode_lane import (
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
    str_stream,
)

ENGINE_SOURCES = ("decode_engine", "decode_front", "decode_scan", "decode_chunker", "decode_fields", "decode_assemble",
                  "decode_emit", "xxh64_str", "record_merger", "axis_register", "axis_fifo")


class EngineTB(TB):
    """The lane TB with the engine's input width (IN_BYTES bytes per beat)."""

    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.w = dut_param("IN_BYTES")
        self.lanes = dut_param("LANES")


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
    await run_streams(dut, streams, idle, backpressure, 100, tb_cls=EngineTB)


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
    await run_streams(dut, streams, backpressure, backpressure, 200, tb_cls=EngineTB)


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
    await run_streams(dut, streams, idle, backpressure, 500, tb_cls=EngineTB)


def short_line_stream(rng: random.Random, n_lines: int, fmt: TextFormat) -> bytes:
    """Very short lines (many line ends per beat): data rows, empty lines, lone CRs, CRLF."""
    out = []
    for _ in range(fmt.header_lines):
        out.append(rng.choice([b"", b"\r", b"h", b"hdr\r"]))
    for _ in range(n_lines):
        out.append(rng.choice([b"", b"\r", b"1", b"-", b"12\t3", b"\t", b"\r\r", b"7\r", b"ff\x00", b"1\t2\t3"]))
    data = b"".join(ln + rng.choice([b"\n", b"\r\n"]) for ln in out)
    return data + rng.choice([b"", b"", b"\r", b"5", b"5\r", b"\r\r"])


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
    await run_streams(dut, streams, idle, backpressure, 600, tb_cls=EngineTB)


@cocotb.test(timeout_time=80, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(backpressure=[False, True])
async def run_test_str(dut: SimHandleBase, backpressure: bool) -> None:
    """STR-heavy streams: every lane's XXH64 values, nulls, reasons, counters and str_fields."""
    rng = random.Random(800 + backpressure)
    streams = []
    for kinds in ([K.STR], [K.STR] * 8, [K.STR, K.INT] * 4, [K.INT, K.STR, K.STR], [K.STR, K.SKIP, K.STR, K.HEX]):
        fmt = TextFormat(delimiter=rng.choice([0x09, ord(","), 0x01]), header_lines=rng.choice([0, 1]),
                         policy=rng.choice([BadRowPolicy.DROP, BadRowPolicy.NULL]),
                         max_field_bytes=rng.choice([4, 32, 255]))
        streams.append(Stream(str_stream(rng, rng.randint(5, 30), kinds, fmt), kinds, fmt))
    await run_streams(dut, streams, backpressure, backpressure, 800, tb_cls=EngineTB)


@cocotb.test(timeout_time=40, timeout_unit="ms", skip=not _group("unit"))
async def run_test_throughput(dut: SimHandleBase) -> None:
    """Criteo rows, no pauses: bytes per cycle per lane (reported; the bench checks the target)."""
    tb = EngineTB(dut)
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
    checked, n_streams = await run_streams(dut, streams(), True, True, seed, idle_p=0.1, stall_p=0.2,
                                           tb_cls=EngineTB)
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
    """30k random and mutated rows through the N = 4, W = 32 engine inside `make test` (the lane's own fuzz,
    tb/decode_lane, runs >= 100k rows there; the engine's 100k-row run is test_decode_engine_fuzz_100k)."""
    _run(4, 32, "fuzz", {"DECODE_FUZZ_ROWS": "30000"})


@pytest.mark.slow
def test_decode_engine_fuzz_100k() -> None:
    """>= 100k random and mutated rows through the N = 4, W = 32 engine (`make soak`)."""
    _run(4, 32, "fuzz", {"DECODE_FUZZ_ROWS": "100000"})
