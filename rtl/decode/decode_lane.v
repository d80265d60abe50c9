// SPDX-License-Identifier: Apache-2.0
// Sluice decode: one delimited-text decode lane (docs/spec/decode.md rules,
// architecture in docs/spec/decode_rtl.md).
//
// Input: AXI-Stream text, LANE_BYTES bytes per beat, byte 0 first. tkeep must be
// contiguous from byte 0 (only the tlast beat may be partial). s_axis_tlast marks
// the last beat of a STREAM: after its bytes the lane acts as if an LF followed
// (a pending final row is processed, a final CR removed), then re-arms the header
// skip and restarts data-row numbering at 0 for the next stream.
//
// Output: the DecodedRecord stream (docs/formats/records.md, models/records.py):
// per data row a header beat + ceil(n_columns / FIELDS_PER_BEAT) value beats, or a
// one-beat tombstone for a dropped row, in input order.
//
// Per cycle the lane runs a chain of W + 1 decode_step instances over the whole beat
// (step W = end of stream): every byte of the beat is classified and folded into the
// current field's state; any number of delimiters (fields) per beat are finished in
// the same cycle. At most one data row may END per cycle, and only when the row
// emitter can take the row; a beat that holds a second row end is finished in a
// further cycle (the input is stalled, pos_reg remembers where to resume).
//
// Configuration: plain input ports cfg_*, which must be stable while a stream is
// in flight (the AXI-Lite CSR slave drives them later).
//
// STR columns: a non-null STR field's value is XXH64(field bytes, seed 0). The chain
// copies every field's bytes into a 256-byte field buffer; at the end of a non-null
// STR field it hands the buffer to the lane's hashing unit (xxh64_str, one string in
// flight). A second such field end while the unit is busy stalls the chain at that
// byte (like a second row end). The result is written into the open row's value
// register, or, if the row has already gone to the emitter, into the emitter, which
// holds the row until then. status_str_fields counts the hashed STR fields.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: LANE_BYTES=16
// lint-params: LANE_BYTES=32 FIELDS_PER_BEAT=16
// Synthesis: the defaults (LANE_BYTES=8), hierarchical (one decode_step mapped once, W + 1 instances):
// synth-flags: -hier

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_lane #(
    // W: input bytes per beat (8, 16 or 32)
    parameter LANE_BYTES      = 8,
    // K: 64-bit value slots per output beat (power of two, 2..16)
    parameter FIELDS_PER_BEAT = 8,
    // Width of every status_* counter
    parameter COUNTER_WIDTH   = 48
) (
    input  wire                          clk,
    input  wire                          rst,

    // text input
    input  wire [8*LANE_BYTES-1:0]       s_axis_tdata,
    input  wire [LANE_BYTES-1:0]         s_axis_tkeep,
    input  wire                          s_axis_tvalid,
    output wire                          s_axis_tready,
    input  wire                          s_axis_tlast,
    input  wire [0:0]                    s_axis_tuser,

    // DecodedRecord output
    output wire [64*FIELDS_PER_BEAT-1:0] m_axis_tdata,
    output wire [8*FIELDS_PER_BEAT-1:0]  m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [0:0]                    m_axis_tuser,

    // configuration (stable while a stream is in flight)
    input  wire [7:0]                    cfg_delimiter,      // field delimiter byte
    input  wire [15:0]                   cfg_header_lines,   // lines skipped at the start of each stream
    input  wire                          cfg_policy,         // 0 DROP, 1 NULL (models.schema.BadRowPolicy)
    input  wire [7:0]                    cfg_max_field_bytes,// 1..255; longer fields are OVERLONG
    input  wire [6:0]                    cfg_n_columns,      // 1..64 (0 acts as 1, >64 as 64)
    input  wire [3*64-1:0]               cfg_kinds,          // column c kind at [3c+2:3c] (ColumnKind; 5..7 act as SKIP)

    // counters (models.schema.DecodeCounters), cleared by rst only
    output wire [COUNTER_WIDTH-1:0]      status_rows_in,
    output wire [COUNTER_WIDTH-1:0]      status_rows_out,
    output wire [COUNTER_WIDTH-1:0]      status_rows_dropped,
    output wire [COUNTER_WIDTH-1:0]      status_empty_lines,
    output wire [COUNTER_WIDTH-1:0]      status_header_lines,
    output wire [COUNTER_WIDTH-1:0]      status_rows_short,
    output wire [COUNTER_WIDTH-1:0]      status_fields_nulled,
    output wire [COUNTER_WIDTH-1:0]      status_bytes_in,
    output wire [COUNTER_WIDTH-1:0]      status_err_extra_fields,
    output wire [COUNTER_WIDTH-1:0]      status_err_bad_char,
    output wire [COUNTER_WIDTH-1:0]      status_err_overflow,
    output wire [COUNTER_WIDTH-1:0]      status_err_overlong,
    output wire [COUNTER_WIDTH-1:0]      status_err_binary,
    output wire [COUNTER_WIDTH-1:0]      status_str_fields   // non-null STR fields (each hashed by xxh64_str)
);

