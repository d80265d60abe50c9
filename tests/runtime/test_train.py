"""Batches → torch without copies, and training on them: deterministic for a seed."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from host_runtime.datagen import write_tsv
from host_runtime.spec import load_spec
from host_runtime.torch_batches import BatchViews, alloc_batch_buffer, tensors_of
from host_runtime.train import train, unmap_hot_slots
from models.pack import parse_batch
from models.pipeline import run_golden


@pytest.fixture(autouse=True)
def one_intra_op_thread():
    """On the busy 2-core test machine two OpenMP threads per process (times two xdist workers) spin at each
    other's barriers: a training step then costs 10x its single-thread CPU time."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def tsv(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("train") / "t.tsv"
    write_tsv(p, 12_000, seed=5)
    return p


def small(preset: str, size: int = 256):
    spec = load_spec(preset)
    return dataclasses.replace(spec, batch=dataclasses.replace(spec.batch, size=size))


def test_views_share_memory_with_the_buffer(tsv: Path) -> None:
    spec = small("criteo_dlrm")
    batch = run_golden(spec, tsv).batches[0]
    buf = alloc_batch_buffer(spec.geometry(), pinned=False)
    v = BatchViews.map(buf, spec.geometry())
    buf.numpy()[:] = np.frombuffer(batch, np.uint8)  # what a DMA engine does
    p = parse_batch(batch)
    assert v.header()["rows"] == p.rows == 256
    assert torch.equal(v.labels[:256], torch.from_numpy(p.labels.copy()))
    assert torch.equal(v.sparse[:, :256], torch.from_numpy(p.sparse.copy()))
    buf.numpy()[spec.geometry().labels_offset:spec.geometry().labels_offset + 4] = \
        np.frombuffer(np.float32(7.0).tobytes(), np.uint8)
    assert float(v.labels[0]) == 7.0  # a view, not a copy
    arr = np.frombuffer(bytearray(batch), np.uint8)
    t = tensors_of(arr)
    arr[spec.geometry().dense_offset:spec.geometry().dense_offset + 4] = 0
    assert float(t["dense"][0, 0]) == 0.0


def test_training_is_deterministic_and_learns(tsv: Path) -> None:
    spec = small("criteo_dlrm")
    batches = run_golden(spec, tsv).batches
    a = train(spec, batches, 60, seed=3)
    b = train(spec, batches, 60, seed=3)
    c = train(spec, batches, 10, seed=4)
    assert a.losses == b.losses  # identical batches + seed → identical loss curve
    assert a.losses[:10] != c.losses
    sizes = [parse_batch(x).rows for x in batches if parse_batch(x).rows]
    assert len(a.losses) == 60 and a.rows == sum((sizes * 2)[:60])
    assert np.mean(a.losses[-15:]) < np.mean(a.losses[:15])


def test_hot_slots_are_unmapped_to_full_table_ids(tsv: Path) -> None:
    spec = small("criteo_hotline")
    res = run_golden(spec, tsv)
    hot_ids = [h.ids if h is not None else None for h in res.state.hotsets]
    # the transform's ids before the hot-set remap, in batch order (popular rows first)
    pre = res.state.final_ids(spec, res.decoded).astype(np.int64)
    pos = 0
    checked = 0
    for buf in res.batches:
        t = tensors_of(buf)
        n = t["rows"]
        if n == 0:
            continue
        pop = res.transformed.popular[pos:pos + n]
        order = np.concatenate([np.arange(pos, pos + n)[pop], np.arange(pos, pos + n)[~pop]])
        got = unmap_hot_slots(t["sparse"][:, :n], t["popular_rows"], hot_ids).T.numpy()
        np.testing.assert_array_equal(got, pre[order])
        checked += int(pop.sum())
        pos += n
    assert checked > 0
