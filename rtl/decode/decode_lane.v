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
// Per cycle the lane runs an unrolled byte chain over the whole beat: every byte
// of the beat is classified and folded into the current field's state; any number
// of delimiters (fields) per beat are finished in the same cycle. At most one
// data row may END per cycle, and only when the row emitter can take the row; a
// beat that holds a second row end is finished in a further cycle (the input is
// stalled, pos_reg remembers where to resume).
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
// synth-skip: Yosys does not finish proc_dlatch on the unrolled per-byte chain (>10 CPU-min); restructuring tracked in docs/spec/decode_rtl.md
// Synthesis runs the defaults (LANE_BYTES=8); Yosys is slow on the chain block
// (proc_dlatch), see docs/spec/decode_rtl.md "Known issues".

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
localparam [7:0] CR = 8'h0D;
localparam [2:0] K_LABEL = 3'd0, K_INT = 3'd1, K_HEX = 3'd2, K_STR = 3'd3;
localparam [2:0] RSN_OK = 3'd0, RSN_EXTRA = 3'd1, RSN_BAD_CHAR = 3'd2, RSN_OVERFLOW = 3'd3,
                 RSN_OVERLONG = 3'd4, RSN_BINARY = 3'd5;
localparam [35:0] INT32_POS_LIMIT = 36'h07FFFFFFF;
localparam [35:0] INT32_NEG_LIMIT = 36'h080000000;
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
wire             emit_ready;       // the row emitter takes a row this cycle
reg              emit_valid;
reg [47:0]       emit_number;
reg [7:0]        emit_reason;
reg              emit_tomb;
reg [63:0]       emit_nullm;
reg [63:0]       emit_nullfull;    // null mask at the row end, 1 beyond n_cols too
reg [64*64-1:0]  emit_vals;        // values of the finished row, null / absent columns zeroed
// field results of the chain, one slot per step (at most one field ends per step)
reg [W:0]        fe_we;            // a column field ended at step i
reg [6*(W+1)-1:0] fe_col;          // its column
reg [64*(W+1)-1:0] fe_val;         // its value (0 if null)
reg [W:0]        fe_pre;           // it belongs to the row that ends this cycle (or to the open row)

// working copies
reg [5:0]        pos_n;
reg [15:0]       hdr_seen_n;
reg [47:0]       row_num_n;
reg              line_started_n, line_nonempty_n, pend_cr_n;
reg [5:0]        col_n;
reg              extra_n, row_bad_n;
reg [2:0]        row_reason_n;
reg [63:0]       nullm_n;
reg [64*64-1:0]  vals_n;
reg [8:0]        flen_n;
reg              fbin_n, fnotdec_n, fnothex_n, fsigned_n, fneg_n, fhbig_n;
reg [35:0]       fdacc_n;
reg [63:0]       fhacc_n;
reg [8*256-1:0]  sbuf_n;
// hand-off of a non-null STR field to the hashing unit (at most one per cycle)
reg              hs_valid;
reg              hs_pre;           // the field belongs to the row that ends this cycle
reg [7:0]        hs_len;
reg [5:0]        hs_col;
reg [8*256-1:0]  hs_data;
reg              need_hash;        // step i ends a non-null STR field
// per-cycle counter increments
reg              inc_row, inc_out, inc_drop, inc_short;
reg [2:0]        inc_reason;
reg [5:0]        inc_empty, inc_header, inc_nulled, inc_str;
reg [5:0]        inc_bytes;

// chain temporaries
reg              stop, row_done, in_header, act, sym_ok, is_lf, nxt_ok, nxt_lf, lf_now;
reg [7:0]        b, sym;
reg [8*W+7:0]    data_ext;
reg [W:0]        keep_ext;
reg [2:0]        fkind, freason, rreason;
reg              f_bad, f_ovf, f_long, f_null, f_dec, f_hex;
reg [63:0]       f_val;
reg [3:0]        dig;
integer          i;

