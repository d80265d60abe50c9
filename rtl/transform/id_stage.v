// SPDX-License-Identifier: Apache-2.0
// Sluice id stage: the in-order stage after the lane merger (docs/spec/idstage_rtl.md).
// Golden model: models/transform.py TransformState.id_stage (vocabulary pass 2 + hot-set
// split); pass 1 = VocabTable.count. Stream format: TransformedRecord
// (docs/formats/records.md), 1024-bit beats of 32 words, one packet out per packet in,
// in order; tombstones and end-of-stream markers pass unchanged.
//
// Structure:
//   s_axis -> skid -> [key capture] -> beat FIFO ---------------------------> [patch] -> skid -> m_axis
//                          | (last beat of a kept row: one request)              ^
//                          v                                                     |
//                   VOCAB_TABLES x vocab_table (8 cycles) -> id FIFO ------------+
//                          v                                                     |
//                   HOTSET_TABLES x hotset_table (LOG2(CAPACITY)+1) -> hot FIFO -+
// A request is issued at most every other cycle (a vocabulary table's read-modify-write
// needs 2 cycles); kept rows of >= 2 beats never wait for it. Requests are issued only
// while the result FIFOs have room for every request in flight (credits), so the lookup
// pipelines never stall.
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
// synth-flags: -noabc

