// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: the in-order stage after the lane merger (docs/spec/idstage_rtl.md).
// Golden model: models/transform.py TransformState.id_stage (vocabulary pass 2 + hot-set
// split); pass 1 = VocabTable.count. Stream format: TransformedRecord
// (docs/formats/records.md), 1024-bit beats of 32 words, one packet out per packet in,
// in order; tombstones and end-of-stream markers pass unchanged.
//
// Structure:
//   s_axis -> skid -> [key capture] -> beat FIFO (block RAM) -------------------> [patch] -> skid -> m_axis
//                          | (last beat of a kept row: one request, the next cycle)      ^
//                          v                                                           |
//         VOCAB_TABLES/VOCAB_SHARE x vocab_table (VOCAB_SHARE tables per XXH64 unit) -> id FIFO
//                          v (per hot table: the vocabulary id, or the key from the hot-key FIFO)
//         HOTSET_TABLES x hotset_table -> popular, hit counts -> hot FIFO --------------+
// A request is issued at most every other cycle (a vocabulary table's read-modify-write and the
// shared hash unit need 2 cycles); kept rows of >= 2 beats never wait for it. Requests are issued
// only while the result FIFOs have room for every request in flight (credits), so the lookup
// pipelines never stall.
//
// Static maps come from the host (host_runtime/csr_image/idstage.py), so the stage computes none. The
// host numbers the features with a vocabulary and/or a hot set 0, 1, ... (at most KEY_SLOTS =
// max(VOCAB_TABLES, HOTSET_TABLES) of them; vocabulary table t and hot-set table t serve feature t):
//   cfg_key_lane[t]: the 64-bit lane of feature t's key in the row, counted on the row read one word
//     later when 3 + n_dense is odd (cfg_n_dense even), so that every key is one aligned lane;
//     lane = 16 x beat + lane in beat;
//   cfg_hotset_from_vocab: hot table t looks up the id of vocabulary table t (a feature with both has
//     the same number on both sides; else the feature's key);
//   the patch map (table port tbl_patch, word {beat, lane}): which table replaces the feature whose lo
//     word is word 2 x lane + (1 if n_dense even) of that beat, by its vocabulary id and/or hot slot.
//
// cfg_mode: 0 = PASS2 (map: vocabulary ids, hot split), 1 = PASS1 (count; the output is
// the input unchanged). cmd_clear empties every vocabulary table (status_busy while it
// sweeps; also done after reset) and zeroes the status counters.
//
// status_*_fifo_hwm: the largest fill level each FIFO reached since reset (not cleared by
// cmd_clear): the beat FIFO in beats (<= BEAT_FIFO_DEPTH), the vocabulary-id and hot-slot
// result FIFOs in rows (<= RESULT_DEPTH); 8 bits, saturating at 255.
//
// lint-params: MAX_SPARSE=1 VOCAB_TABLES=1 VOCAB_BUCKETS=1 VOCAB_WAYS=1 HOTSET_TABLES=1 HOTSET_CAPACITY=2
// lint-params: MAX_SPARSE=26 VOCAB_TABLES=26 VOCAB_BUCKETS=16 VOCAB_WAYS=2 HOTSET_TABLES=26 HOTSET_CAPACITY=64
// lint-params: MAX_SPARSE=64 VOCAB_TABLES=3 VOCAB_BUCKETS=16 VOCAB_WAYS=2 HOTSET_TABLES=2 HOTSET_CAPACITY=16 VOCAB_SHARE=3
// synth-params: MAX_SPARSE=64 VOCAB_TABLES=26 VOCAB_BUCKETS=8192 VOCAB_WAYS=4 HOTSET_TABLES=26 HOTSET_CAPACITY=4096
// synth-flags: -hier

