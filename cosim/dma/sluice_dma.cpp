// SPDX-License-Identifier: Apache-2.0
// Sluice cycle-level PCIe DMA model: see sluice_dma.h and docs/spec/dma.md.
//
// Mechanics (every bandwidth effect of models/pcie.py arises from these, never from its formulas):
//  * each link direction has a per-user-cycle byte budget (deficit accumulator): + encoded bytes per cycle at
//    every edge, SKP ordered sets taken from it on their schedule, every TLP/DLLP charges its wire size; a
//    negative budget is a link still busy with an earlier TLP; leftover capacity of an idle cycle is lost;
//  * TLPs have their real sizes (framing + sequence + header + payload + LCRC), writes cut at MPS-aligned
//    addresses, reads cut at MRRS-aligned addresses, completions at the RCB then MPS-aligned chunks;
//  * every TLP received by one side makes the other side owe ACK / FC-update DLLPs on the opposite direction;
//  * posted header/data credits are taken per write and come back credit_return_ns after it was sent;
//  * a read tag is held from the request until the last completion of it has arrived (read_latency_ns after
//    the request, plus the completions' serialisation);
//  * host DRAM and GPU BAR have their own byte budgets per direction (the caps).
#include "sluice_dma.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

thread_local std::string g_err;

constexpr int FRAMING[6] = {0, 2, 2, 4, 4, 4};
constexpr int SEQ_BYTES = 2, LCRC_BYTES = 4, DLLP_BYTES = 8, CREDIT_BYTES = 16, CPL_HDR_DW = 3;
constexpr double GT[6] = {0, 2.5e9, 5.0e9, 8.0e9, 16.0e9, 32.0e9};

enum StatId {
    S_CYCLES, S_H2C_BYTES, S_C2H_BYTES, S_C2H_WRITTEN, S_H2C_BEATS, S_C2H_BEATS, S_H2C_PACKETS, S_C2H_PACKETS,
    S_UP_WIRE, S_DOWN_WIRE, S_UP_TLPS, S_DOWN_TLPS, S_UP_DLLPS, S_DOWN_DLLPS, S_UP_BUSY, S_DOWN_BUSY,
    S_UP_SKP, S_DOWN_SKP, S_H2C_DESC, S_C2H_DESC, S_READ_REQS,
    S_H2C_ST_NODESC, S_H2C_ST_TAGS, S_H2C_ST_RXBUF, S_H2C_ST_LINK, S_H2C_ST_CAP, S_H2C_ST_DESIGN,
    S_C2H_ST_NODESC, S_C2H_ST_CREDITS, S_C2H_ST_LINK, S_C2H_ST_CAP, S_C2H_ST_DESIGN, S_C2H_ST_FIFO,
    S_ERR_WINDOW, S_ERR_PERM, S_ERR_SHORT, S_ERR_DESC_FETCH, S_ERR_WRITEBACK, S_DROPPED_TLPS, S_ERR_DESC,
    S_H2C_IRQS, S_C2H_IRQS, S_H2C_EVENTS, S_C2H_EVENTS, S_C2H_XFER_BYTES, S_C2H_XFER_CYCLES, S_N
};
const char* STAT_NAMES[S_N] = {
    "cycles", "h2c_bytes", "c2h_bytes", "c2h_written_bytes", "h2c_beats", "c2h_beats", "h2c_packets",
    "c2h_packets", "up_wire_bytes", "down_wire_bytes", "up_tlps", "down_tlps", "up_dllps", "down_dllps",
    "up_busy_cycles", "down_busy_cycles", "up_skp_bytes", "down_skp_bytes", "h2c_descriptors", "c2h_descriptors",
    "read_requests", "h2c_stall_no_desc", "h2c_stall_tags", "h2c_stall_rx_buffer", "h2c_stall_link",
    "h2c_stall_target_cap", "h2c_stall_design", "c2h_stall_no_desc", "c2h_stall_credits", "c2h_stall_link",
    "c2h_stall_target_cap", "c2h_stall_design", "c2h_stall_fifo_full", "err_window", "err_perm", "err_short_buffer",
    "err_desc_fetch", "err_writeback", "dropped_tlps", "error_descriptors", "h2c_irqs", "c2h_irqs", "h2c_events",
    "c2h_events", "c2h_xfer_bytes", "c2h_xfer_cycles"};

// Deficit accumulator: `b` is the capacity left in the current cycle (negative: still paying off earlier sends).
struct Budget {
    double per_cycle = 0, b = 0, bank = 0;  // bank: capacity an idle cycle may carry over (0 for a link)
    bool unbounded = true;
    void set_rate(double bytes_per_cycle) {
        unbounded = !(bytes_per_cycle > 0) || !std::isfinite(bytes_per_cycle);
        per_cycle = unbounded ? 0 : bytes_per_cycle;
        b = 0;
    }
    void tick() { if (!unbounded) b += per_cycle; }
    bool ok() const { return unbounded || b > 0; }
    void take(double n) { if (!unbounded) b -= n; }
    void clamp() { if (!unbounded && b > bank) b = bank; }  // an idle link cycle's capacity is lost
};

struct Link {
    Budget bud;
    double skp_acc = 0, skp_period = 0, skp_bytes = 0;
    uint32_t dllp_owed = 0, ack_cnt = 0, fc_cnt = 0, ack_every = 4, fc_every = 8;
    uint64_t *wire = nullptr, *tlps = nullptr, *dllps = nullptr, *busy = nullptr, *skp = nullptr;
    bool charged = false;
    void tick() {
        charged = bud.b < 0;  // still transmitting an earlier TLP
        bud.tick();
        skp_acc += bud.per_cycle;
        if (skp_acc >= skp_period) {  // SKP ordered set, on its own schedule whatever the traffic
            skp_acc -= skp_period;
            bud.take(skp_bytes);
            *skp += uint64_t(skp_bytes);
        }
        while (dllp_owed && bud.ok()) {  // DLLPs go before TLPs
            dllp_owed--;
            bud.take(DLLP_BYTES);
            *wire += DLLP_BYTES;
            (*dllps)++;
            charged = true;
        }
    }
    // Charge a TLP sent in cycle `n`; returns the edge at which its last byte has arrived.
    uint64_t send(uint64_t n, uint32_t wire_bytes) {
        bud.take(wire_bytes);
        *wire += wire_bytes;
        (*tlps)++;
        charged = true;
        if (bud.b >= 0) return n + 1;
        return n + 1 + uint64_t(std::ceil(-bud.b / bud.per_cycle - 1e-9));
    }
    // The other direction received a TLP: ACK and FC-update DLLPs are owed on this one.
    void owe_for_tlp() {
        if (++ack_cnt >= ack_every) { ack_cnt = 0; dllp_owed++; }
        if (++fc_cnt >= fc_every) { fc_cnt = 0; dllp_owed++; }
    }
    void end_cycle() {
        if (charged) (*busy)++;
        bud.clamp();
    }
};

struct Window {
    uint64_t bus = 0, size = 0;
    uint8_t* ptr = nullptr;
    int target = 0, perm = 0;
    bool live = false;
};

