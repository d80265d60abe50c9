// SPDX-License-Identifier: Apache-2.0
// Sluice common block: synchronous AXI-Stream FIFO.
//
// - DEPTH words (power of two, >= 2) of {tuser, tlast, tkeep, tdata}; only the
//   enabled sideband fields are stored.
// - Registered output: memory is read synchronously into an output register
//   (block-RAM friendly). Latency in -> out is 2 cycles.
// - s_axis_tready depends on registers only (no combinational path from
//   m_axis_tready to s_axis_tready).
// - Total capacity is exactly DEPTH beats, counted across memory and the
//   output register; status_level reports that count (0..DEPTH).
// - status_high_water holds the largest status_level seen since reset or the
//   last status_hwm_clear pulse (engines feed it to their "FIFO high-water
//   mark" CSR counters). With STATUS_ENABLE=0 both status outputs read 0 and
//   cost no logic.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: DEPTH=2 DATA_WIDTH=8
// lint-params: DEPTH=64 DATA_WIDTH=64 USER_ENABLE=1 USER_WIDTH=4
// lint-params: DEPTH=8 DATA_WIDTH=32 KEEP_ENABLE=0 LAST_ENABLE=0 STATUS_ENABLE=0

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axis_fifo #(
    // Number of words in the FIFO (power of two, >= 2)
    parameter DEPTH         = 16,
    // Width of tdata in bits
    parameter DATA_WIDTH    = 8,
    // Store tkeep (byte enables); when 0, m_axis_tkeep is all ones
    parameter KEEP_ENABLE   = (DATA_WIDTH > 8),
    // Width of tkeep in bits (one per byte lane)
    parameter KEEP_WIDTH    = ((DATA_WIDTH + 7) / 8),
    // Store tlast; when 0, m_axis_tlast is constant 1
    parameter LAST_ENABLE   = 1,
    // Store tuser; when 0, m_axis_tuser is constant 0
    parameter USER_ENABLE   = 1,
    // Width of tuser in bits
    parameter USER_WIDTH    = 1,
    // Build the fill level / high-water mark logic (status_* outputs)
    parameter STATUS_ENABLE = 1,
    // Width of the status_* outputs (derived; do not override)
    parameter LEVEL_WIDTH   = $clog2(DEPTH) + 1
) (
    input  wire                   clk,
    input  wire                   rst,

    // AXI-Stream input (sink side)
    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    input  wire [USER_WIDTH-1:0]  s_axis_tuser,

    // AXI-Stream output (source side)
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire [USER_WIDTH-1:0]  m_axis_tuser,

    // Status
    output wire [LEVEL_WIDTH-1:0] status_level,       // beats held now
    output wire [LEVEL_WIDTH-1:0] status_high_water,  // max level since clear
    input  wire                   status_hwm_clear    // 1-cycle pulse: restart the high-water mark
);

localparam ADDR_WIDTH  = $clog2(DEPTH);

// packed word layout: {user, last, keep, data}, disabled fields omitted
localparam KEEP_OFFSET = DATA_WIDTH;
localparam LAST_OFFSET = KEEP_OFFSET + (KEEP_ENABLE ? KEEP_WIDTH : 0);
localparam USER_OFFSET = LAST_OFFSET + (LAST_ENABLE ? 1 : 0);
localparam WIDTH       = USER_OFFSET + (USER_ENABLE ? USER_WIDTH : 0);

// Parameter checks (elaboration / time 0)
initial begin
    if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin
        $error("Error: DEPTH must be a power of two >= 2 (instance %m)");
        $finish;
    end
    if (KEEP_ENABLE != 0 && KEEP_WIDTH * 8 != DATA_WIDTH) begin
        $error("Error: with KEEP_ENABLE, DATA_WIDTH must equal 8*KEEP_WIDTH (instance %m)");
        $finish;
    end
    if (USER_WIDTH < 1) begin
        $error("Error: USER_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
    if (LEVEL_WIDTH != ADDR_WIDTH + 1) begin
        $error("Error: LEVEL_WIDTH is derived; do not override it (instance %m)");
        $finish;
    end
end

// Inputs that a parameter set may leave unused (see docs/rtl_conventions.md)
wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tlast, s_axis_tuser, status_hwm_clear};

