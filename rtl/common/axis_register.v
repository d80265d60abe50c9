// SPDX-License-Identifier: Apache-2.0
// Sluice common block: AXI-Stream register slice.
//
// REG_TYPE selects the implementation:
//   0  bypass          - wires only, zero latency, no state.
//   1  simple register - tdata/tkeep/tlast/tuser/tvalid registered (1 cycle
//                        latency, full throughput); tready is combinational
//                        (s_axis_tready = m_axis_tready | ~m_axis_tvalid).
//   2  skid buffer     - forward path AND tready registered (1 cycle latency,
//                        full throughput); breaks every combinational path
//                        between the s_axis and m_axis sides.
//
// Lint parameter sets (read by cosim.lint):
// lint-params: REG_TYPE=0 DATA_WIDTH=8
// lint-params: REG_TYPE=1 DATA_WIDTH=64 USER_ENABLE=1 USER_WIDTH=3
// lint-params: REG_TYPE=2 DATA_WIDTH=32 KEEP_ENABLE=0 LAST_ENABLE=0
//
// Extra synthesis parameter sets (read by cosim.synth):
// synth-params: REG_TYPE=1 DATA_WIDTH=64

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axis_register #(
    // Width of tdata in bits
    parameter DATA_WIDTH  = 8,
    // Propagate tkeep (byte enables); when 0, m_axis_tkeep is all ones
    parameter KEEP_ENABLE = (DATA_WIDTH > 8),
    // Width of tkeep in bits (one per byte lane)
    parameter KEEP_WIDTH  = ((DATA_WIDTH + 7) / 8),
    // Propagate tlast; when 0, m_axis_tlast is constant 1
    parameter LAST_ENABLE = 1,
    // Propagate tuser; when 0, m_axis_tuser is constant 0
    parameter USER_ENABLE = 1,
    // Width of tuser in bits
    parameter USER_WIDTH  = 1,
    // Implementation: 0 bypass, 1 simple register, 2 skid buffer
    parameter REG_TYPE    = 2
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
    output wire [USER_WIDTH-1:0]  m_axis_tuser
);

// Parameter checks (elaboration / time 0)
initial begin
    if (DATA_WIDTH < 1) begin
        $error("Error: DATA_WIDTH must be >= 1 (instance %m)");
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
    if (REG_TYPE < 0 || REG_TYPE > 2) begin
        $error("Error: REG_TYPE must be 0, 1 or 2 (instance %m)");
        $finish;
    end
end

