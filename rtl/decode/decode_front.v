// SPDX-License-Identifier: Apache-2.0
// Sluice decode: the decode front end = decode_splitter + LANES x (decode_gearbox +
// decode_lane), with the engine-level counters (docs/spec/decode_rtl.md). Exposes
// the LANES record streams and the per-stream line-count side channel for a
// record_merger (decode_engine) or for per-lane transform stages (etl_top).
//
// Counters (models.schema.DecodeCounters): rows_*, fields_nulled, err_*, str_fields
// are sums of the lane counters; header_lines, empty_lines and bytes_in come from
// the splitter (lanes get cfg_header_lines = 0 and never see header / empty lines).
// The sums are registered (one cycle later than the lanes' counters).
// status_seg_fifo_hwm / status_cnt_fifo_hwm pass the splitter's FIFO high-water marks
// through (beats since reset, 8 bits per FIFO; etl_top's perf CSRs).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: LANES=1 LANE_BYTES=8
// lint-params: LANES=4 LANE_BYTES=32
// synth-skip: synthesised as part of decode_engine (= decode_front + record_merger, hierarchical, about 20 min at the defaults)

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_front #(
    // N: number of decode lanes (1, 2 or 4)
    parameter LANES           = 2,
    // W: bytes per beat into each lane (8, 16 or 32)
    parameter LANE_BYTES      = 8,
    // Input bytes per beat (default N * W)
    parameter IN_BYTES        = LANES * LANE_BYTES,
    // K: 64-bit value slots per record beat
    parameter FIELDS_PER_BEAT = 8,
    // Depth (words) of each lane's segment FIFO in the splitter
    parameter SEG_FIFO_DEPTH  = 16,
    // Width of every status_* counter
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

    // per-lane DecodedRecord streams (lane l at [l*64*K +: 64*K] etc.), lane-local row numbers
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
    output wire [COUNTER_WIDTH-1:0]      status_bytes_in,
    output wire [COUNTER_WIDTH-1:0]      status_err_extra_fields,
    output wire [COUNTER_WIDTH-1:0]      status_err_bad_char,
    output wire [COUNTER_WIDTH-1:0]      status_err_overflow,
    output wire [COUNTER_WIDTH-1:0]      status_err_overlong,
    output wire [COUNTER_WIDTH-1:0]      status_err_binary,
    output wire [COUNTER_WIDTH-1:0]      status_str_fields,

    // splitter FIFO high-water marks since reset, in beats: lane l's segment FIFO at [8*l +: 8]
    output wire [LANES*8-1:0]                  status_seg_fifo_hwm,
    output wire [7:0]                          status_cnt_fifo_hwm
);

localparam CW = COUNTER_WIDTH;
localparam B  = IN_BYTES;
localparam W  = LANE_BYTES;

initial begin
    if (LANES != 1 && LANES != 2 && LANES != 4) begin
        $error("Error: LANES must be 1, 2 or 4 (instance %m)");
        $finish;
    end
end

wire [LANES*8*B-1:0] seg_data;
wire [LANES*B-1:0]   seg_keep;
wire [LANES-1:0]     seg_valid, seg_ready, seg_last;

decode_splitter #(
    .IN_BYTES(B),
    .LANES(LANES),
    .SEG_FIFO_DEPTH(SEG_FIFO_DEPTH),
    .COUNTER_WIDTH(CW)
) splitter (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tkeep(s_axis_tkeep),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .s_axis_tuser(s_axis_tuser),
    .m_axis_tdata(seg_data),
    .m_axis_tkeep(seg_keep),
    .m_axis_tvalid(seg_valid),
    .m_axis_tready(seg_ready),
    .m_axis_tlast(seg_last),
    .m_axis_cnt_tdata(m_axis_cnt_tdata),
    .m_axis_cnt_tvalid(m_axis_cnt_tvalid),
    .m_axis_cnt_tready(m_axis_cnt_tready),
    .cfg_header_lines(cfg_header_lines),
    .status_header_lines(status_header_lines),
    .status_empty_lines(status_empty_lines),
    .status_bytes_in(status_bytes_in),
    .status_seg_fifo_hwm(status_seg_fifo_hwm),
    .status_cnt_fifo_hwm(status_cnt_fifo_hwm)
);

