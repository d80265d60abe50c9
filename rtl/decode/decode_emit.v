// SPDX-License-Identifier: Apache-2.0
// Sluice decode, stage 5 of the wide decoder (docs/spec/decode_rtl.md "Lanes"): one record lane.
// Holds the values of ROW_SLOTS rows in 32 column banks (bank b = columns b and b + 32, one write port
// each: LUTRAM) and the headers of finished rows in a small FIFO, and sends each row as a DecodedRecord
// (docs/formats/records.md): the header beat, then ceil(n_columns / 8) value beats of 8 columns (null
// columns and columns past the last are 0), or the header beat alone for a tombstone. One beat per
// cycle through an output skid buffer; a row's store slot is freed after its last beat.
//
// lint-params: ROW_SLOTS=2
// synth-params: ROW_SLOTS=4

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_emit #(
    // rows the store holds (power of two)
    parameter ROW_SLOTS = 4,
    // width of a row-slot index (derived; do not override)
    parameter SW        = (ROW_SLOTS > 1) ? $clog2(ROW_SLOTS) : 1
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [6:0]       cfg_n_columns,

    // store writes (decode_assemble): bank b gets st_data[64b +: 64] at row slot st_slot, half st_half[b]
    input  wire [31:0]      st_we,
    input  wire [31:0]      st_half,
    input  wire [SW-1:0]    st_slot,
    input  wire [2047:0]    st_data,

    // finished rows: {slot, null mask 64, tombstone, reason 8, row 48}
    input  wire             hd_valid,
    input  wire [SW+120:0]  hd_data,
    output wire             hd_free,

    // DecodedRecord stream
    output wire [511:0]     m_axis_tdata,
    output wire [63:0]      m_axis_tkeep,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire             m_axis_tlast,
    output wire [0:0]       m_axis_tuser
);

localparam HW = SW + 121;

wire [6:0] n_cols = (cfg_n_columns == 7'd0) ? 7'd1 : (cfg_n_columns > 7'd64 ? 7'd64 : cfg_n_columns);
wire [3:0] n_vbeats = n_cols[6:3] + {3'd0, n_cols[2:0] != 3'd0};   // ceil(n_cols / 8), 1..8
reg  [63:0] col_mask;
always @(posedge clk) col_mask <= (n_cols == 7'd64) ? {64{1'b1}} : ((64'd1 << n_cols) - 64'd1);

// ---------------------------------------------------------------- value store: 32 column banks
wire [SW:0]    rd_addr;           // {slot, half}
wire [2047:0]  rd_data;
genvar b;
generate
    for (b = 0; b < 32; b = b + 1) begin : g_bank
        reg [63:0] mem [0:2*ROW_SLOTS-1];
        always @(posedge clk) begin
            if (st_we[b]) mem[{st_slot, st_half[b]}] <= st_data[64*b +: 64];
        end
        assign rd_data[64*b +: 64] = mem[rd_addr];
    end
endgenerate

// ---------------------------------------------------------------- header FIFO
reg  [HW-1:0]  hq [0:ROW_SLOTS-1];
reg  [SW:0]    hq_wr, hq_rd;
wire           hq_empty = hq_wr == hq_rd;
always @(posedge clk) begin
    if (hd_valid) begin
        hq[hq_wr[SW-1:0]] <= hd_data;
        hq_wr <= hq_wr + 1'b1;
    end
    if (rst) hq_wr <= {(SW+1){1'b0}};
end
wire [HW-1:0]  head    = hq[hq_rd[SW-1:0]];
wire [47:0]    h_row   = head[47:0];
wire [7:0]     h_rsn   = head[55:48];
wire           h_tomb  = head[56];
wire [63:0]    h_null  = head[120:57];
wire [SW-1:0]  h_slot  = head[HW-1 -: SW];

// ---------------------------------------------------------------- emitter
reg  [3:0]     beat;              // 0 = header, 1.. = value beats
wire           out_ready;
wire           last_beat = h_tomb || beat == n_vbeats;
wire           send      = !hq_empty && out_ready;
wire [1:0]     quarter   = beat[1:0] - 2'd1;               // value beat v uses banks 8*((v-1) mod 4) ..
assign rd_addr = {h_slot, beat > 4'd4};

function [511:0] value_beat;
    input [2047:0] banks;
    input [1:0]    q;
    input [7:0]    keep;   // columns of the beat that carry a value
    integer        s;
    reg   [511:0]  v;
    begin
        v = banks[512*q +: 512];
        for (s = 0; s < 8; s = s + 1) value_beat[64*s +: 64] = keep[s] ? v[64*s +: 64] : 64'd0;
    end
endfunction

wire [63:0]    keepcols = col_mask & ~h_null;
wire [7:0]     beat_keep = keepcols[8*(beat - 4'd1) +: 8];
wire [511:0]   beat_data = (beat == 4'd0) ? {384'd0, h_null, 7'd0, h_tomb, h_rsn, h_row}
                                          : value_beat(rd_data, quarter, beat_keep);

always @(posedge clk) begin
    if (send) begin
        if (last_beat) begin
            beat  <= 4'd0;
            hq_rd <= hq_rd + 1'b1;
        end else begin
            beat  <= beat + 4'd1;
        end
    end
    if (rst) begin
        beat  <= 4'd0;
        hq_rd <= {(SW+1){1'b0}};
    end
end
assign hd_free = send && last_beat;

axis_register #(
    .DATA_WIDTH(512), .KEEP_ENABLE(1), .KEEP_WIDTH(64), .LAST_ENABLE(1), .USER_ENABLE(1), .USER_WIDTH(1), .REG_TYPE(2)
) u_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata(beat_data), .s_axis_tkeep({64{1'b1}}), .s_axis_tvalid(!hq_empty), .s_axis_tready(out_ready),
    .s_axis_tlast(last_beat), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast), .m_axis_tuser(m_axis_tuser)
);

endmodule

`resetall
