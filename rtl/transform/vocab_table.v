// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: TABLES on-chip vocabulary tables, HASH_SHARE of them per XXH64 unit (docs/spec/sparse.md
// "Vocabulary", golden model models/vocab.py VocabTable; docs/spec/idstage_rtl.md).
//
// Each table is set-associative: BUCKETS (power of two) x WAYS entries. One bucket word holds the
// bucket's occupancy (ways fill in order 0, 1, ...) and per way {key, count, id}:
//   bucket(key) = XXH64(key, VOCAB_SEED) & (BUCKETS - 1)
// Pass 1 (s_count = 1): a stored key's count saturates at C = max(threshold, 1); a new key takes the
// next free way with count 1; a key that finds its bucket full adds 1 to its table's overflow count
// (per occurrence). Pass 2 (s_count = 0): a stored key with count >= threshold gets its id (assigned at
// its first pass-2 occurrence from a per-table counter starting at 2); every other key maps to 1.
//
// Request: one key per table (s_key[64*j +: 64] for table j) with a common mode and a per-table enable
// (s_enable[j] = 0: the request flows through table j without touching it, id 0). With S =
// min(HASH_SHARE, TABLES), table j uses hash unit j / S in slot j % S: every unit hashes its slot-0
// key in the request cycle and its slot-k key k cycles later. Requests must be at least max(2, S)
// cycles apart (the id stage's issue rule) and none may come while status_busy. The units' results
// come back in order after their own latency (valid/tag contract only: the keys wait in a
// KEY_FIFO_DEPTH-entry LUTRAM FIFO, so any hash latency up to 2 x KEY_FIFO_DEPTH - S cycles works).
// The result (m_valid, m_id[ID_WIDTH*j +: ID_WIDTH] for table j; 0 in pass 1) comes once per request,
// in order, when slot S-1 has answered; latency = hash latency + S + 3 (10 with the 6-cycle
// xxh64_u64 and S = 1). No back-pressure: the caller reserves room downstream.
//
// Each table is a vocab_rmw (its RAM and 4-stage read-modify-write pipeline with forwarding); the
// tables of one slot share the valid bit of every stage (one test per stage in simulation).
//
// Clear: reset or cmd_clear sweeps all buckets to empty (one bucket per cycle, status_busy high),
// and resets the id counters and the overflow counters.
//
// synth-flags: -hier
// lint-params: BUCKETS=1 WAYS=1 COUNT_WIDTH=1
// lint-params: BUCKETS=64 WAYS=4 COUNT_WIDTH=8 TABLES=2
// lint-params: BUCKETS=16 WAYS=2 COUNT_WIDTH=8 TABLES=5 HASH_SHARE=3
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
    // Tables (1..64)
    parameter TABLES         = 1,
    // Tables per XXH64 unit (1..8); requests at least max(2, min(HASH_SHARE, TABLES)) cycles apart
    parameter HASH_SHARE     = 2,
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
localparam S     = (HASH_SHARE < TABLES) ? HASH_SHARE : TABLES;  // slots per hash unit
localparam NU    = (TABLES + S - 1) / S;                 // hash units
localparam BW    = (BUCKETS > 1) ? $clog2(BUCKETS) : 1;  // bucket index width
localparam TW    = (S > 1) ? $clog2(S) : 1;              // hash tag: slot
localparam KAW   = $clog2(KEY_FIFO_DEPTH);
localparam KFW   = TABLES + 1 + TABLES * 64;             // key FIFO entry: {enable, count, keys}
localparam FEEDW = (S > 1) ? (S - 1) * 64 : 64;
localparam [31:0] LAST_BUCKET = BUCKETS - 1;

initial begin
    if (BUCKETS < 1 || (BUCKETS & (BUCKETS - 1)) != 0) begin
        $error("Error: BUCKETS must be a power of two >= 1 (instance %m)");
        $finish;
    end
    if (WAYS < 1 || COUNT_WIDTH < 1 || TABLES < 1 || TABLES > 64 || HASH_SHARE < 1 || HASH_SHARE > 8) begin
        $error("Error: WAYS and COUNT_WIDTH >= 1, TABLES 1..64, HASH_SHARE 1..8 (instance %m)");
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

