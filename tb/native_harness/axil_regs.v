// SPDX-License-Identifier: Apache-2.0
// Test-only AXI-Lite register file for the native harness tests (tb/native_harness).
//
// N_REGS 32-bit registers at byte addresses 4*i; WSTRB honoured; an access outside
// the file answers SLVERR (2) and reads 0xDEADBEEF. Write address and data are taken
// together (one transfer in flight); ready outputs are registered.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axil_regs #(
    // Number of 32-bit registers (power of two, 2..256)
    parameter N_REGS = 8
) (
    input  wire                    clk,
    input  wire                    rst,

    input  wire [11:0]             s_axil_awaddr,
    input  wire [2:0]              s_axil_awprot,
    input  wire                    s_axil_awvalid,
    output wire                    s_axil_awready,
    input  wire [31:0]             s_axil_wdata,
    input  wire [3:0]              s_axil_wstrb,
    input  wire                    s_axil_wvalid,
    output wire                    s_axil_wready,
    output wire [1:0]              s_axil_bresp,
    output wire                    s_axil_bvalid,
    input  wire                    s_axil_bready,
    input  wire [11:0]             s_axil_araddr,
    input  wire [2:0]              s_axil_arprot,
    input  wire                    s_axil_arvalid,
    output wire                    s_axil_arready,
    output wire [31:0]             s_axil_rdata,
    output wire [1:0]              s_axil_rresp,
    output wire                    s_axil_rvalid,
    input  wire                    s_axil_rready,

    output wire [32*N_REGS-1:0]    regs,        // all registers, register i at [32i+31:32i]
    output wire [31:0]             write_count  // completed writes since reset
);

localparam AW = $clog2(N_REGS);

initial begin
    if (N_REGS < 2 || N_REGS > 256 || (N_REGS & (N_REGS - 1)) != 0) begin
        $error("Error: N_REGS must be a power of two in 2..256 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_awaddr[1:0], s_axil_araddr[1:0]};

reg [31:0] mem_reg [0:N_REGS-1];
reg        awready_reg, wready_reg, bvalid_reg, arready_reg, rvalid_reg;
reg [1:0]  bresp_reg, rresp_reg;
reg [31:0] rdata_reg, count_reg;

wire         wr_go = s_axil_awvalid && s_axil_wvalid && !awready_reg && !bvalid_reg;
wire         wr_in = (s_axil_awaddr[11:2] < N_REGS);
wire [AW-1:0] wr_idx = s_axil_awaddr[AW+1:2];
wire         rd_go = s_axil_arvalid && !arready_reg && !rvalid_reg;
wire         rd_in = (s_axil_araddr[11:2] < N_REGS);
wire [AW-1:0] rd_idx = s_axil_araddr[AW+1:2];

integer b;
always @(posedge clk) begin
    awready_reg <= 1'b0;
    wready_reg <= 1'b0;
    arready_reg <= 1'b0;
    if (bvalid_reg && s_axil_bready) bvalid_reg <= 1'b0;
    if (rvalid_reg && s_axil_rready) rvalid_reg <= 1'b0;
    if (wr_go) begin
        awready_reg <= 1'b1;
        wready_reg <= 1'b1;
        bvalid_reg <= 1'b1;
        bresp_reg <= wr_in ? 2'b00 : 2'b10;
        count_reg <= count_reg + 32'd1;
        if (wr_in)
            for (b = 0; b < 4; b = b + 1)
                if (s_axil_wstrb[b]) mem_reg[wr_idx][8*b +: 8] <= s_axil_wdata[8*b +: 8];
    end
    if (rd_go) begin
        arready_reg <= 1'b1;
        rvalid_reg <= 1'b1;
        rresp_reg <= rd_in ? 2'b00 : 2'b10;
        rdata_reg <= rd_in ? mem_reg[rd_idx] : 32'hDEADBEEF;
    end
    if (rst) begin
        awready_reg <= 1'b0;
        wready_reg <= 1'b0;
        bvalid_reg <= 1'b0;
        arready_reg <= 1'b0;
        rvalid_reg <= 1'b0;
        count_reg <= 32'd0;
    end
end

assign s_axil_awready = awready_reg;
assign s_axil_wready = wready_reg;
assign s_axil_bvalid = bvalid_reg;
assign s_axil_bresp = bresp_reg;
assign s_axil_arready = arready_reg;
assign s_axil_rvalid = rvalid_reg;
assign s_axil_rresp = rresp_reg;
assign s_axil_rdata = rdata_reg;
assign write_count = count_reg;

genvar g;
generate
    for (g = 0; g < N_REGS; g = g + 1) begin : gen_regs
        assign regs[32*g +: 32] = mem_reg[g];
    end
endgenerate

endmodule

`resetall
