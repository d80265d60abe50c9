"""Analytical PCIe / P2P DMA bandwidth model (SPEC §6).

Predicts the bandwidth a DMA engine achieves over a PCIe link from the link
and DMA parameters. The cycle-level DMA model (full-system issue) must agree
with it within 2 % over sweeps of generation, width, MPS and batch size, so
every term here is one the cycle model also has, and each is documented in
docs/spec/pcie.md:

* physical layer: transfer rate per lane, line encoding (8b/10b for Gen1/2,
  128b/130b for Gen3-5), SKP ordered sets;
* data-link layer: per-TLP framing, sequence number and LCRC; ACK and
  flow-control DLLPs sharing the link;
* transaction layer: 3- or 4-DW headers, payload split by max payload size
  (MPS), reads split by max read request size (MRRS) and completions by the
  read completion boundary (RCB);
* flow control: posted header/data credits returned after a round trip;
  outstanding read tags against the read completion latency (Little's law);
* targets: host DRAM or a GPU BAR reached peer to peer, each with its own cap
  (measured FPGA→GPU P2P is far below the link rate on real hosts);
* per-transfer fixed costs: descriptor fetch, completion write-back, and the
  interrupt or polling latency, amortised over the batch.
"""
from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, replace

GT_PER_S = {1: 2.5e9, 2: 5.0e9, 3: 8.0e9, 4: 16.0e9, 5: 32.0e9}
ENCODING = {1: 8 / 10, 2: 8 / 10, 3: 128 / 130, 4: 128 / 130, 5: 128 / 130}
# Gen1/2 frame a TLP with STP/END symbols (2 bytes); Gen3+ with a 4-byte STP token.
FRAMING_BYTES = {1: 2, 2: 2, 3: 4, 4: 4, 5: 4}
SEQ_BYTES = 2
LCRC_BYTES = 4
DLLP_BYTES = 8  # 6-byte DLLP + 2-byte framing (SDP token for Gen3+)
CREDIT_BYTES = 16  # one data credit = 4 DW


class Target(enum.Enum):
    HOST = "host"  # host DRAM through the root complex
    GPU = "gpu"  # GPU BAR, peer to peer


@dataclass(frozen=True)
class LinkParams:
    """Everything the bandwidth depends on; the cycle model takes the same object."""

    gen: int = 3
    lanes: int = 16
    mps: int = 256  # max payload size, bytes
    mrrs: int = 512  # max read request size, bytes
    rcb: int = 64  # read completion boundary, bytes
    addr64: bool = True  # 4-DW headers for memory requests
    read_latency_ns: float = 800.0  # request issued → first completion back
    read_tags: int = 64  # outstanding read requests
    posted_header_credits: int = 64
    posted_data_credits: int = 1024  # 16-byte units
    credit_return_ns: float = 500.0  # posted TLP sent → its credits usable again
    ack_every_tlps: int = 4  # the receiver ACKs every n TLPs (DLLPs in the other direction)
    fc_update_every_tlps: int = 8  # flow-control update DLLPs, per n TLPs
    skp_interval_blocks: int = 370  # Gen3+: one SKP ordered set per n 130-bit blocks
    host_cap_gbps: float = math.inf  # host DRAM write/read cap, GB/s
    gpu_cap_gbps: float = 6.0  # P2P cap into a GPU BAR, GB/s (far below the link on real hosts)
    desc_bytes: int = 32  # one descriptor
    writeback_bytes: int = 16  # completion write-back record
    irq_latency_ns: float = 2000.0  # interrupt delivery + handler; 0 with polling
    poll_interval_ns: float = 0.0  # with polling: mean extra wait = interval / 2
    use_polling: bool = False

    def __post_init__(self) -> None:
        if self.gen not in GT_PER_S:
            raise ValueError(f"gen must be 1..5, got {self.gen}")
        if self.lanes not in (1, 2, 4, 8, 16):
            raise ValueError(f"lanes must be 1, 2, 4, 8 or 16, got {self.lanes}")
        for name in ("mps", "mrrs"):
            v = getattr(self, name)
            if v not in (128, 256, 512, 1024, 2048, 4096):
                raise ValueError(f"{name} must be a power of two in 128..4096, got {v}")
        if self.rcb not in (64, 128):
            raise ValueError("rcb must be 64 or 128")


def raw_bytes_per_s(p: LinkParams) -> float:
    """Symbol bandwidth after line encoding, per direction."""
    return GT_PER_S[p.gen] * p.lanes * ENCODING[p.gen] / 8


