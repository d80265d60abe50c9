"""Batch packer/parser: layout, ordering, counters, checksum, dtypes."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from models.batch_layout import (
    HEADER_BYTES, REGION_ALIGN, BatchFlags, BatchGeometry, DenseDtype, SparseDtype, header_markdown,
)
from models.pack import (
    BatchFormatError, PackSettings, TransformedRows, batches_to_arrays, iter_batch_stream, pack_batches,
    parse_batch,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats" / "batch.md"


def make_rows(n: int, n_dense: int = 3, n_sparse: int = 2, seed: int = 0, drops: int = 0) -> TransformedRows:
    rng = np.random.default_rng(seed)
    total = n + drops
    order = rng.permutation(total)
    kept_idx = np.sort(order[:n]).astype(np.int64)
    drop_idx = np.sort(order[n:]).astype(np.int64)
    reason = np.zeros(n, np.uint8)
    reason[rng.random(n) < 0.1] = 2  # some nulled rows
    return TransformedRows(
        labels=rng.integers(0, 2, n).astype(np.float32),
        dense=rng.standard_normal((n, n_dense)).astype(np.float32),
        sparse=rng.integers(0, 1000, (n, n_sparse)).astype(np.uint64),
        popular=rng.random(n) < 0.4,
        row_index=kept_idx, reason=reason,
        dropped_index=drop_idx, dropped_reason=rng.integers(1, 7, drops).astype(np.uint8),
    )


def test_header_doc_in_sync() -> None:
    assert header_markdown() in DOCS.read_text(), "regenerate with: python -m models.batch_layout"


def test_geometry_alignment() -> None:
    for cap in (1, 7, 64, 2048, 65536):
        for dd in DenseDtype:
            for sd in SparseDtype:
                g = BatchGeometry(cap, 13, 26, dd, sd)
                for off in (g.labels_offset, g.dense_offset, g.sparse_offset, g.total_bytes):
                    assert off % REGION_ALIGN == 0
                assert g.labels_offset == HEADER_BYTES
                assert g.dense_offset >= g.labels_offset + 4 * cap
                assert g.sparse_offset >= g.dense_offset + g.dense_item_bytes * cap * 13
                assert g.total_bytes >= g.sparse_offset + g.sparse_item_bytes * cap * 26
    with pytest.raises(ValueError):
        BatchGeometry(0, 1, 1)
    with pytest.raises(ValueError):
        BatchGeometry(65537, 1, 1)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), cap=st.integers(1, 64), drops=st.integers(0, 30), drop_last=st.booleans(),
       hot=st.booleans(), seed=st.integers(0, 2**16))
def test_roundtrip_and_counters(n, cap, drops, drop_last, hot, seed) -> None:
    rows = make_rows(n, seed=seed, drops=drops)
    g = BatchGeometry(cap, 3, 2)
    batches = list(pack_batches(rows, PackSettings(g, drop_last, hot)))
    parsed = [parse_batch(b) for b in batches]
    assert len({len(b) for b in batches}) == 1 and len(batches[0]) == g.total_bytes
    assert [p.header["seq"] for p in parsed] == list(range(len(parsed)))
    assert parsed[-1].header["flags"] & BatchFlags.END_OF_STREAM
    assert all(not (p.header["flags"] & BatchFlags.END_OF_STREAM) for p in parsed[:-1])
    expect_rows = (n // cap) * cap if drop_last else n
    assert sum(p.rows for p in parsed) == expect_rows
    pos = 0
    for p in parsed:
        idx = np.arange(pos, pos + p.rows)
        pos += p.rows
        if hot:
            pop = rows.popular[idx]
            idx = np.concatenate([idx[pop], idx[~pop]])
            assert p.header["popular_rows"] == int(pop.sum())
            assert p.header["flags"] & BatchFlags.HOT_SPLIT
        else:
            assert p.header["popular_rows"] == 0
        np.testing.assert_array_equal(p.labels, rows.labels[idx])
        np.testing.assert_array_equal(p.dense, rows.dense[idx])
        np.testing.assert_array_equal(p.sparse, rows.sparse[idx].T.astype(np.int32))
        if p.rows:
            assert p.header["first_row_index"] == rows.row_index[idx].min()
    # cumulative counters: error records (dropped + nulled) with index <= the batch's last row
    err_idx = np.concatenate([rows.row_index[rows.reason > 0], rows.dropped_index])
    err_rsn = np.concatenate([rows.reason[rows.reason > 0], rows.dropped_reason])
    pos = 0
    for p in parsed:
        pos += p.rows
        last_eos = bool(p.header["flags"] & BatchFlags.END_OF_STREAM)
        lim = np.inf if last_eos else rows.row_index[pos - 1]
        assert p.header["rows_dropped_cum"] == int((rows.dropped_index <= lim).sum())
        counts = np.bincount(err_rsn[err_idx <= lim], minlength=7)[1:7]
        assert p.header["errors_cum"] == counts.tolist()
        assert p.header["rows_error_cum"] == int(counts.sum())


def test_padding_rows_are_zero_and_checksum_detects_corruption() -> None:
    rows = make_rows(10)
    b = list(pack_batches(rows, PackSettings(BatchGeometry(16, 3, 2))))[0]
    p = parse_batch(b)
    g = BatchGeometry(16, 3, 2)
    raw = np.frombuffer(b, np.uint8)
    assert not raw[g.labels_offset + 40:g.dense_offset].any()
    bad = bytearray(b)
    bad[g.sparse_offset + 1] ^= 0x40
    with pytest.raises(BatchFormatError, match="checksum"):
        parse_batch(bytes(bad))
    bad = bytearray(b)
    bad[0] ^= 1
    with pytest.raises(BatchFormatError, match="magic"):
        parse_batch(bytes(bad))
    assert p.rows == 10


@pytest.mark.parametrize("dd", list(DenseDtype))
@pytest.mark.parametrize("sd", list(SparseDtype))
def test_dtypes(dd, sd) -> None:
    rows = make_rows(50)
    if dd == DenseDtype.FLOAT16:
        rows.dense = rows.dense.astype(np.float16).astype(np.float32)
    if dd == DenseDtype.BFLOAT16:
        rows.dense = (rows.dense.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)
    batches = list(pack_batches(rows, PackSettings(BatchGeometry(32, 3, 2, dd, sd))))
    arrays = batches_to_arrays(list(iter_batch_stream(b"".join(batches))))
    np.testing.assert_array_equal(arrays["dense"], rows.dense)
    np.testing.assert_array_equal(arrays["sparse"], rows.sparse.astype(np.int64))
    assert arrays["dense"].dtype == np.float32 and arrays["sparse"].dtype == np.int64


def test_unrepresentable_values_are_refused() -> None:
    rows = make_rows(5)
    with pytest.raises(ValueError, match="float16"):
        list(pack_batches(rows, PackSettings(BatchGeometry(8, 3, 2, DenseDtype.FLOAT16))))
    rows.sparse[0, 0] = 2**31
    with pytest.raises(ValueError, match="INT32"):
        list(pack_batches(rows, PackSettings(BatchGeometry(8, 3, 2))))


def test_empty_stream_gives_one_eos_batch() -> None:
    rows = make_rows(0, drops=3)
    batches = [parse_batch(b) for b in pack_batches(rows, PackSettings(BatchGeometry(8, 3, 2)))]
    assert len(batches) == 1 and batches[0].rows == 0
    assert batches[0].header["rows_dropped_cum"] == 3
    assert batches[0].header["first_row_index"] == 3
