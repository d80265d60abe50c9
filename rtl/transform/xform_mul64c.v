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

// a limbs (at 0, 26, 52) and C limbs (at 0, 17, 34, 51)
wire [25:0] a0 = s_a[25:0];
wire [25:0] a1 = s_a[51:26];
wire [11:0] a2 = s_a[63:52];
localparam [16:0] C0 = C[16:0];
localparam [16:0] C1 = C[33:17];
localparam [16:0] C2 = C[50:34];
localparam [12:0] C3 = C[63:51];

reg [2:0]  valid_reg;
// stage 1: partial products, truncated below 2^64 (weight: bits kept)
reg [42:0] p00_reg;   // a0*C0 @ 0:  43
reg [42:0] p01_reg;   // a0*C1 @17:  43 (47 bits below 2^64)
reg [29:0] p02_reg;   // a0*C2 @34:  30
reg [12:0] p03_reg;   // a0*C3 @51:  13
reg [37:0] p10_reg;   // a1*C0 @26:  38
reg [20:0] p11_reg;   // a1*C1 @43:  21
reg [3:0]  p12_reg;   // a1*C2 @60:   4
reg [11:0] p20_reg;   // a2*C0 @52:  12
// stage 2: three carry-save terms
reg [63:0] cs_a_reg, cs_b_reg, cs_c_reg;
// stage 3: the product
reg [63:0] p_reg;

// each product is computed at its kept width (the low bits of a product only depend on the low bits
// of its operands); every stage's arithmetic sits in the clocked block under its valid bit, so an idle
// multiplier costs a simulator nothing but the tests of its valid bits

// carry-save adder: x + y + z = s + c (c already shifted to its weight)
function [127:0] csa;
    input [63:0] x, y, z;
    begin
        csa = {{(x[62:0] & y[62:0]) | (x[62:0] & z[62:0]) | (y[62:0] & z[62:0]), 1'b0}, x ^ y ^ z};
    end
endfunction

// stage 2: the nine terms (the products at their weights mod 2^64, and ADD) reduced to three
function [191:0] reduce9;
    input [42:0] p00, p01;
    input [29:0] p02;
    input [12:0] p03;
    input [37:0] p10;
    input [20:0] p11;
    input [3:0]  p12;
    input [11:0] p20;
    reg   [127:0] l1a, l1b, l1c, l2a, l2b, l3;
    begin
        l1a = csa({21'd0, p00}, {4'd0, p01, 17'd0}, {p02, 34'd0});
        l1b = csa({p03, 51'd0}, {p10, 26'd0}, {p11, 43'd0});
        l1c = csa({p12, 60'd0}, {p20, 52'd0}, ADD);
        l2a = csa(l1a[63:0], l1a[127:64], l1b[63:0]);
        l2b = csa(l1b[127:64], l1c[63:0], l1c[127:64]);
        l3  = csa(l2a[63:0], l2a[127:64], l2b[63:0]);
        reduce9 = {l2b[127:64], l3[127:64], l3[63:0]};
    end
endfunction

// stage 3: three terms to the product, then the xor-shift
function [63:0] finish3;
    input [63:0] a, b, c;
    input [63:0] xr;
    reg   [127:0] l4;
    reg   [63:0]  y;
    begin
        l4 = csa(a, b, c);
        y  = l4[63:0] + l4[127:64];
        finish3 = y ^ ((XSHIFT > 0) ? (y >> XSHIFT) : 64'd0) ^ xr;
    end
endfunction

always @(posedge clk) begin
    if (ce && (s_valid || (|valid_reg))) begin
        valid_reg <= {valid_reg[1:0], s_valid};
    end
    if (ce) begin
        if (s_valid) begin
            p00_reg <= a0 * C0;
            p01_reg <= a0 * C1;
            p02_reg <= a0 * C2;
            p03_reg <= a0[12:0] * C3;
            p10_reg <= a1 * C0;
            p11_reg <= a1[20:0] * C1;
            p12_reg <= a1[3:0] * C2[3:0];
            p20_reg <= a2 * C0[11:0];
        end
        if (valid_reg[0]) begin
            {cs_c_reg, cs_b_reg, cs_a_reg} <= reduce9(p00_reg, p01_reg, p02_reg, p03_reg, p10_reg, p11_reg,
                                                      p12_reg, p20_reg);
        end
        if (valid_reg[1]) p_reg <= finish3(cs_a_reg, cs_b_reg, cs_c_reg, s_xor);
    end
    if (rst) valid_reg <= 3'b000;
end

assign m_p     = p_reg;
assign m_valid = valid_reg[2];

endmodule

`resetall
