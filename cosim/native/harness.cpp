// SPDX-License-Identifier: Apache-2.0
// Sluice native simulation harness: drives a Verilated top in bulk, no per-cycle Python.
//
// Compiled together with the model by cosim/native/build.py; the per-top part
// (port table, clock member) comes from the generated sluice_ports.h. Python reaches
// everything through the extern "C" functions at the bottom (cosim/native/sim.py).
//
// Cycle contract (one call of cycle()):
//   clk=0, eval     -> combinational outputs settle for the inputs set last cycle
//   sample          -> every agent records the handshakes of this rising edge
//                      (source beat taken if tvalid&&tready, sink beat if tvalid&&tready,
//                      AXI-Lite channels, DMA model step)
//   clk=1, eval     -> the rising edge, inputs unchanged
//   update          -> every agent sets its inputs for the next cycle
// so inputs change only after an edge, as registered testbench drivers would.

#include "sluice_ports.h"  // generated: Vtop include, port table, SLUICE_CLK

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#if VM_TRACE
#include "verilated_fst_c.h"
#endif

#include "sluice_dma_ports.h"

namespace {

struct PortRef {
    void* ptr = nullptr;
    int width = 0;
    int dir = 0;  // 0 in, 1 out
};

inline int storage_bytes(int width) {
    if (width <= 8) return 1;
    if (width <= 16) return 2;
    if (width <= 32) return 4;
    if (width <= 64) return 8;
    return 4 * ((width + 31) / 32);
}

inline uint64_t get_u64(const PortRef& p) {
    switch (storage_bytes(p.width)) {
        case 1: return *static_cast<const uint8_t*>(p.ptr);
        case 2: return *static_cast<const uint16_t*>(p.ptr);
        case 4: return *static_cast<const uint32_t*>(p.ptr);
        case 8: return *static_cast<const uint64_t*>(p.ptr);
        default: {
            uint64_t v;
            std::memcpy(&v, p.ptr, 8);
            return v;
        }
    }
}

inline void set_u64(const PortRef& p, uint64_t v) {
    if (p.width < 64) v &= (uint64_t(1) << p.width) - 1;
    switch (storage_bytes(p.width)) {
        case 1: *static_cast<uint8_t*>(p.ptr) = uint8_t(v); break;
        case 2: *static_cast<uint16_t*>(p.ptr) = uint16_t(v); break;
        case 4: *static_cast<uint32_t*>(p.ptr) = uint32_t(v); break;
        case 8: *static_cast<uint64_t*>(p.ptr) = v; break;
        default: {
            const int sb = storage_bytes(p.width);
            std::memset(p.ptr, 0, sb);
            std::memcpy(p.ptr, &v, 8);
        }
    }
}

// little-endian byte image in, zero-extended, top bits masked (x86: storage is little-endian)
inline void set_bytes(const PortRef& p, const uint8_t* src, uint32_t n) {
    const uint32_t sb = storage_bytes(p.width), nb = (p.width + 7) / 8;
    uint8_t* dst = static_cast<uint8_t*>(p.ptr);
    const uint32_t c = n < nb ? n : nb;
    std::memcpy(dst, src, c);
    if (sb > c) std::memset(dst + c, 0, sb - c);
    if (p.width % 8) dst[nb - 1] &= uint8_t((1u << (p.width % 8)) - 1);
}

inline void get_bytes(const PortRef& p, uint8_t* out, uint32_t n) {
    const uint32_t nb = (p.width + 7) / 8;
    const uint32_t c = n < nb ? n : nb;
    std::memcpy(out, p.ptr, c);
    if (n > c) std::memset(out + c, 0, n - c);
}

inline uint64_t keep_mask(uint32_t n) { return n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1; }

// set tkeep to n contiguous ones from bit 0 (any tkeep width)
inline void set_keep(const PortRef& p, uint32_t n) {
    if (p.width <= 64) {
        set_u64(p, keep_mask(n));
        return;
    }
    uint8_t buf[256];
    const uint32_t nb = (p.width + 7) / 8;
    for (uint32_t i = 0; i < nb; i++) {
        const int32_t left = int32_t(n) - int32_t(8 * i);
        buf[i] = left >= 8 ? 0xFF : left <= 0 ? 0 : uint8_t((1u << left) - 1);
    }
    set_bytes(p, buf, nb);
}

// xorshift64*: cheap, seeded, same sequence on every host
struct Rng {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    void seed(uint64_t v) { s = v * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull; if (!s) s = 1; }
    uint32_t next() {
        s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
        return uint32_t((s * 0x2545F4914F6CDD1Dull) >> 32);
    }
};

struct Pause {
    uint32_t thresh = 0;  // pause when rng < thresh (0: never)
    Rng rng;
    bool roll() { return thresh && rng.next() < thresh; }
    void set(double p, uint64_t seed) {
        thresh = p <= 0 ? 0 : p >= 1 ? 0xFFFFFFFFu : uint32_t(p * 4294967296.0);
        rng.seed(seed);
    }
};

struct Chunk {
    const uint8_t* buf;
    uint64_t len;
    const uint64_t* ends;  // packet end offsets (ascending, last == len); may be null: one packet
    uint64_t nends;
    uint64_t pos = 0, ei = 0;
};

struct Source {
    PortRef tdata, tkeep, tvalid, tready, tlast, tuser;
    bool has_keep = false, has_last = false, has_user = false;
    uint32_t bytes = 0;  // tdata bytes per beat
    std::deque<Chunk> q;
    Pause pause;
    bool valid = false, last = false;
    uint32_t n = 0;  // bytes of the beat presented
    uint64_t beats = 0, chunks_done = 0, packets = 0, bytes_sent = 0;
    std::vector<uint8_t> tmp;