`resetall
`timescale 1ns / 1ps
`default_nettype none

module id_stage #(
    // Sparse features handled (entries of the cfg_sparse_* arrays)
    parameter MAX_SPARSE        = 4,
    // Vocabulary tables (each serves one feature)
    parameter VOCAB_TABLES      = 2,
    // Buckets per vocabulary table (power of two)
    parameter VOCAB_BUCKETS     = 16,
    // Ways per bucket
    parameter VOCAB_WAYS        = 2,
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
    parameter STAT_ADDR_W       = ((VOCAB_TABLES > 1) ? $clog2(VOCAB_TABLES) : 1) + 1
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
    input  wire [MAX_SPARSE-1:0]         cfg_sparse_vocab,
    input  wire [MAX_SPARSE*8-1:0]       cfg_sparse_vocab_table,
    input  wire [MAX_SPARSE-1:0]         cfg_sparse_hot,
    input  wire [MAX_SPARSE*8-1:0]       cfg_sparse_hot_table,
    input  wire [HOTSET_TABLES*16-1:0]   cfg_hotset_count,
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
localparam FW          = (MAX_SPARSE > 1) ? $clog2(MAX_SPARSE) : 1;
localparam ID_W        = $clog2(VOCAB_BUCKETS * VOCAB_WAYS + 2);
localparam SLOT_W      = HLOG;
localparam VLAT        = 8;                 // vocab_table latency
localparam CRW         = $clog2(RESULT_DEPTH) + 1;
localparam VID_DW      = VOCAB_TABLES * ID_W;
localparam HOT_DW      = HOTSET_TABLES * (SLOT_W + 1);

initial begin
    if (MAX_SPARSE < 1 || MAX_SPARSE > 64 || VOCAB_TABLES < 1 || VOCAB_TABLES > 256
            || HOTSET_TABLES < 1 || HOTSET_TABLES > 256) begin
        $error("Error: MAX_SPARSE 1..64, VOCAB_TABLES and HOTSET_TABLES 1..256 (instance %m)");
        $finish;
    end
    if (HOTSET_CAPACITY > 16384 || HOT_ADDR_W != HT_W + HLOG + 2 || STAT_ADDR_W != VT_W + 1) begin
        $error("Error: HOTSET_CAPACITY <= 16384; do not override HOT_ADDR_W/STAT_ADDR_W (instance %m)");
        $finish;
    end
    if (RESULT_DEPTH < 2 || (RESULT_DEPTH & (RESULT_DEPTH - 1)) != 0) begin
        $error("Error: RESULT_DEPTH must be a power of two >= 2 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tuser, tbl_hot_re, tbl_vocab_stat_we, tbl_vocab_stat_wdata};

// ------------------------------------------------------------------ configuration maps (registered)
// table t serves the lowest enabled feature naming it; a feature takes part only if it owns its table
reg [FW-1:0]   vt_feat_reg [0:VOCAB_TABLES-1];
reg            vt_en_reg   [0:VOCAB_TABLES-1];
reg [FW-1:0]   ht_feat_reg [0:HOTSET_TABLES-1];
reg            ht_en_reg   [0:HOTSET_TABLES-1];
reg            ht_isv_reg  [0:HOTSET_TABLES-1];  // its feature is vocabulary-mapped
reg [VT_W-1:0] ht_vt_reg   [0:HOTSET_TABLES-1];  // ... by this vocabulary table
reg [MAX_SPARSE-1:0] f_vocab_reg;
reg [MAX_SPARSE-1:0] f_hot_reg;
reg [VT_W-1:0] f_vt_reg [0:MAX_SPARSE-1];
reg [HT_W-1:0] f_ht_reg [0:MAX_SPARSE-1];

reg [FW-1:0]   vt_feat [0:VOCAB_TABLES-1];
reg            vt_en   [0:VOCAB_TABLES-1];
reg [FW-1:0]   ht_feat [0:HOTSET_TABLES-1];
reg            ht_en   [0:HOTSET_TABLES-1];
reg [MAX_SPARSE-1:0] f_active_v, f_active_h;
integer t, f;

always @* begin
    for (f = 0; f < MAX_SPARSE; f = f + 1) begin
        f_active_v[f] = (f < cfg_n_sparse) && cfg_sparse_vocab[f] && ({24'd0, cfg_sparse_vocab_table[f*8 +: 8]} < VOCAB_TABLES);
        f_active_h[f] = (f < cfg_n_sparse) && cfg_sparse_hot[f] && ({24'd0, cfg_sparse_hot_table[f*8 +: 8]} < HOTSET_TABLES);
    end
    for (t = 0; t < VOCAB_TABLES; t = t + 1) begin
        vt_en[t] = 1'b0;
        vt_feat[t] = {FW{1'b0}};
        for (f = MAX_SPARSE - 1; f >= 0; f = f - 1) begin
            if (f_active_v[f] && {24'd0, cfg_sparse_vocab_table[f*8 +: 8]} == t) begin
                vt_en[t] = 1'b1;
                vt_feat[t] = f[FW-1:0];
            end
        end
    end
    for (t = 0; t < HOTSET_TABLES; t = t + 1) begin
        ht_en[t] = 1'b0;
        ht_feat[t] = {FW{1'b0}};
        for (f = MAX_SPARSE - 1; f >= 0; f = f - 1) begin
            if (f_active_h[f] && {24'd0, cfg_sparse_hot_table[f*8 +: 8]} == t) begin
                ht_en[t] = 1'b1;
                ht_feat[t] = f[FW-1:0];
            end
        end
    end
end

always @(posedge clk) begin
    for (t = 0; t < VOCAB_TABLES; t = t + 1) begin
        vt_en_reg[t]   <= vt_en[t];
        vt_feat_reg[t] <= vt_feat[t];
    end
    for (f = 0; f < MAX_SPARSE; f = f + 1) begin
        f_vt_reg[f]    <= cfg_sparse_vocab_table[f*8 +: VT_W];
        f_ht_reg[f]    <= cfg_sparse_hot_table[f*8 +: HT_W];
        f_vocab_reg[f] <= f_active_v[f] && vt_feat[cfg_sparse_vocab_table[f*8 +: VT_W]] == f[FW-1:0];
        f_hot_reg[f]   <= f_active_h[f] && ht_feat[cfg_sparse_hot_table[f*8 +: HT_W]] == f[FW-1:0];
    end
    for (t = 0; t < HOTSET_TABLES; t = t + 1) begin
        ht_en_reg[t]   <= ht_en[t];
        ht_feat_reg[t] <= ht_feat[t];
        ht_isv_reg[t]  <= f_vocab_reg[ht_feat_reg[t]];
        ht_vt_reg[t]   <= f_vt_reg[ht_feat_reg[t]];
    end
end

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
reg  [3:0]  ib_reg;            // beat index in the packet (saturating)
reg         ikept_reg;         // the packet is a kept row (header: not tombstone, not eos)
wire        i_kept = (ib_reg == 4'd0) ? !(i_tdata[32+24] || i_tdata[32+26]) : ikept_reg;
wire        i_need = i_tlast && i_kept;

reg [CRW-1:0] credits_reg;     // requests issued whose row has not left
reg           req_valid_reg;
reg           req_mode_reg;
reg [63:0]    req_key_reg [0:MAX_SPARSE-1];
reg [31:0]    key_lo_reg  [0:MAX_SPARSE-1];
reg [31:0]    key_hi_reg  [0:MAX_SPARSE-1];
reg [31:0]    key_lo_cur  [0:MAX_SPARSE-1];
reg [31:0]    key_hi_cur  [0:MAX_SPARSE-1];

wire busy;
wire bf_s_ready;
wire can_issue = !req_valid_reg && (credits_reg < RESULT_DEPTH);
assign i_tready = bf_s_ready && !busy && (!i_need || can_issue);
wire i_fire = i_tvalid && i_tready;
wire issue  = i_fire && i_need;
wire pop;

reg [9:0] wl, wh;
always @* begin
    for (f = 0; f < MAX_SPARSE; f = f + 1) begin
        wl = 10'd3 + {3'd0, cfg_n_dense} + 10'd2 * f[9:0];
        wh = wl + 10'd1;
        key_lo_cur[f] = ({1'b0, ib_reg} == wl[9:5]) ? i_tdata[32*wl[4:0] +: 32] : key_lo_reg[f];
        key_hi_cur[f] = ({1'b0, ib_reg} == wh[9:5]) ? i_tdata[32*wh[4:0] +: 32] : key_hi_reg[f];
    end
end

always @(posedge clk) begin
    if (i_fire) begin
        ib_reg <= i_tlast ? 4'd0 : (ib_reg == 4'hF ? ib_reg : ib_reg + 4'd1);
        if (ib_reg == 4'd0) ikept_reg <= i_kept;
        for (f = 0; f < MAX_SPARSE; f = f + 1) begin
            key_lo_reg[f] <= key_lo_cur[f];
            key_hi_reg[f] <= key_hi_cur[f];
        end
    end
    req_valid_reg <= issue;
    if (issue) begin
        req_mode_reg <= cfg_mode;
        for (f = 0; f < MAX_SPARSE; f = f + 1) req_key_reg[f] <= {key_hi_cur[f], key_lo_cur[f]};
    end
    credits_reg <= credits_reg + {{(CRW-1){1'b0}}, issue} - {{(CRW-1){1'b0}}, pop};
    if (rst) begin
        ib_reg        <= 4'd0;
        req_valid_reg <= 1'b0;
        credits_reg   <= {CRW{1'b0}};
    end
end

// ------------------------------------------------------------------ vocabulary tables
wire [ID_W-1:0] vid [0:VOCAB_TABLES-1];
wire [VOCAB_TABLES-1:0] vt_busy;
wire [VOCAB_TABLES-1:0] vt_valid;
wire [31:0] vt_overflow [0:VOCAB_TABLES-1];
wire [31:0] vt_assigned [0:VOCAB_TABLES-1];
wire [VID_DW-1:0] vid_flat;

genvar gt;
generate
for (gt = 0; gt < VOCAB_TABLES; gt = gt + 1) begin : gen_vocab
    vocab_table #(
        .BUCKETS(VOCAB_BUCKETS), .WAYS(VOCAB_WAYS), .COUNT_WIDTH(8)
    ) vocab_inst (
        .clk(clk), .rst(rst),
        .cfg_threshold(cfg_threshold),
        .cmd_clear(cmd_clear),
        .s_valid(req_valid_reg),
        .s_key(req_key_reg[vt_feat_reg[gt]]),
        .s_count(req_mode_reg),
        .s_enable(vt_en_reg[gt]),
        .m_valid(vt_valid[gt]),
        .m_id(vid[gt]),
        .status_busy(vt_busy[gt]),
        .status_overflow(vt_overflow[gt]),
        .status_assigned(vt_assigned[gt])
    );
    assign vid_flat[gt*ID_W +: ID_W] = vid[gt];
end
endgenerate

assign busy = |vt_busy;
wire v_valid = vt_valid[0];
wire [VOCAB_TABLES-1:0] unused_vt_valid = vt_valid;

// keys of the hot tables' features, delayed to meet the vocabulary results
reg [63:0] hkey_dly [0:HOTSET_TABLES-1][0:VLAT-1];
integer d;
always @(posedge clk) begin
    for (t = 0; t < HOTSET_TABLES; t = t + 1) begin
        hkey_dly[t][0] <= req_key_reg[ht_feat_reg[t]];
        for (d = 1; d < VLAT; d = d + 1) hkey_dly[t][d] <= hkey_dly[t][d-1];
    end
end

// ------------------------------------------------------------------ hot-set tables
reg             hq_valid_reg;
reg [63:0]      hq_reg [0:HOTSET_TABLES-1];
wire            hot_valid [0:HOTSET_TABLES-1];
wire            hot_hit   [0:HOTSET_TABLES-1];
wire [SLOT_W-1:0] hot_slot [0:HOTSET_TABLES-1];
wire [HOT_DW-1:0] hot_flat;

always @(posedge clk) begin
    hq_valid_reg <= v_valid;
    for (t = 0; t < HOTSET_TABLES; t = t + 1)
        hq_reg[t] <= ht_isv_reg[t] ? {{(64-ID_W){1'b0}}, vid[ht_vt_reg[t]]} : hkey_dly[t][VLAT-1];
    if (rst) hq_valid_reg <= 1'b0;
end

wire [HT_W-1:0] hw_table = tbl_hot_addr[HOT_ADDR_W-1 -: HT_W];

generate
for (gt = 0; gt < HOTSET_TABLES; gt = gt + 1) begin : gen_hot
    hotset_table #(
        .CAPACITY(HOTSET_CAPACITY)
    ) hot_inst (
        .clk(clk), .rst(rst),
        .wr_en(tbl_hot_we && hw_table == gt),
        .wr_index(tbl_hot_addr[HLOG+1:2]),
        .wr_word(tbl_hot_addr[1:0]),
        .wr_data(tbl_hot_wdata),
        .cfg_count(cfg_hotset_count[gt*16 +: HLOG+1]),
        .s_valid(hq_valid_reg),
        .s_q(hq_reg[gt]),
        .m_valid(hot_valid[gt]),
        .m_hit(hot_hit[gt]),
        .m_slot(hot_slot[gt])
    );
    assign hot_flat[gt*(SLOT_W+1) +: SLOT_W+1] = {hot_hit[gt] && ht_en_reg[gt], hot_slot[gt]};
    wire [14-HLOG:0] unused_count = cfg_hotset_count[gt*16+HLOG+1 +: 15-HLOG];
end
endgenerate

assign tbl_hot_rdata = 32'd0;  // the hot window is write-only

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
    .s_axis_tdata(hot_flat), .s_axis_tkeep(1'b1), .s_axis_tvalid(hot_valid[0]), .s_axis_tready(unused_hf_ready),
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
    .s_axis_tdata(i_tdata), .s_axis_tkeep(i_tkeep), .s_axis_tvalid(i_tvalid && i_tready),
    .s_axis_tready(bf_s_ready), .s_axis_tlast(i_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(b_tdata), .m_axis_tkeep(b_tkeep), .m_axis_tvalid(b_tvalid), .m_axis_tready(b_tready),
    .m_axis_tlast(b_tlast), .m_axis_tuser(unused_b_user),
    .status_level(unused_b_lvl), .status_high_water(b_hwm16[BLW-1:0]), .status_hwm_clear(1'b0)
);

// ------------------------------------------------------------------ patch and output
reg  [3:0]  ob_reg;
reg         okept_reg;
wire        o_kept = (ob_reg == 4'd0) ? !(b_tdata[32+24] || b_tdata[32+26]) : okept_reg;
wire        o_tready;
wire        o_tvalid = b_tvalid && (!o_kept || (vf_valid && hf_valid));
assign b_tready = o_tready && (!o_kept || (vf_valid && hf_valid));
wire        o_fire = b_tvalid && b_tready;
assign pop = o_fire && b_tlast && o_kept;

reg                  popular;
reg [MAX_SPARSE-1:0] f_hit;
reg [MAX_SPARSE-1:0] repl;
reg [31:0]           rval [0:MAX_SPARSE-1];
reg [1023:0]         o_tdata;
reg [9:0]            gw, sidx;
reg [6:0]            n_lookups, n_hits;
integer p;

always @* begin
    popular = 1'b1;
    for (f = 0; f < MAX_SPARSE; f = f + 1) begin
        f_hit[f] = hf_data[f_ht_reg[f]*(SLOT_W+1) + SLOT_W];
        if (f_hot_reg[f] && !f_hit[f]) popular = 1'b0;
    end
    if (!cfg_hot_split) popular = 1'b1;
    n_lookups = 7'd0;
    n_hits = 7'd0;
    for (f = 0; f < MAX_SPARSE; f = f + 1) begin
        if (cfg_hot_split && f_hot_reg[f]) begin
            n_lookups = n_lookups + 7'd1;
            if (f_hit[f]) n_hits = n_hits + 7'd1;
        end
        if (cfg_hot_split && popular && f_hot_reg[f]) begin
            repl[f] = 1'b1;
            rval[f] = {{(32-SLOT_W){1'b0}}, hf_data[f_ht_reg[f]*(SLOT_W+1) +: SLOT_W]};
        end else begin
            repl[f] = f_vocab_reg[f];
            rval[f] = {{(32-ID_W){1'b0}}, vf_data[f_vt_reg[f]*ID_W +: ID_W]};
        end
    end
    o_tdata = b_tdata;
    gw = 10'd0;
    sidx = 10'd0;
    if (o_kept && !cfg_mode) begin
        if (ob_reg == 4'd0) o_tdata[32 + 25] = popular;
        for (p = 0; p < 32; p = p + 1) begin
            gw   = {1'b0, ob_reg, 5'b00000} + p[9:0];
            sidx = gw - 10'd3 - {3'd0, cfg_n_dense};
            for (f = 0; f < MAX_SPARSE; f = f + 1) begin
                if (gw >= 10'd3 + {3'd0, cfg_n_dense} && sidx[9:1] == f[8:0] && repl[f])
                    o_tdata[32*p +: 32] = sidx[0] ? 32'd0 : rval[f];
            end
        end
    end
end

always @(posedge clk) begin
    if (o_fire) begin
        ob_reg <= b_tlast ? 4'd0 : (ob_reg == 4'hF ? ob_reg : ob_reg + 4'd1);
        if (ob_reg == 4'd0) okept_reg <= o_kept;
    end
    if (rst) ob_reg <= 4'd0;
end

wire [0:0] unused_o_user;
axis_register #(
    .DATA_WIDTH(1024), .KEEP_ENABLE(1), .KEEP_WIDTH(128), .LAST_ENABLE(1), .USER_ENABLE(0),
    .USER_WIDTH(1), .REG_TYPE(2)
) out_reg_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(o_tdata), .s_axis_tkeep(b_tkeep), .s_axis_tvalid(o_tvalid),
    .s_axis_tready(o_tready), .s_axis_tlast(b_tlast), .s_axis_tuser(1'b0),
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
            lookups_reg <= lookups_reg + {41'd0, n_lookups};
            hits_reg    <= hits_reg + {41'd0, n_hits};
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
        else stat_rdata_reg <= tbl_vocab_stat_addr[VT_W] ? vt_assigned[stat_t] : vt_overflow[stat_t];
    end
end
assign tbl_vocab_stat_rdata = stat_rdata_reg;

endmodule

`resetall
