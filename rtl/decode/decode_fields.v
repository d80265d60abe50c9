// SPDX-License-Identifier: Apache-2.0
// Sluice decode, stage 3 of the wide decoder (docs/spec/decode_rtl.md "Fields"): a chunk of up to
// FIELD_SLOTS terminators in, the value and verdict of every field they end out, one chunk per cycle.
//
//   F0  column of every slot (consecutive within a line; every line end restarts at 0) by a log-step
//       scan over the slots, the digit window cut at the field's start
//   F1  the column's kind, the checks of docs/spec/decode.md rule 6
//       that need no value: BINARY, OVERLONG, BAD_CHAR, and OVERFLOW by length (a non-zero digit
//       beyond the 16th for HEX or beyond the 10th for decimal)
//   F2  STR fields: each non-null STR column field is hashed (xxh64_str, XXH64(bytes, 0)); the chunk
//       waits here while its STR fields are hashed, STR_UNITS at a time; the bytes of a STR field that is
//       still open at the end of its beat are kept in a 256-byte buffer until its terminator comes.
//       Decimal: pairs of digits (d1*10 + d0)
//   F3  decimal: groups of 4 digits;   F4: groups of 8;   F5: the 10-digit value
//   F6  decimal OVERFLOW against the int32 range, sign, the field's reason by priority
//       (BINARY > OVERLONG > BAD_CHAR > OVERFLOW), null and value
// Every stage register loads only for the slots of a valid chunk; one global enable (output space,
// no STR field waiting for its hash).
//
// lint-params: IN_BYTES=8 FIELD_SLOTS=4
// lint-params: IN_BYTES=128 FIELD_SLOTS=32
// synth-params: IN_BYTES=64 FIELD_SLOTS=24
// synth-flags: -hier

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_fields #(
    // B: text bytes per beat
    parameter IN_BYTES    = 64,
    // F: slots per chunk
    parameter FIELD_SLOTS = 24,
    // XXH64 units hashing the STR fields of a chunk side by side
    parameter STR_UNITS   = 4,
    // width of a position 0..IN_BYTES (derived; do not override)
    parameter PW          = $clog2(IN_BYTES) + 1
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire [191:0]              cfg_kinds,
    input  wire [6:0]                cfg_n_columns,
    input  wire [7:0]                cfg_max_field_bytes,

    // chunk (decode_chunker)
    input  wire                      s_valid,
    output wire                      s_ready,
    input  wire [PW-1:0]             s_nslots,
    input  wire [9*FIELD_SLOTS-1:0]  s_len,
    input  wire [FIELD_SLOTS-1:0]    s_fromcarry,
    input  wire [FIELD_SLOTS-1:0]    s_re,
    input  wire [FIELD_SLOTS-1:0]    s_empty,
    input  wire [6*FIELD_SLOTS-1:0]  s_flags,
    input  wire [64*FIELD_SLOTS-1:0] s_win,
    input  wire [16*FIELD_SLOTS-1:0] s_wins,
    input  wire [PW*FIELD_SLOTS-1:0] s_pos,
    input  wire                      s_hdr,
    input  wire                      s_beat_end,
    input  wire                      s_stream_end,
    input  wire                      s_tail_hdr,
    input  wire [PW-1:0]             s_tail_start,
    input  wire                      s_tail_cont,
    input  wire [8*IN_BYTES-1:0]     s_data,
    input  wire [PW-1:0]             s_n,

    // evaluated chunk
    output reg                       m_valid,
    input  wire                      m_ready,
    output reg  [FIELD_SLOTS-1:0]    m_slot,       // slot holds a terminator
    output reg  [FIELD_SLOTS-1:0]    m_re,         // ... that ends a data row
    output reg  [FIELD_SLOTS-1:0]    m_empty,      // ... that ends an empty line (no field)
    output reg  [7*FIELD_SLOTS-1:0]  m_col,        // the field's column (64 = past the last)
    output reg  [FIELD_SLOTS-1:0]    m_colfield,   // the field is a column field (column < n_columns)
    output reg  [3*FIELD_SLOTS-1:0]  m_reason,     // the column field's reason (0 clean)
    output reg  [FIELD_SLOTS-1:0]    m_null,       // the column field is null (missing, SKIP, or bad)
    output reg  [64*FIELD_SLOTS-1:0] m_value,      // its value (0 when null)
    output reg                       m_hdr,
    output reg                       m_stream_end,
    output reg  [PW-1:0]             m_nstr,       // STR fields hashed in this chunk
    output reg  [6:0]                m_col_after   // column of the field open after the chunk
);

