// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: integer (fixed point) to float32, round to nearest, ties to even.
//
// One converter for both users (docs/spec/numerics.md section 3):
//   identity:  SIGNED=1, IN_WIDTH=32, FRAC_BITS=0   (models.dense_ops.int32_to_f32_bits)
//   log1p:     SIGNED=0, IN_WIDTH=49, FRAC_BITS=44  (models.log1p.q_to_f32_bits)
//
//   stage 1: sign and magnitude M (|-2^(W-1)| = 2^(W-1) fits W bits unsigned)
//   stage 2: n = floor(log2 M) (leading-zero count)
//   stage 3: normalise N = M << (W-1-n) (the leading one at bit W-1)
//   stage 4: keep = the top 24 bits of N, guard, sticky; up = guard & (sticky | lsb)
//   stage 5: keep + up, a carry out of 24 bits bumps the exponent; exp = n - FRAC_BITS + 127
// M = 0 gives +0.0. Latency 5 cycles, one result per cycle; global stall
// (ce = m_ready | ~m_valid); a stage's registers load only for valid operands. Every result
// must be a normal float32 (checked on the parameters: IN_WIDTH - 1 - FRAC_BITS <= 127 and
// FRAC_BITS <= 126).
//
// lint-params: IN_WIDTH=49 FRAC_BITS=44 SIGNED=0 TAG_WIDTH=4
// lint-params: IN_WIDTH=16 FRAC_BITS=0 SIGNED=1 TAG_WIDTH=1
// synth-params: IN_WIDTH=49 FRAC_BITS=44 SIGNED=0

`resetall
`timescale 1ns / 1ps
`default_nettype none

module int_to_f32 #(
    // Width of the input integer in bits (2..64)
    parameter IN_WIDTH  = 32,
    // Binary point: the input is value * 2^FRAC_BITS (0 = plain integer)
    parameter FRAC_BITS = 0,
    // 1: input is two's complement (sign bit goes to bit 31); 0: input is unsigned
    parameter SIGNED    = 1,
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    input  wire [IN_WIDTH-1:0]  s_value,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    output wire [31:0]          m_f32,
    output wire [TAG_WIDTH-1:0] m_tag,
    output wire                 m_valid,
    input  wire                 m_ready
);

localparam STAGES = 5;
localparam W = IN_WIDTH;
// width of the exponent index n (0 .. W-1)
localparam NB = 7;
localparam integer WM1I = W - 1;
localparam [NB-1:0] WM1 = WM1I[NB-1:0];
// bits below the 24 kept and the guard bit of the normalised value (sticky), at least 1
localparam LOW = (W > 25) ? W - 25 : 1;

initial begin
    if (IN_WIDTH < 2 || IN_WIDTH > 64 || FRAC_BITS < 0 || FRAC_BITS > 126
        || IN_WIDTH - 1 - FRAC_BITS > 127 || TAG_WIDTH < 1) begin
        $error("Error: int_to_f32 parameters out of range (instance %m)");
        $finish;
    end
end

// leading-one position in two levels: the highest non-zero byte, and the highest one inside each byte
localparam G = (W + 7) / 8;
function [NB-1:0] msb_index;
    input [W-1:0] v;
    reg [8*G-1:0] x;
    reg [2:0]     in_byte [0:G-1];
    reg [NB-1:0]  r;
    integer g, i;
    begin
        x = {{(8*G-W){1'b0}}, v};
        for (g = 0; g < G; g = g + 1) begin
            in_byte[g] = 3'd0;
            for (i = 0; i < 8; i = i + 1)
                if (x[8*g + i]) in_byte[g] = i[2:0];
        end
        r = {NB{1'b0}};
        for (g = 0; g < G; g = g + 1)
            if (|x[8*g +: 8]) r = {g[NB-4:0], in_byte[g]};
        msb_index = r;
    end
endfunction

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

reg [STAGES-1:0] valid_reg;
wire             busy = s_valid || (|valid_reg);
reg [TAG_WIDTH-1:0] tag_reg [0:STAGES-1];

reg          s1_sign_reg;
reg [W-1:0]  s1_mag_reg;
reg          s2_sign_reg;
reg [W-1:0]  s2_mag_reg;
reg [NB-1:0] s2_n_reg;
reg          s3_sign_reg, s3_zero_reg;
reg [NB-1:0] s3_n_reg;
reg [W-1:0]  s3_norm_reg;
reg          s4_sign_reg, s4_zero_reg, s4_up_reg;
reg [NB-1:0] s4_n_reg;
reg [23:0]   s4_keep_reg;
reg [31:0]   s5_f_reg;

wire         s1_sign = (SIGNED != 0) & s_value[W-1];
wire [W-1:0] s1_mag  = s1_sign ? (~s_value + {{(W-1){1'b0}}, 1'b1}) : s_value;

wire [NB-1:0] s3_shamt = WM1 - s2_n_reg;
wire [W-1:0]  s3_norm  = s2_mag_reg << s3_shamt;

// the normalised value with 25 zero bits appended, so that 24 kept bits and the guard always exist
wire [W+24:0] s4_x      = {s3_norm_reg, 25'd0};
wire [23:0]   s4_keep   = s4_x[W+24 -: 24];
wire          s4_guard  = s4_x[W];
wire [LOW-1:0] s4_low   = s4_x[W-1 -: LOW];
wire          s4_sticky = |s4_low;

wire [24:0] s5_sum = {1'b0, s4_keep_reg} + {24'd0, s4_up_reg};
wire [9:0]  s5_exp = {3'd0, s4_n_reg} + 10'd127 - FRAC_BITS[9:0] + {9'd0, s5_sum[24]};
wire unused_exp = &{1'b0, s5_exp[9:8], s5_sum[23], s4_x};  // s4_x: the appended zeros

always @(posedge clk) begin
    if (ce && busy) valid_reg <= {valid_reg[STAGES-2:0], s_valid};
    if (ce) begin
        if (s_valid) begin
            tag_reg[0] <= s_tag;
            s1_sign_reg <= s1_sign;
            s1_mag_reg <= s1_mag;
        end
        if (valid_reg[0]) begin
            tag_reg[1] <= tag_reg[0];
            s2_sign_reg <= s1_sign_reg;
            s2_mag_reg <= s1_mag_reg;
            s2_n_reg <= msb_index(s1_mag_reg);
        end
        if (valid_reg[1]) begin
            tag_reg[2] <= tag_reg[1];
            s3_sign_reg <= s2_sign_reg;
            s3_zero_reg <= ~|s2_mag_reg;
            s3_n_reg <= s2_n_reg;
            s3_norm_reg <= s3_norm;
        end
        if (valid_reg[2]) begin
            tag_reg[3] <= tag_reg[2];
            s4_sign_reg <= s3_sign_reg;
            s4_zero_reg <= s3_zero_reg;
            s4_n_reg <= s3_n_reg;
            s4_keep_reg <= s4_keep;
            s4_up_reg <= s4_guard & (s4_sticky | s4_keep[0]);
        end
        if (valid_reg[3]) begin
            tag_reg[4] <= tag_reg[3];
            // on a carry the sum is exactly 2^24: its fraction field [22:0] is 0 as required
            s5_f_reg <= s4_zero_reg ? 32'd0 : {s4_sign_reg, s5_exp[7:0], s5_sum[22:0]};
        end
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_f32   = s5_f_reg;
assign m_tag   = tag_reg[STAGES-1];
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