localparam W = LANE_BYTES;
localparam [7:0] LF = 8'h0A;
localparam [2:0] K_STR = 3'd3;
localparam [2:0] RSN_OK = 3'd0, RSN_EXTRA = 3'd1, RSN_BAD_CHAR = 3'd2, RSN_OVERFLOW = 3'd3,
                 RSN_OVERLONG = 3'd4, RSN_BINARY = 3'd5;
localparam CW = COUNTER_WIDTH;

initial begin
    if (LANE_BYTES != 8 && LANE_BYTES != 16 && LANE_BYTES != 32) begin
        $error("Error: LANE_BYTES must be 8, 16 or 32 (instance %m)");
        $finish;
    end
    if (COUNTER_WIDTH < 32 || COUNTER_WIDTH > 64) begin
        $error("Error: COUNTER_WIDTH must be in 32..64 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tuser};

// ---------------------------------------------------------------- input skid buffer
wire [8*W-1:0] in_data;
wire [W-1:0]   in_keep;
wire           in_valid;
wire           in_last;
wire [0:0]     in_user_unused;
reg            in_accept;

axis_register #(
    .DATA_WIDTH(8 * W),
    .KEEP_ENABLE(1),
    .KEEP_WIDTH(W),
    .LAST_ENABLE(1),
    .USER_ENABLE(0),
    .REG_TYPE(2)
) in_reg (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tkeep(s_axis_tkeep),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .s_axis_tuser(1'b0),
    .m_axis_tdata(in_data),
    .m_axis_tkeep(in_keep),
    .m_axis_tvalid(in_valid),
    .m_axis_tready(in_accept),
    .m_axis_tlast(in_last),
    .m_axis_tuser(in_user_unused)
);

// ---------------------------------------------------------------- configuration
wire [6:0]  n_cols = (cfg_n_columns == 7'd0) ? 7'd1 : (cfg_n_columns > 7'd64 ? 7'd64 : cfg_n_columns);
wire [6:0]  last_col = n_cols - 7'd1;
reg  [63:0] col_mask;  // bit c set for c < n_cols
integer     mi;
always @* begin
    for (mi = 0; mi < 64; mi = mi + 1) col_mask[mi] = (mi < n_cols);
end
wire [6:0]  vbeats_full = (n_cols + FIELDS_PER_BEAT[6:0] - 7'd1) / FIELDS_PER_BEAT[6:0];
wire [3:0]  n_value_beats = vbeats_full[3:0];
wire [2:0]  unused_vbeats = vbeats_full[6:4];
reg  [63:0] str_mask;  // bit c set when column c is STR
integer     ki;
always @* begin
    for (ki = 0; ki < 64; ki = ki + 1) str_mask[ki] = (cfg_kinds[3*ki +: 3] == K_STR);
end

// ---------------------------------------------------------------- state
reg [5:0]        pos_reg;          // first unprocessed byte of the held beat (W = only EOS pending)
reg [15:0]       hdr_seen_reg;     // header lines consumed in this stream
reg [47:0]       row_num_reg;      // data-row number of the current row
reg              line_started_reg; // any byte (CR included) since the last LF
reg              line_nonempty_reg;// any byte other than a CRLF CR since the last LF
reg              pend_cr_reg;      // the beat ended in a CR whose successor is unknown yet
reg [5:0]        col_reg;          // current column (< n_cols)
reg              extra_reg;        // in the extra region (after the n_cols-th delimiter)
reg              row_bad_reg;      // a column field of this row was bad
reg [2:0]        row_reason_reg;   // reason of the first bad column field
reg [63:0]       nullm_reg;        // null mask of the row so far (1 = null / not seen)
reg [64*64-1:0]  vals_reg;         // values of the row so far (data, not reset)
// current field
reg [8:0]        flen_reg;         // bytes so far, saturating at 256
reg              fbin_reg, fnotdec_reg, fnothex_reg, fsigned_reg, fneg_reg, fhbig_reg;
reg [35:0]       fdacc_reg;        // decimal magnitude, frozen once > 2^31
reg [63:0]       fhacc_reg;        // hex value (low 64 bits)
reg [8*256-1:0]  sbuf_reg;         // bytes of the current field, byte j at [8j +: 8] (data, not reset)
// STR hashing: one field in the hashing unit at a time
reg              hash_busy_reg;    // a field was handed to the unit and its result is not back yet
reg              hash_in_emit_reg; // that field's row has ended: the result goes to the emitter

// counters
reg [CW-1:0] c_rows_in, c_rows_out, c_rows_dropped, c_empty, c_header, c_short, c_nulled, c_bytes;
reg [CW-1:0] c_err_extra, c_err_bad_char, c_err_overflow, c_err_overlong, c_err_binary, c_str;

// ---------------------------------------------------------------- byte chain
// W + 1 decode_step instances in a row (step W = end of stream). Step i's state outputs are wires of
// its own generate block (g_step[i].*_o); step 0 starts from the registers, step i > 0 from step i - 1.
// (One vector per state variable sliced per step would look like a combinational loop to Verilator.)
wire             emit_ready;       // the row emitter takes a row this cycle
wire [8*W+7:0]   data_ext = {8'd0, in_data};
wire [W:0]       keep_ext = {1'b0, in_keep};

wire [W:0]        fe_we;            // a column field ended at step i
wire [6*(W+1)-1:0] fe_col;          // its column
wire [64*(W+1)-1:0] fe_val;         // its value (0 if null)
wire [W:0]        fe_pre;           // it belongs to the row that ends this cycle (or to the open row)
wire [W:0]        sb_we;            // step i writes a byte of the current field into the field buffer
wire [8*(W+1)-1:0] sb_idx;          // at this index
wire [8*(W+1)-1:0] sb_byte;         // this byte

genvar i;
generate
    for (i = 0; i <= W; i = i + 1) begin : g_step
        localparam [5:0] IDX = i;
        wire       avail, nxt_ok, nxt_lf;
        wire [7:0] byte_i;
        if (i < W) begin : g_byte
            assign avail = in_valid && (IDX >= pos_reg) && keep_ext[i];
            assign byte_i = data_ext[8*i +: 8];
            assign nxt_ok = keep_ext[i + 1];
            assign nxt_lf = nxt_ok && (data_ext[8*(i + 1) +: 8] == LF);
        end else begin : g_eos
            assign avail = in_valid && in_last;   // the end-of-stream step (acts as LF)
            assign byte_i = LF;
            assign nxt_ok = 1'b0;
            assign nxt_lf = 1'b0;
        end
        wire        stop_i, stop_o;
        wire        row_done_i, row_done_o;
        wire [5:0]  pos_i, pos_o;
        wire [15:0] hdr_seen_i, hdr_seen_o;
        wire [47:0] row_num_i, row_num_o;
        wire        line_started_i, line_started_o;
        wire        line_nonempty_i, line_nonempty_o;
        wire        pend_cr_i, pend_cr_o;
        wire [5:0]  col_i, col_o;
        wire        extra_i, extra_o;
        wire        row_bad_i, row_bad_o;
        wire [2:0]  row_reason_i, row_reason_o;
        wire [63:0] nullm_i, nullm_o;
        wire [8:0]  flen_i, flen_o;
        wire        fbin_i, fbin_o;
        wire        fnotdec_i, fnotdec_o;
        wire        fnothex_i, fnothex_o;
        wire        fsigned_i, fsigned_o;
        wire        fneg_i, fneg_o;
        wire        fhbig_i, fhbig_o;
        wire [35:0] fdacc_i, fdacc_o;
        wire [63:0] fhacc_i, fhacc_o;
        wire        hs_valid_i, hs_valid_o;
        wire        hs_pre_i, hs_pre_o;
        wire [7:0]  hs_len_i, hs_len_o;
        wire [5:0]  hs_col_i, hs_col_o;
        wire [5:0]  hs_step_i, hs_step_o;
        wire        inc_row_i, inc_row_o;
        wire        inc_out_i, inc_out_o;
        wire        inc_drop_i, inc_drop_o;
        wire        inc_short_i, inc_short_o;
        wire [2:0]  inc_reason_i, inc_reason_o;
        wire [5:0]  inc_empty_i, inc_empty_o;
        wire [5:0]  inc_header_i, inc_header_o;
        wire [5:0]  inc_nulled_i, inc_nulled_o;
        wire [5:0]  inc_str_i, inc_str_o;
        wire [5:0]  inc_bytes_i, inc_bytes_o;
        wire        emit_valid_i, emit_valid_o;
        wire [47:0] emit_number_i, emit_number_o;
        wire [7:0]  emit_reason_i, emit_reason_o;
        wire        emit_tomb_i, emit_tomb_o;
        wire [63:0] emit_nullm_i, emit_nullm_o;
        wire [63:0] emit_nullfull_i, emit_nullfull_o;
        if (i == 0) begin : g_from_regs
            assign stop_i = 1'b0;
            assign row_done_i = 1'b0;
            assign pos_i = pos_reg;
            assign hdr_seen_i = hdr_seen_reg;
            assign row_num_i = row_num_reg;
            assign line_started_i = line_started_reg;
            assign line_nonempty_i = line_nonempty_reg;
            assign pend_cr_i = pend_cr_reg;
            assign col_i = col_reg;
            assign extra_i = extra_reg;
            assign row_bad_i = row_bad_reg;
            assign row_reason_i = row_reason_reg;
            assign nullm_i = nullm_reg;
            assign flen_i = flen_reg;
            assign fbin_i = fbin_reg;
            assign fnotdec_i = fnotdec_reg;
            assign fnothex_i = fnothex_reg;
            assign fsigned_i = fsigned_reg;
            assign fneg_i = fneg_reg;
            assign fhbig_i = fhbig_reg;
            assign fdacc_i = fdacc_reg;
            assign fhacc_i = fhacc_reg;
            assign hs_valid_i = 1'b0;
            assign hs_pre_i = 1'b0;
            assign hs_len_i = 8'd0;
            assign hs_col_i = 6'd0;
            assign hs_step_i = 6'd0;
            assign inc_row_i = 1'b0;
            assign inc_out_i = 1'b0;
            assign inc_drop_i = 1'b0;
            assign inc_short_i = 1'b0;
            assign inc_reason_i = 3'd0;
            assign inc_empty_i = 6'd0;
            assign inc_header_i = 6'd0;
            assign inc_nulled_i = 6'd0;
            assign inc_str_i = 6'd0;
            assign inc_bytes_i = 6'd0;
            assign emit_valid_i = 1'b0;
            assign emit_number_i = row_num_reg;
            assign emit_reason_i = 8'd0;
            assign emit_tomb_i = 1'b0;
            assign emit_nullm_i = 64'd0;
            assign emit_nullfull_i = nullm_reg;
        end else begin : g_from_prev
            assign stop_i = g_step[i-1].stop_o;
            assign row_done_i = g_step[i-1].row_done_o;
            assign pos_i = g_step[i-1].pos_o;
            assign hdr_seen_i = g_step[i-1].hdr_seen_o;
            assign row_num_i = g_step[i-1].row_num_o;
            assign line_started_i = g_step[i-1].line_started_o;
            assign line_nonempty_i = g_step[i-1].line_nonempty_o;
            assign pend_cr_i = g_step[i-1].pend_cr_o;
            assign col_i = g_step[i-1].col_o;
            assign extra_i = g_step[i-1].extra_o;
            assign row_bad_i = g_step[i-1].row_bad_o;
            assign row_reason_i = g_step[i-1].row_reason_o;
            assign nullm_i = g_step[i-1].nullm_o;
            assign flen_i = g_step[i-1].flen_o;
            assign fbin_i = g_step[i-1].fbin_o;
            assign fnotdec_i = g_step[i-1].fnotdec_o;
            assign fnothex_i = g_step[i-1].fnothex_o;
            assign fsigned_i = g_step[i-1].fsigned_o;
            assign fneg_i = g_step[i-1].fneg_o;
            assign fhbig_i = g_step[i-1].fhbig_o;
            assign fdacc_i = g_step[i-1].fdacc_o;
            assign fhacc_i = g_step[i-1].fhacc_o;
            assign hs_valid_i = g_step[i-1].hs_valid_o;
            assign hs_pre_i = g_step[i-1].hs_pre_o;
            assign hs_len_i = g_step[i-1].hs_len_o;
            assign hs_col_i = g_step[i-1].hs_col_o;
            assign hs_step_i = g_step[i-1].hs_step_o;
            assign inc_row_i = g_step[i-1].inc_row_o;
            assign inc_out_i = g_step[i-1].inc_out_o;
            assign inc_drop_i = g_step[i-1].inc_drop_o;
            assign inc_short_i = g_step[i-1].inc_short_o;
            assign inc_reason_i = g_step[i-1].inc_reason_o;
            assign inc_empty_i = g_step[i-1].inc_empty_o;
            assign inc_header_i = g_step[i-1].inc_header_o;
            assign inc_nulled_i = g_step[i-1].inc_nulled_o;
            assign inc_str_i = g_step[i-1].inc_str_o;
            assign inc_bytes_i = g_step[i-1].inc_bytes_o;
            assign emit_valid_i = g_step[i-1].emit_valid_o;
            assign emit_number_i = g_step[i-1].emit_number_o;
            assign emit_reason_i = g_step[i-1].emit_reason_o;
            assign emit_tomb_i = g_step[i-1].emit_tomb_o;
            assign emit_nullm_i = g_step[i-1].emit_nullm_o;
            assign emit_nullfull_i = g_step[i-1].emit_nullfull_o;
        end
        decode_step step (
        .step_idx(IDX),
        .is_eos(i == W),
        .avail(avail),
        .b_in(byte_i),
        .nxt_ok(nxt_ok),
        .nxt_lf(nxt_lf),
        .hash_busy(hash_busy_reg),
        .emit_ready(emit_ready),
        .cfg_header_lines(cfg_header_lines),
        .cfg_delimiter(cfg_delimiter),
        .cfg_max_field_bytes(cfg_max_field_bytes),
        .cfg_policy(cfg_policy),
        .cfg_kinds(cfg_kinds),
        .str_mask(str_mask),
        .last_col(last_col),
        .col_mask(col_mask),
        .stop_i(stop_i),
        .row_done_i(row_done_i),
        .pos_i(pos_i),
        .hdr_seen_i(hdr_seen_i),
        .row_num_i(row_num_i),
        .line_started_i(line_started_i),
        .line_nonempty_i(line_nonempty_i),
        .pend_cr_i(pend_cr_i),
        .col_i(col_i),
        .extra_i(extra_i),
        .row_bad_i(row_bad_i),
        .row_reason_i(row_reason_i),
        .nullm_i(nullm_i),
        .flen_i(flen_i),
        .fbin_i(fbin_i),
        .fnotdec_i(fnotdec_i),
        .fnothex_i(fnothex_i),
        .fsigned_i(fsigned_i),
        .fneg_i(fneg_i),
        .fhbig_i(fhbig_i),
        .fdacc_i(fdacc_i),
        .fhacc_i(fhacc_i),
        .hs_valid_i(hs_valid_i),
        .hs_pre_i(hs_pre_i),
        .hs_len_i(hs_len_i),
        .hs_col_i(hs_col_i),
        .hs_step_i(hs_step_i),
        .inc_row_i(inc_row_i),
        .inc_out_i(inc_out_i),
        .inc_drop_i(inc_drop_i),
        .inc_short_i(inc_short_i),
        .inc_reason_i(inc_reason_i),
        .inc_empty_i(inc_empty_i),
        .inc_header_i(inc_header_i),
        .inc_nulled_i(inc_nulled_i),
        .inc_str_i(inc_str_i),
        .inc_bytes_i(inc_bytes_i),
        .emit_valid_i(emit_valid_i),
        .emit_number_i(emit_number_i),
        .emit_reason_i(emit_reason_i),
        .emit_tomb_i(emit_tomb_i),
        .emit_nullm_i(emit_nullm_i),
        .emit_nullfull_i(emit_nullfull_i),
        .stop_o(stop_o),
        .row_done_o(row_done_o),
        .pos_o(pos_o),
        .hdr_seen_o(hdr_seen_o),
        .row_num_o(row_num_o),
        .line_started_o(line_started_o),
        .line_nonempty_o(line_nonempty_o),
        .pend_cr_o(pend_cr_o),
        .col_o(col_o),
        .extra_o(extra_o),
        .row_bad_o(row_bad_o),
        .row_reason_o(row_reason_o),
        .nullm_o(nullm_o),
        .flen_o(flen_o),
        .fbin_o(fbin_o),
        .fnotdec_o(fnotdec_o),
        .fnothex_o(fnothex_o),
        .fsigned_o(fsigned_o),
        .fneg_o(fneg_o),
        .fhbig_o(fhbig_o),
        .fdacc_o(fdacc_o),
        .fhacc_o(fhacc_o),
        .hs_valid_o(hs_valid_o),
        .hs_pre_o(hs_pre_o),
        .hs_len_o(hs_len_o),
        .hs_col_o(hs_col_o),
        .hs_step_o(hs_step_o),
        .inc_row_o(inc_row_o),
        .inc_out_o(inc_out_o),
        .inc_drop_o(inc_drop_o),
        .inc_short_o(inc_short_o),
        .inc_reason_o(inc_reason_o),
        .inc_empty_o(inc_empty_o),
        .inc_header_o(inc_header_o),
        .inc_nulled_o(inc_nulled_o),
        .inc_str_o(inc_str_o),
        .inc_bytes_o(inc_bytes_o),
        .emit_valid_o(emit_valid_o),
        .emit_number_o(emit_number_o),
        .emit_reason_o(emit_reason_o),
        .emit_tomb_o(emit_tomb_o),
        .emit_nullm_o(emit_nullm_o),
        .emit_nullfull_o(emit_nullfull_o),
        .fe_we(fe_we[i]),
        .fe_col(fe_col[6*i +: 6]),
        .fe_val(fe_val[64*i +: 64]),
        .fe_pre(fe_pre[i]),
        .sb_we(sb_we[i]),
        .sb_idx(sb_idx[8*i +: 8]),
        .sb_byte(sb_byte[8*i +: 8])
        );
    end
endgenerate

// the state after the last step
wire [0:0]   stop_e = g_step[W].stop_o;
wire [0:0]   row_done_e = g_step[W].row_done_o;
wire [5:0]   pos_e = g_step[W].pos_o;
wire [15:0]  hdr_seen_e = g_step[W].hdr_seen_o;
wire [47:0]  row_num_e = g_step[W].row_num_o;
wire [0:0]   line_started_e = g_step[W].line_started_o;
wire [0:0]   line_nonempty_e = g_step[W].line_nonempty_o;
wire [0:0]   pend_cr_e = g_step[W].pend_cr_o;
wire [5:0]   col_e = g_step[W].col_o;
wire [0:0]   extra_e = g_step[W].extra_o;
wire [0:0]   row_bad_e = g_step[W].row_bad_o;
wire [2:0]   row_reason_e = g_step[W].row_reason_o;
wire [63:0]  nullm_e = g_step[W].nullm_o;
wire [8:0]   flen_e = g_step[W].flen_o;
wire [0:0]   fbin_e = g_step[W].fbin_o;
wire [0:0]   fnotdec_e = g_step[W].fnotdec_o;
wire [0:0]   fnothex_e = g_step[W].fnothex_o;
wire [0:0]   fsigned_e = g_step[W].fsigned_o;
wire [0:0]   fneg_e = g_step[W].fneg_o;
wire [0:0]   fhbig_e = g_step[W].fhbig_o;
wire [35:0]  fdacc_e = g_step[W].fdacc_o;
wire [63:0]  fhacc_e = g_step[W].fhacc_o;
wire [0:0]   hs_valid_e = g_step[W].hs_valid_o;
wire [0:0]   hs_pre_e = g_step[W].hs_pre_o;
wire [7:0]   hs_len_e = g_step[W].hs_len_o;
wire [5:0]   hs_col_e = g_step[W].hs_col_o;
wire [5:0]   hs_step_e = g_step[W].hs_step_o;
wire [0:0]   inc_row_e = g_step[W].inc_row_o;
wire [0:0]   inc_out_e = g_step[W].inc_out_o;
wire [0:0]   inc_drop_e = g_step[W].inc_drop_o;
wire [0:0]   inc_short_e = g_step[W].inc_short_o;
wire [2:0]   inc_reason_e = g_step[W].inc_reason_o;
wire [5:0]   inc_empty_e = g_step[W].inc_empty_o;
wire [5:0]   inc_header_e = g_step[W].inc_header_o;
wire [5:0]   inc_nulled_e = g_step[W].inc_nulled_o;
wire [5:0]   inc_str_e = g_step[W].inc_str_o;
wire [5:0]   inc_bytes_e = g_step[W].inc_bytes_o;
wire [0:0]   emit_valid_e = g_step[W].emit_valid_o;
wire [47:0]  emit_number_e = g_step[W].emit_number_o;
wire [7:0]   emit_reason_e = g_step[W].emit_reason_o;
wire [0:0]   emit_tomb_e = g_step[W].emit_tomb_o;
wire [63:0]  emit_nullm_e = g_step[W].emit_nullm_o;
wire [63:0]  emit_nullfull_e = g_step[W].emit_nullfull_o;

wire             stop = stop_e;
wire             hs_valid = hs_valid_e;
wire             hs_pre = hs_pre_e;
wire [7:0]       hs_len = hs_len_e;
wire [5:0]       hs_col = hs_col_e;
wire             inc_row = inc_row_e, inc_out = inc_out_e, inc_drop = inc_drop_e, inc_short = inc_short_e;
wire [2:0]       inc_reason = inc_reason_e;
wire [5:0]       inc_empty = inc_empty_e, inc_header = inc_header_e, inc_nulled = inc_nulled_e;
wire [5:0]       inc_str = inc_str_e, inc_bytes = inc_bytes_e;
wire             emit_valid = emit_valid_e;
wire [47:0]      emit_number = emit_number_e;
wire [7:0]       emit_reason = emit_reason_e;
wire             emit_tomb = emit_tomb_e;
wire [63:0]      emit_nullm = emit_nullm_e;
wire [63:0]      emit_nullfull = emit_nullfull_e;   // null mask at the row end, 1 beyond n_cols too
wire             unused_chain = &{1'b0, row_done_e};
reg  [64*64-1:0] emit_vals;        // values of the finished row, null / absent columns zeroed

// register inputs: the chain's end state; a beat taken whole resumes at byte 0 (a tlast beat also
// re-arms the header skip and restarts row numbering)
reg [5:0]        pos_n;
reg [15:0]       hdr_seen_n;
reg [47:0]       row_num_n;
reg              pend_cr_n;
always @* begin
    in_accept = in_valid && !stop;
    pos_n = pos_e;
    hdr_seen_n = hdr_seen_e;
    row_num_n = row_num_e;
    pend_cr_n = pend_cr_e;
    if (in_valid && !stop) begin
        pos_n = 6'd0;
        if (in_last) begin
            hdr_seen_n = 16'd0;
            row_num_n = 48'd0;
            pend_cr_n = 1'b0;
        end
    end
end

// Field buffer: the chain's byte writes in step order. The STR field handed off at step hs_step is the
// buffer with the writes of the steps before it (its own step is a delimiter / LF and writes nothing).
reg [8*256-1:0]  sbuf_n;
reg [8*256-1:0]  hs_data;
integer          sj;
always @* begin
    sbuf_n = sbuf_reg;
    hs_data = sbuf_reg;
    for (sj = 0; sj <= W; sj = sj + 1) begin
        if (sb_we[sj]) begin
            sbuf_n[8*sb_idx[8*sj +: 8] +: 8] = sb_byte[8*sj +: 8];
            if (sj < hs_step_e) hs_data[8*sb_idx[8*sj +: 8] +: 8] = sb_byte[8*sj +: 8];
        end
    end
end

// ---------------------------------------------------------------- STR hashing unit
wire [63:0] hr_hash;
wire [5:0]  hr_col;
wire        hr_valid;
wire        hs_ready_unused;

xxh64_str #(
    .MAX_BYTES(256),
    .TAG_WIDTH(6)
) str_hash (
    .clk(clk),
    .rst(rst),
    .s_data(hs_data),
    .s_len({1'b0, hs_len}),
    .s_seed(64'd0),
    .s_tag(hs_col),
    .s_valid(hs_valid),
    .s_ready(hs_ready_unused),   // idle whenever !hash_busy_reg (the lane tracks it)
    .m_hash(hr_hash),
    .m_tag(hr_col),
    .m_valid(hr_valid),
    .m_ready(1'b1)
);

// the result of a field of the open row goes into the value registers (and into the
// snapshot if the row ends this cycle); that of a row already in the emitter, there
wire        hr_to_vals = hr_valid && !hash_in_emit_reg;
wire        hr_to_emit = hr_valid && hash_in_emit_reg;
// the row ending this cycle still waits for a hash (handed off earlier or this cycle)
wire        emit_hash_pending = (hash_busy_reg && !hash_in_emit_reg && !hr_valid) || (hs_valid && hs_pre);
reg         hash_busy_n, hash_in_emit_n;
always @* begin
    hash_busy_n = hash_busy_reg;
    hash_in_emit_n = hash_in_emit_reg;
    if (hs_valid) begin
        hash_busy_n = 1'b1;
        hash_in_emit_n = hs_pre && emit_valid;
    end else if (hr_valid) begin
        hash_busy_n = 1'b0;
        hash_in_emit_n = 1'b0;
    end else if (emit_valid && hash_busy_reg) begin
        hash_in_emit_n = 1'b1;
    end
end

// Value registers: every column takes the last value the chain wrote to it this cycle;
// the finished row's snapshot takes only the writes of the steps up to its LF. A hash
// result of the open row is older than any chain write of this cycle.
reg [64*64-1:0] vals_n;           // value registers after this cycle's chain writes
reg [63:0]      vn_a [0:63];      // the same, per column (indexed writes: see the field buffer)
reg [63:0]      vs_a [0:63];      // the finished row's values before null / absent zeroing
integer         vc, vs;
always @* begin
    for (vc = 0; vc < 64; vc = vc + 1) vn_a[vc] = vals_reg[64*vc +: 64];
    if (hr_to_vals) vn_a[hr_col] = hr_hash;
    for (vc = 0; vc < 64; vc = vc + 1) vs_a[vc] = vn_a[vc];
    for (vs = 0; vs <= W; vs = vs + 1) begin
        if (fe_we[vs]) begin
            vn_a[fe_col[6*vs +: 6]] = fe_val[64*vs +: 64];
            if (fe_pre[vs]) vs_a[fe_col[6*vs +: 6]] = fe_val[64*vs +: 64];
        end
    end
    for (vc = 0; vc < 64; vc = vc + 1) begin
        vals_n[64*vc +: 64] = vn_a[vc];
        emit_vals[64*vc +: 64] = emit_nullfull[vc] ? 64'd0 : vs_a[vc];
    end
end

always @(posedge clk) begin
    pos_reg <= pos_n;
    hdr_seen_reg <= hdr_seen_n;
    row_num_reg <= row_num_n;
    line_started_reg <= line_started_e;
    line_nonempty_reg <= line_nonempty_e;
    pend_cr_reg <= pend_cr_n;
    col_reg <= col_e;
    extra_reg <= extra_e;
    row_bad_reg <= row_bad_e;
    row_reason_reg <= row_reason_e;
    nullm_reg <= nullm_e;
    vals_reg <= vals_n;
    flen_reg <= flen_e;
    fbin_reg <= fbin_e; fnotdec_reg <= fnotdec_e; fnothex_reg <= fnothex_e;
    fsigned_reg <= fsigned_e; fneg_reg <= fneg_e; fhbig_reg <= fhbig_e;
    fdacc_reg <= fdacc_e; fhacc_reg <= fhacc_e;
    sbuf_reg <= sbuf_n;
    hash_busy_reg <= hash_busy_n;
    hash_in_emit_reg <= hash_in_emit_n;

    c_rows_in <= c_rows_in + {{(CW-1){1'b0}}, inc_row};
    c_rows_out <= c_rows_out + {{(CW-1){1'b0}}, inc_row & inc_out};
    c_rows_dropped <= c_rows_dropped + {{(CW-1){1'b0}}, inc_row & inc_drop};
    c_short <= c_short + {{(CW-1){1'b0}}, inc_row & inc_short};
    c_empty <= c_empty + {{(CW-6){1'b0}}, inc_empty};
    c_header <= c_header + {{(CW-6){1'b0}}, inc_header};
    c_nulled <= c_nulled + {{(CW-6){1'b0}}, inc_nulled};
    c_str <= c_str + {{(CW-6){1'b0}}, inc_str};
    c_bytes <= c_bytes + {{(CW-6){1'b0}}, inc_bytes};
    c_err_extra <= c_err_extra + {{(CW-1){1'b0}}, inc_row && inc_reason == RSN_EXTRA};
    c_err_bad_char <= c_err_bad_char + {{(CW-1){1'b0}}, inc_row && inc_reason == RSN_BAD_CHAR};
    c_err_overflow <= c_err_overflow + {{(CW-1){1'b0}}, inc_row && inc_reason == RSN_OVERFLOW};
    c_err_overlong <= c_err_overlong + {{(CW-1){1'b0}}, inc_row && inc_reason == RSN_OVERLONG};
    c_err_binary <= c_err_binary + {{(CW-1){1'b0}}, inc_row && inc_reason == RSN_BINARY};

    if (rst) begin
        pos_reg <= 6'd0;
        hdr_seen_reg <= 16'd0;
        row_num_reg <= 48'd0;
        line_started_reg <= 1'b0;
        line_nonempty_reg <= 1'b0;
        pend_cr_reg <= 1'b0;
        col_reg <= 6'd0;
        extra_reg <= 1'b0;
        row_bad_reg <= 1'b0;
        row_reason_reg <= RSN_OK;
        nullm_reg <= {64{1'b1}};
        flen_reg <= 9'd0;
        fbin_reg <= 1'b0; fnotdec_reg <= 1'b0; fnothex_reg <= 1'b0;
        fsigned_reg <= 1'b0; fneg_reg <= 1'b0; fhbig_reg <= 1'b0;
        fdacc_reg <= 36'd0; fhacc_reg <= 64'd0;
        hash_busy_reg <= 1'b0;
        hash_in_emit_reg <= 1'b0;
        c_rows_in <= {CW{1'b0}}; c_rows_out <= {CW{1'b0}}; c_rows_dropped <= {CW{1'b0}};
        c_short <= {CW{1'b0}}; c_empty <= {CW{1'b0}}; c_header <= {CW{1'b0}};
        c_nulled <= {CW{1'b0}}; c_str <= {CW{1'b0}}; c_bytes <= {CW{1'b0}};
        c_err_extra <= {CW{1'b0}}; c_err_bad_char <= {CW{1'b0}}; c_err_overflow <= {CW{1'b0}};
        c_err_overlong <= {CW{1'b0}}; c_err_binary <= {CW{1'b0}};
    end
end

assign status_rows_in = c_rows_in;
assign status_rows_out = c_rows_out;
assign status_rows_dropped = c_rows_dropped;
assign status_empty_lines = c_empty;
assign status_header_lines = c_header;
assign status_rows_short = c_short;
assign status_fields_nulled = c_nulled;
assign status_bytes_in = c_bytes;
assign status_err_extra_fields = c_err_extra;
assign status_err_bad_char = c_err_bad_char;
assign status_err_overflow = c_err_overflow;
assign status_err_overlong = c_err_overlong;
assign status_err_binary = c_err_binary;
assign status_str_fields = c_str;

// ---------------------------------------------------------------- row emitter
decode_row_emit #(
    .FIELDS_PER_BEAT(FIELDS_PER_BEAT)
) emit (
    .clk(clk),
    .rst(rst),
    .row_valid(emit_valid),
    .row_ready(emit_ready),
    .row_number(emit_number),
    .row_reason(emit_reason),
    .row_tombstone(emit_tomb),
    .row_null_mask(emit_nullm),
    .row_values(emit_vals),
    .row_value_beats(n_value_beats),
    .row_hash_pending(emit_hash_pending),
    .patch_valid(hr_to_emit),
    .patch_col(hr_col),
    .patch_value(hr_hash),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tkeep(m_axis_tkeep),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tuser(m_axis_tuser)
);

endmodule

`resetall