struct Desc {
    uint64_t seq = 0;       // fetch order
    uint32_t index = 0;     // ring index
    uint64_t ready_at = ~0ull;  // edge at which its fetch completion has arrived
    bool parsed = false;
    uint32_t flags = 0, len = 0;
    uint64_t src = 0, dst = 0;
    // H2C
    uint32_t len_eff = 0;  // bytes actually streamed (0 when the read was refused)
    uint32_t issued = 0, delivered = 0;
    bool checked = false;
    uint32_t status = 0;
};

enum CplKind { CPL_DESC = 0, CPL_DATA = 1 };
struct Cpl {  // one completion TLP the host side will send
    double ready = 0;  // cycle (fractional) from which the completer may send it
    int kind = 0, ch = 0, target = 0;
    uint64_t bus = 0, desc_seq = 0, rx_off = 0;
    uint32_t len = 0;
    bool last = false;  // last completion of its request: frees the tag
};
struct Arrival { uint64_t at; uint32_t rx_bytes; bool free_tag; };
struct CreditRet { uint64_t at; uint32_t hdr, data; };
struct Notify { uint64_t at; uint64_t completed; };
struct CtrlWrite { uint64_t bus; uint8_t rec[16]; bool msi; bool is_msi_only; };

enum C2hState { C2H_DATA = 0, C2H_WB = 1, C2H_MSI = 2 };

struct Channel {
    int ch = 0;
    uint32_t ctrl = 0, ring_size = 0, tail = 0, head = 0, fetch_idx = 0;
    uint64_t ring_base = 0, cmpt_base = 0, completed = 0, errors = 0;
    bool halted = false;
    std::deque<Desc> dq;
    uint64_t next_seq = 0;
    std::deque<Notify> notes;
    uint64_t host_completed = 0, events = 0, last_note_at = ~0ull;
    bool running() const { return (ctrl & 1) && !halted && ring_size >= 2; }
    bool irq() const { return ctrl & 2; }
    Desc* by_seq(uint64_t s) {
        if (dq.empty() || s < dq.front().seq) return nullptr;
        uint64_t i = s - dq.front().seq;
        return i < dq.size() ? &dq[i] : nullptr;
    }
};

}  // namespace

struct sluice_dma {
    sluice_dma_params P{};
    double cyc_ns = 4;
    uint64_t n = 0;  // current edge
    uint64_t st[S_N] = {};
    Link up, down;  // up: card -> host (writes, read requests); down: host -> card (completions)
    Budget cap_up[2], cap_down[2];  // per target (HOST, GPU), per direction
    std::vector<Window> win;
    int hdr_credits = 0, data_credits = 0;
    std::deque<CreditRet> cred_ret;
    int tags = 0;
    double lat_cycles = 0, irq_cycles = 0, poll_cycles = 0, cred_cycles = 0;
    Channel chn[2];
    std::deque<Cpl> cpls;
    std::deque<Arrival> arrivals;
    std::deque<CtrlWrite> h2c_ctrl;  // H2C write-backs and MSIs waiting for the link
    // H2C stream
    std::vector<uint8_t> rx;
    uint64_t rx_issued = 0, rx_valid = 0, rx_consumed = 0;
    size_t h2c_issue_i = 0;  // index in dq of the first descriptor with requests left
    bool h2c_pres = false;
    uint32_t h2c_pres_bytes = 0;
    bool h2c_pres_last = false;
    std::vector<uint8_t> h2c_own;
    // C2H
    std::vector<uint8_t> fifo;
    uint64_t f_in = 0, f_out = 0;
    std::deque<uint64_t> pkt_ends;
    bool c2h_ready = false;
    int c2h_state = C2H_DATA;
    uint32_t pkt_written = 0, pkt_status = 0;
    uint64_t pkt_len = 0;
    uint64_t pkt_first_tlp = 0;  // edge of the packet's first data TLP (per-transfer timing)
    // self-test memory
    std::vector<std::vector<uint8_t>> own_mem;
};

