// SPDX-License-Identifier: Apache-2.0
// Sluice transform unit: bucketize an int32 against run-time boundaries,
// numpy.searchsorted(b, x, side="right") = #{j < len : b_j <= x}
// (docs/spec/numerics.md section 1, models.dense_ops.bucketize / bucketize_compare).
//
// NUM_TABLES boundary tables of up to MAX_BOUNDS int32 boundaries each (non-decreasing,
// duplicates allowed and each counted, as searchsorted does; the host validates the order).
// Each operand selects its table; the feature's table id comes from the PE.
//
// Pipelined binary search (one registered probe per stage, no parallel comparators):
// with P = 2^LOGP >= MAX_BOUNDS, slot j is "in" when j < len and b_j <= x; the slots in
// form a prefix (sorted table), so the answer is the length of that prefix, found by
//   stage 1:      register x, the table id and the table's length
//   stage 2:      top = slot P-1 in;  probe slot P/2 - 1           (pos = P/2 when in)
//   stage 1+s:    probe slot pos + P/2^s - 1                        (pos += P/2^s when in)
//   result:       top ? P : pos                                     (0 .. len)
// The slots probed by stage s are stored in their own RAM (2^(s-1) words per table, written
// through the config port, read asynchronously by one probe per cycle: LUTRAM), so the whole
// table costs one copy of its words and each stage one 32-bit comparator.
// Latency 1 + max(LOGP, 1) cycles (7 for MAX_BOUNDS = 64), one result per cycle; global stall
// (ce = m_ready | ~m_valid); the stage registers load only for valid operands.
//
// Configuration (write while no operand is in flight): cfg_we writes boundary cfg_addr
// of table cfg_table; cfg_len_we sets that table's length (1 .. MAX_BOUNDS; larger values
// act as MAX_BOUNDS). The tables are configuration memories and are not reset.
//
// lint-params: NUM_TABLES=1 MAX_BOUNDS=1 TAG_WIDTH=1
// lint-params: NUM_TABLES=3 MAX_BOUNDS=64 TAG_WIDTH=8
// lint-params: NUM_TABLES=2 MAX_BOUNDS=5 TAG_WIDTH=2
// synth-params: NUM_TABLES=8 MAX_BOUNDS=64 TAG_WIDTH=8

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

// P = 2^LOGP slots searched (>= MAX_BOUNDS); SS compare stages (the top slot needs one even when P = 1)
localparam LOGP   = (MAX_BOUNDS > 1) ? $clog2(MAX_BOUNDS) : 0;
localparam P      = 1 << LOGP;
localparam SS     = (LOGP > 0) ? LOGP : 1;
localparam STAGES = 1 + SS;
localparam PW     = (LOGP > 0) ? LOGP : 1;   // width of pos
localparam [6:0] MAXB = MAX_BOUNDS[6:0];

initial begin
    if (NUM_TABLES < 1 || MAX_BOUNDS < 1 || MAX_BOUNDS > 64 || TAG_WIDTH < 1) begin
        $error("Error: bucketize needs NUM_TABLES >= 1, 1 <= MAX_BOUNDS <= 64 (instance %m)");
        $finish;
    end
end

wire ce = m_ready | ~m_valid;
assign s_ready = ce;

