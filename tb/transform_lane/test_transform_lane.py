"""cocotb testbench for rtl/transform/transform_lane.v: bit-exact against models.transform.transform_lanes.

The lane is configured from `host_runtime.csr_image.transform.transform_csr_image(spec)` by driving
its cfg_* ports, writing the table-backed feature arrays word by word through their tbl_<array>_*
ports as etl_csr forwards them (names, widths and word layout read from rtl/top/csr/transform.yaml
through host_runtime.csr_map, so a port that does not match the YAML fails the test) and writing the
bucketize tables through the tbl_bk_* port. Input:
`models.records.encode` of golden decode output (or of random DecodedRows); expected output:
`models.records.encode_transformed(transform_lanes(spec, rows), dense_dtype)` (no eos marker).
A per-cycle coroutine moves one beat per cycle on each side with random idle cycles on the input
and random back-pressure on the output (cocotbext-axi would be too slow for the throughput runs).

Knob: TRANSFORM_TESTS (read in the simulation) selects the cocotb test group, see the bottom.
"""
from __future__ import annotations

import collections
import dataclasses
import os
import random
import tempfile
from pathlib import Path

import cocotb
import numpy as np
import pytest
import yaml
from cocotb.handle import SimHandleBase
from cocotb.triggers import Event, RisingEdge, with_timeout

from cosim.runner import REPO_ROOT, rtl_sources, run_cocotb
from host_runtime.csr_image.transform import BK_TABLES, transform_csr_image
from host_runtime.spec import load_spec
from models import records
from models.batch_layout import DenseDtype
from models.decode_text import decode_text
from models.pipeline_spec import (
    BatchSettings,
    DenseFeature,
    DenseOut,
    InputFormat,
    IntPrefix,
    PipelineSpec,
    SparseFeature,
    SparseFinal,
    VocabSettings,
)
from models.schema import BadRowPolicy, Column, ColumnKind, DecodeCounters, DecodedRows, Schema, TextFormat
from models.transform import transform_lanes
from tb.common import TbBase

CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")
CSR_YAML = REPO_ROOT / "rtl/top/csr/transform.yaml"
PRESETS = ("criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline")
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
U64 = (1 << 64) - 1


# ----------------------------------------------------------------------------- configuration

def csr_layout() -> tuple[dict[str, int], dict[str, tuple[int, dict[str, int]]], dict[str, int]]:
    """(scalar widths, register-backed arrays {name: (count, {field: width})}, tables {name: words}) of
    transform.yaml (table-backed arrays: `table_arrays()`)."""
    doc = yaml.safe_load(CSR_YAML.read_text())
    scalars = {r["name"]: r["width"] for r in doc["registers"] if r["access"] == "rw"}
    arrays = {a["name"]: (a["count"], {f["name"]: f["width"] for f in a["fields"]}) for a in doc["arrays"]
              if a.get("storage", "registers") != "table"}
    tables = {t["name"]: t["words"] for t in doc["tables"]}
    return scalars, arrays, tables


def table_arrays() -> list:
    """The table-backed arrays of the transform block (host_runtime.csr_map.Array, with the word layout)."""
    from host_runtime.csr_map import load_csr_map

    return [a for a in load_csr_map().block("transform").arrays if a.storage == "table"]


def array_words(arr, img: dict) -> list[int]:
    """The words etl_csr forwards for a table-backed array (entry i, field word f at i * entry_words + f)."""
    words = [0] * arr.words
    for f in arr.fields:
        vals = img[f"{arr.name}_{f.name}"]
        assert len(vals) == arr.count
        for i, v in enumerate(vals):
            assert 0 <= v < (1 << f.width), f"{arr.name}.{f.name}[{i}] = {v} does not fit {f.width} bits"
            for k in range(f.words):
                words[i * arr.entry_words + f.word + k] = (v >> (32 * k)) & 0xFFFFFFFF
    return words


def pack(values: list[int], width: int) -> int:
    word = 0
    for i, v in enumerate(values):
        assert 0 <= v < (1 << width), f"entry {i} = {v} does not fit {width} bits"
        word |= v << (width * i)
    return word


