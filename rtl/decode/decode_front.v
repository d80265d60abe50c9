// SPDX-License-Identifier: Apache-2.0
// Sluice decode front end (docs/spec/decode_rtl.md): delimited text in, LANES DecodedRecord streams out
// (data row r of all streams on lane r mod LANES), plus the per-stream row count for a record_merger
// (decode_engine) or for per-lane transform stages and a merger (etl_top).
//
// The wide decoder: the whole IN_BYTES beat is decoded per cycle with bit-parallel logic, no byte chain:
//   decode_scan      bytes -> bit vectors: line ends, terminators, field facts by segmented scans, the
//                    position of every terminator (FIELD_SLOTS of them)
//   decode_chunker   the beat as one chunk of up to FIELD_SLOTS terminators (the common case), or taken
//                    apart (header lines, many short rows, bursts of empty fields)
//   decode_fields    each terminator's field: column, kind, checks, decimal value, STR hash
//   decode_assemble  rows: values into the lanes' stores, null masks, reasons, headers, counters
//   decode_emit      per lane: the DecodedRecord stream
// Counters (models.schema.DecodeCounters) and status_str_fields (hashed STR fields) are the engine's.
// status_lane_rows_hwm: per lane, the largest number of finished rows waiting in its store (0..ROW_SLOTS).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: LANES=1 LANE_BYTES=8
// lint-params: LANES=4 LANE_BYTES=32
// synth-params: LANES=2 LANE_BYTES=32
// synth-flags: -hier

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_front #(
    // N: output record lanes (1, 2 or 4)
    parameter LANES           = 2,
    // W: nominal text bytes per cycle per lane (IN_BYTES = LANES * LANE_BYTES)
    parameter LANE_BYTES      = 8,
    // text bytes per input beat (power of two, 8..128)
    parameter IN_BYTES        = LANES * LANE_BYTES,
    // K: 64-bit value slots per record beat (the record format fixes 8)
    parameter FIELDS_PER_BEAT = 8,
    // terminators decoded per cycle (field slots)
    parameter FIELD_SLOTS     = (IN_BYTES <= 32) ? IN_BYTES / 2 : ((IN_BYTES == 64) ? 24 : 32),
    // finished rows each lane's store holds
    parameter ROW_SLOTS       = 4,
    // width of every status_* counter
    parameter COUNTER_WIDTH   = 48
) (
    input  wire                                clk,
    input  wire                                rst,

    input  wire [8*IN_BYTES-1:0]               s_axis_tdata,
    input  wire [IN_BYTES-1:0]                 s_axis_tkeep,
    input  wire                                s_axis_tvalid,
    output wire                                s_axis_tready,
    input  wire                                s_axis_tlast,
    input  wire [0:0]                          s_axis_tuser,

    // per-lane DecodedRecord streams (lane l at [l*64*K +: 64*K] etc.)
    output wire [LANES*64*FIELDS_PER_BEAT-1:0] m_axis_tdata,
    output wire [LANES*8*FIELDS_PER_BEAT-1:0]  m_axis_tkeep,
    output wire [LANES-1:0]                    m_axis_tvalid,
    input  wire [LANES-1:0]                    m_axis_tready,
    output wire [LANES-1:0]                    m_axis_tlast,
    output wire [LANES-1:0]                    m_axis_tuser,

    // data lines per stream (record_merger side channel)
    output wire [47:0]                         m_axis_cnt_tdata,
    output wire                                m_axis_cnt_tvalid,
    input  wire                                m_axis_cnt_tready,

    input  wire [7:0]                          cfg_delimiter,
    input  wire [15:0]                         cfg_header_lines,
    input  wire                                cfg_policy,
    input  wire [7:0]                          cfg_max_field_bytes,
    input  wire [6:0]                          cfg_n_columns,
    input  wire [3*64-1:0]                     cfg_kinds,

    output wire [COUNTER_WIDTH-1:0]      status_rows_in,
    output wire [COUNTER_WIDTH-1:0]      status_rows_out,
    output wire [COUNTER_WIDTH-1:0]      status_rows_dropped,
    output wire [COUNTER_WIDTH-1:0]      status_empty_lines,
    output wire [COUNTER_WIDTH-1:0]      status_header_lines,
    output wire [COUNTER_WIDTH-1:0]      status_rows_short,
    output wire [COUNTER_WIDTH-1:0]      status_fields_nulled,
    output reg  [COUNTER_WIDTH-1:0]      status_bytes_in,
    output wire [COUNTER_WIDTH-1:0]      status_err_extra_fields,
    output wire [COUNTER_WIDTH-1:0]      status_err_bad_char,
    output wire [COUNTER_WIDTH-1:0]      status_err_overflow,
    output wire [COUNTER_WIDTH-1:0]      status_err_overlong,
    output wire [COUNTER_WIDTH-1:0]      status_err_binary,
    output wire [COUNTER_WIDTH-1:0]      status_str_fields,

    // per lane: high-water mark of finished rows waiting in its store; the row-count FIFO's mark
    output wire [LANES*8-1:0]                  status_lane_rows_hwm,
    output wire [7:0]                          status_cnt_fifo_hwm
);

