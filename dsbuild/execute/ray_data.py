"""`executor=ray`: cleaning, exact dedup and LLM calls on a Ray cluster.

- Row-wise steps run as Ray Data `map_batches`, `window` batches at a time. Ray Data keeps the batches
  in order, and each batch's outcome comes back packed in one table (kept rows and each step's rejects,
  told apart by a `_group_outcome` column, plus the exact columns and counts of each part).
- Rules that compare rows have their per-row measures computed by `map_batches`. Keyed rules (exact
  dedup) are then shuffled by key bucket (`groupby`) and decided per bucket by `map_groups`, so only
  the dropped rows come back to this process. Paired rules (near dedup) shuffle their LSH band keys by
  bucket the same way and find the candidate pairs per bucket; only the pairs come back, and only the
  paired rows are measured again here to settle. The others (outliers) settle here on their measures.
- LLM round trips go to a pool of async actors (`ray_llm.RayCallPool`).

So the build's rows, rejects and counts equal `executor=local`'s, byte for byte. `executor.address` joins
a running cluster (`auto`, or `ray://head:10001` for Ray Client); without it a local Ray instance is
started for the build (`executor.num_cpus` caps it) and stopped after. Ray is an optional dependency
(`pip install "ray[data]"`); it is imported only here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..clean.base import POSITION, KeyedRule, PairedRule
from ..clean.groups import GroupOutcome, apply_group, decided, named_call
from ..errors import UserError
from .spill import BATCH_ROWS, whole_number

OUTCOME = "_group_outcome"  # null: kept; else the name of the step that rejected the row
PARTS = "_group_parts"  # on a batch's first row: JSON {part: columns} and the steps' counts
KEPT = ""
BUCKET = "_bucket"  # keyed and paired rules' rows are shuffled by this: a byte of the key, mod BUCKETS
BUCKETS = 64
WINDOW = 8  # batches in the object store at once: enough to keep every worker busy, and bounded


class RayExecutor:
    """Runs groups of row-wise steps as Ray Data `map_batches` of `batch_rows` rows."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None, batch_rows: int = BATCH_ROWS,
                 window: int = WINDOW):
        self.address, self.num_cpus = address, num_cpus
        self.batch_rows = whole_number(batch_rows, "executor.batch_rows", BATCH_ROWS)
        self.window = whole_number(window, "executor.window", WINDOW)
        self._started = False
        self._llm_pool = None

    def __enter__(self) -> RayExecutor:
        try:
            import ray
        except ImportError:
            raise UserError('executor=ray needs Ray: pip install "ray[data]" (or use executor=local)') from None
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, num_cpus=None if self.address else self.num_cpus,
                         include_dashboard=False, log_to_driver=False, configure_logging=False)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise UserError(f"executor.address {self.address!r}: cannot start or join Ray ({reason}); start a "
                                "cluster (ray start --head) or drop executor.address for a local one") from None
            self._started = True
        return self

    def map_batches(self, fn: Callable[..., pa.Table], batches: Iterable[pa.Table], *args) -> Iterator[pa.Table]:
        """`fn(batch, *args)` over the rows as Ray Data `map_batches`, rows in order (the output may be cut
        into tables differently from the input)."""
        import ray
        import ray.data

        self._configure()
        for window in _windows(batches, self.window):
            tables = [t for t in window if t.num_rows] or window[:1]
            if tables[0].num_rows == 0:
                yield fn(tables[0], *args)
                continue
            mapped = ray.data.from_arrow(tables).map_batches(fn, fn_args=args, batch_format="pyarrow",
                                                             batch_size=self.batch_rows, zero_copy_batch=True)
            for ref in mapped.to_arrow_refs():
                yield ray.get(ref)

    def two_pass(self, batches: Callable[[], Iterable[pa.Table]], pair: tuple, stage: str,
                 key: str) -> Iterator[GroupOutcome]:
        """A rule that compares rows: its per-row measures are computed on the cluster. A keyed rule (exact
        dedup) is then shuffled by key bucket and decided per bucket, so only the dropped rows come back;
        another rule (near dedup, outliers) takes the measures here (a signature or a few numbers per row)."""
        import ray
        import ray.data

        name, step = pair
        step.begin()
        if isinstance(step, KeyedRule):
            step.adopt(self._shuffled(self._measured(batches, step, key, name, _keyed_measures),
                                      _drops_in_bucket, step))
        elif isinstance(step, PairedRule):
            pairs = self._shuffled(self._measured(batches, step, key, name, _paired_entries), _pairs_in_bucket, step)
            named_call(key, name, step.adopt_pairs, pairs)
            named_call(key, name, step.revisit, batches())
        else:
            for ref in self._measured(batches, step, key, name, _measures):
                named_call(key, name, step.take, ray.get(ref))
            named_call(key, name, step.settle)
        yield from decided(batches, pair, stage, key)

    def _shuffled(self, refs: Iterable, fn: Callable, step) -> list[pa.Table]:
        """`fn(rows, step)` over the rows of `refs` grouped by BUCKET (a shuffle), the results gathered here."""
        import ray
        import ray.data

        refs = list(refs)
        if not refs:
            return []
        grouped = ray.data.from_arrow_refs(refs).groupby(BUCKET).map_groups(fn, fn_args=(step,),
                                                                            batch_format="pyarrow")
        return [ray.get(ref) for ref in grouped.to_arrow_refs()]

    def _measured(self, batches, step, key: str, name: str, fn: Callable) -> Iterator:
        """Refs to `fn(batch with positions, step)` over every row, in row order: the rule's measures (or
        the rows to shuffle that a keyed or paired rule makes of them)."""
        import ray.data

        self._configure()
        offset = 0
        for window in _windows(batches(), self.window):
            if offset == 0:  # the rule settles what it reads from the schema (its fields) before it is shipped
                named_call(key, name, step.measure, window[0].slice(0, 0))
            tables = []
            for batch in window:
                positions = pa.array(np.arange(offset, offset + batch.num_rows, dtype=np.int64))
                tables.append(batch.append_column(POSITION, positions))
                offset += batch.num_rows
            tables = [t for t in tables if t.num_rows]
            if tables:
                yield from ray.data.from_arrow(tables).map_batches(
                    fn, fn_args=(step,), batch_format="pyarrow", batch_size=self.batch_rows,
                    zero_copy_batch=True).to_arrow_refs()

    def llm_pool(self, settings):
        """The build's pool of LLM caller actors (started on first use, stopped with the executor)."""
        if self._llm_pool is None:
            from .ray_llm import RayCallPool, actors_for

            self._llm_pool = RayCallPool(actors_for(settings.concurrency)).start()
        return self._llm_pool

    def __exit__(self, *exc) -> None:
        if self._llm_pool is not None:
            self._llm_pool.close()
            self._llm_pool = None
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def map_group(self, batches: Iterable[pa.Table], group: list, stage: str, key: str) -> Iterator[GroupOutcome]:
        """Each batch's outcome in order, as `executor=local` gives; `window` batches at a time go to the cluster."""
        for window in _windows(batches, self.window):
            yield from self._run(window, group, stage, key)

    def _configure(self) -> None:
        import ray.data
        from ray.data.context import ShuffleStrategy

        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        # A sort-based shuffle starts no aggregator actors: Ray's default hash shuffle spends ~10 s starting
        # them per groupby on a small cluster, longer than the shuffle of a dedup's keys takes.
        context.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
        context.enable_progress_bars = False

    def _run(self, tables: list[pa.Table], group: list, stage: str, key: str) -> Iterator[GroupOutcome]:
        import ray
        import ray.data

        self._configure()
        tables = [t for t in tables if t.num_rows] or tables[:1]
        if tables[0].num_rows == 0:  # nothing to send: the group still gives its (empty) outcome
            yield apply_group(tables[0], group, stage, key)
            return
        dataset = ray.data.from_arrow(tables).map_batches(
            _packed_group, fn_args=(group, stage, key), batch_format="pyarrow", batch_size=self.batch_rows,
            zero_copy_batch=True,
        )
        for ref in dataset.to_arrow_refs():
            yield from _unpacked(ray.get(ref))


