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
// Timing: register stages A (classify), B (line ends: one scan), B2 (field bytes), C (field scans),
// D/E (terminator ranks, two log-steps each), F (slot positions); each stage one log-step scan deep at most.
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
// Each stage's logic is a function of its input registers, evaluated inside the clocked block only for a
// valid beat (a simulator evaluates every continuous assignment every cycle; this way an idle stage costs
// one branch).
reg             a_valid, a_last;
reg  [8*B-1:0]  a_data;
reg  [PW-1:0]   a_n;
reg  [B-1:0]    a_v, a_lf, a_dl, a_crt, a_lfi, a_bin, a_dig, a_hexd, a_sgn, a_min;
reg  [4*B-1:0]  a_nib;
reg             prev_crt;     // the last byte of the previous beat was a CRT (its LF is ignored)
wire            b_ce;
assign a_ce = b_ce;   // one enable for every stage (m_ready is a registered ready): no chain through the stages

function is_hex;
    input [7:0] c;
    begin
        is_hex = (c >= "0" && c <= "9") || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");
    end
endfunction

function [3:0] hex_val;  // 0 for a byte that is not a hex digit
    input [7:0] c;
    begin
        if (c >= "0" && c <= "9")                                  hex_val = c[3:0];
        else if ((c >= "a" && c <= "f") || (c >= "A" && c <= "F")) hex_val = c[3:0] + 4'd9;
        else                                                       hex_val = 4'd0;
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

