// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: float32 log(1 + max(x, 0)) of an int32 x, the fixed-point
// algorithm of record (docs/spec/numerics.md section 2, models.log1p.log1p_f32).
//
//   c1: y = max(x, 0) + 1                         32 bits, 1 .. 2^31
//   c2: e = floor(log2 y)                         priority encoder, 5 bits
//   c3: T = (y << (31 - e)) - 2^31; i = T[30:23]; u = T[22:0]; eL = e * LN2_Q
//   c4: ROM read (256 x 127, registered): c0 | c1 | c2 | c3, models.log1p.table_words()
//   c5: a2 = c2 + ((c3 * u) >>> 23)               19u x 23u multiplier
//   c6: a1 = c1 + ((a2 * u) >>> 23)               29s x 23u multiplier (+ sign correction)
//   c7: L  = eL + c0 + ((a1 * u) >>> 23)          38s x 23u multiplier (+ sign correction), L < 2^49
//   then int_to_f32 (IN_WIDTH=49, FRAC_BITS=44, unsigned): RNE to float32, 4 cycles
// Negative x gives y = 1, L = 0, +0.0 (Neg2ZeroLog).
// Latency 11 cycles, one result per cycle; global stall (ce = m_ready | ~m_valid).
//
// ROM_FILE is the $readmemh image written by rtl/transform/gen_log1p_rom.py from
// models/data/log1p_table.json (never a hand copy). The default, relative name is
// found by Yosys next to this file; simulations pass an absolute path.
//
// lint-params: TAG_WIDTH=8
// lint-params: TAG_WIDTH=1
// Its 61-bit Horner products take ABC hours in WebAssembly Yosys (docs/spec/transform_rtl.md):
// synth-flags: -noabc

`resetall
`timescale 1ns / 1ps
`default_nettype none

module log1p_fx #(
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1,
    // $readmemh image of the coefficient ROM (gen_log1p_rom.py)
    parameter ROM_FILE  = "log1p_fx_rom.mem"
) (
    input  wire                 clk,
    input  wire                 rst,

    // operand: int32 x (two's complement)
    input  wire [31:0]          s_x,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    // result: float32 bits of log(1 + max(x, 0))
    output wire [31:0]          m_f32,
    output wire [TAG_WIDTH-1:0] m_tag,
    output wire                 m_valid,
    input  wire                 m_ready
);

localparam STAGES = 7;                       // core stages before the float converter
localparam [43:0] LN2_Q = 44'd12193974156573; // round(ln 2 * 2^44)

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

// coefficient ROM: word = c3[126:108] | c2[107:80] | c1[79:44] | c0[43:0]
reg [126:0] rom [0:255];
initial $readmemh(ROM_FILE, rom);

function [4:0] msb_index32;
    input [31:0] v;
    integer i;
    begin
        msb_index32 = 5'd0;
        for (i = 0; i < 32; i = i + 1)
            if (v[i]) msb_index32 = i[4:0];
    end
endfunction

wire ce;                                     // core advances when the converter takes

reg [STAGES-1:0] valid_reg;
reg [TAG_WIDTH-1:0] tag_reg [0:STAGES-1];

reg [31:0]  c1_y_reg;
reg [31:0]  c2_y_reg;
reg [4:0]   c2_e_reg;
reg [7:0]   c3_i_reg;
reg [22:0]  c3_u_reg;
reg [48:0]  c3_el_reg;
reg [126:0] c4_w_reg;
reg [22:0]  c4_u_reg;
reg [48:0]  c4_el_reg;
reg [28:0]  c5_a2_reg;                       // signed
reg [79:0]  c5_c01_reg;                      // c1 | c0
reg [22:0]  c5_u_reg;
reg [48:0]  c5_el_reg;
reg [37:0]  c6_a1_reg;                       // signed
reg [43:0]  c6_c0_reg;
reg [22:0]  c6_u_reg;
reg [48:0]  c6_el_reg;
reg [48:0]  c7_l_reg;

// c1
wire [31:0] c1_y = (s_x[31] ? 32'd0 : s_x) + 32'd1;
// c3
wire [31:0] c3_t = c2_y_reg << (5'd31 - c2_e_reg);   // bit 31 is the leading one
wire [53:0] c3_el = {49'd0, c2_e_reg} * {10'd0, LN2_Q};
// c5: c3 (19u) * u (23u)
wire [41:0] c5_p  = c4_w_reg[126:108] * c4_u_reg;
wire [27:0] c5_c2 = c4_w_reg[107:80];
wire [28:0] c5_a2 = {c5_c2[27], c5_c2} + {10'd0, c5_p[41:23]};
// c6: a2 (29s) * u (23u). Signed x unsigned is built as an unsigned product minus the
// sign correction u * 2^29 (exact mod 2^53, and the true product fits 53 signed bits):
// Yosys sign-extends both operands of a signed $mul to the result width, which makes
// the array about 4x larger and synthesis very slow.
wire [52:0] c6_pu = c5_a2_reg * c5_u_reg;
wire [52:0] c6_p  = c6_pu - (c5_a2_reg[28] ? {1'b0, c5_u_reg, 29'd0} : 53'd0);
wire [37:0] c6_a1 = {2'd0, c5_c01_reg[79:44]} + {{8{c6_p[52]}}, c6_p[52:23]};
// c7: a1 (38s) * u (23u), the same way: unsigned product minus u * 2^38 when a1 < 0
wire [61:0] c7_pu = c6_a1_reg * c6_u_reg;
wire [61:0] c7_p  = c7_pu - (c6_a1_reg[37] ? {1'b0, c6_u_reg, 38'd0} : 62'd0);
wire [48:0] c7_l = c6_el_reg + {5'd0, c6_c0_reg} + {{10{c7_p[61]}}, c7_p[61:23]};

wire unused_bits = &{1'b0, c3_t[31], c3_el[53:49], c5_p[22:0], c6_p[22:0], c7_p[22:0]};

integer k;
always @(posedge clk) begin
    if (ce) begin
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
        tag_reg[0] <= s_tag;
        for (k = 1; k < STAGES; k = k + 1) tag_reg[k] <= tag_reg[k-1];
        c1_y_reg <= c1_y;
        c2_y_reg <= c1_y_reg;
        c2_e_reg <= msb_index32(c1_y_reg);
        c3_i_reg <= c3_t[30:23];
        c3_u_reg <= c3_t[22:0];
        c3_el_reg <= c3_el[48:0];
        c4_w_reg <= rom[c3_i_reg];
        c4_u_reg <= c3_u_reg;
        c4_el_reg <= c3_el_reg;
        c5_a2_reg <= c5_a2;
        c5_c01_reg <= c4_w_reg[79:0];
        c5_u_reg <= c4_u_reg;
        c5_el_reg <= c4_el_reg;
        c6_a1_reg <= c6_a1;
        c6_c0_reg <= c5_c01_reg[43:0];
        c6_u_reg <= c5_u_reg;
        c6_el_reg <= c5_el_reg;
        c7_l_reg <= c7_l;
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

int_to_f32 #(
    .IN_WIDTH(49),
    .FRAC_BITS(44),
    .SIGNED(0),
    .TAG_WIDTH(TAG_WIDTH)
) u_to_f32 (
    .clk(clk),
    .rst(rst),
    .s_value(c7_l_reg),
    .s_tag(tag_reg[STAGES-1]),
    .s_valid(valid_reg[STAGES-1]),
    .s_ready(ce),
    .m_f32(m_f32),
    .m_tag(m_tag),
    .m_valid(m_valid),
    .m_ready(m_ready)
);

assign s_ready = ce;

endmodule

`resetall
