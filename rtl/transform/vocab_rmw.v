// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: one vocabulary table of a vocab_table bank: its bucket RAM and read-modify-write
// pipeline (docs/spec/idstage_rtl.md; semantics: docs/spec/sparse.md "Vocabulary", models/vocab.py).
//
// The bank drives the stage enables (*_go: the stage holds a request of this table's slot; shared by
// the tables of one slot), the request's fields at s1 and the mode at the last stage:
//   edge R    s1_go: bucket word read (address = the low bits of s1_hash)           s1
//   edge R+1  s2_go: read data registered (the RAM's output register)                 s2
//   edge R+2  s3_go: way compares, count compares, count + 1                          s3
//   edge R+3  o_go:  updated word written back, m_id                                  o
// Requests come at least 2 cycles apart, so the previous request is at most 3 edges ahead and its
// write may land after this request's read: then (same bucket) the compare stage takes the word that
// request wrote (wr_word_mem) instead of the RAM data. One forwarding source suffices.
// s1_en = 0: the request passes without touching the RAM (m_id 0). Pass 1 (o_count): m_id 0.
//
// Clear: while clr_busy the bank sweeps clr_addr over every bucket (its occupancy written 0: the ways at
// or above the occupancy are never read, so their stale contents need no clearing); cmd_clear resets the
// id counter and the overflow counter.
//
// lint-params: BUCKETS=1 WAYS=1 COUNT_WIDTH=1 ID_WIDTH=2
// lint-params: BUCKETS=64 WAYS=4 COUNT_WIDTH=8 ID_WIDTH=9

