"""The two kinds of cleaning step and what they return.

A `Rule` decides, per row, keep (None) or drop (a one-line reason). A `Transform` rewrites fields and
never drops. Both work on a whole Arrow table so that fast rules can be vectorized; a simple rule only
implements `check(row)` (or `fix(value)` for a transform) and inherits the table loop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..errors import UserError
from ..execute.spill import batches
from ..record import text_fields


@dataclass
class Verdicts:
    """Per-row outcome of a step: the (possibly rewritten) table and a reason per dropped row."""

    table: pa.Table
    reasons: Sequence[str | None] | None = None
    duplicate_of: Sequence[str | None] | None = None


class Step:
    """Base for cleaning steps. `fields=None` means every text field of the data."""

    fields: Sequence[str] | None = None
    default_skip: tuple[str, ...] = ()
    # True when a row's verdict depends on that row alone: the pipeline may then run the step batch by
    # batch. Steps that compare rows (dedup, outliers) or build an index per run leave it False.
    row_wise: bool = False

    def run(self, table: pa.Table) -> Verdicts:
        raise NotImplementedError

    def resolve_fields(self, table: pa.Table) -> list[str]:
        """The fields this step reads: the configured ones (which must exist) or the text fields."""
        if self.fields is None:
            return [f for f in text_fields(table) if f not in self.default_skip]
        fields = [self.fields] if isinstance(self.fields, str) else list(self.fields)
        missing = [f for f in fields if f not in table.column_names]
        if missing:
            raise UserError(
                f"field {missing[0]!r} is not in the data (fields: {', '.join(table.column_names)}); "
                "fix the rule's `fields` or map the column with source.columns"
            )
        return fields


class Rule(Step):
    """Keeps or drops rows. Override `check(row)`, or `run` for a vectorized or whole-table rule."""

    def check(self, row: dict) -> str | None:
        raise NotImplementedError

    def run(self, table: pa.Table) -> Verdicts:
        fields = self.resolve_fields(table)
        rows = table.select(fields).to_pylist()
        return Verdicts(table, [self.check(row) for row in rows])


class TwoPassRule(Rule):
    """A rule that compares rows with each other, in two passes over the rows cut into batches.

    `observe` keeps only a little state per row (a hash, a length: `measure` computes it, `take` keeps it),
    `settle` decides once every row has been seen (a `PairedRule` first `revisit`s some rows), and `decide`
    then gives the verdicts of the next rows, in the order they were observed.
    `run` does all three over one table, batch by batch, so the in-memory build and a streaming one
    share the code and a step's temporaries stay batch-sized.
    """

    def begin(self) -> None:
        """Forget what an earlier run observed."""
        raise NotImplementedError

    def observe(self, batch: pa.Table) -> None:
        """Take in the next rows (their state only, not the rows)."""
        self.take(self.measure(batch))

    def measure(self, batch: pa.Table) -> pa.Table:
        """Each row's state as a table, from the batch alone (row-wise and pure, so the Ray executor can
        compute it on the cluster); at least one column, one row per row of `batch`."""
        raise NotImplementedError

    def take(self, measured: pa.Table) -> None:
        """Keep the next rows' measures (tables of `measure`, in row order, cut anywhere)."""
        raise NotImplementedError

    def settle(self) -> None:
        """Decide, now that every row has been observed."""
        raise NotImplementedError

    def revisit(self, batches: Iterable[pa.Table]) -> None:
        """After `settle`, a pass over the rows again for a rule that needs one (see PairedRule); lazy
        `batches` are not read otherwise."""

    def decide(self, batch: pa.Table) -> Verdicts:
        """Verdicts for the next rows, in the order they were observed."""
        raise NotImplementedError

    def run(self, table: pa.Table) -> Verdicts:
        self.begin()
        for batch in batches(table):
            self.observe(batch)
        self.settle()
        self.revisit(batches(table))
        parts = list(batches(table))
        verdicts = [self.decide(batch) for batch in parts]
        if any(v.table is not b for v, b in zip(verdicts, parts)):  # the rule wrote a column (a cluster label)
            table = pa.concat_tables([v.table for v in verdicts])
        if all(v.reasons is None for v in verdicts):
            return Verdicts(table)
        return Verdicts(table, [r for v in verdicts for r in _reasons(v)],
                        None if all(v.duplicate_of is None for v in verdicts) else
                        [d for v in verdicts for d in (v.duplicate_of or [None] * v.table.num_rows)])


POSITION = "_pos"  # a row's position in the whole input, in the measures of keyed and paired rules


class KeyedRule(TwoPassRule):
    """A two-pass rule whose verdict on a row depends only on the rows with the same key (exact duplicates).

    `measure` gives each row's state with a fixed-size binary `_key`; `drops_among` decides among rows that
    share keys. Observing and settling are those two over all rows here; the Ray executor runs the same two
    as map_batches and a shuffle by key bucket, so no machine holds every row's state.
    """

    def begin(self) -> None:
        self._measures: list[pa.Table] = []
        self._rows = 0
        self._drops = Drops(duplicate_of=[])

    def measure(self, batch: pa.Table) -> pa.Table:
        """Each row's state: `_key` (fixed-size binary) and what `drops_among` needs. Row-wise and pure."""
        raise NotImplementedError

    def drops_among(self, rows: pa.Table) -> pa.Table:
        """Of `rows` (measures with `_pos`, in `_pos` order, every row of their keys), the ones to drop:
        columns `_pos`, `_reason` and `_duplicate_of`."""
        raise NotImplementedError

    def take(self, measured: pa.Table) -> None:
        positions = pa.array(np.arange(self._rows, self._rows + measured.num_rows, dtype=np.int64))
        self._measures.append(measured.append_column(POSITION, positions))
        self._rows += measured.num_rows

    def settle(self) -> None:
        if self._measures:
            self.adopt([self.drops_among(pa.concat_tables(self._measures))])
        self._measures = []

    def adopt(self, drops: list[pa.Table]) -> None:
        """Take the dropped rows (tables of `drops_among`'s columns, in any order) as what `decide` hands out."""
        drops = [t for t in drops if t.num_rows]
        if not drops:
            return
        drops = pa.concat_tables(drops).sort_by(POSITION)
        self._drops = Drops(drops.column(POSITION).to_numpy(), drops.column("_reason").to_pylist(),
                            drops.column("_duplicate_of").to_pylist())

    def decide(self, batch: pa.Table) -> Verdicts:
        return self._drops.next_verdicts(batch)


