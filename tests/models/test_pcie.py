"""Analytical PCIe model: hand-computed figures, bounds and monotonicity."""
import math
from dataclasses import replace

import pytest
from hypothesis import given, strategies as st

from models import pcie
from models.pcie import LinkParams, Target


def test_raw_rates_match_the_generations() -> None:
    # GT/s x lanes x encoding / 8
    assert pcie.raw_bytes_per_s(LinkParams(gen=3, lanes=16)) == pytest.approx(8e9 * 16 * 128 / 130 / 8)
    assert pcie.raw_bytes_per_s(LinkParams(gen=1, lanes=1)) == pytest.approx(250e6)
    assert pcie.raw_bytes_per_s(LinkParams(gen=5, lanes=16)) == pytest.approx(63.015e9, rel=1e-4)


def test_gen3_x16_write_efficiency_by_hand() -> None:
    p = LinkParams(gen=3, lanes=16, mps=256)
    # 4-byte STP + 2-byte sequence + 16-byte header + 4-byte LCRC = 26 bytes per TLP
    assert pcie.tlp_overhead_bytes(p, 4) == 26
    want = 15.754e9 * 256 / 282 * (1 - 1 / 371)
    assert pcie.link_write_bytes_per_s(p) == pytest.approx(want, rel=1e-4)
    # XDMA on x16 Gen3 measures about 12.5 GB/s: the bound must sit above it, not wildly
    assert 12.5e9 < pcie.c2h_stream_bytes_per_s(p) < 15.0e9


def test_split_writes_respects_mps_boundaries() -> None:
    assert pcie.split_writes(0, 1000, 256) == [256, 256, 256, 232]
    assert pcie.split_writes(100, 300, 256) == [156, 144]
    assert pcie.split_writes(0, 0, 256) == []


@given(st.integers(0, 8191), st.integers(1, 20000), st.sampled_from([128, 256, 512]))
def test_split_writes_property(addr: int, n: int, mps: int) -> None:
    sizes = pcie.split_writes(addr, n, mps)
    assert sum(sizes) == n and all(0 < s <= mps for s in sizes)
    a = addr
    for s in sizes:  # no TLP crosses an MPS-aligned boundary
        assert a // mps == (a + s - 1) // mps
        a += s


@given(st.integers(0, 4095), st.integers(1, 4096))
def test_completions_cover_the_request(addr: int, n: int) -> None:
    p = LinkParams(mps=256, rcb=64)
    sizes = pcie.completion_sizes(addr, n, p)
    assert sum(sizes) == n and all(0 < s <= p.mps for s in sizes)


def test_bounds_and_monotonicity() -> None:
    base = LinkParams()
    for g in (3, 4, 5):
        effs = [pcie.link_write_bytes_per_s(replace(base, gen=g, mps=m)) for m in (128, 256, 512, 1024)]
        assert effs == sorted(effs)  # larger MPS, less overhead
        assert pcie.c2h_efficiency_bound(replace(base, gen=g)) < 1
    rates = [pcie.c2h_stream_bytes_per_s(replace(base, gen=g)) for g in (3, 4, 5)]
    assert rates == sorted(rates)
    # Gen5 x16 with default credits is credit-bound, not link-bound
    g5 = replace(base, gen=5)
    assert pcie.credit_write_bytes_per_s(g5) < pcie.link_write_bytes_per_s(g5)
    assert pcie.c2h_stream_bytes_per_s(g5) == pytest.approx(pcie.credit_write_bytes_per_s(g5))


def test_gpu_p2p_cap_binds() -> None:
    p = LinkParams(gen=4, gpu_cap_gbps=6.0)
    assert pcie.c2h_stream_bytes_per_s(p, Target.GPU) == pytest.approx(6e9)
    assert pcie.c2h_stream_bytes_per_s(p, Target.HOST) > 20e9


def test_tags_bound_reads() -> None:
    few = LinkParams(read_tags=4, read_latency_ns=1000)
    assert pcie.h2c_stream_bytes_per_s(few) == pytest.approx(pcie.tag_read_bytes_per_s(few))
    assert pcie.tag_read_bytes_per_s(few) < 4 * 512 / 1e-6 + 1


def test_large_batches_approach_the_stream_rate() -> None:
    p = LinkParams(gen=4)
    stream = pcie.c2h_stream_bytes_per_s(p)
    small, big = pcie.c2h_achieved_bytes_per_s(p, 4096), pcie.c2h_achieved_bytes_per_s(p, 8 << 20)
    assert small < big <= stream and big / stream > 0.999
    # without a descriptor ring every batch pays descriptor fetch + notification latency
    assert pcie.c2h_achieved_bytes_per_s(p, 4096, pipelined=False) < 0.5 * small
    polled = replace(p, use_polling=True, poll_interval_ns=200)
    assert pcie.c2h_transfer_seconds(polled, 4096) < pcie.c2h_transfer_seconds(p, 4096)


def test_invalid_parameters() -> None:
    for bad in ({"gen": 6}, {"lanes": 3}, {"mps": 300}, {"rcb": 32}):
        with pytest.raises(ValueError):
            LinkParams(**bad)


def test_sweep_shape() -> None:
    rows = pcie.sweep()
    assert len(rows) == 27 and all(r["c2h_gbps"] < r["raw_gbps"] for r in rows)


def test_c2h_batch_terms_by_hand() -> None:
    p = LinkParams(gen=3, lanes=16, mps=256)
    eff = pcie.raw_bytes_per_s(p) * (1 - pcie.skp_fraction(p))
    # 16 data TLPs of 256 + 26, write-back 16 + 26, MSI-X 4 + 26, descriptor read request 26, 3 bytes of DLLPs
    wire = 16 * 282 + 42 + 30 + 26 + 8 * (1 / 4 + 1 / 8)
    assert pcie.c2h_batch_seconds(p, 4096) == pytest.approx(wire / eff)
    polled = replace(p, use_polling=True)  # no MSI-X write
    assert pcie.c2h_batch_seconds(polled, 4096) == pytest.approx((wire - 30) / eff)
    # the descriptor fetch holds one of few tags for a round trip
    few = replace(p, read_tags=2, read_latency_ns=2000)
    assert pcie.c2h_batch_seconds(few, 4096) == pytest.approx((2000e-9 + 54 / eff) / 2)


def test_credit_granularity() -> None:
    p = LinkParams(gen=5, mps=512)
    T = p.credit_return_ns * 1e-9
    # one TLP size dividing the pool: the fluid bound, 32 TLPs of 32 credits per round trip
    assert pcie.posted_credit_seconds(p, [512] * 8, math.inf) == pytest.approx(8 / 32 * T)
    # mixing 1-credit writes strands credits: slower than fluid, by less than one MPS TLP's credits in flight
    mixed = [512] * 8 + [16, 4]
    fluid = 258 / 1024 * T
    got = pcie.posted_credit_seconds(p, mixed, math.inf)
    assert fluid < got < fluid * 1024 / (1024 - 32)


def test_h2c_achieved_tends_to_the_stream_rate() -> None:
    for g in (3, 4, 5):
        p = LinkParams(gen=g)
        small, big = pcie.h2c_achieved_bytes_per_s(p, 4096), pcie.h2c_achieved_bytes_per_s(p, 1 << 22)
        assert small < big <= pcie.h2c_stream_bytes_per_s(p) * 1.0001
        assert big == pytest.approx(pcie.h2c_stream_bytes_per_s(p), rel=2e-3)
