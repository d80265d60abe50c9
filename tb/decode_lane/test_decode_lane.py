"""cocotb testbench for rtl/decode/decode_lane.v: bit-exact against models.decode_text.

Scoreboard: the record stream of `models.records.encode(decode_text(stream))` and every
counter of `DecodeCounters`. The input and output are driven/monitored by per-cycle
coroutines that move a whole beat per cycle (cocotbext-axi moves ~30k beats/s, too slow
for the 100k-row fuzz), with random idle cycles on the input and random back-pressure
on the output.

Knobs (environment, read inside the simulation): DECODE_TESTS selects the cocotb test
group (see the pytest functions at the bottom), DECODE_FUZZ_ROWS sizes the bulk fuzz.
"""
from __future__ import annotations

import collections
import json
import os
import random
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cocotb
import cocotb.utils
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import Event, RisingEdge, with_timeout

from cosim.runner import rtl_sources, run_cocotb
from models import records
from models.decode_text import decode_text
from models.schema import (
    BadRowPolicy,
    Column,
    ColumnKind,
    DecodeCounters,
    Schema,
    TextFormat,
    sum_counters,
)
from tb.common import TbBase, dut_param

CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")
K = ColumnKind
CRITEO_KINDS = [K.LABEL] + [K.INT] * 13 + [K.HEX] * 26

COUNTERS = ("rows_in", "rows_out", "rows_dropped", "empty_lines", "header_lines", "rows_short",
            "fields_nulled", "bytes_in")
ERRORS = {"EXTRA_FIELDS": "err_extra_fields", "BAD_CHAR": "err_bad_char", "OVERFLOW": "err_overflow",
          "OVERLONG": "err_overlong", "BINARY": "err_binary"}


def schema_of(kinds: list[ColumnKind]) -> Schema:
    return Schema(tuple(Column(f"c{i}", k) for i, k in enumerate(kinds)))


@dataclass
class Stream:
    """One stream (ends with tlast) and its configuration."""

    data: bytes
    kinds: list[ColumnKind]
    fmt: TextFormat


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.w = dut_param("LANE_BYTES")
        self.k = dut_param("FIELDS_PER_BEAT")
        dut.s_axis_tvalid.value = 0
        dut.s_axis_tdata.value = 0
        dut.s_axis_tkeep.value = 0
        dut.s_axis_tlast.value = 0
        dut.s_axis_tuser.value = 0
        dut.m_axis_tready.value = 0
        self.packets: list[list[int]] = []
        self.cycles_in = 0
        self.queue: collections.deque[tuple[int, int, int]] = collections.deque()
        self.in_idle = Event()
        self.out_done = Event()
        self.want = 0
        self.partial_rng: random.Random | None = None

    def configure(self, kinds: list[ColumnKind], fmt: TextFormat) -> None:
        d = self.dut
        d.cfg_delimiter.value = fmt.delimiter
        d.cfg_header_lines.value = fmt.header_lines
        d.cfg_policy.value = int(fmt.policy)
        d.cfg_max_field_bytes.value = fmt.max_field_bytes
        d.cfg_n_columns.value = len(kinds)
        word = 0
        for c, kd in enumerate(kinds):
            word |= int(kd) << (3 * c)
        d.cfg_kinds.value = word

    def send(self, data: bytes) -> None:
        """Queue `data` as one stream (tlast on the last beat, partial tkeep on it).

        With self.partial_rng set, every beat carries a random 1..W bytes (partial
        non-last beats, as the engine's gearbox may deliver them).
        """
        w = self.w
        if self.partial_rng is None:
            beats = [data[i:i + w] for i in range(0, len(data), w)] or [b""]
        else:
            beats, i = [], 0
            while i < len(data):
                n = self.partial_rng.choice([1, 2, w - 1, w, w, self.partial_rng.randint(1, w)])
                beats.append(data[i:i + n])
                i += n
            if not beats or self.partial_rng.random() < 0.2:
                beats.append(b"")  # an empty tlast beat
        full_keep = (1 << w) - 1
        for i, chunk in enumerate(beats):
            keep = full_keep if len(chunk) == w else (1 << len(chunk)) - 1
            self.queue.append((int.from_bytes(chunk.ljust(w, b"\0"), "little"), keep, int(i == len(beats) - 1)))
        self.in_idle.clear()

    async def pump(self, idle_p: float, stall_p: float, seed: int) -> None:
        """One coroutine moves both streams, one beat per cycle each, with random idle/stall cycles.

        Input: beats from self.queue (s_axis_tvalid dropped with probability idle_p);
        output: packets into self.packets (m_axis_tready dropped with probability stall_p).
        """
        d = self.dut
        rng = random.Random(seed)
        cur: list[int] = []
        valid = ready = False
        while True:
            await RisingEdge(self.clk)
            if valid:
                self.cycles_in += 1
                if int(d.s_axis_tready.value):
                    self.queue.popleft()
            if ready and int(d.m_axis_tvalid.value):
                cur.append(int(d.m_axis_tdata.value))
                if int(d.m_axis_tlast.value):
                    self.packets.append(cur)
                    cur = []
                    if len(self.packets) >= self.want:
                        self.out_done.set()
            valid = bool(self.queue) and not (idle_p and rng.random() < idle_p)
            if valid:
                data, keep, last = self.queue[0]
                d.s_axis_tdata.value = data
                d.s_axis_tkeep.value = keep
                d.s_axis_tlast.value = last
            elif not self.queue:
                self.in_idle.set()
            d.s_axis_tvalid.value = int(valid)
            ready = not (stall_p and rng.random() < stall_p)
            d.m_axis_tready.value = int(ready)

    async def transfer(self, data: bytes, n_packets: int, max_cycles: int) -> None:
        """Send one stream and wait for n_packets packets in total (fails on a hang)."""
        self.want = n_packets
        self.out_done.clear()
        if len(self.packets) >= n_packets:
            self.out_done.set()
        self.send(data)
        await with_timeout(self.in_idle.wait(), self.period_ns * max_cycles, "ns")
        await with_timeout(self.out_done.wait(), self.period_ns * max_cycles, "ns")

    def counters(self) -> dict[str, int]:
        d = self.dut
        out = {name: int(getattr(d, f"status_{name}").value) for name in COUNTERS}
        for rsn, port in ERRORS.items():
            out[rsn] = int(getattr(d, f"status_{port}").value)
        return out


