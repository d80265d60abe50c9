// SPDX-License-Identifier: Apache-2.0
// The per-cycle port struct shared with the DMA model (cosim/dma/sluice_dma.h).
// When that header exists it is the one source of the struct; otherwise this copy of
// the agreed contract is used, so the harness builds before the DMA model lands.
#pragma once
#include <stdint.h>

#if defined(__has_include)
#if __has_include("sluice_dma.h")
#include "sluice_dma.h"
#define SLUICE_DMA_PORTS_FROM_MODEL 1
#endif
#endif

#ifndef SLUICE_DMA_PORTS_FROM_MODEL
typedef struct {
    uint8_t *h2c_tdata; uint32_t h2c_tbytes; uint8_t h2c_tvalid, h2c_tlast; /* model -> design s_axis */
    uint8_t h2c_tready;                                                     /* design -> model */
    const uint8_t *c2h_tdata; uint32_t c2h_tbytes; uint8_t c2h_tvalid, c2h_tlast; /* design m_axis -> model */
    uint8_t c2h_tready;                                                     /* model -> design */
} sluice_dma_ports;
#endif