async def configure(dut: SimHandleBase, clk, img: dict) -> None:
    """Drive every cfg_* port from the image and write the bucketize table (then read it back)."""
    scalars, arrays, tables = csr_layout()
    for name, w in scalars.items():
        v = img[name]
        assert 0 <= v < (1 << w)
        getattr(dut, f"cfg_{name}").value = v
    for arr, (count, fields) in arrays.items():
        for f, w in fields.items():
            vals = img[f"{arr}_{f}"]
            assert len(vals) == count
            port = getattr(dut, f"cfg_{arr}_{f}")
            assert len(port) == count * w, f"cfg_{arr}_{f} is {len(port)} bits, YAML says {count}x{w}"
            port.value = pack(vals, w)
    for arr in table_arrays():
        addr = getattr(dut, f"tbl_{arr.name}_addr")
        assert len(addr) == arr.addr_bits, f"tbl_{arr.name}_addr is {len(addr)} bits, YAML says {arr.addr_bits}"
        we, wdata = getattr(dut, f"tbl_{arr.name}_we"), getattr(dut, f"tbl_{arr.name}_wdata")
        for a, v in enumerate(array_words(arr, img)):
            we.value = 1
            addr.value = a
            wdata.value = v
            await RisingEdge(clk)
        we.value = 0
    words = img["bk"]
    assert len(words) == tables["bk"]
    dut.tbl_bk_re.value = 0
    for a, v in enumerate(words):
        dut.tbl_bk_we.value = 1
        dut.tbl_bk_addr.value = a
        dut.tbl_bk_wdata.value = v
        await RisingEdge(clk)
    dut.tbl_bk_we.value = 0
    # read back the used part (lengths and table 0)
    for a in list(range(512, 520)) + list(range(0, 64, 7)):
        dut.tbl_bk_re.value = 1
        dut.tbl_bk_addr.value = a
        await RisingEdge(clk)
        dut.tbl_bk_re.value = 0
        await RisingEdge(clk)
        got = int(dut.tbl_bk_rdata.value)
        assert got == words[a], f"tbl_bk word {a}: read {got:#x}, wrote {words[a]:#x}"
    for _ in range(4):
        await RisingEdge(clk)


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        dut.s_axis_tvalid.value = 0
        dut.s_axis_tdata.value = 0
        dut.s_axis_tkeep.value = (1 << 64) - 1
        dut.s_axis_tlast.value = 0
        dut.s_axis_tuser.value = 0
        dut.m_axis_tready.value = 0
        dut.tbl_bk_we.value = 0
        dut.tbl_bk_re.value = 0
        dut.tbl_bk_addr.value = 0
        dut.tbl_bk_wdata.value = 0
        for arr in table_arrays():
            getattr(dut, f"tbl_{arr.name}_we").value = 0
        self.queue: collections.deque[tuple[int, int]] = collections.deque()
        self.packets: list[list[int]] = []
        self.want = 0
        self.done = Event()
        self.cycle = 0
        self.in_stalls = 0  # cycles with s_axis_tvalid high and tready low
        self.first_in: int | None = None
        self.last_in = 0
        self.last_out = 0
        self.beats_in = 0

    def send(self, packets: list[list[int]]) -> None:
        for p in packets:
            for i, beat in enumerate(p):
                self.queue.append((beat, int(i == len(p) - 1)))

    async def pump(self, idle_p: float, stall_p: float, seed: int) -> None:
        d = self.dut
        rng = random.Random(seed)
        cur: list[int] = []
        valid = ready = False
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1
            if valid:
                if int(d.s_axis_tready.value):
                    self.queue.popleft()
                    self.beats_in += 1
                    if self.first_in is None:
                        self.first_in = self.cycle
                    self.last_in = self.cycle
                else:
                    self.in_stalls += 1
            if ready and int(d.m_axis_tvalid.value):
                assert int(d.m_axis_tkeep.value) == (1 << 128) - 1
                cur.append(int(d.m_axis_tdata.value))
                self.last_out = self.cycle
                if int(d.m_axis_tlast.value):
                    self.packets.append(cur)
                    cur = []
                    if len(self.packets) >= self.want:
                        self.done.set()
            valid = bool(self.queue) and not (idle_p and rng.random() < idle_p)
            if valid:
                data, last = self.queue[0]
                d.s_axis_tdata.value = data
                d.s_axis_tlast.value = last
            d.s_axis_tvalid.value = int(valid)
            ready = not (stall_p and rng.random() < stall_p)
            d.m_axis_tready.value = int(ready)

    async def transfer(self, packets: list[list[int]], max_cycles: int) -> list[list[int]]:
        self.packets = []
        self.want = len(packets)
        self.done.clear()
        self.send(packets)
        await with_timeout(self.done.wait(), self.period_ns * max_cycles, "ns")
        await self.cycles(40)
        got = self.packets
        self.packets = []
        return got


