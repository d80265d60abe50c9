// SPDX-License-Identifier: Apache-2.0
// Sluice decode: one byte step of the decode lane's chain (docs/spec/decode_rtl.md).
//
// decode_lane instantiates W + 1 of these in a row per cycle: step i < W folds byte i of the held
// beat into the field / row state, step W is the end-of-stream step (acts as an LF after a tlast beat).
// Purely combinational: state in (`*_i`, the previous step's `*_o`), state out, plus this step's
// write slots: a finished column field (`fe_*`) and a byte of the current field for the field buffer
// (`sb_*`), which the lane applies after the chain in step order. Splitting the chain into small
// per-step processes keeps every `always @*` small for synthesis (Yosys `proc`) and keeps the
// 2048-bit field buffer out of the chain.
//
// Lint parameter sets (read by cosim.lint): the defaults only (no parameters).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_step (
    // where this step is
    input  wire [5:0]   step_idx,        // byte position in the beat (W for the end-of-stream step)
    input  wire         is_eos,          // the end-of-stream step (b_in is LF)
    input  wire         avail,           // a byte to process here: valid, not before pos_reg, kept (or tlast)
    input  wire [7:0]   b_in,            // the byte
    input  wire         nxt_ok,          // the beat has a byte after this one
    input  wire         nxt_lf,          // ... and it is LF
    // context
    input  wire         hash_busy,       // the hashing unit holds an earlier cycle's field
    input  wire         emit_ready,      // the row emitter takes a row this cycle
    input  wire [15:0]  cfg_header_lines,
    input  wire [7:0]   cfg_delimiter,
    input  wire [7:0]   cfg_max_field_bytes,
    input  wire         cfg_policy,
    input  wire [191:0] cfg_kinds,
    input  wire [63:0]  str_mask,        // bit c: column c is STR
    input  wire [6:0]   last_col,        // n_columns - 1
    input  wire [63:0]  col_mask,        // bit c: c < n_columns
    // chain state in
    input  wire        stop_i,                   // the chain has stopped at an earlier step (the rest of the beat waits for the next cycle)
    input  wire        row_done_i,               // a data row ended at an earlier step of this cycle
    input  wire [5:0]  pos_i,                    // where the next cycle resumes in the held beat
    input  wire [15:0] hdr_seen_i,               // header lines consumed in this stream
    input  wire [47:0] row_num_i,                // data-row number of the current row
    input  wire        line_started_i,           // any byte (CR included) since the last LF
    input  wire        line_nonempty_i,          // any byte other than a CRLF CR since the last LF
    input  wire        pend_cr_i,                // a CR at the end of the previous beat awaits its successor
    input  wire [5:0]  col_i,                    // current column
    input  wire        extra_i,                  // in the extra region (after the n_columns-th delimiter)
    input  wire        row_bad_i,                // a column field of this row was bad
    input  wire [2:0]  row_reason_i,             // reason of the first bad column field
    input  wire [63:0] nullm_i,                  // null mask of the row so far
    input  wire [8:0]  flen_i,                   // current field: bytes so far, saturating at 256
    input  wire        fbin_i,                   // current field: a BINARY byte was seen
    input  wire        fnotdec_i,                // current field: not a decimal integer
    input  wire        fnothex_i,                // current field: not hexadecimal
    input  wire        fsigned_i,                // current field: starts with + or -
    input  wire        fneg_i,                   // current field: starts with -
    input  wire        fhbig_i,                  // current field: a non-zero nibble was shifted out of 64 bits
    input  wire [35:0] fdacc_i,                  // current field: decimal magnitude, frozen once > 2^31
    input  wire [63:0] fhacc_i,                  // current field: hex value (low 64 bits)
    input  wire        hs_valid_i,               // a non-null STR field was handed to the hashing unit this cycle
    input  wire        hs_pre_i,                 // that field belongs to the row that ends this cycle
    input  wire [7:0]  hs_len_i,                 // its length
    input  wire [5:0]  hs_col_i,                 // its column
    input  wire [5:0]  hs_step_i,                // the step that ended it (its bytes are those written before that step)
    input  wire        inc_row_i,                // counter increments of this cycle: a data row ended
    input  wire        inc_out_i,                // ... it is kept
    input  wire        inc_drop_i,               // ... it is dropped
    input  wire        inc_short_i,              // ... it had missing trailing fields
    input  wire [2:0]  inc_reason_i,             // ... its reason
    input  wire [5:0]  inc_empty_i,              // empty lines
    input  wire [5:0]  inc_header_i,             // header lines
    input  wire [5:0]  inc_nulled_i,             // fields nulled under the NULL policy
    input  wire [5:0]  inc_str_i,                // non-null STR fields
    input  wire [5:0]  inc_bytes_i,              // input bytes consumed
    input  wire        emit_valid_i,             // the row that ended goes to the emitter
    input  wire [47:0] emit_number_i,            // its row number
    input  wire [7:0]  emit_reason_i,            // its reason
    input  wire        emit_tomb_i,              // it is a tombstone
    input  wire [63:0] emit_nullm_i,             // its null mask within n_columns
    input  wire [63:0] emit_nullfull_i,          // its null mask (1 beyond n_columns too)
    // chain state out
    output reg         stop_o,                   // the chain has stopped at an earlier step (the rest of the beat waits for the next cycle)
    output reg         row_done_o,               // a data row ended at an earlier step of this cycle
    output reg  [5:0]  pos_o,                    // where the next cycle resumes in the held beat
    output reg  [15:0] hdr_seen_o,               // header lines consumed in this stream
    output reg  [47:0] row_num_o,                // data-row number of the current row
    output reg         line_started_o,           // any byte (CR included) since the last LF
    output reg         line_nonempty_o,          // any byte other than a CRLF CR since the last LF
    output reg         pend_cr_o,                // a CR at the end of the previous beat awaits its successor
    output reg  [5:0]  col_o,                    // current column
    output reg         extra_o,                  // in the extra region (after the n_columns-th delimiter)
    output reg         row_bad_o,                // a column field of this row was bad
    output reg  [2:0]  row_reason_o,             // reason of the first bad column field
    output reg  [63:0] nullm_o,                  // null mask of the row so far
    output reg  [8:0]  flen_o,                   // current field: bytes so far, saturating at 256
    output reg         fbin_o,                   // current field: a BINARY byte was seen
    output reg         fnotdec_o,                // current field: not a decimal integer
    output reg         fnothex_o,                // current field: not hexadecimal
    output reg         fsigned_o,                // current field: starts with + or -
    output reg         fneg_o,                   // current field: starts with -
    output reg         fhbig_o,                  // current field: a non-zero nibble was shifted out of 64 bits
    output reg  [35:0] fdacc_o,                  // current field: decimal magnitude, frozen once > 2^31
    output reg  [63:0] fhacc_o,                  // current field: hex value (low 64 bits)
    output reg         hs_valid_o,               // a non-null STR field was handed to the hashing unit this cycle
    output reg         hs_pre_o,                 // that field belongs to the row that ends this cycle
    output reg  [7:0]  hs_len_o,                 // its length
    output reg  [5:0]  hs_col_o,                 // its column
    output reg  [5:0]  hs_step_o,                // the step that ended it (its bytes are those written before that step)
    output reg         inc_row_o,                // counter increments of this cycle: a data row ended
    output reg         inc_out_o,                // ... it is kept
    output reg         inc_drop_o,               // ... it is dropped
    output reg         inc_short_o,              // ... it had missing trailing fields
    output reg  [2:0]  inc_reason_o,             // ... its reason
    output reg  [5:0]  inc_empty_o,              // empty lines
    output reg  [5:0]  inc_header_o,             // header lines
    output reg  [5:0]  inc_nulled_o,             // fields nulled under the NULL policy
    output reg  [5:0]  inc_str_o,                // non-null STR fields
    output reg  [5:0]  inc_bytes_o,              // input bytes consumed
    output reg         emit_valid_o,             // the row that ended goes to the emitter
    output reg  [47:0] emit_number_o,            // its row number
    output reg  [7:0]  emit_reason_o,            // its reason
    output reg         emit_tomb_o,              // it is a tombstone
    output reg  [63:0] emit_nullm_o,             // its null mask within n_columns
    output reg  [63:0] emit_nullfull_o,          // its null mask (1 beyond n_columns too)
    // this step's write slots
    output reg          fe_we,           // a column field ended here
    output reg  [5:0]   fe_col,          // its column
    output reg  [63:0]  fe_val,          // its value (0 if null)
    output reg          fe_pre,          // it belongs to the row that ends this cycle (or to the open row)
    output reg          sb_we,           // a byte of the current field goes into the field buffer
    output reg  [7:0]   sb_idx,          // at this index
    output reg  [7:0]   sb_byte          // this byte
);

