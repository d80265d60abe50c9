"""Golden transform: decoded rows → labels, dense features, final sparse ids.

Executes a PipelineSpec's operator chains with the per-operator golden models.
Stateful operators (vocabulary, hot set) are built by `TransformState.prepare`
from the whole input first, mirroring the hardware's extra passes: the
vocabulary's pass 1 (count) and the host-side hot-set profiling that loads the
hot tables before the streaming pass.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from models import dense_ops, sparse_ops
from models.hotset import HotSet, apply_hotsets, profile_hot_ids
from models.pack import TransformedRows
from models.pipeline_spec import DenseFeature, DenseOut, IntPrefix, PipelineSpec, SparseFeature, SparseFinal
from models.schema import DecodedRows
from models.vocab import VocabTable


def _dense_op(p: IntPrefix, kind: str, boundaries: tuple[int, ...], dtype_name: str,
              bucket_as_float: bool) -> dense_ops.DenseOp:
    """The per-feature operator settings (what its CSRs hold) for the dense_ops chain."""
    return dense_ops.DenseOp(fill=p.fill, lo=p.clamp_lo, hi=p.clamp_hi, shift=p.shift, kind=kind,
                             boundaries=boundaries, dtype=dtype_name, bucket_as_float=bucket_as_float)


def dense_feature(rows: DecodedRows, f: DenseFeature, dtype_name: str) -> np.ndarray:
    """float32 values of one dense feature, already rounded to the batch dtype."""
    op = _dense_op(f.prefix, f.out.value, f.boundaries, dtype_name, f.out == DenseOut.BUCKETIZE)
    return dense_ops.apply_dense(rows.values[:, f.column], rows.null[:, f.column], op)[1]


def sparse_keys(rows: DecodedRows, s: SparseFeature) -> np.ndarray:
    """The 64-bit value entering the final operator (modulo / vocab / none)."""
    col_v, col_n = rows.values[:, s.column], rows.null[:, s.column]
    if s.bucketized:
        assert s.int_prefix is not None
        op = _dense_op(s.int_prefix, "bucketize", s.boundaries, "float32", False)
        v = dense_ops.apply_dense(col_v, col_n, op)[1].astype(np.uint64)
    else:
        v = sparse_ops.fill_missing(col_v, col_n, s.fill)
    if s.hash_salt is not None:
        v = sparse_ops.salted_hash(v, s.hash_salt)
    return v


@dataclass
class TransformState:
    """Tables built before the streaming pass: vocabularies and hot sets."""

    vocabs: dict[int, VocabTable] = field(default_factory=dict)  # sparse feature index → table
    hotsets: list[HotSet | None] = field(default_factory=list)

    @classmethod
    def prepare(cls, spec: PipelineSpec, rows: DecodedRows) -> "TransformState":
        st = cls()
        for i, s in enumerate(spec.sparse):
            if s.final == SparseFinal.VOCAB:
                assert s.vocab is not None
                t = VocabTable(s.vocab.n_buckets, s.vocab.ways, s.vocab.threshold)
                t.count(sparse_keys(rows, s))  # pass 1
                t.freeze()
                st.vocabs[i] = t
        if spec.hot_split:
            assert spec.hotset is not None
            n_prof = math.ceil(spec.hotset.profile_fraction * rows.n_rows)
            sample = _slice_rows(rows, 0, n_prof)
            # profiling sees final ids; it uses throw-away copies of the vocab tables so the
            # streaming pass numbers ids exactly as it would without profiling
            probe = TransformState(vocabs=copy.deepcopy(st.vocabs))
            ids = probe.final_ids(spec, sample)
            st.hotsets = [HotSet(profile_hot_ids(ids[:, j], spec.hotset.capacity), spec.hotset.capacity)
                          if s.hot else None for j, s in enumerate(spec.sparse)]
        return st

    def final_ids(self, spec: PipelineSpec, rows: DecodedRows) -> np.ndarray:
        return self.vocab_map(spec, lane_ids(spec, rows))

    def vocab_map(self, spec: PipelineSpec, ids: np.ndarray) -> np.ndarray:
        """Pass 2 of every vocabulary feature on the lanes' ids (in stream order)."""
        out = ids.copy()
        for i, s in enumerate(spec.sparse):
            if s.final == SparseFinal.VOCAB:
                out[:, i] = self.vocabs[i].map(ids[:, i])
        return out

    def id_stage(self, spec: PipelineSpec, lanes: TransformedRows) -> TransformedRows:
        """The in-order stage after the lane merger: vocabulary numbering, hot-set lookup, popular flag."""
        ids = self.vocab_map(spec, lanes.sparse)
        popular = np.ones(lanes.n_rows, dtype=bool)
        if spec.hot_split:
            ids, popular = apply_hotsets(ids, self.hotsets)
        return dataclasses.replace(lanes, sparse=ids, popular=popular)


def lane_ids(spec: PipelineSpec, rows: DecodedRows) -> np.ndarray:
    """Per-row sparse ids as the parallel transform lanes produce them (stateless operators only):
    fill → [bucketize] → [hash] → [modulo]; vocabulary features keep their 64-bit key for the
    in-order id stage."""
    out = np.zeros((rows.n_rows, len(spec.sparse)), dtype=np.uint64)
    for i, s in enumerate(spec.sparse):
        v = sparse_keys(rows, s)
        if s.final == SparseFinal.MODULO:
            v = sparse_ops.modulo(v, s.modulus)
        out[:, i] = v
    return out


def _slice_rows(rows: DecodedRows, lo: int, hi: int) -> DecodedRows:
    return DecodedRows(rows.values[lo:hi], rows.null[lo:hi], rows.row_index[lo:hi], rows.reason[lo:hi],
                       rows.dropped_index[:0], rows.dropped_reason[:0], rows.counters)


def labels_of(spec: PipelineSpec, rows: DecodedRows) -> np.ndarray:
    if spec.label_column is None:
        return np.zeros(rows.n_rows, dtype=np.float32)
    v = rows.values[:, spec.label_column].view(np.int64)
    v = np.where(rows.null[:, spec.label_column], 0, v)
    return v.astype(np.float32)


def transform_lanes(spec: PipelineSpec, rows: DecodedRows) -> TransformedRows:
    """What the parallel transform lanes emit (before the in-order id stage): labels, dense
    features, lane_ids, popular = 1 for every row."""
    dtype_name = spec.batch.dense_dtype.name.lower()
    dense = np.zeros((rows.n_rows, len(spec.dense)), dtype=np.float32)
    for j, f in enumerate(spec.dense):
        dense[:, j] = dense_feature(rows, f, dtype_name)
    return TransformedRows(
        labels=labels_of(spec, rows), dense=dense, sparse=lane_ids(spec, rows),
        popular=np.ones(rows.n_rows, dtype=bool),
        row_index=rows.row_index.astype(np.int64), reason=rows.reason.astype(np.uint8),
        dropped_index=rows.dropped_index.astype(np.int64), dropped_reason=rows.dropped_reason.astype(np.uint8),
        rows_in=rows.counters.rows_in,
    )


def transform(spec: PipelineSpec, rows: DecodedRows, state: TransformState) -> TransformedRows:
    """Apply every feature chain to the decoded rows (the streaming pass): lanes, then id stage."""
    return state.id_stage(spec, transform_lanes(spec, rows))
