"""cocotb testbench for rtl/transform/id_stage.v: bit-exact against models.transform.TransformState.

Each case: reset / clear, configure from host_runtime.csr_image.idstage (the same image the runtime
loads), load the hot sets through the table port, then PASS1 over
`encode_transformed(transform_lanes(spec, rows))` + eos (the output must equal the input), then PASS2
over the same packets, compared beat for beat with
`encode_transformed(state.id_stage(spec, transform_lanes(spec, rows)))` where
`state = TransformState.prepare(spec, rows)`; per-table overflow and ids-assigned counters against
`VocabTable.overflow` / `.n_assigned`; the status counters against counts derived from the model.

The vocabulary tables are built small (16 buckets x 2 ways) so that overflow really happens; the
spec's vocabulary geometry is set to the same, so the model is the model of record for that table.
Streams are moved by one per-cycle coroutine (cocotbext-axi is too slow for 1024-bit beats) with
random idle cycles on the input and random back-pressure on the output.
"""
from __future__ import annotations

import collections
import copy
import dataclasses
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.handle import SimHandleBase
from cocotb.triggers import Event, RisingEdge, with_timeout

from cosim.runner import rtl_sources, run_cocotb
from host_runtime.csr_image.idstage import MODE_PASS1, MODE_PASS2, IdStageParams, idstage_csr_image, table_numbers
from host_runtime.spec import load_spec
from models import records
from models.decode_text import decode_text
from models.hotset import HotSet
from models.pipeline_spec import PipelineSpec, SparseFinal
from models.schema import DecodedRows
from models.transform import TransformState, transform_lanes
from tb.common import TbBase

CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")
PARAMS = IdStageParams(max_sparse=26, vocab_tables=26, vocab_buckets=16, vocab_ways=2,
                       hotset_tables=26, hotset_capacity=64)
FULL_KEEP = (1 << 128) - 1
ARRAY_WIDTH = {"key_lane": 8, "vocab_enable": 1, "hotset_count": 16, "hotset_enable": 1, "hotset_from_vocab": 1}
SCALARS = ("hot_split", "threshold", "n_dense", "n_sparse")


# ----------------------------------------------------------------------------- stimulus and model


def small_vocab(spec: PipelineSpec, threshold: int | None = None) -> PipelineSpec:
    """The spec with every vocabulary table at the built geometry (and optionally another threshold)."""
    sparse = []
    for s in spec.sparse:
        if s.final == SparseFinal.VOCAB:
            assert s.vocab is not None
            v = dataclasses.replace(s.vocab, n_buckets=PARAMS.vocab_buckets, ways=PARAMS.vocab_ways,
                                    threshold=s.vocab.threshold if threshold is None else threshold)
            s = dataclasses.replace(s, vocab=v)
        sparse.append(s)
    return dataclasses.replace(spec, sparse=tuple(sparse))


def with_hotset(spec: PipelineSpec, hot: list[bool]) -> PipelineSpec:
    """The spec with a hot set of the built capacity on the features flagged in `hot`."""
    sparse = tuple(dataclasses.replace(s, hot=h) for s, h in zip(spec.sparse, hot))
    hs = spec.hotset or load_spec("criteo_hotline").hotset
    assert hs is not None
    return dataclasses.replace(spec, sparse=sparse, hotset=dataclasses.replace(hs, capacity=PARAMS.hotset_capacity))


def criteo_rows(spec: PipelineSpec) -> DecodedRows:
    return decode_text(CRITEO.read_bytes(), spec.schema, spec.text)


def datagen_rows(spec: PipelineSpec, n: int, seed: int) -> DecodedRows:
    """host_runtime.datagen rows with 10 % malformed rows (dropped: tombstones) and cut rows."""
    from host_runtime.datagen import write_tsv

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "d.tsv"
        write_tsv(p, n, seed=seed, cut_rate=0.2, malformed_rate=0.1)
        rows = decode_text(p.read_bytes(), spec.schema, spec.text)
    assert len(rows.dropped_index) > 0, "datagen stream without dropped rows"
    return rows


