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
reg [TAG_WIDTH-1:0] tag1_reg, tag2_reg, tag3_reg;

// ---------------------------------------------------------------- stage 1
reg [1:0]  s1_dtype_reg;
reg [31:0] s1_u_reg;
reg [15:0] s1_bf_reg;
reg [30:0] s1_hm_reg;
reg [4:0]  s1_sh_reg;
reg        s1_is_sub_reg, s1_is_inf_reg, s1_is_nan_reg;

// bfloat16: (u + 0x7FFF + u[16]) >> 16, NaN -> 0x7FC0
function [15:0] bf16;
    input [31:0] u;
    reg   [32:0] sum_unused;                             // bits 32 and 15:0 unused
    begin
        sum_unused = {1'b0, u} + 33'h0_7FFF + {32'd0, u[16]};
        bf16 = (u[30:0] > 31'h7F80_0000) ? 16'h7FC0 : sum_unused[31:16];
    end
endfunction
// float16 subnormal shift: sh = 126 - e for e in 101..112 (14..25), else 25 (gives 0)
function [4:0] sub_shift;
    input [7:0] e;
    begin
        sub_shift = (e >= 8'd101 && e <= 8'd112) ? (5'd30 - e[4:0]) : 5'd25;
    end
endfunction

// ---------------------------------------------------------------- stage 2
reg [1:0]  s2_dtype_reg;
reg [31:0] s2_u_reg;
reg [15:0] s2_bf_reg;
reg [14:0] s2_norm_reg, s2_q_reg;
reg        s2_up_reg;
reg        s2_is_sub_reg, s2_is_inf_reg, s2_is_nan_reg;

// float16 normal: m = a - (112 << 23); (m + 0xFFF + m[13]) >> 13
function [14:0] norm16;
    input [30:0] hm;
    reg   [30:0] sum_unused;                             // bits 30:28 and 12:0 unused
    begin
        sum_unused = hm + 31'h0FFF + {30'd0, hm[13]};
        norm16 = sum_unused[27:13];
    end
endfunction
// float16 subnormal: {q[14:0], round up}; mant = 1.f (24 bits) >> sh, guard and sticky from the
// shifted-out bits
function [15:0] sub16;
    input [22:0] f;
    input [4:0]  sh;
    reg   [23:0] q_unused;                               // bits 23:15 are 0 where used
    reg   [47:0] x_unused;                               // the shifted-out bits, MSB first (47:24 unused)
    begin
        q_unused = {1'b1, f} >> sh;
        x_unused = {1'b1, f, 24'd0} >> sh;
        sub16 = {q_unused[14:0], x_unused[23] & ((|x_unused[22:0]) | q_unused[0])};
    end
endfunction

// ---------------------------------------------------------------- stage 3
reg  [31:0] s3_bits_reg;
function [31:0] select;
    input [1:0]  dtype;
    input [31:0] u;
    input [15:0] bf;
    input [14:0] norm, q;
    input        up, is_sub, is_inf, is_nan;
    reg   [14:0] sub;
    begin
        sub = q + {14'd0, up};
        case (dtype)
            2'd1: select = {16'd0, u[31],
                            is_nan ? (15'h7E00 | {5'd0, u[22:13]}) :
                            is_inf ? 15'h7C00 :
                            is_sub ? sub : norm};
            2'd2: select = {16'd0, bf};
            default: select = u;
        endcase
    end
endfunction

always @(posedge clk) begin
    if (busy && ce) begin                                // the whole block is skipped while empty
        if (valid_reg[1]) begin
            tag3_reg <= tag2_reg;
            s3_bits_reg <= select(s2_dtype_reg, s2_u_reg, s2_bf_reg, s2_norm_reg, s2_q_reg, s2_up_reg,
                                  s2_is_sub_reg, s2_is_inf_reg, s2_is_nan_reg);
        end
        if (valid_reg[0]) begin
            tag2_reg <= tag1_reg;
            s2_u_reg <= s1_u_reg;
            s2_dtype_reg <= s1_dtype_reg;
            s2_bf_reg <= s1_bf_reg;
            s2_norm_reg <= norm16(s1_hm_reg);
            {s2_q_reg, s2_up_reg} <= sub16(s1_u_reg[22:0], s1_sh_reg);
            s2_is_sub_reg <= s1_is_sub_reg;
            s2_is_inf_reg <= s1_is_inf_reg;
            s2_is_nan_reg <= s1_is_nan_reg;
        end
        if (s_valid) begin
            tag1_reg <= s_tag;
            s1_u_reg <= s_f32;
            s1_dtype_reg <= s_dtype;
            s1_bf_reg <= bf16(s_f32);
            s1_hm_reg <= s_f32[30:0] - 31'h3800_0000;
            s1_sh_reg <= sub_shift(s_f32[30:23]);
            s1_is_sub_reg <= s_f32[30:0] < 31'h3880_0000;
            s1_is_inf_reg <= s_f32[30:0] >= 31'h477F_F000;
            s1_is_nan_reg <= s_f32[30:0] > 31'h7F80_0000;
        end
        // the valid bits last: every branch above reads them before they shift
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_bits  = s3_bits_reg;
assign m_tag   = tag3_reg;
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
