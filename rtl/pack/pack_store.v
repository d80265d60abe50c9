// SPDX-License-Identifier: Apache-2.0
// Sluice pack engine: one banked store of the row buffer (docs/spec/pack_rtl.md "Row store").
//
// MEMS simple dual-port memories of DEPTH words x WIDTH bits, each with its own write enable, write
// address and read address (one write and one read per memory per cycle). The read is synchronous
// (data in rd_data the cycle after rd_en) and shared by all memories: rd_en loads every memory's output
// register, so the store costs nothing in simulation while it is not read. pack_engine instantiates three:
// labels (16 x 32 bits, block RAM), dense items (16 x 32 bits, block RAM) and sparse ids (16 x 64 bits,
// UltraRAM).
//
// lint-params: MEMS=16 WIDTH=64 DEPTH=12288 RAM_STYLE=2
// synth-params: MEMS=16 WIDTH=64 DEPTH=12288 RAM_STYLE=2
// synth-params: MEMS=16 WIDTH=32 DEPTH=4096 RAM_STYLE=1

`resetall
`timescale 1ns / 1ps
`default_nettype none

module pack_store #(
    // memories (banks), each with its own addresses
    parameter MEMS       = 2,
    // bits per word
    parameter WIDTH      = 32,
    // words per memory (need not be a power of two)
    parameter DEPTH      = 4,
    // 0 = let the synthesiser choose, 1 = block RAM, 2 = UltraRAM (ram_style attribute)
    parameter RAM_STYLE  = 0,
    // address bits (derived; do not override)
    parameter ADDR_WIDTH = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
    input  wire                       clk,

    input  wire [MEMS-1:0]            wr_en,
    input  wire [MEMS*ADDR_WIDTH-1:0] wr_addr,
    input  wire [MEMS*WIDTH-1:0]      wr_data,

    input  wire                       rd_en,
    input  wire [MEMS*ADDR_WIDTH-1:0] rd_addr,
    output wire [MEMS*WIDTH-1:0]      rd_data
);

initial begin
    if (MEMS < 1 || WIDTH < 1 || DEPTH < 2) begin
        $error("Error: MEMS and WIDTH must be >= 1 and DEPTH >= 2 (instance %m)");
        $finish;
    end
    if (RAM_STYLE < 0 || RAM_STYLE > 2) begin
        $error("Error: RAM_STYLE must be 0, 1 or 2 (instance %m)");
        $finish;
    end
end

genvar m;
generate
    for (m = 0; m < MEMS; m = m + 1) begin : gen_mem
        reg [WIDTH-1:0] rd_reg;
        if (RAM_STYLE == 2) begin : gen_ultra
            (* ram_style = "ultra" *)
            reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (wr_en[m]) mem[wr_addr[ADDR_WIDTH*m +: ADDR_WIDTH]] <= wr_data[WIDTH*m +: WIDTH];
                if (rd_en) rd_reg <= mem[rd_addr[ADDR_WIDTH*m +: ADDR_WIDTH]];
            end
        end else if (RAM_STYLE == 1) begin : gen_block
            (* ram_style = "block" *)
            reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (wr_en[m]) mem[wr_addr[ADDR_WIDTH*m +: ADDR_WIDTH]] <= wr_data[WIDTH*m +: WIDTH];
                if (rd_en) rd_reg <= mem[rd_addr[ADDR_WIDTH*m +: ADDR_WIDTH]];
            end
        end else begin : gen_auto
            reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (wr_en[m]) mem[wr_addr[ADDR_WIDTH*m +: ADDR_WIDTH]] <= wr_data[WIDTH*m +: WIDTH];
                if (rd_en) rd_reg <= mem[rd_addr[ADDR_WIDTH*m +: ADDR_WIDTH]];
            end
        end
        assign rd_data[WIDTH*m +: WIDTH] = rd_reg;
    end
endgenerate

endmodule

`resetall
