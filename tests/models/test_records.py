"""models.records: golden encoder of the decode -> transform record stream."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models import records
from models.decode_text import decode_text
from models.schema import BadRowPolicy, Column, ColumnKind, Reason, Schema, TextFormat

CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")
K = ColumnKind


def _schema(kinds: list[ColumnKind]) -> Schema:
    return Schema(tuple(Column(f"c{i}", k) for i, k in enumerate(kinds)))


def test_layout_by_hand() -> None:
    """Two INT columns, tab, DROP: one kept row, one tombstone, exact bits."""
    rows = decode_text(b"7\t-1\nx\t2\n\t5\n", _schema([K.INT, K.INT]), TextFormat())
    pk = records.encode(rows)
    assert len(pk) == 3
    assert pk[0] == [0, 7 | (((1 << 64) - 1) << 64)]
    assert pk[1] == [1 | int(Reason.BAD_CHAR) << 48 | 1 << 56]
    assert pk[2] == [2 | 1 << 64, 5 << 64]
    assert records.packet_bytes(pk[0])[:8] == bytes(8)
    assert len(records.packet_bytes(pk[0])) == 2 * 64


@pytest.mark.parametrize("k", [4, 8, 16])
@pytest.mark.parametrize("policy", [BadRowPolicy.DROP, BadRowPolicy.NULL])
def test_roundtrip_criteo(k: int, policy: BadRowPolicy) -> None:
    kinds = [K.LABEL] + [K.INT] * 13 + [K.HEX] * 26
    data = CRITEO.read_bytes()
    lines = data.split(b"\n")
    # damage some rows so that tombstones / reasons appear
    lines[3] = lines[3].replace(b"\t", b"\tx", 1)
    lines[5] = lines[5] + b"\textra"
    rows = decode_text(b"\n".join(lines), _schema(kinds), TextFormat(policy=policy))
    pk = records.encode(rows, k)
    assert len(pk) == rows.counters.rows_in
    nums = [p[0] & ((1 << 48) - 1) for p in pk]
    assert nums == list(range(rows.counters.rows_in))
    for p in pk:
        tomb = p[0] >> 56 & 1
        assert len(p) == (1 if tomb else 1 + -(-40 // k))
        assert records.bytes_packet(records.packet_bytes(p, k), k) == p
    back = records.decode(pk, 40, k)
    np.testing.assert_array_equal(back.values, rows.values)
    np.testing.assert_array_equal(back.null, rows.null)
    np.testing.assert_array_equal(back.row_index, rows.row_index)
    np.testing.assert_array_equal(back.reason, rows.reason)
    np.testing.assert_array_equal(back.dropped_index, rows.dropped_index)
    np.testing.assert_array_equal(back.dropped_reason, rows.dropped_reason)
    if policy == BadRowPolicy.DROP:
        assert len(back.dropped_index) == 2


def test_decode_rejects_malformed() -> None:
    with pytest.raises(ValueError):
        records.decode([[1 << 56]], 2)  # tombstone with reason 0
    with pytest.raises(ValueError):
        records.decode([[0]], 2)  # kept row without value beats
    with pytest.raises(ValueError):
        records.decode([[1 << 64, 5]], 2)  # null field with a value
    with pytest.raises(ValueError):
        records.decode([[1 << 66, 0]], 2)  # null bit beyond n_columns


def test_transformed_roundtrip_all_presets() -> None:
    """encode_transformed → decode_transformed gives back the golden rows (every preset, with dropped rows)."""
    from pathlib import Path

    from host_runtime.spec import load_spec
    from models import records
    from models.decode_text import decode_text
    from models.transform import TransformState, transform

    text = (Path(__file__).resolve().parents[2].parent / "shared/data/criteo/sample_train.tsv").read_bytes()
    text += b"1\tnot-a-number\n\n"  # a dropped (or nulled) row and an empty line
    for preset in ("criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline"):
        spec = load_spec(preset)
        dec = decode_text(text, spec.schema, spec.text)
        rows = transform(spec, dec, TransformState.prepare(spec, dec))
        packets = records.encode_transformed(rows, int(spec.batch.dense_dtype), eos=True)
        nb = records.transformed_beats(len(spec.dense), len(spec.sparse))
        assert all(len(p) in (1, nb) for p in packets)
        assert len(packets) == dec.counters.rows_in + 1
        back = records.decode_transformed(packets, len(spec.dense), len(spec.sparse))
        assert np.array_equal(back.row_index, rows.row_index)
        assert np.array_equal(back.sparse, rows.sparse)
        assert np.array_equal(back.popular, rows.popular)
        assert np.array_equal(back.labels.view(np.uint32), rows.labels.view(np.uint32))
        assert np.array_equal(back.dense_words,
                              records.dense_record_words(rows.dense, int(spec.batch.dense_dtype)))
        assert np.array_equal(back.dropped_index, rows.dropped_index)
        assert back.eos_rows_in == [dec.counters.rows_in]


def test_transformed_header_bits() -> None:
    from models import records

    w0, w1 = records._tr_header((5 << 32) | 7, 3, False, True)
    assert (w0, w1) == (7, 5 | 3 << 16 | 1 << 25)
    with pytest.raises(ValueError):
        records.decode_transformed([[7 | (1 << 24) << 32]], 1, 1)  # tombstone without a reason
