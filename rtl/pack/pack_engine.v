// SPDX-License-Identifier: Apache-2.0
// Sluice pack engine (SPEC §5, docs/formats/batch.md, docs/spec/pack_rtl.md).
//
// TransformedRecord stream in (1024-bit beats, docs/formats/records.md), batch
// buffers out (512-bit beats, one packet per batch of total_bytes/64 beats).
// Bit-exact with models.pack.pack_batches.
//
// - Writer: a kept row's words go to three banked stores (pack_store, 16 memories each), laid out so
//   that the 16 words of one output beat sit in 16 different memories: labels at memory slot mod 16,
//   line slot / 16; dense items at store index i (memory i mod 16, line i / 16), i = P-side item index
//   (rows from the back of a hot-split batch mirrored from the top, i = DH-1 - k n_dense - j); sparse
//   ids (64 bits) at memory (slot + f) mod 16, line (f / 16) MAX_ROWS + slot. One record beat is
//   written in one cycle (a rotation of its words onto the memories, stage W2). The payload checksum
//   and the counters are accumulated in a pipeline beside it, into per-buffer sums.
// - A batch closes on its B-th row, on the end-of-stream marker, or on the freshness timeout; the
//   writer then waits until the reader is idle, hands the batch over (header snapshot) and fills the
//   other half of each store.
// - Reader: G (unit of 16 lane items -> lane memory and line) -> D (axis_register skid) -> S (conflict
//   matrix: lanes of one memory at two lines retry the next cycle) -> I (one read line per memory) ->
//   M (read data -> lane words) -> X (words into the beat) -> output FIFO; G runs on credit, so output
//   back-pressure never loses a beat.
//
// The defaults are a small build (lint); the product build and the testbench use
// MAX_ROWS=2048 MAX_DENSE=16 MAX_SPARSE=40 (host_runtime/csr_image/pack.py PRODUCT_PARAMS).
// lint-params: MAX_ROWS=2048 MAX_DENSE=16 MAX_SPARSE=40 OUT_FIFO_DEPTH=16
// lint-params: MAX_ROWS=64 MAX_DENSE=4 MAX_SPARSE=4 OUT_FIFO_DEPTH=8
// lint-params: MAX_ROWS=16 MAX_DENSE=0 MAX_SPARSE=0 OUT_FIFO_DEPTH=8
// synth-params: MAX_ROWS=2048 MAX_DENSE=16 MAX_SPARSE=40 OUT_FIFO_DEPTH=16

