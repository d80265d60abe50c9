// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: float32 bits to the output dtype (docs/spec/numerics.md section 3,
// models.dense_ops.f32_bits_to_f16_bits / f32_bits_to_bf16_bits):
//
//   dtype 0: float32 as is (32 bits)
//   dtype 1: IEEE float16, RNE; |v| >= 65520 -> +-inf; below 2^-14 -> subnormal (RNE);
//            NaN -> quiet NaN with the top payload bits
//   dtype 2: bfloat16, (u + 0x7FFF + u[16]) >> 16 (RNE, overflow carries to +-inf); NaN -> 0x7FC0
//   dtype 3: reserved (gives the float32 bits, like 0)
//
// A 16-bit result is in m_bits[15:0] with m_bits[31:16] = 0.
// The dtype travels with every operand. Latency 2 cycles, one result per cycle;
// global stall (ce = m_ready | ~m_valid).
//
// lint-params: TAG_WIDTH=8
// lint-params: TAG_WIDTH=1

`resetall
`timescale 1ns / 1ps
`default_nettype none

module f32_to_half #(
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    // operand: float32 bits and the output dtype (0 float32, 1 float16, 2 bfloat16)
    input  wire [31:0]          s_f32,
    input  wire [1:0]           s_dtype,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    // result: stored bits of the output dtype
    output wire [31:0]          m_bits,
    output wire [TAG_WIDTH-1:0] m_tag,
    output wire                 m_valid,
    input  wire                 m_ready
);

localparam STAGES = 2;

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

reg [STAGES-1:0] valid_reg;
reg [TAG_WIDTH-1:0] tag_reg [0:STAGES-1];

// stage 1: both 16-bit candidates and the selectors
reg [31:0] s1_u_reg;
reg [1:0]  s1_dtype_reg;
reg [15:0] s1_bf_reg;
reg [14:0] s1_norm_reg, s1_sub_reg, s1_nan_reg;
reg        s1_is_sub_reg, s1_is_inf_reg, s1_is_nan_reg;
reg [31:0] s2_bits_reg;

wire [30:0] a      = s_f32[30:0];
wire        is_nan = a > 31'h7F80_0000;
// bfloat16
wire [32:0] bf_sum = {1'b0, s_f32} + 33'h0_7FFF + {32'd0, s_f32[16]};
// float16 normal: m = a - (112 << 23), then (m + 0xFFF + m[13]) >> 13
wire [30:0] hm     = a - 31'h3800_0000;
wire [30:0] hn_sum = hm + 31'h0FFF + {30'd0, hm[13]};
// float16 subnormal: mant = 1.f (24 bits), sh = 126 - e in 14..25 where used (e >= 101), else 25 (gives 0)
wire [7:0]  e      = a[30:23];
wire [23:0] mant   = {1'b1, a[22:0]};
wire [4:0]  sh     = (e >= 8'd101 && e <= 8'd112) ? (5'd30 - e[4:0]) : 5'd25;  // 126 - e for e in 101..112
wire [23:0] q      = mant >> sh;
wire [47:0] mant_x = {mant, 24'd0} >> sh;             // the shifted-out bits, MSB first
wire        guard  = mant_x[23];
wire        sticky = |mant_x[22:0];
wire [14:0] sub    = q[14:0] + {14'd0, guard & (sticky | q[0])};
wire unused_bits = &{1'b0, bf_sum[32], bf_sum[15:0], hn_sum[30:28], hn_sum[12:0], q[23:15], mant_x[47:24]};

integer k;
always @(posedge clk) begin
    if (ce) begin
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
        tag_reg[0] <= s_tag;
        for (k = 1; k < STAGES; k = k + 1) tag_reg[k] <= tag_reg[k-1];
        s1_u_reg <= s_f32;
        s1_dtype_reg <= s_dtype;
        s1_bf_reg <= is_nan ? 16'h7FC0 : bf_sum[31:16];
        s1_norm_reg <= hn_sum[27:13];
        s1_sub_reg <= sub;
        s1_nan_reg <= 15'h7E00 | {5'd0, a[22:13]};
        s1_is_sub_reg <= a < 31'h3880_0000;
        s1_is_inf_reg <= a >= 31'h477F_F000;
        s1_is_nan_reg <= is_nan;
        case (s1_dtype_reg)
            2'd1: s2_bits_reg <= {16'd0, s1_u_reg[31],
                                  s1_is_nan_reg ? s1_nan_reg :
                                  s1_is_inf_reg ? 15'h7C00 :
                                  s1_is_sub_reg ? s1_sub_reg : s1_norm_reg};
            2'd2: s2_bits_reg <= {16'd0, s1_bf_reg};
            default: s2_bits_reg <= s1_u_reg;
        endcase
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_bits  = s2_bits_reg;
assign m_tag   = tag_reg[STAGES-1];
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
