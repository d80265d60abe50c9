// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: one on-chip vocabulary table (docs/spec/sparse.md "Vocabulary",
// golden model models/vocab.py VocabTable).
//
// Set-associative: BUCKETS (power of two) x WAYS entries. One bucket word holds the
// bucket's occupancy (ways fill in order 0, 1, ...) and per way {key, count, id}.
//   bucket(key) = XXH64(key, VOCAB_SEED) & (BUCKETS - 1)       (xxh64_u64 instance)
// Pass 1 (s_count = 1): a stored key's count saturates at C = max(threshold, 1); a new key
// takes the next free way with count 1; a key that finds its bucket full adds 1 to
// status_overflow (per occurrence). Pass 2 (s_count = 0): a stored key with
// count >= threshold gets its id (assigned at its first pass-2 occurrence from a running
// counter starting at 2); every other key maps to 1.
//
// Timing: fixed latency LATENCY = 8 cycles from s_valid to m_valid, no back-pressure
// (the caller reserves room downstream). Read-modify-write: the bucket is read at
// cycle +6 (address = hash) and written back at +7, so a request issued 2 or more
// cycles after the previous one sees its update; back-to-back requests (1 cycle
// apart) are NOT allowed (the id stage never issues them; see docs/spec/idstage_rtl.md).
// s_enable = 0 lets a request flow through (m_valid) without touching the table.
//
// Clear: reset or cmd_clear sweeps all buckets to empty (one bucket per cycle,
// status_busy high), and resets the id counter and the overflow counter. No request
// may be issued while status_busy is high.
//
// lint-params: BUCKETS=1 WAYS=1 COUNT_WIDTH=1
// lint-params: BUCKETS=64 WAYS=4 COUNT_WIDTH=8
// synth-flags: -noabc

