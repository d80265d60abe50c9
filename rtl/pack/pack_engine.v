// SPDX-License-Identifier: Apache-2.0
// Sluice pack engine (SPEC §5, docs/formats/batch.md, docs/spec/pack_rtl.md).
//
// TransformedRecord stream in (1024-bit beats, docs/formats/records.md), batch
// buffers out (512-bit beats, one packet per batch of total_bytes/64 beats).
// Bit-exact with models.pack.pack_batches.
//
// - Writer: every kept row's record beats are stored unchanged in a banked row
//   store (pack_store) at row slot s: bank s mod 16, line (s/16)*KMAX + beat.
//   Without hot split slot = arrival index; with hot split popular rows fill
//   slots 0,1,.. and the others B-1,B-2,.. (read back in reverse). The payload
//   checksum, the cumulative counters and the first row index are accumulated
//   as rows arrive. Tombstones and the end-of-stream marker update counters only.
// - A batch closes on its B-th row, on the end-of-stream marker, or on the
//   freshness timeout; the writer then waits until the reader is idle, hands
//   the batch over (header snapshot) and fills the other half of the store.
// - Reader: header beats, then labels, dense and sparse regions; each output
//   beat (16 words, or 16 half-words for float16/bfloat16 dense = half a beat)
//   gathers its items from up to 16 slots with one read per sub-memory; bank
//   conflicts (rare, see pack_rtl.md) cost extra cycles.
//
// The defaults are a small build (synthesis, lint); the product build and the testbench use
// MAX_ROWS=2048 MAX_DENSE=16 MAX_SPARSE=40 (host_runtime/csr_image/pack.py PRODUCT_PARAMS).
// lint-params: MAX_ROWS=2048 MAX_DENSE=16 MAX_SPARSE=40 OUT_FIFO_DEPTH=16
// lint-params: MAX_ROWS=64 MAX_DENSE=4 MAX_SPARSE=4 OUT_FIFO_DEPTH=8
// synth-skip: Yosys generic synthesis of the engine did not finish in the 900 s limit on the 2-core machine (the readout's 16-lane gather); its row store pack_store is synthesised on its own (docs/spec/pack_rtl.md)