def random_hotsets(spec: PipelineSpec, state: TransformState, rows: DecodedRows, rng: random.Random,
                   empty: set[int] = frozenset(), full: bool = False) -> None:
    """Replace the profiled hot sets: per hot feature the ids of a random 40 % of rows (so some rows
    are popular), padded with other ids of the column and random ids (to capacity when `full`), in
    random slot order; the features in `empty` get an empty hot set."""
    ids = TransformState(vocabs=copy.deepcopy(state.vocabs)).final_ids(spec, rows)
    chosen = [i for i in range(rows.n_rows) if rng.random() < 0.4]
    cap = PARAMS.hotset_capacity
    for j, s in enumerate(spec.sparse):
        if not s.hot:
            continue
        if j in empty:
            state.hotsets[j] = HotSet(np.zeros(0, dtype=np.uint64), cap)
            continue
        col = [int(x) for x in ids[:, j]]
        hot: list[int] = []
        for v in [col[i] for i in chosen] + rng.sample(col, len(col)):
            if v not in hot and len(hot) < cap:
                hot.append(v)
        target = cap if full else rng.randint(len(hot) // 2, cap)
        hot = hot[:target] if not full else hot
        while len(hot) < target:
            v = rng.getrandbits(64) if rng.random() < 0.5 else rng.getrandbits(24)
            if v not in hot:
                hot.append(v)
        rng.shuffle(hot)
        state.hotsets[j] = HotSet(np.array(hot, dtype=np.uint64), cap)


@dataclass
class Case:
    """One stream through both passes and everything the model says about it."""

    name: str
    spec: PipelineSpec
    image: dict
    packets: list[list[int]]
    expected: list[list[int]]
    overflow: dict[int, int]   # vocab table -> overflow
    assigned: dict[int, int]   # vocab table -> ids assigned
    rows: int
    popular: int
    lookups: int
    hits: int


def make_case(name: str, spec: PipelineSpec, rows: DecodedRows, rng: random.Random | None = None,
              empty: set[int] = frozenset(), full: bool = False) -> Case:
    state = TransformState.prepare(spec, rows)
    if spec.hot_split and rng is not None:
        random_hotsets(spec, state, rows, rng, empty, full)
    image = idstage_csr_image(spec, state, PARAMS)
    dtype = int(spec.batch.dense_dtype)
    lanes = transform_lanes(spec, rows)
    # post-vocabulary ids (what the hot tables are asked), on copies of the tables before pass 2
    final = TransformState(vocabs=copy.deepcopy(state.vocabs)).vocab_map(spec, lanes.sparse)
    out = state.id_stage(spec, lanes)
    # the host's table numbering (host_runtime.csr_image.idstage.table_numbers)
    vt = table_numbers(spec, PARAMS)[0]
    overflow = {vt[i]: t.overflow for i, t in state.vocabs.items()}
    assigned = {vt[i]: t.n_assigned for i, t in state.vocabs.items()}
    n = out.n_rows
    lookups = hits = 0
    if spec.hot_split:
        for j, hs in enumerate(state.hotsets):
            if hs is not None:
                lookups += n
                hits += int(hs.lookup(final[:, j])[0].sum())
    return Case(name, spec, image, records.encode_transformed(lanes, dtype, eos=True),
                records.encode_transformed(out, dtype, eos=True), overflow, assigned, n,
                int(out.popular.sum()), lookups, hits)


# ----------------------------------------------------------------------------- testbench


class TB(TbBase):
    def __init__(self, dut: SimHandleBase) -> None:
        super().__init__(dut)
        d = dut
        for sig in ("s_axis_tvalid", "s_axis_tdata", "s_axis_tkeep", "s_axis_tlast", "s_axis_tuser",
                    "m_axis_tready", "cmd_clear", "tbl_hot_we", "tbl_hot_re", "tbl_hot_addr", "tbl_hot_wdata",
                    "tbl_vocab_stat_we", "tbl_vocab_stat_re", "tbl_vocab_stat_addr", "tbl_vocab_stat_wdata",
                    "tbl_patch_we", "tbl_patch_re", "tbl_patch_addr", "tbl_patch_wdata", "cfg_mode"):
            getattr(d, sig).value = 0
        self.queue: collections.deque[tuple[int, int]] = collections.deque()
        self.packets: list[list[int]] = []
        self.want = 0
        self.done = Event()
        self.idle = Event()
        self.keep_errors = 0
        self.first_in: int | None = None
        self.first_out: int | None = None
        self.last_out = 0
        self.cycle = 0
        self.in_stalls = 0

    async def pump(self, idle_p: float, stall_p: float, seed: int) -> None:
        """Move both streams, one beat per cycle each, with random idle / back-pressure cycles."""
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
                    if self.first_in is None:
                        self.first_in = self.cycle
                else:
                    self.in_stalls += 1
            if ready and int(d.m_axis_tvalid.value):
                cur.append(int(d.m_axis_tdata.value))
                if int(d.m_axis_tkeep.value) != FULL_KEEP:
                    self.keep_errors += 1
                if self.first_out is None:
                    self.first_out = self.cycle
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
                d.s_axis_tkeep.value = FULL_KEEP
                d.s_axis_tlast.value = last
            elif not self.queue:
                self.idle.set()
            d.s_axis_tvalid.value = int(valid)
            ready = not (stall_p and rng.random() < stall_p)
            d.m_axis_tready.value = int(ready)

    async def transfer(self, packets: list[list[int]]) -> list[list[int]]:
        """Send packets, wait until as many came out (one packet out per packet in); return them."""
        self.packets = []
        self.want = len(packets)
        self.done.clear()
        self.idle.clear()
        for p in packets:
            for i, beat in enumerate(p):
                self.queue.append((beat, int(i == len(p) - 1)))
        limit = 4.0 * (200 + 40 * sum(len(p) for p in packets))
        await with_timeout(self.done.wait(), self.period_ns * limit, "ns")
        await self.cycles(8)
        return self.packets

    async def wait_not_busy(self) -> None:
        for _ in range(100000):
            await RisingEdge(self.clk)
            if not int(self.dut.status_busy.value):
                return
        raise AssertionError("status_busy stuck")

    async def clear(self) -> None:
        self.dut.cmd_clear.value = 1
        await RisingEdge(self.clk)
        self.dut.cmd_clear.value = 0
        await self.wait_not_busy()

    async def configure(self, img: dict) -> None:
        d = self.dut
        for name in SCALARS:
            getattr(d, f"cfg_{name}").value = int(img[name])
        for name, w in ARRAY_WIDTH.items():
            word = 0
            for i, v in enumerate(img[name]):
                assert 0 <= v < (1 << w)
                word |= v << (w * i)
            getattr(d, f"cfg_{name}").value = word
        # load the hot window: every loaded entry's three words
        cap = PARAMS.hotset_capacity
        for t, n in enumerate(img["hotset_count"]):
            for i in range(n):
                for w in range(3):
                    a = (t * cap + i) * 4 + w
                    d.tbl_hot_we.value = 1
                    d.tbl_hot_addr.value = a
                    d.tbl_hot_wdata.value = img["hot"][a]
                    await RisingEdge(self.clk)
        d.tbl_hot_we.value = 0
        # the patch map: every word (a previous case's entries must go)
        for a, w in enumerate(img["patch"]):
            d.tbl_patch_we.value = 1
            d.tbl_patch_addr.value = a
            d.tbl_patch_wdata.value = w
            await RisingEdge(self.clk)
        d.tbl_patch_we.value = 0
        await self.cycles(4)

    async def read_stat(self, addr: int) -> int:
        d = self.dut
        d.tbl_vocab_stat_re.value = 1
        d.tbl_vocab_stat_addr.value = addr
        await RisingEdge(self.clk)
        d.tbl_vocab_stat_re.value = 0
        await RisingEdge(self.clk)
        return int(d.tbl_vocab_stat_rdata.value)

    def status(self) -> dict[str, int]:
        return {k: int(getattr(self.dut, f"status_{k}").value)
                for k in ("rows", "popular_rows", "hot_lookups", "hot_hits")}


def first_mismatch(got: list[list[int]], exp: list[list[int]], spec: PipelineSpec) -> str:
    nd, ns = len(spec.dense), len(spec.sparse)
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            try:
                gr = records.decode_transformed([g], nd, ns)
                er = records.decode_transformed([e], nd, ns)
                return (f"packet {i}: got rows={gr.row_index} pop={gr.popular} ids={gr.sparse.tolist()}\n"
                        f"      expected rows={er.row_index} pop={er.popular} ids={er.sparse.tolist()}")
            except ValueError as ex:
                return f"packet {i}: {ex}; got {[hex(b) for b in g]} expected {[hex(b) for b in e]}"
    return f"packet count: got {len(got)}, expected {len(exp)}"


async def run_case(tb: TB, case: Case, clear: bool) -> None:
    """Both passes of one case; checks output, counters and vocabulary statistics."""
    if clear:
        await tb.clear()
    await tb.configure(case.image)
    tb.dut.cfg_mode.value = MODE_PASS1
    await tb.cycles(2)
    got = await tb.transfer(case.packets)
    if got != case.packets:
        raise AssertionError(f"{case.name} PASS1 (output must equal input): "
                             + first_mismatch(got, case.packets, case.spec))
    stat_hi = 1 << PARAMS.vocab_table_bits
    for t in range(PARAMS.vocab_tables):
        ovf = await tb.read_stat(t)
        assert ovf == case.overflow.get(t, 0), f"{case.name}: table {t} overflow {ovf}, model {case.overflow.get(t, 0)}"
    tb.dut.cfg_mode.value = MODE_PASS2
    await tb.cycles(2)
    got = await tb.transfer(case.packets)
    if got != case.expected:
        raise AssertionError(f"{case.name} PASS2: " + first_mismatch(got, case.expected, case.spec))
    assert tb.keep_errors == 0, "tkeep not all ones"
    for t in range(PARAMS.vocab_tables):
        asg = await tb.read_stat(stat_hi + t)
        assert asg == case.assigned.get(t, 0), f"{case.name}: table {t} assigned {asg}, model {case.assigned.get(t, 0)}"
    exp = {"rows": 2 * case.rows, "popular_rows": case.popular, "hot_lookups": case.lookups, "hot_hits": case.hits}
    assert tb.status() == exp, f"{case.name}: status {tb.status()}, expected {exp}"
    tb.log.info("%s: %d rows, %d packets bit-exact; overflow %s; popular %d", case.name, case.rows,
                len(case.expected), {t: v for t, v in case.overflow.items() if v}, case.popular)


async def start(dut: SimHandleBase, idle: bool, backpressure: bool, seed: int) -> TB:
    tb = TB(dut)
    await tb.reset()
    await tb.wait_not_busy()  # the reset sweep
    cocotb.start_soon(tb.pump(0.3 if idle else 0.0, 0.3 if backpressure else 0.0, seed))
    return tb


# ----------------------------------------------------------------------------- cocotb tests


@cocotb.test(timeout_time=200, timeout_unit="ms")
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_torchrec(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """criteo_torchrec (16x2 tables, threshold 3 and 1): real rows, then datagen rows with malformed rows."""
    tb = await start(dut, idle, backpressure, 10 + 2 * idle + backpressure)
    spec = small_vocab(load_spec("criteo_torchrec"))
    case = make_case("torchrec/criteo", spec, criteo_rows(spec))
    assert any(case.overflow.values()), "tables too large: no overflow to check"
    await run_case(tb, case, clear=False)
    spec1 = small_vocab(load_spec("criteo_torchrec"), threshold=1)
    await run_case(tb, make_case("torchrec-t1/datagen", spec1, datagen_rows(spec1, 150, 3 + idle)), clear=True)


@cocotb.test(timeout_time=200, timeout_unit="ms")
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_hotline(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """criteo_hotline (capacity 64): random hot sets, full ones, an empty one, features without a hot set."""
    tb = await start(dut, idle, backpressure, 20 + 2 * idle + backpressure)
    rng = random.Random(30 + 2 * idle + backpressure)
    base = load_spec("criteo_hotline")
    spec = with_hotset(base, [True] * 26)
    rows = criteo_rows(spec)
    await run_case(tb, make_case("hotline/criteo-profiled", spec, rows), clear=False)
    await run_case(tb, make_case("hotline/criteo-random", spec, rows, rng), clear=True)
    mixed = with_hotset(base, [rng.random() < 0.5 for _ in range(26)])
    await run_case(tb, make_case("hotline/datagen-mixed-full", mixed, datagen_rows(mixed, 120, 5), rng, full=True),
                   clear=True)
    hot_j = [j for j, s in enumerate(mixed.sparse) if s.hot]
    await run_case(tb, make_case("hotline/criteo-empty", mixed, criteo_rows(mixed), rng, empty={hot_j[0]}),
                   clear=True)


@cocotb.test(timeout_time=200, timeout_unit="ms")
@cocotb.parametrize(backpressure=[False, True])
async def run_test_vocab_hot(dut: SimHandleBase, backpressure: bool) -> None:
    """Vocabulary then hot set on the same features (hot lookup of the vocabulary id), threshold 2."""
    tb = await start(dut, backpressure, backpressure, 40 + backpressure)
    rng = random.Random(41 + backpressure)
    spec = with_hotset(small_vocab(load_spec("criteo_torchrec"), threshold=2),
                       [rng.random() < 0.7 for _ in range(26)])
    rows = criteo_rows(spec)
    await run_case(tb, make_case("vocab+hot/criteo-profiled", spec, rows), clear=False)
    await run_case(tb, make_case("vocab+hot/datagen-random", spec, datagen_rows(spec, 120, 9), rng), clear=True)


@cocotb.test(timeout_time=200, timeout_unit="ms")
@cocotb.parametrize(idle=[False, True], backpressure=[False, True])
async def run_test_one_beat_rows(dut: SimHandleBase, idle: bool, backpressure: bool) -> None:
    """Rows of one beat (no dense, 4 sparse features): back-to-back lookups on the same tables, where
    the second request must see the first one's table update (the issue waits one cycle)."""
    tb = await start(dut, idle, backpressure, 50 + 2 * idle + backpressure)
    base = small_vocab(load_spec("criteo_torchrec"))
    spec = dataclasses.replace(base, dense=(), sparse=base.sparse[:4])
    rows = datagen_rows(spec, 400, 13)
    case = make_case("one-beat/datagen", spec, rows)
    assert all(len(p) == 1 for p in case.packets)
    await run_case(tb, case, clear=False)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def run_test_throughput(dut: SimHandleBase) -> None:
    """No pauses, Criteo rows (3 beats): one beat per cycle sustained -> 1/3 row per cycle, in both passes."""
    tb = await start(dut, False, False, 60)
    spec = small_vocab(load_spec("criteo_torchrec"))
    hspec = with_hotset(spec, [True] * 26)
    rows = criteo_rows(hspec)
    rows3 = decode_text(CRITEO.read_bytes() * 3, spec.schema, spec.text)
    case = make_case("throughput", hspec, rows3)
    await tb.configure(case.image)
    for mode in (MODE_PASS1, MODE_PASS2):
        tb.dut.cfg_mode.value = mode
        await tb.cycles(2)
        tb.first_in, tb.first_out, tb.in_stalls = None, None, 0
        exp = case.packets if mode == MODE_PASS1 else case.expected
        got = await tb.transfer(case.packets)
        if got != exp:
            raise AssertionError(f"mode {mode}: " + first_mismatch(got, exp, hspec))
        assert tb.first_in is not None and tb.first_out is not None
        beats = sum(len(p) for p in exp)
        cycles = tb.last_out - tb.first_in + 1
        latency = tb.first_out - tb.first_in
        tb.log.info("mode %d: %d rows (%d beats) in %d cycles (first beat in .. last beat out): %.4f rows/cycle, "
                    "%d input stall cycles", mode, case.rows, beats, cycles, case.rows / cycles, tb.in_stalls)
        assert tb.in_stalls == 0, f"{tb.in_stalls} cycles with input valid but not ready"
        # one beat per cycle out once the pipeline is full (no bubbles), after the fixed pipeline latency
        # (hash, read-modify-write, hot-set levels: docs/spec/idstage_rtl.md)
        tb.log.info("mode %d: latency %d cycles, output span %d cycles", mode, latency, tb.last_out - tb.first_out + 1)
        assert tb.last_out - tb.first_out + 1 == beats, f"{beats} beats left over {tb.last_out - tb.first_out + 1} cycles"
        assert latency <= 48, f"pipeline latency {latency} cycles"
    del rows


# ----------------------------------------------------------------------------- pytest


def test_id_stage() -> None:
    run_cocotb(
        toplevel="id_stage",
        sources=rtl_sources("id_stage", "vocab_table", "hotset_table", "xxh64_u64", "axis_register", "axis_fifo"),
        parameters=PARAMS.rtl_parameters(),
        test_module=Path(__file__).stem,
        test_dir=Path(__file__).parent,
    )
