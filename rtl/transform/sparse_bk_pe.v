// SPDX-License-Identifier: Apache-2.0
// Sluice transform: sparse processing element of the lane (models.transform.sparse_keys +
// lane_ids), one key per cycle, each feature's settings in small per-feature RAMs inside
// (written through cfg_*, read at the stage that uses them):
//
//   key:    bk_en ? bucketize(shift(clamp(null ? ifill : value[31:0])))      int_prefix + bucketize
//                 : (null ? fill : value)                                    a 9-cycle delay line
//           (a bucketized key is the zero-extended bucket id, never null)
//   hash:   hash_en ? XXH64(key, seed = salt) : key                         xxh64_u64 | 16-cycle delay
//   final:  mod_en ? key mod m : key                                         barrett_mod | 8-cycle delay
//
// Each step has two paths of equal length and an operand only enters the one its feature
// selects, so the latency is a fixed 33 cycles whichever steps are enabled. **No back-pressure**:
// the PE never stalls (the caller bounds the operands in flight); every stage register loads only
// for a valid operand. The operand carries a narrow feature index and an opaque tag.
//
// Configuration (write while no operand is in flight; not reset), cfg_addr:
//   0 fill[31:0], 1 fill[63:32], 2 bk_en [0], 3 ifill, 4 lo, 5 hi, 6 shift (int32, lo <= hi),
//   7 table, 8 hash_en [0], 9 salt[31:0], 10 salt[63:32], 11 mod_en [0], 12 m, 13 mu[31:0], 14 mu[63:32]
//   (mu = floor((2^64 - 1) / m) from the host, models.sparse_ops.barrett_params).
// Bucketize tables are written through cfg_bk_* (see bucketize.v).
//
// lint-params: NUM_FEATURES=1 NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_FEATURES=8 NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=9
// synth-params: NUM_FEATURES=8 NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=9

