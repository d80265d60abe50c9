"""cocotb testbench for rtl/pack/pack_engine.v: bit-exact against models.pack.pack_batches.

Stimulus: `encode_transformed(transform(spec, rows, state), dense_dtype, eos=True)` for the four
presets on real Criteo rows and on datagen rows with malformed rows (tombstones), with the batch
settings varied (B = 1, 3, 7, 64, 2048; drop_last; float32/float16/bfloat16 dense; int32/int64
sparse; hot split), several streams back to back in one simulation. Every output packet must equal
the golden batch byte for byte. A per-cycle coroutine moves one beat per cycle on both streams with
random idle cycles on the input and random back-pressure on the output (cocotbext-axi is too slow
for 1024-bit streams of thousands of beats).

Knobs (environment, read inside the simulation): PACK_TESTS selects the cocotb test group.
"""
from __future__ import annotations

import collections
import dataclasses
import os
import random
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import Event, RisingEdge, with_timeout

from cosim.runner import rtl_sources, run_cocotb
from host_runtime.csr_image.pack import pack_csr_image
from host_runtime.spec import load_spec
from models.batch_layout import BatchFlags, DenseDtype, SparseDtype
from models.decode_text import decode_text
from models.pack import PackSettings, TransformedRows, batches_to_arrays, pack_batches, parse_batch
from models.pipeline_spec import PipelineSpec
from models.records import encode_transformed
from models.transform import TransformState, transform
from tb.common import TbBase

CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")
PRESETS = ("criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline")
BEAT_BYTES = 64


# ------------------------------------------------------------------------------------ stimulus

@lru_cache(maxsize=None)
def _datagen_text(n_rows: int, seed: int, malformed: float) -> bytes:
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "d.tsv"
        write_tsv(p, n_rows, seed=seed, cut_rate=0.1, malformed_rate=malformed,
                  truth_path=Path(tmp) / "t.jsonl")
        return p.read_bytes()


def source_text(source: str) -> bytes:
    """'criteo' = the real sample rows; 'datagen:N:SEED' = N generated rows, 5 % malformed."""
    if source == "criteo":
        return CRITEO.read_bytes()
    _, n, seed = source.split(":")
    return _datagen_text(int(n), int(seed), 0.05)


@dataclass
class Case:
    """One stream: its spec (batch settings applied), transformed rows and golden batches."""

    spec: PipelineSpec
    rows: TransformedRows
    packets: list[list[int]]
    golden: list[bytes]
    settings: PackSettings
    freshness: int = 0
    cfg_override: dict[str, int] = field(default_factory=dict)  # CSR values written instead of the image's


def make_case(preset: str, source: str, *, size: int, drop_last: bool = False,
              dense: DenseDtype = DenseDtype.FLOAT32, sparse: SparseDtype = SparseDtype.INT32,
              freshness: int = 0) -> Case:
    spec = load_spec(preset)
    batch = dataclasses.replace(spec.batch, size=size, drop_last=drop_last, dense_dtype=dense,
                                sparse_dtype=sparse, freshness_cycles=freshness)
    spec = dataclasses.replace(spec, batch=batch)
    decoded = decode_text(source_text(source), spec.schema, spec.text)
    state = TransformState.prepare(spec, decoded)
    rows = transform(spec, decoded, state)
    settings = PackSettings(spec.geometry(), drop_last, spec.hot_split)
    golden = list(pack_batches(rows, settings))
    packets = encode_transformed(rows, int(dense), eos=True)
    return Case(spec, rows, packets, golden, settings, freshness)


# ------------------------------------------------------------------------------------ TB

