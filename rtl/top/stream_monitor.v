// SPDX-License-Identifier: Apache-2.0
// Sluice top: handshake monitor of one valid/ready stream between two stages, for the perf CSR block:
// beats transferred, cycles stalled (valid and not ready: the consumer is the bottleneck) and cycles
// starved (ready and not valid: the producer is). Counters saturate; cleared by rst.
//
// lint-params: COUNTER_WIDTH=48
// (the default, COUNTER_WIDTH=48, is etl_top's instances: `python -m cosim.synth` measures it)

`resetall
`timescale 1ns / 1ps
`default_nettype none

module stream_monitor #(
    // Width of each counter
    parameter COUNTER_WIDTH = 48
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire                     valid,
    input  wire                     ready,
    output reg  [COUNTER_WIDTH-1:0] beats,
    output reg  [COUNTER_WIDTH-1:0] stall,
    output reg  [COUNTER_WIDTH-1:0] starve
);

initial begin
    if (COUNTER_WIDTH < 1) begin
        $error("Error: COUNTER_WIDTH must be >= 1 (instance %m)");
        $finish;
    end
end

always @(posedge clk) begin
    if (valid && ready && ~&beats) beats <= beats + 1'b1;
    if (valid && !ready && ~&stall) stall <= stall + 1'b1;
    if (!valid && ready && ~&starve) starve <= starve + 1'b1;
    if (rst) begin
        beats  <= {COUNTER_WIDTH{1'b0}};
        stall  <= {COUNTER_WIDTH{1'b0}};
        starve <= {COUNTER_WIDTH{1'b0}};
    end
end

endmodule

`resetall
