// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: exact v mod m for a 64-bit v and a run-time 1 <= m < 2^32,
// by Barrett reduction (docs/spec/sparse.md section 3.1, models.sparse_ops.modulo_barrett).
//
//   mu = floor((2^64 - 1) / m)                 computed by the host per column (barrett_params)
//   q  = (v * mu) >> 64                        only q[32:0] is needed
//   r0 = (v[32:0] - q[32:0] * m) mod 2^33      r0 < 2m (docs/spec/sparse.md)
//   r  = r0 >= m ? r0 - m : r0
//
// Pipelined for DSP48E2 (every multiplier input comes straight from a register, every product
// goes straight into one, carry-save trees before each carry-propagate add):
//   stage 1: register v, m, mu
//   stage 2: 11 partial products of v * mu below 2^97 (v in 17-bit, mu in 26-bit limbs: one DSP each)
//   stage 3: carry-save 11 -> 8 -> 6 -> 4 terms (97 bits)
//   stage 4: 4 -> 3 -> 2 terms; the carry out of their low 64 bits; their high 33 bits
//   stage 5: q[32:0] = high sum + carry
//   stage 6: 3 partial products of q * m below 2^33 (one DSP each)
//   stage 7: r0 = v[32:0] - q * m mod 2^33 (carry-save, one 33-bit add)
//   stage 8: r = r0 >= m ? r0 - m : r0
// m and mu travel with every operand (per-feature config from the PE), so interleaved columns
// with different moduli run back to back.
// Latency 8 cycles, one result per cycle; global stall (ce = m_ready | ~m_valid); a stage's
// registers load only for valid operands.
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

localparam STAGES = 8;

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

