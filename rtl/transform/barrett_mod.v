// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: exact v mod m for a 64-bit v and a run-time 1 <= m < 2^32,
// by Barrett reduction (docs/spec/sparse.md section 3.1, models.sparse_ops.modulo_barrett).
//
//   mu = floor((2^64 - 1) / m)                 computed by the host per column (barrett_params)
//   q  = (v * mu) >> 64                        stage 1: four 32 x 32 partial products
//                                              stage 2: their sum, high word (only q[32:0] kept)
//   r0 = (v[32:0] - q[32:0] * m) mod 2^33      stage 3: 33 x 32 multiplier, low 33 bits
//   r  = r0 >= m ? r0 - m : r0                 stage 4: compare and subtract
//
// m and mu travel with every operand (per-feature config from the PE's registers), so
// interleaved columns with different moduli run back to back.
// Latency 4 cycles, one result per cycle; global stall (ce = m_ready | ~m_valid).
//
// lint-params: TAG_WIDTH=8
// lint-params: TAG_WIDTH=1

`resetall
`timescale 1ns / 1ps
`default_nettype none

module barrett_mod #(
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    // operand: value, modulus m (1 .. 2^32-1) and mu = floor((2^64-1)/m)
    input  wire [63:0]          s_value,
    input  wire [31:0]          s_m,
    input  wire [63:0]          s_mu,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    // result: value mod m
    output wire [31:0]          m_rem,
    output wire [TAG_WIDTH-1:0] m_tag,
    output wire                 m_valid,
    input  wire                 m_ready
);

localparam STAGES = 4;

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

// stage 1: partial products of v * mu
reg [31:0] s1_p00h_reg;               // (v[31:0] * mu[31:0]) >> 32
reg [63:0] s1_p01_reg, s1_p10_reg;    // cross products
reg [32:0] s1_p11_reg;                // low 33 bits of v[63:32] * mu[63:32]
reg [32:0] s1_v_reg;
reg [31:0] s1_m_reg;
// stage 2: q[32:0]
reg [32:0] s2_q_reg;
reg [32:0] s2_v_reg;
reg [31:0] s2_m_reg;
// stage 3: r0
reg [32:0] s3_r_reg;
reg [31:0] s3_m_reg;
// stage 4: result
reg [31:0] s4_r_reg;

// mid = (p00 >> 32) + p01[31:0] + p10[31:0] < 3 * 2^32
wire [33:0] s2_mid = {2'd0, s1_p00h_reg} + {2'd0, s1_p01_reg[31:0]} + {2'd0, s1_p10_reg[31:0]};
// q = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32); only its low 33 bits are used
wire [32:0] s2_q = s1_p11_reg + {1'b0, s1_p01_reg[63:32]} + {1'b0, s1_p10_reg[63:32]}
                 + {31'd0, s2_mid[33:32]};
wire [64:0] s3_qm = s2_q_reg * s2_m_reg;            // 33 x 32; only the low 33 bits are used
wire [32:0] s3_r  = s2_v_reg - s3_qm[32:0];
wire [32:0] s4_d  = s3_r_reg - {1'b0, s3_m_reg};
wire        s4_ge = s3_r_reg >= {1'b0, s3_m_reg};
wire [63:0] s1_p00 = s_value[31:0]  * s_mu[31:0];
wire [63:0] s1_p11 = s_value[63:32] * s_mu[63:32];
wire unused_bits = &{1'b0, s3_qm[64:33], s2_mid[31:0], s4_d[32], s1_p00[31:0], s1_p11[63:33]};

integer k;
always @(posedge clk) begin
    if (ce) begin
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
        tag_reg[0] <= s_tag;
        for (k = 1; k < STAGES; k = k + 1) tag_reg[k] <= tag_reg[k-1];
        s1_p00h_reg <= s1_p00[63:32];
        s1_p01_reg <= s_value[31:0]  * s_mu[63:32];
        s1_p10_reg <= s_value[63:32] * s_mu[31:0];
        s1_p11_reg <= s1_p11[32:0];
        s1_v_reg <= s_value[32:0];
        s1_m_reg <= s_m;
        s2_q_reg <= s2_q;
        s2_v_reg <= s1_v_reg;
        s2_m_reg <= s1_m_reg;
        s3_r_reg <= s3_r;
        s3_m_reg <= s2_m_reg;
        s4_r_reg <= s4_ge ? s4_d[31:0] : s3_r_reg[31:0];
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_rem   = s4_r_reg;
assign m_tag   = tag_reg[STAGES-1];
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
