// SPDX-License-Identifier: Apache-2.0
// Sluice transform: the dense chain of docs/spec/numerics.md section 1
// (models.dense_ops.apply_dense) for one value per cycle, with each feature's settings in
// small per-feature RAMs inside (written through cfg_*, read where they are used):
//
//   int_prefix:  fill_missing -> clamp -> saturating shift                      2 cycles
//   then, by the feature's kind, one of two paths of equal length (16 cycles):
//     log1p:      log1p_fx: float32 log1p(x)                                    16
//     identity /  bucketize (7): id = searchsorted(b[table], x, side="right"),
//     bucketize:  int_to_f32 (5): float32(kind == identity ? x : id), 4 cycles of delay
//   f32_to_half: float32 | float16 | bfloat16                                    3 cycles
//   out = (bucketize and not as_float) ? id (int32) : dtype bits
//
// Latency 21 cycles, one result per cycle. **No back-pressure**: the chain never stalls (the
// caller bounds the operands in flight: transform_lane by its row buffers, dense_pe by an output
// FIFO and credits), so an operand only goes through the units of its path and every stage
// register loads only for a valid operand. The operand carries a narrow feature index (the
// settings are looked up from the RAMs at the stage that uses them), the output dtype and
// as_float (transform_lane: one dtype for all features) and an opaque tag.
// kind 0 log1p, 1 identity, 2 bucketize; dtype 0 float32, 1 float16, 2 bfloat16.
//
// Configuration (write while no operand is in flight; not reset), cfg_addr:
//   0 fill, 1 lo, 2 hi, 3 shift (int32; lo <= hi, host-checked),
//   4 ctrl = {table [15:8], kind [1:0]} (both), 5 kind [1:0] only, 6 table [7:0] only.
// Bucketize tables are written through cfg_bk_* (see bucketize.v).
//
// lint-params: NUM_FEATURES=1 NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_FEATURES=11 NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=9
// synth-params: NUM_FEATURES=11 NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=9

