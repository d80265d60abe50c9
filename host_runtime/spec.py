"""Pipeline YAML → PipelineSpec, rejecting invalid specs before any device is touched.

Every error names the offending field by its path (e.g. `sparse[3].ops[1].modulo`),
because the people writing these files are iterating quickly and need to see
at once which line to fix. The format is documented in docs/formats/pipeline_yaml.md.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from models.batch_layout import MAX_BATCH_ROWS, DenseDtype, SparseDtype
from models.pipeline_spec import (
    INT32_MAX, INT32_MIN, MAX_BOUNDARIES, BatchSettings, DenseFeature, DenseOut, HotsetSettings,
    InputFormat, IntPrefix, PipelineSpec, SparseFeature, SparseFinal, VocabSettings,
)
from models.schema import MAX_COLUMNS, BadRowPolicy, Column, ColumnKind, Schema, TextFormat

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
PRESETS = ("criteo_dlrm", "criteo_torchrec", "criteo_presto", "criteo_hotline")


class SpecError(ValueError):
    """An invalid pipeline spec; the message starts with the field path."""

    def __init__(self, path: str, msg: str) -> None:
        super().__init__(f"{path}: {msg}")
        self.path = path


_RANGE = re.compile(r"\{(\d+)\.\.(\d+)\}")


def expand_names(pattern: str, path: str) -> list[str]:
    """`C{1..26}` → C1..C26; a name without braces is itself."""
    m = _RANGE.search(pattern)
    if not m:
        return [pattern]
    lo, hi = int(m.group(1)), int(m.group(2))
    if hi < lo:
        raise SpecError(path, f"range {{{lo}..{hi}}} is empty")
    head, tail = pattern[:m.start()], pattern[m.end():]
    if _RANGE.search(tail):
        raise SpecError(path, "only one {a..b} range per name")
    return [f"{head}{i}{tail}" for i in range(lo, hi + 1)]


def _req(d: dict, key: str, path: str) -> Any:
    if not isinstance(d, dict):
        raise SpecError(path, f"expected a mapping, got {type(d).__name__}")
    if key not in d:
        raise SpecError(f"{path}.{key}" if path else key, "is required")
    return d[key]


def _check_keys(d: dict, allowed: set[str], path: str) -> None:
    if not isinstance(d, dict):
        raise SpecError(path or "<top>", f"expected a mapping, got {type(d).__name__}")
    extra = sorted(set(d) - allowed)
    if extra:
        raise SpecError(f"{path}.{extra[0]}" if path else extra[0],
                        f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _int(v: Any, path: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(path, f"expected an integer, got {v!r}")
    if not lo <= v <= hi:
        raise SpecError(path, f"{v} is outside [{lo}, {hi}]")
    return v


def _enum(v: Any, path: str, choices: dict[str, Any]) -> Any:
    if not isinstance(v, str) or v.lower() not in choices:
        raise SpecError(path, f"expected one of {', '.join(choices)}, got {v!r}")
    return choices[v.lower()]


def _parse_columns(raw: Any, path: str) -> Schema:
    if not isinstance(raw, list) or not raw:
        raise SpecError(path, "expected a non-empty list of columns")
    cols: list[Column] = []
    kinds = {k.name.lower(): k for k in ColumnKind}
    for i, c in enumerate(raw):
        p = f"{path}[{i}]"
        _check_keys(c, {"name", "kind"}, p)
        names = expand_names(str(_req(c, "name", p)), f"{p}.name")
        kind = _enum(_req(c, "kind", p), f"{p}.kind", kinds)
        cols.extend(Column(n, kind) for n in names)
    if len(cols) > MAX_COLUMNS:
        raise SpecError(path, f"{len(cols)} columns; at most {MAX_COLUMNS}")
    seen: set[str] = set()
    for c in cols:
        if c.name in seen:
            raise SpecError(path, f"column {c.name!r} appears twice")
        seen.add(c.name)
    return Schema(tuple(cols))


def _delimiter(v: Any, path: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        b = v
    elif isinstance(v, str) and len(v.encode()) == 1:
        b = v.encode()[0]
    else:
        raise SpecError(path, f"expected one byte (e.g. \"\\t\" or \",\"), got {v!r}")
    if b in (0x00, 0x0A, 0x0D) or b > 0xFF:
        raise SpecError(path, f"byte {b:#x} cannot be a delimiter")
    return b


def _parse_input(raw: Any, path: str) -> tuple[InputFormat, TextFormat, int]:
    raw = raw or {}
    _check_keys(raw, {"format", "delimiter", "header_lines", "bad_rows", "max_field_bytes", "hex_width"}, path)
    fmt_name = _enum(raw.get("format", "tsv"), f"{path}.format", {"tsv": "tsv", "csv": "csv", "binary": "binary"})
    default_delim = "," if fmt_name == "csv" else "\t"
    delim = _delimiter(raw.get("delimiter", default_delim), f"{path}.delimiter")
    header = _int(raw.get("header_lines", 0), f"{path}.header_lines", 0, 2**16 - 1)
    bad_rows = raw.get("bad_rows", "drop")
    if "bad_rows" in raw and bad_rows is None:  # `bad_rows: null` unquoted is YAML's null
        bad_rows = "null"
    policy = _enum(bad_rows, f"{path}.bad_rows",
                   {"drop": BadRowPolicy.DROP, "null": BadRowPolicy.NULL, "nullify": BadRowPolicy.NULL})
    mfb = _int(raw.get("max_field_bytes", 64), f"{path}.max_field_bytes", 1, 255)
    hex_width = raw.get("hex_width", 8)
    if hex_width not in (4, 8):
        raise SpecError(f"{path}.hex_width", f"expected 4 or 8, got {hex_width!r}")
    fmt = InputFormat.BINARY if fmt_name == "binary" else InputFormat.TEXT
    return fmt, TextFormat(delim, header, policy, mfb), hex_width


def _op_items(raw: Any, path: str) -> list[tuple[str, Any, str]]:
    """Normalise `ops:` entries: `log1p` or `{modulo: 10}` → (name, arg, path)."""
    if not isinstance(raw, list):
        raise SpecError(path, "expected a list of operators")
    items = []
    for i, op in enumerate(raw):
        p = f"{path}[{i}]"
        if isinstance(op, str):
            items.append((op, None, p))
        elif isinstance(op, dict) and len(op) == 1:
            (k, v), = op.items()
            items.append((str(k), v, f"{p}.{k}"))
        else:
            raise SpecError(p, "an operator is a name or a one-key mapping like {modulo: 1000}")
    return items


_DENSE_ORDER = ["fill_missing", "clamp", "shift", "log1p", "identity", "bucketize"]
_SPARSE_ORDER = ["fill_missing", "clamp", "shift", "bucketize", "hash", "modulo", "vocab"]


def _check_order(items: list[tuple[str, Any, str]], order: list[str]) -> None:
    last = -1
    for name, _, p in items:
        if name not in order:
            raise SpecError(p, f"unknown operator {name!r} here (allowed, in order: {', '.join(order)})")
        pos = order.index(name)
        if pos <= last:
            raise SpecError(p, f"operator {name!r} is repeated or out of order (order: {', '.join(order)})")
        last = pos


def _clamp(v: Any, path: str) -> tuple[int, int]:
    if isinstance(v, list) and len(v) == 2:
        lo, hi = v
    elif isinstance(v, dict):
        _check_keys(v, {"min", "max"}, path)
        lo, hi = v.get("min"), v.get("max")
    else:
        raise SpecError(path, "expected [min, max] or {min: .., max: ..} (null = unbounded)")
    lo = INT32_MIN if lo is None else _int(lo, f"{path}.min", INT32_MIN, INT32_MAX)
    hi = INT32_MAX if hi is None else _int(hi, f"{path}.max", INT32_MIN, INT32_MAX)
    if lo > hi:
        raise SpecError(path, f"min {lo} > max {hi}")
    return lo, hi


def _boundaries(v: Any, path: str) -> tuple[int, ...]:
    if isinstance(v, dict):  # generated boundaries: {geometric: ...} or {linear: ...}
        _check_keys(v, {"geometric", "linear"}, path)
        if "geometric" in v:
            g = v["geometric"]
            _check_keys(g, {"start", "factor", "count"}, f"{path}.geometric")
            start = _int(g.get("start", 1), f"{path}.geometric.start", 1, INT32_MAX)
            factor = g.get("factor", 2)
            count = _int(g.get("count", 32), f"{path}.geometric.count", 1, MAX_BOUNDARIES)
            if not isinstance(factor, (int, float)) or factor <= 1:
                raise SpecError(f"{path}.geometric.factor", "expected a number > 1")
            vals = sorted({min(INT32_MAX, int(math.floor(start * factor**i))) for i in range(count)})
            return tuple(vals)
        lin = v["linear"]
        _check_keys(lin, {"start", "step", "count"}, f"{path}.linear")
        start = _int(lin.get("start", 0), f"{path}.linear.start", INT32_MIN, INT32_MAX)
        step = _int(lin.get("step", 1), f"{path}.linear.step", 1, INT32_MAX)
        count = _int(lin.get("count", 16), f"{path}.linear.count", 1, MAX_BOUNDARIES)
        return tuple(min(INT32_MAX, start + i * step) for i in range(count))
    if not isinstance(v, list) or not 1 <= len(v) <= MAX_BOUNDARIES:
        raise SpecError(path, f"expected a list of 1..{MAX_BOUNDARIES} integers")
    b = [_int(x, f"{path}[{i}]", INT32_MIN, INT32_MAX) for i, x in enumerate(v)]
    if any(b[i] > b[i + 1] for i in range(len(b) - 1)):
        raise SpecError(path, "boundaries must be ascending")
    return tuple(b)


def _int_prefix(ops: dict[str, tuple[Any, str]]) -> IntPrefix:
    fill = _int(ops["fill_missing"][0], ops["fill_missing"][1], INT32_MIN, INT32_MAX) \
        if "fill_missing" in ops else 0
    lo, hi = _clamp(*ops["clamp"]) if "clamp" in ops else (INT32_MIN, INT32_MAX)
    shift = _int(ops["shift"][0], ops["shift"][1], INT32_MIN, INT32_MAX) if "shift" in ops else 0
    return IntPrefix(fill, lo, hi, shift)


def _feature_pairs(raw: Any, path: str, schema: Schema) -> list[tuple[str, int, dict, str]]:
    """Expand `name`/`from` patterns into (feature name, column index, entry, path)."""
    if not isinstance(raw, list):
        raise SpecError(path, "expected a list of features")
    out = []
    for i, f in enumerate(raw):
        p = f"{path}[{i}]"
        _check_keys(f, {"name", "from", "ops", "hot"}, p)
        src = expand_names(str(_req(f, "from", p)), f"{p}.from")
        names = expand_names(str(f.get("name", _req(f, "from", p))), f"{p}.name")
        if len(names) != len(src):
            raise SpecError(f"{p}.name", f"expands to {len(names)} names but `from` to {len(src)} columns")
        for n, s in zip(names, src):
            try:
                col = schema.index(s)
            except KeyError:
                raise SpecError(f"{p}.from", f"no column named {s!r}") from None
            out.append((n, col, f, p))
    return out


def _parse_dense(raw: Any, path: str, schema: Schema) -> list[DenseFeature]:
    feats = []
    for name, col, f, p in _feature_pairs(raw or [], path, schema):
        if schema.columns[col].kind != ColumnKind.INT:
            raise SpecError(f"{p}.from", f"column {schema.columns[col].name!r} is "
                            f"{schema.columns[col].kind.name}; dense features need INT")
        if "hot" in f:
            raise SpecError(f"{p}.hot", "only sparse features have hot sets")
        items = _op_items(_req(f, "ops", p), f"{p}.ops")
        _check_order(items, _DENSE_ORDER)
        ops = {n: (a, q) for n, a, q in items}
        terminal = [n for n in ("log1p", "identity", "bucketize") if n in ops]
        if len(terminal) != 1:
            raise SpecError(f"{p}.ops", "needs exactly one of log1p, identity, bucketize")
        out = DenseOut(terminal[0])
        bounds = _boundaries(*ops["bucketize"]) if out == DenseOut.BUCKETIZE else ()
        for n in ("log1p", "identity"):
            if n in ops and ops[n][0] is not None:
                raise SpecError(ops[n][1], f"{n} takes no argument")
        feats.append(DenseFeature(name, col, _int_prefix(ops), out, bounds))
    return feats


def _parse_sparse(raw: Any, path: str, schema: Schema, hot_default: bool) -> list[SparseFeature]:
    feats = []
    for name, col, f, p in _feature_pairs(raw or [], path, schema):
        kind = schema.columns[col].kind
        if kind in (ColumnKind.SKIP, ColumnKind.LABEL):
            raise SpecError(f"{p}.from", f"column {schema.columns[col].name!r} is {kind.name}")
        items = _op_items(f.get("ops", []), f"{p}.ops")
        _check_order(items, _SPARSE_ORDER)
        ops = {n: (a, q) for n, a, q in items}
        int_only = [n for n in ("clamp", "shift", "bucketize") if n in ops]
        if int_only and kind != ColumnKind.INT:
            raise SpecError(ops[int_only[0]][1], f"{int_only[0]} needs an INT source column")
        prefix = None
        bounds: tuple[int, ...] = ()
        fill = 0
        if kind == ColumnKind.INT and int_only:
            prefix = _int_prefix(ops)
            if "bucketize" in ops:
                bounds = _boundaries(*ops["bucketize"])
            elif int_only:
                raise SpecError(ops[int_only[0]][1], "clamp/shift on a sparse feature need a bucketize")
        elif "fill_missing" in ops:
            lo = INT32_MIN if kind == ColumnKind.INT else 0
            hi = INT32_MAX if kind == ColumnKind.INT else 2**64 - 1
            fill = _int(ops["fill_missing"][0], ops["fill_missing"][1], lo, hi) & (2**64 - 1)
        salt = None
        if "hash" in ops:
            a, q = ops["hash"]
            if isinstance(a, dict):
                _check_keys(a, {"salt"}, q)
                a = a.get("salt", 0)
            salt = _int(0 if a is None else a, q, 0, 2**64 - 1)
        final, modulus, vocab = SparseFinal.NONE, 0, None
        if "modulo" in ops and "vocab" in ops:
            raise SpecError(ops["vocab"][1], "use modulo or vocab, not both")
        if "modulo" in ops:
            final, modulus = SparseFinal.MODULO, _int(ops["modulo"][0], ops["modulo"][1], 1, 2**32 - 1)
        if "vocab" in ops:
            a, q = ops["vocab"]
            a = a or {}
            _check_keys(a, {"threshold", "buckets", "ways"}, q)
            nb = _int(a.get("buckets", VocabSettings.n_buckets), f"{q}.buckets", 1, 1 << 24)
            if nb & (nb - 1):
                raise SpecError(f"{q}.buckets", f"{nb} is not a power of two")
            vocab = VocabSettings(_int(a.get("threshold", 3), f"{q}.threshold", 0, 2**16 - 1), nb,
                                  _int(a.get("ways", 4), f"{q}.ways", 1, 16))
            final = SparseFinal.VOCAB
        hot = f.get("hot", hot_default)
        if not isinstance(hot, bool):
            raise SpecError(f"{p}.hot", "expected true or false")
        feats.append(SparseFeature(name, col, fill, prefix, bounds, salt, final, modulus, vocab, hot))
    return feats


def _max_sparse_id(s: SparseFeature, schema: Schema) -> int:
    if s.final == SparseFinal.MODULO:
        return s.modulus - 1
    if s.final == SparseFinal.VOCAB:
        assert s.vocab is not None
        return 1 + s.vocab.n_buckets * s.vocab.ways
    if s.bucketized and s.hash_salt is None:
        return len(s.boundaries)
    return 2**64 - 1


def _parse_batch(raw: Any, path: str) -> BatchSettings:
    raw = raw or {}
    _check_keys(raw, {"size", "drop_last", "dense_dtype", "sparse_dtype", "freshness_cycles"}, path)
    size = _int(raw.get("size", 2048), f"{path}.size", 1, MAX_BATCH_ROWS)
    drop_last = raw.get("drop_last", False)
    if not isinstance(drop_last, bool):
        raise SpecError(f"{path}.drop_last", "expected true or false")
    ddt = _enum(raw.get("dense_dtype", "float32"), f"{path}.dense_dtype",
                {"float32": DenseDtype.FLOAT32, "float16": DenseDtype.FLOAT16, "bfloat16": DenseDtype.BFLOAT16})
    sdt = _enum(raw.get("sparse_dtype", "int32"), f"{path}.sparse_dtype",
                {"int32": SparseDtype.INT32, "int64": SparseDtype.INT64})
    fresh = _int(raw.get("freshness_cycles", 0), f"{path}.freshness_cycles", 0, 2**32 - 1)
    return BatchSettings(size, drop_last, ddt, sdt, fresh)


def _parse_hotset(raw: Any, path: str) -> HotsetSettings | None:
    if raw is None:
        return None
    _check_keys(raw, {"capacity", "profile_fraction"}, path)
    cap = _int(raw.get("capacity", 4096), f"{path}.capacity", 1, 1 << 20)
    frac = raw.get("profile_fraction", 0.05)
    if not isinstance(frac, (int, float)) or isinstance(frac, bool) or not 0 < frac <= 1:
        raise SpecError(f"{path}.profile_fraction", f"expected a number in (0, 1], got {frac!r}")
    return HotsetSettings(cap, float(frac))


TOP_KEYS = {"name", "description", "input", "columns", "label", "dense", "sparse", "batch", "hotset"}


def compile_spec(doc: Any, *, origin: str = "<spec>") -> PipelineSpec:
    """Validate a parsed YAML document and build the PipelineSpec."""
    if not isinstance(doc, dict):
        raise SpecError("<top>", f"{origin}: expected a mapping at the top level")
    _check_keys(doc, TOP_KEYS, "")
    name = str(doc.get("name", Path(origin).stem))
    schema = _parse_columns(_req(doc, "columns", ""), "columns")
    fmt, text, hex_width = _parse_input(doc.get("input"), "input")
    label_col = None
    if doc.get("label") is not None:
        try:
            label_col = schema.index(str(doc["label"]))
        except KeyError:
            raise SpecError("label", f"no column named {doc['label']!r}") from None
        if schema.columns[label_col].kind != ColumnKind.LABEL:
            raise SpecError("label", f"column {doc['label']!r} is not of kind LABEL")
    hotset = _parse_hotset(doc.get("hotset"), "hotset")
    dense = _parse_dense(doc.get("dense"), "dense", schema)
    sparse = _parse_sparse(doc.get("sparse"), "sparse", schema, hot_default=hotset is not None)
    if not dense and not sparse:
        raise SpecError("dense", "a pipeline needs at least one dense or sparse feature")
    names = [f.name for f in dense] + [s.name for s in sparse]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SpecError("sparse", f"feature name {sorted(dup)[0]!r} is used twice")
    batch = _parse_batch(doc.get("batch"), "batch")
    limit = 2**31 if batch.sparse_dtype == SparseDtype.INT32 else 2**63
    for i, s in enumerate(sparse):
        top = _max_sparse_id(s, schema)
        if hotset is not None and s.hot:
            top = max(top, hotset.capacity - 1)
        if top >= limit:
            raise SpecError(f"sparse[{i}]", f"feature {s.name!r} can produce ids up to {top}, which do not "
                            f"fit batch.sparse_dtype {batch.sparse_dtype.name.lower()}: add modulo/vocab"
                            + ("" if top >= 2**63 else " or use int64"))
    if hotset is not None and not any(s.hot for s in sparse):
        raise SpecError("hotset", "no sparse feature has a hot set (hot: false everywhere)")
    try:
        return PipelineSpec(name, schema, fmt, text, label_col, tuple(dense), tuple(sparse), batch,
                            hotset, hex_width)
    except ValueError as e:
        raise SpecError("<pipeline>", str(e)) from e


def load_spec(path_or_preset: str | Path) -> PipelineSpec:
    """Load a YAML file, or a preset name from configs/."""
    p = Path(path_or_preset)
    if not p.exists() and str(path_or_preset) in PRESETS:
        p = CONFIG_DIR / f"{path_or_preset}.yaml"
    if not p.exists():
        raise SpecError("<file>", f"{path_or_preset}: no such file or preset ({', '.join(PRESETS)})")
    try:
        doc = yaml.safe_load(p.read_text())
    except yaml.YAMLError as e:
        raise SpecError("<yaml>", f"{p}: {e}") from e
    return compile_spec(doc, origin=str(p))
