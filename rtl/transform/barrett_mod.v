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
reg [63:0] v1_reg, mu1_reg;
reg [31:0] m1_reg;
// ---------------------------------------------------------------- stage 2: v * mu partial products
// v limbs at 0, 17, 34, 51 (17, 17, 17, 13 bits); mu limbs at 0, 26, 52 (26, 26, 12 bits);
// pIJ = vI * muJ at weight 17 I + 26 J, truncated to the bits below 2^97 ((3,2) is all above); each is
// computed at its kept width (the low bits of a product only depend on the low bits of its operands)
reg [42:0] p00_reg, p01_reg, p10_reg, p11_reg, p20_reg;
reg [36:0] p21_reg;
reg [28:0] p02_reg;
reg [27:0] p12_reg;
reg [10:0] p22_reg;
reg [38:0] p30_reg;
reg [19:0] p31_reg;
reg [32:0] v2_reg;
reg [31:0] m2_reg;
// x + y + z = (x ^ y ^ z) + (MAJ(x, y, z) << 1)
`define MAJ(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))

reg  [63:0]  c3_al_reg, c3_bl_reg, c3_cl_reg, c3_dl_reg;   // the four carry-save terms: low 64 bits
reg  [32:0]  c3_ah_reg, c3_bh_reg, c3_ch_reg, c3_dh_reg;   // and high 33 bits
reg  [32:0]  v3_reg, v4_reg, v5_reg, v6_reg;
reg  [31:0]  m3_reg, m4_reg, m5_reg, m6_reg, m7_reg;
reg  [32:0]  hs_reg, hc_reg;
reg          c64_reg;
reg  [32:0]  q5_reg;
reg  [32:0]  r00_reg;
reg  [15:0]  r10_reg;
reg  [6:0]   r01_reg;
reg  [32:0]  r7_reg;
reg  [31:0]  r8_reg;

// One clocked block, skipped as a whole while the pipeline is empty. Stages 3, 4, 7 and 8 compute their
// temporaries with blocking assignments inside their valid-gated branches and read them only there
// (combinational logic in synthesis; in simulation an idle stage costs nothing, where wide function
// locals would be cleared on every clock edge). The BLKSEQ style warning (lint) is waived for this block.
reg [63:0] t0l, t1l, t2l, t3l, t4l, t5l, t6l, t7l, t8l, t9l, t10l;
reg [32:0] t0h, t1h, t2h, t3h, t4h, t5h, t6h, t7h, t8h, t9h, t10h;
reg [63:0] a1sl, a1cl, a2sl, a2cl, a3sl, a3cl, b1sl, b1cl, b2sl, b2cl, c1sl, c1cl, c2sl, c2cl, d1sl, d1cl, d2sl, d2cl;
reg [32:0] a1sh, a1ch, a2sh, a2ch, a3sh, a3ch, b1sh, b1ch, b2sh, b2ch, c1sh, c1ch, c2sh, c2ch, d1sh, d1ch, d2sh, d2ch;
reg [64:0] lo_unused;                                    // only its carry bit (64) is used
reg [32:0] n0, n1, n2, e1s, e1c, e2s, e2c;
reg [33:0] diff_unused;                                  // borrow in bit 33 (r0 < m); bit 32 unused
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (busy && ce) begin
        // ------------------------------------------------ stage 8: one correction
        if (valid_reg[7]) begin
            diff_unused = {1'b0, r7_reg} - {2'd0, m7_reg};
            r8_reg <= diff_unused[33] ? r7_reg[31:0] : diff_unused[31:0];
        end
        // ------------------------------------------------ stage 7: r0 = v - q m (mod 2^33)
        // v + ~x + ~y + ~z + 3 = v - (x + y + z) mod 2^33: two carry-save steps and one add
        if (valid_reg[6]) begin
            n0 = ~r00_reg;
            n1 = ~{r10_reg, 17'd0};
            n2 = ~{r01_reg, 26'd0};
            e1s = v6_reg ^ n0 ^ n1;
            e1c = {(v6_reg[31:0] & n0[31:0]) | (v6_reg[31:0] & n1[31:0]) | (n0[31:0] & n1[31:0]), 1'b0};
            e2s = e1s ^ e1c ^ n2;
            e2c = {(e1s[31:0] & e1c[31:0]) | (e1s[31:0] & n2[31:0]) | (e1c[31:0] & n2[31:0]), 1'b0};
            r7_reg <= e2s + e2c + 33'd3;
            m7_reg <= m6_reg;
        end
        // ------------------------------------------------ stage 6: q * m below 2^33
        // q limbs at 0, 17 (17, 16 bits); m limbs at 0, 26 (26, 6 bits)
        if (valid_reg[5]) begin
            r00_reg <= q5_reg[16:0] * m5_reg[25:0];
            r10_reg <= q5_reg[32:17] * m5_reg[15:0];
            r01_reg <= q5_reg[6:0] * m5_reg[31:26];
            v6_reg <= v5_reg;
            m6_reg <= m5_reg;
        end
        // ------------------------------------------------ stage 5: q[32:0]
        if (valid_reg[4]) begin
            q5_reg <= hs_reg + hc_reg + {32'd0, c64_reg};
            v5_reg <= v4_reg;
            m5_reg <= m4_reg;
        end
        // ------------------------------------------------ stage 4: 4 -> 2, their high 33 bits, carry into bit 64
        if (valid_reg[3]) begin
            d1sl = c3_al_reg ^ c3_bl_reg ^ c3_cl_reg;
            d1sh = c3_ah_reg ^ c3_bh_reg ^ c3_ch_reg;
            d1cl = `MAJ(c3_al_reg, c3_bl_reg, c3_cl_reg) << 1;
            d1ch = (`MAJ(c3_ah_reg, c3_bh_reg, c3_ch_reg) << 1) | {32'd0, `MAJ(c3_al_reg[63], c3_bl_reg[63], c3_cl_reg[63])};
            d2sl = d1sl ^ d1cl ^ c3_dl_reg;
            d2sh = d1sh ^ d1ch ^ c3_dh_reg;
            d2cl = `MAJ(d1sl, d1cl, c3_dl_reg) << 1;
            d2ch = (`MAJ(d1sh, d1ch, c3_dh_reg) << 1) | {32'd0, `MAJ(d1sl[63], d1cl[63], c3_dl_reg[63])};
            lo_unused = {1'b0, d2sl} + {1'b0, d2cl};
            hs_reg <= d2sh;
            hc_reg <= d2ch;
            c64_reg <= lo_unused[64];
            v4_reg <= v3_reg;
            m4_reg <= m3_reg;
        end
        // ------------------------------------------------ stage 3: carry-save 11 -> 4 (97 bits, each as
        // its low 64 and high 33 bits, so that simulation works on native words)
        if (valid_reg[2]) begin
            t0l = {21'd0, p00_reg};             t0h = 33'd0;
            t1l = {p01_reg[37:0], 26'd0};       t1h = {28'd0, p01_reg[42:38]};
            t2l = {p02_reg[11:0], 52'd0};       t2h = {16'd0, p02_reg[28:12]};
            t3l = {4'd0, p10_reg, 17'd0};       t3h = 33'd0;
            t4l = {p11_reg[20:0], 43'd0};       t4h = {11'd0, p11_reg[42:21]};
            t5l = 64'd0;                        t5h = {p12_reg, 5'd0};
            t6l = {p20_reg[29:0], 34'd0};       t6h = {20'd0, p20_reg[42:30]};
            t7l = {p21_reg[3:0], 60'd0};        t7h = p21_reg[36:4];
            t8l = 64'd0;                        t8h = {p22_reg, 22'd0};
            t9l = {p30_reg[12:0], 51'd0};       t9h = {7'd0, p30_reg[38:13]};
            t10l = 64'd0;                       t10h = {p31_reg, 13'd0};
            a1sl = t0l ^ t1l ^ t2l;
            a1sh = t0h ^ t1h ^ t2h;
            a1cl = `MAJ(t0l, t1l, t2l) << 1;
            a1ch = (`MAJ(t0h, t1h, t2h) << 1) | {32'd0, `MAJ(t0l[63], t1l[63], t2l[63])};
            a2sl = t3l ^ t4l ^ t5l;
            a2sh = t3h ^ t4h ^ t5h;
            a2cl = `MAJ(t3l, t4l, t5l) << 1;
            a2ch = (`MAJ(t3h, t4h, t5h) << 1) | {32'd0, `MAJ(t3l[63], t4l[63], t5l[63])};
            a3sl = t6l ^ t7l ^ t8l;
            a3sh = t6h ^ t7h ^ t8h;
            a3cl = `MAJ(t6l, t7l, t8l) << 1;
            a3ch = (`MAJ(t6h, t7h, t8h) << 1) | {32'd0, `MAJ(t6l[63], t7l[63], t8l[63])};
            // 8 terms: a1 a2 a3, t9, t10
            b1sl = a1sl ^ a1cl ^ a2sl;
            b1sh = a1sh ^ a1ch ^ a2sh;
            b1cl = `MAJ(a1sl, a1cl, a2sl) << 1;
            b1ch = (`MAJ(a1sh, a1ch, a2sh) << 1) | {32'd0, `MAJ(a1sl[63], a1cl[63], a2sl[63])};
            b2sl = a2cl ^ a3sl ^ a3cl;
            b2sh = a2ch ^ a3sh ^ a3ch;
            b2cl = `MAJ(a2cl, a3sl, a3cl) << 1;
            b2ch = (`MAJ(a2ch, a3sh, a3ch) << 1) | {32'd0, `MAJ(a2cl[63], a3sl[63], a3cl[63])};
            // 6 terms: b1 b2, t9, t10
            c1sl = b1sl ^ b1cl ^ b2sl;
            c1sh = b1sh ^ b1ch ^ b2sh;
            c1cl = `MAJ(b1sl, b1cl, b2sl) << 1;
            c1ch = (`MAJ(b1sh, b1ch, b2sh) << 1) | {32'd0, `MAJ(b1sl[63], b1cl[63], b2sl[63])};
            c2sl = b2cl ^ t9l ^ t10l;
            c2sh = b2ch ^ t9h ^ t10h;
            c2cl = `MAJ(b2cl, t9l, t10l) << 1;
            c2ch = (`MAJ(b2ch, t9h, t10h) << 1) | {32'd0, `MAJ(b2cl[63], t9l[63], t10l[63])};
            c3_al_reg <= c1sl; c3_ah_reg <= c1sh;
            c3_bl_reg <= c1cl; c3_bh_reg <= c1ch;
            c3_cl_reg <= c2sl; c3_ch_reg <= c2sh;
            c3_dl_reg <= c2cl; c3_dh_reg <= c2ch;
            v3_reg <= v2_reg;
            m3_reg <= m2_reg;
        end
        // ------------------------------------------------ stage 2: v * mu partial products
        if (valid_reg[1]) begin
            p00_reg <= v1_reg[16:0] * mu1_reg[25:0];
            p01_reg <= v1_reg[16:0] * mu1_reg[51:26];
            p02_reg <= v1_reg[16:0] * mu1_reg[63:52];
            p10_reg <= v1_reg[33:17] * mu1_reg[25:0];
            p11_reg <= v1_reg[33:17] * mu1_reg[51:26];
            p12_reg <= v1_reg[33:17] * mu1_reg[63:52];
            p20_reg <= v1_reg[50:34] * mu1_reg[25:0];
            p21_reg <= v1_reg[50:34] * mu1_reg[51:26];
            p22_reg <= v1_reg[44:34] * mu1_reg[62:52];
            p30_reg <= v1_reg[63:51] * mu1_reg[25:0];
            p31_reg <= v1_reg[63:51] * mu1_reg[45:26];
            v2_reg <= v1_reg[32:0];
            m2_reg <= m1_reg;
        end
        // ------------------------------------------------ stage 1
        if (s_valid) begin
            v1_reg <= s_value;
            mu1_reg <= s_mu;
            m1_reg <= s_m;
        end
        // the valid bits last: every branch above reads them before they shift
        valid_reg <= {valid_reg[STAGES-1:1], s_valid};
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end
/* verilator lint_on BLKSEQ */

// the tag rides beside the pipeline
wire unused_vtag;
xform_delay #(.LATENCY(STAGES), .WIDTH(TAG_WIDTH)) u_tag (
    .clk(clk), .rst(rst), .ce(ce), .s_data(s_tag), .s_valid(s_valid), .m_data(m_tag), .m_valid(unused_vtag)
);

assign m_rem   = r8_reg;
assign m_valid = valid_reg[STAGES];

`undef MAJ

endmodule

`resetall
