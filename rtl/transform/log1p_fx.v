// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: float32 log(1 + max(x, 0)) of an int32 x, the fixed-point
// algorithm of record (docs/spec/numerics.md section 2, models.log1p.log1p_f32).
//
//   c1:  y = max(x, 0) + 1                         32 bits, 1 .. 2^31
//   c2:  e = floor(log2 y)                         leading-zero count, 5 bits
//   c3:  T = (y << (31 - e)) - 2^31; i = T[30:23]; u = T[22:0]; eL = e * LN2_Q (32-entry table)
//   c4:  ROM read (256 x 127, block RAM): c0 | c1 | c2 | c3, models.log1p.table_words()
//   c4b: the ROM word registered again (the block RAM's output register)
//   c5:  c3 * u partial products (DSP); ec = eL + c0
//   c6:  a2 = (c2 * 2^23 + c3 * u) >>> 23          = c2 + ((c3 * u) >>> 23), one carry-save step, one add
//   c7:  a2 * u partial products (DSP; the top limb of a2 signed)
//   c8:  a1 = (c1 * 2^23 + a2 * u) >>> 23          = c1 + ((a2 * u) >>> 23)
//   c9:  a1 * u partial products (DSP; the top limb signed)
//   c10: L  = (ec * 2^23 + a1 * u) >>> 23          = eL + c0 + ((a1 * u) >>> 23), L < 2^49
//   then int_to_f32 (IN_WIDTH=49, FRAC_BITS=44, unsigned): RNE to float32, 5 cycles
// Every multiplier input comes from a register and every product goes into one (the DSP48E2
// stage is a path of its own); the partial products, the coefficient (at weight 2^23) and the
// floor shift are summed by one carry-save step and one carry-propagate add per Horner step.
// Negative x gives y = 1, L = 0, +0.0 (Neg2ZeroLog).
// Latency 16 cycles, one result per cycle; global stall (ce = m_ready | ~m_valid); a stage's
// registers load only for valid operands.
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

localparam STAGES = 11;                      // core stages before the float converter
localparam [43:0] LN2_Q = 44'd12193974156573; // round(ln 2 * 2^44)

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

// coefficient ROM: word = c3[126:108] | c2[107:80] | c1[79:44] | c0[43:0] (block RAM, registered read)
(* rom_style = "block" *) reg [126:0] rom [0:255];
initial $readmemh(ROM_FILE, rom);