`resetall
`timescale 1ns / 1ps
`default_nettype none

module vocab_rmw #(
    // Buckets (power of two >= 1)
    parameter BUCKETS     = 16,
    // Ways per bucket (>= 1)
    parameter WAYS        = 2,
    // Width of the saturating pass-1 counter and of cfg_threshold (>= 1)
    parameter COUNT_WIDTH = 8,
    // Width of an id (holds BUCKETS*WAYS + 1)
    parameter ID_WIDTH    = 6
) (
    input  wire                   clk,

    input  wire [COUNT_WIDTH-1:0] cfg_threshold,
    input  wire [COUNT_WIDTH-1:0] cfg_cap,          // max(threshold, 1)
    input  wire                   cmd_clear,        // reset the id and overflow counters
    input  wire                   clr_busy,         // sweep: write bucket clr_addr empty
    input  wire [((BUCKETS > 1) ? $clog2(BUCKETS) : 1)-1:0] clr_addr,

    input  wire                   s1_go,
    input  wire                   s1_en,
    input  wire [63:0]            s1_key,
    input  wire [63:0]            s1_hash,
    input  wire                   s2_go,
    input  wire                   s3_go,
    input  wire                   o_go,
    input  wire                   o_count,          // mode of the request at the last stage (1 = pass 1)

    output wire [ID_WIDTH-1:0]    m_id,
    output wire [31:0]            status_overflow,  // saturating at 2^32 - 1
    output wire [31:0]            status_assigned   // ids handed out (largest id = assigned + 1)
);

// inline into the bank, so that the tables' stage tests share one branch in simulation
/* verilator inline_module */

localparam BW    = (BUCKETS > 1) ? $clog2(BUCKETS) : 1;  // bucket index width
localparam OCCW  = $clog2(WAYS + 1);                     // occupancy 0..WAYS
localparam EW    = 64 + COUNT_WIDTH + ID_WIDTH;          // one way: {id, count, key}
localparam WORDW = OCCW + WAYS * EW;                     // bucket word: {ways..., occ}
localparam [ID_WIDTH-1:0] FIRST_ID = 2;

initial begin
    if (BUCKETS < 1 || (BUCKETS & (BUCKETS - 1)) != 0 || WAYS < 1 || COUNT_WIDTH < 1) begin
        $error("Error: BUCKETS a power of two >= 1, WAYS and COUNT_WIDTH >= 1 (instance %m)");
        $finish;
    end
    if (ID_WIDTH < $clog2(BUCKETS * WAYS + 2) || ID_WIDTH > 31) begin
        $error("Error: ID_WIDTH must hold BUCKETS*WAYS+1 and be <= 31 (instance %m)");
        $finish;
    end
end

reg [WORDW-1:0] mem [0:BUCKETS-1];

// s1: bucket word being read
reg             s1_en_reg, s1_fwd_reg;
reg [63:0]      s1_key_reg;
reg [BW-1:0]    s1_bucket_reg;
reg [WORDW-1:0] rd_reg;
// s2: the word read, registered
reg             s2_en_reg, s2_fwd_reg;
reg [63:0]      s2_key_reg;
reg [BW-1:0]    s2_bucket_reg;
reg [WORDW-1:0] rd2_reg;
// s3: compares
reg             s3_en_reg, s3_free_reg;
reg [63:0]      s3_key_reg;
reg [BW-1:0]    s3_bucket_reg;
reg [WORDW-1:0] s3_word_reg;
reg [WAYS-1:0]  s3_eq_reg, s3_lt_reg, s3_ge_reg, s3_iz_reg, s3_ins_reg;
reg [WAYS*COUNT_WIDTH-1:0] s3_inc_reg;
// last written word (forwarding source), result, counters
// (a one-entry memory rather than a register: the compare and write-back stages read and write it in a
// loop, and Verilator commits a memory write only when there is one, where a wide register would be
// copied to a shadow and back every cycle)
reg [WORDW-1:0]    wr_word_mem [0:0];
reg [ID_WIDTH-1:0] o_id_reg;
reg [ID_WIDTH-1:0] next_id_reg;
reg [31:0]         overflow_reg;

wire [BW-1:0] h_bucket = (BUCKETS > 1) ? s1_hash[BW-1:0] : {BW{1'b0}};
wire [63:0]   unused_hash = s1_hash;
// a write of this table not yet in the RAM at this edge: a request in s2 or s3 (at most one: requests
// >= 2 cycles apart); s3_go / o_go say that s2 / s3 hold a request
wire          pend_valid  = (s3_go && s2_en_reg) || (o_go && s3_en_reg);
wire [BW-1:0] pend_bucket = (s3_go && s2_en_reg) ? s2_bucket_reg : s3_bucket_reg;

// one always block per stage: no register is written and read in the same block
always @(posedge clk) begin
    // ---- s1: read
    if (s1_go) begin
        s1_en_reg <= s1_en;
        if (s1_en) begin  // a disabled table's stages only pass the enable on
            s1_key_reg    <= s1_key;
            s1_bucket_reg <= h_bucket;
            s1_fwd_reg    <= pend_valid && pend_bucket == h_bucket;
            rd_reg        <= mem[h_bucket];
        end
    end
end

always @(posedge clk) begin
    // ---- s2: RAM output register
    if (s2_go) begin
        s2_en_reg <= s1_en_reg;
        if (s1_en_reg) begin
            s2_key_reg    <= s1_key_reg;
            s2_bucket_reg <= s1_bucket_reg;
            s2_fwd_reg    <= s1_fwd_reg;
            rd2_reg       <= rd_reg;
        end
    end
end

always @(posedge clk) begin : cmp
    reg [WORDW-1:0]       cw;
    reg [OCCW-1:0]        occ;
    reg [COUNT_WIDTH-1:0] wc;
    integer w;
    // ---- s3: compares on the current bucket word
    if (s3_go) s3_en_reg <= s2_en_reg;
    if (s3_go && s2_en_reg) begin
        cw  = s2_fwd_reg ? wr_word_mem[0] : rd2_reg;
        occ = cw[OCCW-1:0];
        s3_key_reg    <= s2_key_reg;
        s3_bucket_reg <= s2_bucket_reg;
        s3_word_reg   <= cw;
        s3_free_reg   <= {{(32-OCCW){1'b0}}, occ} < WAYS;
        for (w = 0; w < WAYS; w = w + 1) begin
            wc = cw[OCCW + w*EW + 64 +: COUNT_WIDTH];
            s3_eq_reg[w]  <= (w < {{(32-OCCW){1'b0}}, occ}) && cw[OCCW + w*EW +: 64] == s2_key_reg;
            s3_lt_reg[w]  <= wc < cfg_cap;
            s3_ge_reg[w]  <= wc >= cfg_threshold;
            s3_iz_reg[w]  <= cw[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH] == {ID_WIDTH{1'b0}};
            s3_inc_reg[COUNT_WIDTH*w +: COUNT_WIDTH] <= wc + 1'b1;
            s3_ins_reg[w] <= {{(32-OCCW){1'b0}}, occ} == w;
        end
    end
end

always @(posedge clk) begin : upd
    reg [WORDW-1:0]    nw;
    reg [WAYS-1:0]     fh;        // first way holding the key (one-hot)
    reg                hit, asg;
    reg [ID_WIDTH-1:0] res;
    integer w;
    // ---- write back and result (and the clear sweep, through the same RAM write port: only the
    // occupancy needs clearing, ways at or above it are never read)
    if (o_go && !s3_en_reg) o_id_reg <= {ID_WIDTH{1'b0}};  // a disabled table answers 0
    if ((o_go && s3_en_reg) || clr_busy) begin
        hit = |s3_eq_reg;
        for (w = 0; w < WAYS; w = w + 1)
            fh[w] = s3_eq_reg[w] && ((s3_eq_reg & ((1 << w) - 1)) == {WAYS{1'b0}});
        asg = !o_count && |(fh & s3_ge_reg & s3_iz_reg);
        res = {{(ID_WIDTH-1){1'b0}}, 1'b1};  // rare / unknown
        for (w = 0; w < WAYS; w = w + 1)
            if (fh[w] && s3_ge_reg[w])
                res = s3_iz_reg[w] ? next_id_reg : s3_word_reg[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH];
        nw = s3_word_reg;
        for (w = 0; w < WAYS; w = w + 1) begin
            if (s3_ins_reg[w]) begin
                // the way at the occupancy is beyond the stored ones: always (over)write it with the key as
                // a new entry; it counts only if the occupancy grows below
                nw[OCCW + w*EW +: EW] = {{ID_WIDTH{1'b0}}, {{(COUNT_WIDTH-1){1'b0}}, 1'b1}, s3_key_reg};
            end else begin
                if (fh[w] && o_count && s3_lt_reg[w])
                    nw[OCCW + w*EW + 64 +: COUNT_WIDTH] = s3_inc_reg[COUNT_WIDTH*w +: COUNT_WIDTH];
                if (fh[w] && !o_count && s3_ge_reg[w] && s3_iz_reg[w])
                    nw[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH] = next_id_reg;
            end
        end
        if (o_count && !hit && s3_free_reg) nw[OCCW-1:0] = s3_word_reg[OCCW-1:0] + 1'b1;
        if (o_go) begin
            o_id_reg <= o_count ? {ID_WIDTH{1'b0}} : res;  // pass 1: no result
            wr_word_mem[0] <= nw;
            if (asg) next_id_reg <= next_id_reg + 1'b1;
            if (o_count && !hit && !s3_free_reg && overflow_reg != 32'hFFFFFFFF)
                overflow_reg <= overflow_reg + 32'd1;
        end
        // the RAM's one write port (no request is in flight while clr_busy)
        if (clr_busy || s3_en_reg)
            mem[clr_busy ? clr_addr : s3_bucket_reg] <= {nw[WORDW-1:OCCW], clr_busy ? {OCCW{1'b0}} : nw[OCCW-1:0]};
    end
    if (cmd_clear) begin
        next_id_reg  <= FIRST_ID;
        overflow_reg <= 32'd0;
    end
end

assign m_id            = o_id_reg;
assign status_overflow = overflow_reg;
assign status_assigned = {{(32-ID_WIDTH){1'b0}}, next_id_reg - FIRST_ID};

endmodule

`resetall
