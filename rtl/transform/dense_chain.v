// SPDX-License-Identifier: Apache-2.0
// Sluice transform: the dense chain of docs/spec/numerics.md section 1
// (models.dense_ops.apply_dense) for one value per cycle, with the feature's
// settings supplied alongside the operand (dense_pe puts its config registers in
// front of it; transform_lane feeds it from the CSR arrays):
//
//   int_prefix:  fill_missing -> clamp -> saturating shift         2 cycles
//   bucketize:   id = searchsorted(b[table], x, side="right")      3 cycles
//   log1p_fx:    float32 log1p(x)                                 11 cycles
//   int_to_f32:  float32(kind == identity ? x : id)                4 cycles
//   f32_to_half: float32 | float16 | bfloat16 of (log1p ? log : converted)   2 cycles
//   out = (bucketize and not as_float) ? id (int32) : dtype bits
//
// The units are chained in series (each operand passes through every unit, the
// results it does not need ride in the tags), so the latency is fixed: 22 cycles,
// one result per cycle; global stall through the chain.
// kind 0 log1p, 1 identity, 2 bucketize; dtype 0 float32, 1 float16, 2 bfloat16.
// Bucketize tables are written through cfg_bk_* (see bucketize.v) while no operand is in flight.
//
// lint-params: NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=8
// Contains log1p_fx, so ABC is skipped likewise (docs/spec/transform_rtl.md):
// synth-flags: -noabc