    bool busy() const { return valid || !q.empty(); }
    bool sample() const { return valid && *static_cast<const uint8_t*>(tready.ptr); }
    void present() {
        Chunk& c = q.front();
        const uint64_t end = c.ends ? c.ends[c.ei] : c.len;
        const uint64_t left = end - c.pos;
        n = left < bytes ? uint32_t(left) : bytes;
        last = (c.pos + n == end);
        if (n == bytes) {
            std::memcpy(tdata.ptr, c.buf + c.pos, bytes);
        } else {
            set_bytes(tdata, c.buf + c.pos, n);
        }
        if (has_keep) set_keep(tkeep, n);
        if (has_last) *static_cast<uint8_t*>(tlast.ptr) = last;
    }
    void update(bool fired) {
        if (fired) {
            Chunk& c = q.front();
            beats++;
            bytes_sent += n;
            c.pos += n;
            if (last) {
                packets++;
                c.ei++;
            }
            if (c.pos >= c.len && (!c.ends || c.ei >= c.nends)) {
                q.pop_front();
                chunks_done++;
            }
            valid = false;
        }
        if (!valid) {
            if (!q.empty() && !pause.roll()) {
                present();
                valid = true;
            }
        } else if (pause.thresh) {
            // AXI-Stream: once valid, hold until taken (no pause mid-handshake)
        }
        *static_cast<uint8_t*>(tvalid.ptr) = valid;
    }
};

struct Sink {
    PortRef tdata, tkeep, tvalid, tready, tlast, tuser;
    bool has_keep = false, has_last = false;
    uint32_t bytes = 0;
    uint8_t* buf = nullptr;
    uint64_t cap = 0, len = 0;
    uint64_t* ends = nullptr;
    uint64_t ends_cap = 0, nends = 0;
    Pause pause;
    bool ready = false, full = false;
    uint64_t beats = 0, last_beat_cycle = 0;

