// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: one hot-set table (docs/spec/sparse.md "Hot set", golden model
// models/hotset.py HotSet.lookup; docs/spec/idstage_rtl.md).
//
// Structure: the host loads the hot ids as an array A[0..n-1] sorted ascending (unsigned
// 64-bit), each with its slot (its position in the hot set); cfg_count = n (0..CAPACITY).
// The lookup is a pipelined binary search for the largest i < n with A[i] <= q: level s
// (s = 0 .. LOG-1) tests bit k = LOG-1-s of the position, i.e. the entries A[m*2^(k+1) + 2^k],
// which live in level s's own memory (2^s entries, address = the s position bits already
// decided); A[0] is a register. Every entry is stored once (CAPACITY entries in total), and the
// table-port index i (the sorted position) goes to level LOG-1-ctz(i) (A[0]: the register). The
// id is hot iff A[i] == q for that i; the result is its slot.
//
// Every level's decision is registered, and its memory is addressed from registers only:
//   levels with fewer than SYNC_LEVEL_ENTRIES entries: one cycle (LUTRAM, asynchronous read, then
//     the compare);
//   larger levels: two cycles (a synchronous read into the RAM's output, block RAM; then the
//     compare), so no path runs from one level's compare into the next level's RAM.
// The 64-bit A <= q compare is split into 32-bit halves that run side by side.
// Latency LATENCY = 1 + LOG + (levels with >= SYNC_LEVEL_ENTRIES entries) cycles (7 for
// CAPACITY = 64, 18 for 4096), one lookup per cycle, no back-pressure. Every stage loads only
// when its valid bit is set. Loading is done between streams (the search reads the memories while
// they are written otherwise).
//
// lint-params: CAPACITY=2
// lint-params: CAPACITY=64
// lint-params: CAPACITY=1024 SYNC_LEVEL_ENTRIES=64
// synth-params: CAPACITY=4096

