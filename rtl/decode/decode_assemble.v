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

// ---------------------------------------------------------------- state
reg  [47:0]     row_num;         // data-row number of the open row (in its stream)
reg  [LW-1:0]   open_lane;       // lane of the open row
reg  [63:0]     open_null;       // null mask of the open row so far (1 = not seen / null)
reg  [2:0]      open_reason;     // first bad column field of the open row
reg             open_extra;      // the open row reached the extra region
reg  [L*SW-1:0] wr_slot;         // each lane's store slot for its open / next row
reg  [L*(SW+1)-1:0] ended;       // each lane's rows ended and not yet sent (store slots in use)

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

// part of every slot: data-row ends before it
function [3*F-1:0] parts;
    input [F-1:0] slot;
    input [F-1:0] re;
    reg   [2:0]   m;
    integer       j;
    begin
        parts = {(3*F){1'b0}};
        m = 3'd0;
        for (j = 0; j < F; j = j + 1) begin
            if (slot[j]) begin
                parts[3*j +: 3] = m;
                if (re[j]) m = m + 3'd1;
            end
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

// rotation of a part's slots to their column banks: bank (column mod 32) <- slot; (column - slot) mod 32
// is the same for every field of the part (consecutive columns), taken from its last slot
function [4:0] part_shift;
    input [F-1:0]   inp;
    input [7*F-1:0] col;
    reg   [4:0]     sh;
    integer         j;
    begin
        sh = 5'd0;
        for (j = 0; j < F; j = j + 1) if (inp[j]) sh = col[7*j +: 5] - j[4:0];
        part_shift = sh;
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

function [63:0] col_bits;  // bit `column` of every selected slot
    input [F-1:0]   sel;
    input [7*F-1:0] col;
    integer         j;
    begin
        col_bits = 64'd0;
        for (j = 0; j < F; j = j + 1) if (sel[j] && col[7*j +: 7] < 7'd64) col_bits[col[7*j +: 6]] = 1'b1;
    end
endfunction

function [F-1:0] col_half;  // column >= 32 of every slot
    input [7*F-1:0] col;
    integer         j;
    begin
        for (j = 0; j < F; j = j + 1) col_half[j] = col[7*j + 5];
    end
endfunction

function [2:0] first_reason;  // reason of the first bad column field among sel
    input [F-1:0]   sel;
    input [F-1:0]   colfield;
    input [3*F-1:0] reason;
    integer         j;
    reg             found;
    begin
        first_reason = RSN_OK;
        found = 1'b0;
        for (j = 0; j < F; j = j + 1) begin
            if (!found && sel[j] && colfield[j] && reason[3*j +: 3] != RSN_OK) begin
                first_reason = reason[3*j +: 3];
                found = 1'b1;
            end
        end
    end
endfunction

function [6:0] re_col;  // column of the data-row end among sel
    input [F-1:0]   sel;
    input [F-1:0]   re;
    input [7*F-1:0] col;
    integer         j;
    begin
        re_col = 7'd0;
        for (j = 0; j < F; j = j + 1) if (sel[j] && re[j]) re_col = col[7*j +: 7];
    end
endfunction

// The whole chunk, part by part. Part 0 continues the open row (lane open_lane); part m ends or opens
// row row_num + m in lane open_lane + m. Packed result, lane l at the low end of each field:
localparam LANE_W = 32 + 32 + 5 + 1 + (SW + 121);       // we, half, shift, header valid, header
localparam RES_W  = L * LANE_W + 64 + 3 + 1 + 8 * 4;    // + open row state + counter increments (4 bits each)
function [RES_W-1:0] rows_of_chunk;
    input [F-1:0]    slot;
    input [F-1:0]    re;
    input [F-1:0]    empty;
    input [7*F-1:0]  col;
    input [F-1:0]    colfield;
    input [3*F-1:0]  reason;
    input [F-1:0]    nul;
    input [LW-1:0]   lane0;
    input [47:0]     row0;
    input [63:0]     onull;
    input [2:0]      oreason;
    input            oextra;
    input [L*SW-1:0] wslot;
    input [63:0]     cmask;
    input [6:0]      nc;
    input            policy;
    input [NW-1:0]   nre;
    reg   [3*F-1:0]  pt;
    reg   [F-1:0]    sel;
    reg   [4:0]      sh;
    reg   [63:0]     nullm;
    reg   [2:0]      rsn, r_row;
    reg              ext, tomb;
    reg   [LW-1:0]   ln;
    reg   [2:0]      m3;
    reg   [3:0]      c_out, c_drop, c_short, c_extra, c_badc, c_ovf, c_long, c_bin;
    integer          m, base;
    begin
        rows_of_chunk = {RES_W{1'b0}};
        pt = parts(slot, re);
        {c_out, c_drop, c_short, c_extra, c_badc, c_ovf, c_long, c_bin} = 32'd0;
        nullm = onull;
        rsn   = oreason;
        ext   = oextra;
        for (m = 0; m <= L; m = m + 1) begin
            m3  = m[2:0];
            sel = in_part(pt, slot, m3);
            if ({29'd0, m3} <= {{(32-NW){1'b0}}, nre}) begin
                ln = lane_add(lane0, m3[LW-1:0]);
                base = ln * LANE_W;
                if (m > 0) begin
                    nullm = {64{1'b1}};
                    rsn   = RSN_OK;
                    ext   = 1'b0;
                end
                // values into the lane's banks (a part of a lane never meets another part of it)
                if ((sel & colfield) != {F{1'b0}}) begin
                    sh = part_shift(sel & ~empty, col);
                    rows_of_chunk[base +: 32]        = rot_bits(sel & colfield, sh);
                    rows_of_chunk[base + 32 +: 32]   = rot_bits(col_half(col), sh);
                    rows_of_chunk[base + 64 +: 5]    = sh;
                end
                nullm = nullm & ~col_bits(sel & colfield & ~nul, col);
                if (rsn == RSN_OK) rsn = first_reason(sel, colfield, reason);
                ext = ext | ((sel & ~colfield & ~empty) != {F{1'b0}});
                if ((sel & re) != {F{1'b0}}) begin
                    r_row = (rsn != RSN_OK) ? rsn : (ext ? RSN_EXTRA : RSN_OK);
                    tomb  = !policy && r_row != RSN_OK;
                    rows_of_chunk[base + 69] = 1'b1;
                    rows_of_chunk[base + 70 +: (SW + 121)] = {wslot[ln*SW +: SW], tomb ? 64'd0 : (nullm & cmask),
                                                              tomb, 5'd0, r_row, row0 + {45'd0, m3}};
                    if (tomb) c_drop = c_drop + 4'd1; else c_out = c_out + 4'd1;
                    if (re_col(sel, re, col) < nc - 7'd1) c_short = c_short + 4'd1;
                    case (r_row)
                        RSN_EXTRA:    c_extra = c_extra + 4'd1;
                        RSN_BAD_CHAR: c_badc  = c_badc + 4'd1;
                        RSN_OVERFLOW: c_ovf   = c_ovf + 4'd1;
                        RSN_OVERLONG: c_long  = c_long + 4'd1;
                        RSN_BINARY:   c_bin   = c_bin + 4'd1;
                        default: ;
                    endcase
                end else begin
                    // the part without a row end is the open row after the chunk
                    rows_of_chunk[L*LANE_W +: 68] = {ext, rsn, nullm};
                end
            end
        end
        rows_of_chunk[L*LANE_W + 68 +: 32] = {c_out, c_drop, c_short, c_extra, c_badc, c_ovf, c_long, c_bin};
    end
endfunction

wire [F-1:0]    re_v  = s_re & s_slot;
wire [NW-1:0]   n_re  = count(re_v);
wire [NW-1:0]   n_emp = count(s_empty & s_slot);
wire [NW-1:0]   n_bad = count(s_slot & s_colfield & reason_nz(s_reason));

function [F-1:0] reason_nz;
    input [3*F-1:0] r;
    integer         j;
    begin
        for (j = 0; j < F; j = j + 1) reason_nz[j] = r[3*j +: 3] != RSN_OK;
    end
endfunction

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
wire room = room_for(n_re, open_lane, ended) && (!s_stream_end || cnt_in_ready);
wire go   = s_valid && room;
assign s_ready = room;

wire [RES_W-1:0] res = go ? rows_of_chunk(s_slot, s_re, s_empty, s_col, s_colfield, s_reason, s_null, open_lane,
                                          row_num, open_null, open_reason, open_extra, wr_slot, col_mask, n_cols,
                                          cfg_policy, n_re) : {RES_W{1'b0}};

integer l;
reg [L-1:0] ended_now;
always @* for (l = 0; l < L; l = l + 1) ended_now[l] = res[l*LANE_W + 69];

always @(posedge clk) begin
    for (l = 0; l < L; l = l + 1) begin
        st_we[l*32 +: 32]               <= res[l*LANE_W +: 32];
        st_half[l*32 +: 32]             <= res[l*LANE_W + 32 +: 32];
        st_slot[l*SW +: SW]             <= wr_slot[l*SW +: SW];
        if (res[l*LANE_W +: 32] != 32'd0) st_data[l*2048 +: 2048] <= rot_values(s_value, res[l*LANE_W + 64 +: 5]);
        hd_valid[l]                     <= ended_now[l];
        hd_data[l*(SW+121) +: (SW+121)] <= res[l*LANE_W + 70 +: (SW + 121)];
        if (ended_now[l]) wr_slot[l*SW +: SW] <= wr_slot[l*SW +: SW] + 1'b1;
        ended[l*(SW+1) +: (SW+1)] <= ended[l*(SW+1) +: (SW+1)] + {{SW{1'b0}}, ended_now[l]} - {{SW{1'b0}}, hd_free[l]};
        if ({{(7-SW){1'b0}}, ended[l*(SW+1) +: (SW+1)]} > status_lane_hwm[l*8 +: 8])
            status_lane_hwm[l*8 +: 8] <= {{(7-SW){1'b0}}, ended[l*(SW+1) +: (SW+1)]};
    end
    if (go) begin
        {open_extra, open_reason, open_null} <= res[L*LANE_W +: 68];
        open_lane <= lane_add(open_lane, n_re[LW-1:0]);
        row_num   <= s_stream_end ? 48'd0 : row_num + {{(48-NW){1'b0}}, n_re};
        status_rows_in          <= status_rows_in + {{(CW-NW){1'b0}}, n_re};
        status_rows_out         <= status_rows_out + {{(CW-4){1'b0}}, res[L*LANE_W + 96 +: 4]};
        status_rows_dropped     <= status_rows_dropped + {{(CW-4){1'b0}}, res[L*LANE_W + 92 +: 4]};
        status_rows_short       <= status_rows_short + {{(CW-4){1'b0}}, res[L*LANE_W + 88 +: 4]};
        status_err_extra_fields <= status_err_extra_fields + {{(CW-4){1'b0}}, res[L*LANE_W + 84 +: 4]};
        status_err_bad_char     <= status_err_bad_char + {{(CW-4){1'b0}}, res[L*LANE_W + 80 +: 4]};
        status_err_overflow     <= status_err_overflow + {{(CW-4){1'b0}}, res[L*LANE_W + 76 +: 4]};
        status_err_overlong     <= status_err_overlong + {{(CW-4){1'b0}}, res[L*LANE_W + 72 +: 4]};
        status_err_binary       <= status_err_binary + {{(CW-4){1'b0}}, res[L*LANE_W + 68 +: 4]};
        status_empty_lines      <= status_empty_lines + {{(CW-NW){1'b0}}, n_emp};
        status_header_lines     <= status_header_lines + {{(CW-1){1'b0}}, s_hdr};
        status_fields_nulled    <= status_fields_nulled + (cfg_policy ? {{(CW-NW){1'b0}}, n_bad} : {CW{1'b0}});
        status_str_fields       <= status_str_fields + {{(CW-NW){1'b0}}, s_nstr};
    end
    if (rst) begin
        st_we       <= {(L*32){1'b0}};
        hd_valid    <= {L{1'b0}};
        wr_slot     <= {(L*SW){1'b0}};
        status_lane_hwm <= {(L*8){1'b0}};
        ended       <= {(L*(SW+1)){1'b0}};
        row_num     <= 48'd0;
        open_lane   <= {LW{1'b0}};
        open_null   <= {64{1'b1}};
        open_reason <= RSN_OK;
        open_extra  <= 1'b0;
        status_rows_in <= {CW{1'b0}};          status_rows_out <= {CW{1'b0}};
        status_rows_dropped <= {CW{1'b0}};     status_empty_lines <= {CW{1'b0}};
        status_header_lines <= {CW{1'b0}};     status_rows_short <= {CW{1'b0}};
        status_fields_nulled <= {CW{1'b0}};    status_err_extra_fields <= {CW{1'b0}};
        status_err_bad_char <= {CW{1'b0}};     status_err_overflow <= {CW{1'b0}};
        status_err_overlong <= {CW{1'b0}};     status_err_binary <= {CW{1'b0}};
        status_str_fields <= {CW{1'b0}};
    end
end

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
    .s_axis_tdata(row_num + {{(48-NW){1'b0}}, n_re}), .s_axis_tkeep(6'h3F), .s_axis_tvalid(go && s_stream_end),
    .s_axis_tready(cnt_in_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_cnt_tdata), .m_axis_tkeep(cnt_keep), .m_axis_tvalid(m_axis_cnt_tvalid),
    .m_axis_tready(m_axis_cnt_tready), .m_axis_tlast(cnt_last), .m_axis_tuser(cnt_user),
    .status_level(cnt_level), .status_high_water(cnt_hwm), .status_hwm_clear(1'b0)
);

endmodule

`resetall