class PairedRule(TwoPassRule):
    """A two-pass rule whose verdicts follow from pairs of rows that share a key (near duplicates share an
    LSH band), and from the measures of the paired rows only. It takes three passes over the rows.

    1. Observe: `take` keeps each row's keys only, and `settle` finds the pairs. (The Ray executor instead
       shuffles `entries`, the key rows of each measured row, by key bucket, finds the pairs per bucket
       with `pairs_among` and hands them to `adopt_pairs`.)
    2. `revisit`: measure again the rows that are in a pair (`paired`), and decide among them (`adopt_rows`).
    3. `decide`, as for every two-pass rule.
    So no process holds every row's measure (a MinHash signature), only its keys.
    """

    def entries(self, measured: pa.Table) -> pa.Table:
        """Key rows of measured rows (with `_pos`): a uint64 `_key`, `_pos` and what `pairs_among` needs."""
        raise NotImplementedError

    def pairs_among(self, entries: pa.Table) -> pa.Table:
        """The candidate pairs among `entries` that hold every entry of their keys: one `_pair` column."""
        raise NotImplementedError

    def adopt_pairs(self, pairs: list[pa.Table]) -> None:
        """Take the pairs found (tables of `pairs_among`, in any order) instead of observing and settling."""
        raise NotImplementedError

    def paired(self) -> np.ndarray:
        """The positions (ascending) of the rows in a pair: the only rows `adopt_rows` needs."""
        raise NotImplementedError

    def adopt_rows(self, measured: list[pa.Table]) -> None:
        """Decide from the measures (with `_pos`, in row order) of the `paired` rows."""
        raise NotImplementedError

    def revisit(self, batches: Iterable[pa.Table]) -> None:
        """The paired rows read from `batches` (every row, in the observed order) and measured again."""
        positions = self.paired()
        self.adopt_rows(list(self._measures_at(batches, positions)) if len(positions) else [])

    def _measures_at(self, batches: Iterable[pa.Table], positions: np.ndarray) -> Iterator[pa.Table]:
        """The measures of the rows at `positions` (ascending), with `_pos`; reading stops after the last one."""
        offset = 0
        for batch in batches:
            lo, hi = np.searchsorted(positions, [offset, offset + batch.num_rows])
            if hi > lo:
                at = positions[lo:hi]
                yield self.measure(batch.take(pa.array(at - offset))).append_column(POSITION, pa.array(at))
            offset += batch.num_rows
            if hi == len(positions):
                return


class Drops:
    """What a two-pass rule decided in `settle`: the rows it drops (ascending), each one's reason and,
    for duplicates, the id it repeats. `next_verdicts` hands them out batch by batch, in row order."""

    def __init__(self, rows: Sequence[int] = (), reasons: Sequence[str] = (),
                 duplicate_of: Sequence[str] | None = None):
        self.rows = np.asarray(rows, dtype=np.int64)
        self.reasons, self.duplicate_of = list(reasons), None if duplicate_of is None else list(duplicate_of)
        self._cursor = 0

    def next_verdicts(self, batch: pa.Table) -> Verdicts:
        """The verdicts of `batch`, the rows after those of the batches before it."""
        n, start = batch.num_rows, self._cursor
        self._cursor += n
        reasons: list[str | None] = [None] * n
        duplicate_of: list[str | None] | None = None if self.duplicate_of is None else [None] * n
        lo, hi = np.searchsorted(self.rows, [start, start + n])
        for k in range(lo, hi):
            reasons[self.rows[k] - start] = self.reasons[k]
            if duplicate_of is not None:
                duplicate_of[self.rows[k] - start] = self.duplicate_of[k]
        return Verdicts(batch, reasons, duplicate_of)


def rows_only(n: int) -> pa.Table:
    """A measure with nothing to keep but the row count (a rule with no field to read)."""
    return pa.table({"_row": pa.nulls(n)})


def _reasons(verdicts: Verdicts) -> Sequence[str | None]:
    return verdicts.reasons if verdicts.reasons is not None else [None] * verdicts.table.num_rows


class Transform(Step):
    """Rewrites text fields, never drops. Override `fix(value)` or `run`."""

    row_wise = True

    def fix(self, value: str) -> str:
        raise NotImplementedError

    def run(self, table: pa.Table) -> Verdicts:
        for name in self.resolve_fields(table):
            values = table.column(name).to_pylist()
            fixed = [v if v is None else self.fix(v) for v in values]
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(fixed, pa.string()))
        return Verdicts(table)


def snake_name(step: Step) -> str:
    """`MissingValues` -> `missing_values`: the default name of a step in reports."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(step).__name__).lower()


def as_list(fields: str | Sequence[str] | None) -> list[str] | None:
    """Config may give one field as a string or several as a list."""
    if fields is None:
        return None
    return [fields] if isinstance(fields, str) else list(fields)
