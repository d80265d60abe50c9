// SPDX-License-Identifier: Apache-2.0
// Sluice transform lane: DecodedRecord packets in, TransformedRecord packets out
// (docs/formats/records.md), one output packet per input packet, in order. The golden
// model is models.transform.transform_lanes (docs/spec/transform_rtl.md "Lane").
//
//   receive   header + value beats into one of two row banks (row i+1 arrives while row i issues)
//   issue     a full bank in SLOTS: slot k gives dense feature k*DENSE_PES + p to dense PE p and
//             sparse feature k*SPARSE_PES + q to sparse PE q (every PE gets every slot; unused
//             lanes of a slot compute garbage that is never written), plus the row's meta
//             (header, label) to the label converter; slots per row = max(1, ceil(n_dense /
//             DENSE_PES), ceil(n_sparse / SPARSE_PES)), 1 for a tombstone
//   PEs       dense_chain (22 cycles) / sparse_bk_pe (15 cycles) / int_to_f32 (4 cycles), each
//             followed by a slot FIFO of CREDITS entries; a credit counter bounds the slots in
//             flight to CREDITS, so no PE ever stalls and the groups stay slot-aligned
//   assemble  pops one slot from the three FIFOs together and writes its results into their
//             word slots of one of two word buffers (header/label on the first slot)
//   send      ceil(words / 32) beats of 1024 bits (1 for a tombstone) through a skid buffer;
//             words past the row read 0
//
// Configuration: cfg_* ports generated from rtl/top/csr/transform.yaml (arrays flattened,
// entry i of a w-bit field at [w*i+w-1 : w*i]); stable while a stream is in flight. Bucketize
// boundary tables through the tbl_bk_* port: word t*64 + i = boundary i of table t (int32),
// word BK_TABLES*64 + t = length of table t (1..64); written into every PE's copy at once
// (write only while no row is in flight); read back from a shadow copy.
//
// lint-params: DENSE_PES=1 SPARSE_PES=1 BK_TABLES=2 MAX_BOUNDS=4 CREDITS=4
// lint-params: DENSE_PES=4 SPARSE_PES=7
// Contains log1p_fx (through dense_chain), so ABC is skipped likewise:
// synth-flags: -noabc
// Hierarchical synthesis: each distinct PE is mapped once (flattened, the 11 PEs did not finish in 18 min):
// synth-flags: -hier
// No synth-params set: yowasp Yosys asserts in `hierarchy -chparam` on this top (rtlil_bufnorm.cc:679).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module transform_lane #(
    // Dense processing elements working in parallel (>= 1)
    parameter DENSE_PES       = 3,
    // Sparse processing elements working in parallel (>= 1)
    parameter SPARSE_PES      = 8,
    // Dense features the config arrays hold (must equal transform.yaml's dense count, power of two)
    parameter MAX_DENSE       = 32,
    // Sparse features the config arrays hold (must equal transform.yaml's sparse count, power of two)
    parameter MAX_SPARSE      = 64,
    // Bucketize boundary tables (shared by dense and sparse features; power of two, 2..8)
    parameter BK_TABLES       = 8,
    // Boundary slots per table held by each PE, 1..64 (the table port keeps a stride of 64)
    parameter MAX_BOUNDS      = 64,
    // 64-bit slots per DecodedRecord beat (K)
    parameter FIELDS_PER_BEAT = 8,
    // Slots in flight between issue and assembly (slot FIFO depth; power of two >= 4)
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

    // dense feature array
    input  wire [6*MAX_DENSE-1:0]        cfg_dense_column,
    input  wire [32*MAX_DENSE-1:0]       cfg_dense_fill,
    input  wire [32*MAX_DENSE-1:0]       cfg_dense_clamp_lo,
    input  wire [32*MAX_DENSE-1:0]       cfg_dense_clamp_hi,
    input  wire [32*MAX_DENSE-1:0]       cfg_dense_shift,
    input  wire [2*MAX_DENSE-1:0]        cfg_dense_kind,     // 0 log1p, 1 identity, 2 bucketize
    input  wire [3*MAX_DENSE-1:0]        cfg_dense_table,

    // sparse feature array
    input  wire [6*MAX_SPARSE-1:0]       cfg_sparse_column,
    input  wire [64*MAX_SPARSE-1:0]      cfg_sparse_fill,
    input  wire [MAX_SPARSE-1:0]         cfg_sparse_bucketize,
    input  wire [32*MAX_SPARSE-1:0]      cfg_sparse_int_fill,
    input  wire [32*MAX_SPARSE-1:0]      cfg_sparse_clamp_lo,
    input  wire [32*MAX_SPARSE-1:0]      cfg_sparse_clamp_hi,
    input  wire [32*MAX_SPARSE-1:0]      cfg_sparse_shift,
    input  wire [3*MAX_SPARSE-1:0]       cfg_sparse_table,
    input  wire [MAX_SPARSE-1:0]         cfg_sparse_hash,
    input  wire [64*MAX_SPARSE-1:0]      cfg_sparse_salt,
    input  wire [2*MAX_SPARSE-1:0]       cfg_sparse_final,   // 0 none, 1 modulo, 2 vocab (key passes)
    input  wire [32*MAX_SPARSE-1:0]      cfg_sparse_m,
    input  wire [64*MAX_SPARSE-1:0]      cfg_sparse_mu,

    // bucketize boundary tables
    input  wire                          tbl_bk_we,
    input  wire                          tbl_bk_re,
    input  wire [9:0]                    tbl_bk_addr,
    input  wire [31:0]                   tbl_bk_wdata,
    output wire [31:0]                   tbl_bk_rdata,

    // records sent (kept rows and tombstones)
    output wire [47:0]                   status_rows_out,
    // slot FIFO high-water mark since reset (max of the dense / sparse / meta FIFOs), in slots
    output wire [7:0]                    status_fifo_hwm
);

