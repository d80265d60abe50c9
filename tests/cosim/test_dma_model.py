"""Cycle-level PCIe DMA model (cosim/dma): agreement with models/pcie.py and functional behaviour.

The agreement sweeps run the model's own C++ stream loops (a full-rate design source/sink and a host keeping
the ring full), so no per-cycle Python; the functional tests step the model through ctypes with random
back-pressure, as a cocotb system test would.
"""
from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from cosim.dma import dma as D
from models import pcie
from models.pcie import LinkParams, Target

WIDE = {"c2h_bytes": 256, "h2c_bytes": 256}  # 64 GB/s at 250 MHz: above every link in the sweep
GRID = [(g, w, m) for g in (3, 4, 5) for w in (4, 8, 16) for m in (128, 256, 512)]
SIZES = (4096, 65536, 1 << 20)


def _nbatches(pred: float, size: int, window_s: float = 20e-6) -> int:
    return max(8, int(window_s * pred / size) + 4)  # >= window_s of steady state, >= 8 transfers


@pytest.mark.parametrize("target", [Target.HOST, Target.GPU])
def test_c2h_agrees_with_the_analytical_model(target: Target) -> None:
    assert D.user_side_bytes_per_s(WIDE["c2h_bytes"], 250) > max(
        pcie.raw_bytes_per_s(LinkParams(gen=5, lanes=16)), 60e9)
    worst = 0.0
    for g, w, m in GRID:
        p = replace(LinkParams(), gen=g, lanes=w, mps=m)
        for size in SIZES:
            pred = pcie.c2h_achieved_bytes_per_s(p, size, target)
            got = D.Dma(p, **WIDE).run_c2h_stream(_nbatches(pred, size), size, target)
            err = got / pred - 1
            worst = max(worst, abs(err))
            assert abs(err) < 0.02, (g, w, m, size, target, got, pred)
    print(f"C2H {target.value}: worst deviation {100 * worst:.2f}%")


@pytest.mark.parametrize("target", [Target.HOST, Target.GPU])
def test_h2c_agrees_with_the_analytical_model(target: Target) -> None:
    worst = 0.0
    for g, w, m in GRID:
        p = replace(LinkParams(), gen=g, lanes=w, mps=m)
        for size in SIZES:
            pred = pcie.h2c_achieved_bytes_per_s(p, size, target)
            got = D.Dma(p, **WIDE).run_h2c_stream(_nbatches(pred, size), size, target)
            err = got / pred - 1
            worst = max(worst, abs(err))
            assert abs(err) < 0.02, (g, w, m, size, target, got, pred)
            if size == SIZES[-1]:  # large descriptors: the sustained stream rate
                assert got == pytest.approx(pcie.h2c_stream_bytes_per_s(p, target), rel=0.02)
    print(f"H2C {target.value}: worst deviation {100 * worst:.2f}%")


@pytest.mark.parametrize("link", [
    LinkParams(gen=4, read_tags=4, read_latency_ns=1000),  # tag-bound reads
    LinkParams(gen=4, posted_header_credits=8, credit_return_ns=700),  # header-credit-bound writes
    LinkParams(gen=3, lanes=8, host_cap_gbps=5.0, use_polling=True, poll_interval_ns=1000),  # host cap, polling
    LinkParams(gen=5, lanes=16, mps=1024, mrrs=1024, rcb=128, addr64=False),
], ids=["tags", "credits", "host-cap", "3dw-mps1024"])
def test_each_mechanism_binds_as_predicted(link: LinkParams) -> None:
    # scarce credits / tags make the traffic bursty (one burst per round trip): measure over ~100 round trips
    window = max(20e-6, 100e-9 * max(link.credit_return_ns, link.read_latency_ns))
    for size in (4096, 262144):
        pred = pcie.c2h_achieved_bytes_per_s(link, size)
        got = D.Dma(link, **WIDE).run_c2h_stream(_nbatches(pred, size, window), size)
        assert got == pytest.approx(pred, rel=0.02)
        pred = pcie.h2c_achieved_bytes_per_s(link, size)
        got = D.Dma(link, **WIDE).run_h2c_stream(_nbatches(pred, size, window), size)
        assert got == pytest.approx(pred, rel=0.02)


