// SPDX-License-Identifier: Apache-2.0
// Sluice transform helper: a fixed-latency delay line for the values that ride beside a unit
// (a bypassed key, a tag): m_* = s_* of LATENCY ce-cycles ago.
//
// LATENCY <= 2: registers. Longer: a circular buffer of 2^ceil(log2(LATENCY - 1)) words (written
// only for valid inputs, read asynchronously: LUTRAM) plus an output register, with a read pointer
// LATENCY - 1 words behind the write pointer; so a 64-bit, 16-cycle line costs a few LUTRAMs
// instead of 1024 flip-flops, and one write and one read per valid value in simulation.
// The pointers and the valid shift register stand still while the line is empty (nothing to keep
// in step), so an idle line costs nothing per cycle. Stall by ce (the caller's global stall).
//
// lint-params: LATENCY=1 WIDTH=3
// lint-params: LATENCY=2 WIDTH=8
// lint-params: LATENCY=9 WIDTH=64
// lint-params: LATENCY=17 WIDTH=5

`resetall
`timescale 1ns / 1ps
`default_nettype none

module xform_delay #(
    // delay in ce-cycles (>= 1)
    parameter LATENCY = 4,
    // bits per value (>= 1)
    parameter WIDTH   = 8
) (
    input  wire             clk,
    input  wire             rst,
    // advance the line (global stall when 0)
    input  wire             ce,

    input  wire [WIDTH-1:0] s_data,
    input  wire             s_valid,

    output wire [WIDTH-1:0] m_data,
    output wire             m_valid
);

initial begin
    if (LATENCY < 1 || WIDTH < 1) begin
        $error("Error: xform_delay needs LATENCY >= 1 and WIDTH >= 1 (instance %m)");
        $finish;
    end
end

reg [LATENCY-1:0] valid_reg;
wire              busy = s_valid || (|valid_reg);
wire [LATENCY:0]  valid_next = {valid_reg, s_valid};
reg [WIDTH-1:0]   q_reg;
wire unused_valid = valid_next[LATENCY];

// One clocked block, skipped while the line is empty; the later stages first and the valid bits last, so
// every register is read before it is written (no shadow copies in simulation).
generate
    if (LATENCY == 1) begin : gen_r1
        always @(posedge clk) begin
            if (busy && ce) begin
                if (s_valid) q_reg <= s_data;
                valid_reg <= valid_next[LATENCY-1:0];
            end
            if (rst) valid_reg <= {LATENCY{1'b0}};
        end
    end else if (LATENCY == 2) begin : gen_r2
        reg [WIDTH-1:0] d1_reg;
        always @(posedge clk) begin
            if (busy && ce) begin
                if (valid_reg[0]) q_reg <= d1_reg;
                if (s_valid) d1_reg <= s_data;
                valid_reg <= valid_next[LATENCY-1:0];
            end
            if (rst) valid_reg <= {LATENCY{1'b0}};
        end
    end else begin : gen_ram
        localparam AW = $clog2(LATENCY - 1) > 0 ? $clog2(LATENCY - 1) : 1;
        localparam integer  BEHIND_I = LATENCY - 1;
        localparam [AW-1:0] BEHIND = BEHIND_I[AW-1:0];  // mod 2^AW
        reg [WIDTH-1:0] mem [0:(1<<AW)-1];
        reg [AW-1:0]    wp_reg, rp_reg;
        // The RAM is private to this block and written after it is read (a read of the slot being
        // written gets the old word, as a synchronous-write RAM does), so the write is a blocking
        // assignment: no pending-write flag to clear and test on every clock edge in simulation.
        // The BLKSEQ style warning (lint) is waived for it.
        /* verilator lint_off BLKSEQ */
        always @(posedge clk) begin
            if (busy && ce) begin
                if (valid_reg[LATENCY-2]) q_reg <= mem[rp_reg];
                if (s_valid) mem[wp_reg] = s_data;
                wp_reg <= wp_reg + {{(AW-1){1'b0}}, 1'b1};
                rp_reg <= rp_reg + {{(AW-1){1'b0}}, 1'b1};
                valid_reg <= valid_next[LATENCY-1:0];
            end
            if (rst) begin
                valid_reg <= {LATENCY{1'b0}};
                wp_reg <= {AW{1'b0}};
                rp_reg <= {AW{1'b0}} - BEHIND;
            end
        end
        /* verilator lint_on BLKSEQ */
    end
endgenerate

assign m_data  = q_reg;
assign m_valid = valid_reg[LATENCY-1];

endmodule

`resetall
