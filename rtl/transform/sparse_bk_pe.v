// SPDX-License-Identifier: Apache-2.0
// Sluice transform: sparse processing element with the optional bucketize front end of
// generated features (models.transform.sparse_keys + lane_ids), one key per cycle:
//
//   x  = shift(clamp(null ? ifill : value[31:0]))   int_prefix (2 cycles)
//   id = searchsorted(b[table], x, side="right")    bucketize  (3 cycles)
//   k  = bk_en ? id (zero-extended) : value          (a bucketized key is never null)
//   then sparse_pe: fill (64-bit, non-bucketized keys only) -> [XXH64(salt)] -> [mod m]  (10 cycles)
//
// Every operand carries its feature's settings; the bypassed values ride in the units' tags, so
// the latency is a fixed 15 cycles whichever steps are enabled. Global stall through the chain.
// Bucketize tables are written through cfg_bk_* (see bucketize.v) while no operand is in flight.
//
// lint-params: NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=8

`resetall
`timescale 1ns / 1ps
`default_nettype none

module sparse_bk_pe #(
    // Number of bucketize boundary tables (>= 1)
    parameter NUM_TABLES  = 2,
    // Boundary slots per table, 1 .. 64
    parameter MAX_BOUNDS  = 16,
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH   = 1,
    // Width of a table id (derived; do not override)
    parameter TABLE_WIDTH = (NUM_TABLES > 1) ? $clog2(NUM_TABLES) : 1
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

    // operand: the decoded u64 word with its null bit, and the feature's settings
    input  wire [63:0]            s_value,
    input  wire                   s_null,
    input  wire [63:0]            s_fill,     // fill of a non-bucketized key
    input  wire                   s_bk_en,    // bucketize the INT value (generated feature)
    input  wire [31:0]            s_ifill,    // int prefix of the bucketized path
    input  wire [31:0]            s_lo,
    input  wire [31:0]            s_hi,
    input  wire [31:0]            s_shift,
    input  wire [TABLE_WIDTH-1:0] s_table,
    input  wire                   s_hash_en,
    input  wire [63:0]            s_salt,
    input  wire                   s_mod_en,
    input  wire [31:0]            s_m,
    input  wire [63:0]            s_mu,
    input  wire [TAG_WIDTH-1:0]   s_tag,
    input  wire                   s_valid,
    output wire                   s_ready,

    // result: the 64-bit key after [bucketize] / fill -> [hash] -> [modulo]
    output wire [63:0]            m_id,
    output wire [TAG_WIDTH-1:0]   m_tag,
    output wire                   m_valid,
    input  wire                   m_ready
);

initial begin
    if (NUM_TABLES < 1 || NUM_TABLES > 256 || TAG_WIDTH < 1) begin
        $error("Error: sparse_bk_pe parameters out of range (instance %m)");
        $finish;
    end
end

// settings carried past the bucketize front end: {value, null, fill, bk_en, hash_en, salt, mod_en, m, mu, tag}
localparam PW = 64 + 1 + 64 + 1 + 1 + 64 + 1 + 32 + 64 + TAG_WIDTH;
// int_prefix tag: {table, PW}
localparam T1W = TABLE_WIDTH + PW;

wire [31:0]    x1;
wire [T1W-1:0] t1;
wire           v1, r1;

int_prefix #(.TAG_WIDTH(T1W)) u_prefix (
    .clk(clk), .rst(rst),
    .s_x(s_value[31:0]), .s_null(s_null), .s_fill(s_ifill), .s_lo(s_lo), .s_hi(s_hi), .s_shift(s_shift),
    .s_tag({s_table, s_value, s_null, s_fill, s_bk_en, s_hash_en, s_salt, s_mod_en, s_m, s_mu, s_tag}),
    .s_valid(s_valid), .s_ready(s_ready),
    .m_x(x1), .m_tag(t1), .m_valid(v1), .m_ready(r1)
);

wire [31:0]   id2;
wire [PW-1:0] t2;
wire          v2, r2;

bucketize #(.NUM_TABLES(NUM_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(PW)) u_bucket (
    .clk(clk), .rst(rst),
    .cfg_we(cfg_bk_we), .cfg_len_we(cfg_bk_len_we), .cfg_table(cfg_bk_table), .cfg_addr(cfg_bk_addr),
    .cfg_data(cfg_bk_data), .cfg_len(cfg_bk_len),
    .s_x(x1), .s_table(t1[T1W-1 -: TABLE_WIDTH]), .s_tag(t1[PW-1:0]), .s_valid(v1), .s_ready(r1),
    .m_bucket(id2), .m_tag(t2), .m_valid(v2), .m_ready(r2)
);

wire [63:0]          p_value   = t2[PW-1 -: 64];
wire                 p_null    = t2[PW-65];
wire [63:0]          p_fill    = t2[PW-66 -: 64];
wire                 p_bk_en   = t2[PW-130];
wire                 p_hash_en = t2[PW-131];
wire [63:0]          p_salt    = t2[PW-132 -: 64];
wire                 p_mod_en  = t2[PW-196];
wire [31:0]          p_m       = t2[PW-197 -: 32];
wire [63:0]          p_mu      = t2[PW-229 -: 64];
wire [TAG_WIDTH-1:0] p_tag     = t2[TAG_WIDTH-1:0];

sparse_pe #(.TAG_WIDTH(TAG_WIDTH)) u_sparse (
    .clk(clk), .rst(rst),
    .s_value(p_bk_en ? {32'd0, id2} : p_value), .s_null(p_null & ~p_bk_en), .s_fill(p_fill),
    .s_hash_en(p_hash_en), .s_salt(p_salt), .s_mod_en(p_mod_en), .s_m(p_m), .s_mu(p_mu),
    .s_tag(p_tag), .s_valid(v2), .s_ready(r2),
    .m_id(m_id), .m_tag(m_tag), .m_valid(m_valid), .m_ready(m_ready)
);

endmodule

`resetall