def test_user_side_width_bounds_the_stream() -> None:
    """A narrow user side is a bound of its own (reported separately from the link's)."""
    p = LinkParams(gen=4)
    user = D.user_side_bytes_per_s(32, 250)  # 8 GB/s < the 28.5 GB/s link
    got = D.Dma(p, c2h_bytes=32, h2c_bytes=32).run_c2h_stream(40, 65536)
    assert got == pytest.approx(user, rel=0.02) and got < pcie.c2h_achieved_bytes_per_s(p, 65536)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="h2c_bytes"):
        D.Dma(LinkParams(), h2c_bytes=4)
    with pytest.raises(ValueError, match="desc_bytes"):
        D.Dma(LinkParams(desc_bytes=64))


# ---------------------------------------------------------------- functional, stepped from Python
RING, CMPT, BUF = 0x1_0000_0000, 0x2_0000_0000, 0x10_0000_0000


class Host:
    """A host with one channel set up: ring + completion ring in host memory, buffers in a window."""

    def __init__(self, dma: D.Dma, ch: int, ring_size: int, buf_bytes: int, target: int = D.HOST,
                 buf_perm: int = D.READ | D.WRITE, irq: bool | None = None) -> None:
        self.dma, self.ch, self.n = dma, ch, ring_size
        self.ring = np.zeros(ring_size, D.DESC_DTYPE)
        self.cmpt = np.zeros(ring_size, D.WB_DTYPE)
        self.buf = np.zeros(buf_bytes, np.uint8)
        off = ch * 0x1000_0000
        self.ring_bus, self.cmpt_bus, self.buf_bus = RING + off, CMPT + off, BUF + off
        dma.map(self.ring_bus, self.ring, D.HOST, D.READ)
        dma.map(self.cmpt_bus, self.cmpt, D.HOST, D.WRITE)
        dma.map(self.buf_bus, self.buf, target, buf_perm)
        self.tail = 0
        dma.setup_channel(ch, self.ring_bus, ring_size, self.cmpt_bus, irq)

    def post(self, addr: int, length: int, flags: int = D.DESC_EOP) -> int:
        i = self.tail
        key = "src" if self.ch == D.H2C else "dst"
        self.ring[i] = 0
        self.ring[i]["flags"], self.ring[i]["len"], self.ring[i][key] = flags, length, addr
        self.tail = (self.tail + 1) % self.n
        self.dma.write_reg(self.ch, "TAIL", self.tail)
        return i


def run_c2h(dma: D.Dma, packets: list[bytes], rng: random.Random, until, max_cycles: int = 200_000) -> int:
    """Present `packets` on the design's m_axis with random gaps until `until()`; return cycles used."""
    cb = dma.params.c2h_bytes
    beats = [(pk[i:i + cb], i + cb >= len(pk)) for pk in packets for i in range(0, max(len(pk), 1), cb)]
    k, cur = 0, None
    for cyc in range(max_cycles):
        if cur is None and k < len(beats) and rng.random() < 0.7:
            cur = beats[k]
            dma.set_c2h_beat(*cur)
        ready_before = dma.ports.c2h_tready
        dma.ports.h2c_tready = 1
        dma.step()
        if cur is not None and ready_before:
            k, cur = k + 1, None
            dma.set_c2h_beat(None)
        if k == len(beats) and until():
            return cyc
    raise AssertionError("C2H run did not finish")


