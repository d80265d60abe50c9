// SPDX-License-Identifier: Apache-2.0
// Sluice common block: AXI-Stream width adapter (byte-lane upsize/downsize).
//
// One of S_DATA_WIDTH / M_DATA_WIDTH must be an integer multiple of the other.
// A "segment" is the narrow side's width; SEG_COUNT segments make a wide beat.
//
// Upsize   (M = SEG_COUNT * S): input beats fill segments 0,1,.. of one output
//          beat (segment 0 = least significant bits). A beat with tlast closes
//          the output beat early; unfilled segments have tkeep = 0 and tdata 0.
//          tuser of an output beat = tuser of the last input beat it absorbed.
//          Output is registered; s_axis_tready = ~m_axis_tvalid | m_axis_tready.
// Downsize (S = SEG_COUNT * M): each input beat is registered and emitted as
//          segments 0,1,.. ; segments after the last one with any tkeep bit set
//          are skipped (partial last beats), so the output beat count follows
//          the byte count. Segment 0 is always emitted (a tlast beat with
//          tkeep = 0 stays a tlast beat). tlast goes on the last emitted
//          segment, tuser is copied to every segment. With M_KEEP_ENABLE = 0
//          the input tkeep must be contiguous from lane 0.
// Equal    : wires only.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: S_DATA_WIDTH=64 M_DATA_WIDTH=8
// lint-params: S_DATA_WIDTH=32 M_DATA_WIDTH=128 USER_WIDTH=2
// lint-params: S_DATA_WIDTH=32 M_DATA_WIDTH=32
// lint-params: S_DATA_WIDTH=8 M_DATA_WIDTH=32 M_KEEP_ENABLE=1 LAST_ENABLE=0 USER_ENABLE=0
//
// Extra synthesis parameter sets (read by cosim.synth):
// synth-params: S_DATA_WIDTH=64 M_DATA_WIDTH=8

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axis_adapter #(
    // Width of input tdata in bits
    parameter S_DATA_WIDTH  = 8,
    // Input has tkeep (byte enables); when 0, all input bytes are valid
    parameter S_KEEP_ENABLE = (S_DATA_WIDTH > 8),
    // Width of input tkeep in bits (one per byte lane)
    parameter S_KEEP_WIDTH  = ((S_DATA_WIDTH + 7) / 8),
    // Width of output tdata in bits
    parameter M_DATA_WIDTH  = 64,
    // Output has tkeep; when 0, m_axis_tkeep is all ones
    parameter M_KEEP_ENABLE = (M_DATA_WIDTH > 8),
    // Width of output tkeep in bits (one per byte lane)
    parameter M_KEEP_WIDTH  = ((M_DATA_WIDTH + 7) / 8),
    // Honour tlast; when 0, every input beat is treated as tlast = 0 and
    // m_axis_tlast is constant 1 (pure width conversion of an endless stream)
    parameter LAST_ENABLE   = 1,
    // Propagate tuser; when 0, m_axis_tuser is constant 0
    parameter USER_ENABLE   = 1,
    // Width of tuser in bits
    parameter USER_WIDTH    = 1
) (
    input  wire                    clk,
    input  wire                    rst,

    // AXI-Stream input (sink side)
    input  wire [S_DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [S_KEEP_WIDTH-1:0] s_axis_tkeep,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,
    input  wire                    s_axis_tlast,
    input  wire [USER_WIDTH-1:0]   s_axis_tuser,

    // AXI-Stream output (source side)
    output wire [M_DATA_WIDTH-1:0] m_axis_tdata,
    output wire [M_KEEP_WIDTH-1:0] m_axis_tkeep,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready,
    output wire                    m_axis_tlast,
    output wire [USER_WIDTH-1:0]   m_axis_tuser
);

// narrow / wide side
localparam UPSIZE         = (M_DATA_WIDTH > S_DATA_WIDTH);
localparam DOWNSIZE       = (S_DATA_WIDTH > M_DATA_WIDTH);
localparam SEG_COUNT      = UPSIZE ? (M_DATA_WIDTH / S_DATA_WIDTH) :
                            DOWNSIZE ? (S_DATA_WIDTH / M_DATA_WIDTH) : 1;
localparam SEG_DATA_WIDTH = UPSIZE ? S_DATA_WIDTH : M_DATA_WIDTH;
// keep bits per segment on the wide side (byte lanes)
localparam WIDE_KEEP      = UPSIZE ? M_KEEP_WIDTH : S_KEEP_WIDTH;
localparam SEG_KEEP_WIDTH = (WIDE_KEEP / SEG_COUNT) > 0 ? (WIDE_KEEP / SEG_COUNT) : 1;
localparam SEG_PTR_WIDTH  = SEG_COUNT > 1 ? $clog2(SEG_COUNT) : 1;
// segment counter terminal value
localparam integer SEG_LAST = SEG_COUNT - 1;

// Parameter checks (elaboration / time 0)
initial begin
    if (S_DATA_WIDTH < 1 || M_DATA_WIDTH < 1) begin
        $error("Error: S_DATA_WIDTH and M_DATA_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
    if ((M_DATA_WIDTH % S_DATA_WIDTH) != 0 && (S_DATA_WIDTH % M_DATA_WIDTH) != 0) begin
        $error("Error: one data width must be an integer multiple of the other (instance %m)");
        $finish;
    end
    if (S_KEEP_ENABLE != 0 && S_KEEP_WIDTH * 8 != S_DATA_WIDTH) begin
        $error("Error: with S_KEEP_ENABLE, S_DATA_WIDTH must equal 8*S_KEEP_WIDTH (instance %m)");
        $finish;
    end
    if (M_KEEP_ENABLE != 0 && M_KEEP_WIDTH * 8 != M_DATA_WIDTH) begin
        $error("Error: with M_KEEP_ENABLE, M_DATA_WIDTH must equal 8*M_KEEP_WIDTH (instance %m)");
        $finish;
    end
    if ((UPSIZE || DOWNSIZE) && (SEG_DATA_WIDTH % 8) != 0) begin
        $error("Error: the narrow side must be a whole number of bytes (instance %m)");
        $finish;
    end
    if ((UPSIZE || DOWNSIZE) && WIDE_KEEP != SEG_COUNT * SEG_KEEP_WIDTH) begin
        $error("Error: wide-side KEEP_WIDTH must be SEG_COUNT * narrow KEEP_WIDTH (instance %m)");
        $finish;
    end
    if (USER_WIDTH < 1) begin
        $error("Error: USER_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

// Inputs that a parameter set may leave unused (see docs/rtl_conventions.md)
wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tlast, s_axis_tuser, clk, rst};

// input sideband after enable masking
wire [S_KEEP_WIDTH-1:0] s_keep = S_KEEP_ENABLE ? s_axis_tkeep : {S_KEEP_WIDTH{1'b1}};
wire                    s_last = LAST_ENABLE ? s_axis_tlast : 1'b0;
wire [USER_WIDTH-1:0]   s_user = USER_ENABLE ? s_axis_tuser : {USER_WIDTH{1'b0}};

generate

if (UPSIZE) begin : gen_upsize
    // ---------------------------------------------------------------------
    // Upsize: accumulate narrow beats straight into the output register.
    // ---------------------------------------------------------------------
    reg [SEG_PTR_WIDTH-1:0] seg_ptr_reg, seg_ptr_next;

    reg [M_DATA_WIDTH-1:0]  m_axis_tdata_reg, m_axis_tdata_next;
    reg [M_KEEP_WIDTH-1:0]  m_axis_tkeep_reg, m_axis_tkeep_next;
    reg                     m_axis_tvalid_reg, m_axis_tvalid_next;
    reg                     m_axis_tlast_reg, m_axis_tlast_next;
    reg [USER_WIDTH-1:0]    m_axis_tuser_reg, m_axis_tuser_next;

    // narrow-side keep as one segment of the wide keep
    wire [SEG_KEEP_WIDTH-1:0] seg_keep = s_keep;

    integer i;

    assign s_axis_tready = !m_axis_tvalid_reg || m_axis_tready;

    assign m_axis_tdata  = m_axis_tdata_reg;
    assign m_axis_tkeep  = M_KEEP_ENABLE ? m_axis_tkeep_reg : {M_KEEP_WIDTH{1'b1}};
    assign m_axis_tvalid = m_axis_tvalid_reg;
    assign m_axis_tlast  = LAST_ENABLE ? m_axis_tlast_reg : 1'b1;
    assign m_axis_tuser  = m_axis_tuser_reg;

    always @* begin
        seg_ptr_next = seg_ptr_reg;
        m_axis_tdata_next = m_axis_tdata_reg;
        m_axis_tkeep_next = m_axis_tkeep_reg;
        m_axis_tvalid_next = m_axis_tvalid_reg && !m_axis_tready;
        m_axis_tlast_next = m_axis_tlast_reg;
        m_axis_tuser_next = m_axis_tuser_reg;

        if (s_axis_tvalid && s_axis_tready) begin
            if (seg_ptr_reg == {SEG_PTR_WIDTH{1'b0}}) begin
                // first segment of a new output beat
                m_axis_tdata_next = {M_DATA_WIDTH{1'b0}};
                m_axis_tkeep_next = {M_KEEP_WIDTH{1'b0}};
            end
            for (i = 0; i < SEG_COUNT; i = i + 1) begin
                if (seg_ptr_reg == i[SEG_PTR_WIDTH-1:0]) begin
                    m_axis_tdata_next[i*SEG_DATA_WIDTH +: SEG_DATA_WIDTH] = s_axis_tdata;
                    m_axis_tkeep_next[i*SEG_KEEP_WIDTH +: SEG_KEEP_WIDTH] = seg_keep;
                end
            end
            m_axis_tlast_next = s_last;
            m_axis_tuser_next = s_user;

            if (s_last || seg_ptr_reg == SEG_LAST[SEG_PTR_WIDTH-1:0]) begin
                seg_ptr_next = {SEG_PTR_WIDTH{1'b0}};
                m_axis_tvalid_next = 1'b1;
            end else begin
                seg_ptr_next = seg_ptr_reg + 1'b1;
            end
        end
    end

    always @(posedge clk) begin
        seg_ptr_reg <= seg_ptr_next;
        m_axis_tdata_reg <= m_axis_tdata_next;
        m_axis_tkeep_reg <= m_axis_tkeep_next;
        m_axis_tvalid_reg <= m_axis_tvalid_next;
        m_axis_tlast_reg <= m_axis_tlast_next;
        m_axis_tuser_reg <= m_axis_tuser_next;

        if (rst) begin
            seg_ptr_reg <= {SEG_PTR_WIDTH{1'b0}};
            m_axis_tvalid_reg <= 1'b0;
        end
    end

end else if (DOWNSIZE) begin : gen_downsize
    // ---------------------------------------------------------------------
    // Downsize: register one wide beat, emit its segments from the register.
    // ---------------------------------------------------------------------
    reg [SEG_PTR_WIDTH-1:0] seg_ptr_reg, seg_ptr_next;

    reg [S_DATA_WIDTH-1:0]  buf_tdata_reg;
    reg [S_KEEP_WIDTH-1:0]  buf_tkeep_reg;
    reg                     buf_tvalid_reg, buf_tvalid_next;
    reg                     buf_tlast_reg;
    reg [USER_WIDTH-1:0]    buf_tuser_reg;

    reg [M_DATA_WIDTH-1:0]   seg_tdata;
    reg [SEG_KEEP_WIDTH-1:0] seg_tkeep;
    reg                      seg_final;   // no kept bytes beyond this segment
    reg                      load;

    integer i;

    // accept a new wide beat when the buffer is empty or its final segment
    // leaves this cycle
    assign s_axis_tready = !buf_tvalid_reg || (m_axis_tready && seg_final);

    assign m_axis_tdata  = seg_tdata;
    assign m_axis_tkeep  = M_KEEP_ENABLE ? seg_tkeep : {M_KEEP_WIDTH{1'b1}};
    assign m_axis_tvalid = buf_tvalid_reg;
    assign m_axis_tlast  = LAST_ENABLE ? (buf_tlast_reg && seg_final) : 1'b1;
    assign m_axis_tuser  = buf_tuser_reg;

    // segment select and end-of-beat detection
    always @* begin
        seg_tdata = {M_DATA_WIDTH{1'b0}};
        seg_tkeep = {SEG_KEEP_WIDTH{1'b0}};
        seg_final = 1'b1;
        for (i = 0; i < SEG_COUNT; i = i + 1) begin
            if (seg_ptr_reg == i[SEG_PTR_WIDTH-1:0]) begin
                seg_tdata = buf_tdata_reg[i*SEG_DATA_WIDTH +: SEG_DATA_WIDTH];
                seg_tkeep = buf_tkeep_reg[i*SEG_KEEP_WIDTH +: SEG_KEEP_WIDTH];
            end
            if (i[SEG_PTR_WIDTH:0] > {1'b0, seg_ptr_reg} &&
                    |buf_tkeep_reg[i*SEG_KEEP_WIDTH +: SEG_KEEP_WIDTH]) begin
                seg_final = 1'b0;
            end
        end
    end

    always @* begin
        seg_ptr_next = seg_ptr_reg;
        buf_tvalid_next = buf_tvalid_reg;
        load = 1'b0;

        if (buf_tvalid_reg && m_axis_tready) begin
            // current segment leaves
            if (seg_final) begin
                seg_ptr_next = {SEG_PTR_WIDTH{1'b0}};
                buf_tvalid_next = 1'b0;
            end else begin
                seg_ptr_next = seg_ptr_reg + 1'b1;
            end
        end

        if (s_axis_tvalid && s_axis_tready) begin
            load = 1'b1;
            buf_tvalid_next = 1'b1;
            seg_ptr_next = {SEG_PTR_WIDTH{1'b0}};
        end
    end

    always @(posedge clk) begin
        seg_ptr_reg <= seg_ptr_next;
        buf_tvalid_reg <= buf_tvalid_next;

        if (load) begin
            buf_tdata_reg <= s_axis_tdata;
            buf_tkeep_reg <= s_keep;
            buf_tlast_reg <= s_last;
            buf_tuser_reg <= s_user;
        end

        if (rst) begin
            seg_ptr_reg <= {SEG_PTR_WIDTH{1'b0}};
            buf_tvalid_reg <= 1'b0;
        end
    end

end else begin : gen_passthrough
    // ---------------------------------------------------------------------
    // Equal widths: wires only (tkeep re-generated per M_KEEP_ENABLE).
    // ---------------------------------------------------------------------
    assign s_axis_tready = m_axis_tready;

    assign m_axis_tdata  = s_axis_tdata;
    assign m_axis_tkeep  = M_KEEP_ENABLE ? s_keep : {M_KEEP_WIDTH{1'b1}};
    assign m_axis_tvalid = s_axis_tvalid;
    assign m_axis_tlast  = LAST_ENABLE ? s_last : 1'b1;
    assign m_axis_tuser  = s_user;
end

endgenerate

endmodule

`resetall
