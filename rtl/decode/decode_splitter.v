// SPDX-License-Identifier: Apache-2.0
// Sluice decode: line splitter (docs/spec/decode_rtl.md "Splitter").
//
// Hands whole LINES of the text stream to LANES decode lanes, round-robin. Header
// lines (the first cfg_header_lines lines of each stream) and empty lines (length
// 0, or a lone CR before LF / end of stream: docs/spec/decode.md rules 1-3) are
// consumed and counted here and never reach a lane, so every line a lane gets
// yields exactly one record and the merger restores input order by taking one
// packet per lane in turn.
//
// Per cycle the held input beat is scanned from pos_reg by a chain of IN_BYTES
// decode_split_step instances (one per byte, purely combinational); up to LANES line pieces
// ("segments", at most one per lane) are cut out, each shifted down to byte 0 and
// written into that lane's segment FIFO (tkeep = its length, contiguous). Any
// number of header/empty lines and up to LANES data-line ends are handled per
// cycle (more when consecutive lines go to the same lane, N = 1: they share one
// segment); a beat with more is finished in further cycles. A data line ends with its
// LF in the segment; a final line without LF is marked with tlast on its last
// segment (a zero-length segment if its bytes were already sent), which the lane
// treats as the implied LF (rule 1).
//
// Look-ahead: a line that starts with a CR in the last byte of a beat is empty or
// not depending on the next byte; the splitter then waits until the next beat is
// visible (skid buffer output) or the beat is the stream's last.
//
// Side channel m_axis_cnt_*: at the end of each stream (s_axis_tlast) one word with
// the number of data lines of that stream, in stream order (an axis_fifo). It is
// written in the cycle the tlast beat is finished, before any line of the next
// stream enters a lane FIFO; the record merger uses it to restart row numbers.
//
// FIFO high-water marks (status_*_hwm, for the etl_top perf CSRs): the largest fill
// level, in beats, each segment FIFO and the line-count FIFO reached since reset
// (8 bits per FIFO, zero-extended; saturates at 255 for depths above 128).
//
// Lint parameter sets (read by cosim.lint):
// lint-params: IN_BYTES=8 LANES=1
// lint-params: IN_BYTES=128 LANES=4
// lint-params: IN_BYTES=32 LANES=2 SEG_FIFO_DEPTH=4
// synth-flags: -hier

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_splitter #(
    // B: input bytes per beat
    parameter IN_BYTES       = 16,
    // N: number of lanes (1, 2 or 4)
    parameter LANES          = 2,
    // Depth (words) of each lane's segment FIFO (power of two >= 2)
    parameter SEG_FIFO_DEPTH = 16,
    // Depth (words) of the per-stream line-count FIFO (power of two >= 2)
    parameter CNT_FIFO_DEPTH = 4,
    // Width of every status_* counter
    parameter COUNTER_WIDTH  = 48
) (
    input  wire                          clk,
    input  wire                          rst,

    // text input
    input  wire [8*IN_BYTES-1:0]         s_axis_tdata,
    input  wire [IN_BYTES-1:0]           s_axis_tkeep,
    input  wire                          s_axis_tvalid,
    output wire                          s_axis_tready,
    input  wire                          s_axis_tlast,
    input  wire [0:0]                    s_axis_tuser,

    // per-lane segment streams (lane l at [l*8*IN_BYTES +: 8*IN_BYTES] etc.)
    output wire [LANES*8*IN_BYTES-1:0]   m_axis_tdata,
    output wire [LANES*IN_BYTES-1:0]     m_axis_tkeep,
    output wire [LANES-1:0]              m_axis_tvalid,
    input  wire [LANES-1:0]              m_axis_tready,
    output wire [LANES-1:0]              m_axis_tlast,

    // data lines per stream, one word per stream, in order
    output wire [47:0]                   m_axis_cnt_tdata,
    output wire                          m_axis_cnt_tvalid,
    input  wire                          m_axis_cnt_tready,

    input  wire [15:0]                   cfg_header_lines,   // lines skipped at the start of each stream

    output wire [COUNTER_WIDTH-1:0]      status_header_lines,
    output wire [COUNTER_WIDTH-1:0]      status_empty_lines,
    output wire [COUNTER_WIDTH-1:0]      status_bytes_in,

    // FIFO high-water marks since reset, in beats: lane l's segment FIFO at [8*l +: 8]
    output wire [LANES*8-1:0]            status_seg_fifo_hwm,
    output wire [7:0]                    status_cnt_fifo_hwm
);