def test_c2h_lands_byte_exact_with_ring_wrap() -> None:
    rng = random.Random(1)
    dma = D.Dma(LinkParams(gen=3, lanes=4, mps=128), c2h_bytes=64)
    host = Host(dma, D.C2H, ring_size=4, buf_bytes=1 << 17)
    sizes = [1, 63, 64, 65, 1000, 4096, 300, 129, 2000, 5]
    packets = [bytes(rng.getrandbits(8) for _ in range(n)) for n in sizes]
    slots = [(host.buf_bus + 8192 * i + (i * 37) % 200, 4096) for i in range(len(sizes))]  # misaligned starts
    posted = 0
    while posted < 3:  # at most ring_size - 1 outstanding
        host.post(*slots[posted], flags=D.DESC_IRQ)
        posted += 1

    def refill() -> bool:
        nonlocal posted
        done, _ = dma.poll(D.C2H)
        while posted < len(sizes) and posted - done < 3:
            host.post(*slots[posted], flags=D.DESC_IRQ)
            posted += 1
        return done == len(sizes)

    run_c2h(dma, packets, rng, refill)
    for i, pk in enumerate(packets):
        a = slots[i][0] - host.buf_bus
        assert bytes(host.buf[a:a + len(pk)]) == pk
    for i in range(len(sizes) - 4, len(sizes)):  # the last lap of the ring holds the newest records
        rec = host.cmpt[i % 4]
        assert (rec["bytes"], rec["status"], rec["seq"]) == (sizes[i], D.ST_OK, i + 1)
        assert rec["flags"] == D.WB_DONE | D.WB_EOP
    for i, n in enumerate(sizes):  # nothing written outside the packets
        a = slots[i][0] - host.buf_bus
        host.buf[a:a + n] = 0
    assert not host.buf.any()
    s = dma.stats()
    assert s["c2h_bytes"] == s["c2h_written_bytes"] == sum(sizes) and s["c2h_descriptors"] == len(sizes)
    assert dma.read_reg(D.C2H, "COMPLETED") == len(sizes) and dma.read_reg(D.C2H, "HEAD") == len(sizes) % 4
    assert s["err_window"] == s["err_perm"] == s["err_short_buffer"] == 0
    assert s["c2h_irqs"] == len(sizes) and s["up_dllps"] > 0 and s["down_dllps"] > 0


def test_c2h_error_outcomes_are_counted_never_hang() -> None:
    rng = random.Random(2)
    dma = D.Dma(LinkParams(gen=3, lanes=8), c2h_bytes=64)
    host = Host(dma, D.C2H, ring_size=8, buf_bytes=8192)
    ro = np.zeros(4096, np.uint8)
    dma.map(0x50_0000_0000, ro, D.HOST, D.READ)  # a read-only window
    pk = [bytes([i + 1]) * 700 for i in range(4)]
    host.post(0x60_0000_0000, 1024)  # outside every window
    host.post(0x50_0000_0000, 1024)  # read-only
    host.post(host.buf_bus, 500)  # the packet (700 bytes) is longer than the buffer
    host.post(host.buf_bus + 4096, 1024)  # fine
    run_c2h(dma, pk, rng, lambda: dma.read_reg(D.C2H, "COMPLETED") == 4)
    assert [int(r) for r in host.cmpt["status"][:4]] == [D.ST_NO_WINDOW, D.ST_PERM, D.ST_SHORT, D.ST_OK]
    assert int(host.cmpt["bytes"][2]) == 500 and int(host.cmpt["bytes"][3]) == 700
    assert bytes(host.buf[:500]) == pk[2][:500] and host.buf[500:4096].sum() == 0
    assert bytes(host.buf[4096:4796]) == pk[3] and not ro.any()
    s = dma.stats()
    assert (s["err_window"], s["err_perm"], s["err_short_buffer"], s["error_descriptors"]) == (1, 1, 1, 3)
    assert s["dropped_tlps"] >= 2 and dma.read_reg(D.C2H, "ERRORS") == 3


def run_h2c(dma: D.Dma, rng: random.Random, until, max_cycles: int = 200_000) -> list[tuple[bytes, bool]]:
    beats = []
    for _ in range(max_cycles):
        dma.ports.h2c_tready = int(rng.random() < 0.6)
        beat = dma.h2c_beat()
        if beat is not None and dma.ports.h2c_tready:
            beats.append(beat)
        dma.step()
        if until():
            return beats
    raise AssertionError("H2C run did not finish")