localparam K        = FIELDS_PER_BEAT;
localparam DP       = DENSE_PES;
localparam SP       = SPARSE_PES;
localparam TW       = 3;                                  // table id width of the CSR fields
localparam PTW      = (BK_TABLES > 1) ? $clog2(BK_TABLES) : 1;  // table id width inside the PEs
localparam DIW      = $clog2(MAX_DENSE);
localparam SIW      = $clog2(MAX_SPARSE);
localparam BK_WORDS = BK_TABLES * 65;
localparam BKAW     = $clog2(BK_WORDS);
// word buffer: header 3 + dense 1 each + sparse 2 each, rounded up to whole 32-word beats
localparam NW_MAX   = 3 + MAX_DENSE + 2 * MAX_SPARSE;
localparam NB_MAX   = (NW_MAX + 31) / 32;
localparam NWB      = NB_MAX * 32;
localparam ABAW     = $clog2(2 * NWB);
localparam SLOTS_D  = (MAX_DENSE + DP - 1) / DP;
localparam SLOTS_S  = (MAX_SPARSE + SP - 1) / SP;
localparam SLOTS    = (SLOTS_D > SLOTS_S) ? SLOTS_D : SLOTS_S;
localparam KW       = $clog2(SLOTS + 1);
localparam CW       = $clog2(CREDITS) + 1;
// meta carried from issue to assembly: {first, last, k, tomb, reason, row}
localparam MW       = 1 + 1 + KW + 1 + 8 + 48;

