"""Typed description of a whole ETL pipeline: what the YAML compiles to.

The golden models execute it directly; the CSR image generator (later) maps
the same objects onto hardware tables. host_runtime/spec.py builds it from
YAML and does all user-facing validation; the checks here are the invariants
the models rely on.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from models.batch_layout import BatchGeometry, DenseDtype, SparseDtype
from models.schema import ColumnKind, Schema, TextFormat

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
MAX_BOUNDARIES = 64


class InputFormat(enum.Enum):
    TEXT = "text"
    BINARY = "binary"


class DenseOut(enum.Enum):
    LOG1P = "log1p"
    IDENTITY = "identity"
    BUCKETIZE = "bucketize"


@dataclass(frozen=True)
class IntPrefix:
    """fill_missing → clamp → shift on an INT column (int32 semantics)."""

    fill: int = 0
    clamp_lo: int = INT32_MIN
    clamp_hi: int = INT32_MAX
    shift: int = 0

    def __post_init__(self) -> None:
        for name in ("fill", "clamp_lo", "clamp_hi", "shift"):
            v = getattr(self, name)
            if not INT32_MIN <= v <= INT32_MAX:
                raise ValueError(f"{name}={v} outside int32")
        if self.clamp_lo > self.clamp_hi:
            raise ValueError("clamp min > max")


@dataclass(frozen=True)
class DenseFeature:
    name: str
    column: int  # index into the schema (an INT column)
    prefix: IntPrefix
    out: DenseOut
    boundaries: tuple[int, ...] = ()  # bucketize only


class SparseFinal(enum.Enum):
    NONE = "none"
    MODULO = "modulo"
    VOCAB = "vocab"


@dataclass(frozen=True)
class VocabSettings:
    threshold: int = 3
    n_buckets: int = 1 << 13  # the on-chip product table: 8192 buckets x 4 ways (docs/spec/idstage_rtl.md)
    ways: int = 4


@dataclass(frozen=True)
class SparseFeature:
    name: str
    column: int
    fill: int = 0  # fill_missing on the 64-bit value (HEX/STR/INT)
    # INT sources may be bucketized first (PreSto generated features):
    int_prefix: IntPrefix | None = None
    boundaries: tuple[int, ...] = ()  # non-empty: bucketize the INT value
    hash_salt: int | None = None  # XXH64 salt; None = no hash
    final: SparseFinal = SparseFinal.NONE
    modulus: int = 0
    vocab: VocabSettings | None = None
    hot: bool = False  # has a hot set (Hotline)

    @property
    def bucketized(self) -> bool:
        return bool(self.boundaries)


@dataclass(frozen=True)
class HotsetSettings:
    capacity: int = 4096  # hot ids per table
    profile_fraction: float = 0.05  # profile the first ⌈f·N⌉ rows (FAE-style)


@dataclass(frozen=True)
class BatchSettings:
    size: int = 2048
    drop_last: bool = False
    dense_dtype: DenseDtype = DenseDtype.FLOAT32
    sparse_dtype: SparseDtype = SparseDtype.INT32
    freshness_cycles: int = 0  # 0 = never flush a partial batch early

    def geometry(self, n_dense: int, n_sparse: int) -> BatchGeometry:
        return BatchGeometry(self.size, n_dense, n_sparse, self.dense_dtype, self.sparse_dtype)


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    schema: Schema
    input_format: InputFormat
    text: TextFormat
    label_column: int | None
    dense: tuple[DenseFeature, ...]
    sparse: tuple[SparseFeature, ...]
    batch: BatchSettings = field(default_factory=BatchSettings)
    hotset: HotsetSettings | None = None
    hex_width: int = 8  # binary input: bytes per HEX slot

    def __post_init__(self) -> None:
        kinds = [c.kind for c in self.schema.columns]
        if self.label_column is not None and kinds[self.label_column] != ColumnKind.LABEL:
            raise ValueError("label column must be of kind LABEL")
        for f in self.dense:
            if kinds[f.column] not in (ColumnKind.INT, ColumnKind.LABEL):
                raise ValueError(f"dense feature {f.name}: source must be INT")
        for s in self.sparse:
            if kinds[s.column] == ColumnKind.SKIP:
                raise ValueError(f"sparse feature {s.name}: source column is SKIP")

    @property
    def uses_vocab(self) -> bool:
        return any(s.final == SparseFinal.VOCAB for s in self.sparse)

    @property
    def hot_split(self) -> bool:
        return self.hotset is not None and any(s.hot for s in self.sparse)

    def geometry(self) -> BatchGeometry:
        return self.batch.geometry(len(self.dense), len(self.sparse))
