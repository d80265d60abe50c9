// SPDX-License-Identifier: Apache-2.0
// Sluice decode, stage 2 of the wide decoder (docs/spec/decode_rtl.md "Chunks"): a scanned beat in,
// chunks of up to FIELD_SLOTS terminators out, one chunk per cycle.
//
// A beat is decoded in one chunk (all its terminators in slots 0..ns-1, the positions found by
// decode_scan) when it is a fresh beat outside the header, holds at most FIELD_SLOTS terminators, and
// ends at most LANES data rows with no field after the LANES-th (each row of a chunk then belongs to a
// different output lane). Otherwise it is taken apart: a header line per chunk while header lines
// remain (no slots), else one terminator per chunk. Criteo rows at 64 bytes per beat take the one-chunk
// path every time (docs/performance.md); short rows, header lines and bursts of empty fields take more
// cycles, never a different result.
//
// Two register stages: K1 takes the chunk decision (slot positions, slot count, the previous terminator of
// the beat, header bookkeeping) and the position of the beat's open field; K2 gathers per slot from the
// registered positions. Both share one enable, so the stages stall together.
//
// Per slot the chunk carries what the field stage needs about the field that the terminator ends: its
// position, its length in bytes (field bytes only: no CR of a CRLF, no ignored LF; saturating at 256),
// the field's scan flags, the kind of terminator (delimiter, data-row end, empty-line end) and the 16
// digit positions before it with their terminator bits (the digit window).
//
// lint-params: IN_BYTES=8 FIELD_SLOTS=4 LANES=1
// lint-params: IN_BYTES=128 FIELD_SLOTS=32 LANES=4
// synth-params: IN_BYTES=64 FIELD_SLOTS=24 LANES=2

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_chunker #(
    // B: text bytes per beat (power of two, 8..128)
    parameter IN_BYTES    = 64,
    // F: terminators per chunk
    parameter FIELD_SLOTS = 24,
    // output lanes (data rows of a one-chunk beat go to different lanes)
    parameter LANES       = 2,
    // width of a position 0..IN_BYTES (derived; do not override)
    parameter PW          = $clog2(IN_BYTES) + 1
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire [15:0]              cfg_header_lines,

    // scanned beat (decode_scan)
    input  wire                     s_valid,
    output wire                     s_ready,
    input  wire [8*IN_BYTES-1:0]    s_data,
    input  wire [PW-1:0]            s_n,
    input  wire                     s_last,
    input  wire [IN_BYTES-1:0]      s_s,
    input  wire [IN_BYTES-1:0]      s_le,
    input  wire [IN_BYTES-1:0]      s_re,
    input  wire [IN_BYTES-1:0]      s_empty,
    input  wire [IN_BYTES-1:0]      s_lfi_next,
    input  wire [IN_BYTES-1:0]      s_fbin,
    input  wire [IN_BYTES-1:0]      s_fnd,
    input  wire [IN_BYTES-1:0]      s_fnh,
    input  wire [IN_BYTES-1:0]      s_fsg,
    input  wire [IN_BYTES-1:0]      s_fmi,
    input  wire [IN_BYTES-1:0]      s_far,
    input  wire [4*IN_BYTES-1:0]    s_nib,
    input  wire [63:0]              s_cnib,
    input  wire [15:0]              s_cs,
    input  wire [8:0]               s_clen,
    input  wire                     s_cont,
    input  wire                     s_lfi0,
    input  wire [PW-1:0]            s_ns,
    input  wire [PW-1:0]            s_nre,
    input  wire                     s_top_re,
    input  wire [PW*FIELD_SLOTS-1:0] s_spos,

    // chunk
    output reg                      m_valid,
    input  wire                     m_ready,
    output reg  [PW-1:0]            m_nslots,     // slots 0 .. m_nslots-1 are valid
    output reg  [PW*FIELD_SLOTS-1:0] m_pos,       // terminator position
    output reg  [9*FIELD_SLOTS-1:0] m_len,        // field bytes (<= 256)
    output reg  [FIELD_SLOTS-1:0]   m_fromcarry,  // the field began in an earlier beat
    output reg  [FIELD_SLOTS-1:0]   m_re,         // the terminator ends a data row
    output reg  [FIELD_SLOTS-1:0]   m_empty,      // the terminator ends an empty line (no field)
    output reg  [6*FIELD_SLOTS-1:0] m_flags,      // {far, minus, sign, not hex, not dec, binary}
    output reg  [64*FIELD_SLOTS-1:0] m_win,       // digits of the 16 positions before the terminator
    output reg  [16*FIELD_SLOTS-1:0] m_wins,      // terminator bits of those positions
    output reg                      m_hdr,        // a header line ended in this chunk (no slots)
    output reg                      m_beat_end,   // last chunk of its beat
    output reg                      m_stream_end, // last chunk of a stream
    output reg                      m_tail_hdr,   // the bytes after the beat's last terminator are header
    output reg  [PW-1:0]            m_tail_start, // first byte of the field open at the end of the beat
    output reg                      m_tail_cont,  // that field began in an earlier beat
    output reg  [8*IN_BYTES-1:0]    m_data,
    output reg  [PW-1:0]            m_n
);

