"""What crosses a stage boundary: kept rows, rejected rows with their reason, and the accounting.

A stage returns the rows it keeps and the rows it drops; a dropped row keeps all its fields and gains
`_stage`, `_rule`, `_reason` (and `_duplicate_of` for duplicates). `StageReport.check` enforces
rows_in + added == kept + rejected, so no stage can lose a row silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .errors import AccountingError


@dataclass
class StageReport:
    """Row counts of one stage, overall and per rule."""

    stage: str
    rows_in: int
    kept: int = 0
    rejected: int = 0
    added: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # per rule: what it rewrote, by kind

    def check(self) -> None:
        """Fail loudly if the stage's rows do not add up."""
        if self.rows_in + self.added != self.kept + self.rejected:
            raise AccountingError(
                f"stage {self.stage!r} does not add up: {self.rows_in} in + {self.added} added != "
                f"{self.kept} kept + {self.rejected} rejected"
            )
        if sum(self.by_rule.values()) != self.rejected:
            raise AccountingError(
                f"stage {self.stage!r}: rejects per rule sum to {sum(self.by_rule.values())}, "
                f"not {self.rejected}"
            )

    def as_dict(self) -> dict:
        return {
            "stage": self.stage, "rows_in": self.rows_in, "kept": self.kept,
            "rejected": self.rejected, "added": self.added, "by_rule": dict(self.by_rule),
            "seconds": self.seconds, **({"changes": self.changes} if self.changes else {}),
        }


def partition(
    table: pa.Table,
    reasons: Sequence[str | None],
    *,
    stage: str,
    rule: str,
    duplicate_of: Sequence[str | None] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Split `table` by per-row reasons: None keeps a row, a string rejects it with that reason."""
    if len(reasons) != table.num_rows:
        raise AccountingError(f"rule {rule!r} gave {len(reasons)} verdicts for {table.num_rows} rows")
    verdicts = np.empty(len(reasons), dtype=object)
    verdicts[:] = reasons
    drop = verdicts != None  # noqa: E711  (elementwise, in C: a Python loop costs ~0.3 s per 1M rows)
    if not drop.any():
        return table, table.schema.empty_table()
    kept = table.filter(pa.array(~drop))
    idx = np.flatnonzero(drop)
    rejected = table.take(pa.array(idx))
    n = len(idx)
    rejected = mark_rejected(
        rejected, stage=stage, rule=rule, reasons=verdicts[idx].tolist(),
        duplicate_of=None if duplicate_of is None else [duplicate_of[i] for i in idx],
    )
    assert rejected.num_rows == n
    return kept, rejected


def mark_rejected(
    table: pa.Table,
    *,
    stage: str,
    rule: str,
    reasons: Sequence[str],
    duplicate_of: Sequence[str | None] | None = None,
) -> pa.Table:
    """Add the reject columns to rows that a stage drops."""
    n = table.num_rows
    table = table.append_column("_stage", pa.array([stage] * n, pa.string()))
    table = table.append_column("_rule", pa.array([rule] * n, pa.string()))
    table = table.append_column("_reason", pa.array(list(reasons), pa.string()))
    if duplicate_of is not None:
        table = table.append_column("_duplicate_of", pa.array(list(duplicate_of), pa.string()))
    return table


def count_rules(rejected: pa.Table) -> dict[str, int]:
    """Rejected rows per `_rule`, in first-seen order."""
    if rejected.num_rows == 0:
        return {}
    return dict(Counter(rejected.column("_rule").to_pylist()))


def concat(tables: Sequence[pa.Table]) -> pa.Table | None:
    """Concatenate tables whose columns may differ (missing columns become nulls)."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="permissive")
