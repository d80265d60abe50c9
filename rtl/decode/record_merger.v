// SPDX-License-Identifier: Apache-2.0
// Sluice: record merger (docs/spec/system_rtl.md, docs/spec/decode_rtl.md "Merger").
//
// Restores input order after N lanes that each got whole lines round-robin from
// decode_splitter: takes exactly one packet (tlast-delimited) from lane 0, then one
// from lane 1, ... (the lane pointer runs on across streams, like the splitter's).
// In the first beat of every packet, bits [ROW_BITS-1:0] (the 48-bit data-row number
// of a DecodedRecord / TransformedRecord header) are overwritten with the global
// row count of the stream; the count restarts at 0 when the stream's number of data
// lines, read from the s_axis_cnt side channel (one word per stream, in order),
// have been passed. A stream whose count word is 0 is skipped at once.
//
// Ordering of the side channel: the splitter writes a stream's count word in the
// cycle it finishes the stream's tlast beat, before any line of the next stream
// enters a lane; a record takes several more cycles (segment FIFO, gearbox, lane)
// than the count word (one FIFO), so the word is visible before the first record
// of the next stream arrives here.
//
// Generic in DATA_WIDTH (512-bit DecodedRecords after decode, 1024-bit
// TransformedRecords in etl_top); tkeep / tuser pass through when enabled.
// Output through a skid buffer (registered tready).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: LANES=1
// lint-params: LANES=4 DATA_WIDTH=1024 KEEP_ENABLE=1 USER_ENABLE=1 USER_WIDTH=3

`resetall
`timescale 1ns / 1ps
`default_nettype none

module record_merger #(
    // N: number of input lanes (1, 2 or 4)
    parameter LANES       = 2,
    // Width of tdata in bits (>= ROW_BITS)
    parameter DATA_WIDTH  = 512,
    // Propagate tkeep; when 0, m_axis_tkeep is all ones and s_axis_tkeep is ignored
    parameter KEEP_ENABLE = 0,
    // Width of tkeep in bits (one per byte)
    parameter KEEP_WIDTH  = DATA_WIDTH / 8,
    // Propagate tuser; when 0, m_axis_tuser is 0 and s_axis_tuser is ignored
    parameter USER_ENABLE = 0,
    // Width of tuser in bits
    parameter USER_WIDTH  = 1,
    // Width of the row-number field at the bottom of the first beat
    parameter ROW_BITS    = 48
) (
    input  wire                        clk,
    input  wire                        rst,

    // lane l at [l*DATA_WIDTH +: DATA_WIDTH] etc.
    input  wire [LANES*DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [LANES*KEEP_WIDTH-1:0] s_axis_tkeep,
    input  wire [LANES-1:0]            s_axis_tvalid,
    output wire [LANES-1:0]            s_axis_tready,
    input  wire [LANES-1:0]            s_axis_tlast,
    input  wire [LANES*USER_WIDTH-1:0] s_axis_tuser,

    // records per stream (data lines), one word per stream, in order
    input  wire [ROW_BITS-1:0]         s_axis_cnt_tdata,
    input  wire                        s_axis_cnt_tvalid,
    output wire                        s_axis_cnt_tready,

    output wire [DATA_WIDTH-1:0]       m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]       m_axis_tkeep,
    output wire                        m_axis_tvalid,
    input  wire                        m_axis_tready,
    output wire                        m_axis_tlast,
    output wire [USER_WIDTH-1:0]       m_axis_tuser
);

localparam LW = (LANES > 1) ? $clog2(LANES) : 1;
localparam integer LAST_LANE_I = LANES - 1;
localparam [LW-1:0] LAST_LANE = LAST_LANE_I[LW-1:0];

initial begin
    if (LANES != 1 && LANES != 2 && LANES != 4) begin
        $error("Error: LANES must be 1, 2 or 4 (instance %m)");
        $finish;
    end
    if (DATA_WIDTH < ROW_BITS + 1) begin
        $error("Error: DATA_WIDTH must exceed ROW_BITS (instance %m)");
        $finish;
    end
    if (KEEP_ENABLE != 0 && KEEP_WIDTH * 8 != DATA_WIDTH) begin
        $error("Error: with KEEP_ENABLE, DATA_WIDTH must equal 8*KEEP_WIDTH (instance %m)");
        $finish;
    end
end

reg [LW-1:0]       lane_reg;     // lane whose packet is next / in flight
reg                first_reg;    // the next beat is the first of a packet
reg [ROW_BITS-1:0] row_reg;      // global row number of the next packet

wire               o_ready;      // skid buffer input ready (registered)

wire               stream_end = first_reg && s_axis_cnt_tvalid && (row_reg == s_axis_cnt_tdata);
wire [DATA_WIDTH-1:0] sel_data = s_axis_tdata[lane_reg*DATA_WIDTH +: DATA_WIDTH];
wire [KEEP_WIDTH-1:0] sel_keep = s_axis_tkeep[lane_reg*KEEP_WIDTH +: KEEP_WIDTH];
wire [USER_WIDTH-1:0] sel_user = s_axis_tuser[lane_reg*USER_WIDTH +: USER_WIDTH];
wire               sel_valid = s_axis_tvalid[lane_reg] && !stream_end;
wire               sel_last  = s_axis_tlast[lane_reg];
wire               pass      = sel_valid && o_ready;
wire [DATA_WIDTH-1:0] o_data = first_reg ? {sel_data[DATA_WIDTH-1:ROW_BITS], row_reg} : sel_data;

genvar g;
generate
for (g = 0; g < LANES; g = g + 1) begin : gen_ready
    assign s_axis_tready[g] = o_ready && !stream_end && (lane_reg == g);
end
endgenerate

assign s_axis_cnt_tready = stream_end;

always @(posedge clk) begin
    if (stream_end) begin
        row_reg <= {ROW_BITS{1'b0}};
    end else if (pass) begin
        first_reg <= sel_last;
        if (first_reg) row_reg <= row_reg + 1'b1;
        if (sel_last) lane_reg <= (lane_reg == LAST_LANE) ? {LW{1'b0}} : lane_reg + 1'b1;
    end
    if (rst) begin
        lane_reg <= {LW{1'b0}};
        first_reg <= 1'b1;
        row_reg <= {ROW_BITS{1'b0}};
    end
end

wire unused_inputs = &{1'b0, KEEP_ENABLE ? 1'b0 : ^s_axis_tkeep, USER_ENABLE ? 1'b0 : ^s_axis_tuser};

axis_register #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_ENABLE(KEEP_ENABLE),
    .KEEP_WIDTH(KEEP_WIDTH),
    .LAST_ENABLE(1),
    .USER_ENABLE(USER_ENABLE),
    .USER_WIDTH(USER_WIDTH),
    .REG_TYPE(2)
) out_reg (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(o_data),
    .s_axis_tkeep(sel_keep),
    .s_axis_tvalid(pass),
    .s_axis_tready(o_ready),
    .s_axis_tlast(sel_last),
    .s_axis_tuser(sel_user),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tkeep(m_axis_tkeep),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tuser(m_axis_tuser)
);

endmodule

`resetall
