// SPDX-License-Identifier: Apache-2.0
// Sluice decode: XXH64 of a byte string of 0..MAX_BYTES bytes (xxHash specification,
// doc/xxhash_spec.md v0.1.1; golden model models.hashing.xxh64_bytes, cross-checked
// with PyPI xxhash). Used by decode_fields to reduce STR fields to XXH64(bytes, seed 0).
//
// One string at a time (s_ready is high only when idle), as a sequence of steps. Every 64-bit
// multiply by an XXH64 prime goes through a pipelined constant multiplier (xform_mul64c: DSP48E2
// partial products, a carry-save tree, one carry-propagate add; 3 cycles), one multiply in flight;
// between multiplies only an add or xor and a rotation, so no path is deeper than an adder:
//   accept      latch bytes, length, seed; v1..v4 = seed+P1+P2, seed+P2, seed, seed-P1 (len >= 32),
//               or h = seed + P5 + len (len < 32)
//   STRIPE      per 32-byte stripe, per lane i: v_i = rotl(v_i + lane_i * P2, 31) * P1
//   CONVERGE    h = rotl(v1,1) + rotl(v2,7) + rotl(v3,12) + rotl(v4,18); per lane
//               h = (h ^ rotl(v_i * P2, 31) * P1) * P1 + P4; then h += len
//   TAIL        per step one of: 8 bytes  h = rotl(h ^ rotl(d64 * P2, 31) * P1, 27) * P1 + P4
//                                4 bytes  h = rotl(h ^ d32 * P1, 23) * P2 + P3
//                                1 byte   h = rotl(h ^ d8 * P5, 11) * P1
//   AVALANCHE   h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
//   OUT         m_valid until m_ready
// A multiply step takes 5 cycles (operand register, the multiplier's 3, the result). The string is held
// as loaded; a 32-byte window register holds the stripe in work (its lane words) and, after the last
// stripe, the tail bytes, shifting right as the tail steps consume them, so every tail step reads from
// byte 0 of the window. With s = floor(len/32),
// r = len mod 32, t8 = floor(r/8), t4 = [r mod 8 >= 4], t1 = r mod 4, the cycles from the accept to the
// result offered are
//   1 + 40 s + 61 [len >= 32] + (t8 + t4 + t1 + 1) + 15 t8 + 10 t4 + 10 t1 + 10
// (5 bytes: 34 cycles; 255 bytes: 445). The decode engine hashes the STR fields of a chunk one after
// another, so STR-heavy schemas decode at a fraction of the text rate (docs/spec/decode_rtl.md).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: MAX_BYTES=32 TAG_WIDTH=1
// lint-params: MAX_BYTES=512 TAG_WIDTH=8
// synth-params: MAX_BYTES=256 TAG_WIDTH=6

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
localparam NSTRIPE = MAX_BYTES / 32;
localparam SW = (NSTRIPE > 1) ? $clog2(NSTRIPE) : 1;

// steps
localparam [4:0] ST_IDLE = 5'd0,  ST_S1 = 5'd1,  ST_S2 = 5'd2,  ST_CV0 = 5'd3, ST_CV1 = 5'd4,
                 ST_CV2 = 5'd5,   ST_CV3 = 5'd6, ST_TAIL = 5'd7, ST_T8A = 5'd8, ST_T8B = 5'd9,
                 ST_T8C = 5'd10,  ST_T4A = 5'd11, ST_T4B = 5'd12, ST_T1A = 5'd13, ST_T1B = 5'd14,
                 ST_AV1 = 5'd15,  ST_AV2 = 5'd16, ST_OUT = 5'd17;
// multipliers: y = x * C + ADD, then y ^ (y >> XSHIFT)
localparam NOP = 7;
localparam [2:0] OP_P2 = 3'd0, OP_P1 = 3'd1, OP_P1P4 = 3'd2, OP_P2P3 = 3'd3, OP_P5 = 3'd4, OP_AV1 = 3'd5,
                 OP_AV2 = 3'd6;

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

