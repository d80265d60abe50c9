// SPDX-License-Identifier: Apache-2.0
// Sluice decode: XXH64 of a byte string of 0..MAX_BYTES bytes (xxHash specification,
// doc/xxhash_spec.md v0.1.1; golden model models.hashing.xxh64_bytes, cross-checked
// with PyPI xxhash). Used by decode_lane to reduce STR fields to XXH64(bytes, seed 0).
//
// One string at a time, one step per cycle (s_ready is high only when idle):
//   accept      latch bytes, length, seed; init v1..v4 = seed+P1+P2, seed+P2, seed, seed-P1
//               (len >= 32) or h = seed + P5 + len (len < 32)
//   STRIPE      per 32-byte stripe: v_i = rotl(v_i + lane_i * P2, 31) * P1 (four lanes at once)
//   CONVERGE    h = rotl(v1,1) + rotl(v2,7) + rotl(v3,12) + rotl(v4,18), merge v1..v4, h += len
//   TAIL        per cycle one of: 8 bytes  h = rotl(h ^ round(0, d64), 27) * P1 + P4
//                                 4 bytes  h = rotl(h ^ d32 * P1, 23) * P2 + P3
//                                 1 byte   h = rotl(h ^ d8 * P5, 11) * P1
//               then the avalanche (h ^= h>>33; h *= P2; h ^= h>>29; h *= P3; h ^= h>>32)
//   OUT         m_valid until m_ready
// The data register shifts right as bytes are consumed, so every step reads from byte 0.
// Cycles per string: 1 + floor(len/32) + [len >= 32] + (len%32)/8 + [len%8 >= 4] + len%4 + 1,
// then the result is offered (e.g. 5 bytes: 4 cycles from accept to m_valid).
// The steps are combinational 64 x 64 multiply chains (CONVERGE has five in series);
// pipelining them is future work (docs/spec/decode_rtl.md).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: MAX_BYTES=32 TAG_WIDTH=1
// lint-params: MAX_BYTES=512 TAG_WIDTH=8

