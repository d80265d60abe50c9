// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: one hot-set table (docs/spec/sparse.md "Hot set", golden model
// models/hotset.py HotSet.lookup).
//
// Structure: the host loads the hot ids as an array A[0..n-1] sorted ascending (unsigned
// 64-bit), each with its slot (its position in the hot set); cfg_count = n (0..CAPACITY).
// The lookup is a pipelined binary search for the largest i < n with A[i] <= q, one level
// per cycle: level s (s = 0 .. LOG-1) tests bit k = LOG-1-s of the position, i.e. the
// entries A[m*2^(k+1) + 2^k], which live in level s's own memory (2^s entries, address
// = the s position bits already decided); A[0] is a register. Every entry is stored once
// (CAPACITY entries in total), and the table-port index i (the sorted position) goes to
// level LOG-1-ctz(i) (A[0]: the register). The id is hot iff A[i] == q for that i; the
// result is its slot.
//
// Latency LATENCY = LOG + 1 cycles, one lookup per cycle, no back-pressure. Loading is done
// between streams (the search reads the memories while they are written otherwise).
//
// lint-params: CAPACITY=2
// lint-params: CAPACITY=64
// synth-flags: -noabc

`resetall
`timescale 1ns / 1ps
`default_nettype none

module hotset_table #(
    // Hot ids per table (power of two >= 2)
    parameter CAPACITY    = 16,
    // Slot / index width (derived; do not override)
    parameter LOG         = $clog2(CAPACITY),
    // Width of cfg_count: 0..CAPACITY (derived; do not override)
    parameter COUNT_WIDTH = $clog2(CAPACITY + 1)
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

// per level: request state and the entry read for it
reg                   q_valid_reg [0:LOG-1];
reg [63:0]            q_key_reg   [0:LOG-1];
reg [COUNT_WIDTH-1:0] q_n_reg     [0:LOG-1];
reg [LOG-1:0]         q_pos_reg   [0:LOG-1];
reg                   q_match_reg [0:LOG-1];
reg [LOG-1:0]         q_slot_reg  [0:LOG-1];
wire [63:0]           d_id        [0:LOG-1];
wire [LOG-1:0]        d_slot      [0:LOG-1];

// per level: the decision of that level (combinational)
wire [LOG-1:0] n_pos   [0:LOG-1];
wire           n_match [0:LOG-1];
wire [LOG-1:0] n_slot  [0:LOG-1];

reg           o_valid_reg;
reg           o_hit_reg;
reg [LOG-1:0] o_slot_reg;

wire wr_zero = (wr_index == {LOG{1'b0}});

always @(posedge clk) begin
    if (wr_en && wr_zero) begin
        if (wr_word == 2'd0) a0_lo_reg <= wr_data;
        if (wr_word == 2'd1) a0_hi_reg <= wr_data;
        if (wr_word == 2'd2) a0_slot_reg <= wr_data[LOG-1:0];
    end
end

genvar s;
generate
for (s = 0; s < LOG; s = s + 1) begin : gen_level
    localparam K  = LOG - 1 - s;          // position bit decided here
    localparam AW = (s > 0) ? s : 1;      // memory address width
    reg [31:0]    lo_mem   [0:(1 << s) - 1];
    reg [31:0]    hi_mem   [0:(1 << s) - 1];
    reg [LOG-1:0] slot_mem [0:(1 << s) - 1];
    reg [31:0]    lo_reg, hi_reg;
    reg [LOG-1:0] slot_rd_reg;
    wire [AW-1:0] rd_addr;
    wire [AW-1:0] wr_addr;
    wire          wr_here;

    // entries of this level: index bit K set, bits below K clear
    if (K > 0) begin : gen_low
        assign wr_here = wr_index[K] && (wr_index[K-1:0] == {K{1'b0}});
    end else begin : gen_low0
        assign wr_here = wr_index[0];
    end
    if (s > 0) begin : gen_addr
        assign wr_addr = wr_index[LOG-1:K+1];
        assign rd_addr = n_pos[s-1][LOG-1:K+1];
    end else begin : gen_addr0
        assign wr_addr = 1'b0;
        assign rd_addr = 1'b0;
    end

    always @(posedge clk) begin
        if (wr_en && wr_here) begin
            if (wr_word == 2'd0) lo_mem[wr_addr] <= wr_data;
            if (wr_word == 2'd1) hi_mem[wr_addr] <= wr_data;
            if (wr_word == 2'd2) slot_mem[wr_addr] <= wr_data[LOG-1:0];
        end
        lo_reg      <= lo_mem[rd_addr];
        hi_reg      <= hi_mem[rd_addr];
        slot_rd_reg <= slot_mem[rd_addr];
    end
    assign d_id[s]   = {hi_reg, lo_reg};
    assign d_slot[s] = slot_rd_reg;

    // decision: probe = pos | 2^K, accepted if it is a loaded entry and A[probe] <= q
    wire [LOG-1:0] probe = q_pos_reg[s] | ({{(LOG-1){1'b0}}, 1'b1} << K);
    wire accept = ({1'b0, probe} < q_n_reg[s]) && (d_id[s] <= q_key_reg[s]);
    assign n_pos[s]   = accept ? probe : q_pos_reg[s];
    assign n_match[s] = accept ? (d_id[s] == q_key_reg[s]) : q_match_reg[s];
    assign n_slot[s]  = accept ? d_slot[s] : q_slot_reg[s];

    always @(posedge clk) begin
        if (s == 0) begin
            q_valid_reg[s] <= s_valid;
            q_key_reg[s]   <= s_q;
            q_n_reg[s]     <= cfg_count;
            q_pos_reg[s]   <= {LOG{1'b0}};
            q_match_reg[s] <= (cfg_count != {COUNT_WIDTH{1'b0}}) && ({a0_hi_reg, a0_lo_reg} == s_q);
            q_slot_reg[s]  <= a0_slot_reg;
        end else begin
            q_valid_reg[s] <= q_valid_reg[s-1];
            q_key_reg[s]   <= q_key_reg[s-1];
            q_n_reg[s]     <= q_n_reg[s-1];
            q_pos_reg[s]   <= n_pos[s-1];
            q_match_reg[s] <= n_match[s-1];
            q_slot_reg[s]  <= n_slot[s-1];
        end
        if (rst) q_valid_reg[s] <= 1'b0;
    end
end
endgenerate

always @(posedge clk) begin
    o_valid_reg <= q_valid_reg[LOG-1];
    o_hit_reg   <= n_match[LOG-1];
    o_slot_reg  <= n_slot[LOG-1];
    if (rst) o_valid_reg <= 1'b0;
end

assign m_valid = o_valid_reg;
assign m_hit   = o_hit_reg;
assign m_slot  = o_slot_reg;

endmodule

`resetall
