// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: bucketize an int32 against run-time boundaries,
// numpy.searchsorted(b, x, side="right") = #{j < len : b_j <= x}
// (docs/spec/numerics.md section 1, models.dense_ops.bucketize / bucketize_compare).
//
// NUM_TABLES boundary tables of up to MAX_BOUNDS int32 boundaries each (non-decreasing,
// duplicates allowed and each counted, as searchsorted does; validated by the host).
// Each operand selects its table; the feature's table id comes from the PE.
//
//   stage 1: register x and the table id
//   stage 2: one signed comparator per boundary slot, masked by j < len   (MAX_BOUNDS bits)
//   stage 3: popcount -> int32 bucket id 0 .. len
// Latency 3 cycles, one result per cycle; global stall (ce = m_ready | ~m_valid).
//
// Configuration (write while no operand is in flight): cfg_we writes boundary cfg_addr
// of table cfg_table; cfg_len_we sets that table's length (1 .. MAX_BOUNDS).
// The tables are configuration registers and are not reset.
//
// lint-params: NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_TABLES=3 MAX_BOUNDS=64 TAG_WIDTH=8
// synth-params: NUM_TABLES=1 MAX_BOUNDS=64

`resetall
`timescale 1ns / 1ps
`default_nettype none

module bucketize #(
    // Number of boundary tables (bucketized features served by this unit), >= 1
    parameter NUM_TABLES = 2,
    // Boundary slots per table, 1 .. 64
    parameter MAX_BOUNDS = 16,
    // Width of the sideband tag carried alongside each operand (>= 1)
    parameter TAG_WIDTH  = 1,
    // Width of a table id (derived; do not override)
    parameter TABLE_WIDTH = (NUM_TABLES > 1) ? $clog2(NUM_TABLES) : 1
) (
    input  wire                   clk,
    input  wire                   rst,

    // configuration
    input  wire                   cfg_we,
    input  wire                   cfg_len_we,
    input  wire [TABLE_WIDTH-1:0] cfg_table,
    input  wire [5:0]             cfg_addr,
    input  wire [31:0]            cfg_data,
    input  wire [6:0]             cfg_len,

    // operand: int32 x and its table id
    input  wire [31:0]            s_x,
    input  wire [TABLE_WIDTH-1:0] s_table,
    input  wire [TAG_WIDTH-1:0]   s_tag,
    input  wire                   s_valid,
    output wire                   s_ready,

    // result: bucket id (int32, 0 .. len)
    output wire [31:0]            m_bucket,
    output wire [TAG_WIDTH-1:0]   m_tag,
    output wire                   m_valid,
    input  wire                   m_ready
);

localparam STAGES = 3;

initial begin
    if (NUM_TABLES < 1 || MAX_BOUNDS < 1 || MAX_BOUNDS > 64 || TAG_WIDTH < 1) begin
        $error("Error: bucketize needs NUM_TABLES >= 1, 1 <= MAX_BOUNDS <= 64 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

reg [31:0] bnd_reg [0:NUM_TABLES*MAX_BOUNDS-1];
reg [6:0]  len_reg [0:NUM_TABLES-1];

reg [STAGES-1:0] valid_reg;
reg [TAG_WIDTH-1:0] tag_reg [0:STAGES-1];
reg [31:0]            s1_x_reg;
reg [TABLE_WIDTH-1:0] s1_t_reg;
reg [MAX_BOUNDS-1:0]  s2_hit_reg;
reg [6:0]             s3_cnt_reg;

wire [MAX_BOUNDS-1:0] s2_hit;
wire [6:0] s1_len = len_reg[s1_t_reg];

genvar j;
generate
    for (j = 0; j < MAX_BOUNDS; j = j + 1) begin : gen_cmp
        localparam [6:0] J = j;
        wire signed [31:0] b = bnd_reg[s1_t_reg * MAX_BOUNDS + j];
        assign s2_hit[j] = (J < s1_len) && (b <= $signed(s1_x_reg));
    end
endgenerate

function [6:0] popcount;
    input [MAX_BOUNDS-1:0] v;
    integer i;
    begin
        popcount = 7'd0;
        for (i = 0; i < MAX_BOUNDS; i = i + 1)
            popcount = popcount + {6'd0, v[i]};
    end
endfunction

wire cfg_table_ok = {{(32-TABLE_WIDTH){1'b0}}, cfg_table} < NUM_TABLES;

always @(posedge clk) begin
    if (cfg_we && {26'd0, cfg_addr} < MAX_BOUNDS && cfg_table_ok)
        bnd_reg[cfg_table * MAX_BOUNDS + {26'd0, cfg_addr}] <= cfg_data;
    if (cfg_len_we && cfg_table_ok)
        len_reg[cfg_table] <= cfg_len;
end

integer k;
always @(posedge clk) begin
    if (ce) begin
        valid_reg <= {valid_reg[STAGES-2:0], s_valid};
        tag_reg[0] <= s_tag;
        for (k = 1; k < STAGES; k = k + 1) tag_reg[k] <= tag_reg[k-1];
        s1_x_reg <= s_x;
        s1_t_reg <= s_table;
        s2_hit_reg <= s2_hit;
        s3_cnt_reg <= popcount(s2_hit_reg);
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

assign m_bucket = {25'd0, s3_cnt_reg};
assign m_tag    = tag_reg[STAGES-1];
assign m_valid  = valid_reg[STAGES-1];

endmodule

`resetall