always @* begin
    pos_n = pos_reg;
    hdr_seen_n = hdr_seen_reg;
    row_num_n = row_num_reg;
    line_started_n = line_started_reg;
    line_nonempty_n = line_nonempty_reg;
    pend_cr_n = pend_cr_reg;
    col_n = col_reg;
    extra_n = extra_reg;
    row_bad_n = row_bad_reg;
    row_reason_n = row_reason_reg;
    nullm_n = nullm_reg;
    flen_n = flen_reg;
    fbin_n = fbin_reg; fnotdec_n = fnotdec_reg; fnothex_n = fnothex_reg;
    fsigned_n = fsigned_reg; fneg_n = fneg_reg; fhbig_n = fhbig_reg;
    fdacc_n = fdacc_reg; fhacc_n = fhacc_reg;
    sbuf_n = sbuf_reg;
    hs_valid = 1'b0; hs_pre = 1'b0; hs_len = 8'd0; hs_col = 6'd0; hs_data = sbuf_reg;
    need_hash = 1'b0;

    inc_row = 1'b0; inc_out = 1'b0; inc_drop = 1'b0; inc_short = 1'b0; inc_reason = RSN_OK;
    inc_empty = 6'd0; inc_header = 6'd0; inc_nulled = 6'd0; inc_str = 6'd0;
    inc_bytes = 6'd0;

    emit_valid = 1'b0;
    emit_number = row_num_reg;
    emit_reason = 8'd0;
    emit_tomb = 1'b0;
    emit_nullm = 64'd0;
    emit_nullfull = nullm_reg;
    fe_we = {(W+1){1'b0}};
    fe_col = {6*(W+1){1'b0}};
    fe_val = {64*(W+1){1'b0}};
    fe_pre = {(W+1){1'b0}};

    stop = 1'b0;
    row_done = 1'b0;
    in_accept = 1'b0;
    data_ext = {8'd0, in_data};
    keep_ext = {1'b0, in_keep};
    b = 8'd0; sym = 8'd0; act = 1'b0; sym_ok = 1'b0; is_lf = 1'b0; nxt_ok = 1'b0; nxt_lf = 1'b0;
    lf_now = 1'b0; in_header = 1'b0;
    fkind = 3'd0; freason = RSN_OK; rreason = RSN_OK;
    f_bad = 1'b0; f_ovf = 1'b0; f_long = 1'b0; f_null = 1'b0; f_dec = 1'b0; f_hex = 1'b0;
    f_val = 64'd0; dig = 4'd0;

    // step i < W: byte i of the beat; step W: end of stream (tlast) acting as LF
    for (i = 0; i <= W; i = i + 1) begin
        if (i < W) begin
            b = data_ext[8*i +: 8];
            act = in_valid && !stop && (i >= pos_reg) && keep_ext[i];
            nxt_ok = keep_ext[i + 1];
            nxt_lf = nxt_ok && (data_ext[8*(i + 1) +: 8] == LF);
            is_lf = (b == LF);
        end else begin
            b = LF;
            act = in_valid && !stop && in_last && line_started_n;
            nxt_ok = 1'b0;
            nxt_lf = 1'b0;
            is_lf = 1'b1;
        end
        in_header = (hdr_seen_n < cfg_header_lines);
        // a data row may end only once per cycle, and only into a free emitter
        if (act && is_lf && !in_header && line_nonempty_n && (row_done || !emit_ready)) begin
            stop = 1'b1;
            pos_n = i[5:0];
        end
        // a non-null STR field may end only when the hashing unit is free (and once per
        // cycle); exactly the condition under which the field-end code below hands it off
        // (a CR left pending before a non-LF byte 0 makes the field BINARY, hence null)
        need_hash = act && !in_header && !extra_n && str_mask[col_n] &&
                    (is_lf ? line_nonempty_n : (b == cfg_delimiter)) &&
                    (flen_n != 9'd0) && (flen_n <= {1'b0, cfg_max_field_bytes}) && !fbin_n &&
                    !(i == 0 && pend_cr_n && !is_lf);
        if (need_hash && (hash_busy_reg || hs_valid)) begin
            stop = 1'b1;
            pos_n = i[5:0];
        end
        if (act && !stop) begin
            if (i < W) inc_bytes = inc_bytes + 6'd1;
            // a CR left pending at the end of the previous beat that turns out
            // not to precede an LF is an ordinary byte: BINARY, not a digit
            if (i == 0 && pend_cr_n && !is_lf && !in_header) begin
                line_nonempty_n = 1'b1;
                if (!extra_n) begin
                    fbin_n = 1'b1;
                    fnotdec_n = 1'b1;
                    fnothex_n = 1'b1;
                    if (!flen_n[8]) flen_n = flen_n + 9'd1;
                end
            end
            if (i == 0) pend_cr_n = 1'b0;
            sym_ok = 1'b0;
            sym = b;
            lf_now = 1'b0;
            if (is_lf) begin
                lf_now = 1'b1;
            end else if (b == CR && nxt_lf) begin
                line_started_n = 1'b1;          // CR of a CRLF: removed
            end else if (b == CR && !nxt_ok) begin
                line_started_n = 1'b1;          // successor unknown: decide next beat
                pend_cr_n = 1'b1;
            end else begin
                sym_ok = 1'b1;
            end
            begin
                in_header = (hdr_seen_n < cfg_header_lines);
                if (sym_ok || lf_now) begin
                    if (sym_ok) line_started_n = 1'b1;
                    if (!in_header) begin
                        if (sym_ok) line_nonempty_n = 1'b1;
                        if (sym_ok && sym != cfg_delimiter) begin
                            // ---- a byte of the current field
                            if (!extra_n) begin
                                if (flen_n == 9'd0 && (sym == 8'h2B || sym == 8'h2D)) begin
                                    fsigned_n = 1'b1;
                                    fneg_n = (sym == 8'h2D);
                                end else if (sym < 8'h30 || sym > 8'h39) begin
                                    fnotdec_n = 1'b1;
                                end
                                if (sym >= 8'h30 && sym <= 8'h39) begin
                                    dig = sym[3:0];
                                    f_hex = 1'b1;
                                end else if ((sym >= 8'h41 && sym <= 8'h46) || (sym >= 8'h61 && sym <= 8'h66)) begin
                                    dig = sym[3:0] + 4'd9;
                                    f_hex = 1'b1;
                                end else begin
                                    dig = 4'd0;
                                    f_hex = 1'b0;
                                    fnothex_n = 1'b1;
                                end
                                if (sym < 8'h20 || sym == 8'h7F) fbin_n = 1'b1;
                                if (sym >= 8'h30 && sym <= 8'h39 && fdacc_n <= INT32_NEG_LIMIT)
                                    fdacc_n = fdacc_n * 36'd10 + {32'd0, dig};
                                if (f_hex) begin
                                    if (fhacc_n[63:60] != 4'd0) fhbig_n = 1'b1;
                                    fhacc_n = {fhacc_n[59:0], dig};
                                end
                                if (!flen_n[8]) begin
                                    sbuf_n[8*flen_n[7:0] +: 8] = sym;
                                    flen_n = flen_n + 9'd1;
                                end
                            end
                        end else begin
                            // ---- end of a field (delimiter, LF or end of stream)
                            if (!(lf_now && !line_nonempty_n) && !extra_n) begin
                                fkind = cfg_kinds[3*col_n +: 3];
                                f_dec = (fkind == K_LABEL || fkind == K_INT);
                                f_long = (fkind <= K_STR) && (flen_n > {1'b0, cfg_max_field_bytes});
                                if (f_dec) begin
                                    f_bad = fnotdec_n || (fsigned_n && flen_n == 9'd1);
                                    f_ovf = fdacc_n > (fneg_n ? INT32_NEG_LIMIT : INT32_POS_LIMIT);
                                    f_val = fneg_n ? (64'd0 - {28'd0, fdacc_n}) : {28'd0, fdacc_n};
                                end else if (fkind == K_HEX) begin
                                    f_bad = fnothex_n;
                                    f_ovf = fhbig_n;
                                    f_val = fhacc_n;
                                end else begin
                                    f_bad = 1'b0;
                                    f_ovf = 1'b0;
                                    f_val = 64'd0;
                                end
                                if (fkind > K_STR) begin
                                    freason = fbin_n ? RSN_BINARY : RSN_OK;
                                end else begin
                                    freason = fbin_n ? RSN_BINARY : f_long ? RSN_OVERLONG :
                                              f_bad ? RSN_BAD_CHAR : f_ovf ? RSN_OVERFLOW : RSN_OK;
                                end
                                f_null = (flen_n == 9'd0) || (fkind > K_STR) || (freason != RSN_OK);
                                fe_we[i] = 1'b1;
                                fe_col[6*i +: 6] = col_n;
                                fe_val[64*i +: 64] = f_null ? 64'd0 : f_val;
                                fe_pre[i] = !row_done;
                                nullm_n[col_n] = f_null;
                                if (fkind == K_STR && !f_null) begin
                                    inc_str = inc_str + 6'd1;
                                    hs_valid = 1'b1;
                                    hs_pre = !row_done;
                                    hs_len = flen_n[7:0];
                                    hs_col = col_n;
                                    hs_data = sbuf_n;
                                end
                                if (freason != RSN_OK && !row_bad_n) begin
                                    row_bad_n = 1'b1;
                                    row_reason_n = freason;
                                end
                                if (freason != RSN_OK && cfg_policy) inc_nulled = inc_nulled + 6'd1;
                                if (!lf_now) begin
                                    if ({1'b0, col_n} == last_col) extra_n = 1'b1;
                                    else col_n = col_n + 6'd1;
                                end
                            end
                            flen_n = 9'd0;
                            fbin_n = 1'b0; fnotdec_n = 1'b0; fnothex_n = 1'b0;
                            fsigned_n = 1'b0; fneg_n = 1'b0; fhbig_n = 1'b0;
                            fdacc_n = 36'd0; fhacc_n = 64'd0;
                        end
                    end
                    if (lf_now) begin
                        // ---- end of a line
                        if (in_header) begin
                            hdr_seen_n = hdr_seen_n + 16'd1;
                            inc_header = inc_header + 6'd1;
                        end else if (!line_nonempty_n) begin
                            inc_empty = inc_empty + 6'd1;
                        end else begin
                            rreason = row_bad_n ? row_reason_n : (extra_n ? RSN_EXTRA : RSN_OK);
                            row_done = 1'b1;
                            inc_row = 1'b1;
                            inc_reason = rreason;
                            inc_short = !extra_n && ({1'b0, col_n} != last_col);
                            inc_drop = !cfg_policy && (rreason != RSN_OK);
                            inc_out = !inc_drop;
                            emit_valid = 1'b1;
                            emit_number = row_num_n;
                            emit_reason = {5'd0, rreason};
                            emit_tomb = inc_drop;
                            emit_nullm = nullm_n & col_mask;
                            emit_nullfull = nullm_n;
                            row_num_n = row_num_n + 48'd1;
                        end
                        line_started_n = 1'b0;
                        line_nonempty_n = 1'b0;
                        col_n = 6'd0;
                        extra_n = 1'b0;
                        row_bad_n = 1'b0;
                        row_reason_n = RSN_OK;
                        nullm_n = {64{1'b1}};
                    end
                end
            end
        end
    end

    if (in_valid && !stop) begin
        in_accept = 1'b1;
        pos_n = 6'd0;
        if (in_last) begin
            // end of stream: next stream starts fresh
            hdr_seen_n = 16'd0;
            row_num_n = 48'd0;
            pend_cr_n = 1'b0;
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
reg [64*64-1:0] v_snap;          // the finished row's values before null / absent zeroing
integer         vc, vs;
always @* begin
    vals_n = vals_reg;
    if (hr_to_vals) vals_n[64*hr_col +: 64] = hr_hash;
    v_snap = vals_n;
    for (vs = 0; vs <= W; vs = vs + 1) begin
        if (fe_we[vs]) begin
            vals_n[64*fe_col[6*vs +: 6] +: 64] = fe_val[64*vs +: 64];
            if (fe_pre[vs]) v_snap[64*fe_col[6*vs +: 6] +: 64] = fe_val[64*vs +: 64];
        end
    end
    for (vc = 0; vc < 64; vc = vc + 1)
        emit_vals[64*vc +: 64] = emit_nullfull[vc] ? 64'd0 : v_snap[64*vc +: 64];
end

always @(posedge clk) begin
    pos_reg <= pos_n;
    hdr_seen_reg <= hdr_seen_n;
    row_num_reg <= row_num_n;
    line_started_reg <= line_started_n;
    line_nonempty_reg <= line_nonempty_n;
    pend_cr_reg <= pend_cr_n;
    col_reg <= col_n;
    extra_reg <= extra_n;
    row_bad_reg <= row_bad_n;
    row_reason_reg <= row_reason_n;
    nullm_reg <= nullm_n;
    vals_reg <= vals_n;
    flen_reg <= flen_n;
    fbin_reg <= fbin_n; fnotdec_reg <= fnotdec_n; fnothex_reg <= fnothex_n;
    fsigned_reg <= fsigned_n; fneg_reg <= fneg_n; fhbig_reg <= fhbig_n;
    fdacc_reg <= fdacc_n; fhacc_reg <= fhacc_n;
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
