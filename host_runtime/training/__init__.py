"""DLRM training on Sluice batches, from a deterministic CPU check to production rates on a GPU.

Why a package: the trainer has several independent jobs that each want to be read (and tested) alone —

* `config`: model shape, table sizes from the pipeline spec, training options;
* `embedding`: every embedding table fused into one tensor with offsets, and the row-wise Adagrad update built
  from index operations (fixed shapes, so a whole step can be captured in a CUDA graph);
* `model`: the dense part (bottom MLP, pairwise dot interaction, top MLP);
* `trainer`: one optimiser step per batch; deterministic fp32 mode (sim == golden losses) or fast mode (bf16
  autocast, CUDA graph, optional torch.compile);
* `feed`: batch buffers in pinned host memory → CUDA tensors (side-stream copies, double-buffered);
* `hybrid`: Hotline's hot rows on the GPU and cold rows in CPU memory, and the CPU-embedding baseline;
* `cpu_etl`: the golden pipeline on every core (the PipeRec CPU feed, and data for the benches);
* `board`: the modelled board rate (cycle-accurate rows/cycle x clock, capped by the modelled link);
* `dist`: data-parallel training under torchrun (table-wise model-parallel embeddings).

docs/spec/training.md describes the design; docs/performance.md the measured figures.
"""