localparam B = IN_BYTES;
localparam F = FIELD_SLOTS;
localparam [2:0] K_LABEL = 3'd0, K_INT = 3'd1, K_HEX = 3'd2, K_STR = 3'd3, K_SKIP = 3'd4;
localparam [2:0] RSN_OK = 3'd0, RSN_BAD_CHAR = 3'd2, RSN_OVERFLOW = 3'd3, RSN_OVERLONG = 3'd4,
                 RSN_BINARY = 3'd5;


wire [6:0] n_cols = (cfg_n_columns == 7'd0) ? 7'd1 : (cfg_n_columns > 7'd64 ? 7'd64 : cfg_n_columns);

// global enable of F1..F6
wire str_wait;
wire ce = (m_ready || !m_valid) && !str_wait;
assign s_ready = ce;

// ---------------------------------------------------------------- F1: columns, kinds, checks
reg  [6:0]          col0;          // column of the next field (state across chunks)
reg                 f1_valid, f1_hdr, f1_stream_end, f1_beat_end, f1_tail_hdr, f1_tail_cont;
reg  [F-1:0]        f1_slot, f1_re, f1_empty, f1_colfield, f1_fromcarry;
reg  [7*F-1:0]      f1_col;
reg  [3*F-1:0]      f1_pre;        // reason known without the value (0 = none yet)
reg  [F-1:0]        f1_null;       // null without a reason (empty field, SKIP)
reg  [F-1:0]        f1_dec, f1_neg, f1_str;
reg  [64*F-1:0]     f1_win;        // the field's last 16 digits (cut at its start)
reg  [9*F-1:0]      f1_len;
reg  [PW*F-1:0]     f1_pos;
reg  [PW-1:0]       f1_tail_start, f1_n;
reg  [8*B-1:0]      f1_data;
reg  [6:0]          f1_col_after;

// columns: slot j continues the line of slot j-1 unless j-1 ended a line. Parallel form: the last line end
// before every slot by a log-step scan over the slots (the field stage's column is then j - that slot - 1,
// or col0 + j before the chunk's first line end), saturating at 64 (past the last column).
function [6*F-1:0] last_le;  // per slot {found, index[4:0]} of the last line end before it
    input [F-1:0] le;
    reg   [F-1:0] has;
    reg   [4:0]   idx [0:F-1];
    integer       j, d;
    begin
        for (j = 0; j < F; j = j + 1) begin
            has[j] = (j > 0) && le[j-1];
            idx[j] = (j > 0) ? j[4:0] - 5'd1 : 5'd0;
        end
        for (d = 1; d < F; d = d * 2) begin
            for (j = F - 1; j >= d; j = j - 1) begin
                if (!has[j] && has[j-d]) begin
                    has[j] = 1'b1;
                    idx[j] = idx[j-d];
                end
            end
        end
        for (j = 0; j < F; j = j + 1) last_le[6*j +: 6] = {has[j], idx[j]};
    end
endfunction

function [6:0] sat64;
    input [7:0] c;
    begin
        sat64 = (c > 8'd64) ? 7'd64 : c[6:0];
    end
endfunction

function [7*F-1:0] columns;
    input [PW-1:0] n;
    input [F-1:0]  le;
    input [6:0]    c0;
    reg   [6*F-1:0] ll;
    integer        j;
    begin
        columns = {(7*F){1'b0}};
        ll = last_le(le);
        for (j = 0; j < F; j = j + 1) begin
            if (j < n) begin
                if (ll[6*j + 5]) columns[7*j +: 7] = sat64({3'd0, j[4:0]} - {3'd0, ll[6*j +: 5]} - 8'd1);
                else             columns[7*j +: 7] = sat64({1'b0, c0} + {3'd0, j[4:0]});
            end
        end
    end
endfunction

// index of the highest set bit (smear, isolate, OR-encode: no priority chain)
function [PW-1:0] hi_index;
    input [F-1:0] x;
    reg   [F-1:0] y, oh;
    integer       d, j;
    begin
        y = x;
        for (d = 1; d < F; d = d * 2) y = y | (y >> d);
        oh = y & ~(y >> 1);
        hi_index = {PW{1'b0}};
        for (j = 0; j < F; j = j + 1) if (oh[j]) hi_index = hi_index | j[PW-1:0];
    end
endfunction

// column of the field open after the chunk: after its last line end, or col0 + slots
function [6:0] column_after;
    input [PW-1:0] n;
    input [F-1:0]  le;
    input [6:0]    c0;
    reg   [F-1:0]  lev;
    reg   [PW-1:0] lastp;
    reg            any;
    begin
        lev = le & slot_mask(n);
        any = lev != {F{1'b0}};
        lastp = hi_index(lev);
        column_after = any ? sat64({{(8-PW){1'b0}}, n - lastp - 1'b1}) : sat64({1'b0, c0} + {{(8-PW){1'b0}}, n});
    end
endfunction

// the window's digits at and after the last terminator before the field are cut (the nearest position
// is the top nibble)
function [63:0] cut_window;
    input [63:0] win;
    input [15:0] wins;
    reg   [15:0] keep;
    integer      k;
    begin
        keep[15] = !wins[15];
        for (k = 14; k >= 0; k = k - 1) keep[k] = keep[k+1] && !wins[k];
        for (k = 0; k < 16; k = k + 1) cut_window[4*k +: 4] = keep[k] ? win[4*k +: 4] : 4'd0;
    end
endfunction

function [2:0] kind_of;
    input [191:0] kinds;
    input [6:0]   col;
    reg   [2:0]   k;
    begin
        k = (col >= 7'd64) ? K_SKIP : kinds[3*col[5:0] +: 3];
        kind_of = (k > K_SKIP) ? K_SKIP : k;
    end
endfunction

// per slot: {str, neg, dec, null, pre[2:0], kind[2:0]} for a column field; the checks of rule 6
function [9:0] check;
    input [2:0]  kind;
    input [8:0]  len;
    input [5:0]  fl;        // {far, minus, sign, not hex, not dec, binary}
    input [23:0] win;       // cut window, its 6 farthest positions
    input [7:0]  max_bytes;
    reg          bin, overlong, numeric, dec, badc, ovf;
    begin
        bin      = fl[0];
        overlong = len > {1'b0, max_bytes};
        dec      = (kind == K_LABEL || kind == K_INT);
        numeric  = dec || kind == K_HEX;
        badc     = dec ? (fl[1] || (fl[3] && len == 9'd1)) : (kind == K_HEX ? fl[2] : 1'b0);
        // too many significant digits: HEX beyond 16, decimal beyond 10 (positions 0..5 of the window)
        ovf      = fl[5] || (dec && win != 24'd0);
        check[2:0] = kind;
        if (kind == K_SKIP)       check[5:3] = bin ? RSN_BINARY : RSN_OK;
        else if (len == 9'd0)     check[5:3] = RSN_OK;
        else if (bin)             check[5:3] = RSN_BINARY;
        else if (overlong)        check[5:3] = RSN_OVERLONG;
        else if (numeric && badc) check[5:3] = RSN_BAD_CHAR;
        else if (numeric && ovf)  check[5:3] = RSN_OVERFLOW;
        else                      check[5:3] = RSN_OK;
        check[6] = (kind == K_SKIP) || len == 9'd0;                 // null without a reason
        check[7] = dec;
        check[8] = dec && fl[4];
        check[9] = (kind == K_STR) && len != 9'd0 && !bin && !overlong;
    end
endfunction

function [10*F-1:0] checks;  // per slot check()
    input [PW-1:0]  n;
    input [3*F-1:0] kinds_j;
    input [9*F-1:0] lens;
    input [6*F-1:0] flags;
    input [64*F-1:0] wins_cut;
    input [7:0]     max_bytes;
    integer         j;
    begin
        checks = {(10*F){1'b0}};
        for (j = 0; j < F; j = j + 1)
            if (j < n) checks[10*j +: 10] = check(kinds_j[3*j +: 3], lens[9*j +: 9], flags[6*j +: 6],
                                                   wins_cut[64*j +: 24], max_bytes);
    end
endfunction

function [64*F-1:0] cut_windows;
    input [PW-1:0]   n;
    input [64*F-1:0] win;
    input [16*F-1:0] wins;
    integer          j;
    begin
        cut_windows = {(64*F){1'b0}};
        for (j = 0; j < F; j = j + 1) if (j < n) cut_windows[64*j +: 64] = cut_window(win[64*j +: 64], wins[16*j +: 16]);
    end
endfunction

function [3*F-1:0] kinds_of;
    input [PW-1:0]  n;
    input [7*F-1:0] cols;
    input [191:0]   kinds;
    integer         j;
    begin
        kinds_of = {(3*F){1'b0}};
        for (j = 0; j < F; j = j + 1) if (j < n) kinds_of[3*j +: 3] = kind_of(kinds, cols[7*j +: 7]);
    end
endfunction

function [F-1:0] colfields;
    input [PW-1:0]  n;
    input [7*F-1:0] cols;
    input [F-1:0]   empty;
    input [6:0]     nc;
    integer         j;
    begin
        colfields = {F{1'b0}};
        for (j = 0; j < F; j = j + 1) if (j < n) colfields[j] = !empty[j] && cols[7*j +: 7] < nc;
    end
endfunction

function [F-1:0] slot_mask;
    input [PW-1:0] n;
    integer        j;
    begin
        for (j = 0; j < F; j = j + 1) slot_mask[j] = (j < n);
    end
endfunction

// F0: columns and cut windows (registered), the column state across chunks
reg                 f0_valid, f0_hdr, f0_stream_end, f0_beat_end, f0_tail_hdr, f0_tail_cont;
reg  [PW-1:0]       f0_nslots, f0_tail_start, f0_n;
reg  [F-1:0]        f0_re, f0_empty, f0_fromcarry;
reg  [7*F-1:0]      f0_col;
reg  [64*F-1:0]     f0_cut;
reg  [9*F-1:0]      f0_len;
reg  [6*F-1:0]      f0_flags;
reg  [PW*F-1:0]     f0_pos;
reg  [8*B-1:0]      f0_data;
reg  [6:0]          f0_col_after;
wire [F-1:0]        s_le = s_re | s_empty;

always @(posedge clk) begin
    if (ce) begin
        f0_valid <= s_valid;
        if (s_valid) begin
            f0_nslots     <= s_nslots;
            f0_re         <= s_re;
            f0_empty      <= s_empty;
            f0_fromcarry  <= s_fromcarry;
            f0_col        <= columns(s_nslots, s_le, col0);
            f0_cut        <= cut_windows(s_nslots, s_win, s_wins);
            f0_len        <= s_len;
            f0_flags      <= s_flags;
            f0_pos        <= s_pos;
            f0_hdr        <= s_hdr;
            f0_stream_end <= s_stream_end;
            f0_beat_end   <= s_beat_end;
            f0_tail_hdr   <= s_tail_hdr;
            f0_tail_start <= s_tail_start;
            f0_tail_cont  <= s_tail_cont;
            f0_data       <= s_data;
            f0_n          <= s_n;
            f0_col_after  <= (s_hdr || s_stream_end) ? 7'd0 : column_after(s_nslots, s_le, col0);
            col0          <= (s_hdr || s_stream_end) ? 7'd0 : column_after(s_nslots, s_le, col0);
        end
    end
    if (rst) begin
        f0_valid <= 1'b0;
        col0     <= 7'd0;
    end
end

// F1: kinds and checks; per slot the packed check() results, per field of the result a vector over the slots:
// {str, neg, dec, null, pre[3]} (pre: reason known without the value)
function [7*F-1:0] f1_eval;
    input [PW-1:0]   n;
    input [7*F-1:0]  col;
    input [9*F-1:0]  len;
    input [6*F-1:0]  flags;
    input [64*F-1:0] cut;
    input [191:0]    kinds;
    input [7:0]      max_bytes;
    reg   [10*F-1:0] c;
    integer          j;
    begin
        c = checks(n, kinds_of(n, col, kinds), len, flags, cut, max_bytes);
        for (j = 0; j < F; j = j + 1) begin
            f1_eval[3*j +: 3]   = c[10*j + 3 +: 3];
            f1_eval[3*F + j]    = c[10*j + 6];
            f1_eval[4*F + j]    = c[10*j + 7];
            f1_eval[5*F + j]    = c[10*j + 8];
            f1_eval[6*F + j]    = c[10*j + 9];
        end
    end
endfunction

always @(posedge clk) begin
    if (ce) begin
        f1_valid <= f0_valid;
        if (f0_valid) begin
            f1_slot       <= slot_mask(f0_nslots);
            f1_re         <= f0_re;
            f1_empty      <= f0_empty;
            f1_col        <= f0_col;
            f1_colfield   <= colfields(f0_nslots, f0_col, f0_empty, n_cols);
            {f1_str, f1_neg, f1_dec, f1_null, f1_pre} <=
                f1_eval(f0_nslots, f0_col, f0_len, f0_flags, f0_cut, cfg_kinds, cfg_max_field_bytes)
                & {colfields(f0_nslots, f0_col, f0_empty, n_cols), {(6*F){1'b1}}};
            f1_win        <= f0_cut;
            f1_len        <= f0_len;
            f1_pos        <= f0_pos;
            f1_fromcarry  <= f0_fromcarry;
            f1_hdr        <= f0_hdr;
            f1_stream_end <= f0_stream_end;
            f1_beat_end   <= f0_beat_end;
            f1_tail_hdr   <= f0_tail_hdr;
            f1_tail_start <= f0_tail_start;
            f1_tail_cont  <= f0_tail_cont;
            f1_data       <= f0_data;
            f1_n          <= f0_n;
            f1_col_after  <= f0_col_after;
        end
    end
    if (rst) f1_valid <= 1'b0;
end

// ---------------------------------------------------------------- F2: STR hashing, digit pairs
// The chunk in F1 leaves when its STR fields are hashed (str_todo empty). One field at a time goes to
// the hashing unit; its digest replaces the field's value.
reg  [F-1:0]        str_todo;      // STR fields of the chunk in F1 not hashed yet
reg                 str_loaded;    // str_todo belongs to the chunk in F1
reg  [STR_UNITS-1:0] hash_busy;   // a field is in hashing unit u
reg  [F-1:0]        str_hashval_v; // digest available for the slot
reg  [64*F-1:0]     str_hashval;
reg  [2047:0]       sbuf;          // bytes of the open STR field of earlier beats
reg  [8:0]          sbuf_len;
reg  [PW-1:0]       nstr;
reg                 h_prep;        // h_data/h_len/h_tag hold the next field for the hashing unit
reg  [2047:0]       h_data;
reg  [8:0]          h_len;
reg  [PW-1:0]       h_tag;

wire [F-1:0]        todo_now = str_loaded ? str_todo : (f1_valid ? f1_str : {F{1'b0}});
wire [F-1:0]        todo_low = todo_now & (~todo_now + {{(F-1){1'b0}}, 1'b1});
assign str_wait = f1_valid && (todo_now != {F{1'b0}} || h_prep || hash_busy != {STR_UNITS{1'b0}});

// bytes of the STR field ended by the slot whose one-hot is sel: the buffer plus the beat up to the
// terminator (a field from an earlier beat), or the field's bytes within the beat
function [2047:0] str_bytes;
    input [F-1:0]     sel;
    input [PW*F-1:0]  pos;
    input [9*F-1:0]   len;
    input [F-1:0]     fromcarry;
    input [8*B-1:0]   data;
    input [2047:0]    buf_i;
    input [8:0]       buf_len;
    reg   [PW-1:0]    p;
    reg   [8:0]       l;
    reg               fc;
    reg   [8*B-1:0]   head;
    integer           j;
    begin
        p = {PW{1'b0}};
        l = 9'd0;
        fc = 1'b0;
        for (j = 0; j < F; j = j + 1) begin
            if (sel[j]) begin
                p  = pos[PW*j +: PW];
                l  = len[9*j +: 9];
                fc = fromcarry[j];
            end
        end
        if (fc) begin
            head = data & ~({(8*B){1'b1}} << (8 * p));
            str_bytes = buf_i | ({{(2048-8*B){1'b0}}, head} << (8 * buf_len));
        end else begin
            head = (data >> (8 * (p - l[PW-1:0]))) & ~({(8*B){1'b1}} << (8 * l));
            str_bytes = {{(2048-8*B){1'b0}}, head};
        end
    end
endfunction

function [8:0] sel_len;
    input [F-1:0]   sel;
    input [9*F-1:0] len;
    integer         j;
    begin
        sel_len = 9'd0;
        for (j = 0; j < F; j = j + 1) if (sel[j]) sel_len = len[9*j +: 9];
    end
endfunction

function [PW-1:0] onehot_index;
    input [F-1:0] oh;
    integer       j;
    begin
        onehot_index = {PW{1'b0}};
        for (j = 0; j < F; j = j + 1) if (oh[j]) onehot_index = j[PW-1:0];
    end
endfunction

// STR_UNITS hashing units take the prepared fields in turn (the lowest idle unit), so the fields of a chunk
// are hashed side by side
wire [STR_UNITS-1:0]    h_s_ready, h_m_valid;
wire [64*STR_UNITS-1:0] h_hash;
wire [PW*STR_UNITS-1:0] h_rtag;
wire [STR_UNITS-1:0]    h_idle  = h_s_ready & ~hash_busy;
wire [STR_UNITS-1:0]    h_pick  = h_idle & (~h_idle + {{(STR_UNITS-1){1'b0}}, 1'b1});   // lowest idle unit
wire                    h_issue = h_prep && h_pick != {STR_UNITS{1'b0}};
wire                    h_take  = f1_valid && todo_now != {F{1'b0}} && (!h_prep || h_issue);   // prepare the next

genvar gu;
generate
    for (gu = 0; gu < STR_UNITS; gu = gu + 1) begin : g_hash
        xxh64_str #(.MAX_BYTES(256), .TAG_WIDTH(PW)) u_hash (
            .clk(clk), .rst(rst),
            .s_data(h_data), .s_len(h_len), .s_seed(64'd0), .s_tag(h_tag), .s_valid(h_prep && h_pick[gu]),
            .s_ready(h_s_ready[gu]),
            .m_hash(h_hash[64*gu +: 64]), .m_tag(h_rtag[PW*gu +: PW]), .m_valid(h_m_valid[gu]), .m_ready(1'b1)
        );
    end
endgenerate

// the prepared field's bytes have a block of their own, which writes nothing else: a simulator then
// evaluates it before the blocks that update sbuf and the hashing state (no shadow copy of sbuf)
always @(posedge clk) begin
    if (h_take) h_data <= str_bytes(todo_low, f1_pos, f1_len, f1_fromcarry, f1_data, sbuf, sbuf_len);
end

integer jh, uh;
always @(posedge clk) begin
    // hashing of the chunk in F1: prepare a field (registered), hand it to an idle unit, collect
    if (h_take) begin
        h_len      <= sel_len(todo_low, f1_len);
        h_tag      <= onehot_index(todo_low);
        str_todo   <= todo_now & ~todo_low;
        str_loaded <= 1'b1;
        nstr       <= (str_loaded ? nstr : {PW{1'b0}}) + 1'b1;
    end
    if (h_issue) h_prep <= 1'b0;
    if (h_take)  h_prep <= 1'b1;
    for (uh = 0; uh < STR_UNITS; uh = uh + 1) begin
        if (h_issue && h_pick[uh]) hash_busy[uh] <= 1'b1;
        if (h_m_valid[uh]) begin
            hash_busy[uh] <= 1'b0;
            for (jh = 0; jh < F; jh = jh + 1) begin
                if (h_rtag[PW*uh +: PW] == jh[PW-1:0]) begin
                    str_hashval[64*jh +: 64] <= h_hash[64*uh +: 64];
                    str_hashval_v[jh]       <= 1'b1;
                end
            end
        end
    end
    if (ce) begin
        str_loaded    <= 1'b0;
        str_hashval_v <= {F{1'b0}};
    end
    if (rst) begin
        h_prep        <= 1'b0;
        hash_busy     <= {STR_UNITS{1'b0}};
        str_loaded    <= 1'b0;
        str_hashval_v <= {F{1'b0}};
    end
end

// the open field after the beat: STR bytes kept for its terminator in a later beat
function [2:0] tail_kind;
    input [191:0] kinds;
    input [6:0]   col;
    input [6:0]   nc;
    begin
        tail_kind = (col >= nc) ? K_SKIP : kind_of(kinds, col);
    end
endfunction
wire tail_str = f1_valid && f1_beat_end && !f1_tail_hdr && tail_kind(cfg_kinds, f1_col_after, n_cols) == K_STR;

// sbuf is written by one assignment statement (a simulator then updates it in place, no shadow copy)
always @(posedge clk) begin
    if (ce && tail_str) begin
        sbuf <= f1_tail_cont ?
                sbuf | ({{(2048-8*B){1'b0}}, f1_data & ~({(8*B){1'b1}} << (8 * f1_n))} << (8 * sbuf_len)) :
                {{(2048-8*B){1'b0}}, (f1_data >> (8 * f1_tail_start)) & ~({(8*B){1'b1}} << (8 * (f1_n - f1_tail_start)))};
    end
end

always @(posedge clk) begin
    if (ce && tail_str) begin
        if (f1_tail_cont) begin
            sbuf_len <= ({1'b0, sbuf_len} + {{(10-PW){1'b0}}, f1_n} > 10'd256) ? 9'd256 : sbuf_len + {{(9-PW){1'b0}}, f1_n};
        end else begin
            sbuf_len <= {{(9-PW){1'b0}}, f1_n - f1_tail_start};
        end
    end
    if (rst) sbuf_len <= 9'd0;
end

// decimal digits d0 (units) .. d9 of a cut window, as pairs p_k = d_{2k+1} * 10 + d_{2k}
function [34:0] digit_pairs;
    input [63:0] w;
    integer      k;
    reg   [3:0]  lo, hi;
    begin
        for (k = 0; k < 5; k = k + 1) begin
            lo = w[4*(15 - 2*k) +: 4];
            hi = w[4*(14 - 2*k) +: 4];
            digit_pairs[7*k +: 7] = {3'd0, hi} * 7'd10 + {3'd0, lo};
        end
    end
endfunction

function [35*F-1:0] all_pairs;
    input [F-1:0]    dec;
    input [64*F-1:0] w;
    integer          j;
    begin
        all_pairs = {(35*F){1'b0}};
        for (j = 0; j < F; j = j + 1) if (dec[j]) all_pairs[35*j +: 35] = digit_pairs(w[64*j +: 64]);
    end
endfunction

// the HEX value of a cut window (its top nibble is the units digit), or the STR digest
function [64*F-1:0] merge_hash;
    input [64*F-1:0] win;
    input [64*F-1:0] hv;
    input [F-1:0]    hv_v;
    integer          j, k;
    begin
        for (j = 0; j < F; j = j + 1) begin
            for (k = 0; k < 16; k = k + 1) merge_hash[64*j + 4*k +: 4] = win[64*j + 4*(15-k) +: 4];
            if (hv_v[j]) merge_hash[64*j +: 64] = hv[64*j +: 64];
        end
    end
endfunction

reg                 f2_valid, f2_hdr, f2_stream_end;
reg  [F-1:0]        f2_slot, f2_re, f2_empty, f2_colfield, f2_null, f2_dec, f2_neg;
reg  [7*F-1:0]      f2_col;
reg  [3*F-1:0]      f2_pre;
reg  [64*F-1:0]     f2_hex;        // HEX value (window digits), or the STR digest
reg  [35*F-1:0]     f2_pairs;
reg  [PW-1:0]       f2_nstr;
reg  [6:0]          f2_col_after;

always @(posedge clk) begin
    if (ce) begin
        f2_valid <= f1_valid;
        if (f1_valid) begin
            f2_slot       <= f1_slot;
            f2_re         <= f1_re;
            f2_empty      <= f1_empty;
            f2_colfield   <= f1_colfield;
            f2_null       <= f1_null;
            f2_dec        <= f1_dec;
            f2_neg        <= f1_neg;
            f2_col        <= f1_col;
            f2_pre        <= f1_pre;
            f2_hex        <= merge_hash(f1_win, str_hashval, str_hashval_v);
            f2_pairs      <= all_pairs(f1_dec & f1_slot, f1_win);
            f2_nstr       <= str_loaded ? nstr : {PW{1'b0}};
            f2_hdr        <= f1_hdr;
            f2_stream_end <= f1_stream_end;
            f2_col_after  <= f1_col_after;
        end
    end
    if (rst) f2_valid <= 1'b0;
end

// ---------------------------------------------------------------- F3..F5: decimal value
function [35*F-1:0] quads;  // {p4 7, q1 14, q0 14} per slot
    input [F-1:0]    dec;
    input [35*F-1:0] p;
    integer          j;
    begin
        quads = {(35*F){1'b0}};
        for (j = 0; j < F; j = j + 1)
            if (dec[j])
                quads[35*j +: 35] = {p[35*j + 28 +: 7],
                                     {7'd0, p[35*j + 21 +: 7]} * 14'd100 + {7'd0, p[35*j + 14 +: 7]},
                                     {7'd0, p[35*j + 7 +: 7]} * 14'd100 + {7'd0, p[35*j +: 7]}};
    end
endfunction

function [34*F-1:0] octets;  // {p4 7, o 27}
    input [F-1:0]    dec;
    input [35*F-1:0] q;
    integer          j;
    begin
        octets = {(34*F){1'b0}};
        for (j = 0; j < F; j = j + 1)
            if (dec[j])
                octets[34*j +: 34] = {q[35*j + 28 +: 7],
                                      {13'd0, q[35*j + 14 +: 14]} * 27'd10000 + {13'd0, q[35*j +: 14]}};
    end
endfunction

function [34*F-1:0] values10;
    input [F-1:0]    dec;
    input [34*F-1:0] o;
    integer          j;
    begin
        values10 = {(34*F){1'b0}};
        for (j = 0; j < F; j = j + 1)
            if (dec[j])
                values10[34*j +: 34] = {27'd0, o[34*j + 27 +: 7]} * 34'd100000000 + {7'd0, o[34*j +: 27]};
    end
endfunction

reg                 f3_valid, f4_valid, f5_valid;
reg  [F-1:0]        f3_slot, f3_re, f3_empty, f3_colfield, f3_null, f3_dec, f3_neg;
reg  [F-1:0]        f4_slot, f4_re, f4_empty, f4_colfield, f4_null, f4_dec, f4_neg;
reg  [F-1:0]        f5_slot, f5_re, f5_empty, f5_colfield, f5_null, f5_dec, f5_neg;
reg  [7*F-1:0]      f3_col, f4_col, f5_col;
reg  [3*F-1:0]      f3_pre, f4_pre, f5_pre;
reg  [64*F-1:0]     f3_hex, f4_hex, f5_hex;
reg  [35*F-1:0]     f3_q;
reg  [34*F-1:0]     f4_o, f5_v;
reg                 f3_hdr, f4_hdr, f5_hdr, f3_se, f4_se, f5_se;
reg  [PW-1:0]       f3_nstr, f4_nstr, f5_nstr;
reg  [6:0]          f3_ca, f4_ca, f5_ca;

// one always block per stage: the simulator then orders the stages (readers before writers) instead of
// keeping a shadow copy of every wide stage register
always @(posedge clk) begin
    if (ce) begin
        f3_valid <= f2_valid;
        if (f2_valid) begin
            {f3_slot, f3_re, f3_empty, f3_colfield, f3_null, f3_dec, f3_neg} <=
                {f2_slot, f2_re, f2_empty, f2_colfield, f2_null, f2_dec, f2_neg};
            f3_col  <= f2_col;
            f3_pre  <= f2_pre;
            f3_hex  <= f2_hex;
            f3_q    <= quads(f2_dec & f2_slot, f2_pairs);
            f3_hdr  <= f2_hdr;
            f3_se   <= f2_stream_end;
            f3_nstr <= f2_nstr;
            f3_ca   <= f2_col_after;
        end
    end
    if (rst) f3_valid <= 1'b0;
end

always @(posedge clk) begin
    if (ce) begin
        f4_valid <= f3_valid;
        if (f3_valid) begin
            {f4_slot, f4_re, f4_empty, f4_colfield, f4_null, f4_dec, f4_neg} <=
                {f3_slot, f3_re, f3_empty, f3_colfield, f3_null, f3_dec, f3_neg};
            f4_col  <= f3_col;
            f4_pre  <= f3_pre;
            f4_hex  <= f3_hex;
            f4_o    <= octets(f3_dec & f3_slot, f3_q);
            f4_hdr  <= f3_hdr;
            f4_se   <= f3_se;
            f4_nstr <= f3_nstr;
            f4_ca   <= f3_ca;
        end
    end
    if (rst) f4_valid <= 1'b0;
end

always @(posedge clk) begin
    if (ce) begin
        f5_valid <= f4_valid;
        if (f4_valid) begin
            {f5_slot, f5_re, f5_empty, f5_colfield, f5_null, f5_dec, f5_neg} <=
                {f4_slot, f4_re, f4_empty, f4_colfield, f4_null, f4_dec, f4_neg};
            f5_col  <= f4_col;
            f5_pre  <= f4_pre;
            f5_hex  <= f4_hex;
            f5_v    <= values10(f4_dec & f4_slot, f4_o);
            f5_hdr  <= f4_hdr;
            f5_se   <= f4_se;
            f5_nstr <= f4_nstr;
            f5_ca   <= f4_ca;
        end
    end
    if (rst) f5_valid <= 1'b0;
end

// ---------------------------------------------------------------- F6: verdict and value
// per slot {null, reason 3, value 64}
function [67:0] verdict;
    input        colfield;
    input        null0;
    input        dec;
    input        neg;
    input [2:0]  pre;
    input [63:0] hex;
    input [33:0] v;
    reg   [2:0]  r;
    reg   [63:0] sv;
    begin
        r = pre;
        if (colfield && dec && !null0 && r == RSN_OK && v > (neg ? 34'd2147483648 : 34'd2147483647)) r = RSN_OVERFLOW;
        sv = neg ? (64'd0 - {30'd0, v}) : {30'd0, v};
        if (!colfield || null0 || r != RSN_OK) verdict = {1'b1, colfield ? r : RSN_OK, 64'd0};
        else verdict = {1'b0, RSN_OK, dec ? sv : hex};
    end
endfunction

function [68*F-1:0] verdicts;
    input [F-1:0]    slot;
    input [F-1:0]    colfield;
    input [F-1:0]    null0;
    input [F-1:0]    dec;
    input [F-1:0]    neg;
    input [3*F-1:0]  pre;
    input [64*F-1:0] hex;
    input [34*F-1:0] v;
    integer          j;
    begin
        verdicts = {(68*F){1'b0}};
        for (j = 0; j < F; j = j + 1)
            if (slot[j])
                verdicts[68*j +: 68] = verdict(colfield[j], null0[j], dec[j], neg[j], pre[3*j +: 3], hex[64*j +: 64],
                                               v[34*j +: 34]);
    end
endfunction

// per field of the result a vector over the slots: {null F, reason 3F, value 64F}
function [68*F-1:0] verdict_vectors;
    input [68*F-1:0] v;
    integer          j;
    begin
        for (j = 0; j < F; j = j + 1) begin
            verdict_vectors[67*F + j]            = v[68*j + 67];
            verdict_vectors[64*F + 3*j +: 3]     = v[68*j + 64 +: 3];
            verdict_vectors[64*j +: 64]          = v[68*j +: 64];
        end
    end
endfunction
always @(posedge clk) begin
    // the output register empties when taken while the stages behind it wait for a hash
    if (!ce && m_ready) m_valid <= 1'b0;
    if (ce) begin
        m_valid <= f5_valid;
        if (f5_valid) begin
            m_slot       <= f5_slot;
            m_re         <= f5_re;
            m_empty      <= f5_empty;
            m_col        <= f5_col;
            m_colfield   <= f5_colfield;
            {m_null, m_reason, m_value} <= verdict_vectors(verdicts(f5_slot, f5_colfield, f5_null, f5_dec, f5_neg,
                                                                     f5_pre, f5_hex, f5_v));
            m_hdr        <= f5_hdr;
            m_stream_end <= f5_se;
            m_nstr       <= f5_nstr;
            m_col_after  <= f5_ca;
        end
    end
    if (rst) m_valid <= 1'b0;
end

endmodule

`resetall
