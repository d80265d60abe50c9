// SPDX-License-Identifier: Apache-2.0
// Sluice top: inserts the TransformedRecord end-of-stream marker (docs/formats/records.md, word 1 bit 26)
// after the last record of each stream.
//
// The record stream is the merged, in-order TransformedRecord stream (one packet per data row). The count
// stream carries, per text stream and in order, how many data rows it had (the splitter's side channel,
// the same words record_merger consumes). After passing that many packets the unit sends one marker beat
// whose row-number field is the count, then starts counting the next stream. A stream of 0 rows gets its
// marker at once. Packets are never split or reordered; the marker costs one cycle.
//
// lint-params: DATA_WIDTH=1024
// lint-params: DATA_WIDTH=512 ROW_BITS=40
// (the defaults, DATA_WIDTH=1024 ROW_BITS=48, are etl_top's instance: `python -m cosim.synth` measures them)

`resetall
`timescale 1ns / 1ps
`default_nettype none

module stream_end_marker #(
    // Width of tdata in bits (>= 64: the marker uses words 0 and 1)
    parameter DATA_WIDTH = 1024,
    // Width of the row-number field (<= 48)
    parameter ROW_BITS   = 48
) (
    input  wire                  clk,
    input  wire                  rst,

    input  wire [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,

    // data rows per stream, in stream order
    input  wire [ROW_BITS-1:0]   s_axis_cnt_tdata,
    input  wire                  s_axis_cnt_tvalid,
    output wire                  s_axis_cnt_tready,

    output wire [DATA_WIDTH-1:0] m_axis_tdata,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready,
    output wire                  m_axis_tlast
);

initial begin
    if (DATA_WIDTH < 64 || ROW_BITS < 1 || ROW_BITS > 48) begin
        $error("Error: DATA_WIDTH must be >= 64 and ROW_BITS in 1..48 (instance %m)");
        $finish;
    end
end

reg  [ROW_BITS-1:0] packets_reg;   // packets of the current stream passed so far
wire                stream_done = s_axis_cnt_tvalid && packets_reg == s_axis_cnt_tdata;

// output register stage (registered outputs; ready into the unit is combinational from it, like
// axis_register REG_TYPE=1: put a skid buffer after it if the path is long)
reg [DATA_WIDTH-1:0] out_data_reg;
reg                  out_valid_reg;
reg                  out_last_reg;
wire                 out_free = !out_valid_reg || m_axis_tready;

assign m_axis_tdata  = out_data_reg;
assign m_axis_tvalid = out_valid_reg;
assign m_axis_tlast  = out_last_reg;

// pass records only while the current stream still has rows to come
assign s_axis_tready     = out_free && !stream_done;
assign s_axis_cnt_tready = out_free && stream_done;

wire [47:0]           cnt48  = {{(48 - ROW_BITS){1'b0}}, s_axis_cnt_tdata};

always @(posedge clk) begin
    if (out_free) out_valid_reg <= 1'b0;
    if (out_free && stream_done) begin
        // word 1 = {5'b0, eos, popular 0, tombstone 0, reason 0, row[47:32]}, word 0 = row[31:0] (built only
        // when sent: no DATA_WIDTH-bit constant is evaluated per cycle in simulation)
        out_data_reg  <= {{(DATA_WIDTH - 64){1'b0}}, 5'd0, 1'b1, 10'd0, cnt48[47:32], cnt48[31:0]};
        out_valid_reg <= 1'b1;
        out_last_reg  <= 1'b1;
        packets_reg   <= {ROW_BITS{1'b0}};
    end else if (s_axis_tvalid && s_axis_tready) begin
        out_data_reg  <= s_axis_tdata;
        out_valid_reg <= 1'b1;
        out_last_reg  <= s_axis_tlast;
        if (s_axis_tlast) packets_reg <= packets_reg + 1'b1;
    end
    if (rst) begin
        out_valid_reg <= 1'b0;
        packets_reg   <= {ROW_BITS{1'b0}};
    end
end

endmodule

`resetall