def describe(p: list[int], nd: int, ns: int) -> str:
    words = [(b >> (32 * s)) & 0xFFFFFFFF for b in p for s in range(32)]
    nw = records.transformed_words(nd, ns)
    return (f"row={words[0] | (words[1] & 0xFFFF) << 32} w1={words[1]:#x} label={words[2]:#x} "
            f"dense={[hex(w) for w in words[3:3 + nd]]} "
            f"sparse={[hex(words[3 + nd + 2 * f] | words[4 + nd + 2 * f] << 32) for f in range(ns)]} "
            f"beats={len(p)} tail_nonzero={any(words[nw:])}")


def compare(got: list[list[int]], exp: list[list[int]], spec: PipelineSpec, what: str) -> None:
    nd, ns = len(spec.dense), len(spec.sparse)
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            raise AssertionError(f"{what}: packet {i} differs\n  got      {describe(g, nd, ns)}\n"
                                 f"  expected {describe(e, nd, ns)}")
    assert len(got) == len(exp), f"{what}: {len(got)} packets, expected {len(exp)}"


def expected_packets(spec: PipelineSpec, rows: DecodedRows) -> list[list[int]]:
    return records.encode_transformed(transform_lanes(spec, rows), int(spec.batch.dense_dtype))


async def run_rows(tb: TB, spec: PipelineSpec, rows: DecodedRows, what: str) -> int:
    """Send rows, compare every output beat; returns data rows checked."""
    exp = expected_packets(spec, rows)
    packets = records.encode(rows)
    n_beats = sum(len(p) for p in packets)
    # generous bound: a slot a cycle at worst every 4th cycle (few credits), one slot per feature
    got = await tb.transfer(packets, 200 + 40 * n_beats + 4 * len(packets) * (len(spec.dense) + len(spec.sparse)))
    compare(got, exp, spec, what)
    return len(exp)


# ----------------------------------------------------------------------------- stimulus

def criteo_text() -> bytes:
    return CRITEO.read_bytes()


def datagen_text(n: int, seed: int, malformed: float) -> bytes:
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "rows.tsv"
        write_tsv(p, n, seed, cut_rate=0.1, malformed_rate=malformed)
        return p.read_bytes()


def with_policy(spec: PipelineSpec, policy: BadRowPolicy) -> PipelineSpec:
    return dataclasses.replace(spec, text=dataclasses.replace(spec.text, policy=policy))


def rand_i32(rng: random.Random, pool: list[int]) -> int:
    r = rng.random()
    if r < 0.35 and pool:
        return rng.choice(pool)
    if r < 0.55:
        return rng.choice([0, 1, -1, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 2, 3, -2])
    if r < 0.8:
        return rng.randint(-1000, 100000)
    return rng.randint(INT32_MIN, INT32_MAX)


def random_bounds(rng: random.Random) -> tuple[int, ...]:
    n = rng.choice([1, 2, 5, 17, 47, 63, 64])
    if rng.random() < 0.5:
        b = [rng.randint(-100, 1000) for _ in range(n)]
    else:
        b = [rng.randint(INT32_MIN, INT32_MAX) for _ in range(n)]
    if rng.random() < 0.3:
        b[0] = INT32_MIN
    if rng.random() < 0.3:
        b[-1] = INT32_MAX
    if n > 2 and rng.random() < 0.5:
        b[1] = b[0]  # duplicates count once each
    return tuple(sorted(b))


def random_prefix(rng: random.Random, pool: list[int]) -> IntPrefix:
    if rng.random() < 0.4:
        return IntPrefix(fill=rand_i32(rng, pool))
    lo, hi = sorted((rand_i32(rng, pool), rand_i32(rng, pool)))
    return IntPrefix(fill=rand_i32(rng, pool), clamp_lo=lo, clamp_hi=hi,
                     shift=rand_i32(rng, []) if rng.random() < 0.3 else 0)


