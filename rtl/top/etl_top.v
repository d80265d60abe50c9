// SPDX-License-Identifier: Apache-2.0
// Sluice top level (docs/spec/system_rtl.md): text in, training batches out, one AXI-Lite CSR slave.
//
//   s_axis (text, IN_BYTES/beat) -> decode_front: the wide decoder, rows to LANES record lanes
//     -> LANES transform lanes -> record_merger (input order, global row numbers)
//     -> stream_end_marker -> id_stage (vocabulary, hot sets) -> pack_engine -> m_axis (batches, 512-bit)
//   etl_csr (generated from rtl/top/csr/*.yaml) drives every cfg_* port and reads every status_* port;
//   the connections come from the generated rtl/top/generated/conn_*.vh, so no register is wired by hand.
//
// Run control: text is accepted only while global.enable is 1; global.soft_reset (write 1) resets every
// engine's state and counters (configuration registers keep their values). The transform lanes all get
// the same configuration; a bucketize-table write goes to every lane, reads come from lane 0.
//
// perf CSRs: a stream_monitor on every inter-stage stream (beats, stall, starve cycles) and the
// high-water mark of every data-path FIFO (splitter segment / line-count FIFOs, transform row buffers,
// the merger / end-marker line-count FIFOs, id-stage FIFOs; the packer's own is pack.out_fifo_hwm),
// all cleared by erst (power-on or soft reset), never by a read.
//
// lint-params: LANES=1 LANE_BYTES=8 VOCAB_TABLES=2 VOCAB_BUCKETS=16 VOCAB_WAYS=2 HOTSET_TABLES=2 HOTSET_CAPACITY=16 PACK_MAX_ROWS=64
// synth-skip: mapped as the sum of its instances (`python -m cosim.synth --part xcu55c` adds the etl_top record: each top-level instance at the parameters given here) or whole by `make synth-full` (hours)

`resetall
`timescale 1ns / 1ps
`default_nettype none

// unused engine outputs (tkeep/tuser of internal streams, FIFO levels) are left open on purpose
/* verilator lint_off PINCONNECTEMPTY */

module etl_top #(
    // N: decode/transform lanes (1, 2 or 4)
    parameter LANES           = 2,
    // W: text bytes per lane beat (8, 16 or 32)
    parameter LANE_BYTES      = 32,
    // text bytes per s_axis beat
    parameter IN_BYTES        = LANES * LANE_BYTES,
    // dense / sparse processing elements per transform lane
    parameter DENSE_PES       = 3,
    parameter SPARSE_PES      = 8,
    // id stage: vocabulary tables (one per vocabulary feature), buckets per table (power of two), ways
    // (product: 26 x 8192 x 4 = 32768 ids per table, 10 URAM288 each; docs/spec/idstage_rtl.md)
    parameter VOCAB_TABLES    = 26,
    parameter VOCAB_BUCKETS   = 8192,
    parameter VOCAB_WAYS      = 4,
    // id stage: hot-set tables and hot ids per table (power of two)
    parameter HOTSET_TABLES   = 26,
    parameter HOTSET_CAPACITY = 4096,
    // packer: maximum batch rows, dense and sparse features
    parameter PACK_MAX_ROWS   = 2048,
    parameter PACK_MAX_DENSE  = 16,
    parameter PACK_MAX_SPARSE = 40,
    // $readmemh image of the log1p coefficient ROM (rtl/transform/log1p_fx_rom.mem)
    parameter ROM_FILE        = "log1p_fx_rom.mem"
) (
    input  wire                  clk,
    input  wire                  rst,

    // text
    input  wire [8*IN_BYTES-1:0] s_axis_tdata,
    input  wire [IN_BYTES-1:0]   s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,

    // batches
    output wire [511:0]          m_axis_tdata,
    output wire [63:0]           m_axis_tkeep,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready,
    output wire                  m_axis_tlast,

    // CSRs
    input  wire [23:0]           s_axil_awaddr,
    input  wire [2:0]            s_axil_awprot,
    input  wire                  s_axil_awvalid,
    output wire                  s_axil_awready,
    input  wire [31:0]           s_axil_wdata,
    input  wire [3:0]            s_axil_wstrb,
    input  wire                  s_axil_wvalid,
    output wire                  s_axil_wready,
    output wire [1:0]            s_axil_bresp,
    output wire                  s_axil_bvalid,
    input  wire                  s_axil_bready,
    input  wire [23:0]           s_axil_araddr,
    input  wire [2:0]            s_axil_arprot,
    input  wire                  s_axil_arvalid,
    output wire                  s_axil_arready,
    output wire [31:0]           s_axil_rdata,
    output wire [1:0]            s_axil_rresp,
    output wire                  s_axil_rvalid,
    input  wire                  s_axil_rready
);

localparam K = 8;            // DecodedRecord 64-bit slots per beat
localparam TW = 1024;        // TransformedRecord beat width
localparam MAP_VERSION = 32'h0001_0000;

initial begin
    if (LANES != 1 && LANES != 2 && LANES != 4) begin
        $error("Error: LANES must be 1, 2 or 4 (instance %m)");
        $finish;
    end
end

// ---------------------------------------------------------------- CSRs
`include "etl_csr_wires.vh"