reg [STAGES:1] valid_reg;
wire           busy = s_valid || (|valid_reg);
always @(posedge clk) begin
    if (ce && busy) valid_reg <= {valid_reg[STAGES-1:1], s_valid};
    if (rst) valid_reg <= {STAGES{1'b0}};
end

// ---------------------------------------------------------------- stage 1
reg [63:0] v1_reg, mu1_reg;
reg [31:0] m1_reg;
always @(posedge clk) begin
    if (ce && s_valid) begin
        v1_reg <= s_value;
        mu1_reg <= s_mu;
        m1_reg <= s_m;
    end
end

// ---------------------------------------------------------------- stage 2: v * mu partial products
// v limbs at 0, 17, 34, 51 (17, 17, 17, 13 bits); mu limbs at 0, 26, 52 (26, 26, 12 bits);
// pIJ = vI * muJ at weight 17 I + 26 J, truncated to the bits below 2^97 ((3,2) is all above)
wire [16:0] v0 = v1_reg[16:0];
wire [16:0] v1 = v1_reg[33:17];
wire [16:0] v2 = v1_reg[50:34];
wire [12:0] v3 = v1_reg[63:51];
wire [25:0] u0 = mu1_reg[25:0];
wire [25:0] u1 = mu1_reg[51:26];
wire [11:0] u2 = mu1_reg[63:52];
reg [42:0] p00_reg, p01_reg, p10_reg, p11_reg, p20_reg;
reg [36:0] p21_reg;
reg [28:0] p02_reg;
reg [27:0] p12_reg;
reg [10:0] p22_reg;
reg [38:0] p30_reg;
reg [19:0] p31_reg;
reg [32:0] v2_reg;
reg [31:0] m2_reg;
wire [42:0] q00 = v0 * u0;
wire [42:0] q01 = v0 * u1;
wire [28:0] q02 = v0 * u2;
wire [42:0] q10 = v1 * u0;
wire [42:0] q11 = v1 * u1;
wire [27:0] q12 = v1 * u2;
wire [42:0] q20 = v2 * u0;
wire [36:0] q21 = v2 * u1;
wire [10:0] q22 = v2[10:0] * u2[10:0];
wire [38:0] q30 = v3 * u0;
wire [19:0] q31 = v3 * u1[19:0];
always @(posedge clk) begin
    if (ce && valid_reg[1]) begin
        p00_reg <= q00;
        p01_reg <= q01;
        p02_reg <= q02;
        p10_reg <= q10;
        p11_reg <= q11;
        p12_reg <= q12;
        p20_reg <= q20;
        p21_reg <= q21;
        p22_reg <= q22;
        p30_reg <= q30;
        p31_reg <= q31;
        v2_reg <= v1_reg[32:0];
        m2_reg <= m1_reg;
    end
end

// ---------------------------------------------------------------- stage 3: carry-save 11 -> 4
wire [96:0] t0  = {54'd0, p00_reg};
wire [96:0] t1  = {28'd0, p01_reg, 26'd0};
wire [96:0] t2  = {16'd0, p02_reg, 52'd0};
wire [96:0] t3  = {37'd0, p10_reg, 17'd0};
wire [96:0] t4  = {11'd0, p11_reg, 43'd0};
wire [96:0] t5  = {p12_reg, 69'd0};
wire [96:0] t6  = {20'd0, p20_reg, 34'd0};
wire [96:0] t7  = {p21_reg, 60'd0};
wire [96:0] t8  = {p22_reg, 86'd0};
wire [96:0] t9  = {7'd0, p30_reg, 51'd0};
wire [96:0] t10 = {p31_reg, 77'd0};

function [193:0] csa;                                   // {carry, sum} of x + y + z (mod 2^97)
    input [96:0] x, y, z;
    begin
        csa[96:0]   = x ^ y ^ z;
        csa[193:97] = {(x[95:0] & y[95:0]) | (x[95:0] & z[95:0]) | (y[95:0] & z[95:0]), 1'b0};
    end
endfunction

wire [193:0] a1 = csa(t0, t1, t2);
wire [193:0] a2 = csa(t3, t4, t5);
wire [193:0] a3 = csa(t6, t7, t8);                      // 8 terms: a1 a2 a3 (6), t9, t10
wire [193:0] b1 = csa(a1[96:0], a1[193:97], a2[96:0]);
wire [193:0] b2 = csa(a2[193:97], a3[96:0], a3[193:97]);  // 6 terms: b1 b2 (4), t9, t10
wire [193:0] c1 = csa(b1[96:0], b1[193:97], b2[96:0]);
wire [193:0] c2 = csa(b2[193:97], t9, t10);             // 4 terms: c1 c2
reg  [96:0]  c3_a_reg, c3_b_reg, c3_c_reg, c3_d_reg;
reg  [32:0]  v3_reg;
reg  [31:0]  m3_reg;
always @(posedge clk) begin
    if (ce && valid_reg[2]) begin
        c3_a_reg <= c1[96:0];
        c3_b_reg <= c1[193:97];
        c3_c_reg <= c2[96:0];
        c3_d_reg <= c2[193:97];
        v3_reg <= v2_reg;
        m3_reg <= m2_reg;
    end
end

// ---------------------------------------------------------------- stage 4: 4 -> 2, carry into bit 64
wire [193:0] d1 = csa(c3_a_reg, c3_b_reg, c3_c_reg);
wire [193:0] d2 = csa(d1[96:0], d1[193:97], c3_d_reg);
wire [64:0]  lo_sum = {1'b0, d2[63:0]} + {1'b0, d2[160:97]};
reg  [32:0]  hs_reg, hc_reg;
reg          c64_reg;
reg  [32:0]  v4_reg;
reg  [31:0]  m4_reg;
always @(posedge clk) begin
    if (ce && valid_reg[3]) begin
        hs_reg <= d2[96:64];
        hc_reg <= d2[193:161];
        c64_reg <= lo_sum[64];
        v4_reg <= v3_reg;
        m4_reg <= m3_reg;
    end
end
wire unused_lo = &{1'b0, lo_sum[63:0]};

// ---------------------------------------------------------------- stage 5: q[32:0]
reg [32:0] q5_reg;
reg [32:0] v5_reg;
reg [31:0] m5_reg;
always @(posedge clk) begin
    if (ce && valid_reg[4]) begin
        q5_reg <= hs_reg + hc_reg + {32'd0, c64_reg};
        v5_reg <= v4_reg;
        m5_reg <= m4_reg;
    end
end

// ---------------------------------------------------------------- stage 6: q * m below 2^33
// q limbs at 0, 17 (17, 16 bits); m limbs at 0, 26 (26, 6 bits)
wire [32:0] r00 = q5_reg[16:0] * m5_reg[25:0];
wire [15:0] r10 = q5_reg[32:17] * m5_reg[15:0];
wire [6:0]  r01 = q5_reg[6:0] * m5_reg[31:26];
reg  [32:0] r00_reg;
reg  [15:0] r10_reg;
reg  [6:0]  r01_reg;
reg  [32:0] v6_reg;
reg  [31:0] m6_reg;
always @(posedge clk) begin
    if (ce && valid_reg[5]) begin
        r00_reg <= r00;
        r10_reg <= r10;
        r01_reg <= r01;
        v6_reg <= v5_reg;
        m6_reg <= m5_reg;
    end
end

// ---------------------------------------------------------------- stage 7: r0 = v - q m (mod 2^33)
// v + ~x + ~y + ~z + 3 = v - (x + y + z) mod 2^33: two carry-save steps and one add
wire [32:0] n0 = ~r00_reg;
wire [32:0] n1 = ~{r10_reg, 17'd0};
wire [32:0] n2 = ~{r01_reg, 26'd0};
wire [32:0] e1s = v6_reg ^ n0 ^ n1;
wire [32:0] e1c = {(v6_reg[31:0] & n0[31:0]) | (v6_reg[31:0] & n1[31:0]) | (n0[31:0] & n1[31:0]), 1'b0};
wire [32:0] e2s = e1s ^ e1c ^ n2;
wire [32:0] e2c = {(e1s[31:0] & e1c[31:0]) | (e1s[31:0] & n2[31:0]) | (e1c[31:0] & n2[31:0]), 1'b0};
reg  [32:0] r7_reg;
reg  [31:0] m7_reg;
always @(posedge clk) begin
    if (ce && valid_reg[6]) begin
        r7_reg <= e2s + e2c + 33'd3;
        m7_reg <= m6_reg;
    end
end

// ---------------------------------------------------------------- stage 8: one correction
wire [33:0] s8_d = {1'b0, r7_reg} - {2'd0, m7_reg};     // borrow in bit 33: r0 < m
reg  [31:0] r8_reg;
always @(posedge clk) begin
    if (ce && valid_reg[7]) r8_reg <= s8_d[33] ? r7_reg[31:0] : s8_d[31:0];
end
wire unused_d = s8_d[32];

// the tag rides beside the pipeline
wire unused_vtag;
xform_delay #(.LATENCY(STAGES), .WIDTH(TAG_WIDTH)) u_tag (
    .clk(clk), .rst(rst), .ce(ce), .s_data(s_tag), .s_valid(s_valid), .m_data(m_tag), .m_valid(unused_vtag)
);

assign m_rem   = r8_reg;
assign m_valid = valid_reg[STAGES];

endmodule

`resetall