MODULI = [1, 2, 3, 7, 1000003, 2**31 - 1, 2**31, 2**31 + 1, 4294967291, 2**32 - 2, 2**32 - 1]
SALTS = [0, 1, 0x5157A1D0, 2**63, U64, 0x9E3779B97F4A7C15]


def random_spec(rng: random.Random, idx: int) -> tuple[PipelineSpec, list[int]]:
    """A random pipeline that fits the lane: random columns/kinds, features, ops, dtype, moduli, salts,
    at most BK_TABLES distinct boundary lists. Returns the spec and the INT value pool (boundaries ± 1)."""
    n_cols = rng.choice([1, 3, 9, 17, 40, 64])
    kinds = [ColumnKind.LABEL] if rng.random() < 0.7 else []
    while len(kinds) < n_cols:
        kinds.append(rng.choice([ColumnKind.INT, ColumnKind.INT, ColumnKind.HEX, ColumnKind.STR, ColumnKind.SKIP]))
    rng.shuffle(kinds)
    kinds = kinds[:n_cols]
    if ColumnKind.INT not in kinds:
        kinds[-1] = ColumnKind.INT
    schema = Schema(tuple(Column(f"c{i}", k) for i, k in enumerate(kinds)))
    ints = [i for i, k in enumerate(kinds) if k == ColumnKind.INT]
    usable = [i for i, k in enumerate(kinds) if k in (ColumnKind.INT, ColumnKind.HEX, ColumnKind.STR)]
    lists = [random_bounds(rng) for _ in range(rng.randint(1, BK_TABLES))]
    pool = sorted({x + d for b in lists for x in b for d in (-1, 0, 1) if INT32_MIN <= x + d <= INT32_MAX})
    nd = rng.choice([0, 1, 5, 13, 32]) if idx else 32
    ns = rng.choice([0, 1, 7, 26, 39, 64]) if idx else 64
    dense = []
    for j in range(nd):
        out = rng.choice(list(DenseOut))
        dense.append(DenseFeature(f"d{j}", rng.choice(ints), random_prefix(rng, pool), out,
                                  rng.choice(lists) if out == DenseOut.BUCKETIZE else ()))
    sparse = []
    for f in range(ns):
        col = rng.choice(usable)
        prefix, bounds, fill = None, (), 0
        if kinds[col] == ColumnKind.INT and rng.random() < 0.5:
            prefix, bounds = random_prefix(rng, pool), rng.choice(lists)
        elif kinds[col] == ColumnKind.INT:
            fill = rand_i32(rng, pool) & U64
        else:
            fill = rng.choice([0, 1, U64, rng.getrandbits(64)])
        salt = rng.choice(SALTS + [rng.getrandbits(64)]) if rng.random() < 0.6 else None
        final = rng.choice(list(SparseFinal))
        modulus = rng.choice(MODULI + [rng.randint(1, 2**32 - 1)]) if final == SparseFinal.MODULO else 0
        sparse.append(SparseFeature(f"s{f}", col, fill, prefix, bounds, salt, final, modulus,
                                    VocabSettings() if final == SparseFinal.VOCAB else None))
    labels = [i for i, k in enumerate(kinds) if k == ColumnKind.LABEL]
    dtype = rng.choice(list(DenseDtype))
    spec = PipelineSpec(f"random{idx}", schema, InputFormat.TEXT, TextFormat(),
                        labels[0] if labels and rng.random() < 0.8 else None, tuple(dense), tuple(sparse),
                        BatchSettings(dense_dtype=dtype))
    return spec, pool