// Inputs that a parameter set may leave unused; the *unused* name keeps
// `verilator -Wall` quiet (default --unused-regexp).
wire unused_inputs = &{1'b0, s_axis_tkeep, s_axis_tlast, s_axis_tuser, clk, rst};

// Optional sideband fields after enable masking
wire [KEEP_WIDTH-1:0] s_keep = KEEP_ENABLE ? s_axis_tkeep : {KEEP_WIDTH{1'b1}};
wire                  s_last = LAST_ENABLE ? s_axis_tlast : 1'b1;
wire [USER_WIDTH-1:0] s_user = USER_ENABLE ? s_axis_tuser : {USER_WIDTH{1'b0}};

generate

if (REG_TYPE == 2) begin : gen_skid
    // Skid buffer: output register plus one temporary register that
    // catches the beat accepted while tready (registered) was still high.

    reg                  s_axis_tready_reg;

    reg [DATA_WIDTH-1:0] m_axis_tdata_reg;
    reg [KEEP_WIDTH-1:0] m_axis_tkeep_reg;
    reg                  m_axis_tvalid_reg, m_axis_tvalid_next;
    reg                  m_axis_tlast_reg;
    reg [USER_WIDTH-1:0] m_axis_tuser_reg;

    reg [DATA_WIDTH-1:0] temp_tdata_reg;
    reg [KEEP_WIDTH-1:0] temp_tkeep_reg;
    reg                  temp_tvalid_reg, temp_tvalid_next;
    reg                  temp_tlast_reg;
    reg [USER_WIDTH-1:0] temp_tuser_reg;

    // data path steering
    reg store_input_to_output;
    reg store_input_to_temp;
    reg store_temp_to_output;

    // ready next cycle if the output will drain, or if the temp register is
    // empty and will not fill this cycle
    wire s_axis_tready_early = m_axis_tready ||
        (!temp_tvalid_reg && (!m_axis_tvalid_reg || !s_axis_tvalid));

    assign s_axis_tready = s_axis_tready_reg;

    assign m_axis_tdata  = m_axis_tdata_reg;
    assign m_axis_tkeep  = m_axis_tkeep_reg;
    assign m_axis_tvalid = m_axis_tvalid_reg;
    assign m_axis_tlast  = m_axis_tlast_reg;
    assign m_axis_tuser  = m_axis_tuser_reg;

    always @* begin
        m_axis_tvalid_next = m_axis_tvalid_reg;
        temp_tvalid_next = temp_tvalid_reg;

        store_input_to_output = 1'b0;
        store_input_to_temp = 1'b0;
        store_temp_to_output = 1'b0;

        if (s_axis_tready_reg) begin
            if (m_axis_tready || !m_axis_tvalid_reg) begin
                // output free or draining: input goes straight to output
                // (data registers load only with valid data: a simulator skips the copy on idle cycles)
                m_axis_tvalid_next = s_axis_tvalid;
                store_input_to_output = s_axis_tvalid;
            end else begin
                // output stalled: park input in temp
                temp_tvalid_next = s_axis_tvalid;
                store_input_to_temp = s_axis_tvalid;
            end
        end else if (m_axis_tready) begin
            // input not ready: move temp to output
            m_axis_tvalid_next = temp_tvalid_reg;
            temp_tvalid_next = 1'b0;
            store_temp_to_output = 1'b1;
        end
    end

    always @(posedge clk) begin
        s_axis_tready_reg <= s_axis_tready_early;
        m_axis_tvalid_reg <= m_axis_tvalid_next;
        temp_tvalid_reg <= temp_tvalid_next;

        if (store_input_to_output) begin
            m_axis_tdata_reg <= s_axis_tdata;
            m_axis_tkeep_reg <= s_keep;
            m_axis_tlast_reg <= s_last;
            m_axis_tuser_reg <= s_user;
        end else if (store_temp_to_output) begin
            m_axis_tdata_reg <= temp_tdata_reg;
            m_axis_tkeep_reg <= temp_tkeep_reg;
            m_axis_tlast_reg <= temp_tlast_reg;
            m_axis_tuser_reg <= temp_tuser_reg;
        end

        if (store_input_to_temp) begin
            temp_tdata_reg <= s_axis_tdata;
            temp_tkeep_reg <= s_keep;
            temp_tlast_reg <= s_last;
            temp_tuser_reg <= s_user;
        end

        if (rst) begin
            s_axis_tready_reg <= 1'b0;
            m_axis_tvalid_reg <= 1'b0;
            temp_tvalid_reg <= 1'b0;
        end
    end

end else if (REG_TYPE == 1) begin : gen_simple
    // Forward register: one output register, ready passed back combinationally.

    reg [DATA_WIDTH-1:0] m_axis_tdata_reg;
    reg [KEEP_WIDTH-1:0] m_axis_tkeep_reg;
    reg                  m_axis_tvalid_reg, m_axis_tvalid_next;
    reg                  m_axis_tlast_reg;
    reg [USER_WIDTH-1:0] m_axis_tuser_reg;

    reg store_input_to_output;

    assign s_axis_tready = m_axis_tready || !m_axis_tvalid_reg;

    assign m_axis_tdata  = m_axis_tdata_reg;
    assign m_axis_tkeep  = m_axis_tkeep_reg;
    assign m_axis_tvalid = m_axis_tvalid_reg;
    assign m_axis_tlast  = m_axis_tlast_reg;
    assign m_axis_tuser  = m_axis_tuser_reg;

    always @* begin
        m_axis_tvalid_next = m_axis_tvalid_reg;
        store_input_to_output = 1'b0;

        if (m_axis_tready || !m_axis_tvalid_reg) begin
            m_axis_tvalid_next = s_axis_tvalid;
            store_input_to_output = s_axis_tvalid;
        end
    end

    always @(posedge clk) begin
        m_axis_tvalid_reg <= m_axis_tvalid_next;

        if (store_input_to_output) begin
            m_axis_tdata_reg <= s_axis_tdata;
            m_axis_tkeep_reg <= s_keep;
            m_axis_tlast_reg <= s_last;
            m_axis_tuser_reg <= s_user;
        end

        if (rst) begin
            m_axis_tvalid_reg <= 1'b0;
        end
    end

end else begin : gen_bypass
    // Bypass: wires only

    assign s_axis_tready = m_axis_tready;

    assign m_axis_tdata  = s_axis_tdata;
    assign m_axis_tkeep  = s_keep;
    assign m_axis_tvalid = s_axis_tvalid;
    assign m_axis_tlast  = s_last;
    assign m_axis_tuser  = s_user;

end

endgenerate

endmodule

`resetall
