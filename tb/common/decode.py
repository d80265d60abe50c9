"""Decode verification helpers: stimulus generators, the per-cycle TB and the scoreboard loop.

Used by tb/decode_engine (cocotb), tests/cosim (native harness soaks) and bench/ (decode benches).
Scoreboard: the record stream of `models.records.encode(decode_text(stream))` and every counter of
`DecodeCounters`. The input and output are driven/monitored by one per-cycle coroutine that moves a
whole beat per cycle (cocotbext-axi moves ~30k beats/s, too slow for the 100k-row fuzz), with random
idle cycles on the input and random back-pressure on the output.
"""
from __future__ import annotations

import collections
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cocotb
from cocotb.handle import SimHandleBase
from cocotb.triggers import Event, RisingEdge, with_timeout

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
from tb.common.base import TbBase, dut_param

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
    """The decode engine's environment: text beats in (IN_BYTES bytes each), record packets out."""

    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        self.w = dut_param("IN_BYTES")
        self.lanes = dut_param("LANES")
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
        non-last beats: the engine decodes them exactly, beyond its stricter input contract).
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

    async def settle(self, want: dict[str, int], max_cycles: int) -> None:
        """Wait until the line counters (data rows, header and empty lines) reach `want`: the stream is then
        fully decoded, records or not."""
        keys = ("rows_in", "header_lines", "empty_lines")
        for _ in range(max_cycles):
            got = self.counters()
            if all(got[k] == want[k] for k in keys):
                return
            await RisingEdge(self.clk)
        raise AssertionError(f"lines not all counted after {max_cycles} cycles: {got} vs {want}")

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
                      partial_beats: bool = False) -> tuple[int, int]:
    """Reset, send each stream (reconfiguring between streams), check records and counters.

    Each stream's records are compared as soon as they are out (so that long runs keep
    little in memory); the counters are compared with the summed golden counters at the
    end. `partial_beats` sends random partial non-last beats.
    Returns (data rows checked, streams).
    """
    idle_p = idle_p if idle else 0.0
    stall_p = stall_p if backpressure else 0.0
    tb = TB(dut)
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
        # all of this stream's records are out, and all its lines counted, before the next configuration
        # (the configuration must be stable while a stream is in flight; a stream with no record has no
        # packet to wait for)
        await tb.transfer(s.data, len(expected), 2000 + 20 * len(s.data))
        await tb.settle(golden_counters(sum_counters(golden)), 2000)
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


def short_line_stream(rng: random.Random, n_lines: int, fmt: TextFormat) -> bytes:
    """Very short lines (many line ends per beat): data rows, empty lines, lone CRs, CRLF."""
    out = []
    for _ in range(fmt.header_lines):
        out.append(rng.choice([b"", b"\r", b"h", b"hdr\r"]))
    for _ in range(n_lines):
        out.append(rng.choice([b"", b"\r", b"1", b"-", b"12\t3", b"\t", b"\r\r", b"7\r", b"ff\x00", b"1\t2\t3"]))
    data = b"".join(ln + rng.choice([b"\n", b"\r\n"]) for ln in out)
    return data + rng.choice([b"", b"", b"\r", b"5", b"5\r", b"\r\r"])