    bool sample(uint64_t cycle) {
        if (!ready || !*static_cast<const uint8_t*>(tvalid.ptr)) return false;
        const uint8_t* src = static_cast<const uint8_t*>(tdata.ptr);
        if (!has_keep) {
            std::memcpy(buf + len, src, bytes);
            len += bytes;
        } else if (tkeep.width <= 64) {
            const uint64_t k = get_u64(tkeep);
            if (k == keep_mask(bytes)) {
                std::memcpy(buf + len, src, bytes);
                len += bytes;
            } else {
                for (uint32_t i = 0; i < bytes; i++)
                    if ((k >> i) & 1) buf[len++] = src[i];
            }
        } else {
            const uint8_t* kp = static_cast<const uint8_t*>(tkeep.ptr);
            for (uint32_t i = 0; i < bytes; i++)
                if ((kp[i >> 3] >> (i & 7)) & 1) buf[len++] = src[i];
        }
        if (!has_last || *static_cast<const uint8_t*>(tlast.ptr)) ends[nends++] = len;
        beats++;
        last_beat_cycle = cycle;
        return true;
    }
    void update() {
        const bool room = buf && len + bytes <= cap && nends < ends_cap;
        full = !room;
        ready = room && !pause.roll();
        *static_cast<uint8_t*>(tready.ptr) = ready;
    }
};

struct Axil {
    // index into ports; -1 absent
    PortRef awaddr, awvalid, awready, awprot, wdata, wstrb, wvalid, wready, bresp, bvalid, bready;
    PortRef araddr, arvalid, arready, arprot, rdata, rresp, rvalid, rready;
    bool has_awprot = false, has_arprot = false, has_wstrb = false;
    int op = 0;  // 0 idle, 1 write, 2 read
    bool a_done = false, w_done = false, done = false;
    uint64_t rd = 0;
    uint32_t resp = 0;

    void start_write(uint64_t addr, uint64_t data, uint64_t strb) {
        set_u64(awaddr, addr);
        set_u64(wdata, data);
        if (has_wstrb) set_u64(wstrb, strb);
        if (has_awprot) set_u64(awprot, 0);
        set_u64(awvalid, 1);
        set_u64(wvalid, 1);
        set_u64(bready, 1);
        op = 1; a_done = w_done = done = false;
    }
    void start_read(uint64_t addr) {
        set_u64(araddr, addr);
        if (has_arprot) set_u64(arprot, 0);
        set_u64(arvalid, 1);
        set_u64(rready, 1);
        op = 2; a_done = done = false;
    }
    // before the edge
    void sample() {
        if (op == 1) {
            if (!a_done && get_u64(awvalid) && get_u64(awready)) a_done = true;
            if (!w_done && get_u64(wvalid) && get_u64(wready)) w_done = true;
            if (get_u64(bvalid) && get_u64(bready)) { resp = uint32_t(get_u64(bresp)); done = true; }
        } else if (op == 2) {
            if (!a_done && get_u64(arvalid) && get_u64(arready)) a_done = true;
            if (get_u64(rvalid) && get_u64(rready)) {
                resp = uint32_t(get_u64(rresp));
                rd = get_u64(rdata);
                done = true;
            }
        }
    }
    // after the edge
    void update() {
        if (op == 1) {
            if (a_done) set_u64(awvalid, 0);
            if (w_done) set_u64(wvalid, 0);
            if (done) { set_u64(bready, 0); op = 0; }
        } else if (op == 2) {
            if (a_done) set_u64(arvalid, 0);
            if (done) { set_u64(rready, 0); op = 0; }
        }
    }
};

typedef void (*dma_step_fn)(void* dma, sluice_dma_ports* p);

struct Dma {
    void* obj = nullptr;
    dma_step_fn step = nullptr;
    // s side: model -> design (H2C); m side: design -> model (C2H); absent group: bytes 0
    PortRef s_tdata, s_tkeep, s_tvalid, s_tready, s_tlast;
    PortRef m_tdata, m_tkeep, m_tvalid, m_tready, m_tlast;
    bool has_s = false, has_m = false, s_keep = false, s_last = false, m_keep = false, m_last = false;
    uint32_t s_bytes = 0;
    sluice_dma_ports p{};
    uint64_t steps = 0;