etl_csr #(.ADDR_WIDTH(24)) u_csr (
    .clk(clk),
    .rst(rst),
`include "conn_etl_csr.vh"
    .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot), .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready), .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr),
    .s_axil_arprot(s_axil_arprot), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready)
);

// engine reset: power-on reset or a soft reset command (one registered cycle)
reg soft_rst_reg;
always @(posedge clk) begin
    soft_rst_reg <= cmd_global_soft_reset[0];
    if (rst) soft_rst_reg <= 1'b0;
end
wire erst = rst | soft_rst_reg;

// ---------------------------------------------------------------- decode
wire                    text_valid = s_axis_tvalid & cfg_global_enable[0];
wire                    text_ready;
assign s_axis_tready = text_ready & cfg_global_enable[0];

wire [LANES*64*K-1:0]   dec_tdata;
wire [LANES-1:0]        dec_tvalid, dec_tready, dec_tlast;
wire [47:0]             cnt_tdata;
wire                    cnt_tvalid, cnt_tready;
wire [LANES*8-1:0]      dec_rows_hwm;

decode_front #(
    .LANES(LANES), .LANE_BYTES(LANE_BYTES), .IN_BYTES(IN_BYTES), .FIELDS_PER_BEAT(K), .COUNTER_WIDTH(48)
) u_decode (
    .clk(clk),
    .rst(erst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(text_valid),
    .s_axis_tready(text_ready), .s_axis_tlast(s_axis_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(dec_tdata), .m_axis_tkeep(), .m_axis_tvalid(dec_tvalid), .m_axis_tready(dec_tready),
    .m_axis_tlast(dec_tlast), .m_axis_tuser(),
    .m_axis_cnt_tdata(cnt_tdata), .m_axis_cnt_tvalid(cnt_tvalid), .m_axis_cnt_tready(cnt_tready),
`include "conn_decode_cfg.vh"
`include "conn_decode_status.vh"
    .status_str_fields(),
    .status_lane_rows_hwm(dec_rows_hwm), .status_cnt_fifo_hwm(status_perf_dec_cnt_fifo_hwm)
);

// ---------------------------------------------------------------- transform lanes
wire [LANES*TW-1:0]     tr_tdata;
wire [LANES-1:0]        tr_tvalid, tr_tready, tr_tlast;
wire [LANES*48-1:0]     tr_rows;
wire [LANES*32-1:0]     tr_bk_rdata;
wire [LANES*8-1:0]      tr_fifo_hwm;

genvar l;
generate
    for (l = 0; l < LANES; l = l + 1) begin : g_lane
        transform_lane #(
            .DENSE_PES(DENSE_PES), .SPARSE_PES(SPARSE_PES), .MAX_DENSE(32), .MAX_SPARSE(64), .BK_TABLES(8),
            .MAX_BOUNDS(64), .FIELDS_PER_BEAT(K), .ROM_FILE(ROM_FILE)
        ) u_tr (
            .clk(clk),
            .rst(erst),
            .s_axis_tdata(dec_tdata[l*64*K +: 64*K]), .s_axis_tkeep({8*K{1'b1}}), .s_axis_tvalid(dec_tvalid[l]),
            .s_axis_tready(dec_tready[l]), .s_axis_tlast(dec_tlast[l]), .s_axis_tuser(1'b0),
            .m_axis_tdata(tr_tdata[l*TW +: TW]), .m_axis_tkeep(), .m_axis_tvalid(tr_tvalid[l]),
            .m_axis_tready(tr_tready[l]), .m_axis_tlast(tr_tlast[l]), .m_axis_tuser(),
`include "conn_transform_cfg.vh"
            .tbl_bk_rdata(tr_bk_rdata[l*32 +: 32]),
            .status_rows_out(tr_rows[l*48 +: 48]),
            .status_fifo_hwm(tr_fifo_hwm[l*8 +: 8])
        );
    end