// ---------------------------------------------------------------- configuration
wire       cfg_table_ok = {{(32-TABLE_WIDTH){1'b0}}, cfg_table} < NUM_TABLES;
wire       cfg_ok = cfg_we && cfg_table_ok && ({1'b0, cfg_addr} < MAXB);
wire [6:0] cfg_j  = {1'b0, cfg_addr} + 7'd1;              // slot number + 1: 1 .. P
wire [6:0] cfg_l  = (cfg_len > MAXB) ? MAXB : cfg_len;

reg [6:0]  len_mem [0:NUM_TABLES-1];
reg [31:0] top_mem [0:NUM_TABLES-1];                        // slot P - 1

// The tables are written with blocking assignments: they change only while no operand is in flight
// (the interface contract), so no read of the same clock edge can see the write early, and a write costs
// nothing on the other clock edges in simulation (a non-blocking memory write keeps a pending-write flag
// that the simulator clears and tests on every edge). The BLKSEQ style warning (lint) is waived for the
// table writes.
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (cfg_len_we && cfg_table_ok) len_mem[cfg_table] = cfg_l;
    if (cfg_ok && cfg_j == P) top_mem[cfg_table] = cfg_data;
end
/* verilator lint_on BLKSEQ */

// ---------------------------------------------------------------- stage 1: operand and table length
reg [STAGES:1]        valid_reg;
wire                  busy = s_valid || (|valid_reg);    // the stages are skipped while the pipeline is empty
reg [TAG_WIDTH-1:0]   tag1_reg;
reg [31:0]            x1_reg;
reg [TABLE_WIDTH-1:0] t1_reg;
reg [6:0]             len1_reg;

always @(posedge clk) begin
    if (busy && ce) begin
        valid_reg <= {valid_reg[STAGES-1:1], s_valid};
        if (s_valid) begin
            tag1_reg <= s_tag;
            x1_reg <= s_x;
            t1_reg <= s_table;
            len1_reg <= len_mem[s_table];
        end
    end
    if (rst) valid_reg <= {STAGES{1'b0}};
end

// ---------------------------------------------------------------- compare stages
// gen_stage[s] reads stage s+1's registers (stage 1's or gen_stage[s-1]'s) and holds stage s+2's
genvar s;
generate
    for (s = 0; s < SS; s = s + 1) begin : gen_stage
        localparam integer SH   = (LOGP > 0) ? LOGP - 1 - s : 0;  // bit of pos this stage decides
        localparam integer AW   = TABLE_WIDTH + s;                  // word address: {table, pos[LOGP-1 -: s]}
        localparam [6:0]   STEP = (LOGP > 0) ? (7'd1 << SH) : 7'd0;
        // this stage's inputs
        wire [TAG_WIDTH-1:0]   tag_i;
        wire [31:0]            x_i;
        wire [TABLE_WIDTH-1:0] t_i;
        wire [6:0]             len_i;
        wire [PW-1:0]          pos_i;
        // its registers (x, table and length only where a later stage reads them)
        reg  [TAG_WIDTH-1:0]   tag_q;
        reg  [PW-1:0]          pos_q;
        reg                    top_q;
        if (s == 0) begin : gen_first
            assign tag_i = tag1_reg;
            assign x_i   = x1_reg;
            assign t_i   = t1_reg;
            assign len_i = len1_reg;
            assign pos_i = {PW{1'b0}};
        end else begin : gen_next
            assign tag_i = gen_stage[s-1].tag_q;
            assign x_i   = gen_stage[s-1].gen_fwd.x_q;
            assign t_i   = gen_stage[s-1].gen_fwd.t_q;
            assign len_i = gen_stage[s-1].gen_fwd.len_q;
            assign pos_i = gen_stage[s-1].pos_q;
        end
        // this stage's probe: slot pos + STEP - 1 is in (j < len and b_j <= x)
        wire [6:0] idx = {{(7-PW){1'b0}}, pos_i} + STEP - 7'd1;
        if (LOGP > 0) begin : gen_mem
            (* ram_style = "distributed" *)           // LUTRAM: the probe reads it asynchronously
            reg [31:0] mem [0:(1<<AW)-1];              // NUM_TABLES * 2^s words used
            wire [AW-1:0] waddr;
            wire [AW-1:0] raddr;
            // slot cfg_j - 1 is probed here when the lowest set bit of cfg_j is bit SH (slot P - 1: top_mem)
            wire mine = cfg_j[SH] && ((cfg_j & ((7'd1 << SH) - 7'd1)) == 7'd0) && cfg_j != P;
            if (s == 0) begin : gen_a0
                assign waddr = cfg_table;
                assign raddr = t_i;
            end else begin : gen_an
                assign waddr = {cfg_table, cfg_j[LOGP-1 -: s]};
                assign raddr = {t_i, pos_i[LOGP-1 -: s]};
            end
            /* verilator lint_off BLKSEQ */
            always @(posedge clk) begin
                if (cfg_ok && mine) mem[waddr] = cfg_data;               // see the table writes above
            end
            /* verilator lint_on BLKSEQ */
            always @(posedge clk) begin
                if (busy && ce && valid_reg[s+1])
                    pos_q <= pos_i | (((idx < len_i) && ($signed(mem[raddr]) <= $signed(x_i))) ? STEP[PW-1:0] : {PW{1'b0}});
            end
        end else begin : gen_nomem
            always @(posedge clk) begin
                if (busy && ce && valid_reg[s+1]) pos_q <= {PW{1'b0}};
            end
            wire unused_t = &{1'b0, t_i, idx, x_i, len_i};
        end
        always @(posedge clk) begin
            if (busy && ce && valid_reg[s+1]) begin
                tag_q <= tag_i;
                if (s == 0) top_q <= (len1_reg >= P) && ($signed(top_mem[t1_reg]) <= $signed(x1_reg));
                else        top_q <= gen_stage[(s > 0) ? s-1 : 0].top_q;
            end
        end
        if (s < SS - 1) begin : gen_fwd
            reg [31:0]            x_q;
            reg [TABLE_WIDTH-1:0] t_q;
            reg [6:0]             len_q;
            always @(posedge clk) begin
                if (busy && ce && valid_reg[s+1]) begin
                    x_q <= x_i;
                    t_q <= t_i;
                    len_q <= len_i;
                end
            end
        end
    end
endgenerate

// P when the top slot is in (then every slot is), else the length of the prefix found
wire [PW-1:0] pos_last = gen_stage[SS-1].pos_q;
wire [6:0] bucket = gen_stage[SS-1].top_q ? P[6:0] : ((LOGP > 0) ? {{(7-PW){1'b0}}, pos_last} : 7'd0);

assign m_bucket = {25'd0, bucket};
assign m_tag    = gen_stage[SS-1].tag_q;
assign m_valid  = valid_reg[STAGES];

endmodule

`resetall