namespace {

uint32_t tlp_wire(const sluice_dma* d, int hdr_dw, uint32_t payload) {
    return uint32_t(FRAMING[d->P.gen] + SEQ_BYTES + 4 * hdr_dw + LCRC_BYTES) + payload;
}
int mem_hdr(const sluice_dma* d) { return d->P.addr64 ? 4 : 3; }

// Window lookup: status for an access of [a, a+len) needing `perm`.
uint32_t check(const sluice_dma* d, uint64_t a, uint64_t len, int perm, const Window** out) {
    for (const Window& w : d->win) {
        if (!w.live) continue;
        if (a >= w.bus && a + len <= w.bus + w.size && a + len >= a) {
            *out = &w;
            return (w.perm & perm) == perm ? SLUICE_DMA_ST_OK : SLUICE_DMA_ST_PERM;
        }
    }
    *out = nullptr;
    return SLUICE_DMA_ST_NO_WINDOW;
}
void count_err(sluice_dma* d, uint32_t status) {
    if (status == SLUICE_DMA_ST_NO_WINDOW) d->st[S_ERR_WINDOW]++;
    else if (status == SLUICE_DMA_ST_PERM) d->st[S_ERR_PERM]++;
    else if (status == SLUICE_DMA_ST_SHORT) d->st[S_ERR_SHORT]++;
}

std::vector<uint32_t> completion_sizes(uint64_t addr, uint32_t n, int rcb, int mps) {
    std::vector<uint32_t> out;
    while (n > 0) {
        uint32_t to_rcb = uint32_t(rcb - addr % rcb);
        uint32_t c = std::min<uint32_t>(n, (out.empty() && addr % rcb) ? to_rcb : uint32_t(mps - addr % mps));
        out.push_back(c);
        addr += c;
        n -= c;
    }
    return out;
}

void schedule_notify(sluice_dma* d, Channel& c, bool msi_sent) {
    uint64_t at;
    if (c.irq()) {
        if (!msi_sent) return;  // without IRQ flag the completion is seen with the next interrupt
        at = d->n + uint64_t(std::ceil(d->irq_cycles - 1e-9));
    } else if (d->poll_cycles > 0) {
        uint64_t pc = uint64_t(std::llround(d->poll_cycles));
        if (pc == 0) pc = 1;
        at = ((d->n + pc - 1) / pc) * pc;  // the host's next poll tick
    } else {
        at = d->n;
    }
    c.notes.push_back({at, c.completed});
}

void complete_desc(sluice_dma* d, Channel& c, const Desc& ds, uint32_t bytes, uint32_t status, bool eop,
                   CtrlWrite* cw) {
    // build the 16-byte write-back record
    uint32_t flags = SLUICE_DMA_WB_DONE | (eop ? uint32_t(SLUICE_DMA_WB_EOP) : 0u);
    uint32_t seq = uint32_t(c.completed + 1);
    std::memcpy(cw->rec + 0, &bytes, 4);
    std::memcpy(cw->rec + 4, &status, 4);
    std::memcpy(cw->rec + 8, &flags, 4);
    std::memcpy(cw->rec + 12, &seq, 4);
    cw->bus = c.cmpt_base + uint64_t(ds.index) * 16;
    cw->msi = c.irq() && (ds.flags & SLUICE_DMA_DESC_IRQ);
    cw->is_msi_only = false;
    if (status != SLUICE_DMA_ST_OK) { c.errors++; d->st[S_ERR_DESC]++; }
}

// A write-back TLP has been sent: the record lands, the descriptor counts as completed.
void writeback_landed(sluice_dma* d, Channel& c, const CtrlWrite& cw) {
    const Window* w;
    uint32_t s = check(d, cw.bus, 16, SLUICE_DMA_WRITE, &w);
    if (s == SLUICE_DMA_ST_OK) std::memcpy(w->ptr + (cw.bus - w->bus), cw.rec, 16);
    else d->st[S_ERR_WRITEBACK]++;
    c.completed++;
    c.head = uint32_t(c.completed % c.ring_size);
    d->st[c.ch == SLUICE_DMA_H2C ? S_H2C_DESC : S_C2H_DESC]++;
    if (!cw.msi) schedule_notify(d, c, false);
}
void msi_sent(sluice_dma* d, Channel& c) {
    d->st[c.ch == SLUICE_DMA_H2C ? S_H2C_IRQS : S_C2H_IRQS]++;
    schedule_notify(d, c, true);
}

bool credits_ok(const sluice_dma* d, uint32_t payload) {
    return d->hdr_credits >= 1 && d->data_credits >= int((payload + CREDIT_BYTES - 1) / CREDIT_BYTES);
}
void take_credits(sluice_dma* d, uint32_t payload) {
    uint32_t dc = (payload + CREDIT_BYTES - 1) / CREDIT_BYTES;
    d->hdr_credits -= 1;
    d->data_credits -= int(dc);
    d->cred_ret.push_back({d->n + uint64_t(std::ceil(d->cred_cycles - 1e-9)), 1, dc});
}
// Send a posted write upstream; the caller has checked credits and link.
void post_write(sluice_dma* d, uint32_t payload) {
    take_credits(d, payload);
    d->up.send(d->n, tlp_wire(d, mem_hdr(d), payload));
    d->down.owe_for_tlp();
}

// ---- descriptor fetch: one read request per descriptor ----
bool try_desc_fetch(sluice_dma* d, Channel& c) {
    if (!c.running() || c.fetch_idx == c.tail % c.ring_size) return false;
    if (int(c.dq.size()) >= d->P.desc_prefetch) return false;
    if (d->tags <= 0 || !d->up.bud.ok()) return false;
    uint64_t bus = c.ring_base + uint64_t(c.fetch_idx) * 32;
    const Window* w;
    uint32_t s = check(d, bus, 32, SLUICE_DMA_READ, &w);
    if (s != SLUICE_DMA_ST_OK) {  // the ring itself is not readable: halt the channel (STATUS.HALTED)
        c.halted = true;
        d->st[S_ERR_DESC_FETCH]++;
        count_err(d, s);
        return false;
    }
    Desc ds;
    ds.seq = c.next_seq++;
    ds.index = c.fetch_idx;
    c.dq.push_back(ds);
    c.fetch_idx = (c.fetch_idx + 1) % c.ring_size;
    d->tags--;
    d->up.send(d->n, tlp_wire(d, mem_hdr(d), 0));
    d->down.owe_for_tlp();
    d->st[S_READ_REQS]++;
    Cpl cp;
    cp.ready = double(d->n) + d->lat_cycles;
    cp.kind = CPL_DESC;
    cp.ch = c.ch;
    cp.target = w->target;
    cp.bus = bus;
    cp.desc_seq = ds.seq;
    cp.len = 32;
    cp.last = true;
    d->cpls.push_back(cp);
    return true;
}

// ---- H2C data read requests ----
enum { R_SENT, R_NODESC, R_TAGS, R_RXBUF, R_LINK, R_NONE };
int try_h2c_request(sluice_dma* d) {
    Channel& c = d->chn[SLUICE_DMA_H2C];
    while (d->h2c_issue_i < c.dq.size()) {
        Desc& ds = c.dq[d->h2c_issue_i];
        if (d->n < ds.ready_at) return R_NODESC;
        if (!ds.checked) {
            ds.checked = true;
            const Window* w;
            uint32_t s = ds.len ? check(d, ds.src, ds.len, SLUICE_DMA_READ, &w) : uint32_t(SLUICE_DMA_ST_OK);
            ds.status = s;
            ds.len_eff = s == SLUICE_DMA_ST_OK ? ds.len : 0;
            if (s != SLUICE_DMA_ST_OK) count_err(d, s);
        }
        if (ds.issued >= ds.len_eff) { d->h2c_issue_i++; continue; }
        uint64_t a = ds.src + ds.issued;
        uint32_t sz = std::min<uint32_t>(uint32_t(d->P.mrrs - a % d->P.mrrs), ds.len_eff - ds.issued);
        if (d->tags <= 0) return R_TAGS;
        if (d->rx_issued + sz - d->rx_consumed > d->rx.size()) return R_RXBUF;
        if (!d->up.bud.ok()) return R_LINK;
        const Window* w;
        check(d, a, sz, SLUICE_DMA_READ, &w);
        d->tags--;
        d->up.send(d->n, tlp_wire(d, mem_hdr(d), 0));
        d->down.owe_for_tlp();
        d->st[S_READ_REQS]++;
        std::vector<uint32_t> cs = completion_sizes(a, sz, d->P.rcb, d->P.mps);
        uint64_t off = d->rx_issued;
        for (size_t i = 0; i < cs.size(); i++) {
            Cpl cp;
            cp.ready = double(d->n) + d->lat_cycles;
            cp.kind = CPL_DATA;
            cp.ch = SLUICE_DMA_H2C;
            cp.target = w->target;
            cp.bus = a;
            cp.rx_off = off;
            cp.len = cs[i];
            cp.last = i + 1 == cs.size();
            d->cpls.push_back(cp);
            a += cs[i];
            off += cs[i];
        }
        d->rx_issued += sz;
        ds.issued += sz;
        if (ds.issued >= ds.len_eff) d->h2c_issue_i++;
        return R_SENT;
    }
    return R_NODESC;
}

// ---- host completer: completions downstream ----
void run_completer(sluice_dma* d) {
    while (!d->cpls.empty()) {
        Cpl& cp = d->cpls.front();
        if (cp.ready > double(d->n) + 1e-9) break;
        Budget& cap = d->cap_down[cp.target];
        if (!cap.ok()) {
            if (cp.kind == CPL_DATA) d->st[S_H2C_ST_CAP]++;
            break;
        }
        if (!d->down.bud.ok()) break;
        const Window* w;
        check(d, cp.bus, cp.len, SLUICE_DMA_READ, &w);
        uint64_t at = d->down.send(d->n, tlp_wire(d, CPL_HDR_DW, cp.len));
        d->up.owe_for_tlp();
        cap.take(cp.len);
        if (cp.kind == CPL_DESC) {
            Channel& c = d->chn[cp.ch];
            Desc* ds = c.by_seq(cp.desc_seq);
            if (ds) {
                const uint8_t* m = w->ptr + (cp.bus - w->bus);
                std::memcpy(&ds->flags, m + 0, 4);
                std::memcpy(&ds->len, m + 4, 4);
                std::memcpy(&ds->src, m + 8, 8);
                std::memcpy(&ds->dst, m + 16, 8);
                ds->parsed = true;
                ds->ready_at = at;
            }
            d->arrivals.push_back({at, 0, true});
        } else {
            const uint8_t* m = w->ptr + (cp.bus - w->bus);
            size_t rs = d->rx.size();
            for (uint32_t i = 0; i < cp.len;) {  // copy into the receive ring
                size_t pos = size_t((cp.rx_off + i) % rs);
                uint32_t k = uint32_t(std::min<size_t>(cp.len - i, rs - pos));
                std::memcpy(&d->rx[pos], m + i, k);
                i += k;
            }
            d->arrivals.push_back({at, cp.len, cp.last});
        }
        d->cpls.pop_front();
    }
}

// ---- H2C delivery to the design ----
// Bytes from the front of the stream to the end of the first EOP descriptor; UINT64_MAX if not known yet.
uint64_t h2c_to_eop(sluice_dma* d, bool* eop_known) {
    Channel& c = d->chn[SLUICE_DMA_H2C];
    uint64_t sum = 0;
    for (size_t i = 0; i < c.dq.size(); i++) {
        Desc& ds = c.dq[i];
        if (d->n < ds.ready_at || !ds.checked) break;
        sum += ds.len_eff - ds.delivered;
        if (ds.flags & SLUICE_DMA_DESC_EOP) { *eop_known = true; return sum; }
    }
    *eop_known = false;
    return UINT64_MAX;
}

void h2c_take(sluice_dma* d) {
    Channel& c = d->chn[SLUICE_DMA_H2C];
    uint32_t nb = d->h2c_pres_bytes;
    d->rx_consumed += nb;
    d->st[S_H2C_BYTES] += nb;
    d->st[S_H2C_BEATS]++;
    if (d->h2c_pres_last) d->st[S_H2C_PACKETS]++;
    // retire the bytes from the descriptors in order; a tlast beat also retires the zero-length
    // descriptors up to and including its EOP descriptor
    uint32_t left = nb;
    const bool last = d->h2c_pres_last;
    // the front descriptor may still have read requests to issue (a descriptor larger than the receive
    // buffer streams out while it is being fetched): its delivered bytes count all the same, and it can
    // only complete once every byte was delivered, i.e. after its last request was issued
    while (!c.dq.empty()) {
        Desc& ds = c.dq.front();
        uint32_t k = std::min(left, ds.len_eff - ds.delivered);
        ds.delivered += k;
        left -= k;
        if (ds.delivered < ds.len_eff || d->h2c_issue_i == 0) break;
        const bool eop = (ds.flags & SLUICE_DMA_DESC_EOP) != 0;
        if (eop && !last) break;  // cannot happen: a beat never crosses an EOP
        CtrlWrite cw;
        complete_desc(d, c, ds, ds.delivered, ds.status, eop, &cw);
        d->h2c_ctrl.push_back(cw);
        c.dq.pop_front();
        d->h2c_issue_i--;
        if (eop || (left == 0 && !last)) break;
    }
    d->h2c_pres = false;
}

void h2c_present(sluice_dma* d, sluice_dma_ports* p) {
    Channel& c = d->chn[SLUICE_DMA_H2C];
    // zero-length non-EOP descriptors (empty or refused) complete without a beat
    while (!c.dq.empty() && d->h2c_issue_i > 0) {
        Desc& ds = c.dq.front();
        if (ds.len_eff != 0 || ds.delivered != 0 || (ds.flags & SLUICE_DMA_DESC_EOP)) break;
        CtrlWrite cw;
        complete_desc(d, c, ds, 0, ds.status, false, &cw);
        d->h2c_ctrl.push_back(cw);
        c.dq.pop_front();
        d->h2c_issue_i--;
    }
    if (d->h2c_pres) return;
    bool eop_known = false;
    uint64_t to_eop = h2c_to_eop(d, &eop_known);
    uint64_t avail = d->rx_valid - d->rx_consumed;
    uint64_t want = std::min<uint64_t>(uint64_t(d->P.h2c_bytes), to_eop);
    if (!eop_known && want == 0) return;
    if (avail < want || (want == 0 && !eop_known)) return;
    if (!eop_known && avail < uint64_t(d->P.h2c_bytes)) return;
    uint32_t nb = uint32_t(want);
    size_t rs = d->rx.size();
    for (uint32_t i = 0; i < nb;) {
        size_t pos = size_t((d->rx_consumed + i) % rs);
        uint32_t k = uint32_t(std::min<size_t>(nb - i, rs - pos));
        std::memcpy(p->h2c_tdata + i, &d->rx[pos], k);
        i += k;
    }
    d->h2c_pres = true;
    d->h2c_pres_bytes = nb;
    d->h2c_pres_last = eop_known && want == to_eop;
}

// ---- C2H engine: data TLPs, then the write-back, then the MSI ----
enum { C_SENT, C_NODESC, C_DESIGN, C_CREDITS, C_CAP, C_LINK, C_IDLE };
int try_c2h(sluice_dma* d) {
    Channel& c = d->chn[SLUICE_DMA_C2H];
    for (;;) {
        if (c.dq.empty() || d->n < c.dq.front().ready_at) {
            return (d->f_in > d->f_out || !d->pkt_ends.empty()) ? C_NODESC : C_IDLE;
        }
        Desc& ds = c.dq.front();
        if (d->c2h_state == C2H_DATA) {
            bool end_known = !d->pkt_ends.empty();
            uint64_t rem = end_known ? d->pkt_ends.front() - d->f_out : UINT64_MAX;
            uint64_t avail = d->f_in - d->f_out;
            if (rem == 0) {  // packet complete
                d->pkt_ends.pop_front();
                d->c2h_state = C2H_WB;
                d->st[S_C2H_PACKETS]++;
                continue;
            }
            if (d->pkt_written < ds.len) {
                uint64_t a = ds.dst + d->pkt_written;
                uint32_t sz = uint32_t(std::min<uint64_t>({uint64_t(d->P.mps - a % d->P.mps),
                                                           uint64_t(ds.len - d->pkt_written), rem}));
                if (avail < sz) return C_DESIGN;
                const Window* w;
                uint32_t s = check(d, a, sz, SLUICE_DMA_WRITE, &w);
                int target = w ? w->target : SLUICE_DMA_HOST;
                if (!credits_ok(d, sz)) return C_CREDITS;
                if (!d->cap_up[target].ok()) return C_CAP;
                if (!d->up.bud.ok()) return C_LINK;
                post_write(d, sz);
                d->cap_up[target].take(sz);
                if (d->pkt_written == 0) d->pkt_first_tlp = d->n;
                if (s == SLUICE_DMA_ST_OK) {
                    uint8_t* m = w->ptr + (a - w->bus);
                    size_t fs = d->fifo.size();
                    for (uint32_t i = 0; i < sz;) {
                        size_t pos = size_t((d->f_out + i) % fs);
                        uint32_t k = uint32_t(std::min<size_t>(sz - i, fs - pos));
                        std::memcpy(m + i, &d->fifo[pos], k);
                        i += k;
                    }
                    d->st[S_C2H_WRITTEN] += sz;
                } else {  // the IOMMU drops it
                    d->st[S_DROPPED_TLPS]++;
                    if (d->pkt_status == SLUICE_DMA_ST_OK) { d->pkt_status = s; count_err(d, s); }
                }
                d->f_out += sz;
                d->pkt_written += sz;
                return C_SENT;
            }
            // the buffer is full but the packet goes on: drain it (short buffer)
            uint64_t k = std::min(avail, rem);
            if (k == 0) return C_DESIGN;
            if (d->pkt_status == SLUICE_DMA_ST_OK) { d->pkt_status = SLUICE_DMA_ST_SHORT; count_err(d, SLUICE_DMA_ST_SHORT); }
            d->f_out += k;
            d->pkt_len += k;
            continue;
        }
        if (d->c2h_state == C2H_WB) {
            if (!credits_ok(d, 16)) return C_CREDITS;
            const Window* w;
            uint64_t bus = c.cmpt_base + uint64_t(ds.index) * 16;
            check(d, bus, 16, SLUICE_DMA_WRITE, &w);
            int target = w ? w->target : SLUICE_DMA_HOST;
            if (!d->cap_up[target].ok()) return C_CAP;
            if (!d->up.bud.ok()) return C_LINK;
            post_write(d, 16);
            d->cap_up[target].take(16);
            CtrlWrite cw;
            uint32_t bytes = d->pkt_written;
            if (bytes > 0) {  // per transfer: first data TLP to its write-back, both edges counted
                d->st[S_C2H_XFER_BYTES] += bytes;
                d->st[S_C2H_XFER_CYCLES] += d->n - d->pkt_first_tlp + 1;
            }
            complete_desc(d, c, ds, bytes, d->pkt_status, true, &cw);
            writeback_landed(d, c, cw);
            if (cw.msi) { d->c2h_state = C2H_MSI; return C_SENT; }
        } else {  // C2H_MSI
            if (!credits_ok(d, 4)) return C_CREDITS;
            if (!d->up.bud.ok()) return C_LINK;
            post_write(d, 4);
            msi_sent(d, c);
        }
        c.dq.pop_front();
        d->c2h_state = C2H_DATA;
        d->pkt_written = 0;
        d->pkt_status = SLUICE_DMA_ST_OK;
        d->pkt_len = 0;
        return C_SENT;
    }
}

// H2C write-backs / MSIs (posted, upstream)
bool try_h2c_ctrl(sluice_dma* d) {
    if (d->h2c_ctrl.empty()) return false;
    CtrlWrite& cw = d->h2c_ctrl.front();
    Channel& c = d->chn[SLUICE_DMA_H2C];
    uint32_t payload = cw.is_msi_only ? 4 : 16;
    if (!credits_ok(d, payload) || !d->up.bud.ok()) return false;
    if (!cw.is_msi_only) {
        const Window* w;
        check(d, cw.bus, 16, SLUICE_DMA_WRITE, &w);
        int target = w ? w->target : SLUICE_DMA_HOST;
        if (!d->cap_up[target].ok()) return false;
        d->cap_up[target].take(16);
        post_write(d, 16);
        writeback_landed(d, c, cw);
        if (cw.msi) { cw.is_msi_only = true; return true; }
    } else {
        post_write(d, 4);
        msi_sent(d, c);
    }
    d->h2c_ctrl.pop_front();
    return true;
}

void process_notes(sluice_dma* d) {
    for (Channel& c : d->chn) {
        while (!c.notes.empty() && c.notes.front().at <= d->n) {
            const Notify& nt = c.notes.front();
            if (nt.completed > c.host_completed) {
                c.host_completed = nt.completed;
                if (nt.at != c.last_note_at) {  // one interrupt / one poll tick: one event
                    c.events++;
                    c.last_note_at = nt.at;
                    d->st[c.ch == SLUICE_DMA_H2C ? S_H2C_EVENTS : S_C2H_EVENTS]++;
                }
            }
            c.notes.pop_front();
        }
    }
}

void reset_ring(sluice_dma* d, Channel& c) {
    c.tail = c.head = c.fetch_idx = 0;
    (void)d;
}

}  // namespace