// line-end bytes: {LF, CR of a CRLF (or before the end of the stream), ignored LF after it, the CRT in the
// beat's last valid position (carry)}
function [3*B:0] crlf;
    input [8*B-1:0] data;
    input [PW-1:0]  n;
    input           last;
    input           la;        // the byte after the beat is LF, or the stream ends there
    input           pcrt;      // the previous beat ended with a CRT
    reg   [B-1:0]   v, lf, cr, crt, lfi, nxt;
    reg   [PW-2:0]  li;
    begin
        v   = below(n);
        lf  = eq_mask(data, LF) & v;
        cr  = eq_mask(data, CR) & v;
        li  = n[PW-2:0] - 1'b1;
        nxt = (lf >> 1) | (last ? (onehot(n) >> 1) : ((la && n != {PW{1'b0}}) ? onehot({1'b0, li}) : {B{1'b0}}));
        crt = cr & nxt;
        lfi = lf & ((crt << 1) | {{(B-1){1'b0}}, pcrt});
        crlf = {!last && n != {PW{1'b0}} && crt[li], lfi, crt, lf};
    end
endfunction

wire h_la = next_lf_or_end;

always @(posedge clk) begin
    if (a_ce) begin
        a_valid <= h_go;
        if (h_go) begin
            a_data <= h_data;
            a_n    <= h_n;
            a_last <= h_last;
            {a_min, a_sgn, a_hexd, a_dig, a_bin, a_v} <= classes(h_data, h_n, cfg_delimiter);
            {prev_crt, a_lfi, a_crt, a_lf} <= crlf(h_data, h_n, h_last, h_la, prev_crt);
            a_dl   <= eq_mask(h_data, cfg_delimiter) & below(h_n);
            a_nib  <= nibbles(h_data);
        end
    end
    if (rst) begin
        a_valid  <= 1'b0;
        prev_crt <= 1'b0;
    end
end

// ---------------------------------------------------------------- stage B: line ends
reg             b_valid, b_last;
reg  [8*B-1:0]  b_data;
reg  [PW-1:0]   b_n;
reg  [B-1:0]    b_v, b_dl, b_le, b_empty, b_lfi, b_bin, b_dig, b_hexd, b_sgn, b_min;
reg  [4*B-1:0]  b_nib;
reg             line_content;  // content since the last line end (carry)
wire            b2_ce;
assign b_ce = b2_ce;

// {content after the beat's last line end (carry), line ends, empty-line ends}
function [2*B:0] line_ends;
    input [B-1:0]  v;
    input [B-1:0]  lf;
    input [B-1:0]  crt;
    input [B-1:0]  lfi;
    input [PW-1:0] n;
    input          last;
    input          content;
    reg   [B-1:0]  leraw, cont, eosle;
    reg   [B:0]    sc;
    begin
        leraw = (lf & ~lfi) | crt;
        cont  = v & ~leraw & ~lfi;
        sc    = seg_or(cont, leraw, content);                       // content since the last line end
        eosle = last ? (onehot(n) & sc[B-1:0]) : {B{1'b0}};           // the end of the stream ends an open line
        line_ends = {!last && sc[B], leraw & ~sc[B-1:0], leraw | eosle};
    end
endfunction

always @(posedge clk) begin
    if (b_ce) begin
        b_valid <= a_valid;
        if (a_valid) begin
            b_data <= a_data;
            b_n    <= a_n;
            b_last <= a_last;
            b_v    <= a_v;
            b_dl   <= a_dl;
            b_lfi  <= a_lfi;
            {b_bin, b_dig, b_hexd, b_sgn, b_min} <= {a_bin, a_dig, a_hexd, a_sgn, a_min};
            b_nib  <= a_nib;
            {line_content, b_empty, b_le} <= line_ends(a_v, a_lf, a_crt, a_lfi, a_n, a_last, line_content);
        end
    end
    if (rst) begin
        b_valid      <= 1'b0;
        line_content <= 1'b0;
    end
end

// ---------------------------------------------------------------- stage B2: field bytes
reg             b2_valid, b2_last;
reg  [8*B-1:0]  b2_data;
reg  [PW-1:0]   b2_n;
reg  [B-1:0]    b2_s, b2_le, b2_re, b2_empty, b2_lfi;
reg  [B-1:0]    b2_xbin, b2_xnd, b2_xnh, b2_xsg, b2_xmi, b2_xnz;   // per-byte facts of field bytes
reg  [4*B-1:0]  b2_nib;
reg             f_boundary;    // the position before this beat ended a field (or a stream starts)
wire            c_ce;
assign b2_ce = c_ce;

// {field boundary at the beat's last valid position (carry), xnz, xmi, xsg, xnh, xnd, xbin, nib}
function [10*B:0] field_bytes;
    input [B-1:0]   v;
    input [B-1:0]   dl;
    input [B-1:0]   le;
    input [B-1:0]   lfi;
    input [B-1:0]   bin;
    input [B-1:0]   dig;
    input [B-1:0]   hexd;
    input [B-1:0]   sgn;
    input [B-1:0]   mn;
    input [4*B-1:0] nib;
    input [PW-1:0]  n;
    input           last;
    input           fbnd;
    reg   [B-1:0]   s, fb, fs, sgs, nz;
    reg   [PW-2:0]  li;
    integer         i;
    begin
        s   = dl | le;
        fb  = v & ~le & ~lfi & ~dl;
        fs  = fb & (((s | lfi) << 1) | {{(B-1){1'b0}}, fbnd});
        sgs = fs & sgn;
        for (i = 0; i < B; i = i + 1) begin
            nz[i] = nib[4*i +: 4] != 4'd0;
            field_bytes[4*i +: 4] = (fb[i] && !sgs[i]) ? nib[4*i +: 4] : 4'd0;
        end
        li = n[PW-2:0] - 1'b1;
        field_bytes[4*B +: 6*B] = {fb & hexd & ~sgs & nz, sgs & mn, sgs, fb & ~hexd, fb & ~dig & ~sgs, fb & bin};
        field_bytes[10*B] = last || (n == {PW{1'b0}} ? fbnd : (s[li] | lfi[li]));
    end
endfunction

always @(posedge clk) begin
    if (b2_ce) begin
        b2_valid <= b_valid;
        if (b_valid) begin
            b2_data  <= b_data;
            b2_n     <= b_n;
            b2_last  <= b_last;
            b2_s     <= b_dl | b_le;
            b2_le    <= b_le;
            b2_re    <= b_le & ~b_empty;
            b2_empty <= b_empty;
            b2_lfi   <= b_lfi;
            {f_boundary, b2_xnz, b2_xmi, b2_xsg, b2_xnh, b2_xnd, b2_xbin, b2_nib} <=
                field_bytes(b_v, b_dl, b_le, b_lfi, b_bin, b_dig, b_hexd, b_sgn, b_min, b_nib, b_n, b_last, f_boundary);
        end
    end
    if (rst) begin
        b2_valid   <= 1'b0;
        f_boundary <= 1'b1;
    end
end

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
assign c_ce = d_ce;

// w[e] = AND of ns_x[e-15 .. e] (16 positions ending at e)
function [B+15:0] and16;
    input [B+15:0] ns_x;
    integer        d;
    begin
        and16 = ns_x;
        for (d = 1; d < 16; d = d * 2) and16 = and16 & (and16 << d);
    end
endfunction

// the six field scans at every position, and their carries out: {carries 6, far, mi, sg, nh, nd, bin}
// (the log-step AND window and the extended non-zero scan compute a few positions that FAR does not need)
/* verilator lint_off UNUSEDSIGNAL */
function [6*B+5:0] field_scans;
    input [B-1:0]  s;
    input [B-1:0]  xbin;
    input [B-1:0]  xnd;
    input [B-1:0]  xnh;
    input [B-1:0]  xsg;
    input [B-1:0]  xmi;
    input [B-1:0]  xnz;
    input [5:0]    cin;      // {nz, mi, sg, nh, nd, bin}
    input [16:0]   pnzi;     // inclusive non-zero scan of the previous beat's last 17 positions
    input [15:0]   ps;       // terminators of the previous beat's last 16 positions
    reg   [B:0]    sb, snd, snh, ssg, smi, snz;
    reg   [B+15:0] w16;
    reg   [B+16:0] enzi;
    begin
        sb  = seg_or(xbin, s, cin[0]);
        snd = seg_or(xnd, s, cin[1]);
        snh = seg_or(xnh, s, cin[2]);
        ssg = seg_or(xsg, s, cin[3]);
        smi = seg_or(xmi, s, cin[4]);
        snz = seg_or(xnz, s, cin[5]);
        enzi = {(snz[B-1:0] | xnz) & ~s, pnzi};           // ext index = position + 17
        w16 = and16({~s, ~ps});                            // ext index = position + 16
        // FAR at p: a non-zero digit at p-17 (enzi[p]) and no terminator at p-16 .. p-1 (w16[p+15])
        field_scans = {snz[B], smi[B], ssg[B], snh[B], snd[B], sb[B],
                       enzi[B-1:0] & w16[B+14:15], smi[B-1:0], ssg[B-1:0], snh[B-1:0], snd[B-1:0], sb[B-1:0]};
    end
endfunction
/* verilator lint_on UNUSEDSIGNAL */

// the inclusive non-zero scan (for the next beat's FAR; its carry out comes from field_scans)
/* verilator lint_off UNUSEDSIGNAL */
function [B-1:0] nz_incl;
    input [B-1:0] s;
    input [B-1:0] xnz;
    input         cin;
    reg   [B:0]   snz;
    begin
        snz = seg_or(xnz, s, cin);
        nz_incl = (snz[B-1:0] | xnz) & ~s;
    end
endfunction
/* verilator lint_on UNUSEDSIGNAL */

// the previous 16 / 17 positions for the next beat: {nzi 17, s 16, nib 64}, and the open field's length
function [96:0] tails;
    input [4*B-1:0] nib;
    input [B-1:0]   s;
    input [B-1:0]   nzi;
    input [PW-1:0]  n;
    input [63:0]    pnib;
    input [15:0]    ps;
    input [16:0]    pnzi;
    reg   [4*B+63:0] tn;
    reg   [B+15:0]  ts;
    reg   [B+16:0]  tz;
    begin
        tn = {nib, pnib};
        ts = {s, ps};
        tz = {nzi, pnzi};
        tails = {tz[{{(32-PW){1'b0}}, n} +: 17], ts[{{(32-PW){1'b0}}, n} +: 16], tn[4*{{(32-PW){1'b0}}, n} +: 64]};
    end
endfunction

function [8:0] open_len;  // bytes after the last boundary, or the open field grows by the whole beat
    input [B-1:0]  s;
    input [B-1:0]  lfi;
    input [PW-1:0] n;
    input [8:0]    clen;
    reg   [B-1:0]  bnd;
    reg   [9:0]    sum;
    begin
        bnd = (s | lfi) & below(n);
        sum = {1'b0, clen} + {{(10-PW){1'b0}}, n};
        if (bnd != {B{1'b0}}) open_len = {{(9-PW){1'b0}}, n - hi_pos(bnd) - 1'b1};
        else                  open_len = (sum > 10'd256) ? 9'd256 : sum[8:0];
    end
endfunction

function last_open;  // the last valid position is a field byte (the field stays open)
    input [B-1:0]  s;
    input [B-1:0]  lfi;
    input [PW-1:0] n;
    input          open;
    reg   [PW-2:0] li;
    begin
        li = n[PW-2:0] - 1'b1;
        last_open = (n == {PW{1'b0}}) ? open : !(s[li] | lfi[li]);
    end
endfunction

always @(posedge clk) begin
    if (c_ce) begin
        c_valid <= b2_valid;
        if (b2_valid) begin
            c_data     <= b2_data;
            c_n        <= b2_n;
            c_last     <= b2_last;
            c_s        <= b2_s;
            c_le       <= b2_le;
            c_re       <= b2_re;
            c_empty    <= b2_empty;
            c_lfi_next <= b2_lfi >> 1;
            c_nib      <= b2_nib;
            c_cnib     <= cw_nib;
            c_cs       <= cw_s;
            c_clen     <= cf_len;
            c_cont     <= cf_open;
            c_lfi0     <= b2_lfi[0];
            {cf_nz, cf_mi, cf_sg, cf_nh, cf_nd, cf_bin, c_far, c_fmi, c_fsg, c_fnh, c_fnd, c_fbin} <=
                field_scans(b2_s, b2_xbin, b2_xnd, b2_xnh, b2_xsg, b2_xmi, b2_xnz,
                            {cf_nz, cf_mi, cf_sg, cf_nh, cf_nd, cf_bin}, cw_nzi, cw_s);
            // carries for the next beat (a stream starts clean)
            if (b2_last) begin
                {cf_nz, cf_mi, cf_sg, cf_nh, cf_nd, cf_bin} <= 6'd0;
                cf_len  <= 9'd0;
                cf_open <= 1'b0;
                cw_nib  <= 64'd0;
                cw_s    <= 16'hFFFF;
                cw_nzi  <= 17'd0;
            end else begin
                cf_len  <= open_len(b2_s, b2_lfi, b2_n, cf_len);
                cf_open <= last_open(b2_s, b2_lfi, b2_n, cf_open);
                {cw_nzi, cw_s, cw_nib} <= tails(b2_nib, b2_s, nz_incl(b2_s, b2_xnz, cf_nz), b2_n, cw_nib, cw_s, cw_nzi);
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
assign e_ce = f_ce;
assign d_ce = e_ce;

// one always block per stage (see stage A)
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
    if (rst) d_valid <= 1'b0;
end

always @(posedge clk) begin
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
    if (rst) e_valid <= 1'b0;
end

always @(posedge clk) begin
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
    if (rst) m_valid <= 1'b0;
end

endmodule

`resetall
