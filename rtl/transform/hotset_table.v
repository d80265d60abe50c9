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
//   levels with fewer than SYNC_LEVEL_ENTRIES entries: one cycle (LUTRAM, asynchronous read, then
//     the compare);
//   larger levels: two cycles (a synchronous read, block RAM; then the compare), so no path runs from
//     one level's compare into the next level's RAM.
// The 64-bit A <= q compare is split into 32-bit halves that run side by side.
//
// All TABLES tables take their queries in the same cycle (s_valid, s_q[64*t +: 64]) and answer
// together (m_valid, m_hit[t], m_slot[LOG*t +: LOG]) after LATENCY = 1 + LOG + (levels with >=
// SYNC_LEVEL_ENTRIES entries) cycles (7 for CAPACITY = 64, 18 for 4096); one lookup per cycle, no
// back-pressure. The tables share one valid bit per pipeline stage, and every stage register loads
// only when that bit is set.
//
// Load port (between streams; the search reads the memories while they are written otherwise):
// wr_word 0 = id[31:0], 1 = id[63:32], 2 = slot of sorted entry wr_index of table wr_table. Words 0 and
// 1 are held in a staging register; word 2 writes the whole entry, so write words 0, 1, 2 in that
// order (host_runtime.csr_image.idstage.hot_table_words does, in address order).
//
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
    parameter SYNC_LEVEL_ENTRIES = 128,
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

// A[probe] <= q, from 32-bit halves (a macro, not a function: no per-call temporaries in simulation)
`define HOTSET_LE64(a, q) (((a[63:32]) < (q[63:32])) || (((a[63:32]) == (q[63:32])) && ((a[31:0]) <= (q[31:0]))))

// stage index of level s's output (stage index of its input = that - 1 - (sync ? 1 : 0))
function automatic integer out_stage(input integer lv);
    begin
        out_stage = 1 + lv + n_sync(lv + 1, SYNC_LEVEL_ENTRIES);
    end
endfunction

genvar gt, s;
generate
for (gt = 0; gt < TABLES; gt = gt + 1) begin : gen_table
    wire here = wr_table == gt;

    // input stage: A[0] checked here (position 0)
    reg [EW-1:0]          a0_reg;
    reg [63:0]            k0_reg;
    reg [COUNT_WIDTH-1:0] n0_reg;
    reg                   m0_reg;
    reg [LOG-1:0]         sl0_reg;

    always @(posedge clk) begin
        if (commit) begin
            if (here && wr_index == {LOG{1'b0}}) a0_reg <= commit_entry;
        end
    end

    always @(posedge clk) begin
        if (s_valid) begin
            k0_reg  <= s_q[64*gt +: 64];
            n0_reg  <= cfg_count[COUNT_WIDTH*gt +: COUNT_WIDTH];
            m0_reg  <= (cfg_count[COUNT_WIDTH*gt +: COUNT_WIDTH] != {COUNT_WIDTH{1'b0}})
                       && (a0_reg[63:0] == s_q[64*gt +: 64]);
            sl0_reg <= a0_reg[64 +: LOG];
        end
    end

    // Every level keeps its search state leaving it ({key, n, position, match, slot}) in its own
    // registers, read by the next level.
    for (s = 0; s < LOG; s = s + 1) begin : gen_level
        localparam K    = LOG - 1 - s;          // position bit decided here
        localparam AW   = (s > 0) ? s : 1;      // memory address width
        localparam SYNC = (1 << s) >= SYNC_LEVEL_ENTRIES;
        localparam SO   = out_stage(s);         // stage index of this level's result
        localparam [LOG-1:0] BIT = 1 << K;
        reg [EW-1:0] mem [0:(1 << s) - 1];
        wire [AW-1:0] wr_addr;
        wire          wr_here;
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
            assign wr_here = wr_index[K] && (wr_index[K-1:0] == {K{1'b0}});
        end else begin : gen_low0
            assign wr_here = wr_index[0];
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

        // Loads happen between streams only (no lookup reads a level while it is written), so the write
        // is a blocking one: the same RAM for synthesis, and no per-cycle commit flag in simulation
        // (26 tables x 12 levels of them in the product id stage).
        /* verilator lint_off BLKSEQ */
        always @(posedge clk) begin
            if (commit) begin
                if (here && wr_here) mem[wr_addr] = commit_entry;
            end
        end
        /* verilator lint_on BLKSEQ */

        if (!SYNC) begin : gen_async
            // LUTRAM read and compare in one cycle
            always @(posedge clk) begin
                if (sv_reg[SO-1]) begin
                    k_reg <= in_k;
                    n_reg <= in_n;
                    if (({1'b0, in_pos | BIT} < in_n) && `HOTSET_LE64(mem[rd_addr], in_k)) begin
                        pos_reg <= in_pos | BIT;
                        m_reg   <= mem[rd_addr][63:0] == in_k;
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
            reg [EW-1:0]          rd_reg;
            reg [63:0]            r_k_reg;
            reg [COUNT_WIDTH-1:0] r_n_reg;
            reg [LOG-1:0]         r_pos_reg;
            reg                   r_m_reg, r_in_reg;
            reg [LOG-1:0]         r_sl_reg;
            always @(posedge clk) begin
                if (sv_reg[SO-2]) begin
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
                if (sv_reg[SO-1]) begin
                    k_reg <= r_k_reg;
                    n_reg <= r_n_reg;
                    if (r_in_reg && `HOTSET_LE64(rd_reg, r_k_reg)) begin
                        pos_reg <= r_pos_reg | BIT;
                        m_reg   <= rd_reg[63:0] == r_k_reg;
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

    assign m_hit[gt] = gen_level[LOG-1].m_reg;
    assign m_slot[LOG*gt +: LOG] = gen_level[LOG-1].sl_reg;
    wire [COUNT_WIDTH-1:0] unused_n   = gen_level[LOG-1].n_reg;
    wire [LOG-1:0]         unused_pos = gen_level[LOG-1].pos_reg;
    wire [63:0]            unused_key = gen_level[LOG-1].k_reg;
end
endgenerate

assign m_valid = sv_reg[NSTAGE-1];

endmodule

`undef HOTSET_LE64
`resetall