class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        dut.s_axis_tvalid.value = 0
        dut.s_axis_tdata.value = 0
        dut.s_axis_tkeep.value = (1 << 128) - 1
        dut.s_axis_tlast.value = 0
        dut.s_axis_tuser.value = 0
        dut.m_axis_tready.value = 0
        self.queue: collections.deque[tuple[int, int]] = collections.deque()
        self.batches: list[bytes] = []
        self.want = 0
        self.out_done = Event()
        self.cycle = 0
        self.first_in: int | None = None
        self.last_in = 0
        self.last_out = 0
        self.batch_first_out: int | None = None
        self.readout_cycles = 0  # sum over batches of (last beat cycle - first beat cycle + 1)

    def configure(self, case: Case) -> None:
        """Drive every cfg_* port from the runtime's CSR image (the same values the host writes)."""
        for name, value in {**pack_csr_image(case.spec, PARAMS), **case.cfg_override}.items():
            getattr(self.dut, f"cfg_{name}").value = value

    async def pump(self, idle_p: float, stall_p: float, seed: int) -> None:
        """Move one input beat and one output beat per cycle at most, with random pauses."""
        d = self.dut
        rng = random.Random(seed)
        cur = bytearray()
        valid = ready = False
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1
            if valid and int(d.s_axis_tready.value):
                if self.first_in is None:
                    self.first_in = self.cycle
                self.last_in = self.cycle
                self.queue.popleft()
            if ready and int(d.m_axis_tvalid.value):
                assert int(d.m_axis_tkeep.value) == (1 << 64) - 1, "tkeep not all ones"
                if not cur:
                    self.batch_first_out = self.cycle
                cur += int(d.m_axis_tdata.value).to_bytes(BEAT_BYTES, "little")
                if int(d.m_axis_tlast.value):
                    self.readout_cycles += self.cycle - (self.batch_first_out or self.cycle) + 1
                    self.batches.append(bytes(cur))
                    cur = bytearray()
                    self.last_out = self.cycle
                    if len(self.batches) >= self.want:
                        self.out_done.set()
            valid = bool(self.queue) and not (idle_p and rng.random() < idle_p)
            if valid:
                data, last = self.queue[0]
                d.s_axis_tdata.value = data
                d.s_axis_tlast.value = last
            d.s_axis_tvalid.value = int(valid)
            ready = not (stall_p and rng.random() < stall_p)
            d.m_axis_tready.value = int(ready)

    async def run_stream(self, case: Case, n_batches: int, max_cycles: int) -> list[bytes]:
        """Configure, queue one stream, wait until its n_batches batches have arrived."""
        self.configure(case)
        start = len(self.batches)
        for p in case.packets:
            for i, beat in enumerate(p):
                self.queue.append((beat, int(i == len(p) - 1)))
        self.want = start + n_batches
        self.out_done.clear()
        if len(self.batches) >= self.want:
            self.out_done.set()
        await with_timeout(self.out_done.wait(), self.period_ns * max_cycles, "ns")
        return self.batches[start:]


def first_diff(a: bytes, b: bytes) -> str:
    if len(a) != len(b):
        return f"length {len(a)} != golden {len(b)}"
    i = next(i for i in range(len(a)) if a[i] != b[i])
    return f"first differing byte {i} (beat {i // 64}, word {(i % 64) // 4}): got {a[i]:#x}, golden {b[i]:#x}"


def check_exact(case: Case, got: list[bytes], label: str) -> None:
    assert len(got) == len(case.golden), f"{label}: {len(got)} batches, golden {len(case.golden)}"
    for k, (a, b) in enumerate(zip(got, case.golden)):
        assert a == b, f"{label}: batch {k}: {first_diff(a, b)}"


async def start(dut: SimHandleBase, idle: bool, backpressure: bool, seed: int) -> TB:
    tb = TB(dut)
    await tb.reset()
    cocotb.start_soon(tb.pump(0.3 if idle else 0.0, 0.3 if backpressure else 0.0, seed))
    return tb


