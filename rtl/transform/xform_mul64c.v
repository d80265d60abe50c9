// SPDX-License-Identifier: Apache-2.0
// Sluice transform helper: y = (a * C + ADD) mod 2^64 for a run-time a and constants C, ADD,
// pipelined for DSP48E2 (the 64 x 64 multiplies of xxh64_u64), with XXH64's xor-shift folded in:
// m_p = y ^ (y >> XSHIFT) ^ s_xor (XSHIFT = 0: no shift term; s_xor is sampled with the stage-3
// inputs, i.e. 2 cycles after s_a).
//
// a is split into 26-bit limbs (26, 26, 12 bits) and C into 17-bit limbs (17, 17, 17, 13 bits),
// so each partial product fits one DSP48E2 (27 x 18 signed); the products whose weight is
// >= 2^64 are dropped and the others are truncated to the bits below 2^64 (8 products).
//   stage 1: the 8 partial products                     (DSP multiplier, M register)
//   stage 2: carry-save tree 9 -> 6 -> 4 -> 3 terms      (3 LUT levels; ADD is the 9th term)
//   stage 3: 3 -> 2 terms, one 64-bit carry-propagate add, the xor-shift
// Latency 3 cycles, one result per cycle; stall by ce (the caller's global stall); a stage's
// registers load only when its valid bit is set. s_a must come straight from registers (wiring
// only): the DSP48E2 input, multiplier and output are a register-to-register path of their own.
//
// lint-params: C=64'h9E3779B185EBCA87 ADD=64'h85EBCA77C2B2AE63 XSHIFT=33
// synth-params: C=64'hC2B2AE3D27D4EB4F ADD=64'h0

`resetall
`timescale 1ns / 1ps
`default_nettype none

module xform_mul64c #(
    // the constant multiplier
    parameter [63:0] C   = 64'h9E3779B185EBCA87,
    // a constant added to the product (0: none)
    parameter [63:0] ADD = 64'h0,
    // m_p = y ^ (y >> XSHIFT) ^ s_xor; 0: m_p = y ^ s_xor
    parameter        XSHIFT = 0
) (
    input  wire        clk,
    input  wire        rst,
    // advance the pipeline (global stall when 0)
    input  wire        ce,

    input  wire [63:0] s_a,
    input  wire        s_valid,
    // xored into the result; sampled 2 cycles after s_a (tie to 0 when unused)
    input  wire [63:0] s_xor,

    output wire [63:0] m_p,
    output wire        m_valid
);

// C limbs (at 0, 17, 34, 51); a limbs at 0, 26, 52 (26, 26, 12 bits)
localparam [16:0] C0 = C[16:0];
localparam [16:0] C1 = C[33:17];
localparam [16:0] C2 = C[50:34];
localparam [12:0] C3 = C[63:51];

reg [2:0]  valid_reg;
// stage 1: partial products, truncated below 2^64 (weight: bits kept); each is computed at its kept
// width (the low bits of a product only depend on the low bits of its operands)
reg [42:0] p00_reg;   // a0*C0 @ 0:  43
reg [42:0] p01_reg;   // a0*C1 @17:  43
reg [29:0] p02_reg;   // a0*C2 @34:  30
reg [12:0] p03_reg;   // a0*C3 @51:  13
reg [37:0] p10_reg;   // a1*C0 @26:  38
reg [20:0] p11_reg;   // a1*C1 @43:  21
reg [3:0]  p12_reg;   // a1*C2 @60:   4
reg [11:0] p20_reg;   // a2*C0 @52:  12
// stage 2: three carry-save terms
reg [63:0] cs_a_reg, cs_b_reg, cs_c_reg;
// stage 3: the result
reg [63:0] p_reg;

// x + y + z = (x ^ y ^ z) + (MAJ(x, y, z) << 1)
`define MAJ(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))

// One clocked block, skipped as a whole while the pipeline is empty. Stages 2 and 3 compute their
// carry-save temporaries with blocking assignments inside their valid-gated branches and read them only
// there (combinational logic in synthesis; in simulation an idle stage costs nothing, where wide function
// locals would be cleared on every clock edge). The BLKSEQ style warning (lint) is waived for this block.
wire       busy = s_valid || (|valid_reg);
reg [63:0] t0, t1, t2, t3, t4, t5, t6, t7;
reg [63:0] l1as, l1ac, l1bs, l1bc, l1cs, l1cc, l2as, l2ac, l2bs, l2bc, l4s, l4c, y;
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (busy && ce) begin
        // stage 3: the last carry-save step, the carry-propagate add, the xor-shift
        if (valid_reg[1]) begin
            l4s = cs_a_reg ^ cs_b_reg ^ cs_c_reg;
            l4c = `MAJ(cs_a_reg, cs_b_reg, cs_c_reg) << 1;
            y = l4s + l4c;
            p_reg <= y ^ ((XSHIFT > 0) ? (y >> XSHIFT) : 64'd0) ^ s_xor;
        end
        // stage 2: the nine terms at their weights, carry-save 9 -> 6 -> 4 -> 3
        if (valid_reg[0]) begin
            t0 = {21'd0, p00_reg};
            t1 = {4'd0, p01_reg, 17'd0};
            t2 = {p02_reg, 34'd0};
            t3 = {p03_reg, 51'd0};
            t4 = {p10_reg, 26'd0};
            t5 = {p11_reg, 43'd0};
            t6 = {p12_reg, 60'd0};
            t7 = {p20_reg, 52'd0};
            l1as = t0 ^ t1 ^ t2;  l1ac = `MAJ(t0, t1, t2) << 1;
            l1bs = t3 ^ t4 ^ t5;  l1bc = `MAJ(t3, t4, t5) << 1;
            l1cs = t6 ^ t7 ^ ADD; l1cc = `MAJ(t6, t7, ADD) << 1;
            l2as = l1as ^ l1ac ^ l1bs; l2ac = `MAJ(l1as, l1ac, l1bs) << 1;
            l2bs = l1bc ^ l1cs ^ l1cc; l2bc = `MAJ(l1bc, l1cs, l1cc) << 1;
            cs_a_reg <= l2as ^ l2ac ^ l2bs;
            cs_b_reg <= `MAJ(l2as, l2ac, l2bs) << 1;
            cs_c_reg <= l2bc;
        end
        // stage 1: the partial products
        if (s_valid) begin
            p00_reg <= s_a[25:0] * C0;
            p01_reg <= s_a[25:0] * C1;
            p02_reg <= s_a[25:0] * C2;
            p03_reg <= s_a[12:0] * C3;
            p10_reg <= s_a[51:26] * C0;
            p11_reg <= s_a[46:26] * C1;
            p12_reg <= s_a[29:26] * C2[3:0];
            p20_reg <= s_a[63:52] * C0[11:0];
        end
        // the valid bits last: every branch above reads them before they shift
        valid_reg <= {valid_reg[1:0], s_valid};
    end
    if (rst) valid_reg <= 3'b000;
end
/* verilator lint_on BLKSEQ */

assign m_p     = p_reg;
assign m_valid = valid_reg[2];

`undef MAJ

endmodule

`resetall