def skp_fraction(p: LinkParams) -> float:
    """Share of the link taken by SKP ordered sets (Gen3+: one 16-byte set per interval)."""
    if p.gen < 3:
        return 1 / 1180  # Gen1/2: 4 SKP symbols every 1180..1538 symbols
    return 1 / (p.skp_interval_blocks + 1)


def tlp_overhead_bytes(p: LinkParams, header_dw: int) -> int:
    return FRAMING_BYTES[p.gen] + SEQ_BYTES + 4 * header_dw + LCRC_BYTES


def mem_header_dw(p: LinkParams) -> int:
    return 4 if p.addr64 else 3


def dllp_bytes_per_tlp(p: LinkParams) -> float:
    """DLLPs this direction carries per TLP of the *other* direction (ACKs, FC updates)."""
    return DLLP_BYTES * (1 / p.ack_every_tlps + 1 / p.fc_update_every_tlps)


def split_writes(addr: int, nbytes: int, mps: int) -> list[int]:
    """Payload sizes of the write TLPs for one contiguous transfer (no TLP crosses an MPS-aligned
    boundary, so a misaligned start costs one short TLP; 4 KiB boundaries are multiples of MPS)."""
    out = []
    while nbytes > 0:
        n = min(nbytes, mps - addr % mps)
        out.append(n)
        addr += n
        nbytes -= n
    return out


def write_wire_bytes(p: LinkParams, addr: int, nbytes: int) -> float:
    """Bytes on the wire (this direction) to post `nbytes` starting at `addr`."""
    sizes = split_writes(addr, nbytes, p.mps)
    # the writes' ACK/FC DLLPs travel in the other direction and cost nothing here
    return sum(sizes) + len(sizes) * tlp_overhead_bytes(p, mem_header_dw(p))


def link_write_bytes_per_s(p: LinkParams, payload: int | None = None) -> float:
    """Posted-write payload bandwidth for back-to-back full TLPs of `payload` bytes (default MPS)."""
    n = payload or p.mps
    wire = n + tlp_overhead_bytes(p, mem_header_dw(p))
    return raw_bytes_per_s(p) * (1 - skp_fraction(p)) * n / wire


def credit_write_bytes_per_s(p: LinkParams) -> float:
    """Posted-credit bound: credits in flight / round-trip time."""
    tlps_by_header = p.posted_header_credits
    tlps_by_data = p.posted_data_credits * CREDIT_BYTES // p.mps
    in_flight = min(tlps_by_header, tlps_by_data) * p.mps
    return in_flight / (p.credit_return_ns * 1e-9)


def target_cap_bytes_per_s(p: LinkParams, target: Target) -> float:
    cap = p.gpu_cap_gbps if target == Target.GPU else p.host_cap_gbps
    return cap * 1e9


def c2h_stream_bytes_per_s(p: LinkParams, target: Target = Target.HOST) -> float:
    """Sustained card→memory write bandwidth: the smallest of link, credits and target cap."""
    return min(link_write_bytes_per_s(p), credit_write_bytes_per_s(p), target_cap_bytes_per_s(p, target))


def completion_sizes(addr: int, nbytes: int, p: LinkParams) -> list[int]:
    """Completion payloads for one read request: split at RCB boundaries, at most MPS each.

    Completers commonly return the first completion up to the next RCB boundary, then MPS-sized
    (RCB-aligned) chunks; that is the behaviour modelled.
    """
    out = []
    while nbytes > 0:
        to_rcb = p.rcb - addr % p.rcb
        n = min(nbytes, to_rcb if out == [] and addr % p.rcb else p.mps - addr % p.mps)
        out.append(n)
        addr += n
        nbytes -= n
    return out


def link_read_bytes_per_s(p: LinkParams) -> float:
    """Read payload bandwidth the completion stream can carry (aligned, MRRS-sized requests)."""
    sizes = completion_sizes(0, p.mrrs, p)
    wire = sum(sizes) + len(sizes) * tlp_overhead_bytes(p, 3) + dllp_bytes_per_tlp(p)
    return raw_bytes_per_s(p) * (1 - skp_fraction(p)) * p.mrrs / wire


def tag_read_bytes_per_s(p: LinkParams) -> float:
    """Little's law: outstanding tags × request size / completion latency (+ its serialisation)."""
    serial = p.mrrs / link_read_bytes_per_s(p)
    return p.read_tags * p.mrrs / (p.read_latency_ns * 1e-9 + serial)


def h2c_stream_bytes_per_s(p: LinkParams, target: Target = Target.HOST) -> float:
    """Sustained memory→card read bandwidth."""
    return min(link_read_bytes_per_s(p), tag_read_bytes_per_s(p), target_cap_bytes_per_s(p, target))


