// SPDX-License-Identifier: Apache-2.0
// Sluice transform: dense processing element, the whole dense chain of
// docs/spec/numerics.md section 1 (models.dense_ops.apply_dense) for one value per cycle:
//
//   config lookup by feature id (registered)                        1 cycle
//   int_prefix:  fill_missing -> clamp -> saturating shift         2 cycles
//   bucketize:   id = searchsorted(b[table], x, side="right")      3 cycles
//   log1p_fx:    float32 log1p(x)                                 11 cycles
//   int_to_f32:  float32(kind == identity ? x : id)                4 cycles
//   f32_to_half: float32 | float16 | bfloat16 of (log1p ? log : converted)   2 cycles
//   out = (bucketize and not as_float) ? id (int32) : dtype bits
//
// The units are chained in series (each operand passes through every unit, the
// results it does not need ride in the tags), so the latency is fixed: 23 cycles,
// one result per cycle; global stall through the chain. Stages after the lookup: dense_chain.v.
//
// Per-feature configuration registers (write with cfg_we while no operand is in flight):
//   cfg_addr 0: fill   1: lo   2: hi   3: shift   (int32; lo <= hi, host-checked)
//   cfg_addr 4: ctrl = {table id [15:8], as_float [5], dtype [3:2], kind [1:0]}
//               kind 0 log1p, 1 identity, 2 bucketize; dtype 0 float32, 1 float16, 2 bfloat16
// Bucketize tables (shared by the features, selected by ctrl's table id) are written through
// cfg_bk_* (see bucketize.v). Configuration registers are not reset.
//
// lint-params: NUM_FEATURES=1 NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_FEATURES=40 NUM_TABLES=4 MAX_BOUNDS=64 TAG_WIDTH=8
// Contains log1p_fx, so ABC is skipped likewise (docs/spec/transform_rtl.md):
// synth-flags: -noabc

`resetall
`timescale 1ns / 1ps
`default_nettype none

module dense_pe #(
    // Number of dense features with their own config registers (>= 1)
    parameter NUM_FEATURES = 4,
    // Number of bucketize boundary tables (>= 1)
    parameter NUM_TABLES   = 2,
    // Boundary slots per table, 1 .. 64
    parameter MAX_BOUNDS   = 16,
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH    = 1,
    // Width of a feature id (derived; do not override)
    parameter FEAT_WIDTH   = (NUM_FEATURES > 1) ? $clog2(NUM_FEATURES) : 1,
    // Width of a table id (derived; do not override)
    parameter TABLE_WIDTH  = (NUM_TABLES > 1) ? $clog2(NUM_TABLES) : 1,
    // $readmemh image of the log1p coefficient ROM (see log1p_fx.v)
    parameter ROM_FILE     = "log1p_fx_rom.mem"
) (
    input  wire                   clk,
    input  wire                   rst,

    // per-feature configuration registers
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

    // operand: decode's word (bits 31..0 of the sign-extended int32), null bit, feature id
    input  wire [31:0]            s_x,
    input  wire                   s_null,
    input  wire [FEAT_WIDTH-1:0]  s_feature,
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
    if (NUM_FEATURES < 1 || NUM_TABLES < 1 || NUM_TABLES > 256 || TAG_WIDTH < 1) begin
        $error("Error: dense_pe parameters out of range (instance %m)");
        $finish;
    end
end

// ---------------------------------------------------------------- config registers
reg [31:0] fill_reg  [0:NUM_FEATURES-1];
reg [31:0] lo_reg    [0:NUM_FEATURES-1];
reg [31:0] hi_reg    [0:NUM_FEATURES-1];
reg [31:0] shift_reg [0:NUM_FEATURES-1];
reg [15:0] ctrl_reg  [0:NUM_FEATURES-1];

wire cfg_feature_ok = {{(32-FEAT_WIDTH){1'b0}}, cfg_feature} < NUM_FEATURES;

always @(posedge clk) begin
    if (cfg_we && cfg_feature_ok) begin
        case (cfg_addr)
            3'd0: fill_reg[cfg_feature] <= cfg_data;
            3'd1: lo_reg[cfg_feature] <= cfg_data;
            3'd2: hi_reg[cfg_feature] <= cfg_data;
            3'd3: shift_reg[cfg_feature] <= cfg_data;
            3'd4: ctrl_reg[cfg_feature] <= cfg_data[15:0];
            default: ;
        endcase
    end
end

wire unused_cfg = &{1'b0, cfg_data[31:16]};

// ---------------------------------------------------------------- stage 0: config lookup
// ctrl bits kept along the chain: {table, as_float, dtype, kind}
localparam CW = TABLE_WIDTH + 5;

wire ce0;
reg                 v0_reg;
reg [TAG_WIDTH-1:0] t0_reg;
reg [31:0]          x0_reg, fill0_reg, lo0_reg, hi0_reg, shift0_reg;
reg                 null0_reg;
reg [CW-1:0]        ctl0_reg;

wire [15:0] s_ctrl = ctrl_reg[s_feature];
wire unused_ctrl = &{1'b0, s_ctrl};  // reserved bits

always @(posedge clk) begin
    if (ce0) begin
        v0_reg <= s_valid;
        t0_reg <= s_tag;
        x0_reg <= s_x;
        null0_reg <= s_null;
        fill0_reg <= fill_reg[s_feature];
        lo0_reg <= lo_reg[s_feature];
        hi0_reg <= hi_reg[s_feature];
        shift0_reg <= shift_reg[s_feature];
        ctl0_reg <= {s_ctrl[8 +: TABLE_WIDTH], s_ctrl[5], s_ctrl[3:2], s_ctrl[1:0]};
    end
    if (rst) v0_reg <= 1'b0;
end
assign s_ready = ce0;

// ---------------------------------------------------------------- the chain (22 cycles)

dense_chain #(.NUM_TABLES(NUM_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(TAG_WIDTH), .ROM_FILE(ROM_FILE)) u_chain (
    .clk(clk), .rst(rst),
    .cfg_bk_we(cfg_bk_we), .cfg_bk_len_we(cfg_bk_len_we), .cfg_bk_table(cfg_bk_table), .cfg_bk_addr(cfg_bk_addr),
    .cfg_bk_data(cfg_bk_data), .cfg_bk_len(cfg_bk_len),
    .s_x(x0_reg), .s_null(null0_reg), .s_fill(fill0_reg), .s_lo(lo0_reg), .s_hi(hi0_reg), .s_shift(shift0_reg),
    .s_table(ctl0_reg[CW-1 -: TABLE_WIDTH]), .s_as_float(ctl0_reg[4]), .s_dtype(ctl0_reg[3:2]), .s_kind(ctl0_reg[1:0]),
    .s_tag(t0_reg), .s_valid(v0_reg), .s_ready(ce0),
    .m_bits(m_bits), .m_tag(m_tag), .m_valid(m_valid), .m_ready(m_ready)
);

endmodule

`resetall
