// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: TABLES on-chip vocabulary tables sharing one XXH64 unit (docs/spec/sparse.md
// "Vocabulary", golden model models/vocab.py VocabTable; docs/spec/idstage_rtl.md).
//
// Each table is set-associative: BUCKETS (power of two) x WAYS entries. One bucket word holds the
// bucket's occupancy (ways fill in order 0, 1, ...) and per way {key, count, id}:
//   bucket(key) = XXH64(key, VOCAB_SEED) & (BUCKETS - 1)       (one xxh64_u64 for the TABLES tables)
// Pass 1 (s_count = 1): a stored key's count saturates at C = max(threshold, 1); a new key takes the
// next free way with count 1; a key that finds its bucket full adds 1 to its table's overflow count
// (per occurrence). Pass 2 (s_count = 0): a stored key with count >= threshold gets its id (assigned at
// its first pass-2 occurrence from a per-table counter starting at 2); every other key maps to 1.
//
// Request: one key per table (s_key[64*j +: 64] for table j) with a common mode and a per-table enable
// (s_enable[j] = 0: the request flows through table j without touching it, id 0). Requests must be at
// least max(2, TABLES) cycles apart (the id stage's issue rule) and none may come while status_busy.
// The hash unit takes table 0's key in the request cycle and table j's key j cycles later; its
// results come back in order after its own latency (valid/tag contract only: the keys wait in a
// KEY_FIFO_DEPTH-entry LUTRAM FIFO, so any hash latency up to 2 x KEY_FIFO_DEPTH - 2 cycles works).
// The result (m_valid, m_id[ID_WIDTH*j +: ID_WIDTH] for table j; 0 in pass 1) comes once per request,
// in order, when the last table has answered; latency = hash latency + TABLES + 3 (10 with the
// 6-cycle xxh64_u64 and TABLES = 1). No back-pressure: the caller reserves room downstream.
//
// Per table, the read-modify-write pipeline (every stage loads only when its valid bit is set):
//   edge R    bucket word read (address = hash)            s1
//   edge R+1  read data registered (the RAM's output register)  s2
//   edge R+2  way compares, count compares, count + 1      s3
//   edge R+3  updated word written back, result            (o)
// The previous request of the same table is at most 3 edges ahead (requests >= 2 cycles apart), so
// its write may land after this request's read: then (same bucket) the compare stage takes the word
// that request wrote (wr_word_reg) instead of the RAM data. One forwarding source suffices.
//
// Clear: reset or cmd_clear sweeps all buckets to empty (one bucket per cycle, status_busy high),
// and resets the id counters and the overflow counters.
//
// lint-params: BUCKETS=1 WAYS=1 COUNT_WIDTH=1
// lint-params: BUCKETS=64 WAYS=4 COUNT_WIDTH=8 TABLES=2
// lint-params: BUCKETS=16 WAYS=2 COUNT_WIDTH=8 TABLES=3
// synth-params: BUCKETS=8192 WAYS=4 COUNT_WIDTH=8 TABLES=2