`resetall
`timescale 1ns / 1ps
`default_nettype none

module sparse_bk_pe #(
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
    parameter TABLE_WIDTH  = (NUM_TABLES > 1) ? $clog2(NUM_TABLES) : 1
) (
    input  wire                   clk,
    input  wire                   rst,

    // per-feature settings
    input  wire                   cfg_we,
    input  wire [FEAT_WIDTH-1:0]  cfg_feature,
    input  wire [3:0]             cfg_addr,
    input  wire [31:0]            cfg_data,
    // bucketize tables
    input  wire                   cfg_bk_we,
    input  wire                   cfg_bk_len_we,
    input  wire [TABLE_WIDTH-1:0] cfg_bk_table,
    input  wire [5:0]             cfg_bk_addr,
    input  wire [31:0]            cfg_bk_data,
    input  wire [6:0]             cfg_bk_len,

    // operand: the decoded u64 word with its null bit, and the feature index
    input  wire [63:0]            s_value,
    input  wire                   s_null,
    input  wire [FEAT_WIDTH-1:0]  s_feature,
    input  wire [TAG_WIDTH-1:0]   s_tag,
    input  wire                   s_valid,

    // result: the 64-bit key after [bucketize] / fill -> [hash] -> [modulo]
    output wire [63:0]            m_id,
    output wire [TAG_WIDTH-1:0]   m_tag,
    output wire                   m_valid
);

initial begin
    if (NUM_FEATURES < 1 || NUM_TABLES < 1 || NUM_TABLES > 256 || TAG_WIDTH < 1) begin
        $error("Error: sparse_bk_pe parameters out of range (instance %m)");
        $finish;
    end
end

// latencies of the units (their testbenches check them)
localparam LOGP   = (MAX_BOUNDS > 1) ? $clog2(MAX_BOUNDS) : 0;
localparam LAT_K  = 2 + 1 + ((LOGP > 0) ? LOGP : 1);      // int_prefix + bucketize
localparam LAT_H  = 16;                                   // xxh64_u64
localparam LAT_M  = 8;                                    // barrett_mod
localparam FT     = FEAT_WIDTH + TAG_WIDTH;               // {feature, tag}

// ---------------------------------------------------------------- per-feature settings (LUTRAM)
reg [63:0]            fill_mem  [0:NUM_FEATURES-1];
reg                   bk_mem    [0:NUM_FEATURES-1];
reg [31:0]            ifill_mem [0:NUM_FEATURES-1];
reg [31:0]            lo_mem    [0:NUM_FEATURES-1];
reg [31:0]            hi_mem    [0:NUM_FEATURES-1];
reg [31:0]            shift_mem [0:NUM_FEATURES-1];
reg [TABLE_WIDTH-1:0] table_mem [0:NUM_FEATURES-1];
reg                   hash_mem  [0:NUM_FEATURES-1];
reg [63:0]            salt_mem  [0:NUM_FEATURES-1];
reg                   mod_mem   [0:NUM_FEATURES-1];
reg [31:0]            m_mem     [0:NUM_FEATURES-1];
reg [63:0]            mu_mem    [0:NUM_FEATURES-1];

// The settings are written with blocking assignments: they change only while no operand is in flight
// (the interface contract), so no read of the same clock edge can see a write early, and a write costs
// nothing on the other clock edges in simulation (a non-blocking memory write keeps a pending-write flag
// that the simulator clears and tests on every edge). The BLKSEQ style warning (lint) is waived here.
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (cfg_we) begin
        if (cfg_addr == 4'd0)  fill_mem[cfg_feature][31:0] = cfg_data;
        if (cfg_addr == 4'd1)  fill_mem[cfg_feature][63:32] = cfg_data;
        if (cfg_addr == 4'd2)  bk_mem[cfg_feature] = cfg_data[0];
        if (cfg_addr == 4'd3)  ifill_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 4'd4)  lo_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 4'd5)  hi_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 4'd6)  shift_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 4'd7)  table_mem[cfg_feature] = cfg_data[TABLE_WIDTH-1:0];
        if (cfg_addr == 4'd8)  hash_mem[cfg_feature] = cfg_data[0];
        if (cfg_addr == 4'd9)  salt_mem[cfg_feature][31:0] = cfg_data;
        if (cfg_addr == 4'd10) salt_mem[cfg_feature][63:32] = cfg_data;
        if (cfg_addr == 4'd11) mod_mem[cfg_feature] = cfg_data[0];
        if (cfg_addr == 4'd12) m_mem[cfg_feature] = cfg_data;
        if (cfg_addr == 4'd13) mu_mem[cfg_feature][31:0] = cfg_data;
        if (cfg_addr == 4'd14) mu_mem[cfg_feature][63:32] = cfg_data;
    end
end
/* verilator lint_on BLKSEQ */
wire unused_cfg = &{1'b0, cfg_data};

// ---------------------------------------------------------------- key: bucketized or filled
wire bk0 = bk_mem[s_feature];

// path K: int_prefix + bucketize (int_prefix tag {table, feature, tag}: the table looked up with the operand)
wire [31:0]            xk;
wire [TABLE_WIDTH+FT-1:0] tk1;
wire                   vk1;
wire                   unused_rk1, unused_rk2;
int_prefix #(.TAG_WIDTH(TABLE_WIDTH + FT)) u_prefix (
    .clk(clk), .rst(rst),
    .s_x(s_value[31:0]), .s_null(s_null), .s_fill(ifill_mem[s_feature]), .s_lo(lo_mem[s_feature]),
    .s_hi(hi_mem[s_feature]), .s_shift(shift_mem[s_feature]), .s_tag({table_mem[s_feature], s_feature, s_tag}),
    .s_valid(s_valid && bk0), .s_ready(unused_rk1),
    .m_x(xk), .m_tag(tk1), .m_valid(vk1), .m_ready(1'b1)
);

wire [31:0]   idk;
wire [FT-1:0] tk;
wire          vk;
bucketize #(.NUM_TABLES(NUM_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(FT)) u_bucket (
    .clk(clk), .rst(rst),
    .cfg_we(cfg_bk_we), .cfg_len_we(cfg_bk_len_we), .cfg_table(cfg_bk_table), .cfg_addr(cfg_bk_addr),
    .cfg_data(cfg_bk_data), .cfg_len(cfg_bk_len),
    .s_x(xk), .s_table(tk1[TABLE_WIDTH+FT-1 -: TABLE_WIDTH]), .s_tag(tk1[FT-1:0]), .s_valid(vk1),
    .s_ready(unused_rk2),
    .m_bucket(idk), .m_tag(tk), .m_valid(vk), .m_ready(1'b1)
);

// path P: the filled key waits as long
wire [63:0]   kp;
wire [FT-1:0] tp;
wire          vp;
xform_delay #(.LATENCY(LAT_K), .WIDTH(64 + FT)) u_key_delay (
    .clk(clk), .rst(rst), .ce(1'b1), .s_data({s_null ? fill_mem[s_feature] : s_value, s_feature, s_tag}),
    .s_valid(s_valid && !bk0), .m_data({kp, tp}), .m_valid(vp)
);

wire                  vkey = vk || vp;
wire [63:0]           key  = vk ? {32'd0, idk} : kp;
wire [FT-1:0]         tkey = vk ? tk : tp;
wire [FEAT_WIDTH-1:0] fkey = tkey[FT-1 -: FEAT_WIDTH];
wire                  hash = hash_mem[fkey];

// ---------------------------------------------------------------- hash
wire [63:0]   hh;
wire [FT-1:0] th;
wire          vh;
wire          unused_rh;
xxh64_u64 #(.TAG_WIDTH(FT)) u_hash (
    .clk(clk), .rst(rst),
    .s_key(key), .s_seed(salt_mem[fkey]), .s_tag(tkey), .s_valid(vkey && hash), .s_ready(unused_rh),
    .m_hash(hh), .m_tag(th), .m_valid(vh), .m_ready(1'b1)
);

wire [63:0]   hp;
wire [FT-1:0] thp;
wire          vhp;
xform_delay #(.LATENCY(LAT_H), .WIDTH(64 + FT)) u_hash_delay (
    .clk(clk), .rst(rst), .ce(1'b1), .s_data({key, tkey}), .s_valid(vkey && !hash), .m_data({hp, thp}),
    .m_valid(vhp)
);

wire                  vhk  = vh || vhp;
wire [63:0]           hk   = vh ? hh : hp;
wire [FT-1:0]         thk  = vh ? th : thp;
wire [FEAT_WIDTH-1:0] fhk  = thk[FT-1 -: FEAT_WIDTH];
wire                  modf = mod_mem[fhk];

// ---------------------------------------------------------------- final: modulo
wire [31:0]          rem;
wire [TAG_WIDTH-1:0] tm;
wire                 vm;
wire                 unused_rm;
barrett_mod #(.TAG_WIDTH(TAG_WIDTH)) u_mod (
    .clk(clk), .rst(rst),
    .s_value(hk), .s_m(m_mem[fhk]), .s_mu(mu_mem[fhk]), .s_tag(thk[TAG_WIDTH-1:0]), .s_valid(vhk && modf),
    .s_ready(unused_rm),
    .m_rem(rem), .m_tag(tm), .m_valid(vm), .m_ready(1'b1)
);

wire [63:0]          mp;
wire [TAG_WIDTH-1:0] tmp;
wire                 vmp;
xform_delay #(.LATENCY(LAT_M), .WIDTH(64 + TAG_WIDTH)) u_mod_delay (
    .clk(clk), .rst(rst), .ce(1'b1), .s_data({hk, thk[TAG_WIDTH-1:0]}), .s_valid(vhk && !modf),
    .m_data({mp, tmp}), .m_valid(vmp)
);

assign m_id    = vm ? {32'd0, rem} : mp;
assign m_tag   = vm ? tm : tmp;
assign m_valid = vm || vmp;

endmodule

`resetall
