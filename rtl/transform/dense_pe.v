// SPDX-License-Identifier: Apache-2.0
// Sluice transform: dense processing element, the whole dense chain of
// docs/spec/numerics.md section 1 (models.dense_ops.apply_dense) for one value per cycle, with
// a handshake: dense_chain (21 cycles, never stalls, the per-feature settings in its RAMs) plus
// an output FIFO of FIFO_DEPTH results; s_ready = fewer than FIFO_DEPTH operands accepted and not
// yet taken from the output (credits, a registered compare), so back-pressure never reaches the
// chain and the FIFO never overflows. With m_ready high every cycle, N operands take N + 23
// cycles (chain 21 + FIFO 2).
//
//   int_prefix:  fill_missing -> clamp -> saturating shift
//   log1p_fx | bucketize + int_to_f32 (by kind)
//   f32_to_half: float32 | float16 | bfloat16
//   out = (bucketize and not as_float) ? id (int32) : dtype bits
//
// Per-feature configuration (write with cfg_we while no operand is in flight; not reset):
//   cfg_addr 0: fill   1: lo   2: hi   3: shift   (int32; lo <= hi, host-checked)
//   cfg_addr 4: ctrl = {table id [15:8], as_float [5], dtype [3:2], kind [1:0]}
//               kind 0 log1p, 1 identity, 2 bucketize; dtype 0 float32, 1 float16, 2 bfloat16
// dense_chain keeps fill/lo/hi/shift/kind/table; this wrapper keeps dtype and as_float (read with
// the operand). Bucketize tables (shared by the features, selected by ctrl's table id) are written
// through cfg_bk_* (see bucketize.v).
//
// lint-params: NUM_FEATURES=1 NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_FEATURES=40 NUM_TABLES=4 MAX_BOUNDS=64 TAG_WIDTH=8

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

localparam FIFO_DEPTH = 32;                  // >= chain latency + FIFO latency + 2 for full rate
localparam FLW = $clog2(FIFO_DEPTH);

initial begin
    if (NUM_FEATURES < 1 || NUM_TABLES < 1 || NUM_TABLES > 256 || TAG_WIDTH < 1) begin
        $error("Error: dense_pe parameters out of range (instance %m)");
        $finish;
    end
end

// ---------------------------------------------------------------- dtype / as_float per feature
reg [2:0] dt_mem [0:NUM_FEATURES-1];        // {as_float, dtype}
wire cfg_feature_ok = {{(32-FEAT_WIDTH){1'b0}}, cfg_feature} < NUM_FEATURES;
// written with a blocking assignment like dense_chain's settings (see there); BLKSEQ waived
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (cfg_we && cfg_feature_ok && cfg_addr == 3'd4) dt_mem[cfg_feature] = {cfg_data[5], cfg_data[3:2]};
end
/* verilator lint_on BLKSEQ */
wire [2:0] s_dt = dt_mem[s_feature];

// ---------------------------------------------------------------- credits
reg  [FLW:0] inflight_reg;
reg          s_ready_reg;
wire         take = s_valid && s_ready_reg;
wire         pop  = m_valid && m_ready;
wire [FLW:0] inflight_next = inflight_reg + {{FLW{1'b0}}, take} - {{FLW{1'b0}}, pop};
always @(posedge clk) begin
    inflight_reg <= inflight_next;
    s_ready_reg <= inflight_next < FIFO_DEPTH;
    if (rst) begin
        inflight_reg <= {(FLW+1){1'b0}};
        s_ready_reg <= 1'b0;
    end
end
assign s_ready = s_ready_reg;

// ---------------------------------------------------------------- the chain
wire [31:0]          c_bits;
wire [TAG_WIDTH-1:0] c_tag;
wire                 c_valid;

dense_chain #(.NUM_FEATURES(NUM_FEATURES), .NUM_TABLES(NUM_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(TAG_WIDTH),
              .ROM_FILE(ROM_FILE)) u_chain (
    .clk(clk), .rst(rst),
    .cfg_we(cfg_we && cfg_feature_ok), .cfg_feature(cfg_feature), .cfg_addr(cfg_addr), .cfg_data(cfg_data),
    .cfg_bk_we(cfg_bk_we), .cfg_bk_len_we(cfg_bk_len_we), .cfg_bk_table(cfg_bk_table), .cfg_bk_addr(cfg_bk_addr),
    .cfg_bk_data(cfg_bk_data), .cfg_bk_len(cfg_bk_len),
    .s_x(s_x), .s_null(s_null), .s_feature(s_feature), .s_dtype(s_dt[1:0]), .s_as_float(s_dt[2]), .s_tag(s_tag),
    .s_valid(take),
    .m_bits(c_bits), .m_tag(c_tag), .m_valid(c_valid)
);

// ---------------------------------------------------------------- output FIFO (never full: credits)
wire unused_f_ready, unused_f_keep, unused_f_last, unused_f_user;
wire [FLW:0] unused_f_level, unused_f_hwm;

axis_fifo #(.DEPTH(FIFO_DEPTH), .DATA_WIDTH(32 + TAG_WIDTH), .KEEP_ENABLE(0), .KEEP_WIDTH(1), .LAST_ENABLE(0),
            .USER_ENABLE(0), .STATUS_ENABLE(0)) u_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata({c_tag, c_bits}), .s_axis_tkeep(1'b1), .s_axis_tvalid(c_valid), .s_axis_tready(unused_f_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata({m_tag, m_bits}), .m_axis_tkeep(unused_f_keep), .m_axis_tvalid(m_valid), .m_axis_tready(m_ready),
    .m_axis_tlast(unused_f_last), .m_axis_tuser(unused_f_user),
    .status_level(unused_f_level), .status_high_water(unused_f_hwm), .status_hwm_clear(1'b0)
);

endmodule

`resetall