// memory (no reset: data only)
reg [WIDTH-1:0] mem [0:DEPTH-1];

// pointers carry one extra wrap bit
reg [ADDR_WIDTH:0] wr_ptr_reg;
reg [ADDR_WIDTH:0] rd_ptr_reg;

// output register
reg [WIDTH-1:0] m_axis_reg;
reg             m_axis_tvalid_reg;

wire [ADDR_WIDTH:0] mem_count = wr_ptr_reg - rd_ptr_reg;
wire                mem_empty = (wr_ptr_reg == rd_ptr_reg);
wire [ADDR_WIDTH:0] level     = mem_count + {{ADDR_WIDTH{1'b0}}, m_axis_tvalid_reg};
wire                full      = level[ADDR_WIDTH];   // level == DEPTH

wire write = s_axis_tvalid && !full;
wire read  = !mem_empty && (!m_axis_tvalid_reg || m_axis_tready);

assign s_axis_tready = !full;

// pack input word
wire [WIDTH-1:0] s_axis;
assign s_axis[DATA_WIDTH-1:0] = s_axis_tdata;

generate
    if (KEEP_ENABLE) begin : gen_keep_in
        assign s_axis[KEEP_OFFSET +: KEEP_WIDTH] = s_axis_tkeep;
        assign m_axis_tkeep = m_axis_reg[KEEP_OFFSET +: KEEP_WIDTH];
    end else begin : gen_no_keep
        assign m_axis_tkeep = {KEEP_WIDTH{1'b1}};
    end

    if (LAST_ENABLE) begin : gen_last
        assign s_axis[LAST_OFFSET] = s_axis_tlast;
        assign m_axis_tlast = m_axis_reg[LAST_OFFSET];
    end else begin : gen_no_last
        assign m_axis_tlast = 1'b1;
    end

    if (USER_ENABLE) begin : gen_user
        assign s_axis[USER_OFFSET +: USER_WIDTH] = s_axis_tuser;
        assign m_axis_tuser = m_axis_reg[USER_OFFSET +: USER_WIDTH];
    end else begin : gen_no_user
        assign m_axis_tuser = {USER_WIDTH{1'b0}};
    end
endgenerate

assign m_axis_tdata  = m_axis_reg[DATA_WIDTH-1:0];
assign m_axis_tvalid = m_axis_tvalid_reg;

// write port
always @(posedge clk) begin
    if (write) begin
        mem[wr_ptr_reg[ADDR_WIDTH-1:0]] <= s_axis;
    end
end

// read port into the output register
always @(posedge clk) begin
    if (read) begin
        m_axis_reg <= mem[rd_ptr_reg[ADDR_WIDTH-1:0]];
    end
end

// control state
always @(posedge clk) begin
    if (write) begin
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
    end
    if (read) begin
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
        m_axis_tvalid_reg <= 1'b1;
    end else if (m_axis_tready) begin
        m_axis_tvalid_reg <= 1'b0;
    end

    if (rst) begin
        wr_ptr_reg <= {ADDR_WIDTH+1{1'b0}};
        rd_ptr_reg <= {ADDR_WIDTH+1{1'b0}};
        m_axis_tvalid_reg <= 1'b0;
    end
end

// status: fill level and high-water mark
generate
    if (STATUS_ENABLE) begin : gen_status
        reg [ADDR_WIDTH:0] high_water_reg;

        always @(posedge clk) begin
            if (status_hwm_clear) begin
                high_water_reg <= level;
            end else if (level > high_water_reg) begin
                high_water_reg <= level;
            end

            if (rst) begin
                high_water_reg <= {ADDR_WIDTH+1{1'b0}};
            end
        end

        assign status_level      = level;
        assign status_high_water = high_water_reg;
    end else begin : gen_no_status
        assign status_level      = {LEVEL_WIDTH{1'b0}};
        assign status_high_water = {LEVEL_WIDTH{1'b0}};
    end
endgenerate

endmodule

`resetall
