/* SPDX-License-Identifier: Apache-2.0
 * Sluice cycle-level PCIe DMA model (SPEC §6, docs/spec/dma.md).
 *
 * One implementation stands in for a vendor DMA shell (XDMA/QDMA-like) for both the cocotb system tests
 * (through ctypes, cosim/dma/dma.py) and the native Verilator harness (cosim/native/, which includes this
 * header and calls sluice_dma_step once per user clock). Plain C API; the implementation is C++17.
 */
#ifndef SLUICE_DMA_H
#define SLUICE_DMA_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sluice_dma sluice_dma;

/* Per-cycle port contract (fixed; the native harness codes against it). */
typedef struct {
    /* H2C: the model drives the design's s_axis (text into the engine) */
    uint8_t *h2c_tdata;  /* H2C_BYTES, written by the model; if the caller leaves it NULL the model points it at
                            its own buffer of h2c_bytes bytes */
    uint32_t h2c_tbytes; /* valid bytes from byte 0 (tkeep contiguous), 0..H2C_BYTES */
    uint8_t h2c_tvalid, h2c_tlast;
    uint8_t h2c_tready; /* input: the design's s_axis_tready */
    /* C2H: the design's m_axis drives the model (batches out of the engine) */
    const uint8_t *c2h_tdata; /* input, C2H_BYTES */
    uint32_t c2h_tbytes;      /* input */
    uint8_t c2h_tvalid, c2h_tlast; /* inputs */
    uint8_t c2h_tready;            /* output: the design's m_axis_tready */
} sluice_dma_ports;

/* Creation parameters. The first block mirrors models.pcie.LinkParams field by field (same names, same units);
 * the second is the engine's own. */
typedef struct {
    int32_t gen, lanes, mps, mrrs, rcb, addr64;
    double read_latency_ns;
    int32_t read_tags, posted_header_credits, posted_data_credits;
    double credit_return_ns;
    int32_t ack_every_tlps, fc_update_every_tlps, skp_interval_blocks;
    double host_cap_gbps, gpu_cap_gbps; /* <= 0 or infinite: unbounded */
    int32_t desc_bytes, writeback_bytes; /* must be 32 and 16 (the fixed formats of docs/spec/dma.md) */
    double irq_latency_ns, poll_interval_ns;
    int32_t use_polling; /* reset value of CTRL.IRQ_EN is !use_polling */
    /* engine */
    double user_clock_mhz;   /* default 250 */
    int32_t h2c_bytes;       /* H2C beat width, 8..256 */
    int32_t c2h_bytes;       /* C2H beat width, 8..256 (default 64) */
    int32_t desc_prefetch;   /* descriptors fetched ahead per channel (default 32) */
    int32_t c2h_fifo_bytes;  /* C2H staging FIFO (default 16384) */
    int32_t h2c_rx_bytes;    /* H2C receive (completion reorder) buffer (default 65536) */
} sluice_dma_params;

/* Target kinds and window permissions for sluice_dma_map */
enum { SLUICE_DMA_HOST = 0, SLUICE_DMA_GPU = 1 };
enum { SLUICE_DMA_READ = 1, SLUICE_DMA_WRITE = 2 }; /* what the device may do in the window */

/* Channels and register map (byte addresses; docs/spec/dma.md) */
enum { SLUICE_DMA_H2C = 0, SLUICE_DMA_C2H = 1 };
#define SLUICE_DMA_CH_BASE(ch) ((uint32_t)(ch) * 0x1000u)
enum {
    SLUICE_DMA_REG_ID = 0x00,
    SLUICE_DMA_REG_CTRL = 0x04, /* bit0 RUN, bit1 IRQ_EN (0: polling) */
    SLUICE_DMA_REG_STATUS = 0x08, /* bit0 RUNNING, bit1 BUSY, bit2 HALTED (descriptor fetch error) */
    SLUICE_DMA_REG_RING_SIZE = 0x0C,
    SLUICE_DMA_REG_RING_LO = 0x10,
    SLUICE_DMA_REG_RING_HI = 0x14,
    SLUICE_DMA_REG_CMPT_LO = 0x18,
    SLUICE_DMA_REG_CMPT_HI = 0x1C,
    SLUICE_DMA_REG_TAIL = 0x20,
    SLUICE_DMA_REG_HEAD = 0x24,
    SLUICE_DMA_REG_COMPLETED = 0x28,
    SLUICE_DMA_REG_ERRORS = 0x2C,
    SLUICE_DMA_REG_EVENTS = 0x30
};
/* Descriptor flags, write-back status and flags */
enum { SLUICE_DMA_DESC_EOP = 1, SLUICE_DMA_DESC_IRQ = 2 };
enum {
    SLUICE_DMA_ST_OK = 0,
    SLUICE_DMA_ST_NO_WINDOW = 1, /* an access outside every mapped window */
    SLUICE_DMA_ST_PERM = 2,      /* write to a read-only window (or read of a write-only one) */
    SLUICE_DMA_ST_SHORT = 3      /* C2H packet longer than the descriptor's buffer */
};
enum { SLUICE_DMA_WB_EOP = 1, SLUICE_DMA_WB_DONE = 0x80000000u };

void sluice_dma_default_params(sluice_dma_params *p);
sluice_dma *sluice_dma_create(const sluice_dma_params *p); /* NULL on bad parameters: see sluice_dma_last_error */
const char *sluice_dma_last_error(void);
void sluice_dma_destroy(sluice_dma *dma);

/* IOMMU-like windows: device accesses must fall inside one window with the needed permission.
 * Returns the window id (>= 0) or -1 (overlap / bad arguments). ptr must stay valid while mapped. */
int sluice_dma_map(sluice_dma *dma, uint64_t bus_addr, uint64_t size, void *ptr, int target, int perm);
int sluice_dma_unmap(sluice_dma *dma, int window_id);

void sluice_dma_reg_write(sluice_dma *dma, uint32_t addr, uint32_t value);
uint32_t sluice_dma_reg_read(sluice_dma *dma, uint32_t addr);

/* One rising edge of the user clock (see the contract in docs/spec/dma.md). */
void sluice_dma_step(sluice_dma *dma, sluice_dma_ports *p);

/* Host-side notification: completions of a channel the host has been told about (interrupt delivered after
 * irq_latency_ns, or the next poll tick), and the number of notifications (interrupts / poll ticks that found
 * news) so far. Callback-free: call it whenever the host would look. */
uint64_t sluice_dma_poll(sluice_dma *dma, int ch, uint64_t *events);

/* Statistics: sluice_dma_stat_count() counters, named by sluice_dma_stat_name(i). */
int sluice_dma_stat_count(void);
const char *sluice_dma_stat_name(int i);
uint64_t sluice_dma_stat(const sluice_dma *dma, int i);
uint64_t sluice_dma_cycles(const sluice_dma *dma);

/* Self-test loops (no per-cycle Python): a full-rate design source/sink and a host that keeps the ring full.
 * They map their own memory at bus addresses >= 0x7000_0000_0000 and use both channels' registers, so run
 * them on a fresh model. Data is checked (C2H: each completed batch against the source pattern; H2C: every
 * delivered byte). Return the steady-state payload bandwidth in bytes/s over the last 3/4 of the transfers,
 * or a negative code: -1 timeout, -2 data mismatch, -3 error status, -4 bad arguments. */
double sluice_dma_run_c2h_stream(sluice_dma *dma, int target, uint32_t nbatches, uint32_t batch_bytes);
double sluice_dma_run_h2c_stream(sluice_dma *dma, int target, uint32_t ndesc, uint32_t desc_bytes);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_DMA_H */
