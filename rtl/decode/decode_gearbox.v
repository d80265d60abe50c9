// SPDX-License-Identifier: Apache-2.0
// Sluice decode: per-lane byte packer (gearbox) between the splitter's segment
// FIFO and a decode lane (docs/spec/decode_rtl.md "Gearbox").
//
// Input: segments of 0..IN_BYTES bytes (tkeep contiguous from byte 0; tlast marks
// the end of a stream's unterminated final line, possibly with 0 bytes).
// Output: the concatenation of the segments in OUT_BYTES-byte beats. A partial beat
// (tkeep contiguous from byte 0) is sent only
//   - when the input has no segment this cycle (the lane would otherwise wait on
//     bytes that may not come before it has emitted its row: no deadlock with the
//     merger, which may be waiting for exactly this lane's row), or
//   - for the tlast segment's end (tlast beat, possibly with 0 bytes).
// So while the segment FIFO keeps up, the lane gets full beats.
//
// The accumulator holds at most OUT_BYTES-1 + IN_BYTES bytes; a segment is taken
// in the same cycle as the beat that brings the count below OUT_BYTES (no bubble).
// When fewer than OUT_BYTES bytes are held and the offered (non-tlast) segment
// completes a beat, that beat is sent from the accumulator and the segment together
// in the same cycle (bypass), so a short segment (a line's last bytes) costs no
// bubble either.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: IN_BYTES=8 OUT_BYTES=8
// lint-params: IN_BYTES=128 OUT_BYTES=32

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_gearbox #(
    // Input (segment) bytes per beat
    parameter IN_BYTES  = 16,
    // Output (lane) bytes per beat
    parameter OUT_BYTES = 8
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [8*IN_BYTES-1:0]  s_axis_tdata,
    input  wire [IN_BYTES-1:0]    s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,

    output wire [8*OUT_BYTES-1:0] m_axis_tdata,
    output wire [OUT_BYTES-1:0]   m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast
);

localparam B  = IN_BYTES;
localparam W  = OUT_BYTES;
localparam A  = W - 1 + B;                // accumulator bytes
localparam CNTW = $clog2(A + 1);

initial begin
    if (IN_BYTES < 1 || OUT_BYTES < 1 || IN_BYTES > 255) begin
        $error("Error: IN_BYTES must be in 1..255 and OUT_BYTES >= 1 (instance %m)");
        $finish;
    end
end

reg [8*A-1:0]  acc_reg;                   // bytes [0, cnt_reg) valid, the rest 0
reg [CNTW-1:0] cnt_reg;
reg            last_reg;                  // the accumulator ends a tlast segment

localparam integer W_I = W;
localparam [CNTW-1:0] WC = W_I[CNTW-1:0];

// segment length and its bytes masked to it
reg [CNTW-1:0] s_len;
reg [8*B-1:0]  s_masked;
integer        i;
always @* begin
    s_len = {CNTW{1'b0}};
    for (i = 0; i < B; i = i + 1) begin
        if (s_axis_tkeep[i]) s_len = s_len + 1'b1;
        s_masked[8*i +: 8] = s_axis_tkeep[i] ? s_axis_tdata[8*i +: 8] : 8'd0;
    end
end

wire            full_beat = (cnt_reg >= WC);
// bypass: the held bytes plus the offered segment make a full beat (cnt_reg < W, so
// cnt_reg + IN_BYTES <= A bytes: merged fits the accumulator)
wire [8*A-1:0]  s_ext     = {{(8*(A-B)){1'b0}}, s_masked};
wire [8*A-1:0]  merged    = acc_reg | (s_ext << {cnt_reg, 3'b000});
wire [CNTW-1:0] mcnt      = cnt_reg + s_len;
wire            bypass    = !full_beat && !last_reg && s_axis_tvalid && !s_axis_tlast && (mcnt >= WC);
wire            out_valid = full_beat || last_reg || bypass || (cnt_reg != {CNTW{1'b0}} && !s_axis_tvalid);
wire [CNTW-1:0] out_n     = (full_beat || bypass) ? WC : cnt_reg;
wire            out_last  = last_reg && (cnt_reg <= WC);
wire            take      = out_valid && m_axis_tready;
wire [CNTW-1:0] cnt1      = take ? cnt_reg - out_n : cnt_reg;
wire            last1     = last_reg && !(take && out_last);
wire [8*A-1:0]  acc1      = take ? (acc_reg >> {out_n, 3'b000}) : acc_reg;
wire            by_take   = bypass && take;   // beat of acc + segment sent, segment taken
wire            in_ready  = by_take || (!last1 && (cnt1 < WC));
wire            accept    = in_ready && s_axis_tvalid;

reg [W-1:0] keep_out;
integer     k;
always @* begin
    for (k = 0; k < W; k = k + 1) keep_out[k] = (k < out_n);
end

always @(posedge clk) begin
    if (by_take) begin
        acc_reg <= merged >> (8 * W);
        cnt_reg <= mcnt - WC;
    end else begin
        acc_reg <= accept ? (acc1 | (s_ext << {cnt1, 3'b000})) : acc1;
        cnt_reg <= accept ? cnt1 + s_len : cnt1;
    end
    last_reg <= last1 || (accept && s_axis_tlast);
    if (rst) begin
        acc_reg <= {8*A{1'b0}};
        cnt_reg <= {CNTW{1'b0}};
        last_reg <= 1'b0;
    end
end

assign s_axis_tready = in_ready;
assign m_axis_tdata  = bypass ? merged[8*W-1:0] : acc_reg[8*W-1:0];
assign m_axis_tkeep  = keep_out;
assign m_axis_tvalid = out_valid;
assign m_axis_tlast  = out_last;

endmodule

`resetall
