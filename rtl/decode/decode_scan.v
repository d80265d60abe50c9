// SPDX-License-Identifier: Apache-2.0
// Sluice decode, stage 1 of the wide decoder (docs/spec/decode_rtl.md "Scan"): text beats in,
// per-position bit vectors out, one beat per cycle.
//
// Every byte of an IN_BYTES beat is classified at once and the line / field structure of the
// whole beat is found with bit-parallel operations on IN_BYTES-bit vectors (bit i = byte i):
// no byte-serial chain. The rules are those of docs/spec/decode.md:
//
//   CRT   a CR whose next byte is LF or the end of the stream: it ends the line (the CR of a CRLF)
//   LFI   the LF right after a CRT: ignored
//   LE    line ends: LF (not LFI), CRT, and the end of the stream when a line is open
//   EMPTY a line end with no content since the previous line end (an empty line)
//   RE    data-row ends = LE & ~EMPTY;  S = delimiters | LE (field terminators)
//   FB    field bytes (content that is not a delimiter); FS the first byte of a field
//
// Segmented scans give, at every position p, facts about the field bytes between the last
// terminator before p and p (exclusive), with the open field of earlier beats carried in:
// BINARY byte seen, non-decimal byte (a leading sign excepted), non-hex byte, leading sign,
// leading '-', and FAR = a non-zero digit at distance >= 17 before p (more than 16 significant
// digits). Each scan is log2(IN_BYTES) steps of one LUT level (generate / propagate pairs, as a
// carry-lookahead adder); the carry from earlier beats enters with one more level.
//
// Stream handling: tkeep contiguous from byte 0; a full tlast beat is passed on as a full
// non-last beat followed by an empty tlast beat, so the end of the stream always sits at a
// position n < IN_BYTES of a last beat. A beat whose last byte is a CR waits until the next
// byte is known (the next beat is visible in the input skid buffer).
//
// Timing: three register stages (classify, line structure, field scans), each one log-step
// scan deep at most.
//
// lint-params: IN_BYTES=8
// lint-params: IN_BYTES=128
// synth-params: IN_BYTES=64

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_scan #(
    // B: text bytes per beat (power of two, 8..128)
    parameter IN_BYTES = 64,
    // F: terminators a beat may hold and still be decoded in one cycle (field slots)
    parameter FIELD_SLOTS = 24,
    // width of a position 0..IN_BYTES (derived; do not override)
    parameter PW = $clog2(IN_BYTES) + 1
) (
    input  wire                  clk,
    input  wire                  rst,

    input  wire [8*IN_BYTES-1:0] s_axis_tdata,
    input  wire [IN_BYTES-1:0]   s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,

    input  wire [7:0]            cfg_delimiter,

    // one scanned beat
    output reg                   m_valid,
    input  wire                  m_ready,
    output reg  [8*IN_BYTES-1:0] m_data,     // the bytes (for STR fields)
    output reg  [PW-1:0]         m_n,        // valid bytes 0..IN_BYTES (< IN_BYTES when m_last)
    output reg                   m_last,     // last beat of a stream (its end sits at position m_n)
    output reg  [IN_BYTES-1:0]   m_s,        // terminators (delimiters and line ends)
    output reg  [IN_BYTES-1:0]   m_le,       // line ends (data rows, empty lines, header lines alike)
    output reg  [IN_BYTES-1:0]   m_re,       // data-row ends (line ends that are not empty)
    output reg  [IN_BYTES-1:0]   m_empty,    // empty-line ends
    output reg  [IN_BYTES-1:0]   m_lfi_next, // position p+1 is an ignored LF (field length correction)
    output reg  [IN_BYTES-1:0]   m_fbin,     // field so far (before p) has a BINARY byte
    output reg  [IN_BYTES-1:0]   m_fnd,      // ... a byte that is not a decimal digit (leading sign excepted)
    output reg  [IN_BYTES-1:0]   m_fnh,      // ... a byte that is not a hex digit
    output reg  [IN_BYTES-1:0]   m_fsg,      // ... starts with '+' or '-'
    output reg  [IN_BYTES-1:0]   m_fmi,      // ... starts with '-'
    output reg  [IN_BYTES-1:0]   m_far,      // ... has a non-zero digit 17 or more positions before p
    output reg  [4*IN_BYTES-1:0] m_nib,      // digit value of every field byte (0 elsewhere and at a sign)
    output reg  [63:0]           m_cnib,     // the 16 positions before this beat: digit values
    output reg  [15:0]           m_cs,       // ... and terminator bits (1 also across a stream start)
    output reg  [8:0]            m_clen,     // bytes of the field open at the start of this beat (<= 256)
    output reg                   m_cont,     // a field is open at the start of this beat (no terminator at -1)
    output reg                   m_lfi0,     // position 0 is an ignored LF
    output reg  [PW-1:0]         m_ns,       // terminators in the beat
    output reg  [PW-1:0]         m_nre,      // data-row ends in the beat
    output reg                   m_top_re,   // the last delimiter-or-row-end of the beat is a row end
    output reg  [PW*FIELD_SLOTS-1:0] m_spos  // position of the j-th terminator (j < min(m_ns, F))
);