initial begin
    if (DP < 1 || SP < 1 || K < 1 || K > 64) begin
        $error("Error: transform_lane needs DENSE_PES, SPARSE_PES >= 1 and 1 <= FIELDS_PER_BEAT <= 64 (instance %m)");
        $finish;
    end
    if (MAX_DENSE < 2 || MAX_DENSE > 32 || (MAX_DENSE & (MAX_DENSE - 1)) != 0
        || MAX_SPARSE < 2 || MAX_SPARSE > 64 || (MAX_SPARSE & (MAX_SPARSE - 1)) != 0) begin
        $error("Error: MAX_DENSE (2..32) and MAX_SPARSE (2..64) must be powers of two (instance %m)");
        $finish;
    end
    if (BK_TABLES < 2 || BK_TABLES > 8 || (BK_TABLES & (BK_TABLES - 1)) != 0 || MAX_BOUNDS < 1 || MAX_BOUNDS > 64) begin
        $error("Error: BK_TABLES must be a power of two in 2..8 and MAX_BOUNDS in 1..64 (instance %m)");
        $finish;
    end
    if (CREDITS < 4 || (CREDITS & (CREDITS - 1)) != 0) begin
        $error("Error: CREDITS must be a power of two >= 4 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tuser};

// ================================================================ configuration: unpack the arrays
wire [5:0]  d_col   [0:MAX_DENSE-1];
wire [31:0] d_fill  [0:MAX_DENSE-1];
wire [31:0] d_lo    [0:MAX_DENSE-1];
wire [31:0] d_hi    [0:MAX_DENSE-1];
wire [31:0] d_shift [0:MAX_DENSE-1];
wire [1:0]  d_kind  [0:MAX_DENSE-1];
wire [TW-1:0] d_tab [0:MAX_DENSE-1];

wire [5:0]  sp_col   [0:MAX_SPARSE-1];
wire [63:0] sp_fill  [0:MAX_SPARSE-1];
wire        sp_bk    [0:MAX_SPARSE-1];
wire [31:0] sp_ifill [0:MAX_SPARSE-1];
wire [31:0] sp_lo    [0:MAX_SPARSE-1];
wire [31:0] sp_hi    [0:MAX_SPARSE-1];
wire [31:0] sp_shift [0:MAX_SPARSE-1];
wire [TW-1:0] sp_tab [0:MAX_SPARSE-1];
wire        sp_hash  [0:MAX_SPARSE-1];
wire [63:0] sp_salt  [0:MAX_SPARSE-1];
wire [1:0]  sp_final [0:MAX_SPARSE-1];
wire [31:0] sp_m     [0:MAX_SPARSE-1];
wire [63:0] sp_mu    [0:MAX_SPARSE-1];

genvar gi;
generate
    for (gi = 0; gi < MAX_DENSE; gi = gi + 1) begin : gen_dcfg
        assign d_col[gi]   = cfg_dense_column[6*gi +: 6];
        assign d_fill[gi]  = cfg_dense_fill[32*gi +: 32];
        assign d_lo[gi]    = cfg_dense_clamp_lo[32*gi +: 32];
        assign d_hi[gi]    = cfg_dense_clamp_hi[32*gi +: 32];
        assign d_shift[gi] = cfg_dense_shift[32*gi +: 32];
        assign d_kind[gi]  = cfg_dense_kind[2*gi +: 2];
        assign d_tab[gi]   = cfg_dense_table[TW*gi +: TW];
    end
    for (gi = 0; gi < MAX_SPARSE; gi = gi + 1) begin : gen_scfg
        assign sp_col[gi]   = cfg_sparse_column[6*gi +: 6];
        assign sp_fill[gi]  = cfg_sparse_fill[64*gi +: 64];
        assign sp_bk[gi]    = cfg_sparse_bucketize[gi];
        assign sp_ifill[gi] = cfg_sparse_int_fill[32*gi +: 32];
        assign sp_lo[gi]    = cfg_sparse_clamp_lo[32*gi +: 32];
        assign sp_hi[gi]    = cfg_sparse_clamp_hi[32*gi +: 32];
        assign sp_shift[gi] = cfg_sparse_shift[32*gi +: 32];
        assign sp_tab[gi]   = cfg_sparse_table[TW*gi +: TW];
        assign sp_hash[gi]  = cfg_sparse_hash[gi];
        assign sp_salt[gi]  = cfg_sparse_salt[64*gi +: 64];
        assign sp_final[gi] = cfg_sparse_final[2*gi +: 2];
        assign sp_m[gi]     = cfg_sparse_m[32*gi +: 32];
        assign sp_mu[gi]    = cfg_sparse_mu[64*gi +: 64];
    end
endgenerate

// counts clamped to the arrays' size (larger values act as the maximum)
wire [31:0] n_dense  = ({26'd0, cfg_n_dense} > MAX_DENSE) ? MAX_DENSE : {26'd0, cfg_n_dense};
wire [31:0] n_sparse = ({25'd0, cfg_n_sparse} > MAX_SPARSE) ? MAX_SPARSE : {25'd0, cfg_n_sparse};

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
    bk_table_reg <= tbl_is_bound ? tbl_addr32[6 +: PTW] : tbl_len_t[PTW-1:0];
    bk_addr_reg <= tbl_bk_addr[5:0];
    bk_data_reg <= tbl_bk_wdata;
    if (tbl_bk_we && (tbl_is_bound || tbl_is_len)) bk_shadow[tbl_idx] <= tbl_bk_wdata;
    if (tbl_bk_re) bk_rdata_reg <= (tbl_is_bound || tbl_is_len) ? bk_shadow[tbl_idx] : 32'd0;
    if (rst) begin
        bk_we_reg <= 1'b0;
        bk_len_we_reg <= 1'b0;
    end
end
assign tbl_bk_rdata = bk_rdata_reg;

// ================================================================ receive: two row banks
reg [1:0]  bank_full_reg;
reg        wr_bank_reg;
reg [3:0]  in_beat_reg;                // 0 = header next
reg [47:0] rb_row    [0:1];
reg [7:0]  rb_reason [0:1];
reg        rb_tomb   [0:1];
reg [63:0] rb_null   [0:1];
reg [63:0] rb_val    [0:127];          // {bank, column}

assign s_axis_tready = !bank_full_reg[wr_bank_reg];
wire in_fire = s_axis_tvalid && s_axis_tready;

// column of slot ii of the current value beat
wire [31:0] in_col [0:K-1];
generate
    for (gi = 0; gi < K; gi = gi + 1) begin : gen_in_col
        assign in_col[gi] = ({28'd0, in_beat_reg} - 32'd1) * K + gi;
    end
endgenerate

integer ii;
always @(posedge clk) begin
    if (in_fire) begin
        if (in_beat_reg == 4'd0) begin
            rb_row[wr_bank_reg] <= s_axis_tdata[47:0];
            rb_reason[wr_bank_reg] <= s_axis_tdata[55:48];
            rb_tomb[wr_bank_reg] <= s_axis_tdata[56];
            rb_null[wr_bank_reg] <= s_axis_tdata[127:64];
        end else begin
            for (ii = 0; ii < K; ii = ii + 1) begin
                if (in_col[ii] < 64) rb_val[{wr_bank_reg, in_col[ii][5:0]}] <= s_axis_tdata[64*ii +: 64];
            end
        end
    end
end

// ================================================================ issue
reg         rd_bank_reg;
reg [KW-1:0] k_reg;
reg [CW-1:0] inflight_reg;
wire        pe_ready;
wire        pop;

wire [31:0] k32      = {{(32-KW){1'b0}}, k_reg};
wire        cur_tomb = rb_tomb[rd_bank_reg];
wire        last_slot = cur_tomb || (((k32 + 32'd1) * DP >= n_dense) && ((k32 + 32'd1) * SP >= n_sparse));
wire        can_issue = bank_full_reg[rd_bank_reg] && ({{(32-CW){1'b0}}, inflight_reg} < CREDITS) && pe_ready;

// issue registers (the PEs' operand inputs)
reg          iss_valid_reg;
reg [31:0]   id_x     [0:DP-1];
reg          id_null  [0:DP-1];
reg [31:0]   id_fill  [0:DP-1];
reg [31:0]   id_lo    [0:DP-1];
reg [31:0]   id_hi    [0:DP-1];
reg [31:0]   id_shift [0:DP-1];
reg [PTW-1:0] id_tab  [0:DP-1];
reg [1:0]    id_kind  [0:DP-1];

reg [63:0]   is_val   [0:SP-1];
reg          is_null  [0:SP-1];
reg [63:0]   is_fill  [0:SP-1];
reg          is_bk    [0:SP-1];
reg [31:0]   is_ifill [0:SP-1];
reg [31:0]   is_lo    [0:SP-1];
reg [31:0]   is_hi    [0:SP-1];
reg [31:0]   is_shift [0:SP-1];
reg [PTW-1:0] is_tab  [0:SP-1];
reg          is_hash  [0:SP-1];
reg [63:0]   is_salt  [0:SP-1];
reg          is_mod   [0:SP-1];
reg [31:0]   is_m     [0:SP-1];
reg [63:0]   is_mu    [0:SP-1];

reg [MW-1:0] im_meta_reg;
reg [31:0]   im_label_reg;

wire [63:0] lab_word = rb_val[{rd_bank_reg, cfg_label_column}];
wire        lab_null = rb_null[rd_bank_reg][cfg_label_column];

// feature index of each PE in the current slot
wire [DIW-1:0] dj [0:DP-1];
wire [SIW-1:0] sj [0:SP-1];
generate
    for (gi = 0; gi < DP; gi = gi + 1) begin : gen_dj
        wire [31:0] f = k32 * DP + gi;
        assign dj[gi] = f[DIW-1:0];
        wire unused_f = &{1'b0, f[31:DIW]};
    end
    for (gi = 0; gi < SP; gi = gi + 1) begin : gen_sj
        wire [31:0] f = k32 * SP + gi;
        assign sj[gi] = f[SIW-1:0];
        wire unused_f = &{1'b0, f[31:SIW]};
    end
endgenerate

integer p;
always @(posedge clk) begin
    if (pe_ready) iss_valid_reg <= can_issue;
    if (can_issue) begin
        for (p = 0; p < DP; p = p + 1) begin
            id_x[p]     <= rb_val[{rd_bank_reg, d_col[dj[p]]}][31:0];
            id_null[p]  <= rb_null[rd_bank_reg][d_col[dj[p]]];
            id_fill[p]  <= d_fill[dj[p]];
            id_lo[p]    <= d_lo[dj[p]];
            id_hi[p]    <= d_hi[dj[p]];
            id_shift[p] <= d_shift[dj[p]];
            id_tab[p]   <= d_tab[dj[p]][PTW-1:0];
            id_kind[p]  <= d_kind[dj[p]];
        end
        for (p = 0; p < SP; p = p + 1) begin
            is_val[p]   <= rb_val[{rd_bank_reg, sp_col[sj[p]]}];
            is_null[p]  <= rb_null[rd_bank_reg][sp_col[sj[p]]];
            is_fill[p]  <= sp_fill[sj[p]];
            is_bk[p]    <= sp_bk[sj[p]];
            is_ifill[p] <= sp_ifill[sj[p]];
            is_lo[p]    <= sp_lo[sj[p]];
            is_hi[p]    <= sp_hi[sj[p]];
            is_shift[p] <= sp_shift[sj[p]];
            is_tab[p]   <= sp_tab[sj[p]][PTW-1:0];
            is_hash[p]  <= sp_hash[sj[p]];
            is_salt[p]  <= sp_salt[sj[p]];
            is_mod[p]   <= sp_final[sj[p]] == 2'd1;
            is_m[p]     <= sp_m[sj[p]];
            is_mu[p]    <= sp_mu[sj[p]];
        end
        im_meta_reg <= {k_reg == {KW{1'b0}}, last_slot, k_reg, cur_tomb, rb_reason[rd_bank_reg], rb_row[rd_bank_reg]};
        im_label_reg <= (cfg_label_en && !lab_null && !cur_tomb) ? lab_word[31:0] : 32'd0;
    end
    if (rst) iss_valid_reg <= 1'b0;
end

wire unused_cfg_hi = &{1'b0, lab_word[63:32]};
// the PEs only use PTW bits of a table id; the CSR field is wider for BK_TABLES < 8
wire [TW*MAX_DENSE-1:0] unused_dtab = cfg_dense_table;
wire [TW*MAX_SPARSE-1:0] unused_stab = cfg_sparse_table;

// ================================================================ control: banks, slots, credits
always @(posedge clk) begin
    if (in_fire) begin
        if (s_axis_tlast) begin
            in_beat_reg <= 4'd0;
            wr_bank_reg <= !wr_bank_reg;
        end else if (in_beat_reg != 4'd15) begin
            in_beat_reg <= in_beat_reg + 4'd1;
        end
    end
    if (can_issue) begin
        if (last_slot) begin
            k_reg <= {KW{1'b0}};
            rd_bank_reg <= !rd_bank_reg;
        end else begin
            k_reg <= k_reg + {{(KW-1){1'b0}}, 1'b1};
        end
    end
    // set by the receiver on a row's last beat, cleared by the issuer on its last slot (never the same bank)
    if (in_fire && s_axis_tlast) bank_full_reg[wr_bank_reg] <= 1'b1;
    if (can_issue && last_slot) bank_full_reg[rd_bank_reg] <= 1'b0;
    inflight_reg <= inflight_reg + {{(CW-1){1'b0}}, can_issue} - {{(CW-1){1'b0}}, pop};
    if (rst) begin
        in_beat_reg <= 4'd0;
        wr_bank_reg <= 1'b0;
        rd_bank_reg <= 1'b0;
        k_reg <= {KW{1'b0}};
        bank_full_reg <= 2'b00;
        inflight_reg <= {CW{1'b0}};
    end
end

// ================================================================ processing elements
wire [DP-1:0]    d_s_ready, d_m_valid;
wire [32*DP-1:0] d_bits;
wire [SP-1:0]    s_s_ready, s_m_valid;
wire [64*SP-1:0] s_ids;
wire             m_s_ready, m_m_valid;
wire [31:0]      m_label;
wire [MW-1:0]    m_meta;
wire             fd_ready, fs_ready, fm_ready;

generate
    for (gi = 0; gi < DP; gi = gi + 1) begin : gen_dense
        wire unused_tag;
        dense_chain #(.NUM_TABLES(BK_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(1), .ROM_FILE(ROM_FILE)) u_pe (
            .clk(clk), .rst(rst),
            .cfg_bk_we(bk_we_reg), .cfg_bk_len_we(bk_len_we_reg), .cfg_bk_table(bk_table_reg),
            .cfg_bk_addr(bk_addr_reg), .cfg_bk_data(bk_data_reg), .cfg_bk_len(bk_data_reg[6:0]),
            .s_x(id_x[gi]), .s_null(id_null[gi]), .s_fill(id_fill[gi]), .s_lo(id_lo[gi]), .s_hi(id_hi[gi]),
            .s_shift(id_shift[gi]), .s_table(id_tab[gi]), .s_as_float(1'b1), .s_dtype(cfg_dense_dtype),
            .s_kind(id_kind[gi]), .s_tag(1'b0), .s_valid(iss_valid_reg), .s_ready(d_s_ready[gi]),
            .m_bits(d_bits[32*gi +: 32]), .m_tag(unused_tag), .m_valid(d_m_valid[gi]), .m_ready(fd_ready)
        );
    end
    for (gi = 0; gi < SP; gi = gi + 1) begin : gen_sparse
        wire unused_tag;
        sparse_bk_pe #(.NUM_TABLES(BK_TABLES), .MAX_BOUNDS(MAX_BOUNDS), .TAG_WIDTH(1)) u_pe (
            .clk(clk), .rst(rst),
            .cfg_bk_we(bk_we_reg), .cfg_bk_len_we(bk_len_we_reg), .cfg_bk_table(bk_table_reg),
            .cfg_bk_addr(bk_addr_reg), .cfg_bk_data(bk_data_reg), .cfg_bk_len(bk_data_reg[6:0]),
            .s_value(is_val[gi]), .s_null(is_null[gi]), .s_fill(is_fill[gi]), .s_bk_en(is_bk[gi]),
            .s_ifill(is_ifill[gi]), .s_lo(is_lo[gi]), .s_hi(is_hi[gi]), .s_shift(is_shift[gi]),
            .s_table(is_tab[gi]), .s_hash_en(is_hash[gi]), .s_salt(is_salt[gi]), .s_mod_en(is_mod[gi]),
            .s_m(is_m[gi]), .s_mu(is_mu[gi]), .s_tag(1'b0), .s_valid(iss_valid_reg), .s_ready(s_s_ready[gi]),
            .m_id(s_ids[64*gi +: 64]), .m_tag(unused_tag), .m_valid(s_m_valid[gi]), .m_ready(fs_ready)
        );
    end
endgenerate

int_to_f32 #(.IN_WIDTH(32), .FRAC_BITS(0), .SIGNED(1), .TAG_WIDTH(MW)) u_label (
    .clk(clk), .rst(rst),
    .s_value(im_label_reg), .s_tag(im_meta_reg), .s_valid(iss_valid_reg), .s_ready(m_s_ready),
    .m_f32(m_label), .m_tag(m_meta), .m_valid(m_m_valid), .m_ready(fm_ready)
);

// with the credit bound the FIFOs never fill, so every PE advances every cycle
assign pe_ready = &d_s_ready && &s_s_ready && m_s_ready;
wire unused_valid = &{1'b0, d_m_valid[DP-1:0], s_m_valid[SP-1:0]};

// ================================================================ slot FIFOs
wire [32*DP-1:0] q_dense;
wire [64*SP-1:0] q_sparse;
wire [MW+31:0]   q_meta;
wire             qd_valid, qs_valid, qm_valid;
localparam CRW = $clog2(CREDITS);
wire unused_fd_keep, unused_fd_last, unused_fd_user;
wire [CRW:0] unused_fd_level, fd_hwm;
wire unused_fs_keep, unused_fs_last, unused_fs_user;
wire [CRW:0] unused_fs_level, fs_hwm;
wire unused_fm_keep, unused_fm_last, unused_fm_user;
wire [CRW:0] unused_fm_level, fm_hwm;

axis_fifo #(.DEPTH(CREDITS), .KEEP_WIDTH(1), .DATA_WIDTH(32*DP), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0),
            .STATUS_ENABLE(1)) u_fd (
    .clk(clk), .rst(rst),
    .s_axis_tdata(d_bits), .s_axis_tkeep(1'b1), .s_axis_tvalid(d_m_valid[0]), .s_axis_tready(fd_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(q_dense), .m_axis_tkeep(unused_fd_keep), .m_axis_tvalid(qd_valid), .m_axis_tready(pop),
    .m_axis_tlast(unused_fd_last), .m_axis_tuser(unused_fd_user),
    .status_level(unused_fd_level), .status_high_water(fd_hwm), .status_hwm_clear(1'b0)
);

axis_fifo #(.DEPTH(CREDITS), .KEEP_WIDTH(1), .DATA_WIDTH(64*SP), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0),
            .STATUS_ENABLE(1)) u_fs (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_ids), .s_axis_tkeep(1'b1), .s_axis_tvalid(s_m_valid[0]), .s_axis_tready(fs_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(q_sparse), .m_axis_tkeep(unused_fs_keep), .m_axis_tvalid(qs_valid), .m_axis_tready(pop),
    .m_axis_tlast(unused_fs_last), .m_axis_tuser(unused_fs_user),
    .status_level(unused_fs_level), .status_high_water(fs_hwm), .status_hwm_clear(1'b0)
);

axis_fifo #(.DEPTH(CREDITS), .KEEP_WIDTH(1), .DATA_WIDTH(MW + 32), .KEEP_ENABLE(0), .LAST_ENABLE(0), .USER_ENABLE(0),
            .STATUS_ENABLE(1)) u_fm (
    .clk(clk), .rst(rst),
    .s_axis_tdata({m_meta, m_label}), .s_axis_tkeep(1'b1), .s_axis_tvalid(m_m_valid), .s_axis_tready(fm_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(q_meta), .m_axis_tkeep(unused_fm_keep), .m_axis_tvalid(qm_valid), .m_axis_tready(pop),
    .m_axis_tlast(unused_fm_last), .m_axis_tuser(unused_fm_user),
    .status_level(unused_fm_level), .status_high_water(fm_hwm), .status_hwm_clear(1'b0)
);

// slot FIFO high-water mark: max of the three, widened to 16 bits and saturated to 8
wire [CRW:0] fds_hwm = (fd_hwm > fs_hwm) ? fd_hwm : fs_hwm;
wire [CRW:0] f_hwm   = (fds_hwm > fm_hwm) ? fds_hwm : fm_hwm;
wire [15:0]  f_hwm16;
assign f_hwm16[CRW:0] = f_hwm;
assign f_hwm16[15:CRW+1] = {(15-CRW){1'b0}};
assign status_fifo_hwm = (f_hwm16 > 16'd255) ? 8'hff : f_hwm16[7:0];

// ================================================================ assemble into two word buffers
reg [31:0]  abuf [0:2*NWB-1];          // {buffer, word}
reg [1:0]   abuf_full_reg;
reg [15:0]  abuf_nw_reg [0:1];         // words of the row held
reg [3:0]   abuf_nb_reg [0:1];         // beats of the row held
reg         asm_sel_reg;

wire [31:0]  a_label = q_meta[31:0];
wire [47:0]  a_row   = q_meta[32 +: 48];
wire [7:0]   a_rsn   = q_meta[80 +: 8];
wire         a_tomb  = q_meta[88];
wire [KW-1:0] a_k    = q_meta[89 +: KW];
wire         a_last  = q_meta[89 + KW];
wire         a_first = q_meta[90 + KW];

assign pop = qm_valid && qd_valid && qs_valid && !abuf_full_reg[asm_sel_reg];

wire [31:0] a_k32 = {{(32-KW){1'b0}}, a_k};
wire [31:0] a_nw  = a_tomb ? 32'd2 : 32'd3 + n_dense + 32'd2 * n_sparse;
wire [31:0] a_nb  = (a_nw + 32'd31) >> 5;
wire [31:0] a_base = asm_sel_reg ? NWB : 32'd0;
wire unused_nb = &{1'b0, a_nb[31:4], a_nw[31:16]};

// word buffer index of every result of the slot at the head of the FIFOs
wire [ABAW-1:0] a_hdr [0:2];
wire            d_we   [0:DP-1];
wire [ABAW-1:0] d_widx [0:DP-1];
wire            s_we   [0:SP-1];
wire [ABAW-1:0] s_widx [0:SP-1];
generate
    for (gi = 0; gi < 3; gi = gi + 1) begin : gen_hdr
        wire [31:0] w = a_base + gi;
        assign a_hdr[gi] = w[ABAW-1:0];
        wire unused_w = &{1'b0, w[31:ABAW]};
    end
    for (gi = 0; gi < DP; gi = gi + 1) begin : gen_dw
        wire [31:0] j = a_k32 * DP + gi;
        wire [31:0] w = a_base + 32'd3 + j;
        assign d_we[gi] = !a_tomb && j < n_dense;
        assign d_widx[gi] = w[ABAW-1:0];
        wire unused_w = &{1'b0, w[31:ABAW]};
    end
    for (gi = 0; gi < SP; gi = gi + 1) begin : gen_sw
        wire [31:0] j = a_k32 * SP + gi;
        wire [31:0] w = a_base + 32'd3 + n_dense + 32'd2 * j;
        assign s_we[gi] = !a_tomb && j < n_sparse;
        assign s_widx[gi] = w[ABAW-1:0];
        wire unused_w = &{1'b0, w[31:ABAW]};
    end
endgenerate

always @(posedge clk) begin
    if (pop) begin
        if (a_first) begin
            abuf[a_hdr[0]] <= a_row[31:0];
            abuf[a_hdr[1]] <= {6'd0, !a_tomb, a_tomb, a_rsn, a_row[47:32]};
            abuf[a_hdr[2]] <= a_label;
        end
        for (p = 0; p < DP; p = p + 1)
            if (d_we[p]) abuf[d_widx[p]] <= q_dense[32*p +: 32];
        for (p = 0; p < SP; p = p + 1) begin
            if (s_we[p]) begin
                abuf[s_widx[p]]                      <= q_sparse[64*p +: 32];
                abuf[s_widx[p] + {{(ABAW-1){1'b0}}, 1'b1}] <= q_sparse[64*p + 32 +: 32];
            end
        end
        if (a_last) begin
            abuf_nw_reg[asm_sel_reg] <= a_nw[15:0];
            abuf_nb_reg[asm_sel_reg] <= a_nb[3:0];
        end
    end
end

// ================================================================ send
reg        snd_sel_reg;
reg [3:0]  snd_beat_reg;
reg [47:0] rows_out_reg;
wire       o_ready;
wire       o_valid = abuf_full_reg[snd_sel_reg];
wire       o_last  = (snd_beat_reg + 4'd1) == abuf_nb_reg[snd_sel_reg];
wire       o_fire  = o_valid && o_ready;

wire [1023:0] o_data;
wire [31:0]   o_base = (snd_sel_reg ? NWB : 32'd0) + {23'd0, snd_beat_reg, 5'd0};
wire [15:0]   o_nw   = abuf_nw_reg[snd_sel_reg];
generate
    for (gi = 0; gi < 32; gi = gi + 1) begin : gen_o
        wire [31:0] w = o_base + gi;
        wire        in_row = ({23'd0, snd_beat_reg, 5'd0} + gi) < {16'd0, o_nw};
        assign o_data[32*gi +: 32] = in_row ? abuf[w[ABAW-1:0]] : 32'd0;
        wire unused_w = &{1'b0, w[31:ABAW]};
    end
endgenerate

always @(posedge clk) begin
    if (pop && a_last) begin
        abuf_full_reg[asm_sel_reg] <= 1'b1;
        asm_sel_reg <= !asm_sel_reg;
    end
    if (o_fire) begin
        if (o_last) begin
            snd_beat_reg <= 4'd0;
            snd_sel_reg <= !snd_sel_reg;
            abuf_full_reg[snd_sel_reg] <= 1'b0;
            rows_out_reg <= rows_out_reg + 48'd1;
        end else begin
            snd_beat_reg <= snd_beat_reg + 4'd1;
        end
    end
    if (rst) begin
        abuf_full_reg <= 2'b00;
        asm_sel_reg <= 1'b0;
        snd_sel_reg <= 1'b0;
        snd_beat_reg <= 4'd0;
        rows_out_reg <= 48'd0;
    end
end
assign status_rows_out = rows_out_reg;

wire [127:0] unused_o_keep;
wire unused_o_user;

axis_register #(.DATA_WIDTH(1024), .KEEP_ENABLE(0), .LAST_ENABLE(1), .USER_ENABLE(0), .REG_TYPE(2)) u_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata(o_data), .s_axis_tkeep(128'd0), .s_axis_tvalid(o_valid), .s_axis_tready(o_ready),
    .s_axis_tlast(o_last), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(unused_o_keep), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_o_user)
);
assign m_axis_tkeep = {128{1'b1}};
assign m_axis_tuser = 1'b0;

endmodule

`resetall
