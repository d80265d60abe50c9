// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: the binary search of one hot-set table of a hotset_table bank (docs/spec/idstage_rtl.md,
// semantics: docs/spec/sparse.md "Hot set", models/hotset.py HotSet.lookup).
//
// The sorted ids A[0..n-1] (n = cfg_count) with their slots: A[0] in a register, A[m*2^(k+1) + 2^k] in
// level s = LOG-1-k's memory at address m (2^s entries of {slot, id}). stage_go[i] says that the bank's
// stage i takes a lookup this cycle (stage 0: the input, q = s_q; then one stage per level, two for the
// levels of SYNC_LEVEL_ENTRIES entries and more: a synchronous read, then the compare). m_hit / m_slot
// are valid NSTAGE cycles after the query, when the bank's last stage is valid.
//
// Load: wr_commit && wr_here writes wr_entry = {slot, id} as sorted entry wr_index (between streams).
//
// lint-params: CAPACITY=2 NSTAGE=2
// lint-params: CAPACITY=64 NSTAGE=9
// lint-params: CAPACITY=1024 SYNC_LEVEL_ENTRIES=64 NSTAGE=15

`resetall
`timescale 1ns / 1ps
`default_nettype none

module hotset_search #(
    // Hot ids (power of two >= 2)
    parameter CAPACITY           = 16,
    // Levels with at least this many entries read a synchronous RAM (2 cycles per level)
    parameter SYNC_LEVEL_ENTRIES = 16,
    // Pipeline stages of the bank: 1 + LOG + synchronous levels (checked)
    parameter NSTAGE             = 5,
    // Slot / index width (derived; do not override)
    parameter LOG                = $clog2(CAPACITY),
    // Width of cfg_count: 0..CAPACITY (derived; do not override)
    parameter COUNT_WIDTH        = $clog2(CAPACITY + 1)
) (
    input  wire                   clk,

    input  wire                   wr_commit,
    input  wire                   wr_here,
    input  wire [LOG-1:0]         wr_index,
    input  wire [64+LOG-1:0]      wr_entry,
    input  wire [COUNT_WIDTH-1:0] cfg_count,

    input  wire [NSTAGE-1:0]      stage_go,   // stage i takes a lookup this cycle (0: the input stage)
    input  wire [63:0]            s_q,

    output wire                   m_hit,
    output wire [LOG-1:0]         m_slot
);

// inline into the bank, so that the tables' stage tests share one branch in simulation
/* verilator inline_module */

localparam EW = 64 + LOG;  // level memory entry: {slot, id}

function automatic integer n_sync(input integer lg, input integer min_entries);
    integer i;
    begin
        n_sync = 0;
        for (i = 0; i < lg; i = i + 1)
            if ((1 << i) >= min_entries) n_sync = n_sync + 1;
    end
endfunction

// stage index of level s's result
function automatic integer out_stage(input integer lv);
    begin
        out_stage = 1 + lv + n_sync(lv + 1, SYNC_LEVEL_ENTRIES);
    end
endfunction

initial begin
    if (CAPACITY < 2 || (CAPACITY & (CAPACITY - 1)) != 0 || COUNT_WIDTH != LOG + 1
            || NSTAGE != 1 + LOG + n_sync(LOG, SYNC_LEVEL_ENTRIES)) begin
        $error("Error: CAPACITY a power of two >= 2, NSTAGE = 1 + LOG + synchronous levels (instance %m)");
        $finish;
    end
end

// A[probe] <= q, from 32-bit halves (a macro, not a function: no per-call temporaries in simulation)
`define HOTSET_LE64(a, q) (((a[63:32]) < (q[63:32])) || (((a[63:32]) == (q[63:32])) && ((a[31:0]) <= (q[31:0]))))


genvar s;

// input stage: A[0] checked here (position 0)
reg [EW-1:0]          a0_reg;
reg [63:0]            k0_reg;
reg [COUNT_WIDTH-1:0] n0_reg;
reg                   m0_reg;
reg [LOG-1:0]         sl0_reg;

