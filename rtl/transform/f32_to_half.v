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
//   stage 1: bfloat16 rounding and NaN; float16 exponent rebias; the subnormal shift; the class flags
//   stage 2: float16 normal rounding; the subnormal shift with its guard and sticky bits
//   stage 3: float16 subnormal rounding; the dtype's result
// The dtype travels with every operand. Latency 3 cycles, one result per cycle;
// global stall (ce = m_ready | ~m_valid); a stage's registers load only for valid operands.
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

localparam STAGES = 3;

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

reg [STAGES-1:0] valid_reg;
wire             busy = s_valid || (|valid_reg);
reg [TAG_WIDTH-1:0] tag_reg [0:STAGES-1];

// ---------------------------------------------------------------- stage 1
wire [30:0] a      = s_f32[30:0];
wire        is_nan = a > 31'h7F80_0000;
// bfloat16
wire [32:0] bf_sum = {1'b0, s_f32} + 33'h0_7FFF + {32'd0, s_f32[16]};
// float16 normal: m = a - (112 << 23), rounded in stage 2: (m + 0xFFF + m[13]) >> 13
wire [30:0] hm     = a - 31'h3800_0000;
// float16 subnormal: mant = 1.f (24 bits), sh = 126 - e in 14..25 where used (e >= 101), else 25 (gives 0)
wire [7:0]  e      = a[30:23];
wire [4:0]  sh     = (e >= 8'd101 && e <= 8'd112) ? (5'd30 - e[4:0]) : 5'd25;  // 126 - e for e in 101..112
reg [1:0]  s1_dtype_reg;
reg [31:0] s1_u_reg;
reg [15:0] s1_bf_reg;
reg [30:0] s1_hm_reg;
reg [4:0]  s1_sh_reg;
reg        s1_is_sub_reg, s1_is_inf_reg, s1_is_nan_reg;
wire unused_bits1 = &{1'b0, bf_sum[32], bf_sum[15:0]};

// ---------------------------------------------------------------- stage 2
wire [30:0] hn_sum = s1_hm_reg + 31'h0FFF + {30'd0, s1_hm_reg[13]};
wire [23:0] mant   = {1'b1, s1_u_reg[22:0]};
wire [23:0] q      = mant >> s1_sh_reg;
wire [47:0] mant_x = {mant, 24'd0} >> s1_sh_reg;        // the shifted-out bits, MSB first
wire        guard  = mant_x[23];
wire        sticky = |mant_x[22:0];
reg [1:0]  s2_dtype_reg;
reg [31:0] s2_u_reg;
reg [15:0] s2_bf_reg;
reg [14:0] s2_norm_reg, s2_q_reg;
reg        s2_up_reg;
reg        s2_is_sub_reg, s2_is_inf_reg, s2_is_nan_reg;
wire unused_bits2 = &{1'b0, hn_sum[30:28], hn_sum[12:0], q[23:15], mant_x[47:24]};

// ---------------------------------------------------------------- stage 3
wire [14:0] sub = s2_q_reg + {14'd0, s2_up_reg};
reg  [31:0] s3_bits_reg;
wire [14:0] nan16 = 15'h7E00 | {5'd0, s2_u_reg[22:13]};

always @(posedge clk) begin
    if (ce && busy) valid_reg <= {valid_reg[STAGES-2:0], s_valid};
    if (ce) begin
        if (s_valid) begin
            tag_reg[0] <= s_tag;
            s1_u_reg <= s_f32;
            s1_dtype_reg <= s_dtype;
            s1_bf_reg <= is_nan ? 16'h7FC0 : bf_sum[31:16];
            s1_hm_reg <= hm;
            s1_sh_reg <= sh;
            s1_is_sub_reg <= a < 31'h3880_0000;
            s1_is_inf_reg <= a >= 31'h477F_F000;
            s1_is_nan_reg <= is_nan;
        end
        if (valid_reg[0]) begin
            tag_reg[1] <= tag_reg[0];
            s2_u_reg <= s1_u_reg;
            s2_dtype_reg <= s1_dtype_reg;
            s2_bf_reg <= s1_bf_reg;
            s2_norm_reg <= hn_sum[27:13];
            s2_q_reg <= q[14:0];
            s2_up_reg <= guard & (sticky | q[0]);
            s2_is_sub_reg <= s1_is_sub_reg;
            s2_is_inf_reg <= s1_is_inf_reg;
            s2_is_nan_reg <= s1_is_nan_reg;
        end
        if (valid_reg[1]) begin
            tag_reg[2] <= tag_reg[1];
            case (s2_dtype_reg)
                2'd1: s3_bits_reg <= {16'd0, s2_u_reg[31],
                                      s2_is_nan_reg ? nan16 :
                                      s2_is_inf_reg ? 15'h7C00 :
                                      s2_is_sub_reg ? sub : s2_norm_reg};
                2'd2: s3_bits_reg <= {16'd0, s2_bf_reg};
                default: s3_bits_reg <= s2_u_reg;
            endcase
        end
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_bits  = s3_bits_reg;
assign m_tag   = tag_reg[STAGES-1];
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