`resetall
`timescale 1ns / 1ps
`default_nettype none

module hotset_table #(
    // Hot ids per table (power of two >= 2)
    parameter CAPACITY           = 16,
    // Levels with at least this many entries read a synchronous RAM (block RAM, 2 cycles per level)
    parameter SYNC_LEVEL_ENTRIES = 128,
    // Slot / index width (derived; do not override)
    parameter LOG                = $clog2(CAPACITY),
    // Width of cfg_count: 0..CAPACITY (derived; do not override)
    parameter COUNT_WIDTH        = $clog2(CAPACITY + 1)
) (
    input  wire                   clk,
    input  wire                   rst,

    // load port: word 0 = id[31:0], 1 = id[63:32], 2 = slot of sorted entry wr_index
    input  wire                   wr_en,
    input  wire [LOG-1:0]         wr_index,
    input  wire [1:0]             wr_word,
    input  wire [31:0]            wr_data,
    input  wire [COUNT_WIDTH-1:0] cfg_count,

    input  wire                   s_valid,
    input  wire [63:0]            s_q,

    output wire                   m_valid,
    output wire                   m_hit,
    output wire [LOG-1:0]         m_slot
);

initial begin
    if (CAPACITY < 2 || (CAPACITY & (CAPACITY - 1)) != 0 || COUNT_WIDTH != LOG + 1) begin
        $error("Error: CAPACITY must be a power of two >= 2 (instance %m)");
        $finish;
    end
end

// A[0]
reg [31:0]    a0_lo_reg, a0_hi_reg;
reg [LOG-1:0] a0_slot_reg;

always @(posedge clk) begin
    if (wr_en && wr_index == {LOG{1'b0}}) begin
        if (wr_word == 2'd0) a0_lo_reg <= wr_data;
        if (wr_word == 2'd1) a0_hi_reg <= wr_data;
        if (wr_word == 2'd2) a0_slot_reg <= wr_data[LOG-1:0];
    end
end

// search state entering level s (index s) and leaving the last level (index LOG)
reg                   q_valid_reg [0:LOG];
reg [63:0]            q_key_reg   [0:LOG];
reg [COUNT_WIDTH-1:0] q_n_reg     [0:LOG];
reg [LOG-1:0]         q_pos_reg   [0:LOG];
reg                   q_match_reg [0:LOG];
reg [LOG-1:0]         q_slot_reg  [0:LOG];

always @(posedge clk) begin
    q_valid_reg[0] <= s_valid;
    if (s_valid) begin
        q_key_reg[0]   <= s_q;
        q_n_reg[0]     <= cfg_count;
        q_pos_reg[0]   <= {LOG{1'b0}};
        q_match_reg[0] <= (cfg_count != {COUNT_WIDTH{1'b0}}) && ({a0_hi_reg, a0_lo_reg} == s_q);
        q_slot_reg[0]  <= a0_slot_reg;
    end
    if (rst) q_valid_reg[0] <= 1'b0;
end

// A[probe] <= q, from 32-bit halves
function automatic le64(input [31:0] a_hi, input [31:0] a_lo, input [63:0] q);
    le64 = (a_hi < q[63:32]) || ((a_hi == q[63:32]) && (a_lo <= q[31:0]));
endfunction

genvar s;
generate
for (s = 0; s < LOG; s = s + 1) begin : gen_level
    localparam K  = LOG - 1 - s;          // position bit decided here
    localparam AW = (s > 0) ? s : 1;      // memory address width
    reg [31:0]    lo_mem   [0:(1 << s) - 1];
    reg [31:0]    hi_mem   [0:(1 << s) - 1];
    reg [LOG-1:0] slot_mem [0:(1 << s) - 1];
    wire [AW-1:0] wr_addr;
    wire          wr_here;

    // entries of this level: index bit K set, bits below K clear
    if (K > 0) begin : gen_low
        assign wr_here = wr_index[K] && (wr_index[K-1:0] == {K{1'b0}});
    end else begin : gen_low0
        assign wr_here = wr_index[0];
    end
    if (s > 0) begin : gen_waddr
        assign wr_addr = wr_index[LOG-1:K+1];
    end else begin : gen_waddr0
        assign wr_addr = 1'b0;
    end

    always @(posedge clk) begin
        if (wr_en && wr_here) begin
            if (wr_word == 2'd0) lo_mem[wr_addr] <= wr_data;
            if (wr_word == 2'd1) hi_mem[wr_addr] <= wr_data;
            if (wr_word == 2'd2) slot_mem[wr_addr] <= wr_data[LOG-1:0];
        end
    end

    if ((1 << s) < SYNC_LEVEL_ENTRIES) begin : gen_async
        // LUTRAM read and compare in one cycle
        wire [AW-1:0] rd_addr;
        if (s > 0) begin : gen_raddr
            assign rd_addr = q_pos_reg[s][LOG-1:K+1];
        end else begin : gen_raddr0
            assign rd_addr = 1'b0;
        end
        always @(posedge clk) begin : step
            reg [LOG-1:0] probe;
            reg [31:0]    a_lo, a_hi;
            reg           acc;
            q_valid_reg[s+1] <= q_valid_reg[s];
            if (q_valid_reg[s]) begin
                probe = q_pos_reg[s] | ({{(LOG-1){1'b0}}, 1'b1} << K);
                a_lo  = lo_mem[rd_addr];
                a_hi  = hi_mem[rd_addr];
                acc   = ({1'b0, probe} < q_n_reg[s]) && le64(a_hi, a_lo, q_key_reg[s]);
                q_key_reg[s+1]   <= q_key_reg[s];
                q_n_reg[s+1]     <= q_n_reg[s];
                q_pos_reg[s+1]   <= acc ? probe : q_pos_reg[s];
                q_match_reg[s+1] <= acc ? ({a_hi, a_lo} == q_key_reg[s]) : q_match_reg[s];
                q_slot_reg[s+1]  <= acc ? slot_mem[rd_addr] : q_slot_reg[s];
            end
            if (rst) q_valid_reg[s+1] <= 1'b0;
        end
    end else begin : gen_sync
        // synchronous read (block RAM) in the first cycle, compare in the second
        reg                   r_valid_reg;
        reg [63:0]            r_key_reg;
        reg [COUNT_WIDTH-1:0] r_n_reg;
        reg [LOG-1:0]         r_pos_reg;
        reg                   r_match_reg, r_in_reg;
        reg [LOG-1:0]         r_slot_reg;
        reg [31:0]            r_lo_reg, r_hi_reg;
        reg [LOG-1:0]         r_dslot_reg;
        always @(posedge clk) begin : step
            reg [LOG-1:0] probe;
            reg           acc;
            r_valid_reg <= q_valid_reg[s];
            if (q_valid_reg[s]) begin
                probe = q_pos_reg[s] | ({{(LOG-1){1'b0}}, 1'b1} << K);
                r_lo_reg    <= lo_mem[q_pos_reg[s][LOG-1:K+1]];
                r_hi_reg    <= hi_mem[q_pos_reg[s][LOG-1:K+1]];
                r_dslot_reg <= slot_mem[q_pos_reg[s][LOG-1:K+1]];
                r_key_reg   <= q_key_reg[s];
                r_n_reg     <= q_n_reg[s];
                r_pos_reg   <= q_pos_reg[s];
                r_match_reg <= q_match_reg[s];
                r_slot_reg  <= q_slot_reg[s];
                r_in_reg    <= {1'b0, probe} < q_n_reg[s];
            end
            q_valid_reg[s+1] <= r_valid_reg;
            if (r_valid_reg) begin
                acc = r_in_reg && le64(r_hi_reg, r_lo_reg, r_key_reg);
                q_key_reg[s+1]   <= r_key_reg;
                q_n_reg[s+1]     <= r_n_reg;
                q_pos_reg[s+1]   <= acc ? (r_pos_reg | ({{(LOG-1){1'b0}}, 1'b1} << K)) : r_pos_reg;
                q_match_reg[s+1] <= acc ? ({r_hi_reg, r_lo_reg} == r_key_reg) : r_match_reg;
                q_slot_reg[s+1]  <= acc ? r_dslot_reg : r_slot_reg;
            end
            if (rst) begin
                r_valid_reg      <= 1'b0;
                q_valid_reg[s+1] <= 1'b0;
            end
        end
    end
end
endgenerate

wire [COUNT_WIDTH-1:0] unused_n   = q_n_reg[LOG];
wire [LOG-1:0]         unused_pos = q_pos_reg[LOG];
wire [63:0]            unused_key = q_key_reg[LOG];

assign m_valid = q_valid_reg[LOG];
assign m_hit   = q_match_reg[LOG];
assign m_slot  = q_slot_reg[LOG];

endmodule

`resetall