localparam CW = COUNTER_WIDTH;
localparam B  = IN_BYTES;
localparam F  = FIELD_SLOTS;
localparam PW = $clog2(B) + 1;
localparam SW = (ROW_SLOTS > 1) ? $clog2(ROW_SLOTS) : 1;
localparam NW = $clog2(F + 1);

initial begin
    if (LANES != 1 && LANES != 2 && LANES != 4) begin
        $error("Error: LANES must be 1, 2 or 4 (instance %m)");
        $finish;
    end
    if (FIELDS_PER_BEAT != 8) begin
        $error("Error: FIELDS_PER_BEAT must be 8 (models.records.FIELDS_PER_BEAT) (instance %m)");
        $finish;
    end
end

wire unused_user = &{1'b0, s_axis_tuser};

// ---------------------------------------------------------------- bytes in
reg  [PW-1:0] in_bytes;
reg           in_beat;
always @(posedge clk) begin
    in_beat  <= s_axis_tvalid && s_axis_tready;
    in_bytes <= popcount_keep(s_axis_tkeep);
    if (in_beat) status_bytes_in <= status_bytes_in + {{(CW-PW){1'b0}}, in_bytes};
    if (rst) begin
        in_beat         <= 1'b0;
        status_bytes_in <= {CW{1'b0}};
    end
end

function [PW-1:0] popcount_keep;
    input [B-1:0] k;
    integer       i;
    begin
        popcount_keep = {PW{1'b0}};
        for (i = 0; i < B; i = i + 1) popcount_keep = popcount_keep + {{(PW-1){1'b0}}, k[i]};
    end
endfunction

// ---------------------------------------------------------------- scan
wire             sc_valid, sc_ready, sc_last, sc_cont, sc_lfi0, sc_top_re;
wire [8*B-1:0]   sc_data;
wire [PW-1:0]    sc_n, sc_ns, sc_nre;
wire [B-1:0]     sc_s, sc_le, sc_re, sc_empty, sc_lfi_next, sc_fbin, sc_fnd, sc_fnh, sc_fsg, sc_fmi, sc_far;
wire [4*B-1:0]   sc_nib;
wire [63:0]      sc_cnib;
wire [15:0]      sc_cs;
wire [8:0]       sc_clen;
wire [PW*F-1:0]  sc_spos;
// the same beat after the skid buffer that registers the chunker's ready (it depends on the chunk decision)
wire             sk_valid, sk_ready, sk_last, sk_cont, sk_lfi0, sk_top_re;
wire [8*B-1:0]   sk_data;
wire [PW-1:0]    sk_n, sk_ns, sk_nre;
wire [B-1:0]     sk_s, sk_le, sk_re, sk_empty, sk_lfi_next, sk_fbin, sk_fnd, sk_fnh, sk_fsg, sk_fmi, sk_far;
wire [4*B-1:0]   sk_nib;
wire [63:0]      sk_cnib;
wire [15:0]      sk_cs;
wire [8:0]       sk_clen;
wire [PW*F-1:0]  sk_spos;

decode_scan #(.IN_BYTES(B), .FIELD_SLOTS(F)) u_scan (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast),
    .cfg_delimiter(cfg_delimiter),
    .m_valid(sc_valid), .m_ready(sc_ready), .m_data(sc_data), .m_n(sc_n), .m_last(sc_last),
    .m_s(sc_s), .m_le(sc_le), .m_re(sc_re), .m_empty(sc_empty), .m_lfi_next(sc_lfi_next),
    .m_fbin(sc_fbin), .m_fnd(sc_fnd), .m_fnh(sc_fnh), .m_fsg(sc_fsg), .m_fmi(sc_fmi), .m_far(sc_far),
    .m_nib(sc_nib), .m_cnib(sc_cnib), .m_cs(sc_cs), .m_clen(sc_clen), .m_cont(sc_cont), .m_lfi0(sc_lfi0),
    .m_ns(sc_ns), .m_nre(sc_nre), .m_top_re(sc_top_re), .m_spos(sc_spos)
);

// ---------------------------------------------------------------- chunks
wire             ck_valid, ck_ready, ck_hdr, ck_beat_end, ck_stream_end, ck_tail_hdr, ck_tail_cont;
wire [PW-1:0]    ck_nslots, ck_tail_start, ck_n;
wire [PW*F-1:0]  ck_pos;
wire [9*F-1:0]   ck_len;
wire [F-1:0]     ck_fromcarry, ck_re, ck_empty;
wire [6*F-1:0]   ck_flags;
wire [64*F-1:0]  ck_win;
wire [16*F-1:0]  ck_wins;
wire [8*B-1:0]   ck_data;

localparam SKW = 8*B + 3*PW + 4 + 11*B + 4*B + 64 + 16 + 9 + PW*F;
wire [SKW-1:0] sk_in = {sc_data, sc_n, sc_ns, sc_nre, sc_last, sc_cont, sc_lfi0, sc_top_re, sc_s, sc_le, sc_re,
                        sc_empty, sc_lfi_next, sc_fbin, sc_fnd, sc_fnh, sc_fsg, sc_fmi, sc_far, sc_nib, sc_cnib,
                        sc_cs, sc_clen, sc_spos};
wire [SKW-1:0] sk_out;
assign {sk_data, sk_n, sk_ns, sk_nre, sk_last, sk_cont, sk_lfi0, sk_top_re, sk_s, sk_le, sk_re, sk_empty,
        sk_lfi_next, sk_fbin, sk_fnd, sk_fnh, sk_fsg, sk_fmi, sk_far, sk_nib, sk_cnib, sk_cs, sk_clen,
        sk_spos} = sk_out;
wire sk_keep_unused, sk_last_unused, sk_user_unused;

axis_register #(
    .DATA_WIDTH(SKW), .KEEP_ENABLE(0), .KEEP_WIDTH(1), .LAST_ENABLE(0), .USER_ENABLE(0), .REG_TYPE(2)
) u_skid (
    .clk(clk), .rst(rst),
    .s_axis_tdata(sk_in), .s_axis_tkeep(1'b1), .s_axis_tvalid(sc_valid), .s_axis_tready(sc_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(sk_out), .m_axis_tkeep(sk_keep_unused), .m_axis_tvalid(sk_valid), .m_axis_tready(sk_ready),
    .m_axis_tlast(sk_last_unused), .m_axis_tuser(sk_user_unused)
);
wire unused_sk = &{1'b0, sk_keep_unused, sk_last_unused, sk_user_unused};

decode_chunker #(.IN_BYTES(B), .FIELD_SLOTS(F), .LANES(LANES)) u_chunk (
    .clk(clk), .rst(rst),
    .cfg_header_lines(cfg_header_lines),
    .s_valid(sk_valid), .s_ready(sk_ready), .s_data(sk_data), .s_n(sk_n), .s_last(sk_last),
    .s_s(sk_s), .s_le(sk_le), .s_re(sk_re), .s_empty(sk_empty), .s_lfi_next(sk_lfi_next),
    .s_fbin(sk_fbin), .s_fnd(sk_fnd), .s_fnh(sk_fnh), .s_fsg(sk_fsg), .s_fmi(sk_fmi), .s_far(sk_far),
    .s_nib(sk_nib), .s_cnib(sk_cnib), .s_cs(sk_cs), .s_clen(sk_clen), .s_cont(sk_cont), .s_lfi0(sk_lfi0),
    .s_ns(sk_ns), .s_nre(sk_nre), .s_top_re(sk_top_re), .s_spos(sk_spos),
    .m_valid(ck_valid), .m_ready(ck_ready), .m_nslots(ck_nslots), .m_pos(ck_pos), .m_len(ck_len),
    .m_fromcarry(ck_fromcarry), .m_re(ck_re), .m_empty(ck_empty), .m_flags(ck_flags), .m_win(ck_win),
    .m_wins(ck_wins), .m_hdr(ck_hdr), .m_beat_end(ck_beat_end), .m_stream_end(ck_stream_end),
    .m_tail_hdr(ck_tail_hdr), .m_tail_start(ck_tail_start), .m_tail_cont(ck_tail_cont), .m_data(ck_data),
    .m_n(ck_n)
);

// ---------------------------------------------------------------- fields
wire             fd_valid, fd_ready, fd_hdr, fd_stream_end;
wire [F-1:0]     fd_slot, fd_re, fd_empty, fd_colfield, fd_null;
wire [7*F-1:0]   fd_col;
wire [3*F-1:0]   fd_reason;
wire [64*F-1:0]  fd_value;
wire [PW-1:0]    fd_nstr;
wire [6:0]       fd_col_after;

decode_fields #(.IN_BYTES(B), .FIELD_SLOTS(F)) u_fields (
    .clk(clk), .rst(rst),
    .cfg_kinds(cfg_kinds), .cfg_n_columns(cfg_n_columns), .cfg_max_field_bytes(cfg_max_field_bytes),
    .s_valid(ck_valid), .s_ready(ck_ready), .s_nslots(ck_nslots), .s_len(ck_len), .s_fromcarry(ck_fromcarry),
    .s_re(ck_re), .s_empty(ck_empty), .s_flags(ck_flags), .s_win(ck_win), .s_wins(ck_wins), .s_pos(ck_pos),
    .s_hdr(ck_hdr), .s_beat_end(ck_beat_end), .s_stream_end(ck_stream_end), .s_tail_hdr(ck_tail_hdr),
    .s_tail_start(ck_tail_start), .s_tail_cont(ck_tail_cont), .s_data(ck_data), .s_n(ck_n),
    .m_valid(fd_valid), .m_ready(fd_ready), .m_slot(fd_slot), .m_re(fd_re), .m_empty(fd_empty),
    .m_col(fd_col), .m_colfield(fd_colfield), .m_reason(fd_reason), .m_null(fd_null), .m_value(fd_value),
    .m_hdr(fd_hdr), .m_stream_end(fd_stream_end), .m_nstr(fd_nstr), .m_col_after(fd_col_after)
);

wire unused_fd = &{1'b0, fd_col_after, fd_nstr[PW-1:NW]};

// ---------------------------------------------------------------- rows
wire [LANES*32-1:0]       st_we, st_half;
wire [LANES*SW-1:0]       st_slot;
wire [LANES*2048-1:0]     st_data;
wire [LANES-1:0]          hd_valid, hd_free;
wire [LANES*(SW+121)-1:0] hd_data;

decode_assemble #(.FIELD_SLOTS(F), .LANES(LANES), .ROW_SLOTS(ROW_SLOTS), .COUNTER_WIDTH(CW)) u_asm (
    .clk(clk), .rst(rst),
    .cfg_policy(cfg_policy), .cfg_n_columns(cfg_n_columns),
    .s_valid(fd_valid), .s_ready(fd_ready), .s_slot(fd_slot), .s_re(fd_re), .s_empty(fd_empty),
    .s_col(fd_col), .s_colfield(fd_colfield), .s_reason(fd_reason), .s_null(fd_null), .s_value(fd_value),
    .s_hdr(fd_hdr), .s_stream_end(fd_stream_end), .s_nstr(fd_nstr[NW-1:0]),
    .st_we(st_we), .st_half(st_half), .st_slot(st_slot), .st_data(st_data),
    .hd_valid(hd_valid), .hd_data(hd_data), .hd_free(hd_free),
    .m_axis_cnt_tdata(m_axis_cnt_tdata), .m_axis_cnt_tvalid(m_axis_cnt_tvalid),
    .m_axis_cnt_tready(m_axis_cnt_tready),
    .status_rows_in(status_rows_in), .status_rows_out(status_rows_out),
    .status_rows_dropped(status_rows_dropped), .status_empty_lines(status_empty_lines),
    .status_header_lines(status_header_lines), .status_rows_short(status_rows_short),
    .status_fields_nulled(status_fields_nulled), .status_err_extra_fields(status_err_extra_fields),
    .status_err_bad_char(status_err_bad_char), .status_err_overflow(status_err_overflow),
    .status_err_overlong(status_err_overlong), .status_err_binary(status_err_binary),
    .status_str_fields(status_str_fields), .status_cnt_fifo_hwm(status_cnt_fifo_hwm),
    .status_lane_hwm(status_lane_rows_hwm)
);

// ---------------------------------------------------------------- lanes
genvar l;
generate
    for (l = 0; l < LANES; l = l + 1) begin : g_lane
        decode_emit #(.ROW_SLOTS(ROW_SLOTS)) u_emit (
            .clk(clk), .rst(rst),
            .cfg_n_columns(cfg_n_columns),
            .st_we(st_we[l*32 +: 32]), .st_half(st_half[l*32 +: 32]), .st_slot(st_slot[l*SW +: SW]),
            .st_data(st_data[l*2048 +: 2048]),
            .hd_valid(hd_valid[l]), .hd_data(hd_data[l*(SW+121) +: (SW+121)]), .hd_free(hd_free[l]),
            .m_axis_tdata(m_axis_tdata[l*512 +: 512]), .m_axis_tkeep(m_axis_tkeep[l*64 +: 64]),
            .m_axis_tvalid(m_axis_tvalid[l]), .m_axis_tready(m_axis_tready[l]),
            .m_axis_tlast(m_axis_tlast[l]), .m_axis_tuser(m_axis_tuser[l])
        );
    end
endgenerate

endmodule

`resetall