endgenerate

assign tbl_transform_bk_rdata = tr_bk_rdata[31:0];

reg [47:0] tr_rows_sum;
integer i;
always @* begin
    tr_rows_sum = 48'd0;
    for (i = 0; i < LANES; i = i + 1) tr_rows_sum = tr_rows_sum + tr_rows[i*48 +: 48];
end
assign status_transform_rows_out = tr_rows_sum;

// ---------------------------------------------------------------- merge, end-of-stream marker
// the per-stream row counts go to both the merger (row numbering) and the marker (stream ends)
wire [47:0] cnt_m_tdata, cnt_e_tdata;
wire        cnt_m_tvalid, cnt_m_tready, cnt_e_tvalid, cnt_e_tready;
wire        cnt_m_in_ready, cnt_e_in_ready;
assign cnt_tready = cnt_m_in_ready & cnt_e_in_ready;

wire [2:0]  cnt_m_hwm, cnt_e_hwm;     // high-water marks (DEPTH 4: 0..4)
assign status_perf_cnt_m_fifo_hwm = {5'd0, cnt_m_hwm};
assign status_perf_cnt_e_fifo_hwm = {5'd0, cnt_e_hwm};

axis_fifo #(.DEPTH(4), .DATA_WIDTH(48), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0), .STATUS_ENABLE(1)) u_cnt_m (
    .clk(clk), .rst(erst),
    .s_axis_tdata(cnt_tdata), .s_axis_tkeep(6'h3f), .s_axis_tvalid(cnt_tvalid & cnt_e_in_ready),
    .s_axis_tready(cnt_m_in_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(cnt_m_tdata), .m_axis_tkeep(), .m_axis_tvalid(cnt_m_tvalid), .m_axis_tready(cnt_m_tready),
    .m_axis_tlast(), .m_axis_tuser(),
    .status_level(), .status_high_water(cnt_m_hwm), .status_hwm_clear(1'b0)
);
axis_fifo #(.DEPTH(4), .DATA_WIDTH(48), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0), .STATUS_ENABLE(1)) u_cnt_e (
    .clk(clk), .rst(erst),
    .s_axis_tdata(cnt_tdata), .s_axis_tkeep(6'h3f), .s_axis_tvalid(cnt_tvalid & cnt_m_in_ready),
    .s_axis_tready(cnt_e_in_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(cnt_e_tdata), .m_axis_tkeep(), .m_axis_tvalid(cnt_e_tvalid), .m_axis_tready(cnt_e_tready),
    .m_axis_tlast(), .m_axis_tuser(),
    .status_level(), .status_high_water(cnt_e_hwm), .status_hwm_clear(1'b0)
);

wire [TW-1:0] mg_tdata;
wire          mg_tvalid, mg_tready, mg_tlast;

record_merger #(.LANES(LANES), .DATA_WIDTH(TW), .KEEP_ENABLE(0), .USER_ENABLE(0), .ROW_BITS(48)) u_merge (
    .clk(clk), .rst(erst),
    .s_axis_tdata(tr_tdata), .s_axis_tkeep({LANES*TW/8{1'b1}}), .s_axis_tvalid(tr_tvalid), .s_axis_tready(tr_tready),
    .s_axis_tlast(tr_tlast), .s_axis_tuser({LANES{1'b0}}),
    .s_axis_cnt_tdata(cnt_m_tdata), .s_axis_cnt_tvalid(cnt_m_tvalid), .s_axis_cnt_tready(cnt_m_tready),
    .m_axis_tdata(mg_tdata), .m_axis_tkeep(), .m_axis_tvalid(mg_tvalid), .m_axis_tready(mg_tready),
    .m_axis_tlast(mg_tlast), .m_axis_tuser()
);

wire [TW-1:0] eo_tdata;
wire          eo_tvalid, eo_tready, eo_tlast;

stream_end_marker #(.DATA_WIDTH(TW), .ROW_BITS(48)) u_eos (
    .clk(clk), .rst(erst),
    .s_axis_tdata(mg_tdata), .s_axis_tvalid(mg_tvalid), .s_axis_tready(mg_tready), .s_axis_tlast(mg_tlast),
    .s_axis_cnt_tdata(cnt_e_tdata), .s_axis_cnt_tvalid(cnt_e_tvalid), .s_axis_cnt_tready(cnt_e_tready),
    .m_axis_tdata(eo_tdata), .m_axis_tvalid(eo_tvalid), .m_axis_tready(eo_tready), .m_axis_tlast(eo_tlast)
);

// ---------------------------------------------------------------- id stage
localparam HOT_ADDR_W  = ((HOTSET_TABLES > 1) ? $clog2(HOTSET_TABLES) : 1) + $clog2(HOTSET_CAPACITY) + 2;
localparam STAT_ADDR_W = ((VOCAB_TABLES > 1) ? $clog2(VOCAB_TABLES) : 1) + 1;
localparam KEY_SLOTS   = (VOCAB_TABLES > HOTSET_TABLES) ? VOCAB_TABLES : HOTSET_TABLES;

wire [TW-1:0] id_tdata;
wire          id_tvalid, id_tready, id_tlast;

id_stage #(
    .MAX_SPARSE(64), .VOCAB_TABLES(VOCAB_TABLES), .VOCAB_BUCKETS(VOCAB_BUCKETS), .VOCAB_WAYS(VOCAB_WAYS),
    .HOTSET_TABLES(HOTSET_TABLES), .HOTSET_CAPACITY(HOTSET_CAPACITY)
) u_id (
    .clk(clk), .rst(erst),
    .s_axis_tdata(eo_tdata), .s_axis_tkeep({TW/8{1'b1}}), .s_axis_tvalid(eo_tvalid), .s_axis_tready(eo_tready),
    .s_axis_tlast(eo_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(id_tdata), .m_axis_tkeep(), .m_axis_tvalid(id_tvalid), .m_axis_tready(id_tready),
    .m_axis_tlast(id_tlast), .m_axis_tuser(),
    .cfg_mode(cfg_idstage_mode), .cfg_hot_split(cfg_idstage_hot_split), .cfg_threshold(cfg_idstage_threshold),
    .cfg_n_dense(cfg_idstage_n_dense), .cfg_n_sparse(cfg_idstage_n_sparse),
    .cfg_key_lane(cfg_idstage_key_lane[KEY_SLOTS*8-1:0]),
    .cfg_vocab_enable(cfg_idstage_vocab_enable[VOCAB_TABLES-1:0]),
    .cfg_hotset_count(cfg_idstage_hotset_count[HOTSET_TABLES*16-1:0]),
    .cfg_hotset_enable(cfg_idstage_hotset_enable[HOTSET_TABLES-1:0]),
    .cfg_hotset_from_vocab(cfg_idstage_hotset_from_vocab[HOTSET_TABLES-1:0]),
    .cmd_clear(cmd_idstage_clear),
`include "conn_idstage_status.vh"
    .status_beat_fifo_hwm(status_perf_id_beat_fifo_hwm), .status_vid_fifo_hwm(status_perf_id_vid_fifo_hwm),
    .status_hot_fifo_hwm(status_perf_id_hot_fifo_hwm),
    .tbl_hot_we(tbl_idstage_hot_we), .tbl_hot_re(tbl_idstage_hot_re),
    .tbl_hot_addr(tbl_idstage_hot_addr[HOT_ADDR_W-1:0]), .tbl_hot_wdata(tbl_idstage_hot_wdata),
    .tbl_vocab_stat_we(tbl_idstage_vocab_stat_we), .tbl_vocab_stat_re(tbl_idstage_vocab_stat_re),
    .tbl_vocab_stat_addr(tbl_idstage_vocab_stat_addr[STAT_ADDR_W-1:0]),
    .tbl_vocab_stat_wdata(tbl_idstage_vocab_stat_wdata),
    .tbl_patch_we(tbl_idstage_patch_we), .tbl_patch_re(tbl_idstage_patch_re),
    .tbl_patch_addr(tbl_idstage_patch_addr), .tbl_patch_wdata(tbl_idstage_patch_wdata)
);

// ---------------------------------------------------------------- packer
pack_engine #(
    .MAX_ROWS(PACK_MAX_ROWS), .MAX_DENSE(PACK_MAX_DENSE), .MAX_SPARSE(PACK_MAX_SPARSE), .OUT_FIFO_DEPTH(16)
) u_pack (
    .clk(clk), .rst(erst),
    .s_axis_tdata(id_tdata), .s_axis_tkeep({TW/8{1'b1}}), .s_axis_tvalid(id_tvalid), .s_axis_tready(id_tready),
    .s_axis_tlast(id_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid),
`include "conn_pack_cfg.vh"
`include "conn_pack_status.vh"
    .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast), .m_axis_tuser()
);

// ---------------------------------------------------------------- global status and performance counters
reg [47:0] cycles_reg;
reg [31:0] streams_in_reg;
always @(posedge clk) begin
    cycles_reg <= cycles_reg + 1'b1;
    if (s_axis_tvalid && s_axis_tready && s_axis_tlast) streams_in_reg <= streams_in_reg + 1'b1;
    if (erst) begin
        cycles_reg     <= 48'd0;
        streams_in_reg <= 32'd0;
    end
end

assign status_global_id         = 32'h534C_4345;
assign status_global_version    = MAP_VERSION;
localparam [31:0] LANES_W      = LANES;
localparam [31:0] LANE_BYTES_W = LANE_BYTES;
localparam [31:0] IN_BYTES_W   = IN_BYTES;
assign status_global_lanes      = LANES_W[7:0];
assign status_global_lane_bytes = LANE_BYTES_W[7:0];
assign status_global_in_bytes   = IN_BYTES_W[15:0];
assign status_global_out_bytes  = 16'd64;
assign status_global_cycles     = cycles_reg;
assign status_global_streams_done = status_pack_streams;
assign status_global_busy       = streams_in_reg != status_pack_streams || status_idstage_busy[0];

stream_monitor u_mon_in (.clk(clk), .rst(erst), .valid(s_axis_tvalid), .ready(s_axis_tready),
    .beats(status_perf_text_in_beats), .stall(status_perf_text_in_stall), .starve(status_perf_text_in_starve));
stream_monitor u_mon_mg (.clk(clk), .rst(erst), .valid(eo_tvalid), .ready(eo_tready),
    .beats(status_perf_merged_beats), .stall(status_perf_merged_stall), .starve(status_perf_merged_starve));
stream_monitor u_mon_pk (.clk(clk), .rst(erst), .valid(id_tvalid), .ready(id_tready),
    .beats(status_perf_packin_beats), .stall(status_perf_packin_stall), .starve(status_perf_packin_starve));
stream_monitor u_mon_out (.clk(clk), .rst(erst), .valid(m_axis_tvalid), .ready(m_axis_tready),
    .beats(status_perf_batch_out_beats), .stall(status_perf_batch_out_stall),
    .starve(status_perf_batch_out_starve));

wire [4*48-1:0] dec_beats, dec_stall, dec_starve, tr_beats, tr_stall, tr_starve;
wire [4*8-1:0]  seg_hwm4, tr_hwm4;        // FIFO high-water marks of lanes 0..3 (0 when absent)
genvar m;
generate
    for (m = 0; m < 4; m = m + 1) begin : g_mon
        if (m < LANES) begin : g_on
            stream_monitor u_dec (.clk(clk), .rst(erst), .valid(dec_tvalid[m]), .ready(dec_tready[m]),
                .beats(dec_beats[m*48 +: 48]), .stall(dec_stall[m*48 +: 48]), .starve(dec_starve[m*48 +: 48]));
            stream_monitor u_tr (.clk(clk), .rst(erst), .valid(tr_tvalid[m]), .ready(tr_tready[m]),
                .beats(tr_beats[m*48 +: 48]), .stall(tr_stall[m*48 +: 48]), .starve(tr_starve[m*48 +: 48]));
            assign seg_hwm4[m*8 +: 8] = dec_rows_hwm[m*8 +: 8];
            assign tr_hwm4[m*8 +: 8] = tr_fifo_hwm[m*8 +: 8];
        end else begin : g_off
            assign seg_hwm4[m*8 +: 8] = 8'd0;
            assign tr_hwm4[m*8 +: 8] = 8'd0;
            assign dec_beats[m*48 +: 48] = 48'd0;
            assign dec_stall[m*48 +: 48] = 48'd0;
            assign dec_starve[m*48 +: 48] = 48'd0;
            assign tr_beats[m*48 +: 48] = 48'd0;
            assign tr_stall[m*48 +: 48] = 48'd0;
            assign tr_starve[m*48 +: 48] = 48'd0;
        end
    end
endgenerate

assign status_perf_dec0_beats = dec_beats[0 +: 48];
assign status_perf_dec0_stall = dec_stall[0 +: 48];
assign status_perf_dec0_starve = dec_starve[0 +: 48];
assign status_perf_dec1_beats = dec_beats[48 +: 48];
assign status_perf_dec1_stall = dec_stall[48 +: 48];
assign status_perf_dec1_starve = dec_starve[48 +: 48];
assign status_perf_dec2_beats = dec_beats[96 +: 48];
assign status_perf_dec2_stall = dec_stall[96 +: 48];
assign status_perf_dec2_starve = dec_starve[96 +: 48];
assign status_perf_dec3_beats = dec_beats[144 +: 48];
assign status_perf_dec3_stall = dec_stall[144 +: 48];
assign status_perf_dec3_starve = dec_starve[144 +: 48];
assign status_perf_tr0_beats = tr_beats[0 +: 48];
assign status_perf_tr0_stall = tr_stall[0 +: 48];
assign status_perf_tr0_starve = tr_starve[0 +: 48];
assign status_perf_tr1_beats = tr_beats[48 +: 48];
assign status_perf_tr1_stall = tr_stall[48 +: 48];
assign status_perf_tr1_starve = tr_starve[48 +: 48];
assign status_perf_tr2_beats = tr_beats[96 +: 48];
assign status_perf_tr2_stall = tr_stall[96 +: 48];
assign status_perf_tr2_starve = tr_starve[96 +: 48];
assign status_perf_tr3_beats = tr_beats[144 +: 48];
assign status_perf_tr3_stall = tr_stall[144 +: 48];
assign status_perf_tr3_starve = tr_starve[144 +: 48];
assign status_perf_dec_rows0_hwm = seg_hwm4[0 +: 8];
assign status_perf_dec_rows1_hwm = seg_hwm4[8 +: 8];
assign status_perf_dec_rows2_hwm = seg_hwm4[16 +: 8];
assign status_perf_dec_rows3_hwm = seg_hwm4[24 +: 8];
assign status_perf_tr_fifo0_hwm = tr_hwm4[0 +: 8];
assign status_perf_tr_fifo1_hwm = tr_hwm4[8 +: 8];
assign status_perf_tr_fifo2_hwm = tr_hwm4[16 +: 8];
assign status_perf_tr_fifo3_hwm = tr_hwm4[24 +: 8];

wire unused = &{1'b0, cfg_idstage_hotset_count, cfg_idstage_key_lane, cfg_idstage_vocab_enable,
                cfg_idstage_hotset_enable, cfg_idstage_hotset_from_vocab, tbl_idstage_hot_addr, tbl_idstage_vocab_stat_addr, tr_bk_rdata,
                LANES_W[31:8], LANE_BYTES_W[31:8], IN_BYTES_W[31:16]};

endmodule

/* verilator lint_on PINCONNECTEMPTY */

`resetall
