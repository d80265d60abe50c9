// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: XXH64 of one 8-byte little-endian key with a 64-bit seed.
//
//   h = seed + P5 + 8
//   h ^= rotl(key * P2, 31) * P1
//   h = rotl(h, 27) * P1 + P4
//   h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
//
// Golden model: models.hashing.xxh64_u64 (== models.sparse_ops.salted_hash(v, salt)).
// Five 64 x 64 -> low-64 constant multiplies, each an xform_mul64c (DSP partial products, a
// carry-save stage, a carry-propagate stage with the following xor-shift: 3 cycles); the rotates
// are wiring, so every DSP48E2 input comes straight from a register:
//   stage 0:      k = key, h = seed + P5 + 8                         (registered operands)
//   stages 1-3:   a = k * P2
//   stages 4-6:   g = (rotl(a, 31) * P1) ^ h                        (h rides alongside)
//   stages 7-9:   c' = c ^ c >> 33,  c = rotl(g, 27) * P1 + P4
//   stages 10-12: d' = d ^ d >> 29,  d = c' * P2
//   stages 13-15: e' = e ^ e >> 32,  e = d' * P3                    (the digest)
// Latency 16 cycles, one result per cycle. Handshake: a global stall (ce = m_ready | ~m_valid),
// so s_ready is combinational from m_ready; a stage's registers load only for valid operands.
// The seed travels with every operand (per-feature salt from the PE's configuration).
//
// lint-params: TAG_WIDTH=8
// lint-params: TAG_WIDTH=1

`resetall
`timescale 1ns / 1ps
`default_nettype none

module xxh64_u64 #(
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    // operand: key (the 8 bytes, little-endian = the u64 value) and seed
    input  wire [63:0]          s_key,
    input  wire [63:0]          s_seed,
    input  wire [TAG_WIDTH-1:0] s_tag,
    input  wire                 s_valid,
    output wire                 s_ready,

    // result: XXH64 digest
    output wire [63:0]          m_hash,
    output wire [TAG_WIDTH-1:0] m_tag,
    output wire                 m_valid,
    input  wire                 m_ready
);

localparam [63:0] P1 = 64'h9E3779B185EBCA87;
localparam [63:0] P2 = 64'hC2B2AE3D27D4EB4F;
localparam [63:0] P3 = 64'h165667B19E3779F9;
localparam [63:0] P4 = 64'h85EBCA77C2B2AE63;
localparam [63:0] P5 = 64'h27D4EB2F165667C5;
localparam STAGES = 16;

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

// stage 0
reg         v0_reg;
reg [63:0]  k0_reg, h0_reg;
always @(posedge clk) begin
    if (ce && (s_valid || v0_reg)) begin
        v0_reg <= s_valid;
        if (s_valid) begin
            k0_reg <= s_key;
            h0_reg <= s_seed + P5 + 64'd8;
        end
    end
    if (rst) v0_reg <= 1'b0;
end

// the five multiplies
wire [63:0] a, g, c, d, e;
wire        va, vg, vc, vd, ve;
wire [63:0] h5;                                                  // h beside the second multiply's last stage
wire        unused_vh5;

xform_mul64c #(.C(P2)) u_m1 (.clk(clk), .rst(rst), .ce(ce), .s_a(k0_reg), .s_valid(v0_reg), .s_xor(64'd0),
                             .m_p(a), .m_valid(va));
xform_delay #(.LATENCY(5), .WIDTH(64)) u_h (.clk(clk), .rst(rst), .ce(ce), .s_data(h0_reg), .s_valid(v0_reg),
                                           .m_data(h5), .m_valid(unused_vh5));
xform_mul64c #(.C(P1)) u_m2 (.clk(clk), .rst(rst), .ce(ce), .s_a({a[32:0], a[63:33]}), .s_valid(va),
                             .s_xor(h5), .m_p(g), .m_valid(vg));
xform_mul64c #(.C(P1), .ADD(P4), .XSHIFT(33)) u_m3 (.clk(clk), .rst(rst), .ce(ce), .s_a({g[36:0], g[63:37]}),
                                                    .s_valid(vg), .s_xor(64'd0), .m_p(c), .m_valid(vc));
xform_mul64c #(.C(P2), .XSHIFT(29)) u_m4 (.clk(clk), .rst(rst), .ce(ce), .s_a(c), .s_valid(vc), .s_xor(64'd0),
                                          .m_p(d), .m_valid(vd));
xform_mul64c #(.C(P3), .XSHIFT(32)) u_m5 (.clk(clk), .rst(rst), .ce(ce), .s_a(d), .s_valid(vd), .s_xor(64'd0),
                                          .m_p(e), .m_valid(ve));

// the tag rides beside the whole pipeline
wire unused_vtag;
xform_delay #(.LATENCY(STAGES), .WIDTH(TAG_WIDTH)) u_tag (
    .clk(clk), .rst(rst), .ce(ce), .s_data(s_tag), .s_valid(s_valid), .m_data(m_tag), .m_valid(unused_vtag)
);

assign m_hash  = e;
assign m_valid = ve;

endmodule

`resetall