`resetall
`timescale 1ns / 1ps
`default_nettype none

module pack_engine #(
    // largest batch size B the row store holds (multiple of 16, <= 65536)
    parameter MAX_ROWS       = 32,
    // largest n_dense (dense words of a record)
    parameter MAX_DENSE      = 4,
    // largest n_sparse (64-bit ids of a record)
    parameter MAX_SPARSE     = 4,
    // output FIFO depth in 512-bit beats (power of two >= 4)
    parameter OUT_FIFO_DEPTH = 4
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

    // configuration (rtl/top/csr/pack.yaml), stable while a stream is in flight
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

localparam BANKS = 16;
localparam KMAX = (3 + MAX_DENSE + 2 * MAX_SPARSE + 31) / 32;  // record beats of the widest row
localparam LINES = MAX_ROWS / 16 * KMAX;                          // store lines per half
localparam AW = $clog2(2 * LINES);
localparam LVLW = $clog2(OUT_FIFO_DEPTH) + 1;
localparam NSUB = BANKS * 32;

initial begin
    if (MAX_ROWS < 16 || MAX_ROWS % 16 != 0 || MAX_ROWS > 65536) begin
        $error("Error: MAX_ROWS must be a multiple of 16 in 16..65536 (instance %m)");
        $finish;
    end
    if (MAX_DENSE < 0 || MAX_DENSE > 255 || MAX_SPARSE < 0 || MAX_SPARSE > 255) begin
        $error("Error: MAX_DENSE and MAX_SPARSE must be in 0..255 (instance %m)");
        $finish;
    end
    if (KMAX > 15) begin
        $error("Error: a record must fit 15 beats (instance %m)");
        $finish;
    end
    if (OUT_FIFO_DEPTH < 4 || (OUT_FIFO_DEPTH & (OUT_FIFO_DEPTH - 1)) != 0) begin
        $error("Error: OUT_FIFO_DEPTH must be a power of two >= 4 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tuser};

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

// ------------------------------------------------------------------ geometry
// B out of range never makes an endless packet: 0 acts as 1, above MAX_ROWS as MAX_ROWS (the runtime's
// CSR image refuses both, host_runtime/csr_image/pack.py; docs/spec/pack_rtl.md)
localparam [31:0] MAX_ROWS_W = MAX_ROWS;
wire [16:0] max_b = MAX_ROWS_W[16:0];
wire [14:0] unused_max_rows_w = MAX_ROWS_W[31:17];
wire [16:0] cap = (cfg_batch_size == 17'd0) ? 17'd1 :
                  (cfg_batch_size > max_b) ? max_b : cfg_batch_size;
wire [8:0]  s_word = 9'd3 + {1'b0, cfg_n_dense};                 // first sparse word
wire [9:0]  se_word = {1'b0, s_word} + {1'b0, cfg_n_sparse, 1'b0}; // one past the last word
wire        dense16 = cfg_dense_dtype != 2'd0;
wire [24:0] dense_items = cap * cfg_n_dense;
wire [24:0] sparse_items = cap * cfg_n_sparse;
wire [24:0] lab_beats = {8'd0, cap + 17'd15} >> 4;
wire [24:0] den_beats = dense16 ? (dense_items + 25'd31) >> 5 : (dense_items + 25'd15) >> 4;
wire [25:0] spa_beats = cfg_sparse_dtype ? ({1'b0, sparse_items} + 26'd7) >> 3
                                         : ({1'b0, sparse_items} + 26'd15) >> 4;
wire [31:0] dense_off = 32'd128 + {lab_beats[25-1:0], 6'd0};
wire [31:0] sparse_off = dense_off + {den_beats[25-1:0], 6'd0};
wire [31:0] total_bytes = sparse_off + {spa_beats[25:0], 6'd0};
wire [31:0] total_beats = 32'd2 + {7'd0, lab_beats} + {7'd0, den_beats} + {6'd0, spa_beats};

// ------------------------------------------------------------------ writer
reg         in_row_reg;
reg [3:0]   beat_reg;
reg [15:0]  slot_reg;
reg         back_reg;
reg         rpos_odd_reg;
reg         wbuf_reg;
reg [16:0]  pcnt_reg, npcnt_reg;
reg [47:0]  first_idx_reg;
reg [31:0]  csum_reg, dnpe_reg, dnpo_reg;
reg         close_reg, close_eos_reg, close_fresh_reg;
reg [47:0]  eos_rows_reg;
reg [31:0]  timer_reg;
reg [31:0]  seq_reg, dropped_reg;
reg [191:0] err_reg;
reg         trunc_carry_reg;

wire        rd_idle;
wire        handover = close_reg && rd_idle;

wire [16:0] cnt = pcnt_reg + npcnt_reg;
wire        fresh_fire = !close_reg && !in_row_reg && cfg_freshness_cycles != 32'd0 && cnt != 17'd0
                         && timer_reg >= cfg_freshness_cycles;
assign in_tready = !close_reg && !fresh_fire;
wire        acc = in_tvalid && in_tready;

wire        beat0 = !in_row_reg;
wire [26:0] w1 = in_tdata[58:32];
wire unused_w1 = &{1'b0, in_tdata[63:59]};
wire [47:0] rownum = {w1[15:0], in_tdata[31:0]};
wire [7:0]  reason = w1[23:16];
wire        is_eos = beat0 && w1[26];
wire        is_tomb = beat0 && w1[24] && !w1[26];
wire        is_kept0 = beat0 && !w1[24] && !w1[26];
wire        back0 = cfg_hot_split && !w1[25];
wire [16:0] new_slot = back0 ? cap - 17'd1 - npcnt_reg : pcnt_reg;
wire        new_rpos_odd = back0 ? npcnt_reg[0] : pcnt_reg[0];
wire [15:0] cur_slot = beat0 ? new_slot[15:0] : slot_reg;
wire        cur_back = beat0 ? back0 : back_reg;
wire        cur_rpos_odd = beat0 ? new_rpos_odd : rpos_odd_reg;
wire [3:0]  cur_beat = beat0 ? 4'd0 : beat_reg;
wire        wr_en = acc && (is_kept0 || !beat0);
wire [31:0] wr_line = (wbuf_reg ? LINES : 0) + {20'd0, cur_slot[15:4]} * KMAX + {28'd0, cur_beat};
wire [AW-1:0] wr_addr = wr_line[AW-1:0];
wire unused_wr_line = &{1'b0, wr_line, new_slot[16]};
wire        reason_ok = reason >= 8'd1 && reason <= 8'd6;

// checksum / truncation contributions of the accepted beat
reg [31:0] beat_sum, beat_dnpe, beat_dnpo;
reg [5:0]  beat_trunc;
integer l;
reg [12:0] g;
reg [31:0] word;
reg        par;
reg        lo_msb;
always @* begin
    beat_sum = 32'd0;
    beat_dnpe = 32'd0;
    beat_dnpo = 32'd0;
    beat_trunc = 6'd0;
    for (l = 0; l < 32; l = l + 1) begin
        g = {4'd0, cur_beat, l[4:0]};
        word = in_tdata[32*l +: 32];
        if (l == 0) lo_msb = trunc_carry_reg; else lo_msb = in_tdata[32*l - 1];
        par = !l[0] ^ (cur_rpos_odd & cfg_n_dense[0]);
        if (g == 13'd2) begin
            beat_sum = beat_sum + word;
        end else if (g >= 13'd3 && g < {4'd0, s_word}) begin
            if (!dense16) begin
                beat_sum = beat_sum + word;
            end else if (cur_back) begin
                if (par) beat_dnpo = beat_dnpo + {16'd0, word[15:0]};
                else     beat_dnpe = beat_dnpe + {16'd0, word[15:0]};
            end else begin
                beat_sum = beat_sum + (par ? {word[15:0], 16'd0} : {16'd0, word[15:0]});
            end
        end else if (g >= {4'd0, s_word} && g < {3'd0, se_word}) begin
            if (g[0] == s_word[0]) begin
                beat_sum = beat_sum + word;
            end else if (cfg_sparse_dtype) begin
                beat_sum = beat_sum + word;
            end else if (word != 32'd0 || lo_msb) begin
                beat_trunc = beat_trunc + 6'd1;
            end
        end
    end
end

// dense float16 sums of back-written rows: their parity flips when P*n_dense is odd
wire        np_flip = pcnt_reg[0] & cfg_n_dense[0];
wire [31:0] np_term = np_flip ? {dnpe_reg[15:0], 16'd0} + dnpo_reg : dnpe_reg + {dnpo_reg[15:0], 16'd0};

// ------------------------------------------------------------------ status counters
reg [31:0] st_batches_reg, st_fresh_reg, st_streams_reg;
reg [47:0] st_rows_reg, st_tomb_reg, st_disc_reg, st_trunc_reg, st_stall_in_reg, st_stall_out_reg,
           st_beats_reg;

// ------------------------------------------------------------------ reader state
localparam [2:0] R_IDLE = 3'd0, R_HDR0 = 3'd1, R_HDR1 = 3'd2, R_LAB = 3'd3, R_DEN = 3'd4, R_SPA = 3'd5;
reg [2:0]   rstate_reg;
reg         rbuf_reg;
reg [16:0]  rows_h_reg, pop_h_reg;
reg         hot_h_reg;
reg [47:0]  first_h_reg;
reg [2:0]   flags_h_reg;
reg [31:0]  cks_h_reg, seq_h_reg, dropped_h_reg;
reg [191:0] err_h_reg;
reg [25:0]  rcnt_reg;
reg [31:0]  beats_left_reg;
reg [19:0]  maj_reg, min_reg;
reg         half_reg;
reg         started_reg;
reg [15:0]  pend_reg;

assign rd_idle = rstate_reg == R_IDLE;

wire [LVLW-1:0] fifo_level;
wire credit = {{(32-LVLW){1'b0}}, fifo_level} < OUT_FIFO_DEPTH - 2;
wire in_data_region = rstate_reg == R_LAB || rstate_reg == R_DEN || rstate_reg == R_SPA;
wire go = credit && rstate_reg != R_IDLE;
wire int64 = rstate_reg == R_SPA && cfg_sparse_dtype;
wire f16_den = rstate_reg == R_DEN && dense16;

// lane requests
reg [16*20-1:0] ch_maj, ch_min;
reg [19:0]  next_maj, next_min;
reg [15:0]  req_valid;
reg [16*4-1:0]  req_bank;
reg [16*5-1:0]  req_wl;
reg [16*AW-1:0] req_addr;
integer t, u;
reg [19:0] im, imin, row, slot, gw;
reg [19:0] minlim;
reg [31:0] line;
reg [16*9-1:0] req_sel;
reg        iv;
always @* begin
    minlim = rstate_reg == R_DEN ? {12'd0, cfg_n_dense} : {3'd0, cap};
    im = maj_reg;
    imin = min_reg;
    ch_maj = {16*20{1'b0}};
    ch_min = {16*20{1'b0}};
    next_maj = maj_reg;
    next_min = min_reg;
    for (t = 0; t < 16; t = t + 1) begin
        if (!int64 || t < 8) begin
            ch_maj[20*t +: 20] = im;
            ch_min[20*t +: 20] = imin;
            if (imin + 20'd1 >= minlim) begin
                im = im + 20'd1;
                imin = 20'd0;
            end else begin
                imin = imin + 20'd1;
            end
        end
    end
    next_maj = im;
    next_min = imin;
    req_valid = 16'd0;
    req_bank = {16*4{1'b0}};
    req_wl = {16*5{1'b0}};
    req_addr = {16*AW{1'b0}};
    req_sel = {16*9{1'b0}};
    for (t = 0; t < 16; t = t + 1) begin
        u = int64 ? t / 2 : t;
        im = ch_maj[20*u +: 20];
        imin = ch_min[20*u +: 20];
        case (rstate_reg)
            R_LAB: begin row = imin; iv = im == 20'd0; gw = 20'd2; end
            R_DEN: begin row = im; iv = 1'b1; gw = 20'd3 + imin; end
            R_SPA: begin
                row = imin;
                iv = im < {12'd0, cfg_n_sparse};
                gw = {11'd0, s_word} + {im[18:0], 1'b0} + ((int64 && t % 2 == 1) ? 20'd1 : 20'd0);
            end
            default: begin row = 20'd0; iv = 1'b0; gw = 20'd0; end
        endcase
        iv = iv && row < {3'd0, rows_h_reg};
        if (!hot_h_reg || row < {3'd0, pop_h_reg}) slot = row;
        else slot = {3'd0, cap} - 20'd1 + {3'd0, pop_h_reg} - row;
        req_valid[t] = iv;
        req_bank[4*t +: 4] = slot[3:0];
        req_wl[5*t +: 5] = gw[4:0];
        line = (rbuf_reg ? LINES : 0) + {20'd0, slot[15:4]} * KMAX + {28'd0, gw[8:5]};
        req_addr[AW*t +: AW] = line[AW-1:0];
        req_sel[9*t +: 9] = {slot[3:0], gw[4:0]};
    end
end

wire unused_req = &{1'b0, slot[19:16], gw[19:9], line};

// conflicts: same sub-memory, different address; the lowest pending lane wins
wire [15:0] pending = started_reg ? pend_reg : req_valid;
reg  [15:0] served;
always @* begin
    for (t = 0; t < 16; t = t + 1) begin
        served[t] = pending[t];
        for (u = 0; u < 16; u = u + 1) begin
            if (u < t && pending[u] && req_bank[4*u +: 4] == req_bank[4*t +: 4]
                && req_wl[5*u +: 5] == req_wl[5*t +: 5] && req_addr[AW*u +: AW] != req_addr[AW*t +: AW]) begin
                served[t] = 1'b0;
            end
        end
    end
end
wire unit_done = go && in_data_region && (pending & ~served) == 16'd0;
wire beat_done = unit_done && !(f16_den && !half_reg);

reg [NSUB*AW-1:0] rd_addr;
always @* begin
    rd_addr = {NSUB*AW{1'b0}};
    for (t = 0; t < 16; t = t + 1) begin
        if (go && in_data_region && served[t]) begin
            rd_addr[AW*{req_bank[4*t +: 4], req_wl[5*t +: 5]} +: AW] = req_addr[AW*t +: AW];
        end
    end
end

wire [NSUB*32-1:0] rd_data;

pack_store #(.BANKS(BANKS), .ADDR_WIDTH(AW)) store_inst (
    .clk(clk),
    .wr_en(wr_en), .wr_bank(cur_slot[3:0]), .wr_addr(wr_addr), .wr_data(in_tdata),
    .rd_addr(rd_addr), .rd_data(rd_data)
);

// ------------------------------------------------------------------ stage B: assemble beats
reg         sb_valid_reg, sb_push_reg, sb_last_reg, sb_f16_reg, sb_half_reg;
reg [1:0]   sb_hdr_reg;
reg [15:0]  sb_served_reg;
reg [16*9-1:0] sb_sel_reg;
reg [511:0] assy_reg;

reg [511:0] assy_next;
reg [8:0]   sel;
always @* begin
    assy_next = assy_reg;
    for (t = 0; t < 16; t = t + 1) begin
        sel = sb_sel_reg[9*t +: 9];
        if (sb_valid_reg && sb_served_reg[t]) begin
            if (sb_f16_reg) assy_next[16*(16*sb_half_reg + t) +: 16] = rd_data[32*sel +: 16];
            else            assy_next[32*t +: 32] = rd_data[32*sel +: 32];
        end
    end
end

wire [31:0] rows_err_sum = err_h_reg[31:0] + err_h_reg[63:32] + err_h_reg[95:64] + err_h_reg[127:96]
                           + err_h_reg[159:128] + err_h_reg[191:160];
wire [511:0] hdr0 = {
    rows_err_sum, dropped_h_reg, total_bytes, sparse_off, dense_off, 32'd128,
    {13'd0, flags_h_reg}, 7'd0, cfg_sparse_dtype, 6'd0, cfg_dense_dtype,
    {8'd0, cfg_n_sparse}, {8'd0, cfg_n_dense},
    {16'd0, first_h_reg[47:32]}, first_h_reg[31:0],
    {15'd0, pop_h_reg}, {15'd0, cap}, {15'd0, rows_h_reg}, seq_h_reg,
    16'd128, 16'd1, 32'h42434c53
};
wire [511:0] hdr1 = {288'd0, cks_h_reg, err_h_reg};

wire        fifo_in_valid = sb_push_reg;
wire [511:0] fifo_in_data = sb_hdr_reg == 2'd1 ? hdr0 : sb_hdr_reg == 2'd2 ? hdr1 : assy_next;
wire        fifo_in_ready;
wire [LVLW-1:0] fifo_hwm;
wire unused_fifo = &{1'b0, fifo_in_ready};

axis_fifo #(
    .DEPTH(OUT_FIFO_DEPTH), .DATA_WIDTH(512), .KEEP_ENABLE(0), .LAST_ENABLE(1), .USER_ENABLE(0)
) out_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(fifo_in_data), .s_axis_tkeep(64'd0), .s_axis_tvalid(fifo_in_valid),
    .s_axis_tready(fifo_in_ready), .s_axis_tlast(sb_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(unused_out_tkeep), .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_out_tuser),
    .status_level(fifo_level), .status_high_water(fifo_hwm), .status_hwm_clear(1'b0)
);
assign m_axis_tkeep = {64{1'b1}};
assign m_axis_tuser = 1'b0;

// ------------------------------------------------------------------ sequential logic
integer e;
always @(posedge clk) begin
    // ---------------- writer
    if (acc) begin
        in_row_reg <= !in_tlast;
        beat_reg <= cur_beat + 4'd1;
        if (beat0) begin
            slot_reg <= new_slot[15:0];
            back_reg <= back0;
            rpos_odd_reg <= new_rpos_odd;
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
            if (cnt == 17'd0) first_idx_reg <= rownum;
            if (back0) npcnt_reg <= npcnt_reg + 17'd1;
            else       pcnt_reg <= pcnt_reg + 17'd1;
            st_rows_reg <= st_rows_reg + 48'd1;
        end
        if (wr_en) begin
            csum_reg <= csum_reg + beat_sum;
            dnpe_reg <= dnpe_reg + beat_dnpe;
            dnpo_reg <= dnpo_reg + beat_dnpo;
            trunc_carry_reg <= in_tdata[1023];
            if (!cfg_sparse_dtype) st_trunc_reg <= st_trunc_reg + {42'd0, beat_trunc};
        end
        if (wr_en && in_tlast && cnt + (is_kept0 ? 17'd1 : 17'd0) == cap) begin
            close_reg <= 1'b1;
        end
        if (is_eos) begin
            close_reg <= 1'b1;
            close_eos_reg <= 1'b1;
            eos_rows_reg <= rownum;
        end
    end
    if (fresh_fire) begin
        close_reg <= 1'b1;
        close_fresh_reg <= 1'b1;
    end
    if (handover) begin
        timer_reg <= 32'd0;
    end else if (cnt != 17'd0 || (acc && is_kept0)) begin
        if (timer_reg != 32'hffffffff) timer_reg <= timer_reg + 32'd1;
    end else begin
        timer_reg <= 32'd0;
    end

    // ---------------- handover to the reader
    if (handover) begin
        rbuf_reg <= wbuf_reg;
        wbuf_reg <= !wbuf_reg;
        hot_h_reg <= cfg_hot_split;
        flags_h_reg <= {close_fresh_reg, close_eos_reg, cfg_hot_split};
        seq_h_reg <= seq_reg;
        dropped_h_reg <= dropped_reg;
        err_h_reg <= err_reg;
        if (close_eos_reg && cfg_drop_last && cnt != 17'd0) begin
            st_disc_reg <= st_disc_reg + {31'd0, cnt};
        end
        if (close_eos_reg && (cfg_drop_last || cnt == 17'd0)) begin
            rows_h_reg <= 17'd0;
            pop_h_reg <= 17'd0;
            first_h_reg <= eos_rows_reg;
            cks_h_reg <= 32'd0;
        end else begin
            rows_h_reg <= cnt;
            pop_h_reg <= cfg_hot_split ? pcnt_reg : 17'd0;
            first_h_reg <= first_idx_reg;
            cks_h_reg <= csum_reg + np_term;
        end
        pcnt_reg <= 17'd0;
        npcnt_reg <= 17'd0;
        csum_reg <= 32'd0;
        dnpe_reg <= 32'd0;
        dnpo_reg <= 32'd0;
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
        beats_left_reg <= total_beats;
        started_reg <= 1'b0;
    end

    // ---------------- reader stage A
    sb_valid_reg <= 1'b0;
    sb_push_reg <= 1'b0;
    sb_last_reg <= 1'b0;
    sb_hdr_reg <= 2'd0;
    sb_f16_reg <= f16_den;
    sb_half_reg <= half_reg;
    sb_served_reg <= served;
    sb_sel_reg <= req_sel;
    if (go && !handover) begin
        case (rstate_reg)
            R_HDR0: begin
                sb_push_reg <= 1'b1;
                sb_hdr_reg <= 2'd1;
                beats_left_reg <= beats_left_reg - 32'd1;
                rstate_reg <= R_HDR1;
            end
            R_HDR1: begin
                sb_push_reg <= 1'b1;
                sb_hdr_reg <= 2'd2;
                beats_left_reg <= beats_left_reg - 32'd1;
                rstate_reg <= R_LAB;
                rcnt_reg <= {1'b0, lab_beats};
                maj_reg <= 20'd0;
                min_reg <= 20'd0;
                half_reg <= 1'b0;
                started_reg <= 1'b0;
            end
            default: begin
                sb_valid_reg <= 1'b1;
                if (unit_done) begin
                    started_reg <= 1'b0;
                    maj_reg <= next_maj;
                    min_reg <= next_min;
                    if (f16_den) half_reg <= !half_reg;
                end else begin
                    started_reg <= 1'b1;
                    pend_reg <= pending & ~served;
                end
                if (beat_done) begin
                    sb_push_reg <= 1'b1;
                    sb_last_reg <= beats_left_reg == 32'd1;
                    beats_left_reg <= beats_left_reg - 32'd1;
                    rcnt_reg <= rcnt_reg - 26'd1;
                    if (rcnt_reg == 26'd1) begin
                        maj_reg <= 20'd0;
                        min_reg <= 20'd0;
                        half_reg <= 1'b0;
                        if (rstate_reg == R_LAB && den_beats != 25'd0) begin
                            rstate_reg <= R_DEN;
                            rcnt_reg <= {1'b0, den_beats};
                        end else if (rstate_reg != R_SPA && spa_beats != 26'd0) begin
                            rstate_reg <= R_SPA;
                            rcnt_reg <= spa_beats;
                        end else begin
                            rstate_reg <= R_IDLE;
                        end
                    end
                end
            end
        endcase
    end

    // ---------------- stage B
    if (sb_push_reg) assy_reg <= 512'd0;
    else             assy_reg <= assy_next;
    if (sb_push_reg) st_beats_reg <= st_beats_reg + 48'd1;

    if (s_axis_tvalid && !s_axis_tready) st_stall_in_reg <= st_stall_in_reg + 48'd1;
    if (m_axis_tvalid && !m_axis_tready) st_stall_out_reg <= st_stall_out_reg + 48'd1;

    if (rst) begin
        in_row_reg <= 1'b0;
        beat_reg <= 4'd0;
        wbuf_reg <= 1'b0;
        pcnt_reg <= 17'd0;
        npcnt_reg <= 17'd0;
        csum_reg <= 32'd0;
        dnpe_reg <= 32'd0;
        dnpo_reg <= 32'd0;
        close_reg <= 1'b0;
        close_eos_reg <= 1'b0;
        close_fresh_reg <= 1'b0;
        timer_reg <= 32'd0;
        seq_reg <= 32'd0;
        dropped_reg <= 32'd0;
        err_reg <= 192'd0;
        trunc_carry_reg <= 1'b0;
        rstate_reg <= R_IDLE;
        started_reg <= 1'b0;
        sb_valid_reg <= 1'b0;
        sb_push_reg <= 1'b0;
        assy_reg <= 512'd0;
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