`resetall
`timescale 1ns / 1ps
`default_nettype none

module vocab_table #(
    // Buckets per table (power of two >= 1)
    parameter BUCKETS        = 16,
    // Ways per bucket (>= 1)
    parameter WAYS           = 2,
    // Width of the saturating pass-1 counter and of cfg_threshold (>= 1)
    parameter COUNT_WIDTH    = 8,
    // Tables sharing the hash unit (1..8); requests at least max(2, TABLES) cycles apart
    parameter TABLES         = 1,
    // Requests that may wait for their hash results (power of two >= 2)
    parameter KEY_FIFO_DEPTH = 16,
    // Width of an id: ids never exceed BUCKETS*WAYS + 1 (derived; do not override)
    parameter ID_WIDTH       = $clog2(BUCKETS * WAYS + 2)
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [COUNT_WIDTH-1:0]        cfg_threshold,
    input  wire                          cmd_clear,

    // request: one key per table, pass (1 = count, 0 = map), which tables take part
    input  wire                          s_valid,
    input  wire [TABLES*64-1:0]          s_key,
    input  wire                          s_count,
    input  wire [TABLES-1:0]             s_enable,

    // result: the pass-2 id of every table (1 = rare/unknown); 0 in pass 1
    output wire                          m_valid,
    output wire [TABLES*ID_WIDTH-1:0]    m_id,

    output wire                          status_busy,
    output wire [TABLES*32-1:0]          status_overflow,  // per table, saturating at 2^32 - 1
    output wire [TABLES*32-1:0]          status_assigned   // per table: ids handed out (largest = assigned + 1)
);

localparam [63:0] VOCAB_SEED = 64'h536C75696365566F;  // ASCII "SluiceVo"
localparam BW    = (BUCKETS > 1) ? $clog2(BUCKETS) : 1;  // bucket index width
localparam OCCW  = $clog2(WAYS + 1);                     // occupancy 0..WAYS
localparam EW    = 64 + COUNT_WIDTH + ID_WIDTH;          // one way: {id, count, key}
localparam WORDW = OCCW + WAYS * EW;                     // bucket word: {ways..., occ}
localparam TW    = (TABLES > 1) ? $clog2(TABLES) : 1;    // hash tag: table index
localparam KAW   = $clog2(KEY_FIFO_DEPTH);
localparam KFW   = TABLES + 1 + TABLES * 64;             // key FIFO entry: {enable, count, keys}
localparam [ID_WIDTH-1:0] FIRST_ID = 2;
localparam [31:0] LAST_BUCKET = BUCKETS - 1;

initial begin
    if (BUCKETS < 1 || (BUCKETS & (BUCKETS - 1)) != 0) begin
        $error("Error: BUCKETS must be a power of two >= 1 (instance %m)");
        $finish;
    end
    if (WAYS < 1 || COUNT_WIDTH < 1 || TABLES < 1 || TABLES > 8) begin
        $error("Error: WAYS and COUNT_WIDTH must be >= 1, TABLES 1..8 (instance %m)");
        $finish;
    end
    if (KEY_FIFO_DEPTH < 2 || (KEY_FIFO_DEPTH & (KEY_FIFO_DEPTH - 1)) != 0) begin
        $error("Error: KEY_FIFO_DEPTH must be a power of two >= 2 (instance %m)");
        $finish;
    end
    if (ID_WIDTH < $clog2(BUCKETS * WAYS + 2) || ID_WIDTH > 31) begin
        $error("Error: ID_WIDTH must hold BUCKETS*WAYS+1 and be <= 31 (instance %m)");
        $finish;
    end
end

// ------------------------------------------------------------------ key FIFO and hash feed
// Entry written at the request, read (LUTRAM, asynchronous) while the request's hash results come
// out, popped with the last table's result.
reg [KFW-1:0] kf_mem [0:KEY_FIFO_DEPTH-1];
reg [KAW-1:0] kf_wr_reg, kf_rd_reg;
localparam FEEDW = (TABLES > 1) ? (TABLES - 1) * 64 : 64;
reg [FEEDW-1:0] feed_key_reg;           // keys 1..TABLES-1 of the request, fed one per cycle (shifted)
reg [TW-1:0]  feed_idx_reg;             // next table index to feed (0: nothing pending)

wire [63:0] h_hash;
wire [TW-1:0] h_tag;
wire        h_valid;
wire        unused_h_ready;
wire        feeding = (feed_idx_reg != {TW{1'b0}});
wire [63:0] h_in_key = feeding ? feed_key_reg[63:0] : s_key[63:0];

xxh64_u64 #(
    .TAG_WIDTH(TW)
) hash_inst (
    .clk(clk),
    .rst(rst),
    .s_key(h_in_key),
    .s_seed(VOCAB_SEED),
    .s_tag(feeding ? feed_idx_reg : {TW{1'b0}}),
    .s_valid(s_valid || feeding),
    .s_ready(unused_h_ready),
    .m_hash(h_hash),
    .m_tag(h_tag),
    .m_valid(h_valid),
    .m_ready(1'b1)
);

always @(posedge clk) begin
    if (s_valid) begin
        kf_mem[kf_wr_reg] <= {s_enable, s_count, s_key};
        kf_wr_reg <= kf_wr_reg + 1'b1;
    end
    if (TABLES > 1) begin
        if (s_valid) begin
            feed_idx_reg <= {{(TW-1){1'b0}}, 1'b1};
            feed_key_reg <= s_key[TABLES*64-1 -: FEEDW];
        end else if (feeding) begin
            feed_idx_reg <= ({{(32-TW){1'b0}}, feed_idx_reg} == TABLES - 1) ? {TW{1'b0}} : feed_idx_reg + 1'b1;
            feed_key_reg <= feed_key_reg >> 64;
        end
    end
    if (h_valid && {{(32-TW){1'b0}}, h_tag} == TABLES - 1) kf_rd_reg <= kf_rd_reg + 1'b1;
    if (rst) begin
        kf_wr_reg    <= {KAW{1'b0}};
        kf_rd_reg    <= {KAW{1'b0}};
        feed_idx_reg <= {TW{1'b0}};
    end
end

wire [KFW-1:0] kf_head = kf_mem[kf_rd_reg];
wire [BW-1:0]  h_bucket = (BUCKETS > 1) ? h_hash[BW-1:0] : {BW{1'b0}};
wire [63:0]    unused_hash = h_hash;

// ------------------------------------------------------------------ clear sweep (all tables)
reg          clr_busy_reg;
reg [BW-1:0] clr_addr_reg;

always @(posedge clk) begin
    if (clr_busy_reg) begin
        clr_addr_reg <= clr_addr_reg + 1'b1;
        if ({{(32-BW){1'b0}}, clr_addr_reg} == LAST_BUCKET) clr_busy_reg <= 1'b0;
    end
    if (rst || cmd_clear) begin
        clr_busy_reg <= 1'b1;
        clr_addr_reg <= {BW{1'b0}};
    end
end

wire [COUNT_WIDTH-1:0] cap = (cfg_threshold == {COUNT_WIDTH{1'b0}}) ? {{(COUNT_WIDTH-1){1'b0}}, 1'b1}
                                                                   : cfg_threshold;

// ------------------------------------------------------------------ one read-modify-write pipeline per table
wire [TABLES-1:0] o_valid;

genvar gj;
generate
for (gj = 0; gj < TABLES; gj = gj + 1) begin : gen_table
    reg [WORDW-1:0] mem [0:BUCKETS-1];

    // s1: request of this table, bucket word being read
    reg             s1_valid_reg, s1_en_reg, s1_count_reg, s1_fwd_reg;
    reg [63:0]      s1_key_reg;
    reg [BW-1:0]    s1_bucket_reg;
    reg [WORDW-1:0] rd_reg;
    // s2: the word read, registered
    reg             s2_valid_reg, s2_en_reg, s2_count_reg, s2_fwd_reg;
    reg [63:0]      s2_key_reg;
    reg [BW-1:0]    s2_bucket_reg;
    reg [WORDW-1:0] rd2_reg;
    // s3: compares
    reg             s3_valid_reg, s3_en_reg, s3_count_reg, s3_free_reg;
    reg [63:0]      s3_key_reg;
    reg [BW-1:0]    s3_bucket_reg;
    reg [WORDW-1:0] s3_word_reg;
    reg [WAYS-1:0]  s3_eq_reg, s3_lt_reg, s3_ge_reg, s3_iz_reg;
    reg [COUNT_WIDTH-1:0] s3_inc_reg [0:WAYS-1];
    // last written word (forwarding source), result, counters
    reg [WORDW-1:0]    wr_word_reg;
    reg                o_valid_reg;
    reg [ID_WIDTH-1:0] o_id_reg;
    reg [ID_WIDTH-1:0] next_id_reg;
    reg [31:0]         overflow_reg;

    wire h_here = h_valid && {{(32-TW){1'b0}}, h_tag} == gj;
    wire h_en   = kf_head[TABLES*64 + 1 + gj];
    // a write of this table not yet in the RAM at this edge (at most one: requests >= 2 cycles apart)
    wire pend_valid = (s2_valid_reg && s2_en_reg) || (s3_valid_reg && s3_en_reg);
    wire [BW-1:0] pend_bucket = (s2_valid_reg && s2_en_reg) ? s2_bucket_reg : s3_bucket_reg;

    always @(posedge clk) begin : rmw
        reg [WORDW-1:0]    cw, nw, wd;
        reg [OCCW-1:0]     occ;
        reg [COUNT_WIDTH-1:0] wc;
        reg                hit, asg, we;
        reg [ID_WIDTH-1:0] res;
        reg [BW-1:0]       wa;
        integer w;
        // ---- s1: read
        s1_valid_reg <= h_here;
        if (h_here) begin
            s1_en_reg     <= h_en;
            s1_count_reg  <= kf_head[TABLES*64];
            s1_key_reg    <= kf_head[64*gj +: 64];
            s1_bucket_reg <= h_bucket;
            s1_fwd_reg    <= pend_valid && pend_bucket == h_bucket;
            if (h_en) rd_reg <= mem[h_bucket];
        end
        // ---- s2: RAM output register
        s2_valid_reg <= s1_valid_reg;
        if (s1_valid_reg) begin
            s2_en_reg     <= s1_en_reg;
            s2_count_reg  <= s1_count_reg;
            s2_key_reg    <= s1_key_reg;
            s2_bucket_reg <= s1_bucket_reg;
            s2_fwd_reg    <= s1_fwd_reg;
            if (s1_en_reg) rd2_reg <= rd_reg;
        end
        // ---- s3: compares on the current bucket word
        s3_valid_reg <= s2_valid_reg;
        if (s2_valid_reg) begin
            cw  = s2_fwd_reg ? wr_word_reg : rd2_reg;
            occ = cw[OCCW-1:0];
            s3_en_reg     <= s2_en_reg;
            s3_count_reg  <= s2_count_reg;
            s3_key_reg    <= s2_key_reg;
            s3_bucket_reg <= s2_bucket_reg;
            s3_word_reg   <= cw;
            s3_free_reg   <= {{(32-OCCW){1'b0}}, occ} < WAYS;
            for (w = 0; w < WAYS; w = w + 1) begin
                wc = cw[OCCW + w*EW + 64 +: COUNT_WIDTH];
                s3_eq_reg[w]  <= (w < {{(32-OCCW){1'b0}}, occ}) && cw[OCCW + w*EW +: 64] == s2_key_reg;
                s3_lt_reg[w]  <= wc < cap;
                s3_ge_reg[w]  <= wc >= cfg_threshold;
                s3_iz_reg[w]  <= cw[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH] == {ID_WIDTH{1'b0}};
                s3_inc_reg[w] <= wc + 1'b1;
            end
        end
        // ---- write back and result
        we = 1'b0;
        if (clr_busy_reg) begin
            we = 1'b1;
            wa = clr_addr_reg;
            wd = {WORDW{1'b0}};
        end
        o_valid_reg <= s3_valid_reg;
        if (s3_valid_reg) begin
            nw  = s3_word_reg;
            occ = s3_word_reg[OCCW-1:0];
            hit = 1'b0;
            asg = 1'b0;
            res = {{(ID_WIDTH-1){1'b0}}, 1'b1};  // rare / unknown
            for (w = 0; w < WAYS; w = w + 1) begin
                if (!hit && s3_eq_reg[w]) begin
                    hit = 1'b1;
                    if (s3_count_reg) begin
                        if (s3_lt_reg[w]) nw[OCCW + w*EW + 64 +: COUNT_WIDTH] = s3_inc_reg[w];
                    end else if (s3_ge_reg[w]) begin
                        if (s3_iz_reg[w]) begin
                            asg = 1'b1;
                            res = next_id_reg;
                            nw[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH] = next_id_reg;
                        end else begin
                            res = s3_word_reg[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH];
                        end
                    end
                end
            end
            if (s3_count_reg && !hit && s3_free_reg) begin
                for (w = 0; w < WAYS; w = w + 1) begin
                    if ({{(32-OCCW){1'b0}}, occ} == w)
                        nw[OCCW + w*EW +: EW] = {{ID_WIDTH{1'b0}}, {{(COUNT_WIDTH-1){1'b0}}, 1'b1}, s3_key_reg};
                end
                nw[OCCW-1:0] = occ + 1'b1;
            end
            o_id_reg <= (!s3_en_reg || s3_count_reg) ? {ID_WIDTH{1'b0}} : res;  // pass 1: no result
            if (s3_en_reg) begin
                wr_word_reg <= nw;
                if (asg) next_id_reg <= next_id_reg + 1'b1;
                if (s3_count_reg && !hit && !s3_free_reg && overflow_reg != 32'hFFFFFFFF)
                    overflow_reg <= overflow_reg + 32'd1;
                if (!clr_busy_reg) begin
                    we = 1'b1;
                    wa = s3_bucket_reg;
                    wd = nw;
                end
            end
        end
        // ---- the RAM's one write port: clear sweep or write back
        if (we) mem[wa] <= wd;

        if (rst || cmd_clear) begin
            next_id_reg  <= FIRST_ID;
            overflow_reg <= 32'd0;
        end
        if (rst) begin
            s1_valid_reg <= 1'b0;
            s2_valid_reg <= 1'b0;
            s3_valid_reg <= 1'b0;
            o_valid_reg  <= 1'b0;
        end
    end

    assign o_valid[gj] = o_valid_reg;
    assign m_id[gj*ID_WIDTH +: ID_WIDTH] = o_id_reg;
    assign status_overflow[gj*32 +: 32] = overflow_reg;
    assign status_assigned[gj*32 +: 32] = {{(32-ID_WIDTH){1'b0}}, next_id_reg - FIRST_ID};
end
endgenerate

assign m_valid     = o_valid[TABLES-1];
assign status_busy = clr_busy_reg;
wire [TABLES-1:0] unused_o_valid = o_valid;

endmodule

`resetall
