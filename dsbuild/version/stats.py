"""Distributions of the text fields for the card's before/after histograms.

A `Profile` holds numbers, never text: the length in characters of every non-null value of each
canonical text field, and quality features (digit, punctuation and repeated n-gram ratio, measured by
`clean.quality_features`) of the non-null values in an evenly spaced sample of rows. The build takes
one right after load and one of the kept rows, so the card can show what cleaning changed without
holding the uncleaned table in memory.

`ProfileBuilder` takes the rows as a sequence of Arrow batches, in one pass: it keeps an int32 length
per row and text field, and measures quality features batch by batch for the sampled rows only, so a
streamed build never needs the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..clean.quality_features import features
from ..execute.spill import Spill, batches
from ..record import TEXT_FIELDS, is_text_type

SAMPLE_ROWS = 100_000  # rows whose quality features are computed; lengths cover every row
LENGTH = "length"
FEATURES = {  # quality_features name -> what the card calls it
    "digit_ratio": "digits per character",
    "punctuation_ratio": "punctuation per character",
    "repeated_ngram_ratio": "text in repeated n-grams",
}


@dataclass
class Profile:
    """Per metric `<field>.<name>` (e.g. `question.length`), its values over the rows of one table."""

    rows: int = 0
    values: dict[str, np.ndarray] = field(default_factory=dict)


class ProfileBuilder:
    """A `Profile` of rows that arrive as Arrow batches (or tables), in row order, in one pass.

    With `expected_rows` (the row count, known before the first batch) the sample is the same
    evenly spaced rows `profile` picks from the whole table, so the numbers are the same. Without it,
    the sample is every `stride`-th row from row 0, the stride doubling (and the sample halving) as
    rows arrive: between SAMPLE_ROWS / 2 and SAMPLE_ROWS rows, all of them when there are at most
    SAMPLE_ROWS. Memory: an int32 length per row and text field, features of the sampled rows.
    """

    def __init__(self, expected_rows: int | None = None):
        self.expected_rows = expected_rows
        self.size = SAMPLE_ROWS
        self.rows = 0
        self.stride = 1
        self._picks = None if expected_rows is None else sample_rows(expected_rows, self.size)
        self._lengths: dict[str, list[np.ndarray]] = {}  # field -> lengths of its non-null values, per batch
        self._sampled: dict[str, list[tuple[np.ndarray, dict[str, np.ndarray]]]] = {}  # field -> (rows, features)

    def add(self, batch: pa.RecordBatch | pa.Table) -> ProfileBuilder:
        """Measure the next rows: lengths of all, quality features of the sampled ones."""
        offset, n = self.rows, batch.num_rows
        self.rows += n
        if self.expected_rows is not None and self.rows > self.expected_rows:
            raise ValueError(f"ProfileBuilder expected {self.expected_rows} rows and got {self.rows} or more")
        picks = self._batch_picks(offset, n)
        for f in batch.schema:
            if f.name not in TEXT_FIELDS or not is_text_type(f.type):
                continue  # a batch without the field, or with a null-typed (all-null) one, has nothing to measure
            column = batch.column(f.name)
            self._lengths.setdefault(f.name, []).append(text_lengths(column))
            taken = column.take(pa.array(picks))
            valid = pc.is_valid(taken)  # null is missing, not a 0 ratio
            rows = offset + picks[valid.to_numpy(zero_copy_only=False)]
            measured = features(pa.table({f.name: taken.filter(valid)}), [f.name], list(FEATURES))
            self._sampled.setdefault(f.name, []).append((rows, measured))
        return self

    def result(self) -> Profile:
        """The Profile of every row added so far (which must be `expected_rows` when that was given)."""
        if self.expected_rows is not None and self.rows != self.expected_rows:
            raise ValueError(f"ProfileBuilder expected {self.expected_rows} rows and got {self.rows}")
        if self.rows == 0:
            return Profile()
        values = {}
        for name in self._lengths:
            values[f"{name}.{LENGTH}"] = _joined(self._lengths[name])
            rows, measured = _merged(self._sampled[name])
            self._sampled[name] = [(rows, measured)]
            values.update(measured)
        return Profile(rows=self.rows, values=values)

    def _batch_picks(self, offset: int, n: int) -> np.ndarray:
        """Positions within the batch of rows offset .. offset + n - 1 that are in the sample."""
        if self._picks is not None:
            lo, hi = np.searchsorted(self._picks, [offset, offset + n])
            return self._picks[lo:hi] - offset
        while -(-(offset + n) // self.stride) > self.size:
            self.stride *= 2
            for name, parts in self._sampled.items():
                rows, measured = _merged(parts)
                keep = rows % self.stride == 0
                self._sampled[name] = [(rows[keep], {k: v[keep] for k, v in measured.items()})]
        first = -(-offset // self.stride) * self.stride
        return np.arange(first, offset + n, self.stride, dtype=np.int64) - offset


def profile(rows: pa.Table | Spill | None) -> Profile:
    """Lengths of every row and quality features of a sample, per canonical text field of `rows` (read by batch)."""
    if rows is None:
        return Profile()
    builder = ProfileBuilder(rows.num_rows)
    for batch in batches(rows):
        builder.add(batch)
    return builder.result()


def measured_fields(*profiles: Profile) -> list[str]:
    """The text fields any of `profiles` measured, in canonical order."""
    measured = {key.split(".", 1)[0] for p in profiles for key in p.values}
    return [f for f in TEXT_FIELDS if f in measured]


def sample_rows(rows: int, size: int) -> np.ndarray:
    """Ascending positions of at most `size` rows spread evenly over `rows` rows (the same on every run)."""
    if rows <= size:
        return np.arange(rows, dtype=np.int64)
    return np.linspace(0, rows - 1, size).astype(np.int64)


def text_lengths(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Characters of each non-null value of a string column, as int32 (4 bytes a row, whatever the row count)."""
    return pc.drop_null(pc.utf8_length(column)).to_numpy().astype(np.int32, copy=False)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The parts as one array, which then replaces them (a second call costs nothing)."""
    joined = np.concatenate(parts)
    parts[:] = [joined]
    return joined


def _merged(parts: list[tuple[np.ndarray, dict[str, np.ndarray]]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(rows, features) of several batches as one."""
    rows = np.concatenate([r for r, _ in parts])
    return rows, {key: np.concatenate([m[key] for _, m in parts]) for key in parts[0][1]}
