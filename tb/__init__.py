"""Sluice cocotb testbenches (one directory per RTL module; shared pieces in tb.common)."""
