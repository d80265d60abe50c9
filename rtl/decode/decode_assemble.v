// SPDX-License-Identifier: Apache-2.0
// Sluice decode, stage 4 of the wide decoder (docs/spec/decode_rtl.md "Rows"): evaluated chunks in,
// rows out to LANES record lanes, one chunk per cycle.
//
// Data rows go to the lanes round-robin (row r of all streams to lane r mod LANES, as record_merger
// expects). A chunk holds the fields of at most one row per lane: the row open before the chunk (its
// lane is `open_lane`) and one more per data-row end. For each lane this stage writes the row's values
// into the lane's row store (decode_emit: 32 banks by column mod 32, so the consecutive columns of one
// chunk fall in different banks; a rotation by column - slot places them), keeps the open row's null
// mask, first bad field and extra-region flag, and at the row's end pushes its header (row number,
// reason, tombstone, null mask, store slot) to the lane. Counters (models.schema.DecodeCounters) and
// the per-stream row count for the merger's side channel are kept here.
//
// lint-params: FIELD_SLOTS=4 LANES=1
// lint-params: FIELD_SLOTS=32 LANES=4
// synth-params: FIELD_SLOTS=24 LANES=2

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_assemble #(
    // F: slots per chunk (<= 32)
    parameter FIELD_SLOTS   = 24,
    // output lanes (1, 2 or 4)
    parameter LANES         = 2,
    // row slots of each lane's store (power of two)
    parameter ROW_SLOTS     = 4,
    // width of every status_* counter
    parameter COUNTER_WIDTH = 48,
    // width of a slot count (derived; do not override)
    parameter NW            = $clog2(FIELD_SLOTS + 1),
    // width of a row-slot index (derived; do not override)
    parameter SW            = (ROW_SLOTS > 1) ? $clog2(ROW_SLOTS) : 1
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire                       cfg_policy,
    input  wire [6:0]                 cfg_n_columns,

    // evaluated chunk (decode_fields)
    input  wire                       s_valid,
    output wire                       s_ready,
    input  wire [FIELD_SLOTS-1:0]     s_slot,
    input  wire [FIELD_SLOTS-1:0]     s_re,
    input  wire [FIELD_SLOTS-1:0]     s_empty,
    input  wire [7*FIELD_SLOTS-1:0]   s_col,
    input  wire [FIELD_SLOTS-1:0]     s_colfield,
    input  wire [3*FIELD_SLOTS-1:0]   s_reason,
    input  wire [FIELD_SLOTS-1:0]     s_null,
    input  wire [64*FIELD_SLOTS-1:0]  s_value,
    input  wire                       s_hdr,
    input  wire                       s_stream_end,
    input  wire [NW-1:0]              s_nstr,

    // row stores of the lanes (decode_emit): lane l's bank b at [l*32 + b]
    output reg  [LANES*32-1:0]        st_we,
    output reg  [LANES*32-1:0]        st_half,     // column / 32 of the value written to the bank
    output reg  [LANES*SW-1:0]        st_slot,
    output reg  [LANES*32*64-1:0]     st_data,
    // row headers to the lanes: {slot, null mask 64, tombstone, reason 8, row 48}
    output reg  [LANES-1:0]           hd_valid,
    output reg  [LANES*(SW+121)-1:0]  hd_data,
    input  wire [LANES-1:0]           hd_free,     // a lane finished sending a row (its slot is free)

    // data rows per stream (record_merger side channel)
    output wire [47:0]                m_axis_cnt_tdata,
    output wire                       m_axis_cnt_tvalid,
    input  wire                       m_axis_cnt_tready,

    output reg  [COUNTER_WIDTH-1:0]   status_rows_in,
    output reg  [COUNTER_WIDTH-1:0]   status_rows_out,
    output reg  [COUNTER_WIDTH-1:0]   status_rows_dropped,
    output reg  [COUNTER_WIDTH-1:0]   status_empty_lines,
    output reg  [COUNTER_WIDTH-1:0]   status_header_lines,
    output reg  [COUNTER_WIDTH-1:0]   status_rows_short,
    output reg  [COUNTER_WIDTH-1:0]   status_fields_nulled,
    output reg  [COUNTER_WIDTH-1:0]   status_err_extra_fields,
    output reg  [COUNTER_WIDTH-1:0]   status_err_bad_char,
    output reg  [COUNTER_WIDTH-1:0]   status_err_overflow,
    output reg  [COUNTER_WIDTH-1:0]   status_err_overlong,
    output reg  [COUNTER_WIDTH-1:0]   status_err_binary,
    output reg  [COUNTER_WIDTH-1:0]   status_str_fields,
    output wire [7:0]                 status_cnt_fifo_hwm,
    output reg  [LANES*8-1:0]         status_lane_hwm   // per lane: most finished rows waiting in its store
);