def random_rows(rng: random.Random, spec: PipelineSpec, pool: list[int], n: int) -> DecodedRows:
    """Random decoded rows: edge INT values and boundary values, random u64 keys, nulls, tombstones,
    kept rows with repair reasons."""
    kinds = spec.schema.kinds
    n_cols = len(kinds)
    vals, nulls, idx, rsn, d_idx, d_rsn = [], [], [], [], [], []
    row = rng.randint(0, 2**40) if rng.random() < 0.5 else 0
    for _ in range(n):
        row += 1 if rng.random() < 0.9 else rng.randint(1, 2**20)
        if rng.random() < 0.1:
            d_idx.append(row)
            d_rsn.append(rng.randint(1, 255))
            continue
        v, nl = [], []
        for c in range(n_cols):
            k = ColumnKind(int(kinds[c]))
            if k == ColumnKind.SKIP or rng.random() < 0.15:
                v.append(0)
                nl.append(True)
                continue
            if k in (ColumnKind.INT, ColumnKind.LABEL):
                x = rand_i32(rng, pool) if k == ColumnKind.INT else rng.choice([0, 1, -1, 5, INT32_MAX, INT32_MIN])
                v.append(x & U64)
            else:
                v.append(rng.choice([0, 1, U64, 2**63]) if rng.random() < 0.1 else rng.getrandbits(64))
            nl.append(False)
        vals.append(v)
        nulls.append(nl)
        idx.append(row)
        rsn.append(0 if rng.random() < 0.8 else rng.randint(1, 255))
    return DecodedRows(
        values=np.array(vals, dtype=np.uint64).reshape(-1, n_cols),
        null=np.array(nulls, dtype=bool).reshape(-1, n_cols),
        row_index=np.array(idx, dtype=np.int64), reason=np.array(rsn, dtype=np.uint8),
        dropped_index=np.array(d_idx, dtype=np.int64), dropped_reason=np.array(d_rsn, dtype=np.uint8),
        counters=DecodeCounters(rows_in=n),
    )


# ----------------------------------------------------------------------------- cocotb tests

def _group(name: str) -> bool:
    return os.environ.get("TRANSFORM_TESTS", "all") in (name, "all")


async def start(dut: SimHandleBase, spec: PipelineSpec, idle: bool, backpressure: bool, seed: int) -> TB:
    tb = TB(dut)
    await setup(tb, spec)
    cocotb.start_soon(tb.pump(0.3 if idle else 0.0, 0.3 if backpressure else 0.0, seed))
    return tb


async def setup(tb: TB, spec: PipelineSpec) -> None:
    """Reset, then configure for `spec` (the pump, if running, has nothing queued meanwhile)."""
    assert not tb.queue
    await tb.reset()
    await configure(tb.dut, tb.clk, transform_csr_image(spec))


@cocotb.test(timeout_time=400, timeout_unit="ms", skip=not _group("presets"))
@cocotb.parametrize(preset=list(PRESETS), idle_inserts=[False, True], backpressure=[False, True])
async def run_presets(dut: SimHandleBase, preset: str, idle_inserts: bool, backpressure: bool) -> None:
    """Each preset on the real Criteo rows, then on datagen rows with malformed ones (DROP: tombstones;
    NULL: repaired rows with reasons and nulls)."""
    spec = load_spec(preset)
    seed = 100 + 4 * PRESETS.index(preset) + 2 * idle_inserts + backpressure
    tb = await start(dut, spec, idle_inserts, backpressure, seed)
    n = await run_rows(tb, spec, decode_text(criteo_text(), spec.schema, spec.text), f"{preset} real rows")
    text = datagen_text(300, seed, 0.05)
    for policy in (BadRowPolicy.DROP, BadRowPolicy.NULL):
        s = with_policy(spec, policy)
        rows = decode_text(text, s.schema, s.text)
        if policy == BadRowPolicy.DROP:
            assert len(rows.dropped_index) > 0, "datagen made no tombstones"
        else:
            assert int((rows.reason != 0).sum()) > 0, "datagen made no repaired rows"
        n += await run_rows(tb, s, rows, f"{preset} datagen {policy.name}")
    tb.log.info("%s: %d packets bit-exact", preset, n)


