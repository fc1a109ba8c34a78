"""Distributions of the text fields for the card's before/after histograms.

A `Profile` holds numbers, never text: the length in characters of every non-null value of each
canonical text field, and quality features (digit, punctuation and repeated n-gram ratio, measured by
`clean.quality_features`) of the non-null values in an evenly spaced sample of rows. The build takes
one right after load and one of the kept rows, so the card can show what cleaning changed without
holding the uncleaned table in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..clean.quality_features import features
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


def profile(table: pa.Table | None) -> Profile:
    """Lengths of every row and quality features of a sample, per canonical text field of `table`."""
    if table is None or table.num_rows == 0:
        return Profile()
    fields = [f.name for f in table.schema if f.name in TEXT_FIELDS and is_text_type(f.type)]
    values = {}
    rows = sample(table, SAMPLE_ROWS)
    for name in fields:
        lengths = pc.drop_null(pc.utf8_length(table.column(name)))
        values[f"{name}.{LENGTH}"] = lengths.to_numpy().astype(np.int64)
        present = rows.select([name]).filter(pc.is_valid(rows.column(name)))  # null is missing, not a 0 ratio
        values.update(features(present, [name], list(FEATURES)))
    return Profile(rows=table.num_rows, values=values)


def measured_fields(*profiles: Profile) -> list[str]:
    """The text fields any of `profiles` measured, in canonical order."""
    measured = {key.split(".", 1)[0] for p in profiles for key in p.values}
    return [f for f in TEXT_FIELDS if f in measured]


def sample(table: pa.Table, size: int) -> pa.Table:
    """At most `size` rows spread evenly over `table` (the same rows on every run)."""
    if table.num_rows <= size:
        return table
    return table.take(pa.array(np.linspace(0, table.num_rows - 1, size).astype(np.int64)))
