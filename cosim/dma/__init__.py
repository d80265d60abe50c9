"""Cycle-level PCIe DMA model (C++ with a ctypes wrapper): see docs/spec/dma.md."""