def test_h2c_streams_descriptors_in_order() -> None:
    rng = random.Random(3)
    dma = D.Dma(LinkParams(gen=3, lanes=4, mrrs=256, mps=128), h2c_bytes=32)
    host = Host(dma, D.H2C, ring_size=4, buf_bytes=1 << 15, irq=False)  # polling: every completion is seen
    host.buf[:] = np.frombuffer(rng.randbytes(1 << 15), np.uint8)
    # stream 1 = three descriptors (misaligned, crossing MRRS boundaries), stream 2 = one, stream 3 = two
    descs = [(100, 333, 0), (5000, 31, 0), (9000, 700, D.DESC_EOP), (12000, 64, D.DESC_EOP),
             (20000, 1, 0), (20001, 1000, D.DESC_EOP | D.DESC_IRQ)]
    posted = 0

    def refill() -> bool:
        nonlocal posted
        done, _ = dma.poll(D.H2C)
        while posted < len(descs) and posted - done < 3:
            host.post(host.buf_bus + descs[posted][0], descs[posted][1], descs[posted][2])
            posted += 1
        return done == len(descs)

    refill()
    beats = run_h2c(dma, rng, refill)
    streams, cur = [], b""
    for data, last in beats:
        assert len(data) == 32 or last  # only the tlast beat is partial
        cur += data
        if last:
            streams.append(cur)
            cur = b""
    want, acc = [], b""
    for off, n, fl in descs:
        acc += bytes(host.buf[off:off + n])
        if fl & D.DESC_EOP:
            want.append(acc)
            acc = b""
    assert streams == want and cur == b""
    assert [int(r) for r in host.cmpt["bytes"][:2]] == [1, 1000]  # the ring wrapped: slots 0, 1 hold 5, 6
    assert int(host.cmpt["flags"][1]) == D.WB_DONE | D.WB_EOP and int(host.cmpt["flags"][0]) == D.WB_DONE
    s = dma.stats()
    assert s["h2c_bytes"] == sum(n for _, n, _ in descs) and s["h2c_packets"] == 3
    assert s["h2c_stall_design"] > 0 and s["read_requests"] > len(descs) and s["h2c_irqs"] == 0


def test_h2c_refused_read_and_unreadable_ring() -> None:
    rng = random.Random(4)
    dma = D.Dma(LinkParams(), h2c_bytes=64)
    host = Host(dma, D.H2C, ring_size=8, buf_bytes=4096)
    host.buf[:] = 7
    host.post(host.buf_bus, 100, 0)
    host.post(0x66_0000_0000, 100, D.DESC_EOP)  # unmapped source: refused, the stream still ends
    host.post(host.buf_bus, 10, D.DESC_EOP)
    beats = run_h2c(dma, rng, lambda: dma.read_reg(D.H2C, "COMPLETED") == 3)
    assert [(len(b), last) for b, last in beats] == [(64, False), (36, True), (10, True)]
    assert [int(r) for r in host.cmpt["status"][:3]] == [D.ST_OK, D.ST_NO_WINDOW, D.ST_OK]
    assert dma.stats()["err_window"] == 1
    # a ring outside every window halts the channel instead of hanging it
    dma2 = D.Dma(LinkParams())
    dma2.setup_channel(D.H2C, 0x77_0000_0000, 4, 0x78_0000_0000)
    dma2.write_reg(D.H2C, "TAIL", 1)
    for _ in range(50):
        dma2.step()
    assert dma2.read_reg(D.H2C, "STATUS") & 4 and dma2.stats()["err_desc_fetch"] == 1