extern "C" {

const char* sluice_dma_last_error(void) { return g_err.c_str(); }

void sluice_dma_default_params(sluice_dma_params* p) {
    std::memset(p, 0, sizeof(*p));
    p->gen = 3;
    p->lanes = 16;
    p->mps = 256;
    p->mrrs = 512;
    p->rcb = 64;
    p->addr64 = 1;
    p->read_latency_ns = 800;
    p->read_tags = 64;
    p->posted_header_credits = 64;
    p->posted_data_credits = 1024;
    p->credit_return_ns = 500;
    p->ack_every_tlps = 4;
    p->fc_update_every_tlps = 8;
    p->skp_interval_blocks = 370;
    p->host_cap_gbps = INFINITY;
    p->gpu_cap_gbps = 6.0;
    p->desc_bytes = 32;
    p->writeback_bytes = 16;
    p->irq_latency_ns = 2000;
    p->poll_interval_ns = 0;
    p->use_polling = 0;
    p->user_clock_mhz = 250;
    p->h2c_bytes = 64;
    p->c2h_bytes = 64;
    p->desc_prefetch = 32;
    p->c2h_fifo_bytes = 16384;
    p->h2c_rx_bytes = 65536;
}

static bool pow2_in(int v, int lo, int hi) { return v >= lo && v <= hi && (v & (v - 1)) == 0; }

sluice_dma* sluice_dma_create(const sluice_dma_params* p) {
    const sluice_dma_params& P = *p;
    g_err.clear();
    if (P.gen < 1 || P.gen > 5) g_err = "gen must be 1..5";
    else if (!(P.lanes == 1 || P.lanes == 2 || P.lanes == 4 || P.lanes == 8 || P.lanes == 16)) g_err = "lanes must be 1,2,4,8,16";
    else if (!pow2_in(P.mps, 128, 4096) || !pow2_in(P.mrrs, 128, 4096)) g_err = "mps/mrrs must be powers of two in 128..4096";
    else if (P.rcb != 64 && P.rcb != 128) g_err = "rcb must be 64 or 128";
    else if (P.desc_bytes != 32 || P.writeback_bytes != 16) g_err = "desc_bytes must be 32 and writeback_bytes 16";
    else if (P.h2c_bytes < 8 || P.h2c_bytes > 256 || P.c2h_bytes < 8 || P.c2h_bytes > 256) g_err = "h2c_bytes/c2h_bytes must be 8..256";
    else if (P.read_tags < 1 || P.posted_header_credits < 1 || P.posted_data_credits < 256 / CREDIT_BYTES ||
             P.posted_data_credits * CREDIT_BYTES < P.mps)
        g_err = "need at least one tag, one header credit and data credits for one MPS TLP";
    else if (!(P.user_clock_mhz > 0) || P.desc_prefetch < 1 || P.ack_every_tlps < 1 || P.fc_update_every_tlps < 1 ||
             P.skp_interval_blocks < 1)
        g_err = "bad clock, prefetch, DLLP or SKP setting";
    else if (P.c2h_fifo_bytes < P.mps + P.c2h_bytes || P.h2c_rx_bytes < P.mrrs + P.h2c_bytes)
        g_err = "c2h_fifo_bytes must hold MPS + a beat, h2c_rx_bytes MRRS + a beat";
    if (!g_err.empty()) return nullptr;
    sluice_dma* d = new sluice_dma();
    d->P = P;
    d->cyc_ns = 1e3 / P.user_clock_mhz;
    double enc = P.gen <= 2 ? 0.8 : 128.0 / 130.0;
    double raw_per_cycle = GT[P.gen] * P.lanes * enc / 8 * d->cyc_ns * 1e-9;
    for (Link* l : {&d->up, &d->down}) {
        l->bud.set_rate(raw_per_cycle);
        l->ack_every = uint32_t(P.ack_every_tlps);
        l->fc_every = uint32_t(P.fc_update_every_tlps);
        if (P.gen >= 3) {  // one 16-byte-per-lane SKP ordered set after every skp_interval_blocks blocks
            l->skp_bytes = 16.0 * P.lanes;
            l->skp_period = 16.0 * P.lanes * (P.skp_interval_blocks + 1);
        } else {  // Gen1/2: as models/pcie.py, 1/1180 of the symbols
            l->skp_bytes = 1.0 * P.lanes;
            l->skp_period = 1180.0 * P.lanes;
        }
    }
    d->up.wire = &d->st[S_UP_WIRE]; d->up.tlps = &d->st[S_UP_TLPS]; d->up.dllps = &d->st[S_UP_DLLPS];
    d->up.busy = &d->st[S_UP_BUSY]; d->up.skp = &d->st[S_UP_SKP];
    d->down.wire = &d->st[S_DOWN_WIRE]; d->down.tlps = &d->st[S_DOWN_TLPS]; d->down.dllps = &d->st[S_DOWN_DLLPS];
    d->down.busy = &d->st[S_DOWN_BUSY]; d->down.skp = &d->st[S_DOWN_SKP];
    double caps[2] = {P.host_cap_gbps, P.gpu_cap_gbps};
    for (int t = 0; t < 2; t++) {
        d->cap_up[t].set_rate(caps[t] * 1e9 * d->cyc_ns * 1e-9);
        d->cap_down[t].set_rate(caps[t] * 1e9 * d->cyc_ns * 1e-9);
        // a target absorbs up to one MPS TLP while the link is busy with something else (its posted buffer)
        d->cap_up[t].bank = d->cap_down[t].bank = P.mps;
    }
    d->hdr_credits = P.posted_header_credits;
    d->data_credits = P.posted_data_credits;
    d->tags = P.read_tags;
    d->lat_cycles = P.read_latency_ns / d->cyc_ns;
    d->irq_cycles = P.irq_latency_ns / d->cyc_ns;
    d->poll_cycles = P.poll_interval_ns / d->cyc_ns;
    d->cred_cycles = P.credit_return_ns / d->cyc_ns;
    for (int ch = 0; ch < 2; ch++) {
        d->chn[ch].ch = ch;
        d->chn[ch].ctrl = P.use_polling ? 0 : 2;
    }
    d->rx.assign(size_t(P.h2c_rx_bytes), 0);
    d->fifo.assign(size_t(P.c2h_fifo_bytes), 0);
    d->h2c_own.assign(size_t(P.h2c_bytes), 0);
    return d;
}

void sluice_dma_destroy(sluice_dma* d) { delete d; }

int sluice_dma_map(sluice_dma* d, uint64_t bus, uint64_t size, void* ptr, int target, int perm) {
    if (!size || !ptr || (target != 0 && target != 1) || perm < 1 || perm > 3 || bus + size < bus) return -1;
    for (const Window& w : d->win)
        if (w.live && bus < w.bus + w.size && w.bus < bus + size) return -1;
    Window w;
    w.bus = bus; w.size = size; w.ptr = static_cast<uint8_t*>(ptr); w.target = target; w.perm = perm; w.live = true;
    for (size_t i = 0; i < d->win.size(); i++)
        if (!d->win[i].live) { d->win[i] = w; return int(i); }
    d->win.push_back(w);
    return int(d->win.size() - 1);
}

int sluice_dma_unmap(sluice_dma* d, int id) {
    if (id < 0 || size_t(id) >= d->win.size() || !d->win[size_t(id)].live) return -1;
    d->win[size_t(id)].live = false;
    return 0;
}

void sluice_dma_reg_write(sluice_dma* d, uint32_t addr, uint32_t v) {
    uint32_t ch = addr >> 12, off = addr & 0xFFF;
    if (ch > 1) return;
    Channel& c = d->chn[ch];
    switch (off) {
        case SLUICE_DMA_REG_CTRL:
            if ((v & 1) && !(c.ctrl & 1)) c.halted = false;
            c.ctrl = v & 3;
            break;
        case SLUICE_DMA_REG_RING_SIZE: c.ring_size = std::min<uint32_t>(std::max<uint32_t>(v, 0), 65536); reset_ring(d, c); break;
        case SLUICE_DMA_REG_RING_LO: c.ring_base = (c.ring_base & ~0xFFFFFFFFull) | v; reset_ring(d, c); break;
        case SLUICE_DMA_REG_RING_HI: c.ring_base = (c.ring_base & 0xFFFFFFFFull) | (uint64_t(v) << 32); reset_ring(d, c); break;
        case SLUICE_DMA_REG_CMPT_LO: c.cmpt_base = (c.cmpt_base & ~0xFFFFFFFFull) | v; break;
        case SLUICE_DMA_REG_CMPT_HI: c.cmpt_base = (c.cmpt_base & 0xFFFFFFFFull) | (uint64_t(v) << 32); break;
        case SLUICE_DMA_REG_TAIL: c.tail = c.ring_size ? v % c.ring_size : 0; break;
        default: break;
    }
}

uint32_t sluice_dma_reg_read(sluice_dma* d, uint32_t addr) {
    uint32_t ch = addr >> 12, off = addr & 0xFFF;
    if (ch > 1) return 0;
    Channel& c = d->chn[ch];
    switch (off) {
        case SLUICE_DMA_REG_ID: return 0x51D3A000u | ch;
        case SLUICE_DMA_REG_CTRL: return c.ctrl;
        case SLUICE_DMA_REG_STATUS: {
            bool busy = !c.dq.empty() || (c.ring_size && c.fetch_idx != c.tail % c.ring_size);
            return (c.running() ? 1u : 0u) | (busy ? 2u : 0u) | (c.halted ? 4u : 0u);
        }
        case SLUICE_DMA_REG_RING_SIZE: return c.ring_size;
        case SLUICE_DMA_REG_RING_LO: return uint32_t(c.ring_base);
        case SLUICE_DMA_REG_RING_HI: return uint32_t(c.ring_base >> 32);
        case SLUICE_DMA_REG_CMPT_LO: return uint32_t(c.cmpt_base);
        case SLUICE_DMA_REG_CMPT_HI: return uint32_t(c.cmpt_base >> 32);
        case SLUICE_DMA_REG_TAIL: return c.tail;
        case SLUICE_DMA_REG_HEAD: return c.head;
        case SLUICE_DMA_REG_COMPLETED: return uint32_t(c.completed);
        case SLUICE_DMA_REG_ERRORS: return uint32_t(c.errors);
        case SLUICE_DMA_REG_EVENTS: return uint32_t(c.events);
        default: return 0;
    }
}

void sluice_dma_step(sluice_dma* d, sluice_dma_ports* p) {
    if (!p->h2c_tdata) p->h2c_tdata = d->h2c_own.data();
    d->n++;
    const uint64_t n = d->n;
    d->st[S_CYCLES] = n;
    // 1. handshakes at this edge
    if (d->h2c_pres && p->h2c_tready) h2c_take(d);
    else if (d->h2c_pres) d->st[S_H2C_ST_DESIGN]++;
    if (p->c2h_tvalid && d->c2h_ready) {
        uint32_t nb = std::min<uint32_t>(p->c2h_tbytes, uint32_t(d->P.c2h_bytes));
        size_t fs = d->fifo.size();
        for (uint32_t i = 0; i < nb;) {
            size_t pos = size_t((d->f_in + i) % fs);
            uint32_t k = uint32_t(std::min<size_t>(nb - i, fs - pos));
            std::memcpy(&d->fifo[pos], p->c2h_tdata + i, k);
            i += k;
        }
        d->f_in += nb;
        if (p->c2h_tlast) d->pkt_ends.push_back(d->f_in);
        d->st[S_C2H_BYTES] += nb;
        d->st[S_C2H_BEATS]++;
    } else if (p->c2h_tvalid) {
        d->st[S_C2H_ST_FIFO]++;
    }
    // 2. arrivals, returned credits, notifications
    while (!d->arrivals.empty() && d->arrivals.front().at <= n) {
        d->rx_valid += d->arrivals.front().rx_bytes;
        if (d->arrivals.front().free_tag) d->tags++;
        d->arrivals.pop_front();
    }
    while (!d->cred_ret.empty() && d->cred_ret.front().at <= n) {
        d->hdr_credits += int(d->cred_ret.front().hdr);
        d->data_credits += int(d->cred_ret.front().data);
        d->cred_ret.pop_front();
    }
    process_notes(d);
    // 3. the link this cycle
    d->up.tick();
    d->down.tick();
    for (int t = 0; t < 2; t++) { d->cap_up[t].tick(); d->cap_down[t].tick(); }
    run_completer(d);
    int h2c_r = R_NONE, c2h_r = C_IDLE;
    for (;;) {  // upstream arbitration: descriptor fetches, read requests, H2C write-backs, C2H data
        bool any = false;
        any |= try_desc_fetch(d, d->chn[SLUICE_DMA_C2H]);
        any |= try_desc_fetch(d, d->chn[SLUICE_DMA_H2C]);
        h2c_r = try_h2c_request(d);
        any |= h2c_r == R_SENT;
        any |= try_h2c_ctrl(d);
        c2h_r = try_c2h(d);
        any |= c2h_r == C_SENT;
        if (!any) break;
    }
    // stall attribution: why each channel's engine stopped this cycle
    Channel& hc = d->chn[SLUICE_DMA_H2C];
    if (h2c_r == R_TAGS) d->st[S_H2C_ST_TAGS]++;
    else if (h2c_r == R_RXBUF) d->st[S_H2C_ST_RXBUF]++;
    else if (h2c_r == R_LINK) d->st[S_H2C_ST_LINK]++;
    else if (h2c_r == R_NODESC && hc.running()) d->st[S_H2C_ST_NODESC]++;
    if (c2h_r == C_NODESC) d->st[S_C2H_ST_NODESC]++;
    else if (c2h_r == C_DESIGN) d->st[S_C2H_ST_DESIGN]++;
    else if (c2h_r == C_CREDITS) d->st[S_C2H_ST_CREDITS]++;
    else if (c2h_r == C_CAP) d->st[S_C2H_ST_CAP]++;
    else if (c2h_r == C_LINK) d->st[S_C2H_ST_LINK]++;
    d->up.end_cycle();
    d->down.end_cycle();
    for (int t = 0; t < 2; t++) { d->cap_up[t].clamp(); d->cap_down[t].clamp(); }
    // 4. registered outputs for the next edge
    h2c_present(d, p);
    p->h2c_tvalid = d->h2c_pres;
    p->h2c_tbytes = d->h2c_pres ? d->h2c_pres_bytes : 0;
    p->h2c_tlast = d->h2c_pres && d->h2c_pres_last;
    d->c2h_ready = d->chn[SLUICE_DMA_C2H].running() &&
                   d->fifo.size() - (d->f_in - d->f_out) >= size_t(d->P.c2h_bytes);
    p->c2h_tready = d->c2h_ready;
}

uint64_t sluice_dma_poll(sluice_dma* d, int ch, uint64_t* events) {
    if (ch < 0 || ch > 1) return 0;
    process_notes(d);
    if (events) *events = d->chn[ch].events;
    return d->chn[ch].host_completed;
}

int sluice_dma_stat_count(void) { return S_N; }
const char* sluice_dma_stat_name(int i) { return i >= 0 && i < S_N ? STAT_NAMES[i] : ""; }
uint64_t sluice_dma_stat(const sluice_dma* d, int i) { return i >= 0 && i < S_N ? d->st[i] : 0; }
uint64_t sluice_dma_cycles(const sluice_dma* d) { return d->n; }

// ---------------------------------------------------------------- self-test loops
static inline uint8_t pattern(uint64_t stream_off) {
    return uint8_t((stream_off * 131u) ^ (stream_off >> 8) ^ (stream_off >> 17));
}

static const uint64_t ST_RING = 0x700000000000ull, ST_CMPT = 0x710000000000ull, ST_DATA = 0x720000000000ull;

static void put_desc(uint8_t* ring, uint32_t idx, uint32_t flags, uint32_t len, uint64_t src, uint64_t dst) {
    uint8_t* r = ring + size_t(idx) * 32;
    std::memset(r, 0, 32);
    std::memcpy(r + 0, &flags, 4);
    std::memcpy(r + 4, &len, 4);
    std::memcpy(r + 8, &src, 8);
    std::memcpy(r + 16, &dst, 8);
}

// Host + design loop shared by both directions.
static double run_stream(sluice_dma* d, int ch, int target, uint32_t count, uint32_t size) {
    if (count < 4 || size == 0 || (target != 0 && target != 1)) return -4;
    const uint32_t R = 1024;
    uint32_t nbuf = uint32_t(std::max<uint64_t>(1, std::min<uint64_t>(R, (uint64_t(8) << 20) / size)));
    d->own_mem.emplace_back(size_t(R) * 32, 0);
    uint8_t* ring = d->own_mem.back().data();
    d->own_mem.emplace_back(size_t(R) * 16, 0);
    uint8_t* cmpt = d->own_mem.back().data();
    d->own_mem.emplace_back(size_t(nbuf) * size, 0);
    uint8_t* data = d->own_mem.back().data();
    const uint32_t base = SLUICE_DMA_CH_BASE(ch);
    uint64_t ring_bus = ST_RING + uint64_t(ch) * 0x1000000, cmpt_bus = ST_CMPT + uint64_t(ch) * 0x1000000;
    uint64_t data_bus = ST_DATA + uint64_t(ch) * 0x100000000ull;
    if (sluice_dma_map(d, ring_bus, size_t(R) * 32, ring, SLUICE_DMA_HOST, SLUICE_DMA_READ) < 0 ||
        sluice_dma_map(d, cmpt_bus, size_t(R) * 16, cmpt, SLUICE_DMA_HOST, SLUICE_DMA_WRITE) < 0 ||
        sluice_dma_map(d, data_bus, uint64_t(nbuf) * size, data, target,
                       ch == SLUICE_DMA_H2C ? SLUICE_DMA_READ : SLUICE_DMA_WRITE) < 0)
        return -4;
    if (ch == SLUICE_DMA_H2C)  // the source text: the pattern of its stream offset (every buffer = batch 0..)
        for (uint64_t i = 0; i < uint64_t(nbuf) * size; i++) data[i] = pattern(i);
    sluice_dma_reg_write(d, base + SLUICE_DMA_REG_RING_SIZE, R);
    sluice_dma_reg_write(d, base + SLUICE_DMA_REG_RING_LO, uint32_t(ring_bus));
    sluice_dma_reg_write(d, base + SLUICE_DMA_REG_RING_HI, uint32_t(ring_bus >> 32));
    sluice_dma_reg_write(d, base + SLUICE_DMA_REG_CMPT_LO, uint32_t(cmpt_bus));
    sluice_dma_reg_write(d, base + SLUICE_DMA_REG_CMPT_HI, uint32_t(cmpt_bus >> 32));
    uint32_t irq_flag = (sluice_dma_reg_read(d, base + SLUICE_DMA_REG_CTRL) & 2) ? SLUICE_DMA_DESC_IRQ : 0;
    // The host keeps the ring full past the measured transfers (and the source keeps going), so the last
    // measured ones still share the link with the next descriptors' fetches: steady state to the end.
    const uint32_t run_count = count + uint32_t(d->P.desc_prefetch) + 8;
    uint32_t posted = 0, tail = 0;
    auto post = [&](uint32_t upto) {
        while (posted < upto && posted < run_count) {
            uint64_t buf = data_bus + uint64_t(posted % nbuf) * size;
            put_desc(ring, tail, SLUICE_DMA_DESC_EOP | irq_flag, size, ch == SLUICE_DMA_H2C ? buf : 0,
                     ch == SLUICE_DMA_C2H ? buf : 0);
            tail = (tail + 1) % R;
            posted++;
        }
        sluice_dma_reg_write(d, base + SLUICE_DMA_REG_TAIL, tail);
    };
    post(std::min<uint32_t>(R - 1, nbuf));
    sluice_dma_reg_write(d, base + SLUICE_DMA_REG_CTRL, (sluice_dma_reg_read(d, base + SLUICE_DMA_REG_CTRL) & 2) | 1);
    std::vector<uint64_t> done_at(run_count, 0);
    std::vector<uint8_t> beat(256, 0);
    sluice_dma_ports p{};
    uint64_t src_off = 0, sink_off = 0;  // C2H source / H2C sink stream positions
    bool src_valid = false;
    uint32_t src_bytes = 0;
    bool src_last = false;
    uint64_t seen_done = 0, host_done = 0;
    const uint64_t total = uint64_t(run_count) * size;
    const uint64_t start = d->n;
    const uint64_t limit = start + 20000000ull + total;  // generous: a stuck model ends, never hangs
    const uint32_t cb = uint32_t(d->P.c2h_bytes);
    bool bad = false;
    while (seen_done < count && d->n < limit) {
        // the design's outputs for this edge
        p.h2c_tready = 1;
        if (ch == SLUICE_DMA_C2H && !src_valid && src_off < total) {
            uint64_t in_batch = src_off % size;
            src_bytes = uint32_t(std::min<uint64_t>(cb, size - in_batch));
            for (uint32_t i = 0; i < src_bytes; i++) beat[i] = pattern(in_batch + i + (src_off / size) * 7);
            src_last = in_batch + src_bytes == size;
            src_valid = true;
        }
        p.c2h_tdata = beat.data();
        p.c2h_tvalid = src_valid;
        p.c2h_tbytes = src_valid ? src_bytes : 0;
        p.c2h_tlast = src_valid && src_last;
        bool ready_before = p.c2h_tready;
        bool h2c_valid_before = p.h2c_tvalid;
        uint32_t h2c_bytes_before = p.h2c_tbytes;
        if (ch == SLUICE_DMA_H2C && h2c_valid_before) {
            for (uint32_t i = 0; i < h2c_bytes_before && !bad; i++) {  // the sink checks every byte it takes
                uint64_t off = (sink_off + i) % (uint64_t(nbuf) * size);
                if (p.h2c_tdata[i] != pattern(off)) bad = true;
            }
            sink_off += h2c_bytes_before;
        }
        sluice_dma_step(d, &p);
        if (src_valid && ready_before) { src_off += src_bytes; src_valid = false; }
        // completions as the hardware makes them (for timing) and as the host sees them (for refilling)
        uint64_t c_now = d->chn[ch].completed;
        while (seen_done < c_now && seen_done < run_count) done_at[seen_done++] = d->n;
        uint64_t ev;
        uint64_t hv = sluice_dma_poll(d, ch, &ev);
        if (hv > host_done) {
            for (uint64_t i = host_done; i < hv; i++) {
                const uint8_t* r = cmpt + size_t(i % R) * 16;
                uint32_t bytes, status;
                std::memcpy(&bytes, r, 4);
                std::memcpy(&status, r + 4, 4);
                if (status != 0 || bytes != size) return -3;
                if (ch == SLUICE_DMA_C2H) {  // the batch landed byte-exact in its buffer
                    const uint8_t* b = data + size_t(i % nbuf) * size;
                    for (uint32_t k = 0; k < size; k += (k + 13 < size ? 13 : 1))
                        if (b[k] != pattern(k + i * 7)) return -2;
                }
            }
            host_done = hv;
            post(uint32_t(std::min<uint64_t>(host_done + R - 1, host_done + nbuf)));
        }
        if (bad) return -2;
    }
    if (seen_done < count) return -1;
    uint32_t skip = count / 4;
    double cyc = double(done_at[count - 1] - done_at[skip]);
    if (cyc <= 0) return -4;
    return double(count - 1 - skip) * size / (cyc * d->cyc_ns * 1e-9);
}

double sluice_dma_run_c2h_stream(sluice_dma* d, int target, uint32_t nbatches, uint32_t batch_bytes) {
    return run_stream(d, SLUICE_DMA_C2H, target, nbatches, batch_bytes);
}
double sluice_dma_run_h2c_stream(sluice_dma* d, int target, uint32_t ndesc, uint32_t desc_bytes) {
    return run_stream(d, SLUICE_DMA_H2C, target, ndesc, desc_bytes);
}

}  // extern "C"
