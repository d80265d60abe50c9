// SPDX-License-Identifier: Apache-2.0
// Sluice transform lane: DecodedRecord packets in, TransformedRecord packets out
// (docs/formats/records.md), one output packet per input packet, in order. The golden
// model is models.transform.transform_lanes (docs/spec/transform_rtl.md "Lane").
//
//   receive   header + value beats into one of two row banks (row i+1 arrives while row i
//             issues); a value beat is one word of the bank's RAM, with the columns' null bits
//   issue     a full bank in SLOTS, one a cycle: slot k gives dense feature k*DENSE_PES + p to
//             dense PE p and sparse feature k*SPARSE_PES + q to sparse PE q (a PE whose feature
//             is past the row's count stays idle); slots per row = max(1, ceil(n_dense /
//             DENSE_PES), ceil(n_sparse / SPARSE_PES)), 1 for a tombstone. A row takes one of
//             CREDITS row buffers (the first slot waits for a free one); the header words go
//             into it at once, the label through int_to_f32
//   PEs       dense_chain (21 cycles) / sparse_bk_pe (33 cycles), never stalled: each keeps its
//             features' settings in small RAMs (feature k*DP + p is entry k of PE p, so the
//             slot number is the PE's feature index) and writes its result straight into the
//             row buffer named by its tag {buffer, slot}
//   send      when the row's last slot has left every PE, ceil(words / 32) beats of 1024 bits
//             (1 for a tombstone) are read from the row buffer: 32 word banks (word w of a row
//             in bank w mod 32) for the header, dense and sparse words, the sparse banks rotated
//             by (3 + n_dense) mod 32; words past the row read 0; then a skid buffer
//
// Every memory has one write port: the row banks (one word per beat), the per-PE settings, the
// 32 dense banks (each is written by one fixed PE at one fixed slot), the 32 sparse banks (one
// word of a slot each), the header/label/tombstone words of the row buffers.
//
// Configuration (rtl/top/csr/transform.yaml): scalars on cfg_*; the dense and sparse feature
// arrays are table-backed: etl_csr forwards each written word (tbl_dense_* / tbl_sparse_*, word
// layout from the generated csr_transform_arrays.vh) and the lane routes it to the settings RAM
// of the PE that serves the feature (feature j -> PE j mod PEs, entry j / PEs). Bucketize boundary
// tables through tbl_bk_*: word t*64 + i = boundary i of table t (int32), word BK_TABLES*64 + t =
// length of table t (1..64); written into every PE's copy at once, read back from a shadow copy.
// Write the configuration only while no row is in flight.
//
// lint-params: DENSE_PES=1 SPARSE_PES=1 BK_TABLES=2 MAX_BOUNDS=4 CREDITS=4
// lint-params: DENSE_PES=4 SPARSE_PES=7
// synth-flags: -hier

`resetall
`timescale 1ns / 1ps
`default_nettype none

module transform_lane #(
    // Dense processing elements working in parallel (1..16)
    parameter DENSE_PES       = 3,
    // Sparse processing elements working in parallel (1..16)
    parameter SPARSE_PES      = 8,
    // Dense features the config arrays hold (must equal transform.yaml's dense count, power of two)
    parameter MAX_DENSE       = 32,
    // Sparse features the config arrays hold (must equal transform.yaml's sparse count, power of two)
    parameter MAX_SPARSE      = 64,
    // Bucketize boundary tables (shared by dense and sparse features; power of two, 2..8)
    parameter BK_TABLES       = 8,
    // Boundary slots per table held by each PE, 1..64 (the table port keeps a stride of 64)
    parameter MAX_BOUNDS      = 64,
    // 64-bit slots per DecodedRecord beat (K, a power of two)
    parameter FIELDS_PER_BEAT = 8,
    // Row buffers: rows between the issue of their first slot and the end of their send (power of two >= 2)
    parameter CREDITS         = 32,
    // $readmemh image of the log1p coefficient ROM (see log1p_fx.v)
    parameter ROM_FILE        = "log1p_fx_rom.mem"
) (
    input  wire                          clk,
    input  wire                          rst,

    // DecodedRecord stream (from decode_lane)
    input  wire [64*FIELDS_PER_BEAT-1:0] s_axis_tdata,
    input  wire [8*FIELDS_PER_BEAT-1:0]  s_axis_tkeep,
    input  wire                          s_axis_tvalid,
    output wire                          s_axis_tready,
    input  wire                          s_axis_tlast,
    input  wire [0:0]                    s_axis_tuser,

    // TransformedRecord stream (to the merger)
    output wire [1023:0]                 m_axis_tdata,
    output wire [127:0]                  m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [0:0]                    m_axis_tuser,

    // scalars (rtl/top/csr/transform.yaml)
    input  wire [5:0]                    cfg_n_dense,        // 0..MAX_DENSE
    input  wire [6:0]                    cfg_n_sparse,       // 0..MAX_SPARSE
    input  wire                          cfg_label_en,       // 0: label word 0.0
    input  wire [5:0]                    cfg_label_column,
    input  wire [1:0]                    cfg_dense_dtype,    // 0 float32, 1 float16, 2 bfloat16

    // dense / sparse feature arrays (table-backed: one word per write, layout csr_transform_arrays.vh)
    input  wire                          tbl_dense_we,
    input  wire [$clog2(MAX_DENSE)+2:0]  tbl_dense_addr,
    input  wire [31:0]                   tbl_dense_wdata,
    input  wire                          tbl_sparse_we,
    input  wire [$clog2(MAX_SPARSE)+3:0] tbl_sparse_addr,
    input  wire [31:0]                   tbl_sparse_wdata,

    // bucketize boundary tables
    input  wire                          tbl_bk_we,
    input  wire                          tbl_bk_re,
    input  wire [9:0]                    tbl_bk_addr,
    input  wire [31:0]                   tbl_bk_wdata,
    output wire [31:0]                   tbl_bk_rdata,

    // records sent (kept rows and tombstones)
    output wire [47:0]                   status_rows_out,
    // row buffers in use (issued, not yet sent), high-water mark since reset, in rows (<= CREDITS)
    output wire [7:0]                    status_fifo_hwm
);

`include "csr_transform_arrays.vh"