@pytest.mark.parametrize("mode", ["irq", "poll0", "poll"])
def test_notification_latency(mode: str) -> None:
    link = {"irq": LinkParams(irq_latency_ns=2000),
            "poll0": LinkParams(use_polling=True, poll_interval_ns=0),
            "poll": LinkParams(use_polling=True, poll_interval_ns=1000)}[mode]
    dma = D.Dma(link, c2h_bytes=64)
    host = Host(dma, D.C2H, ring_size=4, buf_bytes=4096)
    host.post(host.buf_bus, 4096, D.DESC_IRQ)
    dma.set_c2h_beat(b"x" * 64, last=True)
    hw_done = seen = msi_at = None
    for _ in range(5000):
        ready_before = dma.ports.c2h_tready
        dma.step()
        if ready_before:
            dma.set_c2h_beat(None)
        if hw_done is None and dma.read_reg(D.C2H, "COMPLETED"):
            hw_done = dma.cycles
        if msi_at is None and dma.stats()["c2h_irqs"]:
            msi_at = dma.cycles
        if dma.poll(D.C2H)[0]:
            seen = dma.cycles
            break
    assert hw_done is not None and seen is not None
    lat = seen - hw_done
    s = dma.stats()
    if mode == "irq":
        # the MSI-X write follows the write-back; the host runs its handler 2000 ns (500 cycles) later
        assert msi_at is not None and 0 <= msi_at - hw_done <= 2 and seen - msi_at == 500 and s["c2h_irqs"] == 1
    elif mode == "poll0":
        assert lat == 0 and s["c2h_irqs"] == 0
    else:
        assert 0 <= lat < 250 and seen % 250 == 0 and s["c2h_irqs"] == 0  # the next 1000 ns poll tick
    assert dma.poll(D.C2H)[1] == 1 and dma.read_reg(D.C2H, "EVENTS") == 1


def test_h2c_descriptor_larger_than_receive_buffer_completes() -> None:
    """A descriptor much larger than the H2C receive buffer streams out while its reads are still being
    issued; every byte must still count towards it so it completes (regression: it never did)."""
    from cosim.dma.dma import DESC_DTYPE, H2C, HOST, READ, WB_DTYPE, WRITE, Dma

    dma = Dma(LinkParams(), h2c_bytes=8, h2c_rx_bytes=4096)
    text = np.random.default_rng(1).integers(0, 256, 3 * 65536 + 8 * 100, dtype=np.uint8)  # multiple of 8
    ring, wb = np.zeros(4 * 32, np.uint8), np.zeros(4 * 16, np.uint8)
    dma.map(0x1000_0000, text, HOST, READ)
    dma.map(0x2000_0000, ring, HOST, READ)
    dma.map(0x3000_0000, wb, HOST, WRITE)
    d = ring.view(DESC_DTYPE)
    half = 65536 * 2
    d[0]["flags"], d[0]["len"], d[0]["src"] = 2, half, 0x1000_0000
    d[1]["flags"], d[1]["len"], d[1]["src"] = 3, text.size - half, 0x1000_0000 + half
    dma.setup_channel(H2C, 0x2000_0000, 4, 0x3000_0000)
    dma.write_reg(H2C, "TAIL", 2)
    got = bytearray()
    dma.ports.h2c_tready = 1
    for _ in range(200_000):
        beat = dma.h2c_beat()
        dma.step()
        if beat is not None:
            got += beat[0]
        if dma.read_reg(H2C, "COMPLETED") == 2:
            break
    assert bytes(got) == text.tobytes()
    assert dma.read_reg(H2C, "COMPLETED") == 2
    assert wb.view(WB_DTYPE)[1]["flags"] & 1  # EOP seen on the second descriptor


@pytest.mark.parametrize("gen", [3, 4, 5])
def test_per_transfer_c2h_timing(gen: int) -> None:
    """`c2h_xfer_bytes` / `c2h_xfer_cycles` (first data TLP to write-back, per transfer) — what
    `sluice bench system` reports as c2h_efficiency — reach the analytical bound of the path for large
    transfers: the link's with a wide user side, the stream width's with the 512-bit one at Gen4/5."""
    size, n = 1 << 20, 12
    p = LinkParams(gen=gen, lanes=16)
    for c2h_bytes in (WIDE["c2h_bytes"], 64):
        dma = D.Dma(p, c2h_bytes=c2h_bytes, h2c_bytes=64)
        dma.run_c2h_stream(n, size)
        st = dma.stats()
        assert st["c2h_xfer_bytes"] == n * size
        per_xfer = st["c2h_xfer_bytes"] / st["c2h_xfer_cycles"] * 250e6
        bound = min(pcie.c2h_achieved_bytes_per_s(p, size), D.user_side_bytes_per_s(c2h_bytes, 250))
        assert per_xfer == pytest.approx(bound, rel=0.02), (c2h_bytes, per_xfer, bound)
        assert per_xfer <= bound * 1.005