wire [LANES*CW-1:0] l_rows_in;
wire [LANES*CW-1:0] l_rows_out;
wire [LANES*CW-1:0] l_rows_dropped;
wire [LANES*CW-1:0] l_rows_short;
wire [LANES*CW-1:0] l_fields_nulled;
wire [LANES*CW-1:0] l_err_extra_fields;
wire [LANES*CW-1:0] l_err_bad_char;
wire [LANES*CW-1:0] l_err_overflow;
wire [LANES*CW-1:0] l_err_overlong;
wire [LANES*CW-1:0] l_err_binary;
wire [LANES*CW-1:0] l_str_fields;
wire [LANES*CW-1:0] l_empty_lines, l_header_lines, l_bytes_in;

genvar l;
generate
for (l = 0; l < LANES; l = l + 1) begin : gen_lane
    wire [8*W-1:0] g_data;
    wire [W-1:0]   g_keep;
    wire           g_valid, g_ready, g_last;

    decode_gearbox #(
        .IN_BYTES(B),
        .OUT_BYTES(W)
    ) gearbox (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(seg_data[l*8*B +: 8*B]),
        .s_axis_tkeep(seg_keep[l*B +: B]),
        .s_axis_tvalid(seg_valid[l]),
        .s_axis_tready(seg_ready[l]),
        .s_axis_tlast(seg_last[l]),
        .m_axis_tdata(g_data),
        .m_axis_tkeep(g_keep),
        .m_axis_tvalid(g_valid),
        .m_axis_tready(g_ready),
        .m_axis_tlast(g_last)
    );

    decode_lane #(
        .LANE_BYTES(W),
        .FIELDS_PER_BEAT(FIELDS_PER_BEAT),
        .COUNTER_WIDTH(CW)
    ) lane (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(g_data),
        .s_axis_tkeep(g_keep),
        .s_axis_tvalid(g_valid),
        .s_axis_tready(g_ready),
        .s_axis_tlast(g_last),
        .s_axis_tuser(1'b0),
        .m_axis_tdata(m_axis_tdata[l*64*FIELDS_PER_BEAT +: 64*FIELDS_PER_BEAT]),
        .m_axis_tkeep(m_axis_tkeep[l*8*FIELDS_PER_BEAT +: 8*FIELDS_PER_BEAT]),
        .m_axis_tvalid(m_axis_tvalid[l]),
        .m_axis_tready(m_axis_tready[l]),
        .m_axis_tlast(m_axis_tlast[l]),
        .m_axis_tuser(m_axis_tuser[l +: 1]),
        .cfg_delimiter(cfg_delimiter),
        .cfg_header_lines(16'd0),
        .cfg_policy(cfg_policy),
        .cfg_max_field_bytes(cfg_max_field_bytes),
        .cfg_n_columns(cfg_n_columns),
        .cfg_kinds(cfg_kinds),
        .status_rows_in(l_rows_in[l*CW +: CW]),
        .status_rows_out(l_rows_out[l*CW +: CW]),
        .status_rows_dropped(l_rows_dropped[l*CW +: CW]),
        .status_empty_lines(l_empty_lines[l*CW +: CW]),
        .status_header_lines(l_header_lines[l*CW +: CW]),
        .status_rows_short(l_rows_short[l*CW +: CW]),
        .status_fields_nulled(l_fields_nulled[l*CW +: CW]),
        .status_bytes_in(l_bytes_in[l*CW +: CW]),
        .status_err_extra_fields(l_err_extra_fields[l*CW +: CW]),
        .status_err_bad_char(l_err_bad_char[l*CW +: CW]),
        .status_err_overflow(l_err_overflow[l*CW +: CW]),
        .status_err_overlong(l_err_overlong[l*CW +: CW]),
        .status_err_binary(l_err_binary[l*CW +: CW]),
        .status_str_fields(l_str_fields[l*CW +: CW])
    );
end
endgenerate

// lanes never see header / empty lines; the splitter counts bytes
wire unused_lane_counters = &{1'b0, l_empty_lines, l_header_lines, l_bytes_in};

reg [CW-1:0] s_rows_in, sum_rows_in;
reg [CW-1:0] s_rows_out, sum_rows_out;
reg [CW-1:0] s_rows_dropped, sum_rows_dropped;
reg [CW-1:0] s_rows_short, sum_rows_short;
reg [CW-1:0] s_fields_nulled, sum_fields_nulled;
reg [CW-1:0] s_err_extra_fields, sum_err_extra_fields;
reg [CW-1:0] s_err_bad_char, sum_err_bad_char;
reg [CW-1:0] s_err_overflow, sum_err_overflow;
reg [CW-1:0] s_err_overlong, sum_err_overlong;
reg [CW-1:0] s_err_binary, sum_err_binary;
reg [CW-1:0] s_str_fields, sum_str_fields;
integer si;
always @* begin
    sum_rows_in = {CW{1'b0}};
    sum_rows_out = {CW{1'b0}};
    sum_rows_dropped = {CW{1'b0}};
    sum_rows_short = {CW{1'b0}};
    sum_fields_nulled = {CW{1'b0}};
    sum_err_extra_fields = {CW{1'b0}};
    sum_err_bad_char = {CW{1'b0}};
    sum_err_overflow = {CW{1'b0}};
    sum_err_overlong = {CW{1'b0}};
    sum_err_binary = {CW{1'b0}};
    sum_str_fields = {CW{1'b0}};
    for (si = 0; si < LANES; si = si + 1) begin
        sum_rows_in = sum_rows_in + l_rows_in[si*CW +: CW];
        sum_rows_out = sum_rows_out + l_rows_out[si*CW +: CW];
        sum_rows_dropped = sum_rows_dropped + l_rows_dropped[si*CW +: CW];
        sum_rows_short = sum_rows_short + l_rows_short[si*CW +: CW];
        sum_fields_nulled = sum_fields_nulled + l_fields_nulled[si*CW +: CW];
        sum_err_extra_fields = sum_err_extra_fields + l_err_extra_fields[si*CW +: CW];
        sum_err_bad_char = sum_err_bad_char + l_err_bad_char[si*CW +: CW];
        sum_err_overflow = sum_err_overflow + l_err_overflow[si*CW +: CW];
        sum_err_overlong = sum_err_overlong + l_err_overlong[si*CW +: CW];
        sum_err_binary = sum_err_binary + l_err_binary[si*CW +: CW];
        sum_str_fields = sum_str_fields + l_str_fields[si*CW +: CW];
    end
end

always @(posedge clk) begin
    s_rows_in <= sum_rows_in;
    s_rows_out <= sum_rows_out;
    s_rows_dropped <= sum_rows_dropped;
    s_rows_short <= sum_rows_short;
    s_fields_nulled <= sum_fields_nulled;
    s_err_extra_fields <= sum_err_extra_fields;
    s_err_bad_char <= sum_err_bad_char;
    s_err_overflow <= sum_err_overflow;
    s_err_overlong <= sum_err_overlong;
    s_err_binary <= sum_err_binary;
    s_str_fields <= sum_str_fields;
    if (rst) begin
        s_rows_in <= {CW{1'b0}};
        s_rows_out <= {CW{1'b0}};
        s_rows_dropped <= {CW{1'b0}};
        s_rows_short <= {CW{1'b0}};
        s_fields_nulled <= {CW{1'b0}};
        s_err_extra_fields <= {CW{1'b0}};
        s_err_bad_char <= {CW{1'b0}};
        s_err_overflow <= {CW{1'b0}};
        s_err_overlong <= {CW{1'b0}};
        s_err_binary <= {CW{1'b0}};
        s_str_fields <= {CW{1'b0}};
    end
end

assign status_rows_in = s_rows_in;
assign status_rows_out = s_rows_out;
assign status_rows_dropped = s_rows_dropped;
assign status_rows_short = s_rows_short;
assign status_fields_nulled = s_fields_nulled;
assign status_err_extra_fields = s_err_extra_fields;
assign status_err_bad_char = s_err_bad_char;
assign status_err_overflow = s_err_overflow;
assign status_err_overlong = s_err_overlong;
assign status_err_binary = s_err_binary;
assign status_str_fields = s_str_fields;

endmodule

`resetall
