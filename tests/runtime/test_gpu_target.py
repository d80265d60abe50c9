"""The DMA model's `gpu` target end to end: the runtime allocates the batch buffers as GPU memory (the P2P window
of the cycle-level DMA model), the simulated engine's C2H writes land there under the P2P bandwidth cap, and the
trainer consumes them (on a machine with CUDA the feed copies the window into a CUDA tensor; here, on CPU, the
trainer reads the window). Same narrow build as tests/runtime/test_sim_backend.py (one cached Verilator model)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from host_runtime.producer import BatchProducer, train_streaming
from host_runtime.sim_device import SimDevice, TopParams
from host_runtime.spec import load_spec
from models.pcie import LinkParams
from models.pipeline import run_golden

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "criteo" / "sample_train.tsv"


@pytest.fixture(autouse=True)
def one_intra_op_thread():
    """On the busy 2-core test machine two OpenMP threads per process (times two xdist workers) spin at each
    other's barriers: a training step then costs 10x its single-thread CPU time."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_batches_land_in_the_p2p_window_under_its_cap() -> None:
    spec = load_spec("criteo_dlrm")
    spec = dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=16))
    stalls = {}
    for cap in (64.0, 0.25):  # GB/s into the GPU BAR: far above the engine's output rate, and far below it
        link = LinkParams(gen=3, lanes=16, gpu_cap_gbps=cap)
        with SimDevice(spec, params=TopParams.small(spec), link=link) as dev:
            p = BatchProducer(spec, DATA, dev, slots=2, c2h_target="gpu")
            targets = set()
            orig = p.release

            def release(b, orig=orig, targets=targets):
                targets.add(b.dma.target)
                orig(b)

            p.release = release  # type: ignore[method-assign]
            r = train_streaming(spec, p, steps=100)
            s = dev.dma.stats()
        assert targets == {"gpu"}  # every batch the trainer saw sat in the GPU window
        assert p.stats.run is not None and p.stats.run.batches == run_golden(spec, DATA).batches
        assert r["steps"] == 7 and all(np.isfinite(r["losses"]))
        assert s["err_window"] == 0 and s["err_perm"] == 0
        stalls[cap] = s["c2h_stall_target_cap"]
    assert stalls[64.0] == 0 < stalls[0.25]  # the writes went through the P2P budget, which binds when low