localparam F  = FIELD_SLOTS;
localparam L  = LANES;
localparam CW = COUNTER_WIDTH;
localparam LW = (L > 1) ? $clog2(L) : 1;
localparam integer LMASK = L - 1;
localparam [LW-1:0] L1 = LMASK[LW-1:0];   // lane index mask (0 for one lane)
localparam [2:0] RSN_OK = 3'd0, RSN_EXTRA = 3'd1, RSN_BAD_CHAR = 3'd2, RSN_OVERFLOW = 3'd3,
                 RSN_OVERLONG = 3'd4, RSN_BINARY = 3'd5;

initial begin
    if (F < 1 || F > 32 || (L != 1 && L != 2 && L != 4)) begin
        $error("Error: decode_assemble needs FIELD_SLOTS <= 32 and LANES 1, 2 or 4 (instance %m)");
        $finish;
    end
end

wire [6:0]  n_cols   = (cfg_n_columns == 7'd0) ? 7'd1 : (cfg_n_columns > 7'd64 ? 7'd64 : cfg_n_columns);
reg  [63:0] col_mask;  // columns < n_cols
always @(posedge clk) col_mask <= (n_cols == 7'd64) ? {64{1'b1}} : ((64'd1 << n_cols) - 64'd1);

// ---------------------------------------------------------------- helpers
localparam NP = L + 1;   // parts of a chunk: 0 (the open row) .. L

function [NW-1:0] count;
    input [F-1:0] x;
    integer       j;
    begin
        count = {NW{1'b0}};
        for (j = 0; j < F; j = j + 1) count = count + {{(NW-1){1'b0}}, x[j]};
    end
endfunction

// (lane + k) mod LANES
function [LW-1:0] lane_add;
    input [LW-1:0] lane;
    input [LW-1:0] k;       // k mod LANES is all that matters
    begin
        lane_add = (lane + k) & L1;
    end
endfunction

// the part of every slot = data-row ends before it (0 .. L; a chunk ends at most L rows). Built as
// thermometer codes, "at least k ends before slot j" = some end i < j has at least k - 1 ends before it,
// so each k is one wide OR (a few LUT levels) instead of a chain of adds through every slot
function [3*F-1:0] parts;
    input [F-1:0] re;
    reg   [F-1:0] ge [0:4];   // ge[k][j]: at least k data-row ends before slot j
    reg   [2:0]   m;
    integer       i, j, k;
    begin
        for (j = 0; j < F; j = j + 1) ge[0][j] = 1'b1;
        for (k = 1; k <= 4; k = k + 1)
            for (j = 0; j < F; j = j + 1) begin
                ge[k][j] = 1'b0;
                if (k <= L)
                    for (i = 0; i < j; i = i + 1) ge[k][j] = ge[k][j] | (re[i] & ge[k-1][i]);
            end
        for (j = 0; j < F; j = j + 1) begin
            m = 3'd0;
            for (k = 1; k <= 4; k = k + 1) if (ge[k][j]) m = k[2:0];
            parts[3*j +: 3] = m;
        end
    end
endfunction

function [F-1:0] in_part;
    input [3*F-1:0] pt;
    input [F-1:0]   slot;
    input [2:0]     m;
    integer         j;
    begin
        for (j = 0; j < F; j = j + 1) in_part[j] = slot[j] && pt[3*j +: 3] == m;
    end
endfunction

// one-hot of the highest / lowest set bit
function [F-1:0] hi_onehot;
    input [F-1:0] x;
    reg   [F-1:0] y;
    integer       d;
    begin
        y = x;
        for (d = 1; d < F; d = d * 2) y = y | (y >> d);
        hi_onehot = y & ~(y >> 1);
    end
endfunction

function [F-1:0] lo_onehot;
    input [F-1:0] x;
    begin
        lo_onehot = x & (~x + {{(F-1){1'b0}}, 1'b1});
    end
endfunction

// (column - slot) mod 32 of the one-hot slot: the rotation from slots to column banks of its part
function [4:0] shift_of;
    input [F-1:0]   oh;
    input [7*F-1:0] col;
    integer         j;
    begin
        shift_of = 5'd0;
        for (j = 0; j < F; j = j + 1) if (oh[j]) shift_of = shift_of | (col[7*j +: 5] - j[4:0]);
    end
endfunction

function [2:0] reason_of;  // the reason of the one-hot slot
    input [F-1:0]   oh;
    input [3*F-1:0] reason;
    integer         j;
    begin
        reason_of = 3'd0;
        for (j = 0; j < F; j = j + 1) if (oh[j]) reason_of = reason_of | reason[3*j +: 3];
    end
endfunction

function [6:0] col_of;  // the column of the one-hot slot
    input [F-1:0]   oh;
    input [7*F-1:0] col;
    integer         j;
    begin
        col_of = 7'd0;
        for (j = 0; j < F; j = j + 1) if (oh[j]) col_of = col_of | col[7*j +: 7];
    end
endfunction

function [63:0] col_bits;  // bit `column` of every selected slot
    input [F-1:0]   sel;
    input [7*F-1:0] col;
    integer         j;
    begin
        col_bits = 64'd0;
        for (j = 0; j < F; j = j + 1) if (sel[j] && col[7*j +: 7] < 7'd64) col_bits[col[7*j +: 6]] = 1'b1;
    end
endfunction

function [F-1:0] reason_nz;
    input [3*F-1:0] r;
    integer         j;
    begin
        for (j = 0; j < F; j = j + 1) reason_nz[j] = r[3*j +: 3] != RSN_OK;
    end
endfunction

function [2047:0] rot_values;
    input [64*F-1:0] v;
    input [4:0]      sh;
    reg   [4095:0]   d;
    begin
        d = {{(2048-64*F){1'b0}}, v, {(2048-64*F){1'b0}}, v};
        rot_values = d[2048 - 64*sh +: 2048];
    end
endfunction

function [31:0] rot_bits;
    input [F-1:0] b;
    input [4:0]   sh;
    reg   [63:0]  d;
    begin
        d = {{(32-F){1'b0}}, b, {(32-F){1'b0}}, b};
        rot_bits = d[32 - sh +: 32];
    end
endfunction

function [F-1:0] col_half;  // column >= 32 of every slot
    input [7*F-1:0] col;
    integer         j;
    begin
        for (j = 0; j < F; j = j + 1) col_half[j] = col[7*j + 5];
    end
endfunction

// ---------------------------------------------------------------- pipeline control
// A1: parts and counts; B: per part its slots and bank rotation; A2: per part (rotated bank enables,
// first bad field, extra, row end); then the commit (the only loop: the open row's state, store slots,
// headers, counters) from the A2 registers. All stages advance together (ce).
reg  a1_valid, b_valid, a2_valid;
wire commit_room;
wire ce = !a2_valid || commit_room;
assign s_ready = ce;

// ---------------------------------------------------------------- A1
reg  [F-1:0]        a1_slot, a1_re, a1_empty, a1_colfield, a1_null;
reg  [7*F-1:0]      a1_col;
reg  [3*F-1:0]      a1_reason, a1_part;
reg  [64*F-1:0]     a1_value;
reg                 a1_hdr, a1_stream_end;
reg  [NW-1:0]       a1_nstr, a1_nre, a1_nemp, a1_nbad;

always @(posedge clk) begin
    if (ce) begin
        a1_valid <= s_valid;
        if (s_valid) begin
            a1_slot       <= s_slot;
            a1_re         <= s_re & s_slot;
            a1_empty      <= s_empty & s_slot;
            a1_colfield   <= s_colfield & s_slot;
            a1_null       <= s_null;
            a1_col        <= s_col;
            a1_reason     <= s_reason;
            a1_part       <= parts(s_re & s_slot);
            a1_value      <= s_value;
            a1_hdr        <= s_hdr;
            a1_stream_end <= s_stream_end;
            a1_nstr       <= s_nstr;
            a1_nre        <= count(s_re & s_slot);
            a1_nemp       <= count(s_empty & s_slot);
            a1_nbad       <= count(s_slot & s_colfield & reason_nz(s_reason));
        end
    end
    if (rst) a1_valid <= 1'b0;
end

// ---------------------------------------------------------------- B: per part, its slots and bank rotation
reg  [NP*F-1:0]     b_in;                   // part m's slots
reg  [NP*5-1:0]     b_sh;                   // part m's rotation from slots to column banks
reg  [F-1:0]        b_re, b_colfield, b_null, b_empty;
reg  [7*F-1:0]      b_col;
reg  [3*F-1:0]      b_reason;
reg  [64*F-1:0]     b_value;
reg                 b_hdr, b_stream_end;
reg  [NW-1:0]       b_nstr, b_nre, b_nemp, b_nbad;

integer m;
always @(posedge clk) begin
    if (ce) begin
        b_valid <= a1_valid;
        if (a1_valid) begin
            for (m = 0; m < NP; m = m + 1) begin
                b_in[F*m +: F] <= in_part(a1_part, a1_slot, m[2:0]);
                b_sh[5*m +: 5] <= shift_of(hi_onehot(in_part(a1_part, a1_slot, m[2:0]) & ~a1_empty), a1_col);
            end
            b_re          <= a1_re;
            b_colfield    <= a1_colfield;
            b_null        <= a1_null;
            b_empty       <= a1_empty;
            b_col         <= a1_col;
            b_reason      <= a1_reason;
            b_value       <= a1_value;
            b_hdr         <= a1_hdr;
            b_stream_end  <= a1_stream_end;
            b_nstr        <= a1_nstr;
            b_nre         <= a1_nre;
            b_nemp        <= a1_nemp;
            b_nbad        <= a1_nbad;
        end
    end
    if (rst) b_valid <= 1'b0;
end

// ---------------------------------------------------------------- A2: per part
reg  [NP*32-1:0]    a2_we, a2_half;         // part m's bank write enables / halves (rotated)
reg  [NP*5-1:0]     a2_sh;
reg  [NP*64-1:0]    a2_nn;                  // part m's non-null column fields (bit = column)
reg  [NP*3-1:0]     a2_rsn;                 // part m's first bad column field's reason
reg  [NP-1:0]       a2_extra, a2_ends, a2_short;
reg  [64*F-1:0]     a2_value;
reg                 a2_hdr, a2_stream_end;
reg  [NW-1:0]       a2_nstr, a2_nre, a2_nemp, a2_nbad;

always @(posedge clk) begin
    if (ce) begin
        a2_valid <= b_valid;
        if (b_valid) begin
            for (m = 0; m < NP; m = m + 1) begin
                a2_we[32*m +: 32]   <= rot_bits(b_in[F*m +: F] & b_colfield, b_sh[5*m +: 5]);
                a2_half[32*m +: 32] <= rot_bits(col_half(b_col), b_sh[5*m +: 5]);
                a2_sh[5*m +: 5]     <= b_sh[5*m +: 5];
                a2_nn[64*m +: 64]   <= col_bits(b_in[F*m +: F] & b_colfield & ~b_null, b_col);
                a2_rsn[3*m +: 3]    <= reason_of(lo_onehot(b_in[F*m +: F] & b_colfield & reason_nz(b_reason)),
                                                 b_reason);
                a2_extra[m]         <= (b_in[F*m +: F] & ~b_colfield & ~b_empty) != {F{1'b0}};
                a2_ends[m]          <= (b_in[F*m +: F] & b_re) != {F{1'b0}};
                a2_short[m]         <= col_of(b_in[F*m +: F] & b_re, b_col) < n_cols - 7'd1;
            end
            a2_value      <= b_value;
            a2_hdr        <= b_hdr;
            a2_stream_end <= b_stream_end;
            a2_nstr       <= b_nstr;
            a2_nre        <= b_nre;
            a2_nemp       <= b_nemp;
            a2_nbad       <= b_nbad;
        end
    end
    if (rst) a2_valid <= 1'b0;
end

// ---------------------------------------------------------------- commit (the loop)
reg  [47:0]         row_num;         // data-row number of the open row (in its stream)
reg  [LW-1:0]       open_lane;       // lane of the open row
reg  [63:0]         open_null;       // null mask of the open row so far (1 = not seen / null)
reg  [2:0]          open_reason;     // first bad column field of the open row
reg                 open_extra;      // the open row reached the extra region
reg  [L*SW-1:0]     wr_slot;         // each lane's store slot for its open / next row
reg  [L*(SW+1)-1:0] ended;           // each lane's rows ended and not yet sent (store slots in use)

// every lane that gets fields or a row in this chunk must have a free store slot
function room_for;
    input [NW-1:0]       nre;
    input [LW-1:0]       lane0;
    input [L*(SW+1)-1:0] used;
    integer              k;
    reg   [LW-1:0]       ln;
    begin
        room_for = 1'b1;
        for (k = 0; k < L; k = k + 1) begin
            ln = lane_add(lane0, k[LW-1:0]);
            if (k <= nre && used[ln*(SW+1) +: (SW+1)] >= ROW_SLOTS[SW:0]) room_for = 1'b0;
        end
    end
endfunction

wire cnt_in_ready;
assign commit_room = room_for(a2_nre, open_lane, ended) && (!a2_stream_end || cnt_in_ready);
wire go = a2_valid && commit_room;

// part m of the chunk as a row: its null mask, reason and extra flag, part 0 continuing the open row
function [67:0] row_state;   // {extra, reason, null}
    input [63:0] onull;
    input [2:0]  orsn;
    input        oext;
    input        first;      // part 0: continues the open row
    input [63:0] nn;
    input [2:0]  rsn;
    input        ext;
    begin
        row_state = first ? {oext | ext, (orsn != RSN_OK) ? orsn : rsn, onull & ~nn} : {ext, rsn, ~nn};
    end
endfunction

function [2:0] row_reason;   // the row's reason: its first bad column field, else the extra region
    input [3:0] ext_rsn;      // {extra, reason}
    begin
        row_reason = (ext_rsn[2:0] != RSN_OK) ? ext_rsn[2:0] : (ext_rsn[3] ? RSN_EXTRA : RSN_OK);
    end
endfunction

// per part: its lane, its row state, its row's reason and tombstone flag
wire [NP*LW-1:0] p_lane;
wire [NP*68-1:0] p_st;
wire [NP*3-1:0]  p_rsn;
wire [NP-1:0]    p_tomb;
genvar gp;
generate
    for (gp = 0; gp < NP; gp = gp + 1) begin : g_part
        localparam integer GPM = gp % L;
        assign p_lane[gp*LW +: LW] = lane_add(open_lane, GPM[LW-1:0]);
        assign p_st[gp*68 +: 68]   = row_state(open_null, open_reason, open_extra, gp == 0, a2_nn[64*gp +: 64],
                                               a2_rsn[3*gp +: 3], a2_extra[gp]);
        assign p_rsn[gp*3 +: 3]    = row_reason(p_st[gp*68 + 64 +: 4]);
        assign p_tomb[gp]          = !cfg_policy && p_rsn[gp*3 +: 3] != RSN_OK;
    end
endgenerate

integer l, p;

always @(posedge clk) begin
    st_we    <= {(L*32){1'b0}};
    hd_valid <= {L{1'b0}};
    if (go) begin
        for (p = 0; p < NP; p = p + 1) begin
            if (p <= a2_nre) begin
                if (a2_we[32*p +: 32] != 32'd0) begin
                    st_we[p_lane[p*LW +: LW]*32 +: 32]       <= a2_we[32*p +: 32];
                    st_half[p_lane[p*LW +: LW]*32 +: 32]     <= a2_half[32*p +: 32];
                    st_data[p_lane[p*LW +: LW]*2048 +: 2048] <= rot_values(a2_value, a2_sh[5*p +: 5]);
                end
                st_slot[p_lane[p*LW +: LW]*SW +: SW] <= wr_slot[p_lane[p*LW +: LW]*SW +: SW];
                if (a2_ends[p]) begin
                    hd_valid[p_lane[p*LW +: LW]] <= 1'b1;
                    hd_data[p_lane[p*LW +: LW]*(SW+121) +: (SW+121)] <=
                        {wr_slot[p_lane[p*LW +: LW]*SW +: SW], p_tomb[p] ? 64'd0 : (p_st[p*68 +: 64] & col_mask),
                         p_tomb[p], 5'd0, p_rsn[p*3 +: 3], row_num + {45'd0, p[2:0]}};
                end else begin
                    {open_extra, open_reason, open_null} <= p_st[p*68 +: 68];
                end
            end
        end
        open_lane <= lane_add(open_lane, a2_nre[LW-1:0]);
        row_num   <= a2_stream_end ? 48'd0 : row_num + {{(48-NW){1'b0}}, a2_nre};
    end
    if (rst) begin
        st_we       <= {(L*32){1'b0}};
        hd_valid    <= {L{1'b0}};
        row_num     <= 48'd0;
        open_lane   <= {LW{1'b0}};
        open_null   <= {64{1'b1}};
        open_reason <= RSN_OK;
        open_extra  <= 1'b0;
    end
end

// store slots: a lane's slot advances at each of its row ends; a slot is in use until its row is sent
function [L-1:0] ends_per_lane;
    input [NP-1:0] ends;
    input [NW-1:0] nre;
    input [LW-1:0] lane0;
    integer        q;
    begin
        ends_per_lane = {L{1'b0}};
        for (q = 0; q < NP; q = q + 1)
            if (q <= nre && ends[q]) ends_per_lane[lane_add(lane0, q[LW-1:0])] = 1'b1;
    end
endfunction

wire [L-1:0] ended_now = go ? ends_per_lane(a2_ends, a2_nre, open_lane) : {L{1'b0}};

always @(posedge clk) begin
    for (l = 0; l < L; l = l + 1) begin
        if (ended_now[l]) wr_slot[l*SW +: SW] <= wr_slot[l*SW +: SW] + 1'b1;
        ended[l*(SW+1) +: (SW+1)] <= ended[l*(SW+1) +: (SW+1)] + {{SW{1'b0}}, ended_now[l]} - {{SW{1'b0}}, hd_free[l]};
        if ({{(7-SW){1'b0}}, ended[l*(SW+1) +: (SW+1)]} > status_lane_hwm[l*8 +: 8])
            status_lane_hwm[l*8 +: 8] <= {{(7-SW){1'b0}}, ended[l*(SW+1) +: (SW+1)]};
    end
    if (rst) begin
        wr_slot         <= {(L*SW){1'b0}};
        ended           <= {(L*(SW+1)){1'b0}};
        status_lane_hwm <= {(L*8){1'b0}};
    end
end

// ---------------------------------------------------------------- counters
function [3:0] count_parts;  // ended parts of the chunk whose flag is set
    input [NP-1:0] ends;
    input [NP-1:0] flag;
    input [NW-1:0] nre;
    integer        q;
    begin
        count_parts = 4'd0;
        for (q = 0; q < NP; q = q + 1) if (q <= nre && ends[q] && flag[q]) count_parts = count_parts + 4'd1;
    end
endfunction

function [NP-1:0] reason_is;
    input [NP*3-1:0] rsn;
    input [2:0]      r;
    integer          q;
    begin
        for (q = 0; q < NP; q = q + 1) reason_is[q] = rsn[3*q +: 3] == r;
    end
endfunction

`define DECODE_ROWS(flag) {{(CW-4){1'b0}}, count_parts(a2_ends, flag, a2_nre)}
always @(posedge clk) begin
    if (go) begin
        status_rows_in          <= status_rows_in + {{(CW-NW){1'b0}}, a2_nre};
        status_rows_out         <= status_rows_out + `DECODE_ROWS(~p_tomb);
        status_rows_dropped     <= status_rows_dropped + `DECODE_ROWS(p_tomb);
        status_rows_short       <= status_rows_short + `DECODE_ROWS(a2_short);
        status_err_extra_fields <= status_err_extra_fields + `DECODE_ROWS(reason_is(p_rsn, RSN_EXTRA));
        status_err_bad_char     <= status_err_bad_char + `DECODE_ROWS(reason_is(p_rsn, RSN_BAD_CHAR));
        status_err_overflow     <= status_err_overflow + `DECODE_ROWS(reason_is(p_rsn, RSN_OVERFLOW));
        status_err_overlong     <= status_err_overlong + `DECODE_ROWS(reason_is(p_rsn, RSN_OVERLONG));
        status_err_binary       <= status_err_binary + `DECODE_ROWS(reason_is(p_rsn, RSN_BINARY));
        status_empty_lines      <= status_empty_lines + {{(CW-NW){1'b0}}, a2_nemp};
        status_header_lines     <= status_header_lines + {{(CW-1){1'b0}}, a2_hdr};
        status_fields_nulled    <= status_fields_nulled + (cfg_policy ? {{(CW-NW){1'b0}}, a2_nbad} : {CW{1'b0}});
        status_str_fields       <= status_str_fields + {{(CW-NW){1'b0}}, a2_nstr};
    end
    if (rst) begin
        status_rows_in <= {CW{1'b0}};          status_rows_out <= {CW{1'b0}};
        status_rows_dropped <= {CW{1'b0}};     status_empty_lines <= {CW{1'b0}};
        status_header_lines <= {CW{1'b0}};     status_rows_short <= {CW{1'b0}};
        status_fields_nulled <= {CW{1'b0}};    status_err_extra_fields <= {CW{1'b0}};
        status_err_bad_char <= {CW{1'b0}};     status_err_overflow <= {CW{1'b0}};
        status_err_overlong <= {CW{1'b0}};     status_err_binary <= {CW{1'b0}};
        status_str_fields <= {CW{1'b0}};
    end
end
`undef DECODE_ROWS

// ---------------------------------------------------------------- per-stream row counts
wire [2:0] cnt_hwm, cnt_level;
wire [5:0] cnt_keep;
wire       cnt_last, cnt_user;
wire unused_cnt = &{1'b0, cnt_level, cnt_keep, cnt_last, cnt_user};
assign status_cnt_fifo_hwm = {5'd0, cnt_hwm};
axis_fifo #(
    .DEPTH(4), .DATA_WIDTH(48), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0), .STATUS_ENABLE(1)
) u_cnt (
    .clk(clk), .rst(rst),
    .s_axis_tdata(row_num + {{(48-NW){1'b0}}, a2_nre}), .s_axis_tkeep(6'h3F), .s_axis_tvalid(go && a2_stream_end),
    .s_axis_tready(cnt_in_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_cnt_tdata), .m_axis_tkeep(cnt_keep), .m_axis_tvalid(m_axis_cnt_tvalid),
    .m_axis_tready(m_axis_cnt_tready), .m_axis_tlast(cnt_last), .m_axis_tuser(cnt_user),
    .status_level(cnt_level), .status_high_water(cnt_hwm), .status_hwm_clear(1'b0)
);

endmodule

`resetall
