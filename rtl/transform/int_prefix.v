// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: the integer prefix of the dense chain on int32
// (docs/spec/numerics.md section 1, models.dense_ops):
//
//   stage 1: f = null ? fill : x;  c = f < lo ? lo : f > hi ? hi : f
//            (= min(max(f, lo), hi) for lo <= hi, host-checked; both compares in parallel)
//   stage 2: r = sat32(c + shift)                              33-bit add, saturate
//
// The word under a null is a don't-care. fill/lo/hi/shift travel with every operand
// (per-feature config from the PE's LUTRAMs). Latency 2 cycles, one result per
// cycle; global stall (ce = m_ready | ~m_valid); the data registers load only for valid operands.
//
// lint-params: TAG_WIDTH=8
// lint-params: TAG_WIDTH=1

`resetall
`timescale 1ns / 1ps
`default_nettype none

module int_prefix #(
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    // operand: int32 x with its null bit, and the feature's fill/lo/hi/shift (int32)
    input  wire [31:0]          s_x,
    input  wire                 s_null,
    input  wire [31:0]          s_fill,
    input  wire [31:0]          s_lo,
    input  wire [31:0]          s_hi,
    input  wire [31:0]          s_shift,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    // result: int32
    output wire [31:0]          m_x,
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
wire             busy = s_valid || (|valid_reg);   // the whole block is skipped while empty
reg [TAG_WIDTH-1:0] tag1_reg, tag2_reg;
reg [31:0] s1_c_reg, s1_shift_reg;
reg [31:0] s2_r_reg;

// stage 1: fill, clamp (both compares in parallel)
function [31:0] clamp;
    input [31:0] x, fill, lo, hi;
    input        null_in;
    reg   [31:0] f;
    begin
        f = null_in ? fill : x;
        if ($signed(f) < $signed(lo))      clamp = lo;
        else if ($signed(f) > $signed(hi)) clamp = hi;
        else                               clamp = f;
    end
endfunction

// stage 2: 33-bit add; overflow iff the sum's top two bits differ: saturate toward its sign
function [31:0] sat_add;
    input [31:0] c, sh;
    reg   [32:0] sum;
    begin
        sum = {c[31], c} + {sh[31], sh};
        sat_add = (sum[32] == sum[31]) ? sum[31:0] : (sum[32] ? 32'h8000_0000 : 32'h7FFF_FFFF);
    end
endfunction

always @(posedge clk) begin
    if (busy && ce) begin
        if (valid_reg[0]) begin
            tag2_reg <= tag1_reg;
            s2_r_reg <= sat_add(s1_c_reg, s1_shift_reg);
        end
        if (s_valid) begin
            tag1_reg <= s_tag;
            s1_c_reg <= clamp(s_x, s_fill, s_lo, s_hi, s_null);
            s1_shift_reg <= s_shift;
        end
        // the valid bits last: every branch above reads them before they shift
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_x     = s2_r_reg;
assign m_tag   = tag2_reg;
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