@cocotb.test(timeout_time=800, timeout_unit="ms", skip=not _group("random"))
@cocotb.parametrize(idle_inserts=[False, True], backpressure=[False, True])
async def run_random_specs(dut: SimHandleBase, idle_inserts: bool, backpressure: bool) -> None:
    """Random specs (columns, features, ops, dtypes, moduli incl. 1 and 2^32-1, boundaries with values
    equal to them, salts), random rows with nulls and tombstones; the lane is reconfigured per spec."""
    seed = 500 + 2 * idle_inserts + backpressure
    rng = random.Random(seed)
    tb: TB | None = None
    for i in range(4):
        spec, pool = random_spec(rng, i)
        rows = random_rows(rng, spec, pool, 120)
        if tb is None:
            tb = await start(dut, spec, idle_inserts, backpressure, seed)
        else:
            await setup(tb, spec)
        await run_rows(tb, spec, rows, f"random spec {i} (nd={len(spec.dense)} ns={len(spec.sparse)})")


def throughput_rows(spec: PipelineSpec, n: int) -> DecodedRows:
    rows = decode_text(datagen_text(n, 7, 0.0), spec.schema, spec.text)
    assert len(rows.dropped_index) == 0
    return rows


async def measure(dut: SimHandleBase, preset: str, n_rows: int, tb: TB | None = None) -> tuple[dict, TB]:
    """Feed golden records at full rate, no back-pressure; bit-exact check; cycle counts. Pass the
    TB of an earlier call (its pump has no pauses) to measure again in the same cocotb test."""
    spec = load_spec(preset)
    rows = throughput_rows(spec, n_rows)
    if tb is None:
        tb = await start(dut, spec, False, False, 1)
    else:
        await setup(tb, spec)
    tb.in_stalls, tb.first_in, tb.beats_in = 0, None, 0
    packets = records.encode(rows)
    n_beats = sum(len(p) for p in packets)
    exp = expected_packets(spec, rows)
    got = await tb.transfer(packets, 200 + 40 * n_beats)
    compare(got, exp, spec, f"{preset} throughput")
    assert tb.first_in is not None
    span_in = tb.last_in - tb.first_in + 1
    span = tb.last_out - tb.first_in + 1
    fields = len(spec.dense) + len(spec.sparse) + 1
    return {"preset": preset, "rows": rows.n_rows, "beats_in": n_beats, "in_stall_cycles": tb.in_stalls,
            "input_cycles": span_in, "cycles": span, "beats_per_cycle": n_beats / span_in,
            "rows_per_cycle": rows.n_rows / span, "fields_per_cycle": rows.n_rows * fields / span}, tb


@cocotb.test(timeout_time=400, timeout_unit="ms", skip=not _group("throughput"))
@cocotb.parametrize(preset=list(PRESETS))
async def run_throughput(dut: SimHandleBase, preset: str) -> None:
    """Zero back-pressure, no idle: the lane accepts one input beat every cycle (exact: no stall cycle
    between the first and the last input beat) on Criteo-shaped rows (40 columns, 6 beats a row)."""
    r, _ = await measure(dut, preset, 300)
    dut._log.info("throughput %s", r)
    assert r["in_stall_cycles"] == 0 and r["input_cycles"] == r["beats_in"], r


def _rom() -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_log1p_rom", REPO_ROOT / "rtl/transform/gen_log1p_rom.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write(REPO_ROOT / "build" / "transform" / "log1p_fx_rom.mem")


SOURCES = ("transform_lane", "dense_chain", "sparse_bk_pe", "xxh64_u64", "barrett_mod", "xform_mul64c",
           "xform_delay", "int_prefix", "bucketize", "log1p_fx", "int_to_f32", "f32_to_half", "axis_register")


def run_lane(group: str, parameters: dict[str, object] | None = None) -> None:
    params: dict[str, object] = {"ROM_FILE": f'"{_rom()}"'}
    params.update(parameters or {})
    run_cocotb(
        toplevel="transform_lane",
        sources=rtl_sources(*SOURCES),
        parameters=params,
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
        extra_env={"TRANSFORM_TESTS": group},
    )


@pytest.mark.parametrize("group", ["presets", "random", "throughput"])
def test_transform_lane(group: str) -> None:
    run_lane(group)


@pytest.mark.slow  # make soak; the same 1 + 2 PE lane runs end to end in tests/runtime/test_sim_backend.py
def test_transform_lane_small() -> None:
    """A second PE configuration (1 dense, 2 sparse PEs, 8 credits): random specs only (it is slower
    than the decode rate by design)."""
    run_lane("random", {"DENSE_PES": 1, "SPARSE_PES": 2, "CREDITS": 8})
