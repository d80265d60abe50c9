/* SPDX-License-Identifier: Apache-2.0
 * Test-only stand-in for the DMA model (tests/cosim/test_native_harness.py): checks the
 * harness's per-cycle hook against the sluice_dma_ports contract without the real model.
 * H2C plays a buffer into the design (idle every third cycle it may start a beat),
 * C2H collects the design's output (tready low every fourth cycle).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_dma_ports.h"

typedef struct {
    const uint8_t *src;
    uint64_t len, pos;
    uint32_t bytes;
    uint8_t beat[256];
    uint8_t *dst;
    uint64_t cap, dlen, packets, steps;
} dma_stub;

dma_stub *stub_create(const uint8_t *src, uint64_t len, uint32_t bytes, uint8_t *dst, uint64_t cap) {
    dma_stub *s = (dma_stub *)calloc(1, sizeof(dma_stub));
    s->src = src; s->len = len; s->bytes = bytes; s->dst = dst; s->cap = cap;
    return s;
}

void stub_destroy(dma_stub *s) { free(s); }
uint64_t stub_received(const dma_stub *s) { return s->dlen; }
uint64_t stub_packets(const dma_stub *s) { return s->packets; }
uint64_t stub_steps(const dma_stub *s) { return s->steps; }
uint64_t stub_sent(const dma_stub *s) { return s->pos; }

void stub_step(dma_stub *s, sluice_dma_ports *p) {
    /* retire this edge's handshakes with what was presented before */
    if (p->h2c_tvalid && p->h2c_tready) {
        s->pos += p->h2c_tbytes;
        p->h2c_tvalid = 0;
    }
    if (p->c2h_tready && p->c2h_tvalid && s->dlen + p->c2h_tbytes <= s->cap) {
        memcpy(s->dst + s->dlen, p->c2h_tdata, p->c2h_tbytes);
        s->dlen += p->c2h_tbytes;
        if (p->c2h_tlast) s->packets++;
    }
    /* new outputs (a presented beat is held until taken) */
    if (!p->h2c_tvalid && s->pos < s->len && s->steps % 3 != 0) {
        uint64_t n = s->len - s->pos;
        if (n > s->bytes) n = s->bytes;
        memcpy(s->beat, s->src + s->pos, n);
        p->h2c_tdata = s->beat;
        p->h2c_tbytes = (uint32_t)n;
        p->h2c_tvalid = 1;
        p->h2c_tlast = (s->pos + n == s->len);
    }
    p->c2h_tready = (s->steps % 4) != 3;
    s->steps++;
}