async def run_cases(dut: SimHandleBase, cases: list[tuple[str, Case]], idle: bool, backpressure: bool,
                    seed: int) -> TB:
    tb = await start(dut, idle, backpressure, seed)
    for label, case in cases:
        beats = sum(len(p) for p in case.packets) + sum(len(b) // 64 for b in case.golden)
        got = await tb.run_stream(case, len(case.golden), 20 * beats + 2000)
        check_exact(case, got, label)
        tb.log.info("%s: %d batches bit-exact", label, len(got))
    return tb


def _group(name: str) -> bool:
    return os.environ.get("PACK_TESTS", "unit") == name


# ------------------------------------------------------------------------------------ tests

@cocotb.test(timeout_time=200, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_presets(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """All four presets on the real Criteo rows (B = 7, 64) and datagen rows with tombstones (B = 64)."""
    cases = []
    for i, preset in enumerate(PRESETS):
        cases.append((f"{preset}/criteo/B7", make_case(preset, "criteo", size=7)))
        cases.append((f"{preset}/datagen/B64", make_case(preset, "datagen:300:5", size=64,
                                                         drop_last=bool(i % 2))))
    cases.append(("criteo_dlrm/criteo/B64", make_case("criteo_dlrm", "criteo", size=64)))
    tb = await run_cases(dut, cases, idle, backpressure, 10 + 2 * idle + backpressure)
    assert int(tb.dut.status_streams.value) == len(cases)
    assert int(tb.dut.status_batches.value) == sum(len(c.golden) for _, c in cases)
    assert int(tb.dut.status_rows.value) == sum(c.rows.n_rows for _, c in cases)
    assert int(tb.dut.status_tombstones.value) == sum(len(c.rows.dropped_index) for _, c in cases)


@cocotb.test(timeout_time=300, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(backpressure=[False, True])
async def run_test_settings(dut: SimHandleBase, backpressure: bool) -> None:
    """B in {1, 3, 7, 64}, drop_last on/off, f32/f16/bf16 dense, int32/int64 sparse, back to back."""
    rng = random.Random(77 + backpressure)
    cases = []
    combos = [(d, s) for d in DenseDtype for s in SparseDtype]
    for k, (dd, sd) in enumerate(combos):
        for size in (1, 3, 7, 64):
            if rng.random() < 0.5 and size != 64:
                continue
            preset = PRESETS[(k + size) % len(PRESETS)]
            src = "criteo" if size < 64 else "datagen:200:9"
            drop = rng.random() < 0.5
            cases.append((f"{preset}/{src}/B{size}/{dd.name}/{sd.name}/drop={drop}",
                          make_case(preset, src, size=size, drop_last=drop, dense=dd, sparse=sd)))
    await run_cases(dut, cases, backpressure, backpressure, 20 + backpressure)


@cocotb.test(timeout_time=300, timeout_unit="ms", skip=not _group("unit"))
@cocotb.parametrize(idle=[False, True])
async def run_test_hot_split(dut: SimHandleBase, idle: bool) -> None:
    """Hotline popular-first split: B = 3, 64, 100 (tail reversal across banks), f16/bf16 dense
    (odd n_dense: checksum parity depends on the popular count), int64, drop_last."""
    cases = [
        ("hot/B3", make_case("criteo_hotline", "criteo", size=3)),
        ("hot/B64/f16", make_case("criteo_hotline", "datagen:400:3", size=64, dense=DenseDtype.FLOAT16)),
        ("hot/B100/bf16/i64/drop", make_case("criteo_hotline", "datagen:400:4", size=100,
                                             dense=DenseDtype.BFLOAT16, sparse=SparseDtype.INT64,
                                             drop_last=True)),
        ("hot/B37/f16", make_case("criteo_hotline", "datagen:400:6", size=37, dense=DenseDtype.FLOAT16)),
    ]
    for label, c in cases:
        pops = [parse_batch(b).header["popular_rows"] for b in c.golden]
        assert any(0 < p < parse_batch(b).rows for p, b in zip(pops, c.golden)), f"{label}: no mixed batch"
    await run_cases(dut, cases, idle, idle, 30 + idle)


@cocotb.test(timeout_time=300, timeout_unit="ms", skip=not _group("unit"))
async def run_test_batch_size_out_of_range(dut: SimHandleBase) -> None:
    """A batch_size the runtime would refuse, written anyway: 0 packs as B = 1 and anything above MAX_ROWS as
    B = MAX_ROWS (never one endless packet), bit-exact with the golden batches of that B."""
    zero = make_case("criteo_dlrm", "criteo", size=1)
    zero.cfg_override = {"batch_size": 0}
    big = make_case("criteo_torchrec", "datagen:2400:3", size=PARAMS["MAX_ROWS"])
    big.cfg_override = {"batch_size": (1 << 17) - 1}
    assert len(big.golden) == 2 and len(zero.golden) > 10
    await run_cases(dut, [("B=0 -> 1", zero), (f"B=131071 -> {PARAMS['MAX_ROWS']}", big)], False, True, 41)


@cocotb.test(timeout_time=300, timeout_unit="ms", skip=not _group("unit"))
async def run_test_freshness(dut: SimHandleBase) -> None:
    """Freshness timeout with a slow, bursty input: rows, counters and flags, not boundaries."""
    tb = await start(dut, False, True, 99)
    for k, (size, fresh) in enumerate(((64, 300), (7, 9))):
        case = make_case("criteo_dlrm", f"datagen:300:{12 + k}", size=size, freshness=fresh)
        cocotb.start_soon(_slow_feeder(tb, case, random.Random(5 + k)))
        got = await _collect_until_eos(tb)
        check_fresh(case, got)
        tb.log.info("freshness B=%d F=%d: %d batches, %d with FRESHNESS", size, fresh, len(got),
                    sum(bool(parse_batch(b).header["flags"] & BatchFlags.FRESHNESS) for b in got))
    assert int(dut.status_fresh_flushes.value) > 0


async def _slow_feeder(tb: TB, case: Case, rng: random.Random) -> None:
    """Queue packets in bursts separated by long gaps so partial batches time out."""
    tb.configure(case)
    for p in case.packets:
        while rng.random() < 0.08:
            await RisingEdge(tb.clk)
            for _ in range(rng.randint(10, 120)):
                await RisingEdge(tb.clk)
        while len(tb.queue) > 4:
            await RisingEdge(tb.clk)
        for i, beat in enumerate(p):
            tb.queue.append((beat, int(i == len(p) - 1)))


async def _collect_until_eos(tb: TB) -> list[bytes]:
    start_n = len(tb.batches)
    while True:
        tb.want = len(tb.batches) + 1
        tb.out_done.clear()
        await with_timeout(tb.out_done.wait(), tb.period_ns * 400000, "ns")
        if parse_batch(tb.batches[-1]).header["flags"] & BatchFlags.END_OF_STREAM:
            return tb.batches[start_n:]


def check_fresh(case: Case, got: list[bytes]) -> None:
    """Same rows in the same order, every batch well formed, counters consistent, final counters
    equal to the golden's, FRESHNESS only on partial batches, at least one freshness flush."""
    parsed = [parse_batch(b) for b in got]  # checks magic, geometry, checksum
    gold = [parse_batch(b) for b in case.golden]
    a, g = batches_to_arrays(parsed), batches_to_arrays(gold)
    for k in ("labels", "dense", "sparse"):
        assert np.array_equal(a[k], g[k]), f"freshness: {k} differ"
    cap = case.settings.geometry.capacity
    fresh = 0
    rows = case.rows
    pos = 0
    for s, b in enumerate(parsed):
        h = b.header
        assert h["seq"] == s
        flags = h["flags"]
        if flags & BatchFlags.FRESHNESS:
            fresh += 1
            assert 0 < b.rows < cap
        elif not flags & BatchFlags.END_OF_STREAM:
            assert b.rows == cap
        if b.rows:
            assert h["first_row_index"] == int(rows.row_index[pos])
            last = int(rows.row_index[pos + b.rows - 1])
            nxt = int(rows.row_index[pos + b.rows]) if pos + b.rows < rows.n_rows else 1 << 62
            lo = int((rows.dropped_index < last).sum())
            hi = int((rows.dropped_index < nxt).sum())
            assert lo <= h["rows_dropped_cum"] <= hi, f"batch {s}: dropped_cum {h['rows_dropped_cum']}"
        pos += b.rows
        for extra in parsed[s + 1:]:
            assert extra.header["rows_dropped_cum"] >= h["rows_dropped_cum"]
    end, gend = parsed[-1].header, gold[-1].header
    for k in ("rows_dropped_cum", "rows_error_cum", "errors_cum", "flags"):
        assert end[k] == gend[k], f"final {k}: {end[k]} != {gend[k]}"
    assert fresh > 0, "no batch was flushed by the freshness timeout"


@cocotb.test(timeout_time=400, timeout_unit="ms", skip=not _group("unit"))
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses: exact cycle count from the first input beat to the last output beat; rows/cycle."""
    tb = await start(dut, False, False, 1)
    for size, n_rows in ((2048, 4096), (64, 1024)):
        case = make_case("criteo_dlrm", f"datagen:{n_rows}:21", size=size)
        tb.first_in = None
        tb.readout_cycles = 0
        got = await tb.run_stream(case, len(case.golden), 200000)
        check_exact(case, got, f"throughput B={size}")
        in_cycles = tb.last_in - tb.first_in + 1
        end_to_end = tb.last_out - tb.first_in + 1
        in_beats = sum(len(p) for p in case.packets)
        out_beats = sum(len(b) // 64 for b in got)
        full = case.rows.n_rows // size
        tb.log.info("THROUGHPUT B=%d rows=%d tombstones=%d in_beats=%d input_cycles=%d rows/cycle=%.4f "
                    "out_beats=%d readout_cycles=%d end_to_end_cycles=%d",
                    size, case.rows.n_rows, len(case.rows.dropped_index), in_beats, in_cycles,
                    case.rows.n_rows / in_cycles, out_beats, tb.readout_cycles, end_to_end)
        # the input takes one beat per cycle except one bubble per full-batch handover (the readout
        # of the previous batch is shorter than the fill, so it never holds the writer)
        assert in_cycles == in_beats + full, (in_cycles, in_beats, full)
        # the readout moves one 512-bit beat per cycle inside every batch
        assert tb.readout_cycles == out_beats, (tb.readout_cycles, out_beats)
        await tb.cycles(10)


@cocotb.test(timeout_time=100, timeout_unit="ms", skip=not _group("unit"))
async def run_test_ids_truncated(dut: SimHandleBase) -> None:
    """int32 sparse with ids >= 2^31 (bit 31 set, or high word set): the low 32 bits are stored and
    each such id is counted in status_ids_truncated. The golden rejects these ids, so the expected
    batches come from pack_batches with its int32 conversion replaced by the low-32-bit truncation
    (everything else, header and checksum included, is the golden's)."""
    import models.pack as mp

    case = make_case("criteo_dlrm", "datagen:150:8", size=16)
    rng = np.random.default_rng(3)
    sparse = case.rows.sparse.copy()
    big = rng.random(sparse.shape) < 0.1
    kinds = rng.integers(0, 3, sparse.shape)
    sparse[big & (kinds == 0)] |= np.uint64(1 << 31)
    sparse[big & (kinds == 1)] |= np.uint64(1 << 40)
    sparse[big & (kinds == 2)] |= np.uint64((1 << 63) | (1 << 31))
    rows = dataclasses.replace(case.rows, sparse=sparse)
    orig = mp._sparse_words

    def low32(ids: np.ndarray, dtype: SparseDtype) -> np.ndarray:
        if dtype == SparseDtype.INT32:
            return (np.asarray(ids, dtype=np.uint64) & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32)
        return orig(ids, dtype)

    mp._sparse_words = low32
    try:
        golden = list(pack_batches(rows, case.settings))
    finally:
        mp._sparse_words = orig
    case = dataclasses.replace(case, rows=rows, golden=golden, packets=encode_transformed(rows, 0, eos=True))
    tb = await run_cases(dut, [("ids_truncated", case)], True, True, 8)
    want = int((sparse >= np.uint64(1 << 31)).sum())
    assert want > 0
    assert int(tb.dut.status_ids_truncated.value) == want, (int(tb.dut.status_ids_truncated.value), want)


# ------------------------------------------------------------------------------------ pytest

PARAMS = {"MAX_ROWS": 2048, "MAX_DENSE": 16, "MAX_SPARSE": 40, "OUT_FIFO_DEPTH": 16}


def _run(group: str, testcase: str | None = None) -> None:
    env = {"PACK_TESTS": group}
    if testcase:
        env["COCOTB_TEST_FILTER"] = testcase
    run_cocotb(
        toplevel="pack_engine",
        sources=rtl_sources("pack_engine"),
        parameters=PARAMS,
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
        extra_env=env,
    )


@pytest.mark.parametrize("testcase", ["run_test_presets", "run_test_settings", "run_test_hot_split",
                                      "run_test_freshness", "run_test_throughput", "run_test_ids_truncated",
                                      "run_test_batch_size_out_of_range"])
def test_pack_engine(testcase: str) -> None:
    _run("unit", testcase)


def test_pack_csr_image() -> None:
    """The image carries the spec's batch settings; specs the RTL cannot hold are refused by field."""
    spec = load_spec("criteo_hotline")
    img = pack_csr_image(spec)
    assert img == {"batch_size": 2048, "drop_last": 0, "dense_dtype": 0, "sparse_dtype": 0, "hot_split": 1,
                   "freshness_cycles": 0, "n_dense": 13, "n_sparse": 26}
    big = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=4096))
    with pytest.raises(ValueError, match="batch.size"):
        pack_csr_image(big)
    with pytest.raises(ValueError, match="sparse"):
        pack_csr_image(load_spec("criteo_presto"), {"MAX_SPARSE": 26})
    with pytest.raises(ValueError, match="dense"):
        pack_csr_image(spec, {"MAX_DENSE": 8})