def golden_counters(c: DecodeCounters) -> dict[str, int]:
    out = {name: getattr(c, name) for name in COUNTERS}
    for rsn in ERRORS:
        out[rsn] = c.errors[rsn]
    return out


def golden_str_fields(data: bytes, kinds: list[ColumnKind], fmt: TextFormat) -> int:
    """Non-null STR column fields of all data rows (dropped rows too): what status_str_fields
    counts (docs/spec/decode_rtl.md). DecodeCounters has no such field, so it is computed
    here from the rules of docs/spec/decode.md (lines, header, empty lines, fields, BINARY,
    OVERLONG), independently of the RTL."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # a final LF ends the last line; an empty stream has no line
    n = hdr = 0
    for ln in lines:
        if ln.endswith(b"\r"):
            ln = ln[:-1]
        if hdr < fmt.header_lines:
            hdr += 1
            continue
        if not ln:
            continue
        for kind, f in zip(kinds, ln.split(bytes([fmt.delimiter]))):
            if (kind == K.STR and f and len(f) <= fmt.max_field_bytes
                    and not any(c < 0x20 or c == 0x7F for c in f)):
                n += 1
    return n


def first_mismatch(got: list[list[int]], exp: list[list[int]], n_cols: int, k: int) -> str:
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            def show(p: list[int]) -> str:
                h = p[0]
                vals = [(p[1 + c // k] >> (64 * (c % k))) & records.MASK64 if len(p) > 1 + c // k else None
                        for c in range(n_cols)]
                return (f"row={h & ((1 << 48) - 1)} reason={(h >> 48) & 0xFF} tomb={(h >> 56) & 1} "
                        f"null={(h >> 64):#x} beats={len(p)} vals={vals}")
            return f"packet {i}: got {show(g)}\n   expected {show(e)}"
    return f"packet count: got {len(got)}, expected {len(exp)}"


async def run_streams(dut: SimHandleBase, streams: Iterable[Stream], idle: bool, backpressure: bool,
                      seed: int, idle_p: float = 0.3, stall_p: float = 0.3,
                      tb_cls: type[TB] | None = None, partial_beats: bool = False) -> tuple[int, int]:
    """Reset, send each stream (reconfiguring between streams), check records and counters.

    Each stream's records are compared as soon as they are out (so that long runs keep
    little in memory); the counters are compared with the summed golden counters at the
    end. `tb_cls` lets the decode_engine testbench reuse this with its own TB (input
    beat width IN_BYTES); `partial_beats` sends random partial non-last beats.
    Returns (data rows checked, streams).
    """
    idle_p = idle_p if idle else 0.0
    stall_p = stall_p if backpressure else 0.0
    tb = (tb_cls or TB)(dut)
    if partial_beats:
        tb.partial_rng = random.Random(seed + 2)
    await tb.reset()
    cocotb.start_soon(tb.pump(idle_p, stall_p, seed + 1))
    golden: list[DecodeCounters] = []
    n_streams = 0
    str_fields = 0
    for s in streams:
        tb.configure(s.kinds, s.fmt)
        rows = decode_text(s.data, schema_of(s.kinds), s.fmt)
        expected = records.encode(rows, tb.k)
        golden.append(rows.counters)
        str_fields += golden_str_fields(s.data, s.kinds, s.fmt)
        # all of this stream's records are out before the next configuration
        await tb.transfer(s.data, len(expected), 2000 + 20 * len(s.data))
        await tb.cycles(4)
        got = tb.packets[:]
        tb.packets.clear()
        assert got == expected, f"stream {n_streams}: " + first_mismatch(got, expected, len(s.kinds), tb.k)
        n_streams += 1
    await tb.cycles(20)
    assert not tb.packets, "records after the end of the last stream"
    exp_c = golden_counters(sum_counters(golden))
    got_c = tb.counters()
    assert got_c == exp_c, f"counters: got {got_c}\n expected {exp_c}"
    assert got_c["rows_in"] == got_c["rows_out"] + got_c["rows_dropped"]
    assert int(dut.status_str_fields.value) == str_fields, \
        f"str_fields: got {int(dut.status_str_fields.value)}, expected {str_fields}"
    return exp_c["rows_in"], n_streams


# ----------------------------------------------------------------------------- stimulus


def criteo_variants() -> list[bytes]:
    """The real rows; cut to 37-38 fields; CRLF; no final LF."""
    data = CRITEO.read_bytes()
    lines = data.rstrip(b"\n").split(b"\n")
    cut = [b"\t".join(ln.split(b"\t")[: 37 + (i % 2)]) if i % 3 == 0 else ln for i, ln in enumerate(lines)]
    return [
        data,
        b"\n".join(cut) + b"\n",
        b"\r\n".join(lines) + b"\r\n",
        b"\n".join(lines),  # final row without LF
    ]


def _dec(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.5:
        v = rng.randint(-1000, 100000)
    elif r < 0.8:
        v = rng.randint(-(2**31), 2**31 - 1)
    else:
        v = rng.choice([2**31 - 1, -(2**31), 0, -1, 1])
    s = str(abs(v))
    if rng.random() < 0.1:
        s = "0" * rng.randint(1, 12) + s
    sign = "-" if v < 0 else ("+" if rng.random() < 0.1 else "")
    if v == 0 and rng.random() < 0.2:
        sign = rng.choice("+-")
    return (sign + s).encode()


def _hex(rng: random.Random) -> bytes:
    n = rng.choice([1, 2, 8, 8, 8, 12, 16])
    s = "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(n))
    if rng.random() < 0.1:
        s = "0" * rng.randint(1, 10) + s
    return s.encode()


def good_field(rng: random.Random, kind: ColumnKind) -> bytes:
    if rng.random() < 0.1:
        return b""
    if kind in (K.LABEL, K.INT):
        return _dec(rng)
    if kind == K.HEX:
        return _hex(rng)
    if kind == K.SKIP:
        return bytes(rng.choice(b"abcxyz 019+-.") for _ in range(rng.randint(0, 6)))
    # STR: short tokens, and now and then long ones (32-byte stripes of the hash, OVERLONG)
    n = rng.randint(1, 10) if rng.random() < 0.85 else rng.randint(11, 260)
    return bytes(rng.randint(0x20, 0xFF) if rng.random() < 0.2 else rng.choice(b"abcdef012 \"+-")
                 for _ in range(n)).replace(b"\x7f", b"~")


BAD_CLASSES = ("bad_char", "lone_sign", "overflow", "overlong", "binary", "extra", "short", "mutate")


def bad_field(rng: random.Random, kind: ColumnKind, cls: str, max_bytes: int, delim: int) -> bytes:
    if cls == "bad_char":
        f = bytearray(good_field(rng, kind) or b"1")
        f.insert(rng.randint(0, len(f)), rng.choice(b" .xg+-_:Z"))
        return bytes(f)
    if cls == "lone_sign":
        return rng.choice([b"+", b"-", b"+-1", b"1-", b"--1"])
    if cls == "overflow":
        if kind == K.HEX:
            return rng.choice([b"1" + b"0" * 16, b"f" * 17, b"0" * 5 + b"1" + b"0" * 16])
        return rng.choice([b"2147483648", b"-2147483649", b"99999999999", b"1" + b"0" * 25,
                           b"-" + b"9" * 19, b"18446744073709551616", b"000" + b"4294967296"])
    if cls == "overlong":
        return b"0" * (max_bytes + rng.randint(1, 3))
    if cls == "binary":
        f = bytearray(good_field(rng, kind) or b"7")
        bad = rng.choice([0x00, 0x7F, 0x1F, 0x0D, 0x01, 0x09, 0x1B])
        if bad == delim:
            bad = 0x00
        f.insert(rng.randint(0, len(f)), bad)
        return bytes(f)
    return good_field(rng, kind)


def random_row(rng: random.Random, kinds: list[ColumnKind], fmt: TextFormat, bad_p: float) -> bytes:
    d = bytes([fmt.delimiter])
    fields = [good_field(rng, k) for k in kinds]
    if rng.random() < bad_p:
        cls = rng.choice(BAD_CLASSES)
        c = rng.randrange(len(kinds))
        if cls == "extra":
            fields += [good_field(rng, K.INT) for _ in range(rng.randint(1, 3))]
        elif cls == "short":
            fields = fields[: rng.randint(1, len(fields))]
        elif cls == "mutate":
            line = bytearray(d.join(fields))
            for _ in range(rng.randint(1, 3)):
                op = rng.randrange(3)
                pos = rng.randint(0, len(line))
                byte = rng.choice([0x00, 0x0D, 0x7F, fmt.delimiter, ord("-"), ord("x"), ord("9"), ord("0")])
                if op == 0 or not line:
                    line.insert(pos, byte)
                elif op == 1:
                    del line[min(pos, len(line) - 1)]
                else:
                    line[min(pos, len(line) - 1)] = byte
            return bytes(line).replace(b"\n", b"")
        else:
            fields[c] = bad_field(rng, kinds[c], cls, fmt.max_field_bytes, fmt.delimiter)
    return d.join(fields)


def random_stream(rng: random.Random, n_rows: int, kinds: list[ColumnKind], fmt: TextFormat,
                  bad_p: float = 0.3) -> bytes:
    out = []
    for _ in range(fmt.header_lines):
        out.append(rng.choice([b"", b"label\tI1", b"h\x00dr", b"\r"]))
    for _ in range(n_rows):
        r = rng.random()
        if r < 0.03:
            out.append(rng.choice([b"", b"\r", b"\r\r"]))
        else:
            out.append(random_row(rng, kinds, fmt, bad_p))
    eol = b"\r\n" if rng.random() < 0.3 else b"\n"
    data = eol.join(out)
    tail = rng.random()
    if tail < 0.5:
        data += eol
    elif tail < 0.6:
        data += b"\r"
    return data


def random_config(rng: random.Random, max_cols: int = 12) -> tuple[list[ColumnKind], TextFormat]:
    n = rng.randint(1, max_cols)
    kinds = [rng.choice([K.LABEL, K.INT, K.INT, K.HEX, K.HEX, K.SKIP, K.STR]) for _ in range(n)]
    fmt = TextFormat(delimiter=rng.choice([0x09, 0x09, ord(","), 0x01, ord("|")]),
                     header_lines=rng.choice([0, 0, 1, 2]),
                     policy=rng.choice([BadRowPolicy.DROP, BadRowPolicy.NULL]),
                     max_field_bytes=rng.choice([1, 3, 8, 20, 64, 255]))
    return kinds, fmt


# ----------------------------------------------------------------------------- cocotb tests


def _group(name: str) -> bool:
    return os.environ.get("DECODE_TESTS", "unit") == name


@cocotb.test(timeout_time=20, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_criteo(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Real Criteo rows: as is, cut to 37-38 fields, CRLF, no final LF; both policies, a header line."""
    streams = []
    for i, data in enumerate(criteo_variants()):
        pol = BadRowPolicy.NULL if i % 2 else BadRowPolicy.DROP
        streams.append(Stream(data, CRITEO_KINDS, TextFormat(policy=pol, header_lines=i % 2)))
    await run_streams(dut, streams, idle, backpressure, 100)