def _windows(batches: Iterable[pa.Table], size: int) -> Iterator[list[pa.Table]]:
    """`batches` in lists of `size` (the last may be shorter): what goes to the cluster at once."""
    window: list[pa.Table] = []
    for batch in batches:
        window.append(batch)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window


def _measures(batch: pa.Table, step) -> pa.Table:
    """A two-pass rule's measures of a batch (positions dropped: they only order a keyed rule's rows)."""
    return step.measure(batch.drop_columns([POSITION]))


def _keyed_measures(batch: pa.Table, step: KeyedRule) -> pa.Table:
    """A keyed rule's measures of a batch, with each row's position and the bucket of its key."""
    measured = _measures(batch, step)
    keys = measured.column("_key").combine_chunks()
    buckets = np.zeros(len(keys), dtype=np.int16)
    if keys.null_count < len(keys):
        width = keys.type.byte_width
        raw = np.frombuffer(keys.buffers()[1], dtype=np.uint8)[keys.offset * width:(keys.offset + len(keys)) * width]
        buckets = (raw.reshape(len(keys), width)[:, 0] % BUCKETS).astype(np.int16)
    return measured.append_column(POSITION, batch.column(POSITION)).append_column(BUCKET, pa.array(buckets))


def _drops_in_bucket(rows: pa.Table, step: KeyedRule) -> pa.Table:
    """The rows a keyed rule drops among one bucket's rows (every row of each of its keys)."""
    return step.drops_among(rows.sort_by(POSITION))