localparam K        = FIELDS_PER_BEAT;
localparam KB       = $clog2(K);                          // column -> slot bits
localparam NVB      = (64 + K - 1) / K;                   // value beats holding columns 0..63
localparam VBW      = (NVB > 1) ? $clog2(NVB) : 1;
localparam DP       = DENSE_PES;
localparam SP       = SPARSE_PES;
localparam PTW      = (BK_TABLES > 1) ? $clog2(BK_TABLES) : 1;   // table id width inside the PEs
localparam DIW      = $clog2(MAX_DENSE);
localparam SIW      = $clog2(MAX_SPARSE);
localparam BK_WORDS = BK_TABLES * 65;
localparam BKAW     = $clog2(BK_WORDS);
localparam SLOTS_D  = (MAX_DENSE + DP - 1) / DP;          // entries of a dense PE's settings
localparam SLOTS_S  = (MAX_SPARSE + SP - 1) / SP;
localparam SLOTS    = (SLOTS_D > SLOTS_S) ? SLOTS_D : SLOTS_S;
localparam KW       = $clog2(SLOTS + 1);
localparam DFW      = (SLOTS_D > 1) ? $clog2(SLOTS_D) : 1;
localparam SFW      = (SLOTS_S > 1) ? $clog2(SLOTS_S) : 1;
localparam B        = CREDITS;
localparam BW       = $clog2(B);
localparam TW       = BW + KW;                            // PE tag {row buffer, slot}
localparam SWA      = (2 * MAX_SPARSE) / 32;              // sparse words per bank per row
localparam SWAW     = (SWA > 1) ? $clog2(SWA) : 1;
localparam LAT_D    = 21;                                 // dense_chain
localparam LAT_S    = 33;                                 // sparse_bk_pe
localparam LAT_DONE = ((LAT_S > LAT_D) ? LAT_S : LAT_D) + 1;  // last slot issued -> its words written (label: 5)
localparam DAW      = $clog2(MAX_DENSE) + 3;
localparam SAW      = $clog2(MAX_SPARSE) + 4;