`resetall
`timescale 1ns / 1ps
`default_nettype none

module dense_chain #(
    // Features with their own settings (entries of the per-feature RAMs, >= 1)
    parameter NUM_FEATURES = 4,
    // Number of bucketize boundary tables (>= 1)
    parameter NUM_TABLES   = 2,
    // Boundary slots per table, 1 .. 64
    parameter MAX_BOUNDS   = 16,
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH    = 1,
    // Width of a feature index (derived; do not override)
    parameter FEAT_WIDTH   = (NUM_FEATURES > 1) ? $clog2(NUM_FEATURES) : 1,
    // Width of a table id (derived; do not override)
    parameter TABLE_WIDTH  = (NUM_TABLES > 1) ? $clog2(NUM_TABLES) : 1,
    // $readmemh image of the log1p coefficient ROM (see log1p_fx.v)
    parameter ROM_FILE     = "log1p_fx_rom.mem"
) (
    input  wire                   clk,
    input  wire                   rst,

    // per-feature settings
    input  wire                   cfg_we,
    input  wire [FEAT_WIDTH-1:0]  cfg_feature,
    input  wire [2:0]             cfg_addr,
    input  wire [31:0]            cfg_data,
    // bucketize tables
    input  wire                   cfg_bk_we,
    input  wire                   cfg_bk_len_we,
    input  wire [TABLE_WIDTH-1:0] cfg_bk_table,
    input  wire [5:0]             cfg_bk_addr,
    input  wire [31:0]            cfg_bk_data,
    input  wire [6:0]             cfg_bk_len,

    // operand: decode's word (bits 31..0 of the sign-extended int32), null bit, feature index,
    // output dtype and as_float (bucket ids as floats)
    input  wire [31:0]            s_x,
    input  wire                   s_null,
    input  wire [FEAT_WIDTH-1:0]  s_feature,
    input  wire [1:0]             s_dtype,
    input  wire                   s_as_float,
    input  wire [TAG_WIDTH-1:0]   s_tag,
    input  wire                   s_valid,

    // result: int32 bucket id, or the float bits of the dtype (16-bit dtypes in [15:0])
    output wire [31:0]            m_bits,
    output wire [TAG_WIDTH-1:0]   m_tag,
    output wire                   m_valid
);

initial begin
    if (NUM_FEATURES < 1 || NUM_TABLES < 1 || NUM_TABLES > 256 || TAG_WIDTH < 1) begin
        $error("Error: dense_chain parameters out of range (instance %m)");
        $finish;
    end
end

// latencies of the units (their testbenches check them)
localparam LOGP    = (MAX_BOUNDS > 1) ? $clog2(MAX_BOUNDS) : 0;
localparam LAT_BK  = 1 + ((LOGP > 0) ? LOGP : 1);      // bucketize
localparam LAT_CV  = 5;                      // int_to_f32
localparam LAT_LOG = 16;                     // log1p_fx
localparam PAD_B   = LAT_LOG - LAT_BK - LAT_CV;

initial begin
    if (PAD_B < 1) begin
        $error("Error: dense_chain: the bucketize path is not shorter than log1p (instance %m)");
        $finish;
    end
end

// ---------------------------------------------------------------- per-feature settings (LUTRAM)
reg [31:0]            fill_mem  [0:NUM_FEATURES-1];
reg [31:0]            lo_mem    [0:NUM_FEATURES-1];
reg [31:0]            hi_mem    [0:NUM_FEATURES-1];
reg [31:0]            shift_mem [0:NUM_FEATURES-1];
reg [1:0]             kind_mem  [0:NUM_FEATURES-1];
reg [TABLE_WIDTH-1:0] table_mem [0:NUM_FEATURES-1];

wire [TABLE_WIDTH-1:0] cfg_table = (cfg_addr == 3'd4) ? cfg_data[8 +: TABLE_WIDTH] : cfg_data[TABLE_WIDTH-1:0];
// The settings are written with blocking assignments: they change only while no operand is in flight
// (the interface contract), so no read of the same clock edge can see a write early, and a write costs
// nothing on the other clock edges in simulation (a non-blocking memory write keeps a pending-write flag
// that the simulator clears and tests on every edge). The BLKSEQ style warning (lint) is waived here.
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (cfg_we) begin
        if (cfg_addr == 3'd0) fill_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 3'd1) lo_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 3'd2) hi_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 3'd3) shift_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 3'd4 || cfg_addr == 3'd5) kind_mem[cfg_feature] = cfg_data[1:0];
        if (cfg_addr == 3'd4 || cfg_addr == 3'd6) table_mem[cfg_feature] = cfg_table;
    end
end
/* verilator lint_on BLKSEQ */
wire unused_cfg = &{1'b0, cfg_data};

// ---------------------------------------------------------------- int_prefix (settings read at its input)
// kind and table are looked up with the operand too and ride through int_prefix (5 bits)
localparam T1W = TABLE_WIDTH + 2 + 3 + TAG_WIDTH;        // {table, kind, as_float, dtype, tag}
wire [31:0]    x1;
wire [T1W-1:0] t1;
wire           v1;
wire           unused_r1;

int_prefix #(.TAG_WIDTH(T1W)) u_prefix (
    .clk(clk), .rst(rst),
    .s_x(s_x), .s_null(s_null), .s_fill(fill_mem[s_feature]), .s_lo(lo_mem[s_feature]), .s_hi(hi_mem[s_feature]),
    .s_shift(shift_mem[s_feature]),
    .s_tag({table_mem[s_feature], kind_mem[s_feature], s_as_float, s_dtype, s_tag}), .s_valid(s_valid),
    .s_ready(unused_r1),
    .m_x(x1), .m_tag(t1), .m_valid(v1), .m_ready(1'b1)
);

wire [TABLE_WIDTH-1:0] table1 = t1[T1W-1 -: TABLE_WIDTH];
wire [1:0]             kind1  = t1[TAG_WIDTH + 3 +: 2];
wire                   asf1   = t1[TAG_WIDTH + 2];
wire [1:0]             dtype1 = t1[TAG_WIDTH +: 2];
wire [TAG_WIDTH-1:0]   tag1   = t1[TAG_WIDTH-1:0];

// ---------------------------------------------------------------- path L: log1p (tag {dtype, tag})
localparam TLW = 2 + TAG_WIDTH;
wire [31:0]    fl;
wire [TLW-1:0] tl;
wire           vl;
wire           unused_rl;

log1p_fx #(.TAG_WIDTH(TLW), .ROM_FILE(ROM_FILE)) u_log1p (
    .clk(clk), .rst(rst),
    .s_x(x1), .s_tag({dtype1, tag1}), .s_valid(v1 && kind1 == 2'd0), .s_ready(unused_rl),
    .m_f32(fl), .m_tag(tl), .m_valid(vl), .m_ready(1'b1)
);

// ---------------------------------------------------------------- path B: bucketize, int -> float32
// bucketize tag {x, identity, raw, dtype, tag}; raw: the bucket id as int32 (no float conversion)
localparam TBW = 32 + 1 + 1 + 2 + TAG_WIDTH;
wire [31:0]    id2;
wire [TBW-1:0] t2;
wire           v2;
wire           unused_r2;

bucketize #(.NUM_TABLES(NUM_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(TBW)) u_bucket (
    .clk(clk), .rst(rst),
    .cfg_we(cfg_bk_we), .cfg_len_we(cfg_bk_len_we), .cfg_table(cfg_bk_table), .cfg_addr(cfg_bk_addr),
    .cfg_data(cfg_bk_data), .cfg_len(cfg_bk_len),
    .s_x(x1), .s_table(table1),
    .s_tag({x1, kind1 == 2'd1, kind1 == 2'd2 && !asf1, dtype1, tag1}), .s_valid(v1 && kind1 != 2'd0),
    .s_ready(unused_r2),
    .m_bucket(id2), .m_tag(t2), .m_valid(v2), .m_ready(1'b1)
);

wire        ident2 = t2[TBW-33];
wire [31:0] cv_in  = ident2 ? t2[TBW-1 -: 32] : {25'd0, id2[6:0]};
wire unused_id2 = &{1'b0, id2[31:7]};

// int_to_f32 tag {raw, id, dtype, tag}
localparam TCW = 1 + 7 + 2 + TAG_WIDTH;
wire [31:0]    fc;
wire [TCW-1:0] tc;
wire           vc;
wire           unused_rc;

int_to_f32 #(.IN_WIDTH(32), .FRAC_BITS(0), .SIGNED(1), .TAG_WIDTH(TCW)) u_to_f32 (
    .clk(clk), .rst(rst),
    .s_value(cv_in), .s_tag({t2[TBW-34], id2[6:0], t2[2 + TAG_WIDTH - 1:0]}), .s_valid(v2), .s_ready(unused_rc),
    .m_f32(fc), .m_tag(tc), .m_valid(vc), .m_ready(1'b1)
);

// pad the path to log1p's length
wire [31:0]    fb;
wire [TCW-1:0] tb;
wire           vb;

xform_delay #(.LATENCY(PAD_B), .WIDTH(32 + TCW)) u_pad (
    .clk(clk), .rst(rst), .ce(1'b1), .s_data({fc, tc}), .s_valid(vc), .m_data({fb, tb}), .m_valid(vb)
);

// ---------------------------------------------------------------- merge, dtype (tag {raw, id, tag})
localparam T5W = 1 + 7 + TAG_WIDTH;
wire [31:0]    fm  = vl ? fl : fb;
wire [1:0]     dm  = vl ? tl[TAG_WIDTH +: 2] : tb[TAG_WIDTH +: 2];
wire [T5W-1:0] tm  = vl ? {8'd0, tl[TAG_WIDTH-1:0]} : {tb[TCW-1 -: 8], tb[TAG_WIDTH-1:0]};
wire [31:0]    b5;
wire [T5W-1:0] t5;
wire           unused_r5;

f32_to_half #(.TAG_WIDTH(T5W)) u_dtype (
    .clk(clk), .rst(rst),
    .s_f32(fm), .s_dtype(dm), .s_tag(tm), .s_valid(vl || vb), .s_ready(unused_r5),
    .m_bits(b5), .m_tag(t5), .m_valid(m_valid), .m_ready(1'b1)
);

assign m_bits = t5[T5W-1] ? {25'd0, t5[T5W-2 -: 7]} : b5;
assign m_tag  = t5[TAG_WIDTH-1:0];

endmodule

`resetall
