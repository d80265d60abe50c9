"""Tests of `sluice datagen` (host_runtime/datagen.py).

The TSV text is checked against an independent, per-row Python rendering of
the Arrow table, so the vectorised writer, the Parquet writer and the
ground-truth file are all held to one reference.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from host_runtime import datagen as dg

N_BIG = 200_000
SEED = 20240611
INT_MISSING_TARGET = (0.45, 0.0, 0.21, 0.21, 0.026, 0.22, 0.04, 0.0005, 0.04, 0.45, 0.04, 0.77, 0.21)
HEX8 = re.compile(rb"[0-9a-f]{8}")
INT_RE = re.compile(rb"-?[0-9]+")
HEX_RE = re.compile(rb"[0-9a-fA-F]+")
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


# --------------------------------------------------------------------------- helpers


def ref_fields(table: pa.Table, i: int) -> list[bytes]:
    """Row i rendered field by field in plain Python (the reference)."""
    out = [str(table.column("label")[i].as_py()).encode()]
    for name in dg.INT_NAMES:
        v = table.column(name)[i].as_py()
        out.append(b"" if v is None else str(v).encode())
    for name in dg.CAT_NAMES:
        v = table.column(name)[i].as_py()
        out.append(b"" if v is None else b"%08x" % v)
    return out


def ref_rows(table: pa.Table) -> list[list[bytes]]:
    cols = [table.column(n).to_pylist() for n in table.column_names]
    rows = []
    for i in range(table.num_rows):
        f = [str(cols[0][i]).encode()]
        f += [b"" if cols[c][i] is None else str(cols[c][i]).encode() for c in range(1, 14)]
        f += [b"" if cols[c][i] is None else b"%08x" % cols[c][i] for c in range(14, 40)]
        rows.append(f)
    return rows


def n_distinct(a: np.ndarray) -> int:
    """Distinct count by sorting (np.unique is very slow for large uint arrays
    in numpy 2.4)."""
    s = np.sort(a, axis=None)
    return int(len(s) > 0) + int(np.count_nonzero(s[1:] != s[:-1]))


def trailing_empty(fields: list[bytes]) -> int:
    n = 0
    for f in reversed(fields):
        if f:
            break
        n += 1
    return n


@pytest.fixture(scope="module")
def big() -> dg.RowBlock:
    return dg.generate_rows(SEED, 0, N_BIG)


@pytest.fixture(scope="module")
def big_tsv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.DatagenStats]:
    path = tmp_path_factory.mktemp("dg") / "big.tsv"
    return path, dg.write_tsv(path, N_BIG, SEED)


# --------------------------------------------------------------------------- determinism


def test_same_bytes_for_any_chunk_size(tmp_path: Path) -> None:
    n = 2 * dg.BLOCK_ROWS + 1234
    outs = []
    for chunk in (4999, dg.BLOCK_ROWS, 1 << 20):
        p, t = tmp_path / f"c{chunk}.tsv", tmp_path / f"c{chunk}.jsonl"
        dg.write_tsv(p, n, 5, cut_rate=0.4, malformed_rate=0.01, truth_path=t, chunk_rows=chunk)
        outs.append((p.read_bytes(), t.read_bytes()))
    assert outs[0] == outs[1] == outs[2]
    assert len(outs[0][1]) > 0


def test_prefix_and_seed() -> None:
    t_short = dg.generate_table(1000, 3)
    t_long = dg.generate_table(dg.BLOCK_ROWS + 500, 3)
    assert t_short.equals(t_long.slice(0, 1000))
    assert not t_short.equals(dg.generate_table(1000, 4))
    assert dg.generate_table(0, 3).num_rows == 0


def test_mix32_is_injective_on_a_large_sample() -> None:
    x = np.concatenate([np.arange(1 << 21, dtype=np.uint32),
                        np.random.default_rng(0).integers(0, 2**32, 1 << 21, dtype=np.uint64).astype(np.uint32)])
    x = np.sort(x)
    x = x[np.concatenate([[True], x[1:] != x[:-1]])]
    for k in (0, 5, 25):
        assert n_distinct(dg.mix32(x, dg._VALUE_KEYS[k])) == len(x)


# --------------------------------------------------------------------------- distributions


def test_ctr(big: dg.RowBlock) -> None:
    assert abs(big.label.mean() - dg.CTR_TARGET) < 0.01
    other = dg.generate_rows(SEED + 1, 0, N_BIG)
    assert abs(other.label.mean() - dg.CTR_TARGET) < 0.01


def test_calibrated_intercept_is_current() -> None:
    assert abs(dg.calibrate_intercept(n_rows=1 << 16) - dg.LOGIT_INTERCEPT) < 0.03


def test_missing_rates(big: dg.RowBlock) -> None:
    got_int = big.int_missing.mean(axis=0)
    np.testing.assert_allclose(got_int, INT_MISSING_TARGET, atol=0.006)
    got_cat = big.cat_missing.mean(axis=0)
    np.testing.assert_allclose(got_cat, dg.CAT_MISSING, atol=0.006)
    # Criteo's co-missing groups: C19, C20, C25, C26 together.
    grp = big.cat_missing[:, [18, 19, 24, 25]]
    assert (grp.all(axis=1) == grp.any(axis=1)).all()


def test_ints_non_negative_except_i2(big: dg.RowBlock) -> None:
    present = ~big.int_missing
    i2 = big.ints[present[:, 1], 1]
    assert i2.min() == -1 and 0.01 < (i2 == -1).mean() < 0.03
    others = np.delete(big.ints, 1, axis=1)[np.delete(present, 1, axis=1)]
    assert others.min() == 0
    assert (big.ints[big.int_missing] == 0).all()
    # heavy tail: I5 spans several orders of magnitude
    i5 = big.ints[present[:, 4], 4]
    assert np.median(i5) < 10_000 < np.percentile(i5, 95)


def test_ids_within_cardinality_and_skewed(big: dg.RowBlock) -> None:
    card = np.array(dg.CARDINALITIES)
    assert (big.ranks < card).all()
    np.testing.assert_array_equal(big.cats[~big.cat_missing],
                                  dg.mix32(big.ranks, dg._VALUE_KEYS[None, :])[~big.cat_missing])
    for k in (2, 11):  # C3, C12: ~10M ids, yet a hot head
        r = big.ranks[~big.cat_missing[:, k], k]
        assert (r == 0).mean() > 0.02
        assert n_distinct(r) > 0.3 * len(r)
    assert set(np.bincount(big.ranks[:, 8]).nonzero()[0]) == {0, 1, 2}  # C9 has cardinality 3


def test_bytes_per_row_and_speed(big_tsv: tuple[Path, dg.DatagenStats]) -> None:
    path, stats = big_tsv
    assert stats.bytes == path.stat().st_size
    assert abs(stats.bytes_per_row - 243) <= 8
    assert stats.rows == N_BIG and abs(stats.ctr - dg.CTR_TARGET) < 0.01
    assert stats.mb_per_s > 5  # loose: CI machines are shared; docs/datagen.md has the real figure


def test_text_alphabet_and_field_counts(big_tsv: tuple[Path, dg.DatagenStats]) -> None:
    data = np.frombuffer(big_tsv[0].read_bytes(), dtype=np.uint8)
    allowed = np.zeros(256, dtype=bool)
    allowed[np.frombuffer(b"0123456789abcdef-\t\n", dtype=np.uint8)] = True
    assert allowed[data].all()
    assert (data == 0x0A).sum() == N_BIG
    assert (data == 0x09).sum() == N_BIG * 39


def test_tsv_matches_table(big_tsv: tuple[Path, dg.DatagenStats]) -> None:
    n = 20_000
    table = dg.generate_table(n, SEED)
    lines = big_tsv[0].read_bytes().split(b"\n", n)[:n]
    for line, ref in zip(lines, ref_rows(table)):
        fields = line.split(b"\t")
        assert fields == ref
        assert all(HEX8.fullmatch(f) for f in fields[14:] if f)


def test_parquet_equals_tsv(tmp_path: Path) -> None:
    n = 30_000
    pq_path, tsv_path = tmp_path / "d.parquet", tmp_path / "d.tsv"
    st = dg.write_parquet(pq_path, n, 9, row_group_rows=7000)
    dg.write_tsv(tsv_path, n, 9, chunk_rows=11_000)
    t = pq.read_table(pq_path)
    assert t.schema.equals(dg.arrow_schema())
    assert t.equals(dg.generate_table(n, 9))
    assert pq.ParquetFile(pq_path).num_row_groups == 5 and st.rows == n
    lines = tsv_path.read_bytes().split(b"\n")[:-1]
    assert [line.split(b"\t") for line in lines] == ref_rows(t)


def test_crlf(tmp_path: Path) -> None:
    dg.write_tsv(tmp_path / "lf.tsv", 3000, 2, cut_rate=0.5)
    dg.write_tsv(tmp_path / "crlf.tsv", 3000, 2, cut_rate=0.5, crlf=True)
    lf, crlf = (tmp_path / "lf.tsv").read_bytes(), (tmp_path / "crlf.tsv").read_bytes()
    assert crlf.count(b"\r\n") == 3000 and crlf.replace(b"\r\n", b"\n") == lf


# --------------------------------------------------------------------------- cut rows


def test_cut_rows(tmp_path: Path) -> None:
    n = 20_000
    path = tmp_path / "cut.tsv"
    st = dg.write_tsv(path, n, 11, cut_rate=0.5)
    ref = ref_rows(dg.generate_table(n, 11))
    lines = path.read_bytes().split(b"\n")[:-1]
    assert len(lines) == n
    eligible = cut = 0
    for line, full in zip(lines, ref):
        fields = line.split(b"\t")
        assert 37 <= len(fields) <= 40
        assert fields == full[: len(fields)]          # only a suffix is missing ...
        assert all(f == b"" for f in full[len(fields):])  # ... and it was empty
        k = min(trailing_empty(full), 3)
        eligible += k > 0
        if len(fields) < 40:
            cut += 1
            assert len(fields) == 40 - k              # all cuttable empties are cut
    assert cut == st.cut_rows
    assert abs(cut / eligible - 0.5) < 0.03


# --------------------------------------------------------------------------- malformed rows


def _check_injected_field(kind: str, value: bytes, field: int) -> None:
    """The damaged field really is what its kind says, and nothing worse."""
    if kind != "binary_nul":
        assert not CONTROL.search(value), "only binary_nul may carry control bytes"
    if kind not in ("overlong", "binary_nul", "extra_fields"):
        assert len(value) <= dg.MAX_FIELD_BYTES
    if kind == "extra_fields":
        assert field == 40 and HEX8.fullmatch(value)
    elif kind == "bad_char_int":
        assert 1 <= field <= 13 and not INT_RE.fullmatch(value)
        assert not re.fullmatch(rb"[-+]?[0-9]*", value)
    elif kind == "bad_char_hex":
        assert 14 <= field <= 39 and not HEX_RE.fullmatch(value)
    elif kind == "overflow_int":
        assert 1 <= field <= 13 and INT_RE.fullmatch(value)
        assert not -(2**31) <= int(value) < 2**31
    elif kind == "overflow_hex":
        assert 14 <= field <= 39 and HEX_RE.fullmatch(value) and int(value, 16) >= 2**64
    elif kind == "overlong":
        assert 1 <= field <= 39 and len(value) > dg.MAX_FIELD_BYTES
    elif kind == "binary_nul":
        assert 1 <= field <= 39 and b"\x00" in value and len(value) <= 12
    else:
        raise AssertionError(kind)


def test_ground_truth(tmp_path: Path) -> None:
    n = 30_000
    tsv, truth = tmp_path / "bad.tsv", tmp_path / "bad.jsonl"
    st = dg.write_tsv(tsv, n, 17, cut_rate=0.3, malformed_rate=0.02, truth_path=truth)
    records = [json.loads(x) for x in truth.read_text().splitlines()]
    assert len(records) == st.injected and abs(len(records) / n - 0.02) < 0.004
    assert {r["kind"] for r in records} == set(dg.INJECT_KINDS)
    lines = tsv.read_bytes().split(b"\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    assert len(lines) == n + st.empty_lines
    # data-row numbers as the decoder assigns them: every non-empty line counts
    data_row_of_line = np.cumsum([len(x) > 0 for x in lines]) - 1
    ref = ref_rows(dg.generate_table(n, 17))
    by_line = {r["line"]: r for r in records}
    assert len(by_line) == len(records)
    for r in records:
        line = lines[r["line"]]
        assert r["expected_reason"] == dg.EXPECTED_REASON[r["kind"]]
        if r["kind"] == "empty_line":
            assert line == b"" and r["data_row"] is None and r["field"] is None
            continue
        assert r["data_row"] == data_row_of_line[r["line"]]
        fields, value = line.split(b"\t"), r["value"].encode("latin-1")
        assert fields[r["field"]] == value
        _check_injected_field(r["kind"], value, r["field"])
        clean = ref[r["data_row"]]
        if r["kind"] == "extra_fields":
            assert fields[:40] == clean and len(fields) > 40
        else:
            assert len(fields) == 40
            assert fields[: r["field"]] + fields[r["field"] + 1:] == clean[: r["field"]] + clean[r["field"] + 1:]
    # every other line is a clean row (possibly cut)
    for i, line in enumerate(lines):
        if i in by_line:
            continue
        fields = line.split(b"\t")
        assert fields == ref[data_row_of_line[i]][: len(fields)]
    # reasons use the schema's names
    assert {r["expected_reason"] for r in records} - {None} <= {x.name for x in dg.Reason}


def test_make_injection_each_kind() -> None:
    clean = ref_fields(dg.generate_table(1, 0), 0)
    for kind in dg.INJECT_KINDS:
        for s in range(30):
            inj = dg.make_injection(kind, clean, np.random.default_rng(s))
            if kind == "empty_line":
                assert inj.fields is None
                continue
            assert inj.fields[inj.field] == inj.value
            _check_injected_field(kind, inj.value, inj.field)


# --------------------------------------------------------------------------- learnability


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def test_label_depends_on_features(big: dg.RowBlock) -> None:
    y = big.label
    i11 = big.ints[:, 10]
    ok = ~big.int_missing[:, 10]
    assert y[ok & (i11 >= 5)].mean() - y[ok & (i11 == 0)].mean() > 0.08
    hot = big.ranks[:, 16]  # C17: 10 values, each its own CTR
    ctr = [y[hot == v].mean() for v in range(5)]
    assert max(ctr) - min(ctr) > 0.08


def _logit(p: np.ndarray | float) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def test_learnable_from_half_the_rows(big: dg.RowBlock) -> None:
    """Per-(column, value) click rates counted on half the rows, added up as
    log-odds (what embeddings + a linear layer can represent; exact here since
    the generator's effects are additive and the features independent),
    predict the other half far better than the constant predictor."""
    half = big.n // 2
    y = big.label.astype(np.float64)
    base = y[:half].mean()
    buckets = [np.where(big.cat_missing[:, k], 0, 1 + big.ranks[:, k] % 4096) for k in range(dg.N_CAT)]
    buckets += [np.where(big.int_missing[:, j], 0, 1 + np.minimum(2 * np.log1p(np.maximum(big.ints[:, j], 0)), 40))
                .astype(np.int64) for j in range(dg.N_INT)]
    logit = np.full(big.n - half, _logit(base))
    for bk in buckets:
        pos = np.bincount(bk[:half], weights=y[:half], minlength=4097)
        cnt = np.bincount(bk[:half], minlength=4097)
        ctr = (pos + 50 * base) / (cnt + 50)
        logit += (_logit(ctr) - _logit(base))[bk[half:]]
    test_loss = _log_loss(y[half:], 1 / (1 + np.exp(-logit)))
    const_loss = _log_loss(y[half:], np.full(big.n - half, base))
    assert const_loss > 0.55
    print(f"held-out log loss {test_loss:.4f} vs constant {const_loss:.4f}")
    assert test_loss < const_loss - 0.05, (test_loss, const_loss)


# --------------------------------------------------------------------------- CLI


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="sluice")
    dg.register(parser.add_subparsers(dest="cmd"))
    out, truth = tmp_path / "x.tsv", tmp_path / "x.jsonl"
    args = parser.parse_args(["datagen", "--rows", "5000", "--seed", "1", "--out", str(out),
                              "--cut-rate", "0.2", "--malformed-rate", "0.01", "--truth", str(truth)])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "rows=5000" in text and "bytes/row=" in text and "MB/s=" in text and "CTR=" in text
    assert out.stat().st_size > 5000 * 200 and truth.read_text()
    args = parser.parse_args(["datagen", "--rows", "100", "--out", str(tmp_path / "y.parquet"),
                              "--format", "parquet"])
    assert args.func(args) == 0
    assert pq.read_table(tmp_path / "y.parquet").num_rows == 100