    void sample() {
        if (has_s) p.h2c_tready = uint8_t(get_u64(s_tready));
        if (has_m) {
            p.c2h_tdata = static_cast<const uint8_t*>(m_tdata.ptr);
            p.c2h_tvalid = uint8_t(get_u64(m_tvalid));
            p.c2h_tlast = m_last ? uint8_t(get_u64(m_tlast)) : 1;
            uint32_t nb = (m_tdata.width + 7) / 8;
            if (m_keep) {
                if (m_tkeep.width <= 64) {
                    nb = uint32_t(__builtin_popcountll(get_u64(m_tkeep)));
                } else {
                    const uint8_t* kp = static_cast<const uint8_t*>(m_tkeep.ptr);
                    nb = 0;
                    for (int i = 0; i < (m_tkeep.width + 7) / 8; i++) nb += __builtin_popcount(kp[i]);
                }
            }
            p.c2h_tbytes = nb;
        }
        step(obj, &p);
        steps++;
    }
    void update() {
        if (has_s) {
            if (p.h2c_tvalid && p.h2c_tdata) set_bytes(s_tdata, p.h2c_tdata, p.h2c_tbytes);
            if (s_keep) set_keep(s_tkeep, p.h2c_tvalid ? p.h2c_tbytes : 0);
            set_u64(s_tvalid, p.h2c_tvalid);
            if (s_last) set_u64(s_tlast, p.h2c_tlast);
        }
        if (has_m) set_u64(m_tready, p.c2h_tready);
    }
};

enum { UNTIL_NONE = 0, UNTIL_DRAINED = 1, UNTIL_PORT_EQ = 2, UNTIL_PACKETS = 3 };
enum { ST_DONE = 0, ST_MAX_CYCLES = 1, ST_SINK_FULL = 2, ST_TIMEOUT = 3 };

struct Sim {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vtop> top;
    std::vector<PortRef> ports;
    std::vector<Source> sources;
    std::vector<Sink> sinks;
    std::vector<Axil> axils;
    Dma dma;
    bool has_dma = false;
    uint64_t cycle = 0;
    int status = ST_DONE;
#if VM_TRACE
    std::unique_ptr<VerilatedFstC> fst;
    std::string wave_path;
    uint64_t wave_start = 0, wave_end = 0;
    bool wave_armed = false, wave_open = false;
    uint64_t half = 5000;  // half clock period in time-precision units
#endif

    inline void wave_dump(uint64_t t) {
#if VM_TRACE
        if (wave_armed) {
            if (cycle >= wave_start && cycle < wave_end) {
                if (!wave_open) {
                    fst->open(wave_path.c_str());
                    wave_open = true;
                }
                fst->dump(cycle * 2 * half + t * half);
            } else if (cycle >= wave_end) {
                if (wave_open) fst->close();
                wave_open = false;
                wave_armed = false;
            }
        }
#else
        (void)t;
#endif
    }

    inline void cycle_once() {
        top->SLUICE_CLK = 0;
        top->eval();
        wave_dump(0);
        for (auto& s : sinks) s.sample(cycle);
        bool fired[64];
        const size_t ns = sources.size();
        for (size_t i = 0; i < ns; i++) fired[i] = sources[i].sample();
        for (auto& a : axils) a.sample();
        if (has_dma) dma.sample();
        top->SLUICE_CLK = 1;
        top->eval();
        wave_dump(1);
        for (size_t i = 0; i < ns; i++) sources[i].update(fired[i]);
        for (auto& s : sinks) s.update();
        for (auto& a : axils) a.update();
        if (has_dma) dma.update();
        cycle++;
    }

    bool drained(uint64_t idle_k) const {
        for (auto& s : sources)
            if (s.busy()) return false;
        for (auto& s : sinks)
            if (s.beats && cycle - s.last_beat_cycle <= idle_k) return false;
        for (auto& a : axils)
            if (a.op) return false;
        return true;
    }

    bool any_full() const {
        for (auto& s : sinks)
            if (s.full && s.buf) return true;
        return false;
    }

    uint64_t run(uint64_t max_cycles, int mode, int64_t a, uint64_t b) {
        uint64_t n = 0;
        status = ST_MAX_CYCLES;
        // a drained check needs a reference point for sinks that never saw a beat
        const uint64_t start = cycle;
        while (n < max_cycles) {
            cycle_once();
            n++;
            if (any_full()) {
                status = ST_SINK_FULL;
                break;
            }
            if (mode == UNTIL_DRAINED) {
                if (cycle - start > b && drained(b)) { status = ST_DONE; break; }
            } else if (mode == UNTIL_PORT_EQ) {
                if (get_u64(ports[size_t(a)]) == b) { status = ST_DONE; break; }
            } else if (mode == UNTIL_PACKETS) {
                if (sinks[size_t(a)].nends >= b) { status = ST_DONE; break; }
            }
        }
        return n;
    }
};

PortRef ref(Sim* s, int idx) { return idx >= 0 && size_t(idx) < s->ports.size() ? s->ports[size_t(idx)] : PortRef{}; }

}  // namespace