`resetall
`timescale 1ns / 1ps
`default_nettype none

module pack_engine #(
    // largest batch size B the row store holds (multiple of 16, <= 65536)
    parameter MAX_ROWS       = 32,
    // largest n_dense (dense words of a record, 0..16)
    parameter MAX_DENSE      = 4,
    // largest n_sparse (64-bit ids of a record)
    parameter MAX_SPARSE     = 4,
    // output FIFO depth in 512-bit beats (power of two >= 8; 16 for one beat per cycle)
    parameter OUT_FIFO_DEPTH = 16
) (
    input  wire           clk,
    input  wire           rst,

    // TransformedRecord stream (one packet per record)
    input  wire [1023:0]  s_axis_tdata,
    input  wire [127:0]   s_axis_tkeep,
    input  wire           s_axis_tvalid,
    output wire           s_axis_tready,
    input  wire           s_axis_tlast,
    input  wire [0:0]     s_axis_tuser,

    // batch stream (one packet per batch)
    output wire [511:0]   m_axis_tdata,
    output wire [63:0]    m_axis_tkeep,
    output wire           m_axis_tvalid,
    input  wire           m_axis_tready,
    output wire           m_axis_tlast,
    output wire [0:0]     m_axis_tuser,

    // configuration (rtl/top/csr/pack.yaml), stable while a stream's records are presented
    input  wire [16:0]    cfg_batch_size,
    input  wire           cfg_drop_last,
    input  wire [1:0]     cfg_dense_dtype,
    input  wire           cfg_sparse_dtype,
    input  wire           cfg_hot_split,
    input  wire [31:0]    cfg_freshness_cycles,
    input  wire [7:0]     cfg_n_dense,
    input  wire [7:0]     cfg_n_sparse,

    // status counters (since reset)
    output wire [31:0]    status_batches,
    output wire [47:0]    status_rows,
    output wire [47:0]    status_tombstones,
    output wire [31:0]    status_streams,
    output wire [47:0]    status_rows_discarded,
    output wire [31:0]    status_fresh_flushes,
    output wire [47:0]    status_ids_truncated,
    output wire [47:0]    status_stall_in_cycles,
    output wire [47:0]    status_stall_out_cycles,
    output wire [47:0]    status_beats_out,
    output wire [7:0]     status_out_fifo_hwm
);

localparam KMAX  = (3 + MAX_DENSE + 2 * MAX_SPARSE + 31) / 32;   // record beats of the widest row
localparam NG    = (MAX_SPARSE > 0) ? (MAX_SPARSE + 15) / 16 : 1; // sparse feature groups of 16
localparam DMAX  = (MAX_DENSE > 0) ? MAX_DENSE : 1;
localparam DH    = MAX_ROWS * DMAX;                               // dense items per half of the store
localparam LHALF = MAX_ROWS / 16;                                 // label lines per half
localparam DHALF = DH / 16;                                       // dense lines per half
localparam SHALF = NG * MAX_ROWS;                                 // sparse lines per half
localparam LAW   = $clog2(2 * LHALF);
localparam DAW   = $clog2(2 * DHALF);
localparam SAW   = $clog2(2 * SHALF);
localparam AW    = SAW;                                           // widest line address (SHALF >= DHALF, LHALF)
localparam LVLW  = $clog2(OUT_FIFO_DEPTH) + 1;
localparam GEO_LAT = 5;                                           // geometry pipeline stages
localparam SDW   = 16 + 64 + 16 * AW + 2 + AW + 4;                  // lanes (valid, memory, line) + line mode
localparam DW    = SDW + 8;                                        // unit descriptor (G -> D -> S)
localparam [31:0] DHALF_W = DHALF;
localparam [31:0] NG_W = NG;

initial begin
    if (MAX_ROWS < 16 || MAX_ROWS % 16 != 0 || MAX_ROWS > 65536) begin
        $error("Error: MAX_ROWS must be a multiple of 16 in 16..65536 (instance %m)");
        $finish;
    end
    if (MAX_DENSE < 0 || MAX_DENSE > 16 || MAX_SPARSE < 0 || MAX_SPARSE > 255) begin
        $error("Error: MAX_DENSE must be in 0..16 and MAX_SPARSE in 0..255 (instance %m)");
        $finish;
    end
    if (KMAX > 15) begin
        $error("Error: a record must fit 15 beats (instance %m)");
        $finish;
    end
    if (OUT_FIFO_DEPTH < 8 || (OUT_FIFO_DEPTH & (OUT_FIFO_DEPTH - 1)) != 0) begin
        $error("Error: OUT_FIFO_DEPTH must be a power of two >= 8 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tuser};

// {x div c, x mod c} for x <= 16 and 1 <= c <= 16 (an OR of constants selected by c == k); c > 16: {0, x}
function automatic [9:0] small_divmod;
    input [4:0] x;
    input       c_small;   // c <= 16
    input [4:0] c;
    integer k;
    reg [4:0] kk;
    begin
        small_divmod = c_small ? 10'd0 : {5'd0, x};
        for (k = 1; k <= 16; k = k + 1) begin
            kk = k[4:0];
            if (c_small && c == kk) small_divmod = small_divmod | ((x >= kk) ? {x / kk, x % kk} : {5'd0, x});
        end
    end
endfunction

// ------------------------------------------------------------------ input skid buffer
wire [1023:0] in_tdata;
wire          in_tvalid;
wire          in_tready;
wire          in_tlast;
wire [127:0]  unused_in_tkeep;
wire          unused_in_tuser;
wire [63:0]   unused_out_tkeep;
wire          unused_out_tuser;

axis_register #(
    .DATA_WIDTH(1024), .KEEP_ENABLE(0), .LAST_ENABLE(1), .USER_ENABLE(0), .REG_TYPE(2)
) in_reg_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(128'd0), .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(in_tdata), .m_axis_tkeep(unused_in_tkeep), .m_axis_tvalid(in_tvalid), .m_axis_tready(in_tready),
    .m_axis_tlast(in_tlast), .m_axis_tuser(unused_in_tuser)
);

// ------------------------------------------------------------------ geometry (registered from cfg_*)
// Recomputed for GEO_LAT cycles after any cfg_* change. Stage 1 (the writer's values) is ready one cycle
// after cfg_q, before a record presented with the new configuration reaches the writer, and stage 2 (the
// word classes of the checksum, used one cycle after a beat is accepted) one cycle later; a batch is
// handed to the reader only once every stage has settled.
// B out of range never makes an endless packet: 0 acts as 1, above MAX_ROWS as MAX_ROWS (the runtime's
// CSR image refuses both, host_runtime/csr_image/pack.py; docs/spec/pack_rtl.md)
localparam [31:0] MAX_ROWS_W = MAX_ROWS;
wire [69:0] cfg_now = {cfg_batch_size, cfg_drop_last, cfg_dense_dtype, cfg_sparse_dtype, cfg_hot_split,
                       cfg_freshness_cycles, cfg_n_dense, cfg_n_sparse};
reg  [69:0] cfg_q_reg;
reg  [2:0]  geo_cnt_reg;
wire        geo_ok = geo_cnt_reg == 3'd0;              // every stage settled (the reader's values)
wire        geo_w_ok = geo_cnt_reg != GEO_LAT[2:0];    // stage 1 settled (the writer's values)
wire        geo_first = geo_cnt_reg == GEO_LAT[2:0];   // first cycle after a change
wire [16:0] q_bs = cfg_q_reg[69:53];
wire        q_drop = cfg_q_reg[52];
wire [1:0]  q_ddt = cfg_q_reg[51:50];
wire        q_sdt = cfg_q_reg[49];
wire        q_hot = cfg_q_reg[48];
wire [31:0] q_fresh = cfg_q_reg[47:16];
wire [7:0]  q_nd = cfg_q_reg[15:8];
wire [7:0]  q_ns = cfg_q_reg[7:0];
wire [9:0]  q_sword = 10'd3 + {2'd0, q_nd};
wire [9:0]  q_seword = q_sword + {1'b0, q_ns, 1'b0};
wire [16:0] q_cap = (q_bs == 17'd0) ? 17'd1 : (q_bs > MAX_ROWS_W[16:0]) ? MAX_ROWS_W[16:0] : q_bs;

// stage 1
reg [16:0] g_cap;
reg        g_drop, g_sdt, g_hot, g_dense16, g_fresh_nz;
reg [1:0]  g_ddt;
reg [31:0] g_fresh_m1;    // freshness_cycles - 1
reg [7:0]  g_nd, g_ns;
reg        g_sword_odd;   // the first sparse word (3 + n_dense) is odd
reg [4:0]  g_c;           // ceil(sword / 2): the pair index of sparse feature 0
reg        g_cap_small;   // B <= 16
reg [KMAX*32-1:0] g_ge_s, g_lt_se;  // record word w >= sword, w < seword
// stage 2
reg [24:0] g_ditems, g_sitems;
reg [4:0]  g_stq, g_str;  // sparse unit step (16 items, 8 for int64): whole rows of B, remainder
reg [16*5-1:0] g_init_f, g_init_r;  // sparse lane t's first item (t, or t/2 for int64): (f, r)
reg [4*KMAX*32-1:0] g_mcls;                     // record word 32 k + l: {label, dense, sparse lo, sparse hi}
// stage 3
reg [12:0] g_lab_beats;
reg [24:0] g_den_beats;
reg [25:0] g_spa_beats;
// stage 4
reg [25:0] g_den_units;   // float16/bfloat16: two units per beat
reg [31:0] g_dense_off;
reg [25:0] g_ld_beats;
// stage 5
reg [31:0] g_sparse_off, g_total_bytes;
reg        g_den_nz, g_spa_nz, g_lab_one, g_den_one, g_spa_one;   // region unit counts != 0, == 1

// word classes of the record words w = 32 k + l, k < KMAX: {label, dense, sparse lo, sparse hi}
function automatic [4*KMAX*32-1:0] word_classes;
    /* verilator no_inline_task */
    input [KMAX*32-1:0] ge_s, lt_se;   // w >= first sparse word, w < one past the last
    input               sword_odd;
    integer ww;
    reg [KMAX*32-1:0] mlab, mden, mlo, mhi;
    begin
        for (ww = 0; ww < KMAX * 32; ww = ww + 1) begin
            mlab[ww] = ww == 2;
            mden[ww] = ww >= 3 && !ge_s[ww];
            mlo[ww] = ge_s[ww] && lt_se[ww] && (ww % 2 == 1) == sword_odd;
            mhi[ww] = ge_s[ww] && lt_se[ww] && (ww % 2 == 1) != sword_odd;
        end
        word_classes = {mlab, mden, mlo, mhi};
    end
endfunction

integer t, u, m;
always @(posedge clk) begin
    if (cfg_now != cfg_q_reg) begin
        cfg_q_reg <= cfg_now;
        geo_cnt_reg <= GEO_LAT[2:0];
    end else if (geo_cnt_reg != 3'd0) begin
        geo_cnt_reg <= geo_cnt_reg - 3'd1;
    end
    if (geo_cnt_reg != 3'd0) begin
        g_cap <= q_cap;
        g_drop <= q_drop;
        g_sdt <= q_sdt;
        g_hot <= q_hot;
        g_ddt <= q_ddt;
        g_dense16 <= q_ddt != 2'd0;
        g_fresh_nz <= q_fresh != 32'd0;
        g_fresh_m1 <= q_fresh - 32'd1;
        g_nd <= q_nd;
        g_ns <= q_ns;
        g_sword_odd <= q_sword[0];
        g_c <= (q_nd[4:0] + 5'd4) >> 1;
        g_cap_small <= q_cap <= 17'd16;
        for (t = 0; t < KMAX * 32; t = t + 1) begin
            g_ge_s[t] <= {1'b0, t[8:0]} >= q_sword;
            g_lt_se[t] <= {1'b0, t[8:0]} < q_seword;
        end

        g_ditems <= g_cap * g_nd;
        g_sitems <= g_cap * g_ns;
        {g_stq, g_str} <= g_sdt ? small_divmod(5'd8, g_cap_small, g_cap[4:0])
                                : small_divmod(5'd16, g_cap_small, g_cap[4:0]);
        for (t = 0; t < 16; t = t + 1) begin
            {g_init_f[5*t +: 5], g_init_r[5*t +: 5]} <= g_sdt ? small_divmod(t[5:1], g_cap_small, g_cap[4:0])
                                                                : small_divmod(t[4:0], g_cap_small, g_cap[4:0]);
        end
        g_mcls <= word_classes(g_ge_s, g_lt_se, g_sword_odd);

        g_lab_beats <= g_cap[16:4] + {12'd0, g_cap[3:0] != 4'd0};
        g_den_beats <= g_dense16 ? (g_ditems + 25'd31) >> 5 : (g_ditems + 25'd15) >> 4;
        g_spa_beats <= g_sdt ? ({1'b0, g_sitems} + 26'd7) >> 3 : ({1'b0, g_sitems} + 26'd15) >> 4;

        g_den_units <= g_dense16 ? {g_den_beats, 1'b0} : {1'b0, g_den_beats};
        g_dense_off <= 32'd128 + {13'd0, g_lab_beats, 6'd0};
        g_ld_beats <= {13'd0, g_lab_beats} + {1'b0, g_den_beats};

        g_sparse_off <= 32'd128 + {g_ld_beats, 6'd0};
        g_total_bytes <= 32'd128 + {g_ld_beats + g_spa_beats, 6'd0};
        g_den_nz <= g_den_units != 26'd0;
        g_spa_nz <= g_spa_beats != 26'd0;
        g_lab_one <= g_lab_beats == 13'd1;
        g_den_one <= g_den_units == 26'd1;
        g_spa_one <= g_spa_beats == 26'd1;
    end
    if (rst) begin
        geo_cnt_reg <= GEO_LAT[2:0];
    end
end

// ------------------------------------------------------------------ writer
reg         in_row_reg;
reg [3:0]   beat_reg;
reg [15:0]  slot_reg;
reg         back_reg;
reg         rpos_odd_reg;
reg [20:0]  dbase_reg;
reg         wbuf_reg;
reg [16:0]  pcnt_reg, npcnt_reg, cnt_reg;
reg         cnt_nz_reg;                        // cnt != 0
reg         full0_reg, full1_reg;              // cnt == B, cnt + 1 == B
reg [20:0]  dfront_reg, dback_reg, dsum_reg;   // P x n_dense, DH-1 - NP x n_dense, rows x n_dense
reg [47:0]  first_idx_reg;
reg         close_reg, close_eos_reg, close_fresh_reg;
reg [47:0]  eos_rows_reg;
reg [31:0]  timer_reg;
reg         due_reg;                           // timer >= freshness_cycles
reg [31:0]  seq_reg, dropped_reg;
reg [191:0] err_reg;

wire        rd_idle;
wire        handover = close_reg && rd_idle && geo_ok;

wire        fresh_fire = !close_reg && !in_row_reg && g_fresh_nz && cnt_nz_reg && due_reg;
assign in_tready = !close_reg && !fresh_fire && geo_w_ok;
wire        acc = in_tvalid && in_tready;

wire        beat0 = !in_row_reg;
wire [26:0] w1 = in_tdata[58:32];
wire unused_w1 = &{1'b0, in_tdata[63:59]};
wire [47:0] rownum = {w1[15:0], in_tdata[31:0]};
wire [7:0]  reason = w1[23:16];
wire        is_eos = beat0 && w1[26];
wire        is_tomb = beat0 && w1[24] && !w1[26];
wire        is_kept0 = beat0 && !w1[24] && !w1[26];
wire        back0 = g_hot && !w1[25];
localparam [16:0] MAX_ROWS_M1 = MAX_ROWS_W[16:0] - 17'd1;
wire [16:0] new_slot = back0 ? MAX_ROWS_M1 - npcnt_reg : pcnt_reg;
wire        new_rpos_odd = back0 ? npcnt_reg[0] : pcnt_reg[0];
wire [20:0] new_dbase = back0 ? dback_reg : dfront_reg;
wire [15:0] cur_slot = beat0 ? new_slot[15:0] : slot_reg;
wire        cur_back = beat0 ? back0 : back_reg;
wire        cur_rpos_odd = beat0 ? new_rpos_odd : rpos_odd_reg;
wire [20:0] cur_dbase = beat0 ? new_dbase : dbase_reg;
wire [3:0]  cur_beat = beat0 ? 4'd0 : beat_reg;
wire        wr_en = acc && (is_kept0 || !beat0);
wire unused_new_slot = &{1'b0, new_slot[16]};
wire        reason_ok = reason >= 8'd1 && reason <= 8'd6;
localparam [31:0] DH_W = DH;
localparam [20:0] DH_M1 = DH_W[20:0] - 21'd1;
wire        timer_inc = !handover && (cnt_nz_reg || (acc && is_kept0));
wire        due_inc = !g_fresh_nz || timer_reg >= g_fresh_m1;   // timer + 1 >= freshness_cycles

// ---------------- stage W1: the accepted beat of a kept row
reg          w1_valid_reg;
reg [1023:0] w1_data_reg;
reg [31:0]   w1_prev31_reg;   // word 31 of the row's previous beat (sparse pairs may straddle beats)
reg [3:0]    w1_beat_reg;
reg [15:0]   w1_slot_reg;
reg          w1_back_reg, w1_rpos_odd_reg, w1_buf_reg;
reg [20:0]   w1_dbase_reg;

// ---------------- stage W2: per-memory write ports of the three stores
reg          w2_lab_any_reg;
reg [15:0]   w2_lab_we_reg;
reg [LAW-1:0] w2_lab_addr_reg;
reg [31:0]   w2_lab_data_reg;
reg [16+16*DAW+512-1:0]  w2_den_reg;    // {we, line, data} of the 16 dense memories
reg [16+16*SAW+1024-1:0] w2_spa_reg;    // ... of the 16 sparse memories


// W1 -> W2: rotate the beat's items onto the memories (functions: evaluated only for a valid beat)
// dense: items j = 0..15 are record words 3..18 of beat 0; item j goes to store index dbase + j (front
// rows) or dbase - j (back rows): memory index mod 16, line index / 16
function automatic [16+16*DAW+512-1:0] dense_write;   // {we, addr, data}
    /* verilator no_inline_task */
    input [511:0] items;
    input         back;
    input [DAW+3:0] dbase;
    input         wbuf;
    input [3:0]   beat;
    input [7:0]   nd;
    integer fm;
    reg [511:0] src, data;
    reg [3:0]  rot, jm, pm;
    reg [15:0] we;
    reg [16*DAW-1:0] addr;
    reg [DAW-1:0] a0;
    begin
        for (fm = 0; fm < 16; fm = fm + 1) begin
            src[32*fm +: 32] = back ? items[32*(15-fm) +: 32] : items[32*fm +: 32];
        end
        rot = back ? dbase[3:0] + 4'd1 : dbase[3:0];
        for (fm = 0; fm < 16; fm = fm + 1) begin
            pm = fm[3:0] - rot;
            data[32*fm +: 32] = src[32*pm +: 32];               // memory m gets src[(m - rot) mod 16]
        end
        a0 = (wbuf ? DHALF_W[DAW-1:0] : {DAW{1'b0}}) + dbase[DAW+3:4];
        for (fm = 0; fm < 16; fm = fm + 1) begin
            if (back) begin
                jm = dbase[3:0] - fm[3:0];
                addr[DAW*fm +: DAW] = (fm[3:0] > dbase[3:0]) ? a0 - 1'b1 : a0;
            end else begin
                jm = fm[3:0] - dbase[3:0];
                addr[DAW*fm +: DAW] = (fm[3:0] < dbase[3:0]) ? a0 + 1'b1 : a0;
            end
            we[fm] = beat == 4'd0 && {4'd0, jm} < nd;
        end
        dense_write = {we, addr, data};
    end
endfunction

// sparse: pair p of the beat = words (2p, 2p+1), or (2p-1, 2p) when the first sparse word is odd;
// feature f = 16 beat + p - c goes to memory (slot + f) mod 16, line (f / 16) MAX_ROWS + slot
function automatic [16+16*SAW+1024-1:0] sparse_write;  // {we, addr, data}
    /* verilator no_inline_task */
    input [1023:0] pairs;
    input [SAW-1:0] slot;
    input [4:0]    c;
    input [7:0]    ns;
    input          wbuf;
    input [3:0]    beat;
    integer fm;
    reg [1023:0] data;
    reg [3:0]  rot, pm;
    reg        lt;
    reg [9:0]  f;
    reg [15:0] we;
    reg [16*SAW-1:0] addr;
    reg [4:0]  grp;
    begin
        rot = slot[3:0] - c[3:0];
        for (fm = 0; fm < 16; fm = fm + 1) begin
            pm = fm[3:0] - rot;
            data[64*fm +: 64] = pairs[64*pm +: 64];             // memory m gets pair (m - rot) mod 16
            lt = {1'b0, pm} < c;
            f = {2'd0, beat, 4'd0} + {6'd0, pm} - {5'd0, c};
            we[fm] = (beat != 4'd0 || !lt) && f < {2'd0, ns};
            grp = (wbuf ? NG_W[4:0] : 5'd0) + {1'b0, beat} - {4'd0, lt};
            addr[SAW*fm +: SAW] = grp * MAX_ROWS_W[SAW-1:0] + slot;
        end
        sparse_write = {we, addr, data};
    end
endfunction

wire [31:0] w2n_lab_addr = (w1_buf_reg ? LHALF : 0) + {20'd0, w1_slot_reg[15:4]};
wire unused_w2n = &{1'b0, w2n_lab_addr, w1_dbase_reg, w1_slot_reg};

always @(posedge clk) begin
    // W2 first: each stage reads the previous one's registers before they are written (no shadows in Verilator)
    w2_lab_any_reg <= w1_valid_reg && w1_beat_reg == 4'd0;
    if (w1_valid_reg) begin
        for (m = 0; m < 16; m = m + 1) w2_lab_we_reg[m] <= w1_slot_reg[3:0] == m[3:0];
        w2_lab_addr_reg <= w2n_lab_addr[LAW-1:0];
        w2_lab_data_reg <= w1_data_reg[2*32 +: 32];
        w2_den_reg <= dense_write(w1_data_reg[3*32 +: 512], w1_back_reg,
                                                                         w1_dbase_reg[DAW+3:0], w1_buf_reg, w1_beat_reg, g_nd);
        w2_spa_reg <= sparse_write(
            g_sword_odd ? {w1_data_reg[991:0], w1_prev31_reg} : w1_data_reg, w1_slot_reg[SAW-1:0], g_c, g_ns, w1_buf_reg,
            w1_beat_reg);
    end else begin
        w2_den_reg[16*DAW+512 +: 16] <= 16'd0;
        w2_spa_reg[16*SAW+1024 +: 16] <= 16'd0;
    end
    w1_valid_reg <= wr_en;
    if (wr_en) begin
        w1_data_reg <= in_tdata;
        w1_prev31_reg <= w1_data_reg[1023:992];
        w1_beat_reg <= cur_beat;
        w1_slot_reg <= cur_slot;
        w1_back_reg <= cur_back;
        w1_rpos_odd_reg <= cur_rpos_odd;
        w1_dbase_reg <= cur_dbase;
        w1_buf_reg <= wbuf_reg;
    end
    if (rst) begin
        w1_valid_reg <= 1'b0;
        w2_lab_any_reg <= 1'b0;
        w2_den_reg[16*DAW+512 +: 16] <= 16'd0;
        w2_spa_reg[16*SAW+1024 +: 16] <= 16'd0;
    end
end

// ---------------- checksum pipeline (beside W2): CS1 per-word terms, pairwise sums; CS2 16 -> 4;
// CS3 4 -> 1; then per-buffer accumulators (the reader reads the closed buffer's sums)
reg          cs1_valid_reg, cs2_valid_reg, cs3_valid_reg;
reg          cs1_buf_reg, cs2_buf_reg, cs3_buf_reg;
reg [16*32+2*16*17+32-1:0] cs1_reg;   // {s (16 x 32), e (16 x 17), o (16 x 17), truncated (32)}
reg [3*4*32+6-1:0] cs2_reg;              // {s (4 x 32), e, o, truncated count (6)}
reg [31:0]   cs3_s_reg, cs3_e_reg, cs3_o_reg;
reg [5:0]    cs3_tr_reg;
reg [31:0]   acc_s_reg [0:1];
reg [31:0]   acc_e_reg [0:1];
reg [31:0]   acc_o_reg [0:1];

// CS1: each word's term by its class (label, dense, sparse lo / hi: the precomputed masks of its beat
// index); the sum of each word pair. Float16/bfloat16 dense items of back rows go to the parity sums e / o.
function automatic [16*32+2*16*17+32-1:0] cs_terms;   // {s, e, o, truncated}
    /* verilator no_inline_task */
    input [1023:0] data;
    input          prev_msb;   // msb of the row's previous word 31
    input [31:0]   mlab, mden, mlo, mhi;
    input          odd_row;    // rpos odd and n_dense odd: the row's items start at an odd output index
    input          dense16, sdt, back;
    integer ch, ck;
    reg [16*32-1:0] cs;
    reg [16*17-1:0] ce, co;
    reg [31:0] ctr, msbs, word, ta, tb;
    reg [16:0] ea, eb, oa, ob;
    reg        par;
    begin
        cs = {16*32{1'b0}};
        ce = {16*17{1'b0}};
        co = {16*17{1'b0}};
        ctr = 32'd0;
        ta = 32'd0;
        ea = 17'd0;
        oa = 17'd0;
        // the msb of the word before each word (the lo word of an int32 id whose hi word this is)
        msbs[0] = prev_msb;
        for (ch = 1; ch < 32; ch = ch + 1) msbs[ch] = data[32*ch - 1];
        for (ch = 0; ch < 16; ch = ch + 1) begin
            for (ck = 0; ck < 2; ck = ck + 1) begin
                word = data[32*(2*ch+ck) +: 32];
                par = (ck == 0) ^ odd_row;   // the item's output index is odd (words 3 + j: j odd at even words)
                tb = 32'd0;
                ob = 17'd0;
                eb = 17'd0;
                if (mlab[2*ch+ck] || mlo[2*ch+ck] || (mhi[2*ch+ck] && sdt) || (mden[2*ch+ck] && !dense16)) begin
                    tb = word;
                end else if (mden[2*ch+ck] && back) begin
                    if (par) ob = {1'b0, word[15:0]};
                    else     eb = {1'b0, word[15:0]};
                end else if (mden[2*ch+ck]) begin
                    tb = par ? {word[15:0], 16'd0} : {16'd0, word[15:0]};
                end
                if (ck == 0) begin
                    ta = tb;
                    ea = eb;
                    oa = ob;
                end
                ctr[2*ch+ck] = mhi[2*ch+ck] && !sdt && (word != 32'd0 || msbs[2*ch+ck]);
            end
            cs[32*ch +: 32] = ta + tb;
            ce[17*ch +: 17] = ea + eb;
            co[17*ch +: 17] = oa + ob;
        end
        cs_terms = {cs, ce, co, ctr};
    end
endfunction

// CS2: 16 -> 4 partial sums, and the truncated-id count of the beat
function automatic [3*4*32+6-1:0] cs_reduce;   // {s, e, o, truncated count}
    /* verilator no_inline_task */
    input [16*32+2*16*17+32-1:0] c1;   // the CS1 register

    integer rh, rk;
    reg [4*32-1:0] rs, re, ro;
    reg [5:0] rn;
    reg [16*32-1:0] cs;
    reg [16*17-1:0] ce, co;
    reg [31:0]      ctr;
    begin
        {cs, ce, co, ctr} = c1;
        rs = {4*32{1'b0}};
        re = {4*32{1'b0}};
        ro = {4*32{1'b0}};
        rn = 6'd0;
        for (rh = 0; rh < 4; rh = rh + 1) begin
            for (rk = 0; rk < 4; rk = rk + 1) begin
                rs[32*rh +: 32] = rs[32*rh +: 32] + cs[32*(4*rh+rk) +: 32];
                re[32*rh +: 32] = re[32*rh +: 32] + {15'd0, ce[17*(4*rh+rk) +: 17]};
                ro[32*rh +: 32] = ro[32*rh +: 32] + {15'd0, co[17*(4*rh+rk) +: 17]};
            end
        end
        for (rk = 0; rk < 32; rk = rk + 1) rn = rn + {5'd0, ctr[rk]};
        cs_reduce = {rs, re, ro, rn};
    end
endfunction

always @(posedge clk) begin
    cs1_valid_reg <= w1_valid_reg;
    cs2_valid_reg <= cs1_valid_reg;
    cs3_valid_reg <= cs2_valid_reg;
    if (cs3_valid_reg) begin
        acc_s_reg[cs3_buf_reg] <= acc_s_reg[cs3_buf_reg] + cs3_s_reg;
        acc_e_reg[cs3_buf_reg] <= acc_e_reg[cs3_buf_reg] + cs3_e_reg;
        acc_o_reg[cs3_buf_reg] <= acc_o_reg[cs3_buf_reg] + cs3_o_reg;
    end
    if (cs2_valid_reg) begin
        cs3_buf_reg <= cs2_buf_reg;
        cs3_s_reg <= (cs2_reg[262 +: 32] + cs2_reg[294 +: 32]) + (cs2_reg[326 +: 32] + cs2_reg[358 +: 32]);
        cs3_e_reg <= (cs2_reg[134 +: 32] + cs2_reg[166 +: 32]) + (cs2_reg[198 +: 32] + cs2_reg[230 +: 32]);
        cs3_o_reg <= (cs2_reg[6 +: 32] + cs2_reg[38 +: 32]) + (cs2_reg[70 +: 32] + cs2_reg[102 +: 32]);
        cs3_tr_reg <= cs2_reg[5:0];
    end
    if (cs1_valid_reg) begin
        cs2_buf_reg <= cs1_buf_reg;
        cs2_reg <= cs_reduce(cs1_reg);
    end
    if (w1_valid_reg) begin
        cs1_buf_reg <= w1_buf_reg;
        cs1_reg <= cs_terms(w1_data_reg, w1_prev31_reg[31],
            g_mcls[3*KMAX*32 + 32*w1_beat_reg +: 32], g_mcls[2*KMAX*32 + 32*w1_beat_reg +: 32],
            g_mcls[KMAX*32 + 32*w1_beat_reg +: 32], g_mcls[32*w1_beat_reg +: 32], w1_rpos_odd_reg & g_nd[0], g_dense16, g_sdt, w1_back_reg);
    end
    // the writer's next buffer starts from zero (its previous batch left the pipeline long ago)
    if (handover) begin
        acc_s_reg[!wbuf_reg] <= 32'd0;
        acc_e_reg[!wbuf_reg] <= 32'd0;
        acc_o_reg[!wbuf_reg] <= 32'd0;
    end
    if (rst) begin
        cs1_valid_reg <= 1'b0;
        cs2_valid_reg <= 1'b0;
        cs3_valid_reg <= 1'b0;
        for (m = 0; m < 2; m = m + 1) begin
            acc_s_reg[m] <= 32'd0;
            acc_e_reg[m] <= 32'd0;
            acc_o_reg[m] <= 32'd0;
        end
    end
end

// ------------------------------------------------------------------ the three stores
reg  [16*AW-1:0]  i_addr_reg;     // one read line per memory (stage I)
reg               i_valid_reg;
reg  [1:0]        i_hdr_reg, i_reg_reg;
wire [16*LAW-1:0] lab_rd_addr;
wire [16*DAW-1:0] den_rd_addr;
wire [16*SAW-1:0] spa_rd_addr;
wire              i_data = i_valid_reg && i_hdr_reg == 2'd0;
wire [511:0]      lab_q, den_q;
wire [1023:0]     spa_q;

genvar gm;
generate
    for (gm = 0; gm < 16; gm = gm + 1) begin : gen_rd_addr
        assign lab_rd_addr[LAW*gm +: LAW] = i_addr_reg[AW*gm +: LAW];
        assign den_rd_addr[DAW*gm +: DAW] = i_addr_reg[AW*gm +: DAW];
        assign spa_rd_addr[SAW*gm +: SAW] = i_addr_reg[AW*gm +: SAW];
    end
endgenerate

pack_store #(.MEMS(16), .WIDTH(32), .DEPTH(2 * LHALF), .RAM_STYLE(1)) lab_store_inst (
    .clk(clk),
    .wr_en(w2_lab_any_reg ? w2_lab_we_reg : 16'd0), .wr_addr({16{w2_lab_addr_reg}}),
    .wr_data({16{w2_lab_data_reg}}),
    .rd_en(i_data && i_reg_reg == 2'd0), .rd_addr(lab_rd_addr), .rd_data(lab_q)
);

pack_store #(.MEMS(16), .WIDTH(32), .DEPTH(2 * DHALF), .RAM_STYLE(1)) den_store_inst (
    .clk(clk),
    .wr_en(w2_den_reg[16*DAW+512 +: 16]), .wr_addr(w2_den_reg[512 +: 16*DAW]), .wr_data(w2_den_reg[0 +: 512]),
    .rd_en(i_data && i_reg_reg == 2'd1), .rd_addr(den_rd_addr), .rd_data(den_q)
);

pack_store #(.MEMS(16), .WIDTH(64), .DEPTH(2 * SHALF), .RAM_STYLE(2)) spa_store_inst (
    .clk(clk),
    .wr_en(w2_spa_reg[16*SAW+1024 +: 16]), .wr_addr(w2_spa_reg[1024 +: 16*SAW]), .wr_data(w2_spa_reg[0 +: 1024]),
    .rd_en(i_data && i_reg_reg == 2'd2), .rd_addr(spa_rd_addr), .rd_data(spa_q)
);

// ------------------------------------------------------------------ status counters
reg [31:0] st_batches_reg, st_fresh_reg, st_streams_reg;
reg [47:0] st_rows_reg, st_tomb_reg, st_disc_reg, st_trunc_reg, st_stall_in_reg, st_stall_out_reg,
           st_beats_reg;

// ------------------------------------------------------------------ reader
localparam [2:0] R_IDLE = 3'd0, R_HDR0 = 3'd1, R_HDR1 = 3'd2, R_LAB = 3'd3, R_DEN = 3'd4, R_SPA = 3'd5;
reg [2:0]   rstate_reg;
reg         rbuf_reg;
reg [2:0]   hwait_reg;           // cycles until the closed batch's checksum has left the pipeline
reg [16:0]  rows_h_reg, pop_h_reg, kl_h_reg;
reg [20:0]  rnd_h_reg, pnd_h_reg, kd_h_reg;
reg         hot_h_reg;
reg [47:0]  first_h_reg;
reg [2:0]   flags_h_reg;
reg [31:0]  seq_h_reg, dropped_h_reg, cks_h_reg, errsum_h_reg, np_h_reg, e01_h_reg, e23_h_reg, e45_h_reg;
reg [191:0] err_h_reg;
reg [25:0]  rcnt_reg;            // units left in the region
reg         rone_reg;            // rcnt == 1: the region's last unit
reg         half_reg;            // float16 dense: the unit fills the upper half of the beat
// label / dense region (item o = 16 u + t): o < limit V (valid), o < P split (front), mirror K - o (back)
reg [17:0]  dv_reg, dp_reg;      // V / 16 - u, P / 16 - u (signed)
reg         ult_v_reg, ueq_v_reg, ult_p_reg, ueq_p_reg;  // u < V / 16, u == V / 16, likewise for P
reg [3:0]   cur_vlo_reg, cur_plo_reg, cur_klo_reg;       // V, P, K mod 16
reg [AW-1:0] la_f_reg, la_b_reg, la_bm1_reg;             // front line (base + u), back line (base + K/16 - u)
// sparse region: the lanes' items of the next unit (f, r), and the current unit's lanes (valid, memory, line)
reg [16*9+16*17-1:0] lfr_reg;   // {f (16 x 9), r (16 x 17)} of the 16 lanes
reg [SDW-1:0] sd_reg;   // {valid, memory, line} of the 16 lanes, line mode, first line, first memory
reg         credit_reg;
reg [LVLW-1:0] inflight_reg;     // beats generated, not yet in the output FIFO

wire [LVLW-1:0] fifo_level;
wire        g_lin = rstate_reg == R_LAB || rstate_reg == R_DEN;
wire        g_data = g_lin || rstate_reg == R_SPA;
wire        g_can = rstate_reg != R_IDLE && !(rstate_reg == R_HDR0 && hwait_reg != 3'd0) && credit_reg;
wire        d_ready;
wire        g_fire = g_can && d_ready;
localparam [31:0] LHALF_W = LHALF;
wire [AW-1:0] lab_base = rbuf_reg ? LHALF_W[AW-1:0] : {AW{1'b0}};
wire [AW-1:0] den_base = rbuf_reg ? DHALF_W[AW-1:0] : {AW{1'b0}};
wire [31:0] lab_k16 = {15'd0, kl_h_reg} >> 4;   // K / 16 of the label region
wire [31:0] den_k16 = {11'd0, kd_h_reg} >> 4;   // ... of the dense region
wire unused_k16 = &{1'b0, lab_k16, den_k16};

// ---------------- G: the next unit's lanes (memory, line) -> D
wire        g_f16 = rstate_reg == R_DEN && g_dense16;
wire        g_end = !(g_f16 && !half_reg);
wire        g_lastunit = rone_reg;
wire [2:0]  g_next_state = rstate_reg == R_LAB ? (g_den_nz ? R_DEN : g_spa_nz ? R_SPA : R_IDLE)
                         : rstate_reg == R_DEN ? (g_spa_nz ? R_SPA : R_IDLE) : R_IDLE;

// sparse lanes: item (f, r) -> valid, memory (slot + f) mod 16, line (f / 16) MAX_ROWS + slot (the slot of
// row r, mirrored for the back rows of a hot split)
function automatic [SDW-1:0] spa_lanes;  // {valid, memory, line, line mode, first line, first memory}
    /* verilator no_inline_task */
    input [16*9+16*17-1:0] lfr;   // {f, r} of the lanes
    input [16:0]      rows, pop, kl;
    input             hot, rbuf;
    input [7:0]       ns;
    integer st;
    reg [8:0]  f;
    reg [16:0] r, slot;
    reg [4:0]  grp;
    reg [31:0] a;
    reg        unused_a;
    reg [15:0] lv, front;
    reg [63:0] mem;
    reg [16*AW-1:0] addr;
    reg [1:0]  lmode;
    reg [16*9-1:0]  lf;
    reg [16*17-1:0] lr;
    begin
        {lf, lr} = lfr;
        for (st = 0; st < 16; st = st + 1) begin
            f = lf[9*st +: 9];
            r = lr[17*st +: 17];
            front[st] = !hot || r < pop;
            slot = front[st] ? r : kl - r;
            lv[st] = f < {1'b0, ns} && r < rows;
            mem[4*st +: 4] = slot[3:0] + f[3:0];
            grp = (rbuf ? NG_W[4:0] : 5'd0) + {1'b0, f[7:4]};
            a = {27'd0, grp} * MAX_ROWS_W + {15'd0, slot};
            addr[AW*st +: AW] = a[AW-1:0];
            unused_a = ^a;
        end
        // one feature and one side of the split (no wrap, no P boundary inside the unit): lane t's slot is
        // slot0 + t (front rows) or slot0 - t (back rows), so memory m reads line0 +- ((m - mem0) mod 16)
        if (lf[8:0] == lf[9*15 +: 9] && front[0] == front[15]) lmode = front[0] ? 2'd2 : 2'd3;
        else                                                    lmode = 2'd0;
        spa_lanes = {lv, mem, addr, lmode, addr[0 +: AW], mem[3:0]};
    end
endfunction

// sparse lanes: step 16 items (8 for int64): r += step mod B, f += step / B (+1 on a wrap)
function automatic [16*9+16*17-1:0] spa_step;  // {f, r}
    /* verilator no_inline_task */
    input [16*9+16*17-1:0] lfr;   // {f, r} of the lanes
    input [4:0]       stq, str;
    input [16:0]      cap;
    integer st;
    reg [16:0] rn;
    reg [17:0] rw;
    reg [16*9-1:0]  nf;
    reg [16*17-1:0] nr;
    reg [16*9-1:0]  lf;
    reg [16*17-1:0] lr;
    begin
        {lf, lr} = lfr;
        for (st = 0; st < 16; st = st + 1) begin
            rn = lr[17*st +: 17] + {12'd0, str};
            rw = {1'b0, rn} - {1'b0, cap};
            if (!rw[17]) begin
                nr[17*st +: 17] = rw[16:0];
                nf[9*st +: 9] = lf[9*st +: 9] + {4'd0, stq} + 9'd1;
            end else begin
                nr[17*st +: 17] = rn;
                nf[9*st +: 9] = lf[9*st +: 9] + {4'd0, stq};
            end
        end
        spa_step = {nf, nr};
    end
endfunction

// the unit's lanes: sparse from the precomputed registers, label / dense (item o = 16 u + t) from the
// region's flags: front items at line base + u, memory t; back items mirrored (index K - o)
// line mode of a unit (how stage I finds each memory's line): 0 = from the lanes (the unit may hold lanes
// of one memory at different lines), 1 = line la, minus 1 for memories m > lk (a label / dense unit on one
// side of the split), 2 / 3 = la +- ((m - lk) mod 16) (a sparse unit of one feature on one side)
reg [15:0]  gn_lv;
reg [63:0]  gn_mem;
reg [16*AW-1:0] gn_addr;
reg [1:0]   gn_lmode;
reg [AW-1:0] gn_la;
reg [3:0]   gn_lk;
reg         l_front;
always @* begin
    gn_lv = 16'd0;
    gn_mem = 64'd0;
    gn_addr = {16*AW{1'b0}};
    gn_lmode = 2'd1;
    gn_la = {AW{1'b0}};
    gn_lk = 4'd15;
    l_front = 1'b0;
    if (rstate_reg == R_SPA) begin
        {gn_lv, gn_mem, gn_addr, gn_lmode, gn_la, gn_lk} = sd_reg;
    end else if (g_lin) begin
        for (t = 0; t < 16; t = t + 1) begin
            gn_lv[t] = ult_v_reg || (ueq_v_reg && t[3:0] < cur_vlo_reg);
            l_front = !hot_h_reg || ult_p_reg || (ueq_p_reg && t[3:0] < cur_plo_reg);
            if (l_front) begin
                gn_mem[4*t +: 4] = t[3:0];
                gn_addr[AW*t +: AW] = la_f_reg;
            end else begin
                gn_mem[4*t +: 4] = cur_klo_reg - t[3:0];
                gn_addr[AW*t +: AW] = (t[3:0] > cur_klo_reg) ? la_bm1_reg : la_b_reg;
            end
        end
        if (!hot_h_reg || ult_p_reg) begin
            gn_la = la_f_reg;                       // every lane in front: line base + u
        end else if (!ueq_p_reg || cur_plo_reg == 4'd0) begin
            gn_la = la_b_reg;                       // every lane mirrored
            gn_lk = cur_klo_reg;
        end else begin
            gn_lmode = 2'd0;                        // the unit crosses the split
        end
    end
end

wire [1:0]  g_hdr = rstate_reg == R_HDR0 ? 2'd1 : rstate_reg == R_HDR1 ? 2'd2 : 2'd0;
wire [1:0]  g_reg = rstate_reg == R_LAB ? 2'd0 : rstate_reg == R_DEN ? 2'd1 : 2'd2;
wire        g_last = g_data && g_lastunit && g_end && g_next_state == R_IDLE;
wire [DW-1:0] g_desc = {gn_lv, gn_mem, gn_addr, gn_lmode, gn_la, gn_lk, g_hdr, g_reg, g_f16, half_reg, !g_data || g_end,
                        g_last};

// ---------------- D: skid buffer (registered ready towards G)
wire [DW-1:0] d_desc;
wire        d_valid;
wire        s_acc;
wire        unused_d_tlast;
wire [0:0]  unused_d_tuser;
wire [(DW+7)/8-1:0] unused_d_tkeep;

axis_register #(
    .DATA_WIDTH(DW), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0), .REG_TYPE(2)
) d_reg_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(g_desc), .s_axis_tkeep({(DW+7)/8{1'b1}}), .s_axis_tvalid(g_can), .s_axis_tready(d_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(d_desc), .m_axis_tkeep(unused_d_tkeep), .m_axis_tvalid(d_valid), .m_axis_tready(s_acc),
    .m_axis_tlast(unused_d_tlast), .m_axis_tuser(unused_d_tuser)
);

wire [15:0]     d_lv = d_desc[DW-1 -: 16];
wire [63:0]     d_mem = d_desc[DW-17 -: 64];
wire [16*AW-1:0] d_addr = d_desc[DW-81 -: 16*AW];
wire [1:0]      d_lmode = d_desc[8+AW+4 +: 2];
wire [AW+4-1:0] d_lak = d_desc[8 +: AW+4];     // {la, lk}
wire [7:0]      d_flags = d_desc[7:0];

// ---------------- S: conflict matrix (lanes of one memory at different lines), serve, one line per memory
reg         s_valid_reg;
reg [7:0]   s_flags_reg;         // {hdr, region, f16, half, end, last}
reg [15:0]  s_pend_reg;
reg [63:0]  s_mem_reg;
reg [16*AW-1:0] s_addr_reg;
reg [255:0] s_c_reg;             // s_c[16 u + t], u < t: lanes u and t want different lines of one memory
reg [255:0] s_oh_reg;            // s_oh[16 t + m]: lane t wants memory m
reg [1:0]   s_lmode_reg;
reg [AW+4-1:0] s_lak_reg;

reg [255:0] dn_c, dn_oh;
always @* begin
    dn_c = 256'd0;
    dn_oh = 256'd0;
    if (d_valid && d_lmode == 2'd0) begin
        // only a unit whose lanes may share a memory at different lines (line mode 0) can conflict
        for (t = 0; t < 16; t = t + 1) begin
            for (u = 0; u < t; u = u + 1) begin
                dn_c[16*u + t] = d_lv[u] && d_lv[t] && d_mem[4*u +: 4] == d_mem[4*t +: 4]
                                 && d_addr[AW*u +: AW] != d_addr[AW*t +: AW];
            end
            dn_oh[16*t +: 16] = 16'd1 << d_mem[4*t +: 4];
        end
    end
end

// the lowest pending lane of a memory is always served; a lane waits while a lower pending lane wants
// another line of its memory. Whether the unit is done this cycle (no pending lane waits) is registered:
// computed at the load from the conflict matrix, and for the next cycle from the lanes left pending.
reg         s_done_reg;
reg [15:0]  s_blocked, s_served, s_pend_next, s_blocked_next;
reg         s_done_next;
always @* begin
    s_blocked = 16'd0;
    s_served = 16'd0;
    s_pend_next = 16'd0;
    s_blocked_next = 16'd0;
    s_done_next = 1'b0;
    if (s_valid_reg && s_lmode_reg != 2'd0) begin
        s_served = s_pend_reg;          // a unit without conflicts is served in its first cycle
        s_done_next = 1'b1;
    end else if (s_valid_reg) begin
        for (t = 1; t < 16; t = t + 1) begin
            for (u = 0; u < t; u = u + 1) begin
                if (s_pend_reg[u] && s_c_reg[16*u + t]) s_blocked[t] = 1'b1;
            end
        end
        s_served = s_pend_reg & ~s_blocked;
        s_pend_next = s_pend_reg & s_blocked;
        for (t = 1; t < 16; t = t + 1) begin
            for (u = 0; u < t; u = u + 1) begin
                if (s_pend_next[u] && s_c_reg[16*u + t]) s_blocked_next[t] = 1'b1;
            end
        end
        s_done_next = (s_pend_next & s_blocked_next) == 16'd0;
    end
end
reg         s_first_reg;         // the unit's first cycle: done when no two lanes conflict at all
wire        s_done = s_first_reg ? s_c_reg == 256'd0 : s_done_reg;
assign s_acc = !s_valid_reg || s_done;

// J -> I: one read line per memory. Line mode 0: the line of the memory's served lanes (they all want
// the same line); otherwise from the unit's line mode (see G)
function automatic [16*AW-1:0] memory_lines;
    /* verilator no_inline_task */
    input [1:0]       lmode;
    input [AW+4-1:0]  lak;       // {la, lk}
    input [15:0]      served;
    input [255:0]     oh;
    input [16*AW-1:0] addr;
    integer jm, jt;
    reg [AW-1:0] la;
    reg [3:0]    lk, d;
    begin
        memory_lines = {16*AW{1'b0}};
        la = lak[4 +: AW];
        lk = lak[3:0];
        for (jm = 0; jm < 16; jm = jm + 1) begin
            if (lmode == 2'd0) begin
                for (jt = 0; jt < 16; jt = jt + 1) begin
                    if (served[jt] && oh[16*jt + jm]) memory_lines[AW*jm +: AW] = memory_lines[AW*jm +: AW] | addr[AW*jt +: AW];
                end
            end else if (lmode == 2'd1) begin
                memory_lines[AW*jm +: AW] = (jm[3:0] > lk) ? la - 1'b1 : la;
            end else if (lmode == 2'd2) begin
                d = jm[3:0] - lk;
                memory_lines[AW*jm +: AW] = la + {{(AW-4){1'b0}}, d};
            end else begin
                d = lk - jm[3:0];
                memory_lines[AW*jm +: AW] = la - {{(AW-4){1'b0}}, d};
            end
        end
    end
endfunction

// ---------------- I (read lines), M (read data -> lane words), X (lane words -> beat), O (FIFO input)
reg [5:0]   j_flags_reg, i_flags_reg, m_flags_reg, x_flags_reg;  // {f16, half, end (this cycle ends the beat), last, hdr}
reg [15:0]  j_served_reg, i_served_reg, m_served_reg, x_served_reg;
reg [63:0]  j_mem_reg, i_mem_reg, m_mem_reg;
reg         j_valid_reg;
reg [1:0]   j_hdr_reg, j_reg_reg;
reg [255:0] j_oh_reg;
reg [1:0]   j_lmode_reg;
reg [AW+4-1:0] j_lak_reg;
reg [16*AW-1:0] j_addr_reg;
reg [1:0]   m_reg_reg;
reg         m_valid_reg, x_valid_reg, o_valid_reg;
reg [511:0] x_words_reg;
reg [511:0] o_data_reg;         // the beat being assembled; the FIFO input when o_valid
reg         o_last_reg, o_fresh_reg;

// M: each lane's word from its memory (int64: odd lanes take the high half of the id)
function automatic [511:0] lane_words;
    /* verilator no_inline_task */
    input [511:0]  lq, dq;
    input [1023:0] sq;
    input [1:0]    region;
    input          int64;
    input [63:0]   lmem;
    integer mt, mmi;
    reg [511:0] even, odd;
    reg [3:0]   mm;
    begin
        for (mmi = 0; mmi < 16; mmi = mmi + 1) begin
            case (region)
                2'd0: begin
                    even[32*mmi +: 32] = lq[32*mmi +: 32];
                    odd[32*mmi +: 32] = lq[32*mmi +: 32];
                end
                2'd1: begin
                    even[32*mmi +: 32] = dq[32*mmi +: 32];
                    odd[32*mmi +: 32] = dq[32*mmi +: 32];
                end
                default: begin
                    even[32*mmi +: 32] = sq[64*mmi +: 32];
                    odd[32*mmi +: 32] = int64 ? sq[64*mmi + 32 +: 32] : sq[64*mmi +: 32];
                end
            endcase
        end
        for (mt = 0; mt < 16; mt = mt + 1) begin
            mm = lmem[4*mt +: 4];
            lane_words[32*mt +: 32] = (mt % 2 == 1) ? odd[32*mm +: 32] : even[32*mm +: 32];
        end
    end
endfunction

// X: served lanes' words into the beat (float16/bfloat16 dense: 16-bit items into one half of the beat)
wire        x_f16 = x_flags_reg[5];
wire        x_half = x_flags_reg[4];
wire        x_end = x_flags_reg[3];
wire        x_last = x_flags_reg[2];
wire [1:0]  x_hdr = x_flags_reg[1:0];
function automatic [511:0] assemble;
    /* verilator no_inline_task */
    input [511:0] assy;
    input         fresh;   // the beat's first unit: start from zero (lanes without an item stay zero)
    input [511:0] words;
    input [15:0]  served;
    input         f16, half;
    integer xt;
    begin
        assemble = fresh ? 512'd0 : assy;
        for (xt = 0; xt < 16; xt = xt + 1) begin
            if (served[xt]) begin
                if (f16) assemble[16*(16*half + xt) +: 16] = words[32*xt +: 16];
                else     assemble[32*xt +: 32] = words[32*xt +: 32];
            end
        end
    end
endfunction

// the header beats (from the handover snapshot)
wire [511:0] hdr0 = {
    errsum_h_reg, dropped_h_reg, g_total_bytes, g_sparse_off, g_dense_off, 32'd128,
    {13'd0, flags_h_reg}, 7'd0, g_sdt, 6'd0, g_ddt,
    {8'd0, g_ns}, {8'd0, g_nd},
    {16'd0, first_h_reg[47:32]}, first_h_reg[31:0],
    {15'd0, pop_h_reg}, {15'd0, g_cap}, {15'd0, rows_h_reg}, seq_h_reg,
    16'd128, 16'd1, 32'h42434c53
};
wire [511:0] hdr1 = {288'd0, cks_h_reg, err_h_reg};

// ---------------- output FIFO
wire        fifo_in_ready;
wire [LVLW-1:0] fifo_hwm;
wire unused_fifo = &{1'b0, fifo_in_ready};

axis_fifo #(
    .DEPTH(OUT_FIFO_DEPTH), .DATA_WIDTH(512), .KEEP_ENABLE(0), .LAST_ENABLE(1), .USER_ENABLE(0)
) out_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(o_data_reg), .s_axis_tkeep(64'd0), .s_axis_tvalid(o_valid_reg),
    .s_axis_tready(fifo_in_ready), .s_axis_tlast(o_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(unused_out_tkeep), .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_out_tuser),
    .status_level(fifo_level), .status_high_water(fifo_hwm), .status_hwm_clear(1'b0)
);
assign m_axis_tkeep = {64{1'b1}};
assign m_axis_tuser = 1'b0;

assign rd_idle = rstate_reg == R_IDLE && !d_valid && !s_valid_reg && !j_valid_reg && !i_valid_reg && !m_valid_reg
                 && !x_valid_reg;

// ------------------------------------------------------------------ sequential logic
integer e;
wire g_beat = g_fire && !(g_f16 && half_reg);    // the unit starts a beat
always @(posedge clk) begin
    // ---------------- writer
    if (acc) begin
        in_row_reg <= !in_tlast;
        beat_reg <= cur_beat + 4'd1;
        if (beat0) begin
            slot_reg <= new_slot[15:0];
            back_reg <= back0;
            rpos_odd_reg <= new_rpos_odd;
            dbase_reg <= new_dbase;
        end
        if (is_tomb) begin
            dropped_reg <= dropped_reg + 32'd1;
            st_tomb_reg <= st_tomb_reg + 48'd1;
        end
        if ((is_tomb || is_kept0) && reason_ok) begin
            for (e = 0; e < 6; e = e + 1) begin
                if ({24'd0, reason} == e + 1) err_reg[32*e +: 32] <= err_reg[32*e +: 32] + 32'd1;
            end
        end
        if (is_kept0) begin
            if (!cnt_nz_reg) first_idx_reg <= rownum;
            if (back0) begin
                npcnt_reg <= npcnt_reg + 17'd1;
                dback_reg <= dback_reg - {13'd0, g_nd};
            end else begin
                pcnt_reg <= pcnt_reg + 17'd1;
                dfront_reg <= dfront_reg + {13'd0, g_nd};
            end
            dsum_reg <= dsum_reg + {13'd0, g_nd};
            st_rows_reg <= st_rows_reg + 48'd1;
        end
        if (wr_en && in_tlast && (is_kept0 ? full1_reg : full0_reg)) begin
            close_reg <= 1'b1;
        end
        if (is_eos) begin
            close_reg <= 1'b1;
            close_eos_reg <= 1'b1;
            eos_rows_reg <= rownum;
        end
    end
    // row count and its comparisons with B
    if (acc && is_kept0) begin
        cnt_reg <= cnt_reg + 17'd1;
        cnt_nz_reg <= 1'b1;
        full0_reg <= full1_reg;
        full1_reg <= cnt_reg + 17'd2 == g_cap;
    end else if (handover) begin
        cnt_reg <= 17'd0;
        cnt_nz_reg <= 1'b0;
        full0_reg <= 1'b0;
        full1_reg <= g_cap == 17'd1;
    end else if (geo_first) begin
        full0_reg <= cnt_reg == q_cap;
        full1_reg <= cnt_reg + 17'd1 == q_cap;
    end
    if (cs3_valid_reg) begin
        st_trunc_reg <= st_trunc_reg + {42'd0, cs3_tr_reg};
    end
    if (fresh_fire) begin
        close_reg <= 1'b1;
        close_fresh_reg <= 1'b1;
    end
    // freshness timer: cycles since the batch's first row was accepted (saturating)
    if (timer_inc) begin
        if (timer_reg != 32'hffffffff) timer_reg <= timer_reg + 32'd1;
        due_reg <= due_inc;
    end else begin
        timer_reg <= 32'd0;
        due_reg <= !g_fresh_nz;
    end

    // ---------------- handover to the reader
    if (handover) begin
        rbuf_reg <= wbuf_reg;
        wbuf_reg <= !wbuf_reg;
        hot_h_reg <= g_hot;
        flags_h_reg <= {close_fresh_reg, close_eos_reg, g_hot};
        seq_h_reg <= seq_reg;
        dropped_h_reg <= dropped_reg;
        err_h_reg <= err_reg;
        pnd_h_reg <= dfront_reg;
        kd_h_reg <= DH_M1 + dfront_reg;
        kl_h_reg <= MAX_ROWS_M1 + pcnt_reg;
        if (close_eos_reg && g_drop && cnt_nz_reg) begin
            st_disc_reg <= st_disc_reg + {31'd0, cnt_reg};
        end
        if (close_eos_reg && (g_drop || !cnt_nz_reg)) begin
            rows_h_reg <= 17'd0;
            rnd_h_reg <= 21'd0;
            pop_h_reg <= 17'd0;
            first_h_reg <= eos_rows_reg;
        end else begin
            rows_h_reg <= cnt_reg;
            rnd_h_reg <= dsum_reg;
            pop_h_reg <= g_hot ? pcnt_reg : 17'd0;
            first_h_reg <= first_idx_reg;
        end
        pcnt_reg <= 17'd0;
        npcnt_reg <= 17'd0;
        dfront_reg <= 21'd0;
        dback_reg <= DH_M1;
        dsum_reg <= 21'd0;
        close_reg <= 1'b0;
        close_eos_reg <= 1'b0;
        close_fresh_reg <= 1'b0;
        if (close_eos_reg) begin
            seq_reg <= 32'd0;
            dropped_reg <= 32'd0;
            err_reg <= 192'd0;
            st_streams_reg <= st_streams_reg + 32'd1;
        end else begin
            seq_reg <= seq_reg + 32'd1;
        end
        if (close_fresh_reg) st_fresh_reg <= st_fresh_reg + 32'd1;
        st_batches_reg <= st_batches_reg + 32'd1;
        rstate_reg <= R_HDR0;
        hwait_reg <= 3'd4;
        for (t = 0; t < 16; t = t + 1) begin
            lfr_reg[16*17 + 9*t +: 9] <= {4'd0, g_init_f[5*t +: 5]};
            lfr_reg[17*t +: 17] <= {12'd0, g_init_r[5*t +: 5]};
        end
    end

    // ---------------- reader: header values from the closed buffer's sums (settled while waiting)
    if (rstate_reg == R_HDR0) begin
        if (hwait_reg != 3'd0) hwait_reg <= hwait_reg - 3'd1;
        np_h_reg <= (pop_h_reg[0] & g_nd[0])
                    ? {acc_e_reg[rbuf_reg][15:0], 16'd0} + acc_o_reg[rbuf_reg]
                    : acc_e_reg[rbuf_reg] + {acc_o_reg[rbuf_reg][15:0], 16'd0};
        cks_h_reg <= rows_h_reg == 17'd0 ? 32'd0 : acc_s_reg[rbuf_reg] + np_h_reg;
        e01_h_reg <= err_h_reg[31:0] + err_h_reg[63:32];
        e23_h_reg <= err_h_reg[95:64] + err_h_reg[127:96];
        e45_h_reg <= err_h_reg[159:128] + err_h_reg[191:160];
        errsum_h_reg <= e01_h_reg + e23_h_reg + e45_h_reg;
    end

    // ---------------- sparse lanes: the next unit precomputed (first in the batch's first header cycle)
    if ((rstate_reg == R_HDR0 && hwait_reg == 3'd4) || (g_fire && rstate_reg == R_SPA)) begin
        sd_reg <= spa_lanes(lfr_reg, rows_h_reg, pop_h_reg, kl_h_reg, hot_h_reg, rbuf_reg, g_ns);
        lfr_reg <= spa_step(lfr_reg, g_stq, g_str, g_cap);
    end

    // ---------------- G: one unit per cycle into D
    if (g_fire) begin
        case (rstate_reg)
            R_HDR0: rstate_reg <= R_HDR1;
            R_HDR1: begin
                rstate_reg <= R_LAB;
                rcnt_reg <= {13'd0, g_lab_beats};
                rone_reg <= g_lab_one;
                half_reg <= 1'b0;
                // labels: V = rows, P = popular rows, K = MAX_ROWS - 1 + P
                dv_reg <= {5'd0, rows_h_reg[16:4]};
                dp_reg <= {5'd0, pop_h_reg[16:4]};
                ult_v_reg <= rows_h_reg[16:4] != 13'd0;
                ueq_v_reg <= rows_h_reg[16:4] == 13'd0;
                ult_p_reg <= pop_h_reg[16:4] != 13'd0;
                ueq_p_reg <= pop_h_reg[16:4] == 13'd0;
                cur_vlo_reg <= rows_h_reg[3:0];
                cur_plo_reg <= pop_h_reg[3:0];
                cur_klo_reg <= kl_h_reg[3:0];
                la_f_reg <= lab_base;
                la_b_reg <= lab_base + lab_k16[AW-1:0];
                la_bm1_reg <= lab_base + lab_k16[AW-1:0] - 1'b1;
            end
            default: begin
                if (g_f16) half_reg <= !half_reg;
                // the next unit of a label / dense region
                dv_reg <= dv_reg - 18'd1;
                dp_reg <= dp_reg - 18'd1;
                ult_v_reg <= $signed(dv_reg) > 18'sd1;
                ueq_v_reg <= dv_reg == 18'd1;
                ult_p_reg <= $signed(dp_reg) > 18'sd1;
                ueq_p_reg <= dp_reg == 18'd1;
                la_f_reg <= la_f_reg + 1'b1;
                la_b_reg <= la_b_reg - 1'b1;
                la_bm1_reg <= la_bm1_reg - 1'b1;
                rcnt_reg <= rcnt_reg - 26'd1;
                rone_reg <= rcnt_reg == 26'd2;
                if (g_lastunit) begin
                    half_reg <= 1'b0;
                    rstate_reg <= g_next_state;
                    rcnt_reg <= g_next_state == R_DEN ? g_den_units : g_spa_beats;
                    rone_reg <= g_next_state == R_DEN ? g_den_one : g_spa_one;
                    // dense: V = rows x n_dense, P = popular rows x n_dense, K = DH - 1 + P
                    dv_reg <= {1'b0, rnd_h_reg[20:4]};
                    dp_reg <= {1'b0, pnd_h_reg[20:4]};
                    ult_v_reg <= rnd_h_reg[20:4] != 17'd0;
                    ueq_v_reg <= rnd_h_reg[20:4] == 17'd0;
                    ult_p_reg <= pnd_h_reg[20:4] != 17'd0;
                    ueq_p_reg <= pnd_h_reg[20:4] == 17'd0;
                    cur_vlo_reg <= rnd_h_reg[3:0];
                    cur_plo_reg <= pnd_h_reg[3:0];
                    cur_klo_reg <= kd_h_reg[3:0];
                    la_f_reg <= den_base;
                    la_b_reg <= den_base + den_k16[AW-1:0];
                    la_bm1_reg <= den_base + den_k16[AW-1:0] - 1'b1;
                end
            end
        endcase
    end

    // ---------------- O <- X <- M <- I <- J <- S <- D (each stage reads its input before it is written)
    // the beat register accumulates the served lanes of its units; it is the FIFO input once complete
    if (x_valid_reg) begin
        if (x_hdr == 2'd1) begin
            o_data_reg <= hdr0;
        end else if (x_hdr == 2'd2) begin
            o_data_reg <= hdr1;
        end else begin
            o_data_reg <= assemble(o_data_reg, o_fresh_reg, x_words_reg, x_served_reg, x_f16, x_half);
        end
        o_last_reg <= x_hdr == 2'd0 && x_last;
        o_fresh_reg <= x_hdr != 2'd0 || x_end;
    end

    if (m_valid_reg) begin
        x_flags_reg <= m_flags_reg;
        x_served_reg <= m_served_reg;
        x_words_reg <= lane_words(lab_q, den_q, spa_q, m_reg_reg, g_sdt, m_mem_reg);
    end
    if (i_valid_reg) begin
        m_reg_reg <= i_reg_reg;
        m_flags_reg <= i_flags_reg;
        m_served_reg <= i_served_reg;
        m_mem_reg <= i_mem_reg;
    end
    if (j_valid_reg) begin
        i_addr_reg <= memory_lines(j_lmode_reg, j_lak_reg, j_served_reg, j_oh_reg, j_addr_reg);
        i_hdr_reg <= j_hdr_reg;
        i_reg_reg <= j_reg_reg;
        i_flags_reg <= j_flags_reg;
        i_served_reg <= j_served_reg;
        i_mem_reg <= j_mem_reg;
    end
    if (s_valid_reg) begin
        j_hdr_reg <= s_flags_reg[7:6];
        j_reg_reg <= s_flags_reg[5:4];
        j_flags_reg <= {s_flags_reg[3:2], s_done && s_flags_reg[1], s_flags_reg[0], s_flags_reg[7:6]};
        j_served_reg <= s_served;
        j_oh_reg <= s_oh_reg;
        j_lmode_reg <= s_lmode_reg;
        j_lak_reg <= s_lak_reg;
        j_addr_reg <= s_addr_reg;
        j_mem_reg <= s_mem_reg;
    end
    // ---------------- S: load from D, or keep the lanes still pending
    if (s_acc && d_valid) begin
        s_flags_reg <= d_flags;
        s_pend_reg <= d_lv;
        s_first_reg <= 1'b1;
        s_mem_reg <= d_mem;
        s_addr_reg <= d_addr;
        s_c_reg <= dn_c;
        s_oh_reg <= dn_oh;
        s_lmode_reg <= d_lmode;
        s_lak_reg <= d_lak;
    end else if (s_valid_reg) begin
        s_pend_reg <= s_pend_next;
        s_done_reg <= s_done_next;
        s_first_reg <= 1'b0;
    end

    // ---------------- valids, credit
    s_valid_reg <= (s_acc && d_valid) || (s_valid_reg && !s_done);
    j_valid_reg <= s_valid_reg;
    i_valid_reg <= j_valid_reg;
    m_valid_reg <= i_valid_reg;
    x_valid_reg <= m_valid_reg;
    o_valid_reg <= x_valid_reg && (x_hdr != 2'd0 || x_end);
    inflight_reg <= inflight_reg + {{(LVLW-1){1'b0}}, g_beat} - {{(LVLW-1){1'b0}}, o_valid_reg};
    credit_reg <= {{(32-LVLW){1'b0}}, fifo_level} + {{(32-LVLW){1'b0}}, inflight_reg} + 32'd2 <= OUT_FIFO_DEPTH;
    if (o_valid_reg) st_beats_reg <= st_beats_reg + 48'd1;

    if (s_axis_tvalid && !s_axis_tready) st_stall_in_reg <= st_stall_in_reg + 48'd1;
    if (m_axis_tvalid && !m_axis_tready) st_stall_out_reg <= st_stall_out_reg + 48'd1;

    if (rst) begin
        in_row_reg <= 1'b0;
        beat_reg <= 4'd0;
        wbuf_reg <= 1'b0;
        pcnt_reg <= 17'd0;
        npcnt_reg <= 17'd0;
        cnt_reg <= 17'd0;
        cnt_nz_reg <= 1'b0;
        full0_reg <= 1'b0;
        full1_reg <= 1'b0;
        dfront_reg <= 21'd0;
        dback_reg <= DH_M1;
        dsum_reg <= 21'd0;
        close_reg <= 1'b0;
        close_eos_reg <= 1'b0;
        close_fresh_reg <= 1'b0;
        timer_reg <= 32'd0;
        due_reg <= 1'b0;
        seq_reg <= 32'd0;
        dropped_reg <= 32'd0;
        err_reg <= 192'd0;
        rstate_reg <= R_IDLE;
        hwait_reg <= 3'd0;
        s_valid_reg <= 1'b0;
        j_valid_reg <= 1'b0;
        i_valid_reg <= 1'b0;
        m_valid_reg <= 1'b0;
        x_valid_reg <= 1'b0;
        o_valid_reg <= 1'b0;
        o_fresh_reg <= 1'b1;
        inflight_reg <= {LVLW{1'b0}};
        credit_reg <= 1'b0;
        st_batches_reg <= 32'd0;
        st_fresh_reg <= 32'd0;
        st_streams_reg <= 32'd0;
        st_rows_reg <= 48'd0;
        st_tomb_reg <= 48'd0;
        st_disc_reg <= 48'd0;
        st_trunc_reg <= 48'd0;
        st_stall_in_reg <= 48'd0;
        st_stall_out_reg <= 48'd0;
        st_beats_reg <= 48'd0;
    end
end

assign status_batches = st_batches_reg;
assign status_rows = st_rows_reg;
assign status_tombstones = st_tomb_reg;
assign status_streams = st_streams_reg;
assign status_rows_discarded = st_disc_reg;
assign status_fresh_flushes = st_fresh_reg;
assign status_ids_truncated = st_trunc_reg;
assign status_stall_in_cycles = st_stall_in_reg;
assign status_stall_out_cycles = st_stall_out_reg;
assign status_beats_out = st_beats_reg;
assign status_out_fifo_hwm = {{(8-LVLW){1'b0}}, fifo_hwm};

endmodule

`resetall
