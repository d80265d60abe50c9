// SPDX-License-Identifier: Apache-2.0
// Test top for the native harness (tests/cosim/test_native_harness.py): an AXI-Lite
// register file, an axis_fifo between s_axis and m_axis, and wide plain ports.
//
// - status_regs:   the register file contents (8 x 32 bits)
// - status_writes: completed AXI-Lite writes
// - status_wide:   cfg_wide + 1, registered (a 100-bit port: widths > 64 and not a byte multiple)
// - status_beats:  beats taken on s_axis since reset

`resetall
`timescale 1ns / 1ps
`default_nettype none

module native_harness_top #(
    // Stream width in bytes (both sides)
    parameter BYTES = 8,
    // FIFO depth in beats (power of two)
    parameter DEPTH = 16
) (
    input  wire                 clk,
    input  wire                 rst,

    input  wire [8*BYTES-1:0]   s_axis_tdata,
    input  wire [BYTES-1:0]     s_axis_tkeep,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    input  wire                 s_axis_tlast,
    input  wire [0:0]           s_axis_tuser,

    output wire [8*BYTES-1:0]   m_axis_tdata,
    output wire [BYTES-1:0]     m_axis_tkeep,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready,
    output wire                 m_axis_tlast,
    output wire [0:0]           m_axis_tuser,

    input  wire [11:0]          s_axil_awaddr,
    input  wire [2:0]           s_axil_awprot,
    input  wire                 s_axil_awvalid,
    output wire                 s_axil_awready,
    input  wire [31:0]          s_axil_wdata,
    input  wire [3:0]           s_axil_wstrb,
    input  wire                 s_axil_wvalid,
    output wire                 s_axil_wready,
    output wire [1:0]           s_axil_bresp,
    output wire                 s_axil_bvalid,
    input  wire                 s_axil_bready,
    input  wire [11:0]          s_axil_araddr,
    input  wire [2:0]           s_axil_arprot,
    input  wire                 s_axil_arvalid,
    output wire                 s_axil_arready,
    output wire [31:0]          s_axil_rdata,
    output wire [1:0]           s_axil_rresp,
    output wire                 s_axil_rvalid,
    input  wire                 s_axil_rready,

    input  wire [99:0]          cfg_wide,
    output wire [99:0]          status_wide,
    output wire [255:0]         status_regs,
    output wire [31:0]          status_writes,
    output wire [31:0]          status_beats
);

reg [99:0] wide_reg;
wire [$clog2(DEPTH):0] unused_level, unused_hwm;
reg [31:0] beats_reg;

always @(posedge clk) begin
    wide_reg <= cfg_wide + 100'd1;
    if (s_axis_tvalid && s_axis_tready) beats_reg <= beats_reg + 32'd1;
    if (rst) beats_reg <= 32'd0;
end

assign status_wide = wide_reg;
assign status_beats = beats_reg;

axis_fifo #(
    .DEPTH(DEPTH),
    .DATA_WIDTH(8 * BYTES),
    .KEEP_ENABLE(1),
    .KEEP_WIDTH(BYTES),
    .LAST_ENABLE(1),
    .USER_ENABLE(1),
    .USER_WIDTH(1),
    .STATUS_ENABLE(0)
) fifo (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tkeep(s_axis_tkeep),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .s_axis_tuser(s_axis_tuser),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tkeep(m_axis_tkeep),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tuser(m_axis_tuser),
    .status_level(unused_level),
    .status_high_water(unused_hwm),
    .status_hwm_clear(1'b0)
);

axil_regs #(
    .N_REGS(8)
) regs_i (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axil_awaddr),
    .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata),
    .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr),
    .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata),
    .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .regs(status_regs),
    .write_count(status_writes)
);

endmodule

`resetall