// ------------------------------------------------------------------ key FIFO
// Entry written at the request, read (LUTRAM, asynchronous) while the request's hash results come
// out, popped with slot S-1's results.
reg [KFW-1:0] kf_mem [0:KEY_FIFO_DEPTH-1];
reg [KAW-1:0] kf_wr_reg, kf_rd_reg;
reg [TW-1:0]  feed_idx_reg;             // slot fed this cycle after the request (0: none)
wire          feeding = (feed_idx_reg != {TW{1'b0}});

wire [NU*64-1:0] u_hash;
wire [TW-1:0]    h_tag;
wire             h_valid;

always @(posedge clk) begin
    if (s_valid) begin
        kf_mem[kf_wr_reg] <= {s_enable, s_count, s_key};
        kf_wr_reg <= kf_wr_reg + 1'b1;
    end
    if (S > 1) begin
        if (s_valid) feed_idx_reg <= {{(TW-1){1'b0}}, 1'b1};
        else if (feeding) feed_idx_reg <= ({{(32-TW){1'b0}}, feed_idx_reg} == S - 1) ? {TW{1'b0}} : feed_idx_reg + 1'b1;
    end
    if (h_valid && {{(32-TW){1'b0}}, h_tag} == S - 1) kf_rd_reg <= kf_rd_reg + 1'b1;
    if (rst) begin
        kf_wr_reg    <= {KAW{1'b0}};
        kf_rd_reg    <= {KAW{1'b0}};
        feed_idx_reg <= {TW{1'b0}};
    end
end

// ------------------------------------------------------------------ hash units (lockstep)
genvar gu, gj;
generate
for (gu = 0; gu < NU; gu = gu + 1) begin : gen_hash
    localparam J0 = gu * S;
    localparam NS = (TABLES - J0 < S) ? TABLES - J0 : S;  // slots used by this unit
    reg  [FEEDW-1:0] feed_key_reg;      // keys of slots 1..S-1, fed one per cycle (shifted)
    wire [63:0]      in_key = feeding ? feed_key_reg[63:0] : s_key[64*J0 +: 64];
    wire             unused_ready, m_valid_u;
    wire [TW-1:0]    m_tag_u;
    if (NS > 1) begin : gen_feed
        always @(posedge clk) begin
            if (s_valid) feed_key_reg <= {{(FEEDW-64*(NS-1)){1'b0}}, s_key[64*(J0+1) +: 64*(NS-1)]};
            else if (feeding) feed_key_reg <= feed_key_reg >> 64;
        end
    end else begin : gen_nofeed
        always @(posedge clk) feed_key_reg <= {FEEDW{1'b0}};
    end
    xxh64_u64 #(
        .TAG_WIDTH(TW)
    ) hash_inst (
        .clk(clk),
        .rst(rst),
        .s_key(in_key),
        .s_seed(VOCAB_SEED),
        .s_tag(feed_idx_reg),
        .s_valid(s_valid || feeding),
        .s_ready(unused_ready),
        .m_hash(u_hash[64*gu +: 64]),
        .m_tag(m_tag_u),
        .m_valid(m_valid_u),
        .m_ready(1'b1)
    );
    if (gu == 0) begin : gen_ref
        assign h_valid = m_valid_u;   // every unit runs in lockstep with unit 0
        assign h_tag   = m_tag_u;
    end else begin : gen_other
        wire [TW:0] unused_out = {m_valid_u, m_tag_u};
    end
end
endgenerate

wire [KFW-1:0] kf_head = kf_mem[kf_rd_reg];

// ------------------------------------------------------------------ shared valid pipeline per slot
reg  [S-1:0] s1v_reg, s2v_reg, s3v_reg, ov_reg;
reg          s1c_reg, s2c_reg, s3c_reg;  // the request's mode (1 = count) at stages s1..s3
wire [S-1:0] hv;

generate
for (gj = 0; gj < S; gj = gj + 1) begin : gen_hv
    assign hv[gj] = h_valid && {{(32-TW){1'b0}}, h_tag} == gj;
end
endgenerate

always @(posedge clk) begin
    s1v_reg <= hv;
    s2v_reg <= s1v_reg;
    s3v_reg <= s2v_reg;
    ov_reg  <= s3v_reg;
    if (h_valid) s1c_reg <= kf_head[TABLES*64];
    s2c_reg <= s1c_reg;
    s3c_reg <= s2c_reg;
    if (rst) begin
        s1v_reg <= {S{1'b0}};
        s2v_reg <= {S{1'b0}};
        s3v_reg <= {S{1'b0}};
        ov_reg  <= {S{1'b0}};
    end
end

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

// counts saturate at C = max(threshold, 1)
wire [COUNT_WIDTH-1:0] cap = (cfg_threshold == {COUNT_WIDTH{1'b0}}) ? {{(COUNT_WIDTH-1){1'b0}}, 1'b1}
                                                                   : cfg_threshold;

// ------------------------------------------------------------------ one table (RAM + read-modify-write) each
generate
for (gj = 0; gj < TABLES; gj = gj + 1) begin : gen_table
    localparam K = gj % S;     // slot
    localparam U = gj / S;     // hash unit
    vocab_rmw #(
        .BUCKETS(BUCKETS), .WAYS(WAYS), .COUNT_WIDTH(COUNT_WIDTH), .ID_WIDTH(ID_WIDTH)
    ) rmw_inst (
        .clk(clk),
        .cfg_threshold(cfg_threshold),
        .cfg_cap(cap),
        .cmd_clear(rst || cmd_clear),
        .clr_busy(clr_busy_reg),
        .clr_addr(clr_addr_reg),
        .s1_go(hv[K]),
        .s1_en(kf_head[TABLES*64 + 1 + gj]),
        .s1_key(kf_head[64*gj +: 64]),
        .s1_hash(u_hash[64*U +: 64]),
        .s2_go(s1v_reg[K]),
        .s3_go(s2v_reg[K]),
        .o_go(s3v_reg[K]),
        .o_count(s3c_reg),
        .m_id(m_id[gj*ID_WIDTH +: ID_WIDTH]),
        .status_overflow(status_overflow[gj*32 +: 32]),
        .status_assigned(status_assigned[gj*32 +: 32])
    );
end
endgenerate

assign m_valid     = ov_reg[S-1];
assign status_busy = clr_busy_reg;
wire [S-1:0] unused_ov = ov_reg;

endmodule

`resetall