always @(posedge clk) begin
    if (wr_commit) begin
        if (wr_here && wr_index == {LOG{1'b0}}) a0_reg <= wr_entry;
    end
end

always @(posedge clk) begin
    if (stage_go[0]) begin
        k0_reg  <= s_q;
        n0_reg  <= cfg_count;
        m0_reg  <= (cfg_count != {COUNT_WIDTH{1'b0}})
                   && (a0_reg[63:0] == s_q);
        sl0_reg <= a0_reg[64 +: LOG];
    end
end

generate
// Every level keeps its search state leaving it ({key, n, position, match, slot}) in its own
// registers, read by the next level.
for (s = 0; s < LOG; s = s + 1) begin : gen_level
    localparam K    = LOG - 1 - s;          // position bit decided here
    localparam AW   = (s > 0) ? s : 1;      // memory address width
    localparam SYNC = (1 << s) >= SYNC_LEVEL_ENTRIES;
    localparam SO   = out_stage(s);         // stage index of this level's result
    localparam [LOG-1:0] BIT = 1 << K;
    wire [AW-1:0] wr_addr;
    wire          lv_here;
    // search state entering the level
    wire [63:0]            in_k;
    wire [COUNT_WIDTH-1:0] in_n;
    wire [LOG-1:0]         in_pos;
    wire                   in_m;
    wire [LOG-1:0]         in_sl;
    wire [AW-1:0]          rd_addr;
    // search state leaving the level
    reg [63:0]             k_reg;
    reg [COUNT_WIDTH-1:0]  n_reg;
    reg [LOG-1:0]          pos_reg;
    reg                    m_reg;
    reg [LOG-1:0]          sl_reg;

    // entries of this level: index bit K set, bits below K clear
    if (K > 0) begin : gen_low
        assign lv_here = wr_index[K] && (wr_index[K-1:0] == {K{1'b0}});
    end else begin : gen_low0
        assign lv_here = wr_index[0];
    end
    if (s > 0) begin : gen_in
        assign wr_addr = wr_index[LOG-1:K+1];
        assign in_k    = gen_level[s-1].k_reg;
        assign in_n    = gen_level[s-1].n_reg;
        assign in_pos  = gen_level[s-1].pos_reg;
        assign in_m    = gen_level[s-1].m_reg;
        assign in_sl   = gen_level[s-1].sl_reg;
        assign rd_addr = gen_level[s-1].pos_reg[LOG-1:K+1];
    end else begin : gen_in0
        assign wr_addr = 1'b0;
        assign in_k    = k0_reg;
        assign in_n    = n0_reg;
        assign in_pos  = {LOG{1'b0}};
        assign in_m    = m0_reg;
        assign in_sl   = sl0_reg;
        assign rd_addr = 1'b0;
    end

    // Loads happen between streams only (no lookup reads a level while it is written), so the writes
    // below are blocking ones: the same RAM for synthesis, and no per-cycle commit flag in simulation
    // (26 tables x 12 levels of them in the product id stage).
    if (!SYNC) begin : gen_async
        // LUTRAM read and compare in one cycle
        (* ram_style = "distributed" *) reg [EW-1:0] mem [0:(1 << s) - 1];
        /* verilator lint_off BLKSEQ */
        always @(posedge clk) begin
            if (wr_commit) begin
                if (wr_here && lv_here) mem[wr_addr] = wr_entry;
            end
        end
        /* verilator lint_on BLKSEQ */
        always @(posedge clk) begin
            if (stage_go[SO]) begin
                k_reg <= in_k;
                n_reg <= in_n;
                if (({1'b0, in_pos | BIT} < in_n) && `HOTSET_LE64(mem[rd_addr], in_k)) begin
                    pos_reg <= in_pos | BIT;
                    m_reg   <= (mem[rd_addr][63:32] == in_k[63:32]) && (mem[rd_addr][31:0] == in_k[31:0]);
                    sl_reg  <= mem[rd_addr][64 +: LOG];
                end else begin
                    pos_reg <= in_pos;
                    m_reg   <= in_m;
                    sl_reg  <= in_sl;
                end
            end
        end
    end else begin : gen_sync
        // synchronous read (block RAM) in the first cycle, compare in the second
        (* ram_style = "block" *) reg [EW-1:0] mem [0:(1 << s) - 1];
        /* verilator lint_off BLKSEQ */
        always @(posedge clk) begin
            if (wr_commit) begin
                if (wr_here && lv_here) mem[wr_addr] = wr_entry;
            end
        end
        /* verilator lint_on BLKSEQ */
        reg [EW-1:0]          rd_reg;
        reg [63:0]            r_k_reg;
        reg [COUNT_WIDTH-1:0] r_n_reg;
        reg [LOG-1:0]         r_pos_reg;
        reg                   r_m_reg, r_in_reg;
        reg [LOG-1:0]         r_sl_reg;
        always @(posedge clk) begin
            if (stage_go[SO-1]) begin
                rd_reg    <= mem[rd_addr];
                r_k_reg   <= in_k;
                r_n_reg   <= in_n;
                r_pos_reg <= in_pos;
                r_m_reg   <= in_m;
                r_sl_reg  <= in_sl;
                r_in_reg  <= {1'b0, in_pos | BIT} < in_n;
            end
        end
        always @(posedge clk) begin
            if (stage_go[SO]) begin
                k_reg <= r_k_reg;
                n_reg <= r_n_reg;
                if (r_in_reg && `HOTSET_LE64(rd_reg, r_k_reg)) begin
                    pos_reg <= r_pos_reg | BIT;
                    m_reg   <= (rd_reg[63:32] == r_k_reg[63:32]) && (rd_reg[31:0] == r_k_reg[31:0]);
                    sl_reg  <= rd_reg[64 +: LOG];
                end else begin
                    pos_reg <= r_pos_reg;
                    m_reg   <= r_m_reg;
                    sl_reg  <= r_sl_reg;
                end
            end
        end
    end
end

assign m_hit = gen_level[LOG-1].m_reg;
assign m_slot = gen_level[LOG-1].sl_reg;
wire [COUNT_WIDTH-1:0] unused_n   = gen_level[LOG-1].n_reg;
wire [LOG-1:0]         unused_pos = gen_level[LOG-1].pos_reg;
wire [63:0]            unused_key = gen_level[LOG-1].k_reg;
endgenerate

endmodule

`undef HOTSET_LE64
`resetall