@cocotb.test(timeout_time=50, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(backpressure=[False, True])
async def run_test_datagen(dut: SimHandleBase, backpressure: bool) -> None:
    """host_runtime.datagen rows with cut rows and injected malformed rows (LF and CRLF)."""
    from host_runtime.datagen import write_tsv

    streams = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, crlf in enumerate((False, True)):
            p = Path(tmp) / f"d{i}.tsv"
            write_tsv(p, 300, seed=11 + i, cut_rate=0.2, malformed_rate=0.15, crlf=crlf,
                      truth_path=Path(tmp) / f"t{i}.jsonl")
            pol = BadRowPolicy.DROP if i == 0 else BadRowPolicy.NULL
            streams.append(Stream(p.read_bytes(), CRITEO_KINDS, TextFormat(policy=pol)))
    await run_streams(dut, streams, backpressure, backpressure, 200)


@cocotb.test(timeout_time=50, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_bad_classes(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Random schemas/formats; rows of every bad-input class; several streams in one run."""
    rng = random.Random(300 + 2 * idle + backpressure)
    streams = []
    for _ in range(12):
        kinds, fmt = random_config(rng)
        streams.append(Stream(random_stream(rng, rng.randint(1, 40), kinds, fmt), kinds, fmt))
    # corner streams
    two = [K.INT, K.INT]
    for data in (b"1\t2\n", b"1\n", b"\t\r\n", b"\r\n", b"1\t2\t\n", b"+\t2\n", b"99999999999\tx\n",
                 b"1\x00\t2\n", b"a\r\r\n", b"1\t2", b"1\t2\r", b"\r", b"\n\n\n", b"1\t2\n\r",
                 b"-0\t+0\n-000017\t0x1\n", b"2147483647\t-2147483648\n2147483648\t-2147483649\n"):
        for pol in (BadRowPolicy.DROP, BadRowPolicy.NULL):
            streams.append(Stream(data, two, TextFormat(policy=pol)))
    await run_streams(dut, streams, idle, backpressure, 300)


@cocotb.test(timeout_time=50, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(backpressure=[False, True])
async def run_test_partial_beats(dut: SimHandleBase, backpressure: bool) -> None:
    """Partial non-last beats (1..W bytes, contiguous tkeep) and empty tlast beats: the
    decode_engine gearbox delivers such beats, so the lane must decode them exactly."""
    rng = random.Random(400 + backpressure)
    streams = []
    for _ in range(10):
        kinds, fmt = random_config(rng)
        streams.append(Stream(random_stream(rng, rng.randint(1, 30), kinds, fmt), kinds, fmt))
    for data in (b"1\t2\r\n3\r\r\n\r\n", b"1\t2\r", b"a\r\r\n\r", b"\r"):
        streams.append(Stream(data, [K.INT, K.INT], TextFormat()))
    streams.append(Stream(criteo_variants()[2], CRITEO_KINDS, TextFormat()))
    await run_streams(dut, streams, backpressure, backpressure, 400, partial_beats=True)


def str_stream(rng: random.Random, n_rows: int, kinds: list[ColumnKind], fmt: TextFormat) -> bytes:
    """STR-heavy rows: several STR fields per beat, fields of 0..260 bytes (every hash stripe /
    tail length, OVERLONG), BINARY bytes and stray CRs in STR fields, the last column STR (the
    hash of a row's last field finishes after the row end), short rows, CRLF."""
    d = bytes([fmt.delimiter])
    out = []
    for _ in range(n_rows):
        fields = []
        for k in kinds:
            if k != K.STR:
                fields.append(good_field(rng, k))
                continue
            r = rng.random()
            if r < 0.5:
                f = bytes(rng.choice(b"ab z09~") for _ in range(rng.randint(0, 4)))
            elif r < 0.8:
                f = rng.randbytes(rng.randint(1, 260))
                f = bytes(c if c >= 0x20 and c != 0x7F else 0x41 + c % 26 for c in f)
            else:
                f = bytes(rng.choice(b"xy\x00\r\x7f\x1b") for _ in range(rng.randint(1, 40)))
            fields.append(f.replace(d, b"."))
        if rng.random() < 0.1:
            fields = fields[: rng.randint(1, len(fields))]
        out.append(d.join(fields))
    eol = b"\r\n" if rng.random() < 0.3 else b"\n"
    return eol.join(out) + rng.choice([eol, b"", b"\r"])


@cocotb.test(timeout_time=50, timeout_unit="ms", skip=not _group("unit"))
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


@cocotb.test(timeout_time=20, timeout_unit="ms", skip=not _group("unit"))
async def run_test_throughput(dut: SimHandleBase) -> None:
    """Criteo rows, no pauses: input bytes per cycle (reported; >= 0.9 W asserted, bench checks 0.95 W)."""
    tb = TB(dut)
    await tb.reset()
    cocotb.start_soon(tb.pump(0.0, 0.0, 1))
    data = CRITEO.read_bytes() * 3
    tb.configure(CRITEO_KINDS, TextFormat())
    await tb.transfer(data, 300, 100000)
    bpc = len(data) / tb.cycles_in
    tb.log.info("W=%d: %d bytes in %d cycles = %.3f bytes/cycle (%.3f W)", tb.w, len(data), tb.cycles_in,
                bpc, bpc / tb.w)
    assert bpc >= 0.9 * tb.w


@cocotb.test(timeout_time=100000, timeout_unit="ms", skip=not _group("fuzz"))
async def run_test_fuzz(dut: SimHandleBase) -> None:
    """Bulk fuzz: DECODE_FUZZ_ROWS random and mutated rows over many random configurations."""
    total = int(os.environ.get("DECODE_FUZZ_ROWS", "100000"))
    seed = int(os.environ.get("DECODE_FUZZ_SEED", "7"))
    rng = random.Random(seed)
    n_bytes = 0

    def streams() -> Iterator[Stream]:
        nonlocal n_bytes
        n = 0
        while n < total:  # count data rows (not header or empty lines)
            kinds, fmt = random_config(rng, max_cols=8)
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


def _run(lane_bytes: int, group: str, extra: dict[str, str] | None = None) -> None:
    env = {"DECODE_TESTS": group}
    env.update(extra or {})
    run_cocotb(
        toplevel="decode_lane",
        sources=rtl_sources("decode_lane", "decode_step", "decode_row_emit", "xxh64_str", "axis_register"),
        parameters={"LANE_BYTES": lane_bytes, "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT},
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
        extra_env=env,
    )


@pytest.mark.parametrize("lane_bytes", [8, 32])
def test_decode_lane(lane_bytes: int) -> None:
    _run(lane_bytes, "unit")


def test_decode_lane_fuzz() -> None:
    """>= 100k random and mutated rows (W = 32) inside `make test`."""
    _run(32, "fuzz", {"DECODE_FUZZ_ROWS": "100000"})


@pytest.mark.slow
@pytest.mark.parametrize("lane_bytes", [8, 16, 32])
def test_decode_lane_soak(lane_bytes: int) -> None:
    """`make soak`: 10M rows in total over the three widths."""
    _run(lane_bytes, "fuzz", {"DECODE_FUZZ_ROWS": str(10_000_000 // 3 + 1), "DECODE_FUZZ_SEED": str(lane_bytes)})