`resetall
`timescale 1ns / 1ps
`default_nettype none

module id_stage #(
    // Sparse features of the longest row (bounds the row to 16 beats: lanes < 256)
    parameter MAX_SPARSE        = 4,
    // Vocabulary tables (each serves one feature)
    parameter VOCAB_TABLES      = 2,
    // Buckets per vocabulary table (power of two)
    parameter VOCAB_BUCKETS     = 16,
    // Ways per bucket
    parameter VOCAB_WAYS        = 2,
    // Vocabulary tables sharing one XXH64 unit (1 or 2 keep one request every 2 cycles)
    parameter VOCAB_SHARE       = 2,
    // Hot-set tables (each serves one feature)
    parameter HOTSET_TABLES     = 2,
    // Hot ids per hot-set table (power of two >= 2)
    parameter HOTSET_CAPACITY   = 16,
    // Beats the beat FIFO holds (power of two; covers the lookup latency)
    parameter BEAT_FIFO_DEPTH   = 64,
    // Rows whose results may be in flight or waiting (power of two)
    parameter RESULT_DEPTH      = 32,
    // tbl_hot_addr width: {table, index, word} (derived; do not override)
    parameter HOT_ADDR_W        = ((HOTSET_TABLES > 1) ? $clog2(HOTSET_TABLES) : 1) + $clog2(HOTSET_CAPACITY) + 2,
    // tbl_vocab_stat_addr width: {assigned/overflow, table} (derived; do not override)
    parameter STAT_ADDR_W       = ((VOCAB_TABLES > 1) ? $clog2(VOCAB_TABLES) : 1) + 1,
    // features numbered for the tables, one key register each (derived; do not override)
    parameter KEY_SLOTS         = (VOCAB_TABLES > HOTSET_TABLES) ? VOCAB_TABLES : HOTSET_TABLES
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [1023:0]                 s_axis_tdata,
    input  wire [127:0]                  s_axis_tkeep,
    input  wire                          s_axis_tvalid,
    output wire                          s_axis_tready,
    input  wire                          s_axis_tlast,
    input  wire [0:0]                    s_axis_tuser,

    output wire [1023:0]                 m_axis_tdata,
    output wire [127:0]                  m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [0:0]                    m_axis_tuser,

    // configuration (rtl/top/csr/idstage.yaml)
    input  wire                          cfg_mode,
    input  wire                          cfg_hot_split,
    input  wire [7:0]                    cfg_threshold,
    input  wire [6:0]                    cfg_n_dense,
    input  wire [6:0]                    cfg_n_sparse,
    input  wire [KEY_SLOTS*8-1:0]        cfg_key_lane,
    input  wire [VOCAB_TABLES-1:0]       cfg_vocab_enable,
    input  wire [HOTSET_TABLES*16-1:0]   cfg_hotset_count,
    input  wire [HOTSET_TABLES-1:0]      cfg_hotset_enable,
    input  wire [HOTSET_TABLES-1:0]      cfg_hotset_from_vocab,
    input  wire                          cmd_clear,

    output wire                          status_busy,
    output wire [47:0]                   status_rows,
    output wire [47:0]                   status_popular_rows,
    output wire [47:0]                   status_hot_lookups,
    output wire [47:0]                   status_hot_hits,
    // FIFO high-water marks since reset: beat FIFO (beats), vocabulary-id / hot-slot FIFOs (rows)
    output wire [7:0]                    status_beat_fifo_hwm,
    output wire [7:0]                    status_vid_fifo_hwm,
    output wire [7:0]                    status_hot_fifo_hwm,

    // hot-set load window: address {table, sorted index, word}; word 0 id lo, 1 id hi, 2 slot
    input  wire                          tbl_hot_we,
    input  wire                          tbl_hot_re,
    input  wire [HOT_ADDR_W-1:0]         tbl_hot_addr,
    input  wire [31:0]                   tbl_hot_wdata,
    output wire [31:0]                   tbl_hot_rdata,

    // patch map (write only): address {beat, lane}; [7:0] table number, [8] replace by the vocabulary
    // id, [9] replace by the hot slot (popular rows)
    input  wire                          tbl_patch_we,
    input  wire                          tbl_patch_re,
    input  wire [7:0]                    tbl_patch_addr,
    input  wire [31:0]                   tbl_patch_wdata,
    output wire [31:0]                   tbl_patch_rdata,

    // vocabulary statistics (read only): word t = overflow of table t, VT_P2 + t = ids assigned
    input  wire                          tbl_vocab_stat_we,
    input  wire                          tbl_vocab_stat_re,
    input  wire [STAT_ADDR_W-1:0]        tbl_vocab_stat_addr,
    input  wire [31:0]                   tbl_vocab_stat_wdata,
    output wire [31:0]                   tbl_vocab_stat_rdata
);

localparam VT_W        = (VOCAB_TABLES > 1) ? $clog2(VOCAB_TABLES) : 1;
localparam HT_W        = (HOTSET_TABLES > 1) ? $clog2(HOTSET_TABLES) : 1;
localparam HLOG        = $clog2(HOTSET_CAPACITY);
localparam ID_W        = $clog2(VOCAB_BUCKETS * VOCAB_WAYS + 2);
localparam SLOT_W      = HLOG;
localparam CRW         = $clog2(RESULT_DEPTH) + 1;
localparam VID_DW      = VOCAB_TABLES * ID_W;
localparam HCW         = (HOTSET_TABLES < 8) ? 4 : $clog2(HOTSET_TABLES + 1);  // hot lookups / hits per row (>= 4 bits)
localparam HOT_DW      = HOTSET_TABLES * SLOT_W + 1 + 2 * HCW; // {lookups, hits, popular, slots}
localparam TN_W        = (KEY_SLOTS > 1) ? $clog2(KEY_SLOTS) : 1;  // feature number
localparam PE_W        = TN_W + 2;                          // patch map entry: {hot, vocab, table}
localparam RAW         = $clog2(RESULT_DEPTH);

initial begin
    if (MAX_SPARSE < 1 || MAX_SPARSE > 64 || VOCAB_TABLES < 1 || VOCAB_TABLES > 256
            || HOTSET_TABLES < 1 || HOTSET_TABLES > 256) begin
        $error("Error: MAX_SPARSE 1..64, VOCAB_TABLES and HOTSET_TABLES 1..256 (instance %m)");
        $finish;
    end
    if (VOCAB_SHARE < 1 || VOCAB_SHARE > 2) begin
        $error("Error: VOCAB_SHARE must be 1 or 2 (one request every 2 cycles) (instance %m)");
        $finish;
    end
    if (HOTSET_CAPACITY > 16384 || HOT_ADDR_W != HT_W + HLOG + 2 || STAT_ADDR_W != VT_W + 1) begin
        $error("Error: HOTSET_CAPACITY <= 16384; do not override HOT_ADDR_W/STAT_ADDR_W (instance %m)");
        $finish;
    end
    if (KEY_SLOTS != ((VOCAB_TABLES > HOTSET_TABLES) ? VOCAB_TABLES : HOTSET_TABLES)) begin
        $error("Error: KEY_SLOTS is derived; do not override it (instance %m)");
        $finish;
    end
    if (RESULT_DEPTH < 2 || (RESULT_DEPTH & (RESULT_DEPTH - 1)) != 0) begin
        $error("Error: RESULT_DEPTH must be a power of two >= 2 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tuser, tbl_hot_re, tbl_patch_re, tbl_vocab_stat_we, tbl_vocab_stat_wdata,
                       cfg_n_sparse, cfg_n_dense[6:1], tbl_patch_wdata};

// the row is read one word later when 3 + n_dense is odd, so that every 64-bit key is one lane
wire shift_row = !cfg_n_dense[0];

// ------------------------------------------------------------------ input skid
wire [1023:0] i_tdata;
wire [127:0]  i_tkeep;
wire          i_tvalid, i_tready, i_tlast;
wire [0:0]    unused_i_tuser;

axis_register #(
    .DATA_WIDTH(1024), .KEEP_ENABLE(1), .KEEP_WIDTH(128), .LAST_ENABLE(1), .USER_ENABLE(0),
    .USER_WIDTH(1), .REG_TYPE(2)
) in_reg_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(i_tdata), .m_axis_tkeep(i_tkeep), .m_axis_tvalid(i_tvalid),
    .m_axis_tready(i_tready), .m_axis_tlast(i_tlast), .m_axis_tuser(unused_i_tuser)
);

// ------------------------------------------------------------------ key capture and issue
// Beats that fire are aligned (one word later when 3 + n_dense is odd) into ab_reg; the next cycle
// every table whose feature's lane is in that beat takes its key (a 16:1 lane select per table). The
// request follows the row's last beat by two cycles.
reg  [3:0]    ib_reg;          // beat index in the packet (saturating)
reg           ikept_reg;       // the packet is a kept row (header: not tombstone, not eos)
reg  [31:0]   iw31_reg;        // word 31 of the packet's previous beat (lo word of lane 0 when shifted)
wire          i_kept = (ib_reg == 4'd0) ? !(i_tdata[32+24] || i_tdata[32+26]) : ikept_reg;
wire          i_need = i_tlast && i_kept;

reg           a_valid_reg;     // aligned beat
reg  [3:0]    a_ib_reg;
reg           a_issue_reg;     // ... is the last beat of a kept row
reg  [1023:0] ab_reg;
reg [CRW-1:0] credits_reg;     // requests issued whose row has not left
reg           req_valid_reg;   // request
reg           req_mode_reg;

wire busy;
wire bf_s_ready;
wire can_issue = !a_issue_reg && (credits_reg < RESULT_DEPTH);
assign i_tready = bf_s_ready && !busy && (!i_need || can_issue);
wire i_fire = i_tvalid && i_tready;
wire issue  = i_fire && i_need;
wire pop;

always @(posedge clk) begin
    a_valid_reg <= i_fire;
    a_issue_reg <= issue;
    if (i_fire) begin
        ab_reg   <= shift_row ? {i_tdata[991:0], iw31_reg} : i_tdata;
        a_ib_reg <= ib_reg;
        iw31_reg <= i_tdata[1023:992];
        ib_reg   <= i_tlast ? 4'd0 : (ib_reg == 4'hF ? ib_reg : ib_reg + 4'd1);
        if (ib_reg == 4'd0) ikept_reg <= i_kept;
    end
    req_valid_reg <= a_issue_reg;
    if (a_issue_reg) req_mode_reg <= cfg_mode;
    if (issue != pop) credits_reg <= issue ? credits_reg + 1'b1 : credits_reg - 1'b1;
    if (rst) begin
        ib_reg        <= 4'd0;
        a_valid_reg   <= 1'b0;
        a_issue_reg   <= 1'b0;
        req_valid_reg <= 1'b0;
        credits_reg   <= {CRW{1'b0}};
    end
end

// key of each numbered feature (one packed register: no per-slot wires in simulation)
reg [KEY_SLOTS*64-1:0] key_reg;

always @(posedge clk) begin : key_capture
    integer t;
    if (a_valid_reg) begin
        for (t = 0; t < KEY_SLOTS; t = t + 1)
            if (cfg_key_lane[8*t+4 +: 4] == a_ib_reg) key_reg[64*t +: 64] <= ab_reg[64*cfg_key_lane[8*t +: 4] +: 64];
    end
end

// ------------------------------------------------------------------ vocabulary tables
wire              v_valid;
wire [VID_DW-1:0] vid_flat;
wire [VOCAB_TABLES*32-1:0] vt_overflow, vt_assigned;

vocab_table #(
    .BUCKETS(VOCAB_BUCKETS), .WAYS(VOCAB_WAYS), .COUNT_WIDTH(8), .TABLES(VOCAB_TABLES), .HASH_SHARE(VOCAB_SHARE)
) vocab_inst (
    .clk(clk), .rst(rst),
    .cfg_threshold(cfg_threshold),
    .cmd_clear(cmd_clear),
    .s_valid(req_valid_reg),
    .s_key(key_reg[VOCAB_TABLES*64-1:0]),
    .s_count(req_mode_reg),
    .s_enable(cfg_vocab_enable),
    .m_valid(v_valid),
    .m_id(vid_flat),
    .status_busy(busy),
    .status_overflow(vt_overflow),
    .status_assigned(vt_assigned)
);

// ------------------------------------------------------------------ hot-set tables
// The hot tables' keys wait in a FIFO (one entry per request, LUTRAM) for the row's vocabulary results;
// then every hot table gets its query: the vocabulary id of its feature (from_vocab) or the key.
reg [HOTSET_TABLES*64-1:0] hkf_mem [0:RESULT_DEPTH-1];
reg [RAW-1:0]              hkf_wr_reg, hkf_rd_reg;
reg                        hq_valid_reg;
reg                        hb_valid_reg;   // bypass: a row without hot-set lookups
reg [HOTSET_TABLES*64-1:0] hq_reg;
wire [HOTSET_TABLES*(HLOG+1)-1:0] hot_count;      // cfg_hotset_count, HLOG+1 bits each
wire [HOTSET_TABLES*(15-HLOG)-1:0] unused_count;

always @(posedge clk) begin
    if (req_valid_reg) hkf_mem[hkf_wr_reg] <= key_reg[HOTSET_TABLES*64-1:0];
end

always @(posedge clk) begin : hot_query
    reg [HOTSET_TABLES*64-1:0] hk;
    integer t;
    if (v_valid && cfg_hot_split && !cfg_mode) begin
        hk = hkf_mem[hkf_rd_reg];
        for (t = 0; t < HOTSET_TABLES; t = t + 1) begin
            if (t < VOCAB_TABLES && cfg_hotset_from_vocab[t])
                hq_reg[64*t +: 64] <= {{(64-ID_W){1'b0}}, vid_flat[ID_W*t +: ID_W]};
            else
                hq_reg[64*t +: 64] <= hk[64*t +: 64];
        end
    end
end

always @(posedge clk) begin
    if (req_valid_reg) hkf_wr_reg <= hkf_wr_reg + 1'b1;
    if (v_valid) hkf_rd_reg <= hkf_rd_reg + 1'b1;
    // no lookups when their results go unused (no hot split, or PASS1): the hot FIFO then gets a
    // constant entry (popular, no lookups) one cycle after the vocabulary results, in row order
    // (cfg_hot_split and cfg_mode change between streams only)
    hq_valid_reg <= v_valid && cfg_hot_split && !cfg_mode;
    hb_valid_reg <= v_valid && !(cfg_hot_split && !cfg_mode);
    if (rst) begin
        hb_valid_reg <= 1'b0;
        hkf_wr_reg   <= {RAW{1'b0}};
        hkf_rd_reg   <= {RAW{1'b0}};
        hq_valid_reg <= 1'b0;
    end
end

genvar gk;
generate
for (gk = 0; gk < HOTSET_TABLES; gk = gk + 1) begin : gen_hcount
    assign hot_count[(HLOG+1)*gk +: HLOG+1] = cfg_hotset_count[16*gk +: HLOG+1];
    assign unused_count[(15-HLOG)*gk +: 15-HLOG] = cfg_hotset_count[16*gk+HLOG+1 +: 15-HLOG];
end
endgenerate

wire                     hot_valid;
wire [HOTSET_TABLES-1:0] hot_hit;
wire [HOTSET_TABLES*SLOT_W-1:0] hot_slot;

hotset_table #(
    .CAPACITY(HOTSET_CAPACITY), .TABLES(HOTSET_TABLES)
) hot_inst (
    .clk(clk), .rst(rst),
    .wr_en(tbl_hot_we),
    .wr_table(tbl_hot_addr[HOT_ADDR_W-1 -: HT_W]),
    .wr_index(tbl_hot_addr[HLOG+1:2]),
    .wr_word(tbl_hot_addr[1:0]),
    .wr_data(tbl_hot_wdata),
    .cfg_count(hot_count),
    .s_valid(hq_valid_reg),
    .s_q(hq_reg),
    .m_valid(hot_valid),
    .m_hit(hot_hit),
    .m_slot(hot_slot)
);

assign tbl_hot_rdata = 32'd0;  // the hot window is write-only

// popular flag and lookup / hit counts of the row (the hot tables answer together), in three registered
// steps so that no count is a chain of adders: counts of groups of 4 tables, sums of pairs of groups, total
localparam NG4 = (HOTSET_TABLES + 3) / 4;
localparam NG8 = (NG4 + 1) / 2;
reg                      hc1_valid_reg, hc2_valid_reg, hr_valid_reg;
reg                      hc1_pop_reg, hc2_pop_reg;
reg [HOTSET_TABLES*SLOT_W-1:0] hc1_slot_reg, hc2_slot_reg;
reg [NG4*3-1:0]          hc1_nl_reg, hc1_nh_reg;   // per group of 4 tables: 0..4
reg [NG8*4-1:0]          hc2_nl_reg, hc2_nh_reg;   // per pair of groups: 0..8
reg [HOT_DW-1:0]         hr_data_reg;

always @(posedge clk) begin : hot_done
    reg [HCW-1:0] nl, nh;
    reg [2:0]     gl, gh;
    reg [3:0]     pl, ph;
    integer g, t;
    hc1_valid_reg <= hot_valid;
    hc2_valid_reg <= hc1_valid_reg;
    hr_valid_reg  <= hc2_valid_reg || hb_valid_reg;
    if (hb_valid_reg) hr_data_reg <= {{(2*HCW){1'b0}}, 1'b1, {(HOTSET_TABLES*SLOT_W){1'b0}}};
    if (hot_valid) begin
        hc1_pop_reg  <= &(hot_hit | ~cfg_hotset_enable);
        hc1_slot_reg <= hot_slot;
        for (g = 0; g < NG4; g = g + 1) begin
            gl = 3'd0;
            gh = 3'd0;
            for (t = 4 * g; t < 4 * g + 4 && t < HOTSET_TABLES; t = t + 1) begin
                gl = gl + {2'd0, cfg_hotset_enable[t]};
                gh = gh + {2'd0, cfg_hotset_enable[t] && hot_hit[t]};
            end
            hc1_nl_reg[3*g +: 3] <= gl;
            hc1_nh_reg[3*g +: 3] <= gh;
        end
    end
    if (hc1_valid_reg) begin
        hc2_pop_reg  <= hc1_pop_reg;
        hc2_slot_reg <= hc1_slot_reg;
        for (g = 0; g < NG8; g = g + 1) begin
            pl = {1'b0, hc1_nl_reg[6*g +: 3]};
            ph = {1'b0, hc1_nh_reg[6*g +: 3]};
            if (2 * g + 1 < NG4) begin
                pl = pl + {1'b0, hc1_nl_reg[6*g+3 +: 3]};
                ph = ph + {1'b0, hc1_nh_reg[6*g+3 +: 3]};
            end
            hc2_nl_reg[4*g +: 4] <= pl;
            hc2_nh_reg[4*g +: 4] <= ph;
        end
    end
    if (hc2_valid_reg) begin
        nl = {HCW{1'b0}};
        nh = {HCW{1'b0}};
        for (g = 0; g < NG8; g = g + 1) begin
            nl = nl + {{(HCW-4){1'b0}}, hc2_nl_reg[4*g +: 4]};
            nh = nh + {{(HCW-4){1'b0}}, hc2_nh_reg[4*g +: 4]};
        end
        hr_data_reg <= {cfg_hot_split ? nl : {HCW{1'b0}}, cfg_hot_split ? nh : {HCW{1'b0}},
                        !cfg_hot_split || hc2_pop_reg, hc2_slot_reg};
    end
    if (rst) begin
        hc1_valid_reg <= 1'b0;
        hc2_valid_reg <= 1'b0;
        hr_valid_reg  <= 1'b0;
    end
end

// ------------------------------------------------------------------ result FIFOs
wire              vf_valid, hf_valid;
wire [VID_DW-1:0] vf_data;
wire [HOT_DW-1:0] hf_data;
wire              unused_vf_ready, unused_hf_ready;
wire [0:0]        unused_vf_keep, unused_hf_keep;
wire              unused_vf_last, unused_hf_last;
wire [0:0]        unused_vf_user, unused_hf_user;
wire [CRW-1:0]    unused_vf_lvl, unused_hf_lvl;
// high-water marks widened to 16 bits, then saturated to 8
wire [15:0]       vf_hwm16, hf_hwm16;
assign vf_hwm16[15:CRW] = {(16-CRW){1'b0}};
assign hf_hwm16[15:CRW] = {(16-CRW){1'b0}};
assign status_vid_fifo_hwm = (vf_hwm16 > 16'd255) ? 8'hff : vf_hwm16[7:0];
assign status_hot_fifo_hwm = (hf_hwm16 > 16'd255) ? 8'hff : hf_hwm16[7:0];

axis_fifo #(
    .DEPTH(RESULT_DEPTH), .DATA_WIDTH(VID_DW), .KEEP_ENABLE(0), .KEEP_WIDTH(1), .LAST_ENABLE(0),
    .USER_ENABLE(0), .USER_WIDTH(1), .STATUS_ENABLE(1)
) vid_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(vid_flat), .s_axis_tkeep(1'b1), .s_axis_tvalid(v_valid), .s_axis_tready(unused_vf_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(vf_data), .m_axis_tkeep(unused_vf_keep), .m_axis_tvalid(vf_valid), .m_axis_tready(pop),
    .m_axis_tlast(unused_vf_last), .m_axis_tuser(unused_vf_user),
    .status_level(unused_vf_lvl), .status_high_water(vf_hwm16[CRW-1:0]), .status_hwm_clear(1'b0)
);

axis_fifo #(
    .DEPTH(RESULT_DEPTH), .DATA_WIDTH(HOT_DW), .KEEP_ENABLE(0), .KEEP_WIDTH(1), .LAST_ENABLE(0),
    .USER_ENABLE(0), .USER_WIDTH(1), .STATUS_ENABLE(1)
) hot_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(hr_data_reg), .s_axis_tkeep(1'b1), .s_axis_tvalid(hr_valid_reg), .s_axis_tready(unused_hf_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(hf_data), .m_axis_tkeep(unused_hf_keep), .m_axis_tvalid(hf_valid), .m_axis_tready(pop),
    .m_axis_tlast(unused_hf_last), .m_axis_tuser(unused_hf_user),
    .status_level(unused_hf_lvl), .status_high_water(hf_hwm16[CRW-1:0]), .status_hwm_clear(1'b0)
);

// ------------------------------------------------------------------ beat FIFO
wire [1023:0] b_tdata;
wire [127:0]  b_tkeep;
wire          b_tvalid, b_tready, b_tlast;
wire [0:0]    unused_b_user;
localparam BLW = $clog2(BEAT_FIFO_DEPTH) + 1;
wire [BLW-1:0] unused_b_lvl;
wire [15:0]    b_hwm16;
assign b_hwm16[15:BLW] = {(16-BLW){1'b0}};
assign status_beat_fifo_hwm = (b_hwm16 > 16'd255) ? 8'hff : b_hwm16[7:0];

axis_fifo #(
    .DEPTH(BEAT_FIFO_DEPTH), .DATA_WIDTH(1024), .KEEP_ENABLE(1), .KEEP_WIDTH(128), .LAST_ENABLE(1),
    .USER_ENABLE(0), .USER_WIDTH(1), .STATUS_ENABLE(1)
) beat_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(i_tdata), .s_axis_tkeep(i_tkeep), .s_axis_tvalid(i_fire),
    .s_axis_tready(bf_s_ready), .s_axis_tlast(i_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(b_tdata), .m_axis_tkeep(b_tkeep), .m_axis_tvalid(b_tvalid), .m_axis_tready(b_tready),
    .m_axis_tlast(b_tlast), .m_axis_tuser(unused_b_user),
    .status_level(unused_b_lvl), .status_high_water(b_hwm16[BLW-1:0]), .status_hwm_clear(1'b0)
);

// ------------------------------------------------------------------ patch map (16 beats x 16 lanes)
// one LUTRAM row per beat, all 16 lanes' entries side by side (one read per output beat)
reg [16*PE_W-1:0] pmap_mem [0:15];

always @(posedge clk) begin
    if (tbl_patch_we)
        pmap_mem[tbl_patch_addr[7:4]][PE_W*tbl_patch_addr[3:0] +: PE_W] <=
            {tbl_patch_wdata[9:8], tbl_patch_wdata[0 +: TN_W]};
end
assign tbl_patch_rdata = 32'd0;  // write-only

// ------------------------------------------------------------------ patch and output
reg  [3:0]   ob_reg;
reg          okept_reg;
reg          ozero_reg;         // shifted rows: word 0 of the next beat is the hi word of a replaced lane
reg          p_valid_reg;
reg [1023:0] p_data_reg;
reg [127:0]  p_keep_reg;
reg          p_last_reg;
wire         o_tready;
wire         o_kept = (ob_reg == 4'd0) ? !(b_tdata[32+24] || b_tdata[32+26]) : okept_reg;
wire         p_ready = !p_valid_reg || o_tready;
assign b_tready = p_ready && (!o_kept || (vf_valid && hf_valid));
wire         b_fire = b_tvalid && b_tready;
assign pop = b_fire && b_tlast && o_kept;

wire             popular   = hf_data[HOTSET_TABLES*SLOT_W];
wire [HCW-1:0]   n_hits    = hf_data[HOTSET_TABLES*SLOT_W + 1 +: HCW];
wire [HCW-1:0]   n_lookups = hf_data[HOTSET_TABLES*SLOT_W + 1 + HCW +: HCW];

always @(posedge clk) begin : patch
    reg [1023:0]      pd;
    reg [16*PE_W-1:0] row;
    reg [PE_W-1:0]    e;
    reg [KEY_SLOTS*32-1:0] tv;   // per numbered feature: its replacement value in this row
    reg [31:0]        v;
    reg               hs, rp, z;
    integer           l, t;
    if (b_fire) begin
        pd = b_tdata;
        z = 1'b0;
        if (o_kept && !cfg_mode) begin
            if (ob_reg == 4'd0) pd[32 + 25] = popular;
            if (shift_row && ozero_reg) pd[31:0] = 32'd0;
            hs = cfg_hot_split && popular;
            for (t = 0; t < KEY_SLOTS; t = t + 1) begin
                tv[32*t +: 32] = 32'd0;
                if (t < HOTSET_TABLES && hs && cfg_hotset_enable[t])
                    tv[32*t +: SLOT_W] = hf_data[SLOT_W*t +: SLOT_W];
                else if (t < VOCAB_TABLES)
                    tv[32*t +: ID_W] = vf_data[ID_W*t +: ID_W];
            end
            row = pmap_mem[ob_reg];
            for (l = 0; l < 16; l = l + 1) begin
                e = row[PE_W*l +: PE_W];
                rp = (hs && e[TN_W+1]) || e[TN_W];
                v = tv[32*e[TN_W-1:0] +: 32];
                if (rp) begin
                    if (shift_row) begin
                        pd[32*(2*l+1) +: 32] = v;
                        if (l < 15) pd[32*(2*l+2) +: 32] = 32'd0;
                        else z = 1'b1;
                    end else begin
                        pd[64*l +: 64] = {32'd0, v};
                    end
                end
            end
        end
        p_data_reg <= pd;
        p_keep_reg <= b_tkeep;
        p_last_reg <= b_tlast;
        ozero_reg  <= z && !b_tlast;
        ob_reg <= b_tlast ? 4'd0 : (ob_reg == 4'hF ? ob_reg : ob_reg + 4'd1);
        if (ob_reg == 4'd0) okept_reg <= o_kept;
    end
    if (b_fire) p_valid_reg <= 1'b1;
    else if (o_tready) p_valid_reg <= 1'b0;
    if (rst) begin
        ob_reg      <= 4'd0;
        ozero_reg   <= 1'b0;
        p_valid_reg <= 1'b0;
    end
end

wire [0:0] unused_o_user;
axis_register #(
    .DATA_WIDTH(1024), .KEEP_ENABLE(1), .KEEP_WIDTH(128), .LAST_ENABLE(1), .USER_ENABLE(0),
    .USER_WIDTH(1), .REG_TYPE(2)
) out_reg_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(p_data_reg), .s_axis_tkeep(p_keep_reg), .s_axis_tvalid(p_valid_reg),
    .s_axis_tready(o_tready), .s_axis_tlast(p_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_o_user)
);
assign m_axis_tuser = 1'b0;

// ------------------------------------------------------------------ counters and statistics
reg [47:0] rows_reg, popular_reg, lookups_reg, hits_reg;
always @(posedge clk) begin
    if (pop) begin
        rows_reg <= rows_reg + 48'd1;
        if (!cfg_mode) begin
            popular_reg <= popular_reg + {47'd0, popular};
            lookups_reg <= lookups_reg + {{(48-HCW){1'b0}}, n_lookups};
            hits_reg    <= hits_reg + {{(48-HCW){1'b0}}, n_hits};
        end
    end
    if (rst || cmd_clear) begin
        rows_reg    <= 48'd0;
        popular_reg <= 48'd0;
        lookups_reg <= 48'd0;
        hits_reg    <= 48'd0;
    end
end
assign status_busy         = busy;
assign status_rows         = rows_reg;
assign status_popular_rows = popular_reg;
assign status_hot_lookups  = lookups_reg;
assign status_hot_hits     = hits_reg;

reg [31:0] stat_rdata_reg;
wire [VT_W-1:0] stat_t = tbl_vocab_stat_addr[VT_W-1:0];
always @(posedge clk) begin
    if (tbl_vocab_stat_re) begin
        if ({{(32-VT_W){1'b0}}, stat_t} >= VOCAB_TABLES) stat_rdata_reg <= 32'd0;
        else stat_rdata_reg <= tbl_vocab_stat_addr[VT_W] ? vt_assigned[32*stat_t +: 32] : vt_overflow[32*stat_t +: 32];
    end
end
assign tbl_vocab_stat_rdata = stat_rdata_reg;

endmodule

`resetall