localparam B = IN_BYTES;
localparam F = FIELD_SLOTS;

initial begin
    if (F < 1 || F > B || LANES < 1 || LANES > 4) begin
        $error("Error: decode_chunker needs 1 <= FIELD_SLOTS <= IN_BYTES, 1 <= LANES <= 4 (instance %m)");
        $finish;
    end
end

// constant masks for one-hot -> binary
wire [B-1:0] posmask [0:PW-2];
genvar gk, gi;
generate
    for (gk = 0; gk < PW - 1; gk = gk + 1) begin : g_posmask
        for (gi = 0; gi < B; gi = gi + 1) begin : g_bit
            assign posmask[gk][gi] = ((gi >> gk) & 1) != 0;
        end
    end
endgenerate

function [PW-1:0] encode;
    input [B-1:0] oh;
    integer       k;
    begin
        encode = {PW{1'b0}};
        for (k = 0; k < PW - 1; k = k + 1) encode[k] = |(oh & posmask[k]);
    end
endfunction

// ---------------------------------------------------------------- chunk decision
reg             busy;          // the held beat is partly issued
reg  [B-1:0]    rem;           // its terminators not yet issued
reg             prev_valid;    // a terminator of this beat was issued (prev_pos is its position)
reg  [PW-1:0]   prev_pos;
reg  [16:0]     hrem;          // header lines still to skip in this stream
reg             stream_start;  // the next beat starts a stream (header count reloads)

wire            k_ce = m_ready || !m_valid;
wire [16:0]     hnow    = stream_start ? {1'b0, cfg_header_lines} : hrem;
wire            hmode   = hnow != 17'd0;
wire [B-1:0]    cand    = busy ? rem : s_s;
wire            fast    = !busy && !hmode && s_ns <= F[PW-1:0] &&
                          (s_nre < LANES[PW-1:0] || (s_nre == LANES[PW-1:0] && s_top_re));
wire [B-1:0]    low     = cand & (~cand + {{(B-1){1'b0}}, 1'b1});          // lowest terminator
wire [B-1:0]    cand_le = cand & s_le;
wire [B-1:0]    low_le  = cand_le & (~cand_le + {{(B-1){1'b0}}, 1'b1});    // lowest line end
wire [B-1:0]    upto_le = low_le | (low_le - {{(B-1){1'b0}}, 1'b1});       // positions <= it (all if none)
wire [B-1:0]    rem_hdr = (low_le == {B{1'b0}}) ? {B{1'b0}} : cand & ~upto_le;
wire [B-1:0]    rem_one = cand & (cand - {{(B-1){1'b0}}, 1'b1});
wire [B-1:0]    rem_next = fast ? {B{1'b0}} : (hmode ? rem_hdr : rem_one);
wire            beat_end = rem_next == {B{1'b0}};
wire            issue    = s_valid && k_ce;
assign s_ready = issue && beat_end;

// index of the highest set bit of x (0 when none), as a tree: each level picks the half that holds the
// highest set bit, so the depth grows with log2(B) rather than with B
function [PW-2:0] hi_index;
    input [B-1:0] x;
    reg   [B-1:0] v;
    reg   [PW-2:0] idx;
    integer       w;
    begin
        v   = x;
        idx = {(PW-1){1'b0}};
        for (w = B / 2; w >= 1; w = w / 2) begin
            // v holds 2*w candidate bits: keep the upper half when it has a set bit
            idx = idx << 1;
            if (((v >> w) & ({B{1'b1}} >> (B - w))) != {B{1'b0}}) begin
                idx[0] = 1'b1;
                v = (v >> w) & ({B{1'b1}} >> (B - w));
            end else begin
                v = v & ({B{1'b1}} >> (B - w));
            end
        end
        hi_index = idx;
    end
endfunction

// the open field at the end of the beat starts after the last boundary (terminator or ignored LF):
// {it began in an earlier beat, its first position}
function [PW:0] tail_of;
    input [B-1:0] s;
    input [B-2:0] lfi_next;   // ignored LFs at positions 1 .. B-1
    input         lfi0;
    input         cont;
    reg   [B-1:0] bnd;
    begin
        bnd = s | {lfi_next, lfi0};
        tail_of = (bnd == {B{1'b0}}) ? {cont, {PW{1'b0}}} : {1'b0, {1'b0, hi_index(bnd)} + 1'b1};
    end
endfunction

// slot positions of this chunk
function [PW*F-1:0] chunk_positions;
    input          fast_i;
    input [PW*F-1:0] spos;
    input [B-1:0]  low_i;
    begin
        chunk_positions = fast_i ? spos : {{(PW*(F-1)){1'b0}}, encode(low_i)};
    end
endfunction
wire [PW*F-1:0] cpos    = chunk_positions(fast, s_spos, low);
wire [PW-1:0]   cnslots = fast ? s_ns : ((!hmode && low != {B{1'b0}}) ? {{(PW-1){1'b0}}, 1'b1} : {PW{1'b0}});

// ---------------------------------------------------------------- gather per slot
function [8:0] sat256;
    input [10:0] x;
    begin
        sat256 = (x > 11'd256) ? 9'd256 : x[8:0];
    end
endfunction

// field length of the slot at p, the previous boundary being the terminator at q (q_valid) or the
// start of the beat (the open field of earlier beats, clen bytes, and an ignored LF at 0)
function [8:0] field_len;
    input [PW-1:0] p;
    input          q_valid;
    input [PW-1:0] q;
    input          q_lfi;
    input [8:0]    clen;
    input          lfi0;
    begin
        if (q_valid)
            field_len = sat256({{(11-PW){1'b0}}, p} - {{(11-PW){1'b0}}, q} - 11'd1 - {10'd0, q_lfi});
        else
            field_len = sat256({2'b0, clen} + {{(11-PW){1'b0}}, p} - {10'd0, lfi0});
    end
endfunction

// per slot j < n: field bytes
function [9*F-1:0] gather_len;
    input [PW*F-1:0] pos;
    input [PW-1:0]   n;
    input            pv;
    input [PW-1:0]   pp;
    input [B-1:0]    lfi_next;
    input [8:0]      clen;
    input            lfi0;
    reg   [PW-1:0]   q;
    reg   [B:0]      lx;
    integer          j;
    begin
        gather_len = {(9*F){1'b0}};
        lx = {1'b0, lfi_next};
        for (j = 0; j < F; j = j + 1) begin
            if (j < n) begin
                q = (j > 0) ? pos[PW*(j-1) +: PW] : pp;
                gather_len[9*j +: 9] = field_len(pos[PW*j +: PW], (j > 0) || pv, q, lx[q], clen, lfi0);
            end
        end
    end
endfunction

// per slot j < n: the bit of vector v at the slot's position
function [F-1:0] gather_bit;
    input [PW*F-1:0] pos;
    input [PW-1:0]   n;
    input [B-1:0]    v;
    reg   [B:0]      vx;
    integer          j;
    begin
        gather_bit = {F{1'b0}};
        vx = {1'b0, v};
        for (j = 0; j < F; j = j + 1) if (j < n) gather_bit[j] = vx[pos[PW*j +: PW]];
    end
endfunction

// per slot j < n: {far, minus, sign, not hex, not dec, binary}
function [6*F-1:0] gather_flags;
    input [PW*F-1:0] pos;
    input [PW-1:0]   n;
    input [6*B-1:0]  planes;   // plane k at [k*B +: B]
    reg   [PW-1:0]   p;
    integer          j, k;
    begin
        gather_flags = {(6*F){1'b0}};
        for (j = 0; j < F; j = j + 1) begin
            if (j < n) begin
                p = pos[PW*j +: PW];
                for (k = 0; k < 6; k = k + 1) gather_flags[6*j + k] = planes[k*B + {{(32-PW){1'b0}}, p}];
            end
        end
    end
endfunction

// per slot j < n: the 16 digits before the terminator (4 bits each, the nearest in the top nibble)
function [64*F-1:0] gather_win;
    input [PW*F-1:0]  pos;
    input [PW-1:0]    n;
    input [4*B+63:0]  nib;
    integer           j;
    begin
        gather_win = {(64*F){1'b0}};
        for (j = 0; j < F; j = j + 1) if (j < n) gather_win[64*j +: 64] = nib[4*pos[PW*j +: PW] +: 64];
    end
endfunction

// per slot j < n: the terminator bits of those 16 positions
function [16*F-1:0] gather_wins;
    input [PW*F-1:0]  pos;
    input [PW-1:0]    n;
    input [B+15:0]    s;
    integer           j;
    begin
        gather_wins = {(16*F){1'b0}};
        for (j = 0; j < F; j = j + 1) if (j < n) gather_wins[16*j +: 16] = s[{{(32-PW){1'b0}}, pos[PW*j +: PW]} +: 16];
    end
endfunction

// K1: the decision and the beat, registered
reg                  k1_valid;
reg  [PW-1:0]        k1_nslots;
reg  [PW*F-1:0]      k1_pos;
reg                  k1_pv;          // an earlier chunk of this beat issued a terminator (at k1_pp)
reg  [PW-1:0]        k1_pp;
reg                  k1_fromcarry;
reg                  k1_hdr, k1_beat_end, k1_stream_end, k1_tail_hdr, k1_tail_cont;
reg  [PW-1:0]        k1_tail_start;
reg  [8*B-1:0]       k1_data;
reg  [PW-1:0]        k1_n;
reg  [B-1:0]         k1_s, k1_re, k1_empty, k1_lfi_next;
reg  [6*B-1:0]       k1_planes;
reg  [4*B-1:0]       k1_nib;
reg  [63:0]          k1_cnib;
reg  [15:0]          k1_cs;
reg  [8:0]           k1_clen;
reg                  k1_lfi0;

// K2 first (the simulator then orders it before K1 and keeps no shadow copies of K1's registers)
always @(posedge clk) begin
    if (k_ce) begin
        m_valid <= k1_valid;
        if (k1_valid) begin
            m_nslots     <= k1_nslots;
            m_pos        <= k1_pos;
            m_len        <= gather_len(k1_pos, k1_nslots, k1_pv, k1_pp, k1_lfi_next, k1_clen, k1_lfi0);
            m_fromcarry  <= {{(F-1){1'b0}}, k1_fromcarry};
            m_re         <= gather_bit(k1_pos, k1_nslots, k1_re);
            m_empty      <= gather_bit(k1_pos, k1_nslots, k1_empty);
            m_flags      <= gather_flags(k1_pos, k1_nslots, k1_planes);
            m_win        <= gather_win(k1_pos, k1_nslots, {k1_nib, k1_cnib});
            m_wins       <= gather_wins(k1_pos, k1_nslots, {k1_s, k1_cs});
            m_hdr        <= k1_hdr;
            m_beat_end   <= k1_beat_end;
            m_stream_end <= k1_stream_end;
            m_tail_hdr   <= k1_tail_hdr;
            m_tail_start <= k1_tail_start;
            m_tail_cont  <= k1_tail_cont;
            m_data       <= k1_data;
            m_n          <= k1_n;
        end
    end
    if (rst) m_valid <= 1'b0;
end

always @(posedge clk) begin
    if (k_ce) begin
        k1_valid <= s_valid;
        if (s_valid) begin
            k1_nslots     <= cnslots;
            k1_pos        <= cpos;
            k1_pv         <= prev_valid;
            k1_pp         <= prev_pos;
            k1_fromcarry  <= s_cont && !prev_valid && cnslots != {PW{1'b0}};
            k1_hdr        <= hmode && low_le != {B{1'b0}};
            k1_beat_end   <= beat_end;
            k1_stream_end <= beat_end && s_last;
            k1_tail_hdr   <= hmode && (low_le == {B{1'b0}} || hnow != 17'd1);
            {k1_tail_cont, k1_tail_start} <= tail_of(s_s, s_lfi_next[B-2:0], s_lfi0, s_cont);
            k1_data       <= s_data;
            k1_n          <= s_n;
            k1_s          <= s_s;
            k1_re         <= s_re;
            k1_empty      <= s_empty;
            k1_lfi_next   <= s_lfi_next;
            k1_planes     <= {s_far, s_fmi, s_fsg, s_fnh, s_fnd, s_fbin};
            k1_nib        <= s_nib;
            k1_cnib       <= s_cnib;
            k1_cs         <= s_cs;
            k1_clen       <= s_clen;
            k1_lfi0       <= s_lfi0;
        end
    end
    if (rst) k1_valid <= 1'b0;
end

// ---------------------------------------------------------------- beat / stream state
always @(posedge clk) begin
    if (issue) begin
        busy <= !beat_end;
        rem  <= rem_next;
        if (beat_end) begin
            prev_valid <= 1'b0;
        end else if (hmode) begin
            prev_valid <= 1'b1;
            prev_pos   <= encode(low_le);
        end else begin
            prev_valid <= 1'b1;
            prev_pos   <= encode(low);
        end
        hrem         <= (s_last && beat_end) ? 17'd0 : ((hmode && low_le != {B{1'b0}}) ? hnow - 17'd1 : hnow);
        stream_start <= s_last && beat_end;
    end
    if (rst) begin
        busy         <= 1'b0;
        prev_valid   <= 1'b0;
        hrem         <= 17'd0;
        stream_start <= 1'b1;
    end
end

endmodule

`resetall