localparam [7:0] LF = 8'h0A;
localparam [7:0] CR = 8'h0D;
localparam [2:0] K_LABEL = 3'd0, K_INT = 3'd1, K_HEX = 3'd2, K_STR = 3'd3;
localparam [2:0] RSN_OK = 3'd0, RSN_EXTRA = 3'd1, RSN_BAD_CHAR = 3'd2, RSN_OVERFLOW = 3'd3,
                 RSN_OVERLONG = 3'd4, RSN_BINARY = 3'd5;
localparam [35:0] INT32_POS_LIMIT = 36'h07FFFFFFF;
localparam [35:0] INT32_NEG_LIMIT = 36'h080000000;

wire first = (step_idx == 6'd0);

reg         in_header, act, sym_ok, is_lf, lf_now, need_hash;
reg [7:0]   b, sym;
reg [2:0]   fkind, freason, rreason;
reg         f_bad, f_ovf, f_long, f_null, f_dec, f_hex;
reg [63:0]  f_val;
reg [3:0]   dig;

always @* begin
    stop_o = stop_i;
    row_done_o = row_done_i;
    pos_o = pos_i;
    hdr_seen_o = hdr_seen_i;
    row_num_o = row_num_i;
    line_started_o = line_started_i;
    line_nonempty_o = line_nonempty_i;
    pend_cr_o = pend_cr_i;
    col_o = col_i;
    extra_o = extra_i;
    row_bad_o = row_bad_i;
    row_reason_o = row_reason_i;
    nullm_o = nullm_i;
    flen_o = flen_i;
    fbin_o = fbin_i;
    fnotdec_o = fnotdec_i;
    fnothex_o = fnothex_i;
    fsigned_o = fsigned_i;
    fneg_o = fneg_i;
    fhbig_o = fhbig_i;
    fdacc_o = fdacc_i;
    fhacc_o = fhacc_i;
    hs_valid_o = hs_valid_i;
    hs_pre_o = hs_pre_i;
    hs_len_o = hs_len_i;
    hs_col_o = hs_col_i;
    hs_step_o = hs_step_i;
    inc_row_o = inc_row_i;
    inc_out_o = inc_out_i;
    inc_drop_o = inc_drop_i;
    inc_short_o = inc_short_i;
    inc_reason_o = inc_reason_i;
    inc_empty_o = inc_empty_i;
    inc_header_o = inc_header_i;
    inc_nulled_o = inc_nulled_i;
    inc_str_o = inc_str_i;
    inc_bytes_o = inc_bytes_i;
    emit_valid_o = emit_valid_i;
    emit_number_o = emit_number_i;
    emit_reason_o = emit_reason_i;
    emit_tomb_o = emit_tomb_i;
    emit_nullm_o = emit_nullm_i;
    emit_nullfull_o = emit_nullfull_i;
    fe_we = 1'b0; fe_col = 6'd0; fe_val = 64'd0; fe_pre = 1'b0;
    sb_we = 1'b0; sb_idx = 8'd0; sb_byte = 8'd0;
    fkind = 3'd0; freason = RSN_OK; rreason = RSN_OK;
    f_bad = 1'b0; f_ovf = 1'b0; f_long = 1'b0; f_null = 1'b0; f_dec = 1'b0; f_hex = 1'b0;
    f_val = 64'd0; dig = 4'd0; sym_ok = 1'b0; sym = 8'd0; lf_now = 1'b0;
    b = b_in;
    is_lf = (b == LF);
    act = avail && !stop_i && (!is_eos || line_started_i);
    in_header = (hdr_seen_o < cfg_header_lines);
    // a data row may end only once per cycle, and only into a free emitter
    if (act && is_lf && !in_header && line_nonempty_o && (row_done_o || !emit_ready)) begin
        stop_o = 1'b1;
        pos_o = step_idx;
    end
    // a non-null STR field may end only when the hashing unit is free (and once per
    // cycle); exactly the condition under which the field-end code below hands it off
    // (a CR left pending before a non-LF byte 0 makes the field BINARY, hence null)
    need_hash = act && !in_header && !extra_o && str_mask[col_o] &&
                (is_lf ? line_nonempty_o : (b == cfg_delimiter)) &&
                (flen_o != 9'd0) && (flen_o <= {1'b0, cfg_max_field_bytes}) && !fbin_o &&
                !(first && pend_cr_o && !is_lf);
    if (need_hash && (hash_busy || hs_valid_o)) begin
        stop_o = 1'b1;
        pos_o = step_idx;
    end
    if (act && !stop_o) begin
        if (!is_eos) inc_bytes_o = inc_bytes_o + 6'd1;
        // a CR left pending at the end of the previous beat that turns out
        // not to precede an LF is an ordinary byte: BINARY, not a digit
        if (first && pend_cr_o && !is_lf && !in_header) begin
            line_nonempty_o = 1'b1;
            if (!extra_o) begin
                fbin_o = 1'b1;
                fnotdec_o = 1'b1;
                fnothex_o = 1'b1;
                if (!flen_o[8]) flen_o = flen_o + 9'd1;
            end
        end
        if (first) pend_cr_o = 1'b0;
        sym_ok = 1'b0;
        sym = b;
        lf_now = 1'b0;
        if (is_lf) begin
            lf_now = 1'b1;
        end else if (b == CR && nxt_lf) begin
            line_started_o = 1'b1;          // CR of a CRLF: removed
        end else if (b == CR && !nxt_ok) begin
            line_started_o = 1'b1;          // successor unknown: decide next beat
            pend_cr_o = 1'b1;
        end else begin
            sym_ok = 1'b1;
        end
        begin
            in_header = (hdr_seen_o < cfg_header_lines);
            if (sym_ok || lf_now) begin
                if (sym_ok) line_started_o = 1'b1;
                if (!in_header) begin
                    if (sym_ok) line_nonempty_o = 1'b1;
                    if (sym_ok && sym != cfg_delimiter) begin
                        // ---- a byte of the current field
                        if (!extra_o) begin
                            if (flen_o == 9'd0 && (sym == 8'h2B || sym == 8'h2D)) begin
                                fsigned_o = 1'b1;
                                fneg_o = (sym == 8'h2D);
                            end else if (sym < 8'h30 || sym > 8'h39) begin
                                fnotdec_o = 1'b1;
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
                                fnothex_o = 1'b1;
                            end
                            if (sym < 8'h20 || sym == 8'h7F) fbin_o = 1'b1;
                            if (sym >= 8'h30 && sym <= 8'h39 && fdacc_o <= INT32_NEG_LIMIT)
                                fdacc_o = fdacc_o * 36'd10 + {32'd0, dig};
                            if (f_hex) begin
                                if (fhacc_o[63:60] != 4'd0) fhbig_o = 1'b1;
                                fhacc_o = {fhacc_o[59:0], dig};
                            end
                            if (!flen_o[8]) begin
                                sb_we = 1'b1;
                                sb_idx = flen_o[7:0];
                                sb_byte = sym;
                                flen_o = flen_o + 9'd1;
                            end
                        end
                    end else begin
                        // ---- end of a field (delimiter, LF or end of stream)
                        if (!(lf_now && !line_nonempty_o) && !extra_o) begin
                            fkind = cfg_kinds[3*col_o +: 3];
                            f_dec = (fkind == K_LABEL || fkind == K_INT);
                            f_long = (fkind <= K_STR) && (flen_o > {1'b0, cfg_max_field_bytes});
                            if (f_dec) begin
                                f_bad = fnotdec_o || (fsigned_o && flen_o == 9'd1);
                                f_ovf = fdacc_o > (fneg_o ? INT32_NEG_LIMIT : INT32_POS_LIMIT);
                                f_val = fneg_o ? (64'd0 - {28'd0, fdacc_o}) : {28'd0, fdacc_o};
                            end else if (fkind == K_HEX) begin
                                f_bad = fnothex_o;
                                f_ovf = fhbig_o;
                                f_val = fhacc_o;
                            end else begin
                                f_bad = 1'b0;
                                f_ovf = 1'b0;
                                f_val = 64'd0;
                            end
                            if (fkind > K_STR) begin
                                freason = fbin_o ? RSN_BINARY : RSN_OK;
                            end else begin
                                freason = fbin_o ? RSN_BINARY : f_long ? RSN_OVERLONG :
                                          f_bad ? RSN_BAD_CHAR : f_ovf ? RSN_OVERFLOW : RSN_OK;
                            end
                            f_null = (flen_o == 9'd0) || (fkind > K_STR) || (freason != RSN_OK);
                            fe_we = 1'b1;
                            fe_col = col_o;
                            fe_val = f_null ? 64'd0 : f_val;
                            fe_pre = !row_done_o;
                            nullm_o[col_o] = f_null;
                            if (fkind == K_STR && !f_null) begin
                                inc_str_o = inc_str_o + 6'd1;
                                hs_valid_o = 1'b1;
                                hs_pre_o = !row_done_o;
                                hs_len_o = flen_o[7:0];
                                hs_col_o = col_o;
                                hs_step_o = step_idx;
                            end
                            if (freason != RSN_OK && !row_bad_o) begin
                                row_bad_o = 1'b1;
                                row_reason_o = freason;
                            end
                            if (freason != RSN_OK && cfg_policy) inc_nulled_o = inc_nulled_o + 6'd1;
                            if (!lf_now) begin
                                if ({1'b0, col_o} == last_col) extra_o = 1'b1;
                                else col_o = col_o + 6'd1;
                            end
                        end
                        flen_o = 9'd0;
                        fbin_o = 1'b0; fnotdec_o = 1'b0; fnothex_o = 1'b0;
                        fsigned_o = 1'b0; fneg_o = 1'b0; fhbig_o = 1'b0;
                        fdacc_o = 36'd0; fhacc_o = 64'd0;
                    end
                end
                if (lf_now) begin
                    // ---- end of a line
                    if (in_header) begin
                        hdr_seen_o = hdr_seen_o + 16'd1;
                        inc_header_o = inc_header_o + 6'd1;
                    end else if (!line_nonempty_o) begin
                        inc_empty_o = inc_empty_o + 6'd1;
                    end else begin
                        rreason = row_bad_o ? row_reason_o : (extra_o ? RSN_EXTRA : RSN_OK);
                        row_done_o = 1'b1;
                        inc_row_o = 1'b1;
                        inc_reason_o = rreason;
                        inc_short_o = !extra_o && ({1'b0, col_o} != last_col);
                        inc_drop_o = !cfg_policy && (rreason != RSN_OK);
                        inc_out_o = !inc_drop_o;
                        emit_valid_o = 1'b1;
                        emit_number_o = row_num_o;
                        emit_reason_o = {5'd0, rreason};
                        emit_tomb_o = inc_drop_o;
                        emit_nullm_o = nullm_o & col_mask;
                        emit_nullfull_o = nullm_o;
                        row_num_o = row_num_o + 48'd1;
                    end
                    line_started_o = 1'b0;
                    line_nonempty_o = 1'b0;
                    col_o = 6'd0;
                    extra_o = 1'b0;
                    row_bad_o = 1'b0;
                    row_reason_o = RSN_OK;
                    nullm_o = {64{1'b1}};
                end
            end
        end
    end
end

endmodule

`resetall
