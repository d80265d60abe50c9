"""CSR values of the transform lanes (rtl/top/csr/transform.yaml) for a pipeline spec.

The lanes run the stateless part of every feature chain (models.transform.transform_lanes);
this maps a PipelineSpec onto their registers. Bucketize boundary lists are deduplicated into
the BK_TABLES shared tables (PreSto's 13 generated features share one list, for example), so a
spec fits as long as it has at most 8 *distinct* lists.
"""
from __future__ import annotations

from models.pipeline_spec import DenseOut, IntPrefix, PipelineSpec, SparseFinal
from models.sparse_ops import barrett_params
from models.batch_layout import DenseDtype

MAX_DENSE = 32
MAX_SPARSE = 64
MAX_COLUMNS = 64
BK_TABLES = 8
BK_STRIDE = 64  # table t, boundary i at word 64 t + i
BK_LEN_BASE = BK_TABLES * BK_STRIDE  # length of table t at word 512 + t
BK_WORDS = BK_LEN_BASE + BK_TABLES
MAX_BOUNDS = 64

DENSE_KIND = {DenseOut.LOG1P: 0, DenseOut.IDENTITY: 1, DenseOut.BUCKETIZE: 2}
FINAL = {SparseFinal.NONE: 0, SparseFinal.MODULO: 1, SparseFinal.VOCAB: 2}
DTYPE = {DenseDtype.FLOAT32: 0, DenseDtype.FLOAT16: 1, DenseDtype.BFLOAT16: 2}

DENSE_FIELDS = ("column", "fill", "clamp_lo", "clamp_hi", "shift", "kind", "table")
SPARSE_FIELDS = ("column", "fill", "bucketize", "int_fill", "clamp_lo", "clamp_hi", "shift", "table", "hash",
                 "salt", "final", "m", "mu")

U32 = (1 << 32) - 1


class _Tables:
    """Distinct boundary lists in first-use order, each given a table id."""

    def __init__(self) -> None:
        self.lists: list[tuple[int, ...]] = []

    def id_of(self, bounds: tuple[int, ...], feature: str) -> int:
        if not 1 <= len(bounds) <= MAX_BOUNDS:
            raise ValueError(f"{feature}: {len(bounds)} bucketize boundaries, the lane takes 1..{MAX_BOUNDS}")
        b = tuple(int(x) for x in bounds)
        if b not in self.lists:
            if len(self.lists) == BK_TABLES:
                raise ValueError(f"{feature}: more than {BK_TABLES} distinct bucketize boundary lists "
                                 f"(the lanes hold {BK_TABLES} tables)")
            self.lists.append(b)
        return self.lists.index(b)

    def words(self) -> list[int]:
        w = [0] * BK_WORDS
        for t, b in enumerate(self.lists):
            for i, x in enumerate(b):
                w[BK_STRIDE * t + i] = x & U32
            w[BK_LEN_BASE + t] = len(b)
        return w


def _prefix(p: IntPrefix | None) -> tuple[int, int, int, int]:
    p = p or IntPrefix()
    return p.fill & U32, p.clamp_lo & U32, p.clamp_hi & U32, p.shift & U32


def _column(c: int, feature: str) -> int:
    if not 0 <= c < MAX_COLUMNS:
        raise ValueError(f"{feature}: source column {c} is beyond the lane's {MAX_COLUMNS} columns")
    return c


def transform_csr_image(spec: PipelineSpec) -> dict[str, int | list[int]]:
    """Register values by YAML name: scalars as ints, array fields as `<array>_<field>` lists of
    `count` entries (unused entries 0), the table `bk` as its list of 520 words. Raises ValueError
    naming the feature when the spec does not fit the lanes."""
    if len(spec.dense) > MAX_DENSE:
        raise ValueError(f"dense: {len(spec.dense)} features, the lane takes at most {MAX_DENSE} "
                         f"(first one over: {spec.dense[MAX_DENSE].name})")
    if len(spec.sparse) > MAX_SPARSE:
        raise ValueError(f"sparse: {len(spec.sparse)} features, the lane takes at most {MAX_SPARSE} "
                         f"(first one over: {spec.sparse[MAX_SPARSE].name})")
    tables = _Tables()
    img: dict[str, int | list[int]] = {}
    dense = {f: [0] * MAX_DENSE for f in DENSE_FIELDS}
    for j, f in enumerate(spec.dense):
        dense["column"][j] = _column(f.column, f"dense feature {f.name}")
        (dense["fill"][j], dense["clamp_lo"][j], dense["clamp_hi"][j], dense["shift"][j]) = _prefix(f.prefix)
        dense["kind"][j] = DENSE_KIND[f.out]
        if f.out == DenseOut.BUCKETIZE:
            dense["table"][j] = tables.id_of(f.boundaries, f"dense feature {f.name}")
    sparse = {f: [0] * MAX_SPARSE for f in SPARSE_FIELDS}
    for i, s in enumerate(spec.sparse):
        name = f"sparse feature {s.name}"
        sparse["column"][i] = _column(s.column, name)
        sparse["fill"][i] = s.fill & ((1 << 64) - 1)
        if s.bucketized:
            sparse["bucketize"][i] = 1
            (sparse["int_fill"][i], sparse["clamp_lo"][i], sparse["clamp_hi"][i],
             sparse["shift"][i]) = _prefix(s.int_prefix)
            sparse["table"][i] = tables.id_of(s.boundaries, name)
        if s.hash_salt is not None:
            sparse["hash"][i] = 1
            sparse["salt"][i] = s.hash_salt
        sparse["final"][i] = FINAL[s.final]
        if s.final == SparseFinal.MODULO:
            try:
                bp = barrett_params(s.modulus)
            except ValueError as e:
                raise ValueError(f"{name}: {e}") from None
            sparse["m"][i], sparse["mu"][i] = bp.m, bp.mu
    img["n_dense"] = len(spec.dense)
    img["n_sparse"] = len(spec.sparse)
    img["label_en"] = int(spec.label_column is not None)
    img["label_column"] = _column(spec.label_column, "label") if spec.label_column is not None else 0
    img["dense_dtype"] = DTYPE[spec.batch.dense_dtype]
    for f, v in dense.items():
        img[f"dense_{f}"] = v
    for f, v in sparse.items():
        img[f"sparse_{f}"] = v
    img["bk"] = tables.words()
    return img
