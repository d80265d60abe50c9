// SPDX-License-Identifier: Apache-2.0
// Sluice decode: the decode engine = decode_front (the wide decoder, LANES record
// lanes, counters) + record_merger (input order, global row numbers per stream). The
// standalone top for the decode testbench and `sluice bench decode`
// (docs/spec/decode_rtl.md).
//
// Input: text, IN_BYTES bytes per beat, tkeep contiguous from byte 0, only the tlast
// beat partial; tlast ends a stream (rule 1 end of stream; header skip and row
// numbering restart). Output: exactly models.records.encode(decode_text(stream)) for
// every stream, back to back. cfg_* / status_* as decode_front (docs/spec/decode_rtl.md).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: LANES=1 LANE_BYTES=8
// lint-params: LANES=4 LANE_BYTES=8
// synth-skip: a testbench top (decode_front + record_merger): both are mapped on their own and as etl_top's instances

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_engine #(
    // N: record lanes (1, 2 or 4)
    parameter LANES           = 2,
    // W: nominal text bytes per cycle per lane (IN_BYTES = LANES * LANE_BYTES)
    parameter LANE_BYTES      = 8,
    // Input bytes per beat (default N * W)
    parameter IN_BYTES        = LANES * LANE_BYTES,
    // K: 64-bit value slots per record beat
    parameter FIELDS_PER_BEAT = 8,
    // Width of every status_* counter
    parameter COUNTER_WIDTH   = 48
) (
    input  wire                          clk,
    input  wire                          rst,

    // text input
    input  wire [8*IN_BYTES-1:0]         s_axis_tdata,
    input  wire [IN_BYTES-1:0]           s_axis_tkeep,
    input  wire                          s_axis_tvalid,
    output wire                          s_axis_tready,
    input  wire                          s_axis_tlast,
    input  wire [0:0]                    s_axis_tuser,

    // DecodedRecord output
    output wire [64*FIELDS_PER_BEAT-1:0] m_axis_tdata,
    output wire [8*FIELDS_PER_BEAT-1:0]  m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [0:0]                    m_axis_tuser,

    // configuration (stable while a stream is in flight)
    input  wire [7:0]                    cfg_delimiter,
    input  wire [15:0]                   cfg_header_lines,
    input  wire                          cfg_policy,
    input  wire [7:0]                    cfg_max_field_bytes,
    input  wire [6:0]                    cfg_n_columns,
    input  wire [3*64-1:0]               cfg_kinds,

    // counters (models.schema.DecodeCounters), cleared by rst only
    output wire [COUNTER_WIDTH-1:0]      status_rows_in,
    output wire [COUNTER_WIDTH-1:0]      status_rows_out,
    output wire [COUNTER_WIDTH-1:0]      status_rows_dropped,
    output wire [COUNTER_WIDTH-1:0]      status_empty_lines,
    output wire [COUNTER_WIDTH-1:0]      status_header_lines,
    output wire [COUNTER_WIDTH-1:0]      status_rows_short,
    output wire [COUNTER_WIDTH-1:0]      status_fields_nulled,
    output wire [COUNTER_WIDTH-1:0]      status_bytes_in,
    output wire [COUNTER_WIDTH-1:0]      status_err_extra_fields,
    output wire [COUNTER_WIDTH-1:0]      status_err_bad_char,
    output wire [COUNTER_WIDTH-1:0]      status_err_overflow,
    output wire [COUNTER_WIDTH-1:0]      status_err_overlong,
    output wire [COUNTER_WIDTH-1:0]      status_err_binary,
    output wire [COUNTER_WIDTH-1:0]      status_str_fields
);

localparam RB = 64 * FIELDS_PER_BEAT;

wire [LANES*RB-1:0]                   r_data;
wire [LANES*8*FIELDS_PER_BEAT-1:0]    r_keep;
wire [LANES-1:0]                      r_valid, r_ready, r_last, r_user;
wire [47:0]                           cnt_data;
wire                                  cnt_valid, cnt_ready;

// the splitter's FIFO high-water marks are read through etl_top's perf CSRs, not here
wire [LANES*8-1:0]                    unused_seg_fifo_hwm;
wire [7:0]                            unused_cnt_fifo_hwm;

decode_front #(
    .LANES(LANES),
    .LANE_BYTES(LANE_BYTES),
    .IN_BYTES(IN_BYTES),
    .FIELDS_PER_BEAT(FIELDS_PER_BEAT),
    .COUNTER_WIDTH(COUNTER_WIDTH)
) front (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tkeep(s_axis_tkeep),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .s_axis_tuser(s_axis_tuser),
    .m_axis_tdata(r_data),
    .m_axis_tkeep(r_keep),
    .m_axis_tvalid(r_valid),
    .m_axis_tready(r_ready),
    .m_axis_tlast(r_last),
    .m_axis_tuser(r_user),
    .m_axis_cnt_tdata(cnt_data),
    .m_axis_cnt_tvalid(cnt_valid),
    .m_axis_cnt_tready(cnt_ready),
    .cfg_delimiter(cfg_delimiter),
    .cfg_header_lines(cfg_header_lines),
    .cfg_policy(cfg_policy),
    .cfg_max_field_bytes(cfg_max_field_bytes),
    .cfg_n_columns(cfg_n_columns),
    .cfg_kinds(cfg_kinds),
    .status_rows_in(status_rows_in),
    .status_rows_out(status_rows_out),
    .status_rows_dropped(status_rows_dropped),
    .status_empty_lines(status_empty_lines),
    .status_header_lines(status_header_lines),
    .status_rows_short(status_rows_short),
    .status_fields_nulled(status_fields_nulled),
    .status_bytes_in(status_bytes_in),
    .status_err_extra_fields(status_err_extra_fields),
    .status_err_bad_char(status_err_bad_char),
    .status_err_overflow(status_err_overflow),
    .status_err_overlong(status_err_overlong),
    .status_err_binary(status_err_binary),
    .status_str_fields(status_str_fields),
    .status_lane_rows_hwm(unused_seg_fifo_hwm),
    .status_cnt_fifo_hwm(unused_cnt_fifo_hwm)
);

// records are full beats with tuser 0 (decode_lane): tkeep / tuser not carried
wire unused_record_sideband = &{1'b0, r_keep, r_user};
wire [0:0] unused_user_out;

record_merger #(
    .LANES(LANES),
    .DATA_WIDTH(RB),
    .KEEP_ENABLE(0),
    .USER_ENABLE(0)
) merger (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(r_data),
    .s_axis_tkeep(r_keep),
    .s_axis_tvalid(r_valid),
    .s_axis_tready(r_ready),
    .s_axis_tlast(r_last),
    .s_axis_tuser({LANES{1'b0}}),
    .s_axis_cnt_tdata(cnt_data),
    .s_axis_cnt_tvalid(cnt_valid),
    .s_axis_cnt_tready(cnt_ready),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tkeep(m_axis_tkeep),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tuser(unused_user_out)
);

assign m_axis_tuser = 1'b0;

endmodule

`resetall