`resetall
`timescale 1ns / 1ps
`default_nettype none

module xxh64_str #(
    // Largest string length in bytes (multiple of 32, >= 32); s_data holds MAX_BYTES bytes
    parameter MAX_BYTES = 256,
    // Width of the sideband tag carried with each string to its result (>= 1)
    parameter TAG_WIDTH = 6,
    // Width of s_len (derived; do not override)
    parameter LEN_WIDTH = $clog2(MAX_BYTES + 1)
) (
    input  wire                   clk,
    input  wire                   rst,

    // string: byte i at s_data[8*i +: 8]; bytes at and beyond s_len are ignored
    input  wire [8*MAX_BYTES-1:0] s_data,
    input  wire [LEN_WIDTH-1:0]   s_len,
    input  wire [63:0]            s_seed,
    input  wire [TAG_WIDTH-1:0]   s_tag,
    input  wire                   s_valid,
    output wire                   s_ready,

    // result: XXH64 digest
    output wire [63:0]            m_hash,
    output wire [TAG_WIDTH-1:0]   m_tag,
    output wire                   m_valid,
    input  wire                   m_ready
);

localparam [63:0] P1 = 64'h9E3779B185EBCA87;
localparam [63:0] P2 = 64'hC2B2AE3D27D4EB4F;
localparam [63:0] P3 = 64'h165667B19E3779F9;
localparam [63:0] P4 = 64'h85EBCA77C2B2AE63;
localparam [63:0] P5 = 64'h27D4EB2F165667C5;
localparam LW = LEN_WIDTH;
localparam [2:0] ST_IDLE = 3'd0, ST_STRIPE = 3'd1, ST_CONV = 3'd2, ST_TAIL = 3'd3, ST_OUT = 3'd4;

initial begin
    if (MAX_BYTES < 32 || MAX_BYTES % 32 != 0) begin
        $error("Error: MAX_BYTES must be a multiple of 32, >= 32 (instance %m)");
        $finish;
    end
    if (TAG_WIDTH < 1) begin
        $error("Error: TAG_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
    if (LEN_WIDTH != $clog2(MAX_BYTES + 1)) begin
        $error("Error: LEN_WIDTH is derived from MAX_BYTES, do not override (instance %m)");
        $finish;
    end
end

function [63:0] rotl;
    input [63:0] x;
    input integer r;
    begin
        rotl = (x << r) | (x >> (64 - r));
    end
endfunction

function [63:0] xround;
    input [63:0] acc;
    input [63:0] lane;
    begin
        xround = rotl(acc + lane * P2, 31) * P1;
    end
endfunction

function [63:0] xmerge;
    input [63:0] acc;
    input [63:0] val;
    begin
        xmerge = (acc ^ xround(64'd0, val)) * P1 + P4;
    end
endfunction

reg [2:0]             st_reg;
reg [8*MAX_BYTES-1:0] data_reg;   // unconsumed bytes, next byte at [7:0] (data, not reset)
reg [LW-1:0]          rem_reg;    // bytes left
reg [LW-1:0]          len_reg;    // total length (for h += len after CONVERGE)
reg [63:0]            v1_reg, v2_reg, v3_reg, v4_reg, h_reg;
reg [TAG_WIDTH-1:0]   tag_reg;

wire [LW-1:0] c32 = 32;
wire [LW-1:0] c8 = 8;
wire [LW-1:0] c4 = 4;
wire [LW-1:0] c1 = 1;

// h after CONVERGE (accumulator sum, four merges, + len)
function [63:0] h_conv;
    input [63:0]   v1, v2, v3, v4;
    input [LW-1:0] len;
    begin
        h_conv = xmerge(xmerge(xmerge(xmerge(rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18), v1), v2), v3),
                        v4) + {{(64-LW){1'b0}}, len};
    end
endfunction

// h after one tail step of 8, 4 or 1 bytes (by the bytes left), or the avalanche when none are left
function [63:0] h_tail;
    input [63:0]   h;
    input [63:0]   d;      // the next 8 bytes
    input [LW-1:0] rem;
    reg   [63:0]   a1, a2;
    begin
        if (rem >= 8)      h_tail = rotl(h ^ xround(64'd0, d), 27) * P1 + P4;
        else if (rem >= 4) h_tail = rotl(h ^ ({32'd0, d[31:0]} * P1), 23) * P2 + P3;
        else if (rem != 0) h_tail = rotl(h ^ ({56'd0, d[7:0]} * P5), 11) * P1;
        else begin
            a1 = (h ^ (h >> 33)) * P2;
            a2 = (a1 ^ (a1 >> 29)) * P3;
            h_tail = a2 ^ (a2 >> 32);
        end
    end
endfunction

assign s_ready = (st_reg == ST_IDLE);
assign m_valid = (st_reg == ST_OUT);
assign m_hash = h_reg;
assign m_tag = tag_reg;

always @(posedge clk) begin
    case (st_reg)
        ST_IDLE: begin
            if (s_valid) begin
                data_reg <= s_data;
                rem_reg <= s_len;
                len_reg <= s_len;
                tag_reg <= s_tag;
                v1_reg <= s_seed + P1 + P2;
                v2_reg <= s_seed + P2;
                v3_reg <= s_seed;
                v4_reg <= s_seed - P1;
                h_reg <= s_seed + P5 + {{(64-LW){1'b0}}, s_len};
                st_reg <= (s_len >= c32) ? ST_STRIPE : ST_TAIL;
            end
        end
        ST_STRIPE: begin
            v1_reg <= xround(v1_reg, data_reg[63:0]);
            v2_reg <= xround(v2_reg, data_reg[127:64]);
            v3_reg <= xround(v3_reg, data_reg[191:128]);
            v4_reg <= xround(v4_reg, data_reg[255:192]);
            data_reg <= data_reg >> 256;
            rem_reg <= rem_reg - c32;
            if (rem_reg - c32 < c32) st_reg <= ST_CONV;
        end
        ST_CONV: begin
            h_reg <= h_conv(v1_reg, v2_reg, v3_reg, v4_reg, len_reg);
            st_reg <= ST_TAIL;
        end
        ST_TAIL: begin
            h_reg <= h_tail(h_reg, data_reg[63:0], rem_reg);
            if (rem_reg >= c8) begin
                data_reg <= data_reg >> 64;
                rem_reg <= rem_reg - c8;
            end else if (rem_reg >= c4) begin
                data_reg <= data_reg >> 32;
                rem_reg <= rem_reg - c4;
            end else if (rem_reg != {LW{1'b0}}) begin
                data_reg <= data_reg >> 8;
                rem_reg <= rem_reg - c1;
            end else begin
                st_reg <= ST_OUT;
            end
        end
        default: begin  // ST_OUT
            if (m_ready) st_reg <= ST_IDLE;
        end
    endcase
    if (rst) begin
        st_reg <= ST_IDLE;
    end
end

endmodule

`resetall
