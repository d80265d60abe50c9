"""Binary rows: Arrow table -> rows -> decode_binary must equal decode_text of the same data as text."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from models.binary_rows import BinaryLayout, decode_binary, table_to_binary_rows
from models.decode_text import decode_text
from models.hashing import xxh64_bytes
from models.schema import Column, ColumnKind, DecodedRows, Reason, Schema, TextFormat

K = ColumnKind
INT32 = (-(2**31), 2**31 - 1)


def same_rows(a: DecodedRows, b: DecodedRows) -> None:
    for name in ("values", "null", "row_index", "reason", "dropped_index", "dropped_reason"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def to_text(table: pa.Table, schema: Schema) -> bytes:
    """The text a producer would have written for the same table (null / empty -> empty field)."""
    cols = {c.name: table.column(c.name).to_pylist() for c in schema.columns if c.kind != K.SKIP}
    lines = []
    for i in range(table.num_rows):
        out = []
        for c in schema.columns:
            v = None if c.kind == K.SKIP else cols[c.name][i]
            if v is None:
                out.append(b"")
            elif c.kind == K.HEX and isinstance(v, int):
                out.append(f"{v:x}".encode())
            elif isinstance(v, int):
                out.append(str(v).encode())
            else:
                out.append(v.encode() if isinstance(v, str) else v)
        lines.append(b"\t".join(out) + b"\n")
    return b"".join(lines)


def test_layout() -> None:
    schema = Schema((Column("l", K.LABEL), Column("x", K.SKIP), Column("h", K.HEX), Column("s", K.STR)))
    lay = BinaryLayout.from_schema(schema)
    assert lay.offsets == (8, -1, 12, 20) and lay.widths == (4, 0, 8, 8) and lay.row_bytes == 32
    lay4 = BinaryLayout.from_schema(schema, hex_width=4)
    assert lay4.offsets == (8, -1, 12, 16) and lay4.row_bytes == 24
    assert BinaryLayout.from_schema(Schema((Column("a", K.INT),))).row_bytes == 16
    with pytest.raises(ValueError):
        BinaryLayout.from_schema(schema, hex_width=2)


def test_byte_exact_row() -> None:
    schema = Schema((Column("l", K.LABEL), Column("i", K.INT), Column("h", K.HEX), Column("s", K.STR)))
    table = pa.table({"l": pa.array([1], pa.int8()), "i": pa.array([-2], pa.int64()),
                      "h": pa.array(["00Ff"]), "s": pa.array([None], pa.string())})
    rows = table_to_binary_rows(table, schema, BinaryLayout.from_schema(schema, hex_width=4))
    want = ((1 << 3).to_bytes(8, "little") + (1).to_bytes(4, "little") + (2**32 - 2).to_bytes(4, "little")
            + (0xFF).to_bytes(4, "little") + bytes(8) + bytes(4))
    assert rows == want


ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f")


@st.composite
def tables(draw: st.DrawFn) -> tuple[pa.Table, Schema, int]:
    hex_width = draw(st.sampled_from([4, 8]))
    hex_max = 2 ** (8 * hex_width) - 1
    kinds = draw(st.lists(st.sampled_from(list(ColumnKind)), min_size=1, max_size=8))
    n = draw(st.integers(0, 20))
    cols, arrays = [], {}
    for i, k in enumerate(kinds):
        name = f"c{i}"
        cols.append(Column(name, k))
        if k == K.SKIP:
            continue
        if k in (K.LABEL, K.INT):
            typ = draw(st.sampled_from([pa.int32(), pa.int64(), pa.int8(), pa.uint16()]))
            lo = max(INT32[0], -(2 ** (typ.bit_width - 1)) if pa.types.is_signed_integer(typ) else 0)
            hi = min(INT32[1], 2 ** (typ.bit_width - (1 if pa.types.is_signed_integer(typ) else 0)) - 1)
            vals = draw(st.lists(st.none() | st.integers(lo, hi), min_size=n, max_size=n))
            arrays[name] = pa.array(vals, typ)
        elif k == K.HEX:
            form = draw(st.sampled_from(["u64", "i64", "str"]))
            if form == "str":
                vals = draw(st.lists(st.none() | st.integers(0, hex_max).map(lambda v: f"{v:X}"), min_size=n, max_size=n))
                arrays[name] = pa.array(vals, pa.string())
            else:
                hi = min(hex_max, 2**63 - 1) if form == "i64" else hex_max
                vals = draw(st.lists(st.none() | st.integers(0, hi), min_size=n, max_size=n))
                arrays[name] = pa.array(vals, pa.uint64() if form == "u64" else pa.int64())
        else:
            vals = draw(st.lists(st.none() | st.text(ALPHABET, max_size=8).filter(lambda s: "\t" not in s),
                                 min_size=n, max_size=n))
            arrays[name] = pa.array(vals, draw(st.sampled_from([pa.string(), pa.large_string()])))
    arrays["unused"] = pa.array([0] * n, pa.int8())  # columns not in the schema are ignored
    return pa.table(arrays), Schema(tuple(cols)), hex_width


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.integers(0, 10**6))
def test_binary_equals_text(tab: tuple[pa.Table, Schema, int], first: int) -> None:
    table, schema, hex_width = tab
    layout = BinaryLayout.from_schema(schema, hex_width=hex_width)
    rows = table_to_binary_rows(table, schema, layout)
    assert len(rows) == table.num_rows * layout.row_bytes
    got = decode_binary(rows, schema, layout, first_row_index=first)
    text = to_text(table, schema)
    assume(b"\n\n" not in b"\n" + text)  # a 1-column row with its field missing is an empty line in text
    want = decode_text(text, schema, TextFormat(max_field_bytes=255), first_row_index=first)
    same_rows(got, want)
    gc, wc = got.counters.as_dict(), want.counters.as_dict()
    for key in ("rows_in", "rows_out", "rows_dropped", "fields_nulled", "errors"):
        assert gc[key] == wc[key], key
    assert gc["bytes_in"] == len(rows)
    # a cut-off last row: one dropped TRUNCATED row, the whole rows unchanged
    if table.num_rows:
        cut = decode_binary(np.frombuffer(rows[:-3], dtype=np.uint8), schema, layout, first_row_index=first)
        assert cut.counters.rows_in == table.num_rows and cut.counters.rows_dropped == 1
        assert cut.counters.errors["TRUNCATED"] == 1
        assert cut.dropped_index.tolist() == [first + table.num_rows - 1]
        assert cut.dropped_reason.tolist() == [Reason.TRUNCATED]
        assert np.array_equal(cut.values, got.values[:-1])


def test_truncated_only() -> None:
    schema = Schema((Column("a", K.INT),))
    lay = BinaryLayout.from_schema(schema)
    got = decode_binary(b"\x00" * 5, schema, lay)
    c = got.counters
    assert (c.rows_in, c.rows_out, c.rows_dropped, c.bytes_in) == (1, 0, 1, 5)
    assert got.n_rows == 0 and got.dropped_reason.tolist() == [Reason.TRUNCATED]
    empty = decode_binary(b"", schema, lay)
    assert empty.counters.rows_in == 0 and empty.values.shape == (0, 1)


def test_str_hash_and_mask_bits() -> None:
    schema = Schema((Column("s", K.STR), Column("k", K.SKIP)))
    lay = BinaryLayout.from_schema(schema)
    rows = table_to_binary_rows(pa.table({"s": ["ab", "", None]}), schema, lay)
    got = decode_binary(rows, schema, lay)
    assert got.values[:, 0].tolist() == [xxh64_bytes(b"ab"), 0, 0]
    assert got.null.tolist() == [[False, True], [True, True], [True, True]]
    assert [int.from_bytes(rows[i * 16:i * 16 + 8], "little") for i in range(3)] == [0b10, 0b11, 0b11]


@pytest.mark.parametrize(
    "array,kind,hex_width",
    [
        (pa.array([0, 2**32], pa.uint64()), K.HEX, 4),
        (pa.array(["100000000"]), K.HEX, 4),
        (pa.array(["10000000000000000"]), K.HEX, 8),
        (pa.array([-1], pa.int64()), K.HEX, 8),
        (pa.array(["0x10"]), K.HEX, 8),
        (pa.array([2**31], pa.int64()), K.INT, 8),
        (pa.array([-(2**31) - 1], pa.int64()), K.LABEL, 8),
        (pa.array([2**63], pa.uint64()), K.INT, 8),
        (pa.array([1.5]), K.INT, 8),
        (pa.array([1]), K.STR, 8),
    ],
)
def test_value_does_not_fit(array: pa.Array, kind: ColumnKind, hex_width: int) -> None:
    schema = Schema((Column("feat_x", kind),))
    with pytest.raises(ValueError, match="feat_x"):
        table_to_binary_rows(pa.table({"feat_x": array}), schema, BinaryLayout.from_schema(schema, hex_width))


def test_missing_column_and_layout_mismatch() -> None:
    schema = Schema((Column("a", K.INT),))
    with pytest.raises(ValueError, match="'a'"):
        table_to_binary_rows(pa.table({"b": [1]}), schema, BinaryLayout.from_schema(schema))
    other = BinaryLayout.from_schema(Schema((Column("a", K.HEX),)))
    with pytest.raises(ValueError):
        decode_binary(b"", schema, other)


def test_chunked_and_dictionary_columns() -> None:
    schema = Schema((Column("h", K.HEX), Column("s", K.STR)))
    table = pa.table({
        "h": pa.chunked_array([pa.array([1, None], pa.uint32()), pa.array([0xFFFFFFFF], pa.uint32())]),
        "s": pa.array(["x", "y", "x"]).dictionary_encode(),
    })
    lay = BinaryLayout.from_schema(schema, hex_width=4)
    got = decode_binary(table_to_binary_rows(table, schema, lay), schema, lay)
    want = decode_text(b"1\tx\n\ty\nffffffff\tx\n", schema, TextFormat())
    same_rows(got, want)
