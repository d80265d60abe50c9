// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: XXH64 of one 8-byte little-endian key with a 64-bit seed.
//
//   h = seed + P5 + 8
//   h ^= rotl(key * P2, 31) * P1
//   h = rotl(h, 27) * P1 + P4
//   h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
//
// Golden model: models.hashing.xxh64_u64 (== models.sparse_ops.salted_hash(v, salt)).
// Five 64 x 64 -> low-64 constant multiplies, one per pipeline stage.
// Latency 6 cycles, one result per cycle. Handshake: a global stall
// (ce = m_ready | ~m_valid), so s_ready is combinational from m_ready.
// The seed travels with every operand (per-feature salt from the PE's registers).
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
localparam STAGES = 6;

initial begin
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

reg [STAGES-1:0] valid_reg;
reg [TAG_WIDTH-1:0] tag_reg [0:STAGES-1];

reg [63:0] s1_a_reg, s1_h_reg;   // key*P2, seed+P5+8
reg [63:0] s2_b_reg, s2_h_reg;   // rotl(a,31)*P1, h
reg [63:0] s3_c_reg;             // rotl(h^b,27)*P1 + P4
reg [63:0] s4_d_reg;             // (c ^ c>>33) * P2
reg [63:0] s5_e_reg;             // (d ^ d>>29) * P3
reg [63:0] s6_h_reg;             // e ^ e>>32

wire [63:0] s2_rot = {s1_a_reg[32:0], s1_a_reg[63:33]};            // rotl 31
wire [63:0] s3_x   = s2_h_reg ^ s2_b_reg;
wire [63:0] s3_rot = {s3_x[36:0], s3_x[63:37]};                    // rotl 27
wire [63:0] s4_x   = s3_c_reg ^ {33'd0, s3_c_reg[63:33]};
wire [63:0] s5_x   = s4_d_reg ^ {29'd0, s4_d_reg[63:29]};

integer k;
always @(posedge clk) begin
    if (ce) begin
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
        tag_reg[0] <= s_tag;
        for (k = 1; k < STAGES; k = k + 1) tag_reg[k] <= tag_reg[k-1];
        s1_a_reg <= s_key * P2;
        s1_h_reg <= s_seed + P5 + 64'd8;
        s2_b_reg <= s2_rot * P1;
        s2_h_reg <= s1_h_reg;
        s3_c_reg <= s3_rot * P1 + P4;
        s4_d_reg <= s4_x * P2;
        s5_e_reg <= s5_x * P3;
        s6_h_reg <= s5_e_reg ^ {32'd0, s5_e_reg[63:32]};
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_hash  = s6_h_reg;
assign m_tag   = tag_reg[STAGES-1];
assign m_valid = valid_reg[STAGES-1];

endmodule

`resetall
