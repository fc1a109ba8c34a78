"""Row filters: missing values, length bounds, regex blocklist. Each drops a row with a reason."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from .base import Rule, Verdicts, as_list


class MissingValues(Rule):
    """Drop (or fill) rows whose fields are null, empty or whitespace only.

    `action: drop` rejects the row naming the missing fields; `action: fill` writes `fill_value`
    instead and keeps the row. By default checks every text field except `system` and `input`,
    which are legitimately empty in most instruction data.
    """

    row_wise = True

    default_skip = ("system", "input")

    def __init__(self, fields: str | Sequence[str] | None = None, action: str = "drop", fill_value: str = ""):
        if action not in ("drop", "fill"):
            raise UserError(f"MissingValues.action must be 'drop' or 'fill', not {action!r}")
        self.fields, self.action, self.fill_value = as_list(fields), action, fill_value

    def run(self, table: pa.Table) -> Verdicts:
        fields = self.resolve_fields(table)
        missing = {name: _is_missing(table.column(name)) for name in fields}
        if self.action == "fill":
            for name, mask in missing.items():
                idx = table.schema.get_field_index(name)
                filled = pc.if_else(pa.array(mask), pa.scalar(self.fill_value, table.field(name).type),
                                    table.column(name))
                table = table.set_column(idx, name, filled)
            return Verdicts(table)
        any_missing = np.zeros(table.num_rows, dtype=bool)
        for mask in missing.values():
            any_missing |= mask
        reasons: list[str | None] = [None] * table.num_rows
        for i in np.flatnonzero(any_missing):
            names = [name for name, mask in missing.items() if mask[i]]
            reasons[i] = f"missing {', '.join(names)}"
        return Verdicts(table, reasons)


def _is_missing(column: pa.ChunkedArray) -> np.ndarray:
    if column.null_count == len(column):
        return np.ones(len(column), dtype=bool)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        blank = pc.equal(pc.utf8_trim_whitespace(column), "")
        return pc.fill_null(blank, True).to_numpy(zero_copy_only=False)
    return column.is_null().to_numpy(zero_copy_only=False)


class LengthBounds(Rule):
    """Drop rows whose field has fewer than `min_chars` or more than `max_chars` characters."""

    row_wise = True

    def __init__(
        self, fields: str | Sequence[str] | None = None, min_chars: int | None = None, max_chars: int | None = None
    ):
        self.fields, self.min_chars, self.max_chars = as_list(fields), min_chars, max_chars

    def run(self, table: pa.Table) -> Verdicts:
        reasons: list[str | None] = [None] * table.num_rows
        for name in self.resolve_fields(table):
            lengths = pc.fill_null(pc.utf8_length(table.column(name)), -1).to_numpy(zero_copy_only=False)
            present = lengths >= 0
            if self.min_chars is not None:
                for i in np.flatnonzero(present & (lengths < self.min_chars)):
                    reasons[i] = reasons[i] or f"{name} has {lengths[i]} chars < min {self.min_chars}"
            if self.max_chars is not None:
                for i in np.flatnonzero(present & (lengths > self.max_chars)):
                    reasons[i] = reasons[i] or f"{name} has {lengths[i]} chars > max {self.max_chars}"
        return Verdicts(table, reasons)


class RegexBlocklist(Rule):
    """Drop rows where a field matches one of `patterns` (Python regexes), naming the pattern."""

    row_wise = True

    def __init__(self, patterns: Sequence[str], fields: str | Sequence[str] | None = None, ignore_case: bool = True):
        self.fields = as_list(fields)
        flags = re.IGNORECASE if ignore_case else 0
        self.patterns = []
        for pattern in patterns:
            try:
                self.patterns.append(re.compile(pattern, flags))
            except re.error as exc:
                raise UserError(f"RegexBlocklist pattern {pattern!r} is not a valid regex ({exc}); fix it") from None

    def check(self, row: dict) -> str | None:
        for name, value in row.items():
            if not isinstance(value, str):
                continue
            for pattern in self.patterns:
                if pattern.search(value):
                    return f"{name} matches blocklist pattern {pattern.pattern!r}"
        return None
