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
// the normalised value widened to at least 26 bits (24 kept, guard, sticky)
localparam XW = (W > 26) ? W : 26;

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
reg [TAG_WIDTH-1:0] tag1_reg, tag2_reg, tag3_reg, tag4_reg, tag5_reg;

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

// stage 1: sign and magnitude
function [W:0] sign_mag;                                 // {sign, |v|}
    input [W-1:0] v;
    reg sg;
    begin
        sg = (SIGNED != 0) & v[W-1];
        sign_mag = {sg, sg ? (~v + {{(W-1){1'b0}}, 1'b1}) : v};
    end
endfunction

// stage 4: the top 24 bits of the normalised value and the round-up bit (zeros appended up to 26 bits so
// that the 24 kept bits, the guard and at least one sticky bit exist)
function [24:0] keep_up;                                 // {keep, up}
    input [XW-1:0] x;
    begin
        keep_up = {x[XW-1 -: 24], x[XW-25] & ((|x[XW-26:0]) | x[XW-24])};
    end
endfunction
wire [XW-1:0] s3_x;                                      // wiring only
generate
    if (W >= 26) begin : gen_wide
        assign s3_x = s3_norm_reg;
    end else begin : gen_narrow
        assign s3_x = {s3_norm_reg, {(XW-W){1'b0}}};
    end
endgenerate

// stage 5: keep + up (a carry out of 24 bits bumps the exponent); exp = n - FRAC_BITS + 127
function [31:0] pack_f32;
    input          sign, zero, up;
    input [NB-1:0] n;
    input [23:0]   keep;
    reg   [24:0]   sum_unused;                           // bit 23 (the hidden one) is not stored
    reg   [9:0]    exp_unused;                           // a normal exponent: bits 9:8 are 0
    begin
        sum_unused = {1'b0, keep} + {24'd0, up};
        exp_unused = {3'd0, n} + 10'd127 - FRAC_BITS[9:0] + {9'd0, sum_unused[24]};
        // on a carry the sum is exactly 2^24: its fraction field [22:0] is 0 as required
        pack_f32 = zero ? 32'd0 : {sign, exp_unused[7:0], sum_unused[22:0]};
    end
endfunction

wire [NB-1:0] s3_shamt = WM1 - s2_n_reg;

always @(posedge clk) begin
    if (busy && ce) begin                                // the whole block is skipped while empty
        if (valid_reg[3]) begin
            tag5_reg <= tag4_reg;
            s5_f_reg <= pack_f32(s4_sign_reg, s4_zero_reg, s4_up_reg, s4_n_reg, s4_keep_reg);
        end
        if (valid_reg[2]) begin
            tag4_reg <= tag3_reg;
            s4_sign_reg <= s3_sign_reg;
            s4_zero_reg <= s3_zero_reg;
            s4_n_reg <= s3_n_reg;
            {s4_keep_reg, s4_up_reg} <= keep_up(s3_x);
        end
        if (valid_reg[1]) begin
            tag3_reg <= tag2_reg;
            s3_sign_reg <= s2_sign_reg;
            s3_zero_reg <= ~|s2_mag_reg;
            s3_n_reg <= s2_n_reg;
            s3_norm_reg <= s2_mag_reg << s3_shamt;
        end
        if (valid_reg[0]) begin
            tag2_reg <= tag1_reg;
            s2_sign_reg <= s1_sign_reg;
            s2_mag_reg <= s1_mag_reg;
            s2_n_reg <= msb_index(s1_mag_reg);
        end
        if (s_valid) begin
            tag1_reg <= s_tag;
            {s1_sign_reg, s1_mag_reg} <= sign_mag(s_value);
        end
        // the valid bits last: every branch above reads them before they shift
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_f32   = s5_f_reg;
assign m_tag   = tag5_reg;
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
