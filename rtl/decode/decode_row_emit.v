// SPDX-License-Identifier: Apache-2.0
// Sluice decode: row emitter. Holds one finished row (snapshot) and sends it as a
// DecodedRecord packet (docs/formats/records.md): a header beat, then
// row_value_beats value beats of FIELDS_PER_BEAT 64-bit slots (a tombstone is the
// header beat alone). The output goes through a skid buffer (axis_register
// REG_TYPE=2), so m_axis_tready reaches no logic combinationally.
//
// row_ready is high when a row offered on row_valid is taken this cycle: the
// emitter is idle, or it is sending the last beat of its row and that beat is
// accepted. A taken row starts on the next cycle (full throughput: one beat per
// cycle, back-to-back rows).
//
// A row taken with row_hash_pending waits (sends nothing) until one patch_valid
// cycle writes patch_value into column patch_col of the held row: the XXH64 of its
// last STR field, which the lane's hashing unit finishes after the row end.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: FIELDS_PER_BEAT=4
// lint-params: FIELDS_PER_BEAT=16

`resetall
`timescale 1ns / 1ps
`default_nettype none

module decode_row_emit #(
    // K: 64-bit value slots per output beat (power of two, 2..16; beat = 64*K bits)
    parameter FIELDS_PER_BEAT = 8
) (
    input  wire                          clk,
    input  wire                          rst,

    // one finished row (values of null/absent columns must be 0)
    input  wire                          row_valid,
    output wire                          row_ready,
    input  wire [47:0]                   row_number,
    input  wire [7:0]                    row_reason,
    input  wire                          row_tombstone,
    input  wire [63:0]                   row_null_mask,
    input  wire [64*64-1:0]              row_values,
    input  wire [3:0]                    row_value_beats,   // ceil(n_columns / K), >= 1
    input  wire                          row_hash_pending,  // one value arrives later on patch_*

    // late value of the held row (only while it waits for it)
    input  wire                          patch_valid,
    input  wire [5:0]                    patch_col,
    input  wire [63:0]                   patch_value,

    // DecodedRecord stream
    output wire [64*FIELDS_PER_BEAT-1:0] m_axis_tdata,
    output wire [8*FIELDS_PER_BEAT-1:0]  m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [0:0]                    m_axis_tuser
);

localparam BEAT_BITS = 64 * FIELDS_PER_BEAT;
localparam integer MAX_BEATS_I = 64 / FIELDS_PER_BEAT;
localparam [4:0] MAX_BEATS = MAX_BEATS_I[4:0];

initial begin
    if (FIELDS_PER_BEAT < 2 || FIELDS_PER_BEAT > 16 || (FIELDS_PER_BEAT & (FIELDS_PER_BEAT - 1)) != 0) begin
        $error("Error: FIELDS_PER_BEAT must be a power of two in 2..16 (instance %m)");
        $finish;
    end
end

reg                   busy_reg;
reg                   pend_reg;       // the held row waits for its patch
reg [4:0]             beat_reg;       // beat being offered: 0 header, 1.. value beats
reg [4:0]             last_reg;       // index of the last beat of the row
reg [127:0]           header_reg;
reg [64*64-1:0]       values_reg;

wire                  e_ready;        // skid buffer input ready (registered)
wire                  e_last = (beat_reg == last_reg);
wire                  e_send = busy_reg && !pend_reg;
wire                  e_take = e_send && e_ready;

assign row_ready = !busy_reg || (e_take && e_last);

// value beat b (1-based) holds columns (b-1)*K .. b*K-1
wire [4:0]            vb_idx = beat_reg - 5'd1;
wire [4:0]            slice_idx = (beat_reg == 5'd0 || vb_idx >= MAX_BEATS) ? 5'd0 : vb_idx;
reg  [BEAT_BITS-1:0]  value_beat;
integer               vb;
always @* begin
    value_beat = {BEAT_BITS{1'b0}};
    for (vb = 0; vb < MAX_BEATS_I; vb = vb + 1)
        if (slice_idx == vb[4:0]) value_beat = values_reg[vb*BEAT_BITS +: BEAT_BITS];
end
wire [BEAT_BITS-1:0]  header_beat;

generate
if (BEAT_BITS > 128) begin : gen_hdr_pad
    assign header_beat = {{(BEAT_BITS - 128){1'b0}}, header_reg};
end else begin : gen_hdr_fit
    assign header_beat = header_reg;
end
endgenerate

wire [BEAT_BITS-1:0]  e_data = (beat_reg == 5'd0) ? header_beat : value_beat;

always @(posedge clk) begin
    if (e_take) begin
        beat_reg <= beat_reg + 5'd1;
        if (e_last) busy_reg <= 1'b0;
    end
    if (row_valid && row_ready) begin
        busy_reg <= 1'b1;
        beat_reg <= 5'd0;
        last_reg <= row_tombstone ? 5'd0 : {1'b0, row_value_beats};
        header_reg <= {row_tombstone ? 64'd0 : row_null_mask,
                       7'd0, row_tombstone, row_reason, row_number};
        values_reg <= row_values;
        pend_reg <= row_hash_pending;
    end
    if (patch_valid) begin
        values_reg[64*patch_col +: 64] <= patch_value;
        pend_reg <= 1'b0;
    end
    if (rst) begin
        busy_reg <= 1'b0;
        pend_reg <= 1'b0;
        beat_reg <= 5'd0;
        last_reg <= 5'd0;
    end
end

axis_register #(
    .DATA_WIDTH(BEAT_BITS),
    .KEEP_ENABLE(0),
    .LAST_ENABLE(1),
    .USER_ENABLE(0),
    .REG_TYPE(2)
) out_reg (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(e_data),
    .s_axis_tkeep({8*FIELDS_PER_BEAT{1'b1}}),
    .s_axis_tvalid(e_send),
    .s_axis_tready(e_ready),
    .s_axis_tlast(e_last),
    .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tkeep(m_axis_tkeep),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tuser(m_axis_tuser)
);

endmodule

`resetall