def notify_ns(p: LinkParams) -> float:
    return p.poll_interval_ns / 2 if p.use_polling else p.irq_latency_ns


def c2h_transfer_seconds(p: LinkParams, nbytes: int, target: Target = Target.HOST) -> float:
    """One C2H transfer of `nbytes` (a batch): fetch the descriptor (a read round trip), stream the
    data, write the completion record back, then notify the host."""
    t_desc = p.read_latency_ns * 1e-9 + p.desc_bytes / link_read_bytes_per_s(p)
    t_data = nbytes / c2h_stream_bytes_per_s(p, target)
    t_wb = write_wire_bytes(p, 0, p.writeback_bytes) / (raw_bytes_per_s(p) * (1 - skp_fraction(p)))
    return t_desc + t_data + t_wb + notify_ns(p) * 1e-9


def notify_write_bytes(p: LinkParams) -> int:
    """Payload of the per-transfer MSI-X interrupt message (a posted write); none with polling."""
    return 0 if p.use_polling else 4


def posted_credit_seconds(p: LinkParams, posted: list[int], link_bytes_per_s: float) -> float:
    """Steady-state time per repetition of the posted-write sequence `posted` (payload sizes) when flow control
    is granular: a TLP goes only once its header credit and *all* its data credits are free, and each returns
    `credit_return_ns` after the TLP was sent. Credits left over that are too few for the next TLP sit idle
    (e.g. a batch's 1-credit write-back leaves 31 of a 32-credit MPS TLP's credits waiting), so the bound lies
    below the fluid `credit_write_bytes_per_s` whenever small and large TLPs mix. Solved by the exact send-time
    recurrence over repetitions of the sequence (TLPs also paced by their serialisation at `link_bytes_per_s`),
    averaged once the pattern is periodic.
    """
    T = p.credit_return_ns * 1e-9
    oh = tlp_overhead_bytes(p, mem_header_dw(p))
    need = [(n, -(-n // CREDIT_BYTES)) for n in posted]
    if len({d for _, d in need}) == 1 and p.posted_data_credits % need[0][1] == 0:
        # one TLP size that divides the pool: no credits are stranded, the fluid bound is exact
        return max(len(need) / p.posted_header_credits,
                   len(need) * need[0][1] / p.posted_data_credits) * T
    per_trip = min(p.posted_header_credits / len(posted), p.posted_data_credits / sum(d for _, d in need))
    reps = max(8, math.ceil(400 * per_trip))  # ~400 credit round trips: burst phases average out
    q: deque[tuple[float, int]] = deque()
    free_h, free_d, t, t_link = p.posted_header_credits, p.posted_data_credits, 0.0, 0.0
    ends = []
    for _ in range(reps):
        for n, dc in need:
            t = max(t, t_link)
            while q and q[0][0] <= t:  # credits already back
                free_h, free_d = free_h + 1, free_d + q.popleft()[1]
            while free_h < 1 or free_d < dc:  # wait for the next return
                tr, d = q.popleft()
                t, free_h, free_d = max(t, tr), free_h + 1, free_d + d
            free_h, free_d = free_h - 1, free_d - dc
            q.append((t + T, dc))
            t_link = t + (n + oh) / link_bytes_per_s
        ends.append(t)
    half = reps // 2
    return (ends[-1] - ends[half]) / (reps - 1 - half)


def c2h_batch_seconds(p: LinkParams, nbytes: int, target: Target = Target.HOST) -> float:
    """Steady-state time per batch with a descriptor ring: the busiest of the resources a batch uses.

    Per batch the card sends its data writes, the completion write-back, an MSI-X write (interrupt mode) and
    one descriptor read request upstream (which holds a read tag for a round trip), plus the DLLPs answering the descriptor's completion; the posted
    writes each take a header credit and their data credits for `credit_return_ns`; the data (and the host-side
    write-back) count against the target caps. Everything else overlaps (descriptors are prefetched, the host
    is notified while the next batch streams), so the batch takes as long as its busiest resource.
    """
    eff = raw_bytes_per_s(p) * (1 - skp_fraction(p))
    posted = split_writes(0, nbytes, p.mps) + [p.writeback_bytes]
    if notify_write_bytes(p):
        posted.append(notify_write_bytes(p))
    up_wire = (sum(posted) + len(posted) * tlp_overhead_bytes(p, mem_header_dw(p))
               + tlp_overhead_bytes(p, mem_header_dw(p))  # the descriptor read request
               + dllp_bytes_per_tlp(p))  # ACK/FC for the descriptor's completion
    t_link = up_wire / eff
    t_credit = posted_credit_seconds(p, posted, eff)
    # the descriptor fetch is a read: it holds a tag for the latency plus its completion's serialisation
    t_tag = (p.read_latency_ns * 1e-9 + (p.desc_bytes + tlp_overhead_bytes(p, 3)) / eff) / p.read_tags
    host_bytes = p.writeback_bytes + (nbytes if target == Target.HOST else 0)
    t_cap = host_bytes / target_cap_bytes_per_s(p, Target.HOST)
    if target == Target.GPU:
        t_cap = max(t_cap, nbytes / target_cap_bytes_per_s(p, Target.GPU))
    return max(t_link, t_credit, t_tag, t_cap)


def c2h_achieved_bytes_per_s(p: LinkParams, nbytes: int, target: Target = Target.HOST,
                             pipelined: bool = True) -> float:
    """Achieved C2H bandwidth for back-to-back transfers of `nbytes`.

    With a descriptor ring (pipelined=True) the engine prefetches the next descriptor and the host
    handles notifications while data streams, so each batch costs its busiest resource
    (`c2h_batch_seconds`); otherwise every transfer pays its full latency.
    """
    if not pipelined:
        return nbytes / c2h_transfer_seconds(p, nbytes, target)
    return nbytes / c2h_batch_seconds(p, nbytes, target)


def h2c_achieved_bytes_per_s(p: LinkParams, nbytes: int, target: Target = Target.HOST) -> float:
    """Achieved H2C bandwidth for back-to-back descriptors of `nbytes` (aligned) from a descriptor ring.

    Per descriptor: MRRS-aligned read requests, each holding a tag for the read latency plus the
    serialisation of its completions, one descriptor fetch (a read of `desc_bytes`), and the downstream
    DLLPs answering the requests, the descriptor fetch, the write-back and the MSI-X write; upstream, the
    write-back and MSI-X writes take posted credits. The busiest of link, tags, credits and target cap sets the
    pace; for large descriptors this tends to `h2c_stream_bytes_per_s`.
    """
    eff = raw_bytes_per_s(p) * (1 - skp_fraction(p))
    cpl_oh = tlp_overhead_bytes(p, 3)
    reqs, addr = [], 0
    for n in split_writes(0, nbytes, p.mrrs):  # requests never cross an MRRS-aligned boundary
        sizes = completion_sizes(addr, n, p)
        reqs.append(sum(sizes) + len(sizes) * cpl_oh)
        addr += n
    desc_wire = p.desc_bytes + cpl_oh
    upstream_tlps = len(reqs) + 1 + 1 + (1 if notify_write_bytes(p) else 0)
    t_link = (sum(reqs) + desc_wire + upstream_tlps * dllp_bytes_per_tlp(p)) / eff
    lat = p.read_latency_ns * 1e-9
    t_tag = sum(lat + w / eff for w in reqs + [desc_wire]) / p.read_tags
    # the completion write-back and the MSI-X write are posted: they need posted credits
    t_credit = posted_credit_seconds(p, [p.writeback_bytes] + ([4] if notify_write_bytes(p) else []), eff)
    host_bytes = p.desc_bytes + (nbytes if target == Target.HOST else 0)
    t_cap = host_bytes / target_cap_bytes_per_s(p, Target.HOST)
    if target == Target.GPU:
        t_cap = max(t_cap, nbytes / target_cap_bytes_per_s(p, Target.GPU))
    return nbytes / max(t_link, t_tag, t_credit, t_cap)


def c2h_efficiency_bound(p: LinkParams, target: Target = Target.HOST) -> float:
    """Analytical bound on C2H payload bandwidth ÷ raw link bandwidth (what `c2h_efficiency` divides by)."""
    return c2h_stream_bytes_per_s(p, target) / raw_bytes_per_s(p)


def sweep(gens=(3, 4, 5), lanes=(16,), mps=(128, 256, 512), batch_bytes=(4096, 65536, 1 << 20)) -> list[dict]:
    """Predictions over a parameter grid (used by the agreement test with the cycle model)."""
    out = []
    for g in gens:
        for w in lanes:
            for m in mps:
                p = replace(LinkParams(), gen=g, lanes=w, mps=m)
                for b in batch_bytes:
                    out.append({"gen": g, "lanes": w, "mps": m, "batch_bytes": b,
                                "raw_gbps": raw_bytes_per_s(p) / 1e9,
                                "c2h_gbps": c2h_achieved_bytes_per_s(p, b) / 1e9,
                                "h2c_gbps": h2c_stream_bytes_per_s(p) / 1e9})
    return out