def _paired_entries(batch: pa.Table, step: PairedRule) -> pa.Table:
    """A paired rule's key rows of a batch (LSH band keys), each with the row's position and a key bucket."""
    entries = step.entries(_measures(batch, step).append_column(POSITION, batch.column(POSITION)))
    buckets = (entries.column("_key").to_numpy() % np.uint64(BUCKETS)).astype(np.int16)
    return entries.append_column(BUCKET, pa.array(buckets))


def _pairs_in_bucket(entries: pa.Table, step: PairedRule) -> pa.Table:
    """The candidate pairs among one bucket's key rows (every row of each of its keys)."""
    return step.pairs_among(entries)


def _packed_group(batch: pa.Table, group: list, stage: str, key: str) -> pa.Table:
    """One batch through the group, packed into one table (map_batches returns one table per batch)."""
    outcome = apply_group(batch, group, stage, key)
    parts = [(KEPT, outcome.kept), *outcome.rejected.items()]
    layout = {"columns": {name: t.column_names for name, t in parts}, "counts": outcome.counts}
    tables = [t.append_column(OUTCOME, pa.array([name or None] * t.num_rows, pa.string())) for name, t in parts]
    packed = pa.concat_tables(tables, promote_options="permissive")
    marks = [json.dumps(layout)] + [None] * (packed.num_rows - 1) if packed.num_rows else []
    if not packed.num_rows:  # a batch the group emptied still reports its counts
        packed = pa.table({OUTCOME: pa.array([None], pa.string())})
        marks = [json.dumps(layout | {"empty": True})]
    return packed.append_column(PARTS, pa.array(marks, pa.string()))


def _unpacked(packed: pa.Table) -> list[GroupOutcome]:
    """The outcomes packed in one returned table (Ray may join several batches' tables into one)."""
    starts = pc.indices_nonzero(pc.is_valid(packed.column(PARTS))).to_pylist() + [packed.num_rows]
    outcomes = []
    for start, end in zip(starts, starts[1:]):
        part = packed.slice(start, end - start)
        layout = json.loads(part.column(PARTS)[0].as_py())
        if layout.get("empty"):
            part = part.slice(0, 0)
        outcome = pc.fill_null(part.column(OUTCOME), KEPT)
        pieces = {}
        for name, columns in layout["columns"].items():
            pieces[name] = part.filter(pc.equal(outcome, name)).select(columns)
        outcomes.append(GroupOutcome(pieces.pop(KEPT), {n: t for n, t in pieces.items() if t.num_rows},
                                     layout["counts"]))
    return outcomes