`resetall
`timescale 1ns / 1ps
`default_nettype none

module vocab_table #(
    // Buckets (power of two >= 1)
    parameter BUCKETS     = 16,
    // Ways per bucket (>= 1)
    parameter WAYS        = 2,
    // Width of the saturating pass-1 counter and of cfg_threshold (>= 1)
    parameter COUNT_WIDTH = 8,
    // Width of an id: ids never exceed BUCKETS*WAYS + 1 (derived; do not override)
    parameter ID_WIDTH    = $clog2(BUCKETS * WAYS + 2)
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [COUNT_WIDTH-1:0] cfg_threshold,
    input  wire                   cmd_clear,

    // request: key, pass (1 = count, 0 = map), whether this table takes part
    input  wire                   s_valid,
    input  wire [63:0]            s_key,
    input  wire                   s_count,
    input  wire                   s_enable,

    // result (LATENCY cycles later): the pass-2 id (1 = rare/unknown); 0 in pass 1
    output wire                   m_valid,
    output wire [ID_WIDTH-1:0]    m_id,

    output wire                   status_busy,
    output wire [31:0]            status_overflow,  // saturating at 2^32 - 1
    output wire [31:0]            status_assigned   // ids handed out (largest id = assigned + 1)
);

localparam [63:0] VOCAB_SEED = 64'h536C75696365566F;  // ASCII "SluiceVo"
localparam BW    = (BUCKETS > 1) ? $clog2(BUCKETS) : 1;  // bucket index width
localparam OCCW  = $clog2(WAYS + 1);                     // occupancy 0..WAYS
localparam EW    = 64 + COUNT_WIDTH + ID_WIDTH;          // one way: {id, count, key}
localparam WORDW = OCCW + WAYS * EW;                     // bucket word: {ways..., occ}
localparam [ID_WIDTH-1:0] FIRST_ID = 2;
localparam [31:0] LAST_BUCKET = BUCKETS - 1;

initial begin
    if (BUCKETS < 1 || (BUCKETS & (BUCKETS - 1)) != 0) begin
        $error("Error: BUCKETS must be a power of two >= 1 (instance %m)");
        $finish;
    end
    if (WAYS < 1 || COUNT_WIDTH < 1) begin
        $error("Error: WAYS and COUNT_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
    if (ID_WIDTH < $clog2(BUCKETS * WAYS + 2) || ID_WIDTH > 31) begin
        $error("Error: ID_WIDTH must hold BUCKETS*WAYS+1 and be <= 31 (instance %m)");
        $finish;
    end
end

// ------------------------------------------------------------------ hash (6 cycles)
wire [63:0] h_hash;
wire [65:0] h_tag;
wire        h_valid;
wire        unused_h_ready;

xxh64_u64 #(
    .TAG_WIDTH(66)
) hash_inst (
    .clk(clk),
    .rst(rst),
    .s_key(s_key),
    .s_seed(VOCAB_SEED),
    .s_tag({s_enable, s_count, s_key}),
    .s_valid(s_valid),
    .s_ready(unused_h_ready),
    .m_hash(h_hash),
    .m_tag(h_tag),
    .m_valid(h_valid),
    .m_ready(1'b1)
);

// ------------------------------------------------------------------ table memory
reg [WORDW-1:0] mem [0:BUCKETS-1];
reg [WORDW-1:0] rd_reg;

// stage R (bucket word arriving)
reg             r_valid_reg;
reg             r_en_reg;
reg             r_count_reg;
reg [63:0]      r_key_reg;
reg [BW-1:0]    r_bucket_reg;

// stage O (result)
reg                o_valid_reg;
reg [ID_WIDTH-1:0] o_id_reg;

reg                clr_busy_reg;
reg [BW-1:0]       clr_addr_reg;
reg [ID_WIDTH-1:0] next_id_reg;
reg [31:0]         overflow_reg;

wire [BW-1:0] h_bucket = (BUCKETS > 1) ? h_hash[BW-1:0] : {BW{1'b0}};
wire [63:0]   unused_hash = h_hash;

// ------------------------------------------------------------------ RMW logic (stage R)
wire [OCCW-1:0] occ = rd_reg[OCCW-1:0];
wire [31:0]     occ32 = {{(32-OCCW){1'b0}}, occ};
wire [COUNT_WIDTH-1:0] cap = (cfg_threshold == {COUNT_WIDTH{1'b0}}) ? {{(COUNT_WIDTH-1){1'b0}}, 1'b1}
                                                                   : cfg_threshold;

reg [WORDW-1:0]    wr_word;
reg                wr_en;
reg                hit;
reg [63:0]         w_key;
reg [COUNT_WIDTH-1:0] w_cnt;
reg [ID_WIDTH-1:0] w_id;
reg [ID_WIDTH-1:0] res_id;
reg                assign_id;
reg                ovf;
integer w;

always @* begin
    wr_word   = rd_reg;
    hit       = 1'b0;
    res_id    = {{(ID_WIDTH-1){1'b0}}, 1'b1};  // rare / unknown
    assign_id = 1'b0;
    ovf       = 1'b0;
    w_key     = 64'd0;
    w_cnt     = {COUNT_WIDTH{1'b0}};
    w_id      = {ID_WIDTH{1'b0}};
    for (w = 0; w < WAYS; w = w + 1) begin
        w_key = rd_reg[OCCW + w*EW +: 64];
        w_cnt = rd_reg[OCCW + w*EW + 64 +: COUNT_WIDTH];
        w_id  = rd_reg[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH];
        if (!hit && w < occ32 && w_key == r_key_reg) begin
            hit = 1'b1;
            if (r_count_reg) begin
                if (w_cnt < cap) wr_word[OCCW + w*EW + 64 +: COUNT_WIDTH] = w_cnt + 1'b1;
            end else if (w_cnt >= cfg_threshold) begin
                if (w_id == {ID_WIDTH{1'b0}}) begin
                    assign_id = 1'b1;
                    res_id = next_id_reg;
                    wr_word[OCCW + w*EW + 64 + COUNT_WIDTH +: ID_WIDTH] = next_id_reg;
                end else begin
                    res_id = w_id;
                end
            end
        end
    end
    if (r_count_reg && !hit) begin
        if (occ32 < WAYS) begin
            for (w = 0; w < WAYS; w = w + 1) begin
                if (w == occ32) begin
                    wr_word[OCCW + w*EW +: EW] = {{ID_WIDTH{1'b0}}, {{(COUNT_WIDTH-1){1'b0}}, 1'b1}, r_key_reg};
                end
            end
            wr_word[OCCW-1:0] = occ + 1'b1;
        end else begin
            ovf = 1'b1;
        end
    end
    if (r_count_reg) res_id = {ID_WIDTH{1'b0}};  // pass 1 has no result
    wr_en = r_valid_reg && r_en_reg;
end

always @(posedge clk) begin
    // bucket read (address = hash of the request leaving the hash unit)
    rd_reg <= mem[h_bucket];
    if (clr_busy_reg) begin
        mem[clr_addr_reg] <= {WORDW{1'b0}};
    end else if (wr_en) begin
        mem[r_bucket_reg] <= wr_word;
    end

    r_valid_reg  <= h_valid;
    r_en_reg     <= h_tag[65];
    r_count_reg  <= h_tag[64];
    r_key_reg    <= h_tag[63:0];
    r_bucket_reg <= h_bucket;

    o_valid_reg <= r_valid_reg;
    o_id_reg    <= (r_en_reg && r_valid_reg) ? res_id : {ID_WIDTH{1'b0}};

    if (wr_en && assign_id) next_id_reg <= next_id_reg + 1'b1;
    if (wr_en && ovf && overflow_reg != 32'hFFFFFFFF) overflow_reg <= overflow_reg + 32'd1;

    if (clr_busy_reg) begin
        clr_addr_reg <= clr_addr_reg + 1'b1;
        if ({{(32-BW){1'b0}}, clr_addr_reg} == LAST_BUCKET) clr_busy_reg <= 1'b0;
    end

    if (rst || cmd_clear) begin
        clr_busy_reg <= 1'b1;
        clr_addr_reg <= {BW{1'b0}};
        next_id_reg  <= FIRST_ID;
        overflow_reg <= 32'd0;
    end
    if (rst) begin
        r_valid_reg <= 1'b0;
        o_valid_reg <= 1'b0;
    end
end

assign m_valid         = o_valid_reg;
assign m_id            = o_id_reg;
assign status_busy     = clr_busy_reg;
assign status_overflow = overflow_reg;
assign status_assigned = {{(32-ID_WIDTH){1'b0}}, next_id_reg - FIRST_ID};

endmodule

`resetall