initial begin
    if (DP < 1 || DP > 16 || SP < 1 || SP > 16 || K < 1 || K > 64 || (K & (K - 1)) != 0) begin
        $error("Error: transform_lane needs 1..16 PEs of each kind and FIELDS_PER_BEAT a power of two <= 64 (instance %m)");
        $finish;
    end
    if (MAX_DENSE < 2 || MAX_DENSE > 32 || (MAX_DENSE & (MAX_DENSE - 1)) != 0
        || MAX_SPARSE < 16 || MAX_SPARSE > 64 || (MAX_SPARSE & (MAX_SPARSE - 1)) != 0) begin
        $error("Error: MAX_DENSE (2..32) and MAX_SPARSE (16..64) must be powers of two (instance %m)");
        $finish;
    end
    if (BK_TABLES < 2 || BK_TABLES > 8 || (BK_TABLES & (BK_TABLES - 1)) != 0 || MAX_BOUNDS < 1 || MAX_BOUNDS > 64) begin
        $error("Error: BK_TABLES must be a power of two in 2..8 and MAX_BOUNDS in 1..64 (instance %m)");
        $finish;
    end
    if (B < 2 || B > 128 || (B & (B - 1)) != 0) begin
        $error("Error: CREDITS (row buffers) must be a power of two in 2..128 (instance %m)");
        $finish;
    end
    if (CSR_DENSE_ENTRY_WORDS != 8 || CSR_SPARSE_ENTRY_WORDS != 16) begin
        $error("Error: transform_lane decodes 8-word dense and 16-word sparse entries (csr_transform_arrays.vh) (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tuser};

// counts clamped to the arrays' size (larger values act as the maximum)
wire [6:0] n_dense  = ({1'b0, cfg_n_dense} > MAX_DENSE) ? MAX_DENSE[6:0] : {1'b0, cfg_n_dense};
wire [7:0] n_sparse = ({1'b0, cfg_n_sparse} > MAX_SPARSE) ? MAX_SPARSE[7:0] : {1'b0, cfg_n_sparse};

// ================================================================ feature settings: route each word to its PE
// feature j -> PE j mod P, entry j / P (constant tables: j is at most 6 bits)
function [4:0] pe_of;
    input [5:0] j;
    input [5:0] p;                                     // PEs (1..16)
    reg   [5:0] c;
    integer i;
    begin
        pe_of = 5'd0;
        c = 6'd0;
        for (i = 0; i < 64; i = i + 1) begin
            if (j == i[5:0]) pe_of = c[4:0];
            c = (c + 6'd1 == p) ? 6'd0 : c + 6'd1;
        end
    end
endfunction
function [5:0] entry_of;
    input [5:0] j;
    input [5:0] p;                                     // PEs (1..16)
    reg   [5:0] c, e;
    integer i;
    begin
        entry_of = 6'd0;
        c = 6'd0;
        e = 6'd0;
        for (i = 0; i < 64; i = i + 1) begin
            if (j == i[5:0]) entry_of = e;
            if (c + 6'd1 == p) begin
                c = 6'd0;
                e = e + 6'd1;
            end else begin
                c = c + 6'd1;
            end
        end
    end
endfunction

reg          dw_we_reg, sw_we_reg;
reg [DAW-1:0] dw_addr_reg;
reg [SAW-1:0] sw_addr_reg;
reg [31:0]   dw_data_reg, sw_data_reg;
always @(posedge clk) begin
    dw_we_reg <= tbl_dense_we;
    sw_we_reg <= tbl_sparse_we;
    if (tbl_dense_we) begin
        dw_addr_reg <= tbl_dense_addr;
        dw_data_reg <= tbl_dense_wdata;
    end
    if (tbl_sparse_we) begin
        sw_addr_reg <= tbl_sparse_addr;
        sw_data_reg <= tbl_sparse_wdata;
    end
    if (rst) begin
        dw_we_reg <= 1'b0;
        sw_we_reg <= 1'b0;
    end
end

wire [5:0] dw_j = {{(6-DIW){1'b0}}, dw_addr_reg[DAW-1:3]};
wire [2:0] dw_w = dw_addr_reg[2:0];
wire [5:0] sw_j = {{(6-SIW){1'b0}}, sw_addr_reg[SAW-1:4]};
wire [3:0] sw_w = sw_addr_reg[3:0];

// dense_chain cfg_addr of a dense word (7: none, the column goes to the lane's column RAM)
reg [2:0] dw_pa;
always @* begin
    case (dw_w)
        CSR_DENSE_FILL_WORD[2:0]:     dw_pa = 3'd0;
        CSR_DENSE_CLAMP_LO_WORD[2:0]: dw_pa = 3'd1;
        CSR_DENSE_CLAMP_HI_WORD[2:0]: dw_pa = 3'd2;
        CSR_DENSE_SHIFT_WORD[2:0]:    dw_pa = 3'd3;
        CSR_DENSE_KIND_WORD[2:0]:     dw_pa = 3'd5;
        CSR_DENSE_TABLE_WORD[2:0]:    dw_pa = 3'd6;
        default:                      dw_pa = 3'd7;
    endcase
end
// sparse_bk_pe cfg_addr of a sparse word (15: none)
reg [3:0] sw_pa;
always @* begin
    case (sw_w)
        CSR_SPARSE_FILL_WORD[3:0]:          sw_pa = 4'd0;
        CSR_SPARSE_FILL_WORD[3:0] + 4'd1:   sw_pa = 4'd1;
        CSR_SPARSE_BUCKETIZE_WORD[3:0]:     sw_pa = 4'd2;
        CSR_SPARSE_INT_FILL_WORD[3:0]:      sw_pa = 4'd3;
        CSR_SPARSE_CLAMP_LO_WORD[3:0]:      sw_pa = 4'd4;
        CSR_SPARSE_CLAMP_HI_WORD[3:0]:      sw_pa = 4'd5;
        CSR_SPARSE_SHIFT_WORD[3:0]:         sw_pa = 4'd6;
        CSR_SPARSE_TABLE_WORD[3:0]:         sw_pa = 4'd7;
        CSR_SPARSE_HASH_WORD[3:0]:          sw_pa = 4'd8;
        CSR_SPARSE_SALT_WORD[3:0]:          sw_pa = 4'd9;
        CSR_SPARSE_SALT_WORD[3:0] + 4'd1:   sw_pa = 4'd10;
        CSR_SPARSE_FINAL_WORD[3:0]:         sw_pa = 4'd11;
        CSR_SPARSE_M_WORD[3:0]:             sw_pa = 4'd12;
        CSR_SPARSE_MU_WORD[3:0]:            sw_pa = 4'd13;
        CSR_SPARSE_MU_WORD[3:0] + 4'd1:     sw_pa = 4'd14;
        default:                            sw_pa = 4'd15;
    endcase
end
wire dw_is_col = dw_w == CSR_DENSE_COLUMN_WORD[2:0];
wire sw_is_col = sw_w == CSR_SPARSE_COLUMN_WORD[3:0];

// word {PE, entry} of a group's column RAM
function [9:0] col_addr;
    input [4:0] pe;
    input [5:0] entry;
    input [5:0] entries;                                 // entries per PE
    begin
        col_addr = {5'd0, pe} * {4'd0, entries} + {4'd0, entry};
    end
endfunction

// second register stage: per-PE write enables
reg [DP-1:0]  dc_we_reg, dcol_we_reg;
reg [SP-1:0]  sc_we_reg, scol_we_reg;
reg [5:0]     dc_ent_reg, sc_ent_reg;
reg [2:0]     dc_addr_reg;
reg [3:0]     sc_addr_reg;
reg [31:0]    dc_data_reg, sc_data_reg;
reg [9:0]     dcol_wa_reg, scol_wa_reg;
integer pi;
always @(posedge clk) begin
    // one-cycle enables, computed only when a word arrives (the feature -> PE tables are 64-entry loops)
    if (dw_we_reg) begin
        for (pi = 0; pi < DP; pi = pi + 1) begin
            dc_we_reg[pi] <= dw_pa != 3'd7 && pe_of(dw_j, DP[5:0]) == pi[4:0];
            dcol_we_reg[pi] <= dw_is_col && pe_of(dw_j, DP[5:0]) == pi[4:0];
        end
        dcol_wa_reg <= col_addr(pe_of(dw_j, DP[5:0]), entry_of(dw_j, DP[5:0]), SLOTS_D[5:0]);
        dc_ent_reg <= entry_of(dw_j, DP[5:0]);
        dc_addr_reg <= dw_pa;
        dc_data_reg <= dw_data_reg;
    end else if (|{dc_we_reg, dcol_we_reg}) begin
        dc_we_reg <= {DP{1'b0}};
        dcol_we_reg <= {DP{1'b0}};
    end
    if (sw_we_reg) begin
        for (pi = 0; pi < SP; pi = pi + 1) begin
            sc_we_reg[pi] <= sw_pa != 4'd15 && pe_of(sw_j, SP[5:0]) == pi[4:0];
            scol_we_reg[pi] <= sw_is_col && pe_of(sw_j, SP[5:0]) == pi[4:0];
        end
        scol_wa_reg <= col_addr(pe_of(sw_j, SP[5:0]), entry_of(sw_j, SP[5:0]), SLOTS_S[5:0]);
        sc_ent_reg <= entry_of(sw_j, SP[5:0]);
        sc_addr_reg <= sw_pa;
        // the PE keeps mod_en: final == 1 (modulo); 0 none and 2 vocab pass the key
        sc_data_reg <= (sw_pa == 4'd11) ? {31'd0, sw_data_reg[1:0] == 2'd1} : sw_data_reg;
    end else if (|{sc_we_reg, scol_we_reg}) begin
        sc_we_reg <= {SP{1'b0}};
        scol_we_reg <= {SP{1'b0}};
    end
    if (rst) begin
        dc_we_reg <= {DP{1'b0}};
        dcol_we_reg <= {DP{1'b0}};
        sc_we_reg <= {SP{1'b0}};
        scol_we_reg <= {SP{1'b0}};
    end
end

// ================================================================ bucketize table port
reg             bk_we_reg, bk_len_we_reg;
reg [PTW-1:0]   bk_table_reg;
reg [5:0]       bk_addr_reg;
reg [31:0]      bk_data_reg;
reg [31:0]      bk_shadow [0:BK_WORDS-1];
reg [31:0]      bk_rdata_reg;

wire [31:0] tbl_addr32   = {22'd0, tbl_bk_addr};
wire        tbl_is_bound = tbl_addr32 < BK_TABLES * 64;
wire        tbl_is_len   = !tbl_is_bound && tbl_addr32 < BK_WORDS;
wire [31:0] tbl_len_t    = tbl_addr32 - BK_TABLES * 64;
wire [BKAW-1:0] tbl_idx  = tbl_addr32[BKAW-1:0];
wire unused_tbl = &{1'b0, tbl_len_t[31:PTW], tbl_addr32[31:BKAW]};

always @(posedge clk) begin
    bk_we_reg <= tbl_bk_we && tbl_is_bound;
    bk_len_we_reg <= tbl_bk_we && tbl_is_len;
    if (tbl_bk_we) begin
        bk_table_reg <= tbl_is_bound ? tbl_addr32[6 +: PTW] : tbl_len_t[PTW-1:0];
        bk_addr_reg <= tbl_bk_addr[5:0];
        bk_data_reg <= tbl_bk_wdata;
    end
    if (tbl_bk_we && (tbl_is_bound || tbl_is_len)) bk_shadow[tbl_idx] <= tbl_bk_wdata;
    if (tbl_bk_re) bk_rdata_reg <= (tbl_is_bound || tbl_is_len) ? bk_shadow[tbl_idx] : 32'd0;
    if (rst) begin
        bk_we_reg <= 1'b0;
        bk_len_we_reg <= 1'b0;
    end
end
assign tbl_bk_rdata = bk_rdata_reg;

// ================================================================ receive: two row banks
// row RAM word {bank, value beat}: per column slot c, lo = {null, value[31:0]}, hi = value[63:32]
reg [1:0]  bank_full_reg;
reg        wr_bank_reg;
reg [6:0]  in_beat_reg;                // 0 = header next
reg [47:0] rb_row    [0:1];
reg [7:0]  rb_reason [0:1];
reg        rb_tomb   [0:1];
reg [63:0] rb_null   [0:1];
reg [64*K-1:0] row_val [0:2*NVB-1];   // {bank, value beat}: the beat as received

assign s_axis_tready = !bank_full_reg[wr_bank_reg];
wire in_fire = s_axis_tvalid && s_axis_tready;

wire [6:0]     vb_idx  = in_beat_reg - 7'd1;                   // value beat 0 .. NVB-1 (columns vb*K ..)
wire           vb_keep = in_beat_reg != 7'd0 && {1'b0, in_beat_reg} <= NVB;
wire [VBW-1:0] vb_addr = vb_idx[VBW-1:0];

always @(posedge clk) begin
    if (in_fire) begin
        if (in_beat_reg == 7'd0) begin
            rb_row[wr_bank_reg] <= s_axis_tdata[47:0];
            rb_reason[wr_bank_reg] <= s_axis_tdata[55:48];
            rb_tomb[wr_bank_reg] <= s_axis_tdata[56];
            rb_null[wr_bank_reg] <= s_axis_tdata[127:64];
        end else if (vb_keep) begin
            row_val[{wr_bank_reg, vb_addr}] <= s_axis_tdata;
        end
    end
end
wire unused_vb = &{1'b0, vb_idx};

// ================================================================ issue
reg          rd_bank_reg;
reg [KW-1:0] k_reg;
reg [BW-1:0] ibuf_reg;                 // row buffer of the row being issued
reg [BW:0]   bufs_used_reg, bufs_hwm_reg;  // row buffers in use (all B: bit BW)

wire [31:0] k32       = {{(32-KW){1'b0}}, k_reg};
wire        cur_tomb  = rb_tomb[rd_bank_reg];
wire        last_slot = cur_tomb || (((k32 + 32'd1) * DP >= {25'd0, n_dense}) && ((k32 + 32'd1) * SP >= {24'd0, n_sparse}));
wire        first     = k_reg == {KW{1'b0}};
// row buffers are taken by the issuer (ibuf) and given back by the sender (sbuf), both in row order, so the
// next one is free unless all B are in use: a counter bit instead of a B:1 select of busy flags
wire        can_issue = bank_full_reg[rd_bank_reg] && !(first && bufs_used_reg[BW]);

// the PEs' input registers
reg [DP-1:0] id_valid_reg;
reg [31:0]   id_x     [0:DP-1];
reg          id_null  [0:DP-1];
reg [SP-1:0] is_valid_reg;
reg [63:0]   is_val   [0:SP-1];
reg          is_null  [0:SP-1];
reg [KW-1:0] i_k_reg;
reg [6:0]    i_s0_reg;                 // the slot's first sparse word, slot * 2 SPARSE_PES
function [6:0] slot_s0;
    input [KW-1:0] k;
    reg   [31:0]   s0_unused;                            // < 2 MAX_SPARSE: 7 bits
    begin
        s0_unused = {{(32-KW){1'b0}}, k} * (2 * SP);
        slot_s0 = s0_unused[6:0];
    end
endfunction
reg [BW-1:0] i_buf_reg;
// label converter input
reg          il_valid_reg;
reg [31:0]   il_label_reg;
reg [BW-1:0] il_buf_reg;

// column of each PE's feature (entry = slot): one RAM per group, word {PE, entry}, read by every PE
localparam DCA = $clog2(DP * SLOTS_D) > 0 ? $clog2(DP * SLOTS_D) : 1;
localparam SCA = $clog2(SP * SLOTS_S) > 0 ? $clog2(SP * SLOTS_S) : 1;
reg [5:0] dcol_mem [0:DP*SLOTS_D-1];
reg [5:0] scol_mem [0:SP*SLOTS_S-1];
wire unused_cwa = &{1'b0, dcol_wa_reg, scol_wa_reg};
always @(posedge clk) begin
    if (|dcol_we_reg) dcol_mem[dcol_wa_reg[DCA-1:0]] <= dc_data_reg[5:0];
    if (|scol_we_reg) scol_mem[scol_wa_reg[SCA-1:0]] <= sc_data_reg[5:0];
end
wire unused_ent = &{1'b0, dc_ent_reg, sc_ent_reg};

integer p;
always @(posedge clk) begin
    id_valid_reg <= {DP{1'b0}};
    is_valid_reg <= {SP{1'b0}};
    il_valid_reg <= 1'b0;
    if (can_issue) begin
        for (p = 0; p < DP; p = p + 1) begin
            id_valid_reg[p] <= !cur_tomb && (k32 * DP + p < {25'd0, n_dense});
            // column c of the bank: word {bank, c / K}, slot c mod K; its null bit from the header
            id_null[p] <= rb_null[rd_bank_reg][dcol_mem[p * SLOTS_D + k32]];
            id_x[p] <= row_val[{rd_bank_reg, dcol_mem[p * SLOTS_D + k32][KB +: VBW]}][64*dcol_mem[p * SLOTS_D + k32][KB-1:0] +: 32];
        end
        for (p = 0; p < SP; p = p + 1) begin
            is_valid_reg[p] <= !cur_tomb && (k32 * SP + p < {24'd0, n_sparse});
            is_null[p] <= rb_null[rd_bank_reg][scol_mem[p * SLOTS_S + k32]];
            is_val[p] <= row_val[{rd_bank_reg, scol_mem[p * SLOTS_S + k32][KB +: VBW]}][64*scol_mem[p * SLOTS_S + k32][KB-1:0] +: 64];
        end
        i_k_reg <= k_reg;
        i_s0_reg <= slot_s0(k_reg);
        i_buf_reg <= ibuf_reg;
        if (first) begin
            il_valid_reg <= 1'b1;
            // the label word: float32 of the int32 label, 0.0 when disabled, null or a tombstone
            il_label_reg <= (cfg_label_en && !rb_null[rd_bank_reg][cfg_label_column] && !cur_tomb)
                            ? row_val[{rd_bank_reg, cfg_label_column[KB +: VBW]}][64*cfg_label_column[KB-1:0] +: 32] : 32'd0;
            il_buf_reg <= ibuf_reg;
        end
    end
    if (rst) begin
        id_valid_reg <= {DP{1'b0}};
        is_valid_reg <= {SP{1'b0}};
        il_valid_reg <= 1'b0;
    end
end

// ================================================================ control: banks, slots, row buffers
wire       snd_free;                   // the sender releases row buffer sbuf (its last beat read)

always @(posedge clk) begin
    if (in_fire) begin
        if (s_axis_tlast) begin
            in_beat_reg <= 7'd0;
            wr_bank_reg <= !wr_bank_reg;
        end else if (in_beat_reg != 7'd127) begin
            in_beat_reg <= in_beat_reg + 7'd1;
        end
    end
    if (can_issue) begin
        if (last_slot) begin
            k_reg <= {KW{1'b0}};
            rd_bank_reg <= !rd_bank_reg;
            ibuf_reg <= ibuf_reg + {{(BW-1){1'b0}}, 1'b1};
        end else begin
            k_reg <= k_reg + {{(KW-1){1'b0}}, 1'b1};
        end
    end
    // set by the receiver on a row's last beat, cleared by the issuer on its last slot (never the same bank)
    if (in_fire && s_axis_tlast) bank_full_reg[wr_bank_reg] <= 1'b1;
    if (can_issue && last_slot) bank_full_reg[rd_bank_reg] <= 1'b0;
    // a row buffer is taken by a row's first slot and given back by the sender (never the same one)
    bufs_used_reg <= bufs_used_reg + {{BW{1'b0}}, can_issue && first} - {{BW{1'b0}}, snd_free};
    if (bufs_used_reg > bufs_hwm_reg) bufs_hwm_reg <= bufs_used_reg;
    if (rst) begin
        in_beat_reg <= 7'd0;
        wr_bank_reg <= 1'b0;
        rd_bank_reg <= 1'b0;
        k_reg <= {KW{1'b0}};
        ibuf_reg <= {BW{1'b0}};
        bank_full_reg <= 2'b00;
        bufs_used_reg <= {(BW+1){1'b0}};
        bufs_hwm_reg <= {(BW+1){1'b0}};
    end
end

wire [15:0] hwm16 = {{(15-BW){1'b0}}, bufs_hwm_reg};
assign status_fifo_hwm = (hwm16 > 16'd255) ? 8'hff : hwm16[7:0];

// the row's header words (row number, {popular, tombstone, reason, row[47:32]}) and tombstone bit
reg [63:0] hdr_mem  [0:B-1];
reg        tomb_mem [0:B-1];
always @(posedge clk) begin
    if (can_issue && first) begin
        hdr_mem[ibuf_reg] <= {6'd0, !cur_tomb, cur_tomb, rb_reason[rd_bank_reg], rb_row[rd_bank_reg][47:32],
                              rb_row[rd_bank_reg][31:0]};
        tomb_mem[ibuf_reg] <= cur_tomb;
    end
end

// row done: the last slot's results are all written LAT_DONE cycles after its issue
wire [BW-1:0] done_buf;
wire          done_valid;
xform_delay #(.LATENCY(LAT_DONE), .WIDTH(BW)) u_done (
    .clk(clk), .rst(rst), .ce(1'b1), .s_data(ibuf_reg), .s_valid(can_issue && last_slot),
    .m_data(done_buf), .m_valid(done_valid)
);

// ================================================================ processing elements
wire [DP-1:0]    d_valid;
wire [32*DP-1:0] d_bits;
wire [TW*DP-1:0] d_tag;
wire [SP-1:0]    s_valid;
wire [63:0]      s_id [0:15];          // sparse PE keys (PEs past SPARSE_PES: 0)
wire [TW*SP-1:0] s_tag;

genvar gi;
generate
    for (gi = 0; gi < DP; gi = gi + 1) begin : gen_dense
        dense_chain #(.NUM_FEATURES(SLOTS_D), .NUM_TABLES(BK_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(TW),
                      .ROM_FILE(ROM_FILE)) u_pe (
            .clk(clk), .rst(rst),
            .cfg_we(dc_we_reg[gi]), .cfg_feature(dc_ent_reg[DFW-1:0]), .cfg_addr(dc_addr_reg), .cfg_data(dc_data_reg),
            .cfg_bk_we(bk_we_reg), .cfg_bk_len_we(bk_len_we_reg), .cfg_bk_table(bk_table_reg),
            .cfg_bk_addr(bk_addr_reg), .cfg_bk_data(bk_data_reg), .cfg_bk_len(bk_data_reg[6:0]),
            .s_x(id_x[gi]), .s_null(id_null[gi]), .s_feature(i_k_reg[DFW-1:0]), .s_dtype(cfg_dense_dtype),
            .s_as_float(1'b1), .s_tag({i_buf_reg, i_k_reg}), .s_valid(id_valid_reg[gi]),
            .m_bits(d_bits[32*gi +: 32]), .m_tag(d_tag[TW*gi +: TW]), .m_valid(d_valid[gi])
        );
    end
    for (gi = 0; gi < SP; gi = gi + 1) begin : gen_sparse
        sparse_bk_pe #(.NUM_FEATURES(SLOTS_S), .NUM_TABLES(BK_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(TW)) u_pe (
            .clk(clk), .rst(rst),
            .cfg_we(sc_we_reg[gi]), .cfg_feature(sc_ent_reg[SFW-1:0]), .cfg_addr(sc_addr_reg), .cfg_data(sc_data_reg),
            .cfg_bk_we(bk_we_reg), .cfg_bk_len_we(bk_len_we_reg), .cfg_bk_table(bk_table_reg),
            .cfg_bk_addr(bk_addr_reg), .cfg_bk_data(bk_data_reg), .cfg_bk_len(bk_data_reg[6:0]),
            .s_value(is_val[gi]), .s_null(is_null[gi]), .s_feature(i_k_reg[SFW-1:0]), .s_tag({i_buf_reg, i_k_reg}),
            .s_valid(is_valid_reg[gi]),
            .m_id(s_id[gi]), .m_tag(s_tag[TW*gi +: TW]), .m_valid(s_valid[gi])
        );
    end
endgenerate

// label: float32(int32 label) into the row buffer's label word
wire [31:0]   l_f32;
wire [BW-1:0] l_buf;
wire          l_valid, unused_l_ready;
int_to_f32 #(.IN_WIDTH(32), .FRAC_BITS(0), .SIGNED(1), .TAG_WIDTH(BW)) u_label (
    .clk(clk), .rst(rst),
    .s_value(il_label_reg), .s_tag(il_buf_reg), .s_valid(il_valid_reg), .s_ready(unused_l_ready),
    .m_f32(l_f32), .m_tag(l_buf), .m_valid(l_valid), .m_ready(1'b1)
);
reg [31:0] label_mem [0:B-1];
always @(posedge clk) begin
    if (l_valid) label_mem[l_buf] <= l_f32;
end

// ================================================================ row buffers: dense and sparse word banks
// output word w of a row is in lane w mod 32 of beat w / 32. Dense feature j is word 3 + j: lane bank
// (3 + j) mod 32 holds exactly one dense feature (j = i - 3, or j = i + 29 for lanes 0..2), written
// by PE j mod DP at slot j / DP. Sparse word s (feature s / 2, half s mod 2) is word 3 + n_dense + s:
// kept in sparse bank s mod 32 at {buffer, s / 32}; the sender rotates the banks by (3 + n_dense) mod 32.
reg [31:0] dq   [0:31];                // dense bank words of the beat being read
reg [31:0] sq   [0:31];                // sparse bank words of the beat being read
// Each bank is read (synchronously, for the sender) and written (by its PE) in one clocked block, the
// read first: the write is a blocking assignment (the read of the same edge gets the old word, as in a
// synchronous RAM, and no other block reads the bank), which spares the simulator a pending-write flag
// per bank to clear and test on every edge. The BLKSEQ style warning (lint) is waived for these blocks.
wire            snd_read;              // read the banks for the beat at stage A
wire [BW-1:0]   sbuf;
reg  [2:0]      ob_reg;                // beat of the row being read
wire [1:0]      rq;                    // (3 + n_dense) / 32
wire [4:0]      rr;                    // (3 + n_dense) mod 32

// the sparse group's {slot, buffer} beside the PEs (every valid sparse PE of a cycle has the same ones)
wire [6:0]    sg_s0;                   // first sparse word of the slot: slot * 2 SPARSE_PES
wire [BW-1:0] sg_buf;
wire          sg_valid;
xform_delay #(.LATENCY(LAT_S), .WIDTH(7 + BW)) u_sgroup (
    .clk(clk), .rst(rst), .ce(1'b1), .s_data({i_s0_reg, i_buf_reg}), .s_valid(|is_valid_reg),
    .m_data({sg_s0, sg_buf}), .m_valid(sg_valid)
);

wire [15:0]      s_valid16 = {{(16-SP){1'b0}}, s_valid};
generate
    for (gi = SP; gi < 16; gi = gi + 1) begin : gen_no_sparse
        assign s_id[gi] = 64'd0;
    end
endgenerate

// sparse bank b takes word u = (b - first word of the slot) mod 32 of the slot when u < 2 SP:
// half u mod 2 of PE u / 2's key, at {buffer, (first word + u) / 32}
function [4:0] slot_u;
    input [4:0] bank;
    input [4:0] s0;                                      // first sparse word of the slot, mod 32
    begin
        slot_u = bank - s0;
    end
endfunction
function bank_we;
    input [4:0]  bank;
    input [4:0]  s0;
    input [15:0] valid;
    reg   [4:0]  u;
    begin
        u = slot_u(bank, s0);
        bank_we = ({27'd0, u} < 2 * SP) && valid[u[4:1]];
    end
endfunction
function [SWAW-1:0] slot_addr;
    input [4:0] bank;
    input [6:0] s0;
    reg   [6:0] s_unused;                                // bits 5 and up are the address
    begin
        s_unused = s0 + {2'd0, slot_u(bank, s0[4:0])};
        slot_addr = s_unused[5 +: SWAW];
    end
endfunction
// the sparse bank address read for beat ob: bank b holds lane (b + rr) mod 32's word,
// s = 32 ob + lane - (3 + n_dense); out of range when the lane is not a sparse word
function [SWAW-1:0] send_addr;
    input [4:0] bank;
    input [2:0] ob;
    input [1:0] q_off;
    input [4:0] r_off;
    reg   [2:0] a_unused;                                // wraps when the lane is not a sparse word
    begin
        a_unused = ob - {1'b0, q_off} - (({1'b0, bank} + {1'b0, r_off} >= 6'd32) ? 3'd1 : 3'd0);
        send_addr = a_unused[SWAW-1:0];
    end
endfunction

generate
    for (gi = 0; gi < 32; gi = gi + 1) begin : gen_bank
        // ---- dense bank gi
        localparam integer DJ  = (gi >= 3) ? gi - 3 : gi + 29;   // the dense feature of this lane
        localparam integer DPE = DJ % DP;
        localparam integer DK  = DJ / DP;
        if (DJ < MAX_DENSE) begin : gen_d
            reg [31:0] mem [0:B-1];
            wire [TW-1:0] tg = d_tag[TW*DPE +: TW];
            /* verilator lint_off BLKSEQ */
            always @(posedge clk) begin
                if (snd_read) dq[gi] <= mem[sbuf];
                if (d_valid[DPE] && tg[KW-1:0] == DK[KW-1:0]) mem[tg[TW-1 -: BW]] = d_bits[32*DPE +: 32];
            end
            /* verilator lint_on BLKSEQ */
        end else begin : gen_nod
            always @(posedge clk) begin
                if (snd_read) dq[gi] <= 32'd0;
            end
        end
        // ---- sparse bank gi
        localparam [4:0] BANK = gi;
        reg [31:0] mem [0:B*SWA-1];
        /* verilator lint_off BLKSEQ */
        always @(posedge clk) begin
            if (snd_read) sq[gi] <= mem[{sbuf, send_addr(BANK, ob_reg, rq, rr)}];
            if (sg_valid && bank_we(BANK, sg_s0[4:0], s_valid16))
                mem[{sg_buf, slot_addr(BANK, sg_s0)}] = slot_u(BANK, sg_s0[4:0]) % 2 == 5'd1 ? s_id[slot_u(BANK, sg_s0[4:0]) / 2][63:32]
                                                                                  : s_id[slot_u(BANK, sg_s0[4:0]) / 2][31:0];
        end
        /* verilator lint_on BLKSEQ */
    end
endgenerate
wire unused_tags = &{1'b0, d_tag, s_tag};

// ================================================================ send
// stage A: the beat counter reads the banks (and the row's header / label / tombstone words);
// stage C: the beat assembled from them (sparse words rotated, words by position); then the skid
// buffer. Both stages advance when the skid takes (sce).
reg [B-1:0]  rdy_reg;                  // row buffer complete, not yet sent
reg [BW-1:0] sbuf_reg;
wire [6:0]   r_off  = 7'd3 + n_dense;  // first sparse word of the row
assign       rr     = r_off[4:0];
assign       rq     = r_off[6:5];
wire [15:0]  nw_row = 16'd3 + {9'd0, n_dense} + {7'd0, n_sparse, 1'b0};
wire [15:0]  nw_a   = tomb_mem[sbuf_reg] ? 16'd2 : nw_row;
wire [3:0]   nb_a   = nw_a[8:5] + {3'd0, |nw_a[4:0]};
wire         a_last = {1'b0, ob_reg} + 4'd1 == nb_a;
wire         o_ready;
reg          vb_reg, vc_reg;
reg          lastb_reg, lastc_reg, tombb_reg;
reg [2:0]    obb_reg;
reg [63:0]   hdrb_reg;
reg [31:0]   labb_reg;
reg [31:0]   o_word [0:31];           // the beat being sent, word by word
wire [1023:0] o_data;
wire         sce    = !vc_reg || o_ready;
assign       snd_read = sce && rdy_reg[sbuf_reg];
assign       sbuf     = sbuf_reg;
assign       snd_free = snd_read && a_last;
reg [47:0]   rows_out_reg;
wire unused_nw = &{1'b0, nw_a[15:9]};

// a lane's word of the beat: header words, dense words, sparse words (rotated into their lanes), 0 past the row
function [31:0] lane_word;
    input [15:0] w;                                      // word of the row: 32 beat + lane
    input        tomb;
    input [63:0] hdr;
    input [31:0] label, dense, sparse;
    input [6:0]  nd;
    input [15:0] nw;
    begin
        if (w == 16'd0)                      lane_word = hdr[31:0];
        else if (w == 16'd1)                 lane_word = hdr[63:32];
        else if (tomb)                       lane_word = 32'd0;
        else if (w == 16'd2)                 lane_word = label;
        else if (w < 16'd3 + {9'd0, nd})     lane_word = dense;
        else if (w < nw)                     lane_word = sparse;
        else                                 lane_word = 32'd0;
    end
endfunction

integer li;
always @(posedge clk) begin
    if (done_valid) rdy_reg[done_buf] <= 1'b1;
    if (snd_free) rdy_reg[sbuf_reg] <= 1'b0;
    if (sce) begin
        vb_reg <= snd_read;
        vc_reg <= vb_reg;
        if (snd_read) begin
            if (a_last) begin
                ob_reg <= 3'd0;
                sbuf_reg <= sbuf_reg + {{(BW-1){1'b0}}, 1'b1};
            end else begin
                ob_reg <= ob_reg + 3'd1;
            end
            lastb_reg <= a_last;
            tombb_reg <= tomb_mem[sbuf_reg];
            obb_reg <= ob_reg;
            hdrb_reg <= hdr_mem[sbuf_reg];
            labb_reg <= label_mem[sbuf_reg];
        end
        if (vb_reg) begin
            for (li = 0; li < 32; li = li + 1)
                o_word[li] <= lane_word({8'd0, obb_reg, 5'd0} + li[15:0], tombb_reg, hdrb_reg, labb_reg, dq[li],
                                                     sq[(li - {27'd0, rr}) & 31], n_dense, nw_row);
            lastc_reg <= lastb_reg;
        end
    end
    if (rst) begin
        rdy_reg <= {B{1'b0}};
        sbuf_reg <= {BW{1'b0}};
        ob_reg <= 3'd0;
        vb_reg <= 1'b0;
        vc_reg <= 1'b0;
    end
end

always @(posedge clk) begin
    if (vc_reg && o_ready && lastc_reg) rows_out_reg <= rows_out_reg + 48'd1;
    if (rst) rows_out_reg <= 48'd0;
end
assign status_rows_out = rows_out_reg;

generate
    for (gi = 0; gi < 32; gi = gi + 1) begin : gen_o_data
        assign o_data[32*gi +: 32] = o_word[gi];
    end
endgenerate

wire [127:0] unused_o_keep;
wire unused_o_user;

axis_register #(.DATA_WIDTH(1024), .KEEP_ENABLE(0), .LAST_ENABLE(1), .USER_ENABLE(0), .REG_TYPE(2)) u_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata(o_data), .s_axis_tkeep(128'd0), .s_axis_tvalid(vc_reg), .s_axis_tready(o_ready),
    .s_axis_tlast(lastc_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(unused_o_keep), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_o_user)
);
assign m_axis_tkeep = {128{1'b1}};
assign m_axis_tuser = 1'b0;

endmodule

`resetall
