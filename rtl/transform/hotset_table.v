// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: TABLES hot-set tables searched in lockstep (docs/spec/sparse.md "Hot set", golden
// model models/hotset.py HotSet.lookup; docs/spec/idstage_rtl.md).
//
// Structure of one table: the host loads the hot ids as an array A[0..n-1] sorted ascending (unsigned
// 64-bit), each with its slot (its position in the hot set); cfg_count = n (0..CAPACITY). The lookup
// is a pipelined binary search for the largest i < n with A[i] <= q: level s (s = 0 .. LOG-1) tests
// bit k = LOG-1-s of the position, i.e. the entries A[m*2^(k+1) + 2^k], which live in level s's own
// memory (2^s entries of {id, slot}, address = the s position bits already decided); A[0] is a
// register. Every entry is stored once (CAPACITY entries per table), and the load-port index i (the
// sorted position) goes to level LOG-1-ctz(i) (A[0]: the register). The id is hot iff A[i] == q for
// that i; the result is its slot.
//
// Every level's decision is registered, and its memory is addressed from registers only:
//   levels with fewer than SYNC_LEVEL_ENTRIES (16) entries: one cycle (LUTRAM, asynchronous read,
//     then the compare);
//   larger levels: two cycles (a synchronous read, block RAM; then the compare), so no path runs from
//     one level's compare into the next level's RAM. (Block RAM from 16 entries on: LUTRAM for the
//     levels of 16..64 entries would cost 26 x 184 LUTs in the product id stage.)
// The 64-bit A <= q compare is split into 32-bit halves that run side by side.
//
// All TABLES tables take their queries in the same cycle (s_valid, s_q[64*t +: 64]) and answer
// together (m_valid, m_hit[t], m_slot[LOG*t +: LOG]) after LATENCY = 1 + LOG + (levels with >=
// SYNC_LEVEL_ENTRIES entries) cycles (9 for CAPACITY = 64, 21 for 4096); one lookup per cycle, no
// back-pressure. The tables share one valid bit per pipeline stage, and every stage register loads
// only when that bit is set.
//
// Load port (between streams; the search reads the memories while they are written otherwise):
// wr_word 0 = id[31:0], 1 = id[63:32], 2 = slot of sorted entry wr_index of table wr_table. Words 0 and
// 1 are held in a staging register; word 2 writes the whole entry, so write words 0, 1, 2 in that
// order (host_runtime.csr_image.idstage.hot_table_words does, in address order).
//
// synth-flags: -hier
// lint-params: CAPACITY=2
// lint-params: CAPACITY=64 TABLES=3
// lint-params: CAPACITY=1024 SYNC_LEVEL_ENTRIES=64 TABLES=2
// synth-params: CAPACITY=4096 TABLES=26

`resetall
`timescale 1ns / 1ps
`default_nettype none

module hotset_table #(
    // Hot ids per table (power of two >= 2)
    parameter CAPACITY           = 16,
    // Tables searched in lockstep (>= 1)
    parameter TABLES             = 1,
    // Levels with at least this many entries read a synchronous RAM (block RAM, 2 cycles per level)
    parameter SYNC_LEVEL_ENTRIES = 16,
    // Slot / index width (derived; do not override)
    parameter LOG                = $clog2(CAPACITY),
    // Width of cfg_count: 0..CAPACITY (derived; do not override)
    parameter COUNT_WIDTH        = $clog2(CAPACITY + 1),
    // Width of wr_table (derived; do not override)
    parameter TABLE_WIDTH        = (TABLES > 1) ? $clog2(TABLES) : 1
) (
    input  wire                          clk,
    input  wire                          rst,

    // load port: word 0 = id[31:0], 1 = id[63:32], 2 = slot (writes the entry) of sorted entry wr_index
    input  wire                          wr_en,
    input  wire [TABLE_WIDTH-1:0]        wr_table,
    input  wire [LOG-1:0]                wr_index,
    input  wire [1:0]                    wr_word,
    input  wire [31:0]                   wr_data,
    input  wire [TABLES*COUNT_WIDTH-1:0] cfg_count,

    input  wire                          s_valid,
    input  wire [TABLES*64-1:0]          s_q,

    output wire                          m_valid,
    output wire [TABLES-1:0]             m_hit,
    output wire [TABLES*LOG-1:0]         m_slot
);

localparam EW = 64 + LOG;  // level memory entry: {slot, id}

// stages: index 0 = the input stage, then one per level (two for the synchronous ones)
function automatic integer n_sync(input integer lg, input integer min_entries);
    integer i;
    begin
        n_sync = 0;
        for (i = 0; i < lg; i = i + 1)
            if ((1 << i) >= min_entries) n_sync = n_sync + 1;
    end
endfunction
localparam NSTAGE = 1 + LOG + n_sync(LOG, SYNC_LEVEL_ENTRIES);

initial begin
    if (CAPACITY < 2 || (CAPACITY & (CAPACITY - 1)) != 0 || COUNT_WIDTH != LOG + 1) begin
        $error("Error: CAPACITY must be a power of two >= 2 (instance %m)");
        $finish;
    end
    if (TABLES < 1 || TABLE_WIDTH != ((TABLES > 1) ? $clog2(TABLES) : 1)) begin
        $error("Error: TABLES must be >= 1; do not override TABLE_WIDTH (instance %m)");
        $finish;
    end
end

// ------------------------------------------------------------------ shared valid pipeline
// sv_reg[i]: stage i holds a lookup (stage 0 = the input stage)
reg [NSTAGE-1:0] sv_reg;

always @(posedge clk) begin
    sv_reg <= {sv_reg[NSTAGE-2:0], s_valid};
    if (rst) sv_reg <= {NSTAGE{1'b0}};
end

// ------------------------------------------------------------------ load staging (words 0, 1)
reg [63:0] stage_id_reg;

always @(posedge clk) begin
    if (wr_en && wr_word == 2'd0) stage_id_reg[31:0]  <= wr_data;
    if (wr_en && wr_word == 2'd1) stage_id_reg[63:32] <= wr_data;
end

wire          commit = wr_en && wr_word == 2'd2;
wire [EW-1:0] commit_entry = {wr_data[LOG-1:0], stage_id_reg};

genvar gt;
generate
for (gt = 0; gt < TABLES; gt = gt + 1) begin : gen_table
    hotset_search #(
        .CAPACITY(CAPACITY), .SYNC_LEVEL_ENTRIES(SYNC_LEVEL_ENTRIES), .NSTAGE(NSTAGE)
    ) search_inst (
        .clk(clk),
        .wr_commit(commit),
        .wr_here(wr_table == gt),
        .wr_index(wr_index),
        .wr_entry(commit_entry),
        .cfg_count(cfg_count[COUNT_WIDTH*gt +: COUNT_WIDTH]),
        .stage_go({sv_reg[NSTAGE-2:0], s_valid}),
        .s_q(s_q[64*gt +: 64]),
        .m_hit(m_hit[gt]),
        .m_slot(m_slot[LOG*gt +: LOG])
    );
end
endgenerate

assign m_valid = sv_reg[NSTAGE-1];

endmodule

`resetall
