// SPDX-License-Identifier: Apache-2.0
// Sluice transform: sparse processing element, the chain of docs/spec/sparse.md sections 1-3
// for one key per cycle:
//
//   v = null ? fill : value                 (combinational, in front of the hash unit)
//   h = hash_en ? XXH64(v, seed = salt) : v (xxh64_u64, 16 cycles)
//   r = mod_en  ? h mod m : h               (barrett_mod, 8 cycles; mu from the host)
//
// Every operand carries its feature's config (fill, hash_en, salt, mod_en, m, mu); the bypassed
// paths ride in the units' tags (a LUTRAM delay line inside each unit) so the latency is fixed.
// This operand-carried form is the unit-level composite of the two units (tb/sparse_pe); the
// lane's sparse PE is sparse_bk_pe, which keeps the settings in per-feature RAMs and looks them
// up where they are used. Vocabulary and hot-set lookups are the id stage's.
// Latency 24 cycles, one result per cycle; global stall through the two units.
//
// lint-params: TAG_WIDTH=8
// lint-params: TAG_WIDTH=1

`resetall
`timescale 1ns / 1ps
`default_nettype none

module sparse_pe #(
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    // operand: the decoded u64 key with its null bit, and the feature's config
    input  wire [63:0]          s_value,
    input  wire                 s_null,
    input  wire [63:0]          s_fill,
    input  wire                 s_hash_en,
    input  wire [63:0]          s_salt,
    input  wire                 s_mod_en,
    input  wire [31:0]          s_m,
    input  wire [63:0]          s_mu,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    // result: the 64-bit key after fill/hash/modulo
    output wire [63:0]          m_id,
    output wire [TAG_WIDTH-1:0] m_tag,
    output wire                 m_valid,
    input  wire                 m_ready
);

// hash-stage tag: {mod_en, m, mu, hash_en, v, tag}
localparam HT_W = 1 + 32 + 64 + 1 + 64 + TAG_WIDTH;
// modulo-stage tag: {mod_en, h, tag}
localparam MT_W = 1 + 64 + TAG_WIDTH;

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

wire [63:0] v = s_null ? s_fill : s_value;

wire [63:0]     hash;
wire [HT_W-1:0] h_tag;
wire            h_valid, h_ready;

xxh64_u64 #(.TAG_WIDTH(HT_W)) u_hash (
    .clk(clk), .rst(rst),
    .s_key(v), .s_seed(s_salt), .s_tag({s_mod_en, s_m, s_mu, s_hash_en, v, s_tag}),
    .s_valid(s_valid), .s_ready(s_ready),
    .m_hash(hash), .m_tag(h_tag), .m_valid(h_valid), .m_ready(h_ready)
);

wire                 h_mod_en  = h_tag[HT_W-1];
wire [31:0]          h_m       = h_tag[HT_W-2 -: 32];
wire [63:0]          h_mu      = h_tag[HT_W-34 -: 64];
wire                 h_hash_en = h_tag[TAG_WIDTH+64];
wire [63:0]          h_v       = h_tag[TAG_WIDTH +: 64];
wire [TAG_WIDTH-1:0] h_utag    = h_tag[TAG_WIDTH-1:0];
wire [63:0]          h         = h_hash_en ? hash : h_v;

wire [31:0]     rem;
wire [MT_W-1:0] r_tag;

barrett_mod #(.TAG_WIDTH(MT_W)) u_mod (
    .clk(clk), .rst(rst),
    .s_value(h), .s_m(h_m), .s_mu(h_mu), .s_tag({h_mod_en, h, h_utag}),
    .s_valid(h_valid), .s_ready(h_ready),
    .m_rem(rem), .m_tag(r_tag), .m_valid(m_valid), .m_ready(m_ready)
);

assign m_id  = r_tag[MT_W-1] ? {32'd0, rem} : r_tag[TAG_WIDTH +: 64];
assign m_tag = r_tag[TAG_WIDTH-1:0];

endmodule

`resetall
