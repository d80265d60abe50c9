"""decode_text against a deliberately naive reference decoder written from the rules.

The reference below (`ref_decode`) is plain Python: bytes.split per line,
int()/int(x, 16), explicit loops. It shares nothing with models.decode_text but
the schema types, so agreement checks the vectorised model against the rules of
docs/spec/decode.md rather than against itself.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from models.decode_text import decode_text, decode_text_file, iter_text_chunks
from models.hashing import xxh64_bytes
from models.schema import (
    BadRowPolicy,
    Column,
    ColumnKind,
    DecodedRows,
    Reason,
    Schema,
    TextFormat,
)

CRITEO = Path("/work/shared/data/criteo/sample_train.tsv")
MASK64 = (1 << 64) - 1
K = ColumnKind


def criteo_schema() -> Schema:
    cols = [Column("label", K.LABEL)]
    cols += [Column(f"I{i}", K.INT) for i in range(1, 14)]
    cols += [Column(f"C{i}", K.HEX) for i in range(1, 27)]
    return Schema(tuple(cols))


# ----------------------------------------------------------------------------- reference


def _is_binary_byte(b: int) -> bool:
    return b < 0x20 or b == 0x7F


def ref_field(field: bytes, kind: ColumnKind, max_bytes: int) -> tuple[int, int, bool]:
    """(reason, value, null) of one column field, rule 6 and 7 spelled out."""
    if kind == K.SKIP:
        bad = any(_is_binary_byte(b) for b in field)
        return (Reason.BINARY if bad else Reason.OK), 0, True
    if len(field) == 0:
        return Reason.OK, 0, True
    if any(_is_binary_byte(b) for b in field):
        return Reason.BINARY, 0, True
    if len(field) > max_bytes:
        return Reason.OVERLONG, 0, True
    text = field.decode("latin-1")
    if kind in (K.LABEL, K.INT):
        digits = text[1:] if text[0] in "+-" else text
        if digits == "" or any(ch not in "0123456789" for ch in digits):
            return Reason.BAD_CHAR, 0, True
        v = int(text)
        if v < -(2**31) or v > 2**31 - 1:
            return Reason.OVERFLOW, 0, True
        return Reason.OK, v & MASK64, False
    if kind == K.HEX:
        if any(ch not in "0123456789abcdefABCDEF" for ch in text):
            return Reason.BAD_CHAR, 0, True
        v = int(text, 16)
        if v >= 2**64:
            return Reason.OVERFLOW, 0, True
        return Reason.OK, v, False
    assert kind == K.STR
    return Reason.OK, xxh64_bytes(field), False


def ref_decode(data: bytes, schema: Schema, fmt: TextFormat, first_row_index: int = 0) -> dict:
    """The rules, one line and one field at a time."""
    lines = data.split(b"\n")
    if lines[-1] == b"":  # the stream ended with LF (or was empty): no line after it
        lines.pop()
    kinds = [c.kind for c in schema.columns]
    n_cols = len(kinds)
    c = {"rows_in": 0, "rows_out": 0, "rows_dropped": 0, "empty_lines": 0, "header_lines": 0,
         "rows_short": 0, "fields_nulled": 0, "bytes_in": len(data),
         "errors": {r.name: 0 for r in Reason if r != Reason.OK}}
    kept_values, kept_null, kept_index, kept_reason, drop_index, drop_reason = [], [], [], [], [], []
    for line_no, line in enumerate(lines):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line_no < fmt.header_lines:
            c["header_lines"] += 1
            continue
        if line == b"":
            c["empty_lines"] += 1
            continue
        row_no = first_row_index + c["rows_in"]
        c["rows_in"] += 1
        fields = line.split(bytes([fmt.delimiter]))
        if len(fields) < n_cols:
            c["rows_short"] += 1
        values, null, reasons = [0] * n_cols, [True] * n_cols, [0] * n_cols
        for col in range(min(n_cols, len(fields))):
            reasons[col], values[col], null[col] = ref_field(fields[col], kinds[col], fmt.max_field_bytes)
        row_reason = 0
        for rsn in reasons:
            if rsn != 0:
                row_reason = rsn
                break
        if row_reason == 0 and len(fields) > n_cols:
            row_reason = Reason.EXTRA_FIELDS
        if row_reason:
            c["errors"][Reason(row_reason).name] += 1
        if row_reason and fmt.policy == BadRowPolicy.DROP:
            c["rows_dropped"] += 1
            drop_index.append(row_no)
            drop_reason.append(row_reason)
            continue
        for col in range(n_cols):
            if reasons[col]:
                c["fields_nulled"] += 1
                values[col], null[col] = 0, True
        c["rows_out"] += 1
        kept_values.append(values)
        kept_null.append(null)
        kept_index.append(row_no)
        kept_reason.append(row_reason)
    return {"values": kept_values, "null": kept_null, "row_index": kept_index, "reason": kept_reason,
            "dropped_index": drop_index, "dropped_reason": drop_reason, "counters": c}


def assert_same(got: DecodedRows, want: dict, n_cols: int) -> None:
    assert got.counters.as_dict() == want["counters"]
    assert got.values.dtype == np.uint64 and got.values.shape == (len(want["values"]), n_cols)
    assert got.values.tolist() == want["values"]
    assert got.null.tolist() == want["null"]
    assert got.row_index.tolist() == want["row_index"]
    assert got.reason.tolist() == want["reason"]
    assert got.dropped_index.tolist() == want["dropped_index"]
    assert got.dropped_reason.tolist() == want["dropped_reason"]
    cnt = got.counters
    assert cnt.rows_in == cnt.rows_out + cnt.rows_dropped


def check(data: bytes, schema: Schema, fmt: TextFormat, first_row_index: int = 0) -> DecodedRows:
    got = decode_text(data, schema, fmt, first_row_index=first_row_index)
    assert_same(got, ref_decode(data, schema, fmt, first_row_index), schema.n_columns)
    return got


# ----------------------------------------------------------------------------- real Criteo rows


def test_criteo_sample() -> None:
    data = CRITEO.read_bytes()
    got = check(data, criteo_schema(), TextFormat())
    assert got.n_rows == 100 and got.counters.rows_dropped == 0
    i2 = got.values[:, 2].view(np.int64)
    assert (i2 == -1).any()  # I2 takes the value -1 in this sample
    assert got.values[0, 14] == 0x05DB9164


@pytest.mark.parametrize("policy", list(BadRowPolicy))
def test_criteo_variants(policy: BadRowPolicy) -> None:
    lines = CRITEO.read_bytes().split(b"\n")[:-1]
    schema, fmt = criteo_schema(), TextFormat(policy=policy)
    cut = b"\n".join(b"\t".join(ln.split(b"\t")[: 37 + i % 2]) for i, ln in enumerate(lines)) + b"\n"
    got = check(cut, schema, fmt)
    assert got.counters.rows_short == 100 and got.counters.rows_dropped == 0
    check(b"\r\n".join(lines) + b"\r\n", schema, fmt)
    check(b"\n".join(lines), schema, fmt)  # final line without LF
    check(b"\r\n".join(lines) + b"\r", schema, fmt)  # ... and with a CR before end of stream


def test_criteo_chunked_file(tmp_path: Path) -> None:
    lines = CRITEO.read_bytes().split(b"\n")[:-1]
    data = b"label\tfeatures\r\n" + b"\n".join(lines[:50]) + b"\n\n" + b"\n".join(lines[50:])
    path = tmp_path / "c.tsv"
    path.write_bytes(data)
    schema, fmt = criteo_schema(), TextFormat(header_lines=1)
    whole = check(data, schema, fmt)
    for chunk_bytes in (1, 100, 1000, 4096, 1 << 20):
        chunks = list(iter_text_chunks(path, chunk_bytes))
        assert b"".join(chunks) == data
        assert all(ch.endswith(b"\n") for ch in chunks[:-1])
        part = decode_text_file(path, schema, fmt, chunk_bytes=chunk_bytes)
        assert part.counters.as_dict() == whole.counters.as_dict()
        for name in ("values", "null", "row_index", "reason", "dropped_index", "dropped_reason"):
            assert np.array_equal(getattr(part, name), getattr(whole, name)), name


def test_header_longer_than_first_chunk(tmp_path: Path) -> None:
    schema = Schema((Column("a", K.INT), Column("b", K.HEX)))
    data = b"h1\nh2\nh3\n1\tff\n\n2\t10\n"
    path = tmp_path / "h.csv"
    path.write_bytes(data)
    fmt = TextFormat(header_lines=3)
    got = decode_text_file(path, schema, fmt, chunk_bytes=2)
    want = ref_decode(data, schema, fmt)
    assert_same(got, want, 2)


# ----------------------------------------------------------------------------- rules, by example


def one(field: bytes, kind: ColumnKind, max_bytes: int = 64) -> tuple[int, int]:
    schema = Schema((Column("x", kind),))
    got = check(field + b"\n", schema, TextFormat(policy=BadRowPolicy.NULL, max_field_bytes=max_bytes))
    return int(got.reason[0]) if got.n_rows else -1, int(got.values[0, 0]) if got.n_rows else -1


@pytest.mark.parametrize(
    "field,kind,reason,value",
    [
        (b"2147483647", K.INT, Reason.OK, 2**31 - 1),
        (b"-2147483648", K.INT, Reason.OK, 2**64 - 2**31),
        (b"+2147483648", K.INT, Reason.OVERFLOW, 0),
        (b"-2147483649", K.LABEL, Reason.OVERFLOW, 0),
        (b"-0", K.INT, Reason.OK, 0),
        (b"-", K.INT, Reason.BAD_CHAR, 0),
        (b"+-1", K.INT, Reason.BAD_CHAR, 0),
        (b"1-", K.INT, Reason.BAD_CHAR, 0),
        (b"1.5", K.INT, Reason.BAD_CHAR, 0),
        (b"0x1", K.INT, Reason.BAD_CHAR, 0),
        (b" 1", K.INT, Reason.BAD_CHAR, 0),
        (b"1a", K.INT, Reason.BAD_CHAR, 0),
        (b"0" * 40 + b"17", K.INT, Reason.OK, 17),
        (b"-" + b"0" * 40 + b"17", K.INT, Reason.OK, 2**64 - 17),
        (b"1" + b"0" * 18, K.INT, Reason.OVERFLOW, 0),
        (b"1" + b"0" * 19, K.INT, Reason.OVERFLOW, 0),
        (b"1" + b"0" * 30, K.INT, Reason.OVERFLOW, 0),
        (b"9" * 64, K.INT, Reason.OVERFLOW, 0),
        (b"ffffffffffffffff", K.HEX, Reason.OK, 2**64 - 1),
        (b"FFFFFFFFFFFFFFFF", K.HEX, Reason.OK, 2**64 - 1),
        (b"10000000000000000", K.HEX, Reason.OVERFLOW, 0),
        (b"0" * 30 + b"abc", K.HEX, Reason.OK, 0xABC),
        (b"1" + b"0" * 30, K.HEX, Reason.OVERFLOW, 0),
        (b"0x1f", K.HEX, Reason.BAD_CHAR, 0),
        (b"-1", K.HEX, Reason.BAD_CHAR, 0),
        (b"g", K.HEX, Reason.BAD_CHAR, 0),
        (b"1\x00", K.HEX, Reason.BINARY, 0),
        (b"\x7f", K.STR, Reason.BINARY, 0),
        (b"a\rb", K.STR, Reason.BINARY, 0),
        (b"x" * 65, K.STR, Reason.OVERLONG, 0),
        (b"x" * 64, K.STR, Reason.OK, xxh64_bytes(b"x" * 64)),
        (b"z" * 65, K.INT, Reason.OVERLONG, 0),  # OVERLONG outranks BAD_CHAR
        (b"z\x01" * 40, K.INT, Reason.BINARY, 0),  # BINARY outranks everything
        (b"\x01", K.SKIP, Reason.BINARY, 0),  # SKIP fields are checked for binary only
        (b"z" * 300, K.SKIP, Reason.OK, 0),
    ],
)
def test_field_rules(field: bytes, kind: ColumnKind, reason: Reason, value: int) -> None:
    assert one(field, kind) == (reason, value)


def test_extra_region_and_priority() -> None:
    schema = Schema((Column("a", K.INT), Column("b", K.HEX)))
    fmt = TextFormat(policy=BadRowPolicy.DROP, delimiter=ord(","))
    data = b"1,2,\n1,2,\x00\nx,2,3\n1,zz\n1,2\n,\n1\n"
    got = check(data, schema, fmt)
    assert got.dropped_reason.tolist() == [Reason.EXTRA_FIELDS, Reason.EXTRA_FIELDS, Reason.BAD_CHAR, Reason.BAD_CHAR]
    assert got.row_index.tolist() == [4, 5, 6]
    assert got.counters.rows_short == 1
    got = check(data, schema, TextFormat(policy=BadRowPolicy.NULL, delimiter=ord(",")))
    assert got.counters.fields_nulled == 2 and got.counters.rows_dropped == 0


def test_empty_inputs() -> None:
    schema = Schema((Column("a", K.INT),))
    for data in (b"", b"\n", b"\r\n", b"\n\n\r\n", b"\r"):
        got = check(data, schema, TextFormat())
        assert got.n_rows == 0
    got = check(b"h\n\n", schema, TextFormat(header_lines=5))
    assert got.counters.header_lines == 2


def test_numpy_input_and_row_numbering() -> None:
    schema = Schema((Column("a", K.INT), Column("s", K.STR)))
    data = b"1\tab\n\nx\tcd\n3\t\n"
    got = decode_text(np.frombuffer(data, dtype=np.uint8), schema, TextFormat(), first_row_index=100)
    assert got.row_index.tolist() == [100, 102] and got.dropped_index.tolist() == [101]
    assert got.values[0, 1] == xxh64_bytes(b"ab")


# ----------------------------------------------------------------------------- hypothesis

FIELD_ATOMS = [b"", b"-", b"+", b"1.5", b"0x1", b" 1", b"-0", b"+0", b"-1", b"00000000000000000000000000001",
               b"9" * 19, b"1" + b"0" * 19, b"2147483647", b"2147483648", b"-2147483648", b"-2147483649",
               b"ffffffffffffffff", b"10000000000000000", b"0" * 20 + b"F", b"\x00", b"\x7f", b"\r", b"a\rb",
               b"\xff\xfe", b"abc", b"ABCDEF", b"x" * 70, b"0" * 30, b"1\t2", b"3,4"]

decimal_fields = st.builds(
    lambda sign, zeros, v: (sign + "0" * zeros + str(v)).encode(),
    st.sampled_from(["", "", "-", "+"]), st.integers(0, 3) | st.just(25), st.integers(0, 10**21),
)
hex_fields = st.builds(
    lambda zeros, v, upper: ("0" * zeros + (f"{v:X}" if upper else f"{v:x}")).encode(),
    st.integers(0, 3) | st.just(20), st.integers(0, 2**66) | st.integers(0, 2**32), st.booleans(),
)
fields = st.one_of(
    decimal_fields, hex_fields, st.sampled_from(FIELD_ATOMS),
    st.binary(max_size=12), st.text(max_size=6).map(str.encode),
)
kinds = st.sampled_from(list(ColumnKind))


@st.composite
def documents(draw: st.DrawFn) -> tuple[bytes, Schema, TextFormat]:
    col_kinds = draw(st.lists(kinds, min_size=1, max_size=7))
    schema = Schema(tuple(Column(f"c{i}", k) for i, k in enumerate(col_kinds)))
    delim = draw(st.sampled_from([0x09, ord(","), ord("|"), 0x01]))
    fmt = TextFormat(
        delimiter=delim,
        header_lines=draw(st.sampled_from([0, 0, 1, 2])),
        policy=draw(st.sampled_from(list(BadRowPolicy))),
        max_field_bytes=draw(st.sampled_from([3, 8, 9, 17, 25, 64, 255])),
    )
    n_lines = draw(st.integers(0, 12))
    parts = []
    for _ in range(n_lines):
        if draw(st.integers(0, 9)) == 0:
            line = b""  # empty line
        else:
            n = draw(st.integers(1, len(col_kinds) + 2))
            line = bytes([delim]).join(draw(st.lists(fields, min_size=n, max_size=n)))
        parts.append(line + draw(st.sampled_from([b"\n", b"\n", b"\r\n"])))
    data = b"".join(parts)
    if data and draw(st.booleans()):
        data = data.rstrip(b"\n")  # a final line without LF (maybe ending in CR)
    return data, schema, fmt


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(0, 1000))
def test_matches_reference(doc: tuple[bytes, Schema, TextFormat], first_row_index: int) -> None:
    data, schema, fmt = doc
    check(data, schema, fmt, first_row_index)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(1, 64))
def test_chunked_equals_whole(tmp_path_factory: pytest.TempPathFactory, doc: tuple[bytes, Schema, TextFormat],
                              chunk_bytes: int) -> None:
    data, schema, fmt = doc
    path = tmp_path_factory.mktemp("chunks") / "d.txt"
    path.write_bytes(data)
    whole = decode_text(data, schema, fmt)
    part = decode_text_file(path, schema, fmt, chunk_bytes=chunk_bytes)
    assert part.counters.as_dict() == whole.counters.as_dict()
    for name in ("values", "null", "row_index", "reason", "dropped_index", "dropped_reason"):
        assert np.array_equal(getattr(part, name), getattr(whole, name)), name


numeric_fields = st.builds(
    lambda sign, zeros, digits: sign + b"0" * zeros + digits,
    st.sampled_from([b"", b"", b"-", b"+"]),
    st.integers(0, 40),
    st.text("0123456789", min_size=0, max_size=22).map(str.encode)
    | st.text("0123456789abcdefABCDEF", min_size=1, max_size=20).map(str.encode),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(numeric_fields, min_size=4, max_size=4), min_size=1, max_size=20),
       st.sampled_from(list(BadRowPolicy)))
def test_numeric_windows(rows: list[list[bytes]], policy: BadRowPolicy) -> None:
    """Long numbers, leading zeros and signs: every digit window and overflow boundary."""
    schema = Schema((Column("l", K.LABEL), Column("i", K.INT), Column("h", K.HEX), Column("g", K.HEX)))
    data = b"".join(b"\t".join(r) + b"\n" for r in rows)
    check(data, schema, TextFormat(policy=policy, max_field_bytes=255))