`resetall
`timescale 1ns / 1ps
`default_nettype none

module dense_chain #(
    // Number of bucketize boundary tables (>= 1)
    parameter NUM_TABLES   = 2,
    // Boundary slots per table, 1 .. 64
    parameter MAX_BOUNDS   = 16,
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH    = 1,
    // Width of a table id (derived; do not override)
    parameter TABLE_WIDTH  = (NUM_TABLES > 1) ? $clog2(NUM_TABLES) : 1,
    // $readmemh image of the log1p coefficient ROM (see log1p_fx.v)
    parameter ROM_FILE     = "log1p_fx_rom.mem"
) (
    input  wire                   clk,
    input  wire                   rst,

    // bucketize tables
    input  wire                   cfg_bk_we,
    input  wire                   cfg_bk_len_we,
    input  wire [TABLE_WIDTH-1:0] cfg_bk_table,
    input  wire [5:0]             cfg_bk_addr,
    input  wire [31:0]            cfg_bk_data,
    input  wire [6:0]             cfg_bk_len,

    // operand: decode's word (bits 31..0 of the sign-extended int32), null bit, and the settings
    input  wire [31:0]            s_x,
    input  wire                   s_null,
    input  wire [31:0]            s_fill,
    input  wire [31:0]            s_lo,
    input  wire [31:0]            s_hi,
    input  wire [31:0]            s_shift,
    input  wire [TABLE_WIDTH-1:0] s_table,
    input  wire                   s_as_float,
    input  wire [1:0]             s_dtype,
    input  wire [1:0]             s_kind,
    input  wire [TAG_WIDTH-1:0]   s_tag,
    input  wire                   s_valid,
    output wire                   s_ready,

    // result: int32 bucket id, or the float bits of the feature's dtype (16-bit dtypes in [15:0])
    output wire [31:0]            m_bits,
    output wire [TAG_WIDTH-1:0]   m_tag,
    output wire                   m_valid,
    input  wire                   m_ready
);

initial begin
    if (NUM_TABLES < 1 || NUM_TABLES > 256 || TAG_WIDTH < 1) begin
        $error("Error: dense_chain parameters out of range (instance %m)");
        $finish;
    end
end

// ctrl bits kept along the chain: {table, as_float, dtype, kind}
localparam CW = TABLE_WIDTH + 5;

// ---------------------------------------------------------------- int_prefix
wire [31:0]             x1;
wire [CW+TAG_WIDTH-1:0] t1;
wire                    v1, r1;

int_prefix #(.TAG_WIDTH(CW + TAG_WIDTH)) u_prefix (
    .clk(clk), .rst(rst),
    .s_x(s_x), .s_null(s_null), .s_fill(s_fill), .s_lo(s_lo), .s_hi(s_hi),
    .s_shift(s_shift), .s_tag({s_table, s_as_float, s_dtype, s_kind, s_tag}), .s_valid(s_valid), .s_ready(s_ready),
    .m_x(x1), .m_tag(t1), .m_valid(v1), .m_ready(r1)
);

// ---------------------------------------------------------------- bucketize (tag: x, ctl, tag)
localparam T2W = 32 + CW + TAG_WIDTH;
wire [31:0]     id2;
wire [T2W-1:0]  t2;
wire            v2, r2;

bucketize #(.NUM_TABLES(NUM_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(T2W)) u_bucket (
    .clk(clk), .rst(rst),
    .cfg_we(cfg_bk_we), .cfg_len_we(cfg_bk_len_we), .cfg_table(cfg_bk_table), .cfg_addr(cfg_bk_addr),
    .cfg_data(cfg_bk_data), .cfg_len(cfg_bk_len),
    .s_x(x1), .s_table(t1[TAG_WIDTH + 5 +: TABLE_WIDTH]), .s_tag({x1, t1}), .s_valid(v1), .s_ready(r1),
    .m_bucket(id2), .m_tag(t2), .m_valid(v2), .m_ready(r2)
);

// ---------------------------------------------------------------- log1p (tag: x, id[6:0], ctl, tag)
localparam T3W = 32 + 7 + CW + TAG_WIDTH;
wire [31:0]     lg3;
wire [T3W-1:0]  t3;
wire            v3, r3;
wire unused_id2 = &{1'b0, id2[31:7]};

log1p_fx #(.TAG_WIDTH(T3W), .ROM_FILE(ROM_FILE)) u_log1p (
    .clk(clk), .rst(rst),
    .s_x(t2[T2W-1 -: 32]), .s_tag({t2[T2W-1 -: 32], id2[6:0], t2[CW+TAG_WIDTH-1:0]}), .s_valid(v2), .s_ready(r2),
    .m_f32(lg3), .m_tag(t3), .m_valid(v3), .m_ready(r3)
);

// ---------------------------------------------------------------- int -> float32 (tag: log, id, ctl, tag)
localparam T4W = 32 + 7 + CW + TAG_WIDTH;
wire [1:0]  kind3 = t3[TAG_WIDTH +: 2];
wire [31:0] cv_in = (kind3 == 2'd1) ? t3[T3W-1 -: 32] : {25'd0, t3[CW+TAG_WIDTH +: 7]};
wire [31:0]     f4;
wire [T4W-1:0]  t4;
wire            v4, r4;

int_to_f32 #(.IN_WIDTH(32), .FRAC_BITS(0), .SIGNED(1), .TAG_WIDTH(T4W)) u_to_f32 (
    .clk(clk), .rst(rst),
    .s_value(cv_in), .s_tag({lg3, t3[CW+TAG_WIDTH +: 7], t3[CW+TAG_WIDTH-1:0]}), .s_valid(v3), .s_ready(r3),
    .m_f32(f4), .m_tag(t4), .m_valid(v4), .m_ready(r4)
);

// ---------------------------------------------------------------- dtype (tag: id, raw, tag)
localparam T5W = 7 + 1 + TAG_WIDTH;
wire [1:0]  kind4  = t4[TAG_WIDTH +: 2];
wire [1:0]  dtype4 = t4[TAG_WIDTH + 2 +: 2];
wire        asf4   = t4[TAG_WIDTH + 4];
wire [31:0] fin    = (kind4 == 2'd0) ? t4[T4W-1 -: 32] : f4;
wire        raw4   = (kind4 == 2'd2) && !asf4;      // bucket id as int32, no float conversion
wire [31:0]     b5;
wire [T5W-1:0]  t5;
wire unused_t4 = &{1'b0, t4[TAG_WIDTH + 5 +: TABLE_WIDTH]};

f32_to_half #(.TAG_WIDTH(T5W)) u_dtype (
    .clk(clk), .rst(rst),
    .s_f32(fin), .s_dtype(dtype4), .s_tag({t4[CW+TAG_WIDTH +: 7], raw4, t4[TAG_WIDTH-1:0]}),
    .s_valid(v4), .s_ready(r4),
    .m_bits(b5), .m_tag(t5), .m_valid(m_valid), .m_ready(m_ready)
);

assign m_bits = t5[TAG_WIDTH] ? {25'd0, t5[T5W-1 -: 7]} : b5;
assign m_tag  = t5[TAG_WIDTH-1:0];

endmodule

`resetall