extern "C" {

int sim_port_count() { return int(sizeof(sluice_port_info) / sizeof(sluice_port_info[0])); }
const char* sim_port_name(int i) { return sluice_port_info[i].name; }
int sim_port_width(int i) { return sluice_port_info[i].width; }
int sim_port_dir(int i) { return sluice_port_info[i].dir; }
int sim_has_waves() { return VM_TRACE; }
int sim_dma_ports_size() { return int(sizeof(sluice_dma_ports)); }

void* sim_create(uint64_t seed) {
    Sim* s = new Sim;
    s->ctx.reset(new VerilatedContext);
    s->ctx->randReset(2);
    s->ctx->randSeed(int(seed & 0x7FFFFFFF));
#if VM_TRACE
    s->ctx->traceEverOn(true);
#endif
    s->top.reset(new Vtop{s->ctx.get(), "top"});
    const int n = sim_port_count();
    std::vector<void*> ptrs(size_t(n), nullptr);
    sluice_port_ptrs(s->top.get(), ptrs.data());
    for (int i = 0; i < n; i++) s->ports.push_back(PortRef{ptrs[size_t(i)], sluice_port_info[i].width, sluice_port_info[i].dir});
#if VM_TRACE
    const int prec = s->ctx->timeprecision();  // e.g. -12 for ps
    uint64_t h = 5;                             // half period 5 ns
    for (int e = -9; e > prec; e--) h *= 10;
    s->half = h;
#endif
    s->top->SLUICE_CLK = 0;
    s->top->eval();
    return s;
}

void sim_destroy(void* h) {
    Sim* s = static_cast<Sim*>(h);
#if VM_TRACE
    if (s->wave_open) s->fst->close();
#endif
    s->top->final();
    delete s;
}

int sim_set_port(void* h, int i, const uint8_t* buf, uint32_t n) {
    Sim* s = static_cast<Sim*>(h);
    if (i < 0 || size_t(i) >= s->ports.size() || s->ports[size_t(i)].dir != 0) return -1;
    set_bytes(s->ports[size_t(i)], buf, n);
    return 0;
}

int sim_get_port(void* h, int i, uint8_t* buf, uint32_t n) {
    Sim* s = static_cast<Sim*>(h);
    if (i < 0 || size_t(i) >= s->ports.size()) return -1;
    get_bytes(s->ports[size_t(i)], buf, n);
    return 0;
}

void sim_eval(void* h) { static_cast<Sim*>(h)->top->eval(); }

uint64_t sim_cycle(void* h) { return static_cast<Sim*>(h)->cycle; }
int sim_status(void* h) { return static_cast<Sim*>(h)->status; }

uint64_t sim_run(void* h, uint64_t max_cycles, int mode, int64_t a, uint64_t b) {
    return static_cast<Sim*>(h)->run(max_cycles, mode, a, b);
}

// The reference: the same model clocked with no agents at all.
uint64_t sim_bare(void* h, uint64_t n) {
    Sim* s = static_cast<Sim*>(h);
    Vtop* top = s->top.get();
    const uint64_t n0 = n;
    while (n--) {
        top->SLUICE_CLK = 0;
        top->eval();
        top->SLUICE_CLK = 1;
        top->eval();
    }
    s->cycle += n0;
    return n0;
}

int sim_add_source(void* h, const int* idx) {  // tdata tkeep tvalid tready tlast tuser
    Sim* s = static_cast<Sim*>(h);
    if (s->sources.size() >= 64) return -1;
    Source src;
    src.tdata = ref(s, idx[0]); src.tkeep = ref(s, idx[1]); src.tvalid = ref(s, idx[2]);
    src.tready = ref(s, idx[3]); src.tlast = ref(s, idx[4]); src.tuser = ref(s, idx[5]);
    src.has_keep = idx[1] >= 0; src.has_last = idx[4] >= 0; src.has_user = idx[5] >= 0;
    src.bytes = uint32_t((src.tdata.width + 7) / 8);
    if (src.tdata.width % 8) return -2;
    set_u64(src.tvalid, 0);
    if (src.has_user) set_u64(src.tuser, 0);
    s->sources.push_back(std::move(src));
    return int(s->sources.size() - 1);
}

void sim_source_push(void* h, int i, const uint8_t* buf, uint64_t len, const uint64_t* ends, uint64_t nends) {
    Sim* s = static_cast<Sim*>(h);
    Chunk c{buf, len, nends ? ends : nullptr, nends};
    s->sources[size_t(i)].q.push_back(c);
    // present at once when idle so the first beat does not wait a cycle
    Source& src = s->sources[size_t(i)];
    if (!src.valid && src.q.size() == 1 && !src.pause.roll()) {
        src.present();
        src.valid = true;
        *static_cast<uint8_t*>(src.tvalid.ptr) = 1;
    }
}

void sim_source_pause(void* h, int i, double p, uint64_t seed) { static_cast<Sim*>(h)->sources[size_t(i)].pause.set(p, seed); }

void sim_source_stats(void* h, int i, uint64_t* out) {  // chunks_done, pending chunks, beats, packets, bytes
    Source& s = static_cast<Sim*>(h)->sources[size_t(i)];
    out[0] = s.chunks_done; out[1] = s.q.size(); out[2] = s.beats; out[3] = s.packets; out[4] = s.bytes_sent;
}

int sim_add_sink(void* h, const int* idx) {
    Sim* s = static_cast<Sim*>(h);
    Sink k;
    k.tdata = ref(s, idx[0]); k.tkeep = ref(s, idx[1]); k.tvalid = ref(s, idx[2]);
    k.tready = ref(s, idx[3]); k.tlast = ref(s, idx[4]); k.tuser = ref(s, idx[5]);
    k.has_keep = idx[1] >= 0; k.has_last = idx[4] >= 0;
    k.bytes = uint32_t((k.tdata.width + 7) / 8);
    if (k.tdata.width % 8) return -2;
    set_u64(k.tready, 0);
    s->sinks.push_back(k);
    return int(s->sinks.size() - 1);
}

void sim_sink_buffer(void* h, int i, uint8_t* buf, uint64_t cap, uint64_t* ends, uint64_t ends_cap) {
    Sink& k = static_cast<Sim*>(h)->sinks[size_t(i)];
    k.buf = buf; k.cap = cap; k.ends = ends; k.ends_cap = ends_cap;
    k.update();  // re-decide tready with the new room (before the next edge)
}

void sim_sink_clear(void* h, int i) {
    Sink& k = static_cast<Sim*>(h)->sinks[size_t(i)];
    k.len = 0; k.nends = 0;
    k.update();
}

void sim_sink_pause(void* h, int i, double p, uint64_t seed) { static_cast<Sim*>(h)->sinks[size_t(i)].pause.set(p, seed); }

void sim_sink_stats(void* h, int i, uint64_t* out) {  // len, packets, beats, last_beat_cycle
    Sink& k = static_cast<Sim*>(h)->sinks[size_t(i)];
    out[0] = k.len; out[1] = k.nends; out[2] = k.beats; out[3] = k.last_beat_cycle;
}

// awaddr awvalid awready awprot wdata wstrb wvalid wready bresp bvalid bready
// araddr arvalid arready arprot rdata rresp rvalid rready
int sim_add_axil(void* h, const int* idx) {
    Sim* s = static_cast<Sim*>(h);
    Axil a;
    PortRef* f[] = {&a.awaddr, &a.awvalid, &a.awready, &a.awprot, &a.wdata, &a.wstrb, &a.wvalid, &a.wready,
                    &a.bresp, &a.bvalid, &a.bready, &a.araddr, &a.arvalid, &a.arready, &a.arprot, &a.rdata,
                    &a.rresp, &a.rvalid, &a.rready};
    for (int i = 0; i < 19; i++) *f[i] = ref(s, idx[i]);
    a.has_awprot = idx[3] >= 0; a.has_wstrb = idx[5] >= 0; a.has_arprot = idx[14] >= 0;
    set_u64(a.awvalid, 0); set_u64(a.wvalid, 0); set_u64(a.bready, 0);
    set_u64(a.arvalid, 0); set_u64(a.rready, 0);
    s->axils.push_back(a);
    return int(s->axils.size() - 1);
}

// Returns cycles taken, or -1 on timeout; *resp gets BRESP.
int64_t sim_axil_write(void* h, int i, uint64_t addr, uint64_t data, uint64_t strb, uint64_t max_cycles, uint32_t* resp) {
    Sim* s = static_cast<Sim*>(h);
    Axil& a = s->axils[size_t(i)];
    if (a.op) return -2;
    a.start_write(addr, data, strb);
    uint64_t n = 0;
    while (a.op && n < max_cycles) { s->cycle_once(); n++; }
    if (a.op) return -1;
    *resp = a.resp;
    return int64_t(n);
}

int64_t sim_axil_read(void* h, int i, uint64_t addr, uint64_t max_cycles, uint64_t* data, uint32_t* resp) {
    Sim* s = static_cast<Sim*>(h);
    Axil& a = s->axils[size_t(i)];
    if (a.op) return -2;
    a.start_read(addr);
    uint64_t n = 0;
    while (a.op && n < max_cycles) { s->cycle_once(); n++; }
    if (a.op) return -1;
    *data = a.rd;
    *resp = a.resp;
    return int64_t(n);
}

// s_idx: tdata tkeep tvalid tready tlast of the design's input group fed by H2C (-1s: none)
// m_idx: the same for the design's output group drained by C2H
int sim_attach_dma(void* h, void* dma, void* step, const int* s_idx, const int* m_idx) {
    Sim* s = static_cast<Sim*>(h);
    Dma& d = s->dma;
    d.obj = dma;
    d.step = reinterpret_cast<dma_step_fn>(step);
    d.has_s = s_idx[0] >= 0;
    d.has_m = m_idx[0] >= 0;
    d.s_tdata = ref(s, s_idx[0]); d.s_tkeep = ref(s, s_idx[1]); d.s_tvalid = ref(s, s_idx[2]);
    d.s_tready = ref(s, s_idx[3]); d.s_tlast = ref(s, s_idx[4]);
    d.s_keep = s_idx[1] >= 0; d.s_last = s_idx[4] >= 0;
    d.m_tdata = ref(s, m_idx[0]); d.m_tkeep = ref(s, m_idx[1]); d.m_tvalid = ref(s, m_idx[2]);
    d.m_tready = ref(s, m_idx[3]); d.m_tlast = ref(s, m_idx[4]);
    d.m_keep = m_idx[1] >= 0; d.m_last = m_idx[4] >= 0;
    d.p = sluice_dma_ports{};
    if (d.has_s) set_u64(d.s_tvalid, 0);
    if (d.has_m) set_u64(d.m_tready, 0);
    s->has_dma = dma != nullptr && step != nullptr;
    return 0;
}

uint64_t sim_dma_steps(void* h) { return static_cast<Sim*>(h)->dma.steps; }

// FST of cycles [start, end) to path; -1 when the library was built without tracing.
int sim_waves(void* h, const char* path, uint64_t start, uint64_t end) {
#if VM_TRACE
    Sim* s = static_cast<Sim*>(h);
    if (s->wave_open) { s->fst->close(); s->wave_open = false; }
    if (!s->fst) {
        s->fst.reset(new VerilatedFstC);
        s->top->trace(s->fst.get(), 99);
    }
    s->wave_path = path;
    s->wave_start = start;
    s->wave_end = end;
    s->wave_armed = end > start;
    return 0;
#else
    (void)h; (void)path; (void)start; (void)end;
    return -1;
#endif
}

void sim_waves_close(void* h) {
#if VM_TRACE
    Sim* s = static_cast<Sim*>(h);
    if (s->wave_open) s->fst->close();
    s->wave_open = false;
    s->wave_armed = false;
#else
    (void)h;
#endif
}

}  // extern "C"