// e * LN2_Q for e = 0 .. 31 (a 5-input table per bit)
reg [48:0] el_rom [0:31];
integer r;
initial begin
    for (r = 0; r < 32; r = r + 1) el_rom[r] = r[4:0] * {5'd0, LN2_Q};
end

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

reg [STAGES:1] valid_reg;
wire           busy = s_valid || (|valid_reg);

reg [31:0]  c1_y_reg;
reg [31:0]  c2_y_reg;
reg [4:0]   c2_e_reg;
reg [7:0]   c3_i_reg;
reg [22:0]  c3_u_reg;
reg [48:0]  c3_el_reg;
reg [126:0] c4_w_reg;
reg [22:0]  c4_u_reg;
reg [48:0]  c4_el_reg;
reg [126:0] c4b_w_reg;
reg [22:0]  c4b_u_reg;
reg [48:0]  c4b_el_reg;
reg [39:0]  c5_pa_reg;                       // u * c3[16:0]
reg [24:0]  c5_pb_reg;                       // u * c3[18:17]
reg [27:0]  c5_c2_reg;                       // signed
reg [35:0]  c5_c1_reg;
reg [48:0]  c5_ec_reg;
reg [22:0]  c5_u_reg;
reg [28:0]  c6_a2_reg;                       // signed
reg [35:0]  c6_c1_reg;
reg [48:0]  c6_ec_reg;
reg [22:0]  c6_u_reg;
reg [39:0]  c7_pa_reg;                       // u * a2[16:0]
reg [34:0]  c7_pb_reg;                       // u * a2[28:17] (signed)
reg [35:0]  c7_c1_reg;
reg [48:0]  c7_ec_reg;
reg [22:0]  c7_u_reg;
reg [37:0]  c8_a1_reg;                       // signed
reg [48:0]  c8_ec_reg;
reg [22:0]  c8_u_reg;
reg [39:0]  c9_pa_reg;                       // u * a1[16:0]
reg [39:0]  c9_pb_reg;                       // u * a1[33:17]
reg [26:0]  c9_pc_reg;                       // u * a1[37:34] (signed)
reg [48:0]  c9_ec_reg;
reg [48:0]  c10_l_reg;

// c6 / c8 / c10: floor((acc * 2^23 + product) / 2^23) from the carry-save terms of the product
// (the coefficient at weight 2^23, the partial products, signed ones sign-extended)
function [28:0] step6;                                   // a2 = S[51:23]
    input [27:0] c2;                                     // signed
    input [39:0] pa;
    input [24:0] pb;
    reg   [51:0] t0, t1, t2, sum_unused;                 // bits 22:0 of the sum are dropped
    begin
        t0 = {{1{c2[27]}}, c2, 23'd0};
        t1 = {12'd0, pa};
        t2 = {10'd0, pb, 17'd0};
        sum_unused = (t0 ^ t1 ^ t2) + {(t0[50:0] & t1[50:0]) | (t0[50:0] & t2[50:0]) | (t1[50:0] & t2[50:0]), 1'b0};
        step6 = sum_unused[51:23];
    end
endfunction
function [37:0] step8;                                   // a1 = S[60:23]
    input [35:0] c1;
    input [39:0] pa;
    input [34:0] pb;                                     // signed
    reg   [60:0] t0, t1, t2, sum_unused;
    begin
        t0 = {2'd0, c1, 23'd0};
        t1 = {21'd0, pa};
        t2 = {{9{pb[34]}}, pb, 17'd0};
        sum_unused = (t0 ^ t1 ^ t2) + {(t0[59:0] & t1[59:0]) | (t0[59:0] & t2[59:0]) | (t1[59:0] & t2[59:0]), 1'b0};
        step8 = sum_unused[60:23];
    end
endfunction
// c3: T = y << (31 - e), bit 31 the leading one: {i, u} = T[30:0]
function [30:0] normalise;
    input [31:0] y;
    input [4:0]  e;
    reg   [31:0] t_unused;                               // bit 31 is the leading one
    begin
        t_unused = y << (5'd31 - e);
        normalise = t_unused[30:0];
    end
endfunction

// One clocked block, skipped as a whole while the pipeline is empty. Stage c10 computes its temporaries
// with blocking assignments inside its valid-gated branch and reads them only there (combinational
// logic in synthesis; in simulation an idle stage costs nothing, where 72-bit function locals would be
// cleared on every clock edge). The BLKSEQ style warning (lint) is waived for this block.
reg [71:0] c10_t0, c10_t1, c10_t2, c10_t3, c10_s1, c10_c1, c10_s2, c10_c2, c10_sum_unused;  // sum: bits 22:0 dropped
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (busy && ce) begin
        // c10: S = ec * 2^23 + pa + pb * 2^17 + sext(pc) * 2^34 (72 bits); L = S[71:23]
        if (valid_reg[10]) begin
            c10_t0 = {c9_ec_reg, 23'd0};
            c10_t1 = {32'd0, c9_pa_reg};
            c10_t2 = {15'd0, c9_pb_reg, 17'd0};
            c10_t3 = {{11{c9_pc_reg[26]}}, c9_pc_reg, 34'd0};
            c10_s1 = c10_t0 ^ c10_t1 ^ c10_t2;
            c10_c1 = ((c10_t0 & c10_t1) | (c10_t0 & c10_t2) | (c10_t1 & c10_t2)) << 1;
            c10_s2 = c10_s1 ^ c10_c1 ^ c10_t3;
            c10_c2 = ((c10_s1 & c10_c1) | (c10_s1 & c10_t3) | (c10_c1 & c10_t3)) << 1;
            c10_sum_unused = c10_s2 + c10_c2;
            c10_l_reg <= c10_sum_unused[71:23];
        end
        if (valid_reg[9]) begin
            // a1 (38s) * u (23u) = u * a1[16:0] + (u * a1[33:17]) << 17 + (u * signed a1[37:34]) << 34
            c9_pa_reg <= c8_u_reg * c8_a1_reg[16:0];
            c9_pb_reg <= c8_u_reg * c8_a1_reg[33:17];
            c9_pc_reg <= $signed({1'b0, c8_u_reg}) * $signed(c8_a1_reg[37:34]);
            c9_ec_reg <= c8_ec_reg;
        end
        if (valid_reg[8]) begin
            c8_a1_reg <= step8(c7_c1_reg, c7_pa_reg, c7_pb_reg);
            c8_ec_reg <= c7_ec_reg;
            c8_u_reg <= c7_u_reg;
        end
        if (valid_reg[7]) begin
            // a2 (29s) * u (23u) = u * a2[16:0] + (u * signed a2[28:17]) << 17
            c7_pa_reg <= c6_u_reg * c6_a2_reg[16:0];
            c7_pb_reg <= $signed({1'b0, c6_u_reg}) * $signed(c6_a2_reg[28:17]);
            c7_c1_reg <= c6_c1_reg;
            c7_ec_reg <= c6_ec_reg;
            c7_u_reg <= c6_u_reg;
        end
        if (valid_reg[6]) begin
            c6_a2_reg <= step6(c5_c2_reg, c5_pa_reg, c5_pb_reg);
            c6_c1_reg <= c5_c1_reg;
            c6_ec_reg <= c5_ec_reg;
            c6_u_reg <= c5_u_reg;
        end
        if (valid_reg[5]) begin
            // c3 (19u) * u (23u) as u * c3[16:0] (one DSP) + u * c3[18:17] << 17
            c5_pa_reg <= c4b_u_reg * c4b_w_reg[124:108];
            c5_pb_reg <= c4b_u_reg * c4b_w_reg[126:125];
            c5_c2_reg <= c4b_w_reg[107:80];
            c5_c1_reg <= c4b_w_reg[79:44];
            c5_ec_reg <= c4b_el_reg + {5'd0, c4b_w_reg[43:0]};
            c5_u_reg <= c4b_u_reg;
        end
        if (valid_reg[4]) begin
            c4b_w_reg <= c4_w_reg;
            c4b_u_reg <= c4_u_reg;
            c4b_el_reg <= c4_el_reg;
        end
        if (valid_reg[3]) begin
            c4_w_reg <= rom[c3_i_reg];
            c4_u_reg <= c3_u_reg;
            c4_el_reg <= c3_el_reg;
        end
        if (valid_reg[2]) begin
            {c3_i_reg, c3_u_reg} <= normalise(c2_y_reg, c2_e_reg);
            c3_el_reg <= el_rom[c2_e_reg];
        end
        if (valid_reg[1]) begin
            c2_y_reg <= c1_y_reg;
            c2_e_reg <= msb_index32(c1_y_reg);
        end
        if (s_valid) c1_y_reg <= (s_x[31] ? 32'd0 : s_x) + 32'd1;
        // the valid bits last: every branch above reads them before they shift
        valid_reg <= {valid_reg[STAGES-1:1], s_valid};
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end
/* verilator lint_on BLKSEQ */


// the tag rides beside the core
wire [TAG_WIDTH-1:0] core_tag;
wire                 unused_vtag;
xform_delay #(.LATENCY(STAGES), .WIDTH(TAG_WIDTH)) u_tag (
    .clk(clk), .rst(rst), .ce(ce), .s_data(s_tag), .s_valid(s_valid), .m_data(core_tag), .m_valid(unused_vtag)
);

int_to_f32 #(
    .IN_WIDTH(49),
    .FRAC_BITS(44),
    .SIGNED(0),
    .TAG_WIDTH(TAG_WIDTH)
) u_to_f32 (
    .clk(clk),
    .rst(rst),
    .s_value(c10_l_reg),
    .s_tag(core_tag),
    .s_valid(valid_reg[STAGES]),
    .s_ready(ce),
    .m_f32(m_f32),
    .m_tag(m_tag),
    .m_valid(m_valid),
    .m_ready(m_ready)
);

assign s_ready = ce;

endmodule

`resetall
