// SPDX-License-Identifier: Apache-2.0
// Sluice decode: one byte step of the line splitter's scan (docs/spec/decode_rtl.md "Splitter").
//
// decode_splitter instantiates IN_BYTES of these in a row per cycle: step i folds byte i of the held
// beat into the line state (line start / header line / data line / CR of an empty line) and into
// this cycle's segment slots (at most one contiguous byte range per lane). Purely combinational:
// state in (`*_i`, the previous step's `*_o`), state out. The splitter adds the end-of-stream
// handling after the last step and commits the result. Splitting the scan into small per-step
// processes keeps every `always @*` small for synthesis (Yosys `proc`), as in decode_lane's chain.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: IN_BYTES=16 LANES=2
// lint-params: IN_BYTES=8 LANES=1
// lint-params: IN_BYTES=128 LANES=4

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_split_step #(
    // B: input bytes per beat (the splitter's IN_BYTES; sets the position width)
    parameter IN_BYTES = 16,
    // N: number of lanes (1, 2 or 4)
    parameter LANES    = 2
) (
    // where this step is
    input  wire [$clog2(IN_BYTES+1)-1:0]         step_idx,      // byte position i in the beat
    input  wire                                  avail,         // byte i is in [pos_reg, beat length)
    input  wire [7:0]                            b_in,          // byte i
    input  wire                                  nb_known,      // the byte after it is known (or the stream ends)
    input  wire                                  nb_lf,         // ... and it is LF
    input  wire                                  nb_eos,        // ... the stream ends instead
    input  wire [15:0]                           cfg_header_lines,
    // chain state in
    input  wire                                  stop_i,        // the scan stopped at an earlier step (or no beat)
    input  wire [$clog2(IN_BYTES+1)-1:0]         pos_i,         // where the next cycle resumes
    input  wire [1:0]                            mode_i,        // line state (M_*)
    input  wire [((LANES > 1) ? $clog2(LANES) : 1)-1:0] rr_i,   // lane of the current / next data line
    input  wire [15:0]                           hdr_i,         // header lines consumed in this stream
    input  wire [$clog2(IN_BYTES+1):0]           lines_i,       // data lines ended this cycle
    input  wire [LANES-1:0]                      seg_we_i,      // lane l has a segment this cycle
    input  wire [LANES*$clog2(IN_BYTES+1)-1:0]   seg_start_i,   // its first byte
    input  wire [LANES*$clog2(IN_BYTES+1)-1:0]   seg_end_i,     // one past its last byte
    input  wire [$clog2(IN_BYTES+1):0]           nseg_i,        // segments this cycle
    input  wire [$clog2(IN_BYTES+1):0]           inc_hdr_i,     // header lines ended this cycle
    input  wire [$clog2(IN_BYTES+1):0]           inc_empty_i,   // empty lines ended this cycle
    // chain state out
    output reg                                   stop_o,
    output reg  [$clog2(IN_BYTES+1)-1:0]         pos_o,
    output reg  [1:0]                            mode_o,
    output reg  [((LANES > 1) ? $clog2(LANES) : 1)-1:0] rr_o,
    output reg  [15:0]                           hdr_o,
    output reg  [$clog2(IN_BYTES+1):0]           lines_o,
    output reg  [LANES-1:0]                      seg_we_o,
    output reg  [LANES*$clog2(IN_BYTES+1)-1:0]   seg_start_o,
    output reg  [LANES*$clog2(IN_BYTES+1)-1:0]   seg_end_o,
    output reg  [$clog2(IN_BYTES+1):0]           nseg_o,
    output reg  [$clog2(IN_BYTES+1):0]           inc_hdr_o,
    output reg  [$clog2(IN_BYTES+1):0]           inc_empty_o
);

localparam PW = $clog2(IN_BYTES + 1);
localparam LW = (LANES > 1) ? $clog2(LANES) : 1;
localparam integer LAST_LANE_I = LANES - 1;
localparam [LW-1:0] LAST_LANE = LAST_LANE_I[LW-1:0];
localparam integer LANES_I = LANES;
localparam [PW:0] NLANES = LANES_I[PW:0];
localparam [7:0] LF = 8'h0A;
localparam [7:0] CR = 8'h0D;
`include "decode_split_modes.vh"

initial begin
    if (LANES != 1 && LANES != 2 && LANES != 4) begin
        $error("Error: LANES must be 1, 2 or 4 (instance %m)");
        $finish;
    end
    if (IN_BYTES < 2 || IN_BYTES > 255) begin
        $error("Error: IN_BYTES must be in 2..255 (instance %m)");
        $finish;
    end
end

reg handled;     // the byte is consumed at the line start (empty LF, CR of "\r\n")
reg lane_joins;  // lane rr already has a segment that ends right before this byte

always @* begin
    stop_o = stop_i;
    pos_o = pos_i;
    mode_o = mode_i;
    rr_o = rr_i;
    hdr_o = hdr_i;
    lines_o = lines_i;
    seg_we_o = seg_we_i;
    seg_start_o = seg_start_i;
    seg_end_o = seg_end_i;
    nseg_o = nseg_i;
    inc_hdr_o = inc_hdr_i;
    inc_empty_o = inc_empty_i;
    handled = 1'b0;
    lane_joins = seg_we_i[rr_i] && (seg_end_i[PW*rr_i +: PW] == step_idx);

    if (!stop_i && avail) begin
        if (mode_i == M_START) begin
            if (hdr_i < cfg_header_lines) begin
                mode_o = M_HDR;
            end else if (b_in == LF) begin
                inc_empty_o = inc_empty_i + 1'b1;           // empty line
                handled = 1'b1;
            end else if (b_in == CR && !nb_known) begin
                stop_o = 1'b1;                              // wait for the next beat
                pos_o = step_idx;
            end else if (b_in == CR && (nb_lf || nb_eos)) begin
                mode_o = M_ECR;                             // "\r\n" or "\r" at end of stream
                handled = 1'b1;
            end else if (nseg_i == NLANES && !lane_joins) begin
                // every lane has a segment this cycle (a line that directly follows the same
                // lane's previous line, as always with N = 1, extends its segment)
                stop_o = 1'b1;
                pos_o = step_idx;
            end else begin
                mode_o = M_DATA;                            // a data line starts: lane rr
            end
        end
        if (!stop_o && !handled) begin
            case (mode_o)
                M_HDR: begin
                    if (b_in == LF) begin
                        hdr_o = hdr_i + 16'd1;
                        inc_hdr_o = inc_hdr_i + 1'b1;
                        mode_o = M_START;
                    end
                end
                M_ECR: begin                                // the LF of a "\r\n" empty line
                    inc_empty_o = inc_empty_i + 1'b1;
                    mode_o = M_START;
                end
                default: begin                              // M_DATA
                    if (!seg_we_i[rr_i]) begin
                        seg_we_o[rr_i] = 1'b1;
                        seg_start_o[PW*rr_i +: PW] = step_idx;
                        nseg_o = nseg_i + 1'b1;
                    end
                    seg_end_o[PW*rr_i +: PW] = step_idx + 1'b1;
                    if (b_in == LF) begin
                        lines_o = lines_i + 1'b1;
                        rr_o = (rr_i == LAST_LANE) ? {LW{1'b0}} : rr_i + 1'b1;
                        mode_o = M_START;
                    end
                end
            endcase
        end
    end
end

endmodule

`resetall