reg [4:0]             st_reg;
reg                   go_reg;      // the step's multiply is still to be issued
reg [1:0]             lane_reg;    // stripe / converge lane
reg [8*MAX_BYTES-1:0] data_reg;    // the string as accepted (data, not reset)
reg [255:0]           win_reg;     // stripe in work / unconsumed tail bytes, next byte at [7:0] (data)
reg [SW-1:0]          stripe_reg;  // index of the stripe in win_reg
reg [LW-1:0]          rem_reg;     // bytes left
reg [LW-1:0]          len_reg;     // total length
reg [63:0]            v_reg [0:3];
reg [63:0]            h_reg, t_reg;
reg [TAG_WIDTH-1:0]   tag_reg;
// the multiply in flight
reg [63:0]            x_reg;
reg [2:0]             op_reg;
reg                   issue_reg;

// ---------------------------------------------------------------- the multipliers
wire [NOP*64-1:0] mp;
wire [NOP-1:0]    mv;
xform_mul64c #(.C(P2), .ADD(64'd0), .XSHIFT(0))  u_p2   (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_P2),   .s_xor(64'd0), .m_p(mp[0*64 +: 64]), .m_valid(mv[0]));
xform_mul64c #(.C(P1), .ADD(64'd0), .XSHIFT(0))  u_p1   (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_P1),   .s_xor(64'd0), .m_p(mp[1*64 +: 64]), .m_valid(mv[1]));
xform_mul64c #(.C(P1), .ADD(P4),    .XSHIFT(0))  u_p1p4 (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_P1P4), .s_xor(64'd0), .m_p(mp[2*64 +: 64]), .m_valid(mv[2]));
xform_mul64c #(.C(P2), .ADD(P3),    .XSHIFT(0))  u_p2p3 (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_P2P3), .s_xor(64'd0), .m_p(mp[3*64 +: 64]), .m_valid(mv[3]));
xform_mul64c #(.C(P5), .ADD(64'd0), .XSHIFT(0))  u_p5   (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_P5),   .s_xor(64'd0), .m_p(mp[4*64 +: 64]), .m_valid(mv[4]));
xform_mul64c #(.C(P2), .ADD(64'd0), .XSHIFT(29)) u_av1  (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_AV1),  .s_xor(64'd0), .m_p(mp[5*64 +: 64]), .m_valid(mv[5]));
xform_mul64c #(.C(P3), .ADD(64'd0), .XSHIFT(32)) u_av2  (.clk(clk), .rst(rst), .ce(1'b1), .s_a(x_reg),
    .s_valid(issue_reg && op_reg == OP_AV2),  .s_xor(64'd0), .m_p(mp[6*64 +: 64]), .m_valid(mv[6]));

// the result of the multiply in flight (one at a time: the others read 0)
function [63:0] result_of;
    input [NOP*64-1:0] p;
    input [NOP-1:0]    v;
    integer            k;
    begin
        result_of = 64'd0;
        for (k = 0; k < NOP; k = k + 1) if (v[k]) result_of = result_of | p[k*64 +: 64];
    end
endfunction
wire        r_valid = mv != {NOP{1'b0}};
wire [63:0] r       = result_of(mp, mv);

// ---------------------------------------------------------------- the step sequence
// each step with a multiply: first cycle (go_reg) loads x_reg and issues; the result's cycle does the
// step's add/xor/rotation and moves on
function [66:0] step_operand;   // {op, operand} of a step's multiply
    input [4:0]   st;
    input [63:0]  lane_word;    // stripe lane / converge accumulator
    input [63:0]  d64;
    input [63:0]  t;
    input [63:0]  h;
    begin
        case (st)
            ST_S1:   step_operand = {OP_P2, lane_word};
            ST_S2:   step_operand = {OP_P1, t};
            ST_CV1:  step_operand = {OP_P2, lane_word};
            ST_CV2:  step_operand = {OP_P1, t};
            ST_CV3:  step_operand = {OP_P1P4, t};
            ST_T8A:  step_operand = {OP_P2, d64};
            ST_T8B:  step_operand = {OP_P1, t};
            ST_T8C:  step_operand = {OP_P1P4, t};
            ST_T4A:  step_operand = {OP_P1, {32'd0, d64[31:0]}};
            ST_T4B:  step_operand = {OP_P2P3, t};
            ST_T1A:  step_operand = {OP_P5, {56'd0, d64[7:0]}};
            ST_T1B:  step_operand = {OP_P1, t};
            ST_AV1:  step_operand = {OP_AV1, h ^ (h >> 33)};
            default: step_operand = {OP_AV2, t};
        endcase
    end
endfunction

// the next tail step by the bytes left
function [4:0] tail_step;
    input [LW-1:0] rem;
    begin
        if (rem >= 8)      tail_step = ST_T8A;
        else if (rem >= 4) tail_step = ST_T4A;
        else if (rem != 0) tail_step = ST_T1A;
        else               tail_step = ST_AV1;
    end
endfunction

// the data register has its own block (written only here: a simulator then updates it in place instead
// of copying it every cycle); it loads at the accept and shifts as a step consumes bytes
wire data_load = st_reg == ST_IDLE && s_valid;
wire data_sh32 = st_reg == ST_S2 && r_valid && lane_reg == 2'd3;
wire data_sh8  = st_reg == ST_T8C && r_valid;
wire data_sh4  = st_reg == ST_T4B && r_valid;
wire data_sh1  = st_reg == ST_T1B && r_valid;
// stripe k of the string (zero past the end)
function [255:0] stripe_of;
    input [8*MAX_BYTES-1:0] d;
    input [SW:0]            k;
    integer                 i;
    begin
        stripe_of = 256'd0;
        for (i = 0; i < NSTRIPE; i = i + 1) if (k == i[SW:0]) stripe_of = d[256*i +: 256];
    end
endfunction

// the string register is written at the accept only, the window by one assignment statement: a
// simulator then keeps no per-cycle shadow copy of either
always @(posedge clk) begin
    if (data_load) data_reg <= s_data;
end

always @(posedge clk) begin
    if (data_load || data_sh32 || data_sh8 || data_sh4 || data_sh1)
        win_reg <= data_load ? s_data[255:0] :
                   data_sh32 ? stripe_of(data_reg, {1'b0, stripe_reg} + 1'b1) :
                   (win_reg >> (data_sh8 ? 64 : data_sh4 ? 32 : 8));
    if (data_load)      stripe_reg <= {SW{1'b0}};
    else if (data_sh32) stripe_reg <= stripe_reg + 1'b1;
end

assign s_ready = (st_reg == ST_IDLE);
assign m_valid = (st_reg == ST_OUT);
assign m_hash  = h_reg;
assign m_tag   = tag_reg;

// the multiplier operand has a block of its own (the only reader of the window besides its own block)
always @(posedge clk) begin
    if (go_reg) begin
        {op_reg, x_reg} <= step_operand(st_reg, (st_reg == ST_S1) ? win_reg[64*lane_reg +: 64] : v_reg[lane_reg],
                                        win_reg[63:0], t_reg, h_reg);
    end
end

always @(posedge clk) begin
    issue_reg <= 1'b0;
    if (go_reg) begin
        issue_reg <= 1'b1;
        go_reg    <= 1'b0;
    end
    case (st_reg)
        ST_IDLE: begin
            if (s_valid) begin
                rem_reg  <= s_len;
                len_reg  <= s_len;
                tag_reg  <= s_tag;
                v_reg[0] <= s_seed + P1 + P2;
                v_reg[1] <= s_seed + P2;
                v_reg[2] <= s_seed;
                v_reg[3] <= s_seed - P1;
                h_reg    <= s_seed + P5 + {{(64-LW){1'b0}}, s_len};
                lane_reg <= 2'd0;
                st_reg   <= (s_len >= 32) ? ST_S1 : ST_TAIL;
                go_reg   <= (s_len >= 32);
            end
        end
        ST_S1: if (r_valid) begin t_reg <= rotl(v_reg[lane_reg] + r, 31); st_reg <= ST_S2; go_reg <= 1'b1; end
        ST_S2: if (r_valid) begin
            v_reg[lane_reg] <= r;
            lane_reg        <= lane_reg + 2'd1;
            go_reg          <= 1'b1;
            if (lane_reg != 2'd3) begin
                st_reg <= ST_S1;
            end else begin
                rem_reg  <= rem_reg - 32;
                st_reg   <= (rem_reg - 32 >= 32) ? ST_S1 : ST_CV0;
                go_reg   <= (rem_reg - 32 >= 32);
            end
        end
        ST_CV0: begin
            h_reg    <= rotl(v_reg[0], 1) + rotl(v_reg[1], 7) + rotl(v_reg[2], 12) + rotl(v_reg[3], 18);
            lane_reg <= 2'd0;
            st_reg   <= ST_CV1;
            go_reg   <= 1'b1;
        end
        ST_CV1: if (r_valid) begin t_reg <= rotl(r, 31); st_reg <= ST_CV2; go_reg <= 1'b1; end
        ST_CV2: if (r_valid) begin t_reg <= h_reg ^ r;   st_reg <= ST_CV3; go_reg <= 1'b1; end
        ST_CV3: if (r_valid) begin
            lane_reg <= lane_reg + 2'd1;
            if (lane_reg != 2'd3) begin
                h_reg  <= r;
                st_reg <= ST_CV1;
                go_reg <= 1'b1;
            end else begin
                h_reg  <= r + {{(64-LW){1'b0}}, len_reg};
                st_reg <= ST_TAIL;
            end
        end
        ST_TAIL: begin
            st_reg <= tail_step(rem_reg);
            go_reg <= 1'b1;
        end
        ST_T8A: if (r_valid) begin t_reg <= rotl(r, 31);            st_reg <= ST_T8B; go_reg <= 1'b1; end
        ST_T8B: if (r_valid) begin t_reg <= rotl(h_reg ^ r, 27);    st_reg <= ST_T8C; go_reg <= 1'b1; end
        ST_T8C: if (r_valid) begin
            h_reg    <= r;
            rem_reg  <= rem_reg - 8;
            st_reg   <= ST_TAIL;
        end
        ST_T4A: if (r_valid) begin t_reg <= rotl(h_reg ^ r, 23);    st_reg <= ST_T4B; go_reg <= 1'b1; end
        ST_T4B: if (r_valid) begin
            h_reg    <= r;
            rem_reg  <= rem_reg - 4;
            st_reg   <= ST_TAIL;
        end
        ST_T1A: if (r_valid) begin t_reg <= rotl(h_reg ^ r, 11);    st_reg <= ST_T1B; go_reg <= 1'b1; end
        ST_T1B: if (r_valid) begin
            h_reg    <= r;
            rem_reg  <= rem_reg - 1;
            st_reg   <= ST_TAIL;
        end
        ST_AV1: if (r_valid) begin t_reg <= r; st_reg <= ST_AV2; go_reg <= 1'b1; end
        ST_AV2: if (r_valid) begin h_reg <= r; st_reg <= ST_OUT; end
        default: begin  // ST_OUT
            if (m_ready) st_reg <= ST_IDLE;
        end
    endcase
    if (rst) begin
        st_reg    <= ST_IDLE;
        go_reg    <= 1'b0;
        issue_reg <= 1'b0;
    end
end

endmodule

`resetall