localparam B  = IN_BYTES;
localparam PW = $clog2(B + 1);           // byte positions 0..B
localparam LW = (LANES > 1) ? $clog2(LANES) : 1;
localparam CW = COUNTER_WIDTH;
localparam integer LAST_LANE_I = LANES - 1;
localparam [LW-1:0] LAST_LANE = LAST_LANE_I[LW-1:0];
localparam [7:0] LF = 8'h0A;
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
    if (COUNTER_WIDTH < 32 || COUNTER_WIDTH > 64) begin
        $error("Error: COUNTER_WIDTH must be in 32..64 (instance %m)");
        $finish;
    end
end

wire unused_inputs = &{1'b0, s_axis_tuser};

// ---------------------------------------------------------------- input skid buffer
wire [8*B-1:0] in_data;
wire [B-1:0]   in_keep;
wire           in_valid;
wire           in_last;
wire [0:0]     in_user_unused;
wire           in_take;

axis_register #(
    .DATA_WIDTH(8 * B),
    .KEEP_ENABLE(1),
    .KEEP_WIDTH(B),
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
    .m_axis_tready(in_take),
    .m_axis_tlast(in_last),
    .m_axis_tuser(in_user_unused)
);

// bytes in the skid output beat (tkeep contiguous from byte 0)
reg [PW-1:0] in_nbytes;
integer      ki;
always @* begin
    in_nbytes = {PW{1'b0}};
    for (ki = 0; ki < B; ki = ki + 1)
        if (in_keep[ki]) in_nbytes = in_nbytes + 1'b1;
end

// ---------------------------------------------------------------- state
reg [8*B-1:0] cur_data_reg;    // the beat being split
reg [PW-1:0]  cur_n_reg;       // its byte count
reg           cur_last_reg;
reg           cur_valid_reg;
reg [PW-1:0]  pos_reg;         // first unprocessed byte of the beat
reg [1:0]     mode_reg;        // line state at pos_reg
reg [LW-1:0]  rr_reg;          // lane of the current / next data line
reg [15:0]    hdr_seen_reg;    // header lines consumed in this stream
reg [47:0]    lines_reg;       // data lines of this stream so far
reg [CW-1:0]  c_header, c_empty, c_bytes;

// ---------------------------------------------------------------- scan
// B decode_split_step instances in a row, step i on byte i of the held beat; step i's state
// outputs are wires of its own generate block (g_step[i].*_o), step 0 starts from the registers.
// After the chain: the end of stream (after the tlast beat's bytes).
localparam [PW:0] ZERO_C = {(PW+1){1'b0}};

wire                cnt_ready;
wire [LANES-1:0]    seg_ready;

genvar i;
generate
    for (i = 0; i < B; i = i + 1) begin : g_step
        localparam integer I_I = i;
        localparam [PW-1:0] IDX = I_I[PW-1:0];
        localparam integer NXT_I = i + 1;
        localparam [PW:0] NXT = NXT_I[PW:0];
        wire       avail = (IDX >= pos_reg) && (IDX < cur_n_reg);
        wire [7:0] byte_i = cur_data_reg[8*i +: 8];
        // the byte after this one (for a CR at a line start)
        wire       nb_in_beat = {1'b0, cur_n_reg} > NXT;
        wire       nb_byte_lf;
        if (i + 1 < B) begin : g_nb_in
            assign nb_byte_lf = (cur_data_reg[8*(i + 1) +: 8] == LF);
        end else begin : g_nb_out
            assign nb_byte_lf = 1'b0;
        end
        wire nb_known = nb_in_beat || cur_last_reg || in_valid;
        wire nb_eos = !nb_in_beat && (cur_last_reg || !in_keep[0]);
        wire nb_lf = nb_in_beat ? nb_byte_lf : (!cur_last_reg && in_keep[0] && (in_data[7:0] == LF));
        wire                stop_i, stop_o;
        wire [PW-1:0]       pos_i, pos_o;
        wire [1:0]          mode_i, mode_o;
        wire [LW-1:0]       rr_i, rr_o;
        wire [15:0]         hdr_i, hdr_o;
        wire [PW:0]         lines_i, lines_o;
        wire [LANES-1:0]    seg_we_i, seg_we_o;
        wire [LANES*PW-1:0] seg_start_i, seg_start_o;
        wire [LANES*PW-1:0] seg_end_i, seg_end_o;
        wire [PW:0]         nseg_i, nseg_o;
        wire [PW:0]         inc_hdr_i, inc_hdr_o;
        wire [PW:0]         inc_empty_i, inc_empty_o;
        if (i == 0) begin : g_from_regs
            assign stop_i = !cur_valid_reg;
            assign pos_i = pos_reg;
            assign mode_i = mode_reg;
            assign rr_i = rr_reg;
            assign hdr_i = hdr_seen_reg;
            assign lines_i = ZERO_C;
            assign seg_we_i = {LANES{1'b0}};
            assign seg_start_i = {LANES*PW{1'b0}};
            assign seg_end_i = {LANES*PW{1'b0}};
            assign nseg_i = ZERO_C;
            assign inc_hdr_i = ZERO_C;
            assign inc_empty_i = ZERO_C;
        end else begin : g_from_prev
            assign stop_i = g_step[i-1].stop_o;
            assign pos_i = g_step[i-1].pos_o;
            assign mode_i = g_step[i-1].mode_o;
            assign rr_i = g_step[i-1].rr_o;
            assign hdr_i = g_step[i-1].hdr_o;
            assign lines_i = g_step[i-1].lines_o;
            assign seg_we_i = g_step[i-1].seg_we_o;
            assign seg_start_i = g_step[i-1].seg_start_o;
            assign seg_end_i = g_step[i-1].seg_end_o;
            assign nseg_i = g_step[i-1].nseg_o;
            assign inc_hdr_i = g_step[i-1].inc_hdr_o;
            assign inc_empty_i = g_step[i-1].inc_empty_o;
        end
        decode_split_step #(
            .IN_BYTES(B),
            .LANES(LANES)
        ) step (
            .step_idx(IDX),
            .avail(avail),
            .b_in(byte_i),
            .nb_known(nb_known),
            .nb_lf(nb_lf),
            .nb_eos(nb_eos),
            .cfg_header_lines(cfg_header_lines),
            .stop_i(stop_i),
            .pos_i(pos_i),
            .mode_i(mode_i),
            .rr_i(rr_i),
            .hdr_i(hdr_i),
            .lines_i(lines_i),
            .seg_we_i(seg_we_i),
            .seg_start_i(seg_start_i),
            .seg_end_i(seg_end_i),
            .nseg_i(nseg_i),
            .inc_hdr_i(inc_hdr_i),
            .inc_empty_i(inc_empty_i),
            .stop_o(stop_o),
            .pos_o(pos_o),
            .mode_o(mode_o),
            .rr_o(rr_o),
            .hdr_o(hdr_o),
            .lines_o(lines_o),
            .seg_we_o(seg_we_o),
            .seg_start_o(seg_start_o),
            .seg_end_o(seg_end_o),
            .nseg_o(nseg_o),
            .inc_hdr_o(inc_hdr_o),
            .inc_empty_o(inc_empty_o)
        );
    end
endgenerate

// chain result
wire                ch_stop = g_step[B-1].stop_o;
wire [PW-1:0]       ch_pos = g_step[B-1].pos_o;
wire [1:0]          ch_mode = g_step[B-1].mode_o;
wire [LW-1:0]       ch_rr = g_step[B-1].rr_o;
wire [15:0]         ch_hdr = g_step[B-1].hdr_o;
wire [PW:0]         ch_lines = g_step[B-1].lines_o;
wire [LANES-1:0]    ch_seg_we = g_step[B-1].seg_we_o;
wire [LANES*PW-1:0] ch_seg_start = g_step[B-1].seg_start_o;
wire [LANES*PW-1:0] ch_seg_end = g_step[B-1].seg_end_o;
wire [PW:0]         ch_inc_hdr = g_step[B-1].inc_hdr_o;
wire [PW:0]         ch_inc_empty = g_step[B-1].inc_empty_o;
wire                unused_ch_nseg = &{1'b0, g_step[B-1].nseg_o};

// end of stream after the tlast beat's bytes (waits for space in the count FIFO)
reg [PW-1:0]        pos_n;
reg [1:0]           mode_n;
reg [LW-1:0]        rr_n;
reg [15:0]          hdr_n;
reg [PW:0]          lines_inc;     // data lines ended this cycle
reg [LANES-1:0]     seg_we;
reg [LANES*PW-1:0]  seg_start;
reg [LANES*PW-1:0]  seg_end;
reg [LANES-1:0]     seg_last;
reg [PW:0]          inc_hdr, inc_empty;
reg                 done, eos_do;

always @* begin
    pos_n = ch_pos;
    mode_n = ch_mode;
    rr_n = ch_rr;
    hdr_n = ch_hdr;
    lines_inc = ch_lines;
    seg_we = ch_seg_we;
    seg_start = ch_seg_start;
    seg_end = ch_seg_end;
    seg_last = {LANES{1'b0}};
    inc_hdr = ch_inc_hdr;
    inc_empty = ch_inc_empty;
    done = 1'b0;
    eos_do = 1'b0;
    if (!ch_stop && cur_last_reg) begin
        if (cnt_ready) begin
            eos_do = 1'b1;
            done = 1'b1;
            case (ch_mode)
                M_HDR: inc_hdr = ch_inc_hdr + 1'b1;
                M_ECR: inc_empty = ch_inc_empty + 1'b1;
                M_DATA: begin                           // a final line without LF
                    if (!ch_seg_we[ch_rr]) begin
                        seg_we[ch_rr] = 1'b1;
                        seg_start[PW*ch_rr +: PW] = cur_n_reg;
                        seg_end[PW*ch_rr +: PW] = cur_n_reg;
                    end
                    seg_last[ch_rr] = 1'b1;
                    lines_inc = ch_lines + 1'b1;
                    rr_n = (ch_rr == LAST_LANE) ? {LW{1'b0}} : ch_rr + 1'b1;
                end
                default: ;
            endcase
            mode_n = M_START;
        end else begin
            pos_n = cur_n_reg;                          // bytes done, end of stream pending
        end
    end else if (!ch_stop) begin
        done = 1'b1;
    end
end

wire [47:0] lines_n = lines_reg + {{(47-PW){1'b0}}, lines_inc};

// every lane that gets a segment must have FIFO space, else nothing moves this cycle
wire commit = cur_valid_reg && ((seg_we & ~seg_ready) == {LANES{1'b0}});
wire cur_free = !cur_valid_reg || (commit && done);
assign in_take = cur_free;

always @(posedge clk) begin
    if (commit) begin
        pos_reg <= pos_n;
        mode_reg <= mode_n;
        rr_reg <= rr_n;
        hdr_seen_reg <= hdr_n;
        lines_reg <= lines_n;
        c_header <= c_header + {{(CW-PW-1){1'b0}}, inc_hdr};
        c_empty <= c_empty + {{(CW-PW-1){1'b0}}, inc_empty};
        if (eos_do) begin
            hdr_seen_reg <= 16'd0;
            lines_reg <= 48'd0;
        end
        if (done) cur_valid_reg <= 1'b0;
    end
    if (cur_free && in_valid) begin
        cur_valid_reg <= 1'b1;
        cur_data_reg <= in_data;
        cur_n_reg <= in_nbytes;
        cur_last_reg <= in_last;
        pos_reg <= {PW{1'b0}};
        c_bytes <= c_bytes + {{(CW-PW){1'b0}}, in_nbytes};
    end
    if (rst) begin
        cur_valid_reg <= 1'b0;
        cur_n_reg <= {PW{1'b0}};
        cur_last_reg <= 1'b0;
        pos_reg <= {PW{1'b0}};
        mode_reg <= M_START;
        rr_reg <= {LW{1'b0}};
        hdr_seen_reg <= 16'd0;
        lines_reg <= 48'd0;
        c_header <= {CW{1'b0}};
        c_empty <= {CW{1'b0}};
        c_bytes <= {CW{1'b0}};
    end
end

assign status_header_lines = c_header;
assign status_empty_lines = c_empty;
assign status_bytes_in = c_bytes;

// ---------------------------------------------------------------- segment FIFOs
genvar l;
generate
for (l = 0; l < LANES; l = l + 1) begin : gen_lane
    wire [PW-1:0] st = seg_start[PW*l +: PW];
    wire [PW-1:0] en = seg_end[PW*l +: PW];
    wire [PW-1:0] len = en - st;
    wire [8*B-1:0] sh = cur_data_reg >> {st, 3'b000};
    reg  [B-1:0]   keep;
    integer        j;
    always @* begin
        for (j = 0; j < B; j = j + 1) keep[j] = (j < len);
    end
    wire [0:0] unused_user;
    wire [$clog2(SEG_FIFO_DEPTH):0] unused_level;
    // high-water mark widened to 16 bits, then saturated to 8 (DEPTH may exceed 255 in principle)
    wire [15:0] hwm16;
    assign hwm16[15:$clog2(SEG_FIFO_DEPTH)+1] = {(15-$clog2(SEG_FIFO_DEPTH)){1'b0}};
    assign status_seg_fifo_hwm[8*l +: 8] = (hwm16 > 16'd255) ? 8'hff : hwm16[7:0];

    axis_fifo #(
        .DEPTH(SEG_FIFO_DEPTH),
        .DATA_WIDTH(8 * B),
        .KEEP_ENABLE(1),
        .KEEP_WIDTH(B),
        .LAST_ENABLE(1),
        .USER_ENABLE(0),
        .STATUS_ENABLE(1)
    ) seg_fifo (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(sh),
        .s_axis_tkeep(keep),
        .s_axis_tvalid(seg_we[l] && commit),
        .s_axis_tready(seg_ready[l]),
        .s_axis_tlast(seg_last[l]),
        .s_axis_tuser(1'b0),
        .m_axis_tdata(m_axis_tdata[l*8*B +: 8*B]),
        .m_axis_tkeep(m_axis_tkeep[l*B +: B]),
        .m_axis_tvalid(m_axis_tvalid[l]),
        .m_axis_tready(m_axis_tready[l]),
        .m_axis_tlast(m_axis_tlast[l]),
        .m_axis_tuser(unused_user),
        .status_level(unused_level),
        .status_high_water(hwm16[$clog2(SEG_FIFO_DEPTH):0]),
        .status_hwm_clear(1'b0)
    );
end
endgenerate

// ---------------------------------------------------------------- line counts per stream
wire [5:0] unused_cnt_keep;
wire       unused_cnt_last;
wire [0:0] unused_cnt_user;
wire [$clog2(CNT_FIFO_DEPTH):0] unused_cnt_level;
wire [15:0] cnt_hwm16;
assign cnt_hwm16[15:$clog2(CNT_FIFO_DEPTH)+1] = {(15-$clog2(CNT_FIFO_DEPTH)){1'b0}};
assign status_cnt_fifo_hwm = (cnt_hwm16 > 16'd255) ? 8'hff : cnt_hwm16[7:0];

axis_fifo #(
    .DEPTH(CNT_FIFO_DEPTH),
    .DATA_WIDTH(48),
    .KEEP_ENABLE(0),
    .LAST_ENABLE(0),
    .USER_ENABLE(0),
    .STATUS_ENABLE(1)
) cnt_fifo (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(lines_n),
    .s_axis_tkeep(6'd0),
    .s_axis_tvalid(commit && eos_do),
    .s_axis_tready(cnt_ready),
    .s_axis_tlast(1'b0),
    .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_cnt_tdata),
    .m_axis_tkeep(unused_cnt_keep),
    .m_axis_tvalid(m_axis_cnt_tvalid),
    .m_axis_tready(m_axis_cnt_tready),
    .m_axis_tlast(unused_cnt_last),
    .m_axis_tuser(unused_cnt_user),
    .status_level(unused_cnt_level),
    .status_high_water(cnt_hwm16[$clog2(CNT_FIFO_DEPTH):0]),
    .status_hwm_clear(1'b0)
);

endmodule

`resetall