localparam B = IN_BYTES;
localparam [7:0] LF = 8'h0A, CR = 8'h0D;

initial begin
    if (B != 8 && B != 16 && B != 32 && B != 64 && B != 128) begin
        $error("Error: IN_BYTES must be 8, 16, 32, 64 or 128 (instance %m)");
        $finish;
    end
    if (PW != $clog2(IN_BYTES) + 1) begin
        $error("Error: PW is derived from IN_BYTES, do not override (instance %m)");
        $finish;
    end
end

// ---------------------------------------------------------------- helpers
// one-hot of position x (0 when x >= B)
function [B-1:0] onehot;
    input [PW-1:0] x;
    begin
        onehot = (x < B[PW-1:0]) ? ({{(B-1){1'b0}}, 1'b1} << x) : {B{1'b0}};
    end
endfunction

// positions below x set
function [B-1:0] below;
    input [PW-1:0] x;
    begin
        below = (x >= B[PW-1:0]) ? {B{1'b1}} : (({{(B-1){1'b0}}, 1'b1} << x) - {{(B-1){1'b0}}, 1'b1});
    end
endfunction

// exclusive segmented OR scan: at p, OR of x over (last terminator before p, p); cin is the
// value of the field open before position 0. x must be 0 at terminators.
function [B:0] seg_or;  // bit B = the value after the last position (the carry out)
    input [B-1:0] x;
    input [B-1:0] term;
    input         cin;
    reg   [B:0]   g, pr;
    integer       d;
    begin
        g  = {x, cin};
        pr = {~term, 1'b0};
        for (d = 1; d <= B; d = d * 2) begin
            g  = g | (pr & (g << d));
            pr = pr & (pr << d);
        end
        seg_or = g;
    end
endfunction

// bytes of a kind
function [B-1:0] eq_mask;
    input [8*B-1:0] data;
    input [7:0]     c;
    integer         i;
    begin
        for (i = 0; i < B; i = i + 1) eq_mask[i] = (data[8*i +: 8] == c);
    end
endfunction

// ---------------------------------------------------------------- input skid buffer
wire [8*B-1:0] in_data;
wire [B-1:0]   in_keep;
wire           in_valid, in_last;
wire [0:0]     in_user;
wire           in_take;

axis_register #(
    .DATA_WIDTH(8 * B), .KEEP_ENABLE(1), .KEEP_WIDTH(B), .LAST_ENABLE(1), .USER_ENABLE(0), .REG_TYPE(2)
) u_in (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(in_data), .m_axis_tkeep(in_keep), .m_axis_tvalid(in_valid), .m_axis_tready(in_take),
    .m_axis_tlast(in_last), .m_axis_tuser(in_user)
);
wire unused_in_user = &{1'b0, in_user};

// constant masks: POSMASK[k] has bit i set when bit k of i is 1 (one-hot -> binary encoding)
wire [B-1:0] posmask [0:PW-2];
genvar gk, gi;
generate
    for (gk = 0; gk < PW - 1; gk = gk + 1) begin : g_posmask
        for (gi = 0; gi < B; gi = gi + 1) begin : g_bit
            assign posmask[gk][gi] = ((gi >> gk) & 1) != 0;
        end
    end
endgenerate

// {found, position} of the highest set bit (log-depth: smear, isolate, encode)
function [PW-1:0] hi_pos;
    input [B-1:0] x;
    reg   [B-1:0] y, oh;
    integer       d, k;
    begin
        y = x;
        for (d = 1; d < B; d = d * 2) y = y | (y >> d);
        oh = y & ~(y >> 1);
        hi_pos = {PW{1'b0}};
        for (k = 0; k < PW - 1; k = k + 1) hi_pos[k] = |(oh & posmask[k]);
    end
endfunction

wire [PW-1:0] in_n = (in_keep == {B{1'b0}}) ? {PW{1'b0}} : hi_pos(in_keep) + 1'b1;  // tkeep contiguous from 0

// ---------------------------------------------------------------- stage H: hold + look-ahead
reg              h_valid, h_last, h_inject;   // h_inject: an empty tlast beat follows (split full tlast beat)
reg  [8*B-1:0]   h_data;
reg  [PW-1:0]    h_n;
wire             a_ce;                        // stage A takes a beat
// the byte after the held beat: needed only when its last byte is a CR and the stream goes on
wire [PW-2:0]    h_lasti   = h_n[PW-2:0] - 1'b1;       // last valid byte (h_n >= 1)
wire             h_last_cr = (h_n != {PW{1'b0}}) && (h_data[8*h_lasti +: 8] == CR) && !h_last;
wire             next_known = h_inject || in_valid;
wire             next_lf_or_end = h_inject || (in_valid && ((in_n == {PW{1'b0}} && in_last) ||
                                   (in_n != {PW{1'b0}} && in_data[7:0] == LF)));
wire             h_go = h_valid && a_ce && (!h_last_cr || next_known);
wire             h_load = !h_valid || h_go;
// the input beat is taken into H unless an injected empty beat goes first
assign in_take = h_load && !(h_valid && h_inject);

always @(posedge clk) begin
    if (h_load) begin
        if (h_valid && h_inject) begin
            // the empty tlast beat after a split full tlast beat
            h_valid  <= 1'b1;
            h_n      <= {PW{1'b0}};
            h_last   <= 1'b1;
            h_inject <= 1'b0;
        end else if (in_valid) begin
            h_valid  <= !(in_n == {PW{1'b0}} && !in_last);  // an empty non-last beat carries nothing
            h_data   <= in_data;
            h_n      <= in_n;
            h_last   <= in_last && (in_n != B[PW-1:0]);
            h_inject <= in_last && (in_n == B[PW-1:0]);
        end else begin
            h_valid  <= 1'b0;
        end
    end
    if (rst) begin
        h_valid  <= 1'b0;
        h_inject <= 1'b0;
    end
end

// ---------------------------------------------------------------- stage A: classify every byte
reg             a_valid, a_last;
reg  [8*B-1:0]  a_data;
reg  [PW-1:0]   a_n;
reg  [B-1:0]    a_v, a_lf, a_dl, a_crt, a_lfi, a_bin, a_dig, a_hexd, a_sgn, a_min;
reg  [4*B-1:0]  a_nib;
reg             prev_crt;     // the last byte of the previous beat was a CRT (its LF is ignored)
wire            b_ce;
assign a_ce = b_ce || !a_valid;

function is_hex;
    input [7:0] c;
    begin
        is_hex = (c >= "0" && c <= "9") || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");
    end
endfunction

function [3:0] hex_val;  // 0 for a byte that is not a hex digit
    input [7:0] c;
    begin
        if (c >= "0" && c <= "9")                          hex_val = c[3:0];
        else if ((c >= "a" && c <= "f") || (c >= "A" && c <= "F")) hex_val = c[3:0] + 4'd9;
        else                                               hex_val = 4'd0;
    end
endfunction

function [6*B-1:0] classes;  // {min, sgn, hexd, dig, bin, valid} planes
    input [8*B-1:0] data;
    input [PW-1:0]  n;
    input [7:0]     delim;
    integer         i;
    reg   [7:0]     c;
    begin
        for (i = 0; i < B; i = i + 1) begin
            c  = data[8*i +: 8];
            classes[i]       = (i < {{(32-PW){1'b0}}, n});
            classes[B + i]   = (c < 8'h20 && c != delim) || c == 8'h7F;
            classes[2*B + i] = (c >= "0" && c <= "9");
            classes[3*B + i] = is_hex(c);
            classes[4*B + i] = (c == "+" || c == "-");
            classes[5*B + i] = (c == "-");
        end
    end
endfunction

function [4*B-1:0] nibbles;
    input [8*B-1:0] data;
    integer         i;
    begin
        for (i = 0; i < B; i = i + 1) nibbles[4*i +: 4] = hex_val(data[8*i +: 8]);
    end
endfunction

wire [B-1:0] h_v      = below(h_n);
wire [B-1:0] h_lf     = eq_mask(h_data, LF) & h_v;
wire [B-1:0] h_cr     = eq_mask(h_data, CR) & h_v;
// the byte after each position is LF, or the stream ends there
wire [B-1:0] h_end1   = h_last ? onehot(h_n) >> 1 : {B{1'b0}};              // end of stream at h_n
wire [B-1:0] h_la     = (!h_last && next_lf_or_end && h_n != {PW{1'b0}}) ? onehot({1'b0, h_lasti}) : {B{1'b0}};
wire [B-1:0] h_crt    = h_cr & ((h_lf >> 1) | h_end1 | h_la);
wire [B-1:0] h_lfi    = h_lf & ((h_crt << 1) | {{(B-1){1'b0}}, prev_crt});

always @(posedge clk) begin
    if (a_ce) begin
        a_valid <= h_go;
        if (h_go) begin
            a_data <= h_data;
            a_n    <= h_n;
            a_last <= h_last;
            {a_min, a_sgn, a_hexd, a_dig, a_bin, a_v} <= classes(h_data, h_n, cfg_delimiter);
            a_lf   <= h_lf;
            a_dl   <= eq_mask(h_data, cfg_delimiter) & h_v;
            a_crt  <= h_crt;
            a_lfi  <= h_lfi;
            a_nib  <= nibbles(h_data);
            // carry: a CRT in the last valid position; a new stream starts clean
            prev_crt <= !h_last && h_n != {PW{1'b0}} && h_crt[h_lasti];
        end
    end
    if (rst) begin
        a_valid  <= 1'b0;
        prev_crt <= 1'b0;
    end
end

// ---------------------------------------------------------------- stage B: lines and fields
reg             b_valid, b_last;
reg  [8*B-1:0]  b_data;
reg  [PW-1:0]   b_n;
reg  [B-1:0]    b_s, b_le, b_re, b_empty, b_lfi;
reg  [B-1:0]    b_xbin, b_xnd, b_xnh, b_xsg, b_xmi, b_xnz;   // per-byte facts of field bytes
reg  [4*B-1:0]  b_nib;
reg             line_content;  // content since the last line end (carry)
reg             f_boundary;    // the position before this beat ended a field (or a stream starts)
wire            c_ce;
assign b_ce = c_ce || !b_valid;

wire [PW-2:0]  a_lasti = a_n[PW-2:0] - 1'b1;
wire [B-1:0]   a_leraw = (a_lf & ~a_lfi) | a_crt;
wire [B-1:0]   a_cont  = a_v & ~a_leraw & ~a_lfi;
wire [B:0]     a_sc    = seg_or(a_cont, a_leraw, line_content);     // content since the last line end
wire [B-1:0]   a_eosle = a_last ? (onehot(a_n) & a_sc[B-1:0]) : {B{1'b0}};
wire [B-1:0]   a_le    = a_leraw | a_eosle;
wire [B-1:0]   a_empty = a_leraw & ~a_sc[B-1:0];
wire [B-1:0]   a_s     = a_dl | a_le;
wire [B-1:0]   a_fb    = a_cont & ~a_dl;
wire [B-1:0]   a_fs    = a_fb & (((a_s | a_lfi) << 1) | {{(B-1){1'b0}}, f_boundary});
wire [B-1:0]   a_sgs   = a_fs & a_sgn;

// nibble of every field byte, 0 at a leading sign and outside fields
function [4*B-1:0] keep_nibbles;
    input [4*B-1:0] nib;
    input [B-1:0]   keep;
    integer         i;
    begin
        for (i = 0; i < B; i = i + 1) keep_nibbles[4*i +: 4] = keep[i] ? nib[4*i +: 4] : 4'd0;
    end
endfunction

always @(posedge clk) begin
    if (b_ce) begin
        b_valid <= a_valid;
        if (a_valid) begin
            b_data  <= a_data;
            b_n     <= a_n;
            b_last  <= a_last;
            b_s     <= a_s;
            b_le    <= a_le;
            b_re    <= a_le & ~a_empty;
            b_empty <= a_empty;
            b_lfi   <= a_lfi;
            b_xbin  <= a_fb & a_bin;
            b_xnd   <= a_fb & ~a_dig & ~a_sgs;
            b_xnh   <= a_fb & ~a_hexd;
            b_xsg   <= a_sgs;
            b_xmi   <= a_sgs & a_min;
            b_xnz   <= a_fb & a_hexd & ~a_sgs & (a_nib_nz(a_nib));
            b_nib   <= keep_nibbles(a_nib, a_fb & ~a_sgs);
            // carries for the next beat (a stream starts clean)
            line_content <= !a_last && a_sc[B];
            f_boundary   <= a_last || (a_n == {PW{1'b0}} ? f_boundary : (a_s[a_lasti] | a_lfi[a_lasti]));
        end
    end
    if (rst) begin
        b_valid      <= 1'b0;
        line_content <= 1'b0;
        f_boundary   <= 1'b1;
    end
end

function [B-1:0] a_nib_nz;
    input [4*B-1:0] nib;
    integer         i;
    begin
        for (i = 0; i < B; i = i + 1) a_nib_nz[i] = (nib[4*i +: 4] != 4'd0);
    end
endfunction

// ---------------------------------------------------------------- stage C: field scans, carries
reg             c_valid, c_last, c_cont, c_lfi0;
reg  [8*B-1:0]  c_data;
reg  [PW-1:0]   c_n;
reg  [B-1:0]    c_s, c_le, c_re, c_empty, c_lfi_next, c_fbin, c_fnd, c_fnh, c_fsg, c_fmi, c_far;
reg  [4*B-1:0]  c_nib;
reg  [63:0]     c_cnib;
reg  [15:0]     c_cs;
reg  [8:0]      c_clen;
wire            d_ce;
// carries of the open field: flags, length, and the last 16/17 positions for windows and FAR
reg             cf_bin, cf_nd, cf_nh, cf_sg, cf_mi, cf_nz;
reg  [8:0]      cf_len;
reg             cf_open;       // a field is open at the end of the previous beat
reg  [63:0]     cw_nib;
reg  [15:0]     cw_s;
reg  [16:0]     cw_nzi;        // inclusive non-zero-digit scan at the previous beat's last 17 positions
assign c_ce = d_ce || !c_valid;

wire [B:0]      sc_bin = seg_or(b_xbin, b_s, cf_bin);
wire [B:0]      sc_nd  = seg_or(b_xnd,  b_s, cf_nd);
wire [B:0]      sc_nh  = seg_or(b_xnh,  b_s, cf_nh);
wire [B:0]      sc_sg  = seg_or(b_xsg,  b_s, cf_sg);
wire [B:0]      sc_mi  = seg_or(b_xmi,  b_s, cf_mi);
wire [B:0]      sc_nz  = seg_or(b_xnz,  b_s, cf_nz);
wire [B-1:0]    nzi    = (sc_nz[B-1:0] | b_xnz) & ~b_s;  // inclusive, 0 at terminators
// FAR at p: nzi at p-17 and no terminator at p-16 .. p-1 (positions before the beat from the carry)
wire [B+16:0]   ext_nzi = {nzi, cw_nzi};      // ext index = position + 17
wire [B+15:0]   ext_ns  = {~b_s, ~cw_s};      // ext index = position + 16
wire [PW-2:0]   b_lasti = b_n[PW-2:0] - 1'b1;
// the last 16 / 17 positions of the beat (its valid bytes) for the next beat's windows and FAR
wire [4*B+63:0] nib_tail = {b_nib, cw_nib} >> (4 * b_n);
wire [B+15:0]   s_tail   = {b_s, cw_s} >> b_n;
wire [B+16:0]   nzi_tail = ext_nzi >> b_n;
wire unused_tails = &{1'b0, nib_tail[4*B+63:64], s_tail[B+15:16], nzi_tail[B+16:17], ext_nzi[B+16:B]};
// w[e] = AND of ns_x[e-15 .. e] (16 positions ending at e)
function [B+15:0] and16;
    input [B+15:0] ns_x;
    integer        d;
    begin
        and16 = ns_x;
        for (d = 1; d < 16; d = d * 2) and16 = and16 & (and16 << d);
    end
endfunction
// FAR at p: nzi at p-17 (ext_nzi[p]) and no terminator at p-16 .. p-1 (win16[p+15])
wire [B+15:0]   win16 = and16(ext_ns);
wire [B-1:0]    far   = ext_nzi[B-1:0] & win16[B+14:15];
wire unused_win16 = &{1'b0, win16[14:0], win16[B+15]};

// field boundaries (terminators and ignored LFs) among the valid bytes; the open field starts after the last
wire [B-1:0]    bnd       = (b_s | b_lfi) & below(b_n);
wire [PW-1:0]   bnd_hi    = hi_pos(bnd);
wire [9:0] clen_sum = {1'b0, cf_len} + {{(10-PW){1'b0}}, b_n};

always @(posedge clk) begin
    if (c_ce) begin
        c_valid <= b_valid;
        if (b_valid) begin
            c_data     <= b_data;
            c_n        <= b_n;
            c_last     <= b_last;
            c_s        <= b_s;
            c_le       <= b_le;
            c_re       <= b_re;
            c_empty    <= b_empty;
            c_lfi_next <= b_lfi >> 1;
            c_fbin     <= sc_bin[B-1:0];
            c_fnd      <= sc_nd[B-1:0];
            c_fnh      <= sc_nh[B-1:0];
            c_fsg      <= sc_sg[B-1:0];
            c_fmi      <= sc_mi[B-1:0];
            c_far      <= far;
            c_nib      <= b_nib;
            c_cnib     <= cw_nib;
            c_cs       <= cw_s;
            c_clen     <= cf_len;
            c_cont     <= cf_open;
            c_lfi0     <= b_lfi[0];
            // carries for the next beat
            cf_bin <= sc_bin[B] && !b_last;
            cf_nd  <= sc_nd[B]  && !b_last;
            cf_nh  <= sc_nh[B]  && !b_last;
            cf_sg  <= sc_sg[B]  && !b_last;
            cf_mi  <= sc_mi[B]  && !b_last;
            cf_nz  <= sc_nz[B]  && !b_last;
            if (b_last) begin
                cf_len  <= 9'd0;
                cf_open <= 1'b0;
                cw_nib  <= 64'd0;
                cw_s    <= 16'hFFFF;
                cw_nzi  <= 17'd0;
            end else begin
                // bytes after the last boundary, or the open field grows by the whole beat
                cf_len  <= (bnd != {B{1'b0}}) ? {{(9-PW){1'b0}}, b_n - bnd_hi - 1'b1}
                         : (clen_sum > 10'd256 ? 9'd256 : clen_sum[8:0]);
                cf_open <= (b_n == {PW{1'b0}}) ? cf_open : !(b_s[b_lasti] | b_lfi[b_lasti]);
                cw_nib  <= nib_tail[63:0];
                cw_s    <= s_tail[15:0];
                cw_nzi  <= nzi_tail[16:0];
            end
        end
    end
    if (rst) begin
        c_valid <= 1'b0;
        {cf_bin, cf_nd, cf_nh, cf_sg, cf_mi, cf_nz} <= 6'd0;
        cf_len  <= 9'd0;
        cf_open <= 1'b0;
        cw_nib  <= 64'd0;
        cw_s    <= 16'hFFFF;
        cw_nzi  <= 17'd0;
    end
end

// ---------------------------------------------------------------- stages D, E, F: terminator ranks, slots
// The j-th terminator of the beat, for the cycle that decodes the whole beat at once: the exclusive prefix
// count of the terminators as RB bit planes (plane k = bit k of every position's rank), built by log-step
// additions of shifted planes, two steps per stage; then slot j's one-hot = the terminator whose rank
// planes spell j, encoded to a position. Bit-plane form keeps every step a few word-wide operations in
// the simulator and a few LUT levels on the FPGA.
localparam RB = PW - 1;   // rank bits: ranks 0 .. B-1
localparam NSTEP = RB;    // log-steps d = 1, 2, .., B/2

// add the planes shifted by d to the planes (per position: r[p] += r[p-d]), RB-bit ripple across planes
function [RB*B-1:0] rank_step;
    input [RB*B-1:0] r;
    input integer    d;
    reg   [B-1:0]    a, sh, cy, t;
    integer          k;
    begin
        cy = {B{1'b0}};
        for (k = 0; k < RB; k = k + 1) begin
            a  = r[k*B +: B];
            sh = a << d;
            t  = a ^ sh;
            rank_step[k*B +: B] = t ^ cy;
            cy = (a & sh) | (cy & t);
        end
    end
endfunction

function [RB*B-1:0] rank_steps;  // steps d = 2^lo .. 2^(hi-1)
    input [RB*B-1:0] r;
    input integer    lo;
    input integer    hi;
    integer          i;
    begin
        rank_steps = r;
        for (i = lo; i < hi; i = i + 1) rank_steps = rank_step(rank_steps, 1 << i);
    end
endfunction

function [PW*FIELD_SLOTS-1:0] slot_positions;
    input [B-1:0]    s;
    input [RB*B-1:0] rp;
    reg   [B-1:0]    oh;
    integer          j, k;
    begin
        for (j = 0; j < FIELD_SLOTS; j = j + 1) begin
            oh = s;
            for (k = 0; k < RB; k = k + 1) oh = oh & ((((j >> k) & 1) != 0) ? rp[k*B +: B] : ~rp[k*B +: B]);
            slot_positions[PW*j +: PW] = {PW{1'b0}};
            for (k = 0; k < PW - 1; k = k + 1) slot_positions[PW*j + k] = |(oh & posmask[k]);
        end
    end
endfunction

function [PW-1:0] popcount;
    input [B-1:0] x;
    integer       i;
    begin
        popcount = {PW{1'b0}};
        for (i = 0; i < B; i = i + 1) popcount = popcount + {{(PW-1){1'b0}}, x[i]};
    end
endfunction

// the highest set bit as a one-hot (smear down, isolate)
function [B-1:0] hi_onehot;
    input [B-1:0] x;
    reg   [B-1:0] y;
    integer       d;
    begin
        y = x;
        for (d = 1; d < B; d = d * 2) y = y | (y >> d);
        hi_onehot = y & ~(y >> 1);
    end
endfunction

// the scanned beat travels through D, E, F unchanged; these registers hold it
localparam BEAT_W = 8*B + PW + 1 + 11*B + 4*B + 64 + 16 + 9 + 1 + 1;
wire [BEAT_W-1:0] c_beat = {c_data, c_n, c_last, c_s, c_le, c_re, c_empty, c_lfi_next, c_fbin, c_fnd, c_fnh,
                            c_fsg, c_fmi, c_far, c_nib, c_cnib, c_cs, c_clen, c_cont, c_lfi0};
reg  [BEAT_W-1:0] d_beat, e_beat;
reg               d_valid, e_valid;
reg  [RB*B-1:0]   d_rank, e_rank;
reg  [B-1:0]      d_s, e_s, d_fe_top, d_re, e_re;
reg  [PW-1:0]     e_ns;
reg               e_top_re;
wire              e_ce, f_ce;
assign f_ce = m_ready || !m_valid;
assign e_ce = f_ce || !e_valid;
assign d_ce = e_ce || !d_valid;

always @(posedge clk) begin
    if (d_ce) begin
        d_valid <= c_valid;
        if (c_valid) begin
            d_beat   <= c_beat;
            d_rank   <= rank_steps({{((RB-1)*B){1'b0}}, c_s << 1}, 0, (NSTEP + 2) / 3);
            d_s      <= c_s;
            d_re     <= c_re;
            d_fe_top <= hi_onehot((c_s & ~c_le) | c_re);
        end
    end
    if (e_ce) begin
        e_valid <= d_valid;
        if (d_valid) begin
            e_beat   <= d_beat;
            e_rank   <= rank_steps(d_rank, (NSTEP + 2) / 3, 2 * ((NSTEP + 2) / 3));
            e_s      <= d_s;
            e_re     <= d_re;
            e_ns     <= popcount(d_s);
            e_top_re <= (d_fe_top & d_re) != {B{1'b0}};
        end
    end
    if (f_ce) begin
        m_valid <= e_valid;
        if (e_valid) begin
            {m_data, m_n, m_last, m_s, m_le, m_re, m_empty, m_lfi_next, m_fbin, m_fnd, m_fnh, m_fsg, m_fmi,
             m_far, m_nib, m_cnib, m_cs, m_clen, m_cont, m_lfi0} <= e_beat;
            m_ns     <= e_ns;
            m_nre    <= popcount(e_re);
            m_top_re <= e_top_re;
            m_spos   <= slot_positions(e_s, rank_steps(e_rank, 2 * ((NSTEP + 2) / 3), NSTEP));
        end
    end
    if (rst) begin
        d_valid <= 1'b0;
        e_valid <= 1'b0;
        m_valid <= 1'b0;
    end
end

endmodule

`resetall
