"""Input schema vocabulary shared by every golden model, the RTL and the runtime.

The numeric codes here are the codes the hardware sees in its CSRs and in the
inter-engine record format (docs/formats/records.md), so they are part of the
spec of record: change them only together with the RTL.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

MAX_COLUMNS = 64
"""Most columns one input row may have (SPEC §3)."""


class ColumnKind(enum.IntEnum):
    """What a column of the input holds, and so how decode parses it."""

    LABEL = 0  # signed decimal, becomes the float32 label
    INT = 1  # signed decimal, int32 range
    HEX = 2  # up to 16 hex digits, unsigned 64-bit
    STR = 3  # arbitrary bytes, reduced to XXH64(bytes, seed=0)
    SKIP = 4  # ignored (never an error, never parsed)


class Reason(enum.IntEnum):
    """Why decode found a row bad. 0 means the row is clean.

    Within one field the priority is BINARY > OVERLONG > BAD_CHAR > OVERFLOW
    (the codes are not the priority); across fields the first bad field (left
    to right, the extra region last) names the row's reason. See
    docs/spec/decode.md rule 7.
    """

    OK = 0
    EXTRA_FIELDS = 1  # more fields than the schema has columns
    BAD_CHAR = 2  # a character not allowed by the column kind
    OVERFLOW = 3  # numeric value outside the column kind's range
    OVERLONG = 4  # field longer than max_field_bytes
    BINARY = 5  # NUL or another control byte inside the row
    TRUNCATED = 6  # binary input: the stream ended inside a row


ERROR_REASONS: tuple[Reason, ...] = tuple(r for r in Reason if r != Reason.OK)


class BadRowPolicy(enum.IntEnum):
    """What decode does with a row that has an error."""

    DROP = 0  # the row is dropped and counted
    NULL = 1  # bad fields become missing, extra fields are ignored; row kept


@dataclass(frozen=True)
class Column:
    """One input column: its name (for people) and its kind (for the parser)."""

    name: str
    kind: ColumnKind


@dataclass(frozen=True)
class TextFormat:
    """How delimited text is laid out; every field is a run-time CSR value."""

    delimiter: int = 0x09  # byte value of the field delimiter (tab)
    header_lines: int = 0  # lines skipped at the start of the stream
    policy: BadRowPolicy = BadRowPolicy.DROP
    max_field_bytes: int = 64  # longer fields are OVERLONG (1..255)

    def __post_init__(self) -> None:
        if not 0 <= self.delimiter <= 0xFF or self.delimiter in (0x0A, 0x0D, 0x00):
            raise ValueError(f"delimiter byte {self.delimiter:#x} is not allowed")
        if not 1 <= self.max_field_bytes <= 255:
            raise ValueError("max_field_bytes must be in 1..255")
        if self.header_lines < 0:
            raise ValueError("header_lines must be >= 0")


@dataclass(frozen=True)
class Schema:
    """The ordered columns of an input row."""

    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.columns) <= MAX_COLUMNS:
            raise ValueError(f"a schema has 1..{MAX_COLUMNS} columns, got {len(self.columns)}")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("column names must be unique")

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    def index(self, name: str) -> int:
        for i, c in enumerate(self.columns):
            if c.name == name:
                return i
        raise KeyError(name)

    @property
    def kinds(self) -> np.ndarray:
        return np.array([int(c.kind) for c in self.columns], dtype=np.uint8)


@dataclass
class DecodeCounters:
    """Per-reason counters every decoder (golden and RTL) keeps.

    Invariant: rows_in == rows_out + rows_dropped, and rows_dropped equals the
    sum of errors[r] under the DROP policy (0 under NULL).
    """

    rows_in: int = 0  # data rows seen (not header, not empty lines)
    rows_out: int = 0  # rows passed on to transform
    rows_dropped: int = 0
    empty_lines: int = 0
    header_lines: int = 0
    rows_short: int = 0  # rows with fewer fields than the schema (not an error)
    fields_nulled: int = 0  # NULL policy: fields turned into missing
    bytes_in: int = 0
    errors: dict[str, int] = field(default_factory=lambda: {r.name: 0 for r in ERROR_REASONS})

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "errors"}
        d["errors"] = dict(self.errors)
        return d


@dataclass
class DecodedRows:
    """Rows after decode, column-major friendly numpy arrays.

    values[i, c] holds the raw 64-bit result of column c: INT/LABEL as the
    sign-extended two's-complement int32, HEX as the unsigned value, STR as
    XXH64(bytes, 0), SKIP and missing fields as 0. null[i, c] is True when the
    field is missing (empty, cut off, SKIP, or nulled by the NULL policy).
    row_index[i] is the 0-based data-row number of the row (counting every data
    row, dropped ones too), reason[i] the first error of a kept row (0 = clean).
    Dropped rows are listed by their data-row number and reason.
    """

    values: np.ndarray  # uint64 [N, n_columns]
    null: np.ndarray  # bool [N, n_columns]
    row_index: np.ndarray  # int64 [N]
    reason: np.ndarray  # uint8 [N]
    dropped_index: np.ndarray  # int64 [D]
    dropped_reason: np.ndarray  # uint8 [D]
    counters: DecodeCounters

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])


def sum_counters(parts: "list[DecodeCounters]") -> DecodeCounters:
    """Counters of one stream decoded in pieces: every count is a sum."""
    total = DecodeCounters()
    for c in parts:
        for k, v in c.__dict__.items():
            if k != "errors":
                setattr(total, k, getattr(total, k) + v)
        for k, v in c.errors.items():
            total.errors[k] = total.errors.get(k, 0) + v
    return total


def empty_decoded_rows(n_columns: int, counters: DecodeCounters | None = None) -> DecodedRows:
    """DecodedRows with no rows (an empty stream or piece), correctly typed."""
    return DecodedRows(
        values=np.zeros((0, n_columns), dtype=np.uint64),
        null=np.zeros((0, n_columns), dtype=bool),
        row_index=np.zeros(0, dtype=np.int64),
        reason=np.zeros(0, dtype=np.uint8),
        dropped_index=np.zeros(0, dtype=np.int64),
        dropped_reason=np.zeros(0, dtype=np.uint8),
        counters=counters if counters is not None else DecodeCounters(),
    )


def concat_decoded_rows(parts: "list[DecodedRows]", n_columns: int) -> DecodedRows:
    """Join pieces of one stream decoded in order (rows appended, counters summed)."""
    if not parts:
        return empty_decoded_rows(n_columns)
    return DecodedRows(
        values=np.concatenate([p.values for p in parts]).reshape(-1, n_columns),
        null=np.concatenate([p.null for p in parts]).reshape(-1, n_columns),
        row_index=np.concatenate([p.row_index for p in parts]),
        reason=np.concatenate([p.reason for p in parts]),
        dropped_index=np.concatenate([p.dropped_index for p in parts]),
        dropped_reason=np.concatenate([p.dropped_reason for p in parts]),
        counters=sum_counters([p.counters for p in parts]),
    )
