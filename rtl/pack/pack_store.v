// SPDX-License-Identifier: Apache-2.0
// Sluice pack engine: the banked row store (docs/spec/pack_rtl.md "Row store").
//
// BANKS x 32 sub-memories of 32 bits. A row slot s lives in bank s mod BANKS;
// one write stores a whole 1024-bit record beat into the 32 word lanes of one
// bank at one address. Every sub-memory has its own read address, so one read
// cycle can fetch up to BANKS*32 words from different rows and word positions
// (registered read: data the cycle after the address). Simple dual port:
// one write and one read per sub-memory per cycle.
//
// lint-params: BANKS=16 ADDR_WIDTH=10

`resetall
`timescale 1ns / 1ps
`default_nettype none

module pack_store #(
    // banks (row slot mod BANKS); each bank holds 32 word lanes
    parameter BANKS      = 2,
    // address bits of one sub-memory (depth 2^ADDR_WIDTH words)
    parameter ADDR_WIDTH = 2
) (
    input  wire                            clk,

    input  wire                            wr_en,
    input  wire [$clog2(BANKS)-1:0]        wr_bank,
    input  wire [ADDR_WIDTH-1:0]           wr_addr,
    input  wire [1023:0]                   wr_data,

    // sub-memory i = bank * 32 + word lane; its address at [ADDR_WIDTH*i +: ADDR_WIDTH]
    input  wire [BANKS*32*ADDR_WIDTH-1:0]  rd_addr,
    output wire [BANKS*32*32-1:0]          rd_data
);

initial begin
    if (BANKS < 2 || (BANKS & (BANKS - 1)) != 0) begin
        $error("Error: BANKS must be a power of two >= 2 (instance %m)");
        $finish;
    end
    if (ADDR_WIDTH < 1) begin
        $error("Error: ADDR_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

genvar b, l;
generate
    for (b = 0; b < BANKS; b = b + 1) begin : gen_bank
        for (l = 0; l < 32; l = l + 1) begin : gen_lane
            reg [31:0] mem [0:(1 << ADDR_WIDTH)-1];
            reg [31:0] rd_reg;
            always @(posedge clk) begin
                if (wr_en && wr_bank == b) begin
                    mem[wr_addr] <= wr_data[32*l +: 32];
                end
                rd_reg <= mem[rd_addr[ADDR_WIDTH*(b*32+l) +: ADDR_WIDTH]];
            end
            assign rd_data[32*(b*32+l) +: 32] = rd_reg;
        end
    end
endgenerate

endmodule

`resetall
