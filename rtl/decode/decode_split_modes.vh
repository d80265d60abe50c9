// SPDX-License-Identifier: Apache-2.0
// Sluice decode: the splitter's line state at a byte position, shared by decode_splitter (its registers and the
// end-of-stream step) and decode_split_step (the per-byte scan). Included inside both modules.
localparam [1:0] M_START = 2'd0;   // at a line start
localparam [1:0] M_HDR   = 2'd1;   // in a header line (consumed and counted)
localparam [1:0] M_DATA  = 2'd2;   // in a data line (goes to lane rr)
localparam [1:0] M_ECR   = 2'd3;   // after the CR of an empty "\r\n" line
