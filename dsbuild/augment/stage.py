"""The `augment` stage: after the split, copies of rows made by the configured modalities.

Copies stay in their original's split, so no copy of a test item can reach train; noisy copies of
validation/test rows go to their own `<split>_noisy` split. Which rows get copies, and each copy's
seed, come from hashes of (global seed, original id, copy index), so a rebuild makes the same copies
with the same bytes. A copy that came out equal to its original, failed, or equals a row of another
split is not kept; the summary counts each reason (no row is dropped: copies are added rows).

The stage streams: the plans are numpy arrays (`plans.py`), copies are made from each split's batches,
at most `executor.batch_rows` at a time, and written to the work folder. A split's output is its
original rows (the same files, not rewritten) followed by its copies, read as one schema all splits
share. Modalities that call no LLM run through `executor.map_batches` (on the cluster under
executor=ray); back-translation runs in this process, batch by batch, its calls through the executor's
LLM pool. Every modality sees the original rows, and their new columns are merged in modality order,
so where a modality runs does not change a copy.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from ..errors import UserError
from ..execute.local import LocalExecutor
from ..execute.spill import InMemory, Spill, WorkFolder, as_table, batches
from ..record import AUGMENT_FIELDS, task_fields
from ..split_order import SPLITS
from ..stage import StageReport
from .base import AugmentContext, Augmented, Copies, Modality
from .plans import HeldOut, Plan, copies_plan, noisy_plan
from .policy import AugmentPolicy

STAGE = "augment"
MEDIA_PATH_FIELDS = ("image", "audio")  # a copy's media path differs from its original's; the sha fields do not
FAILURES_SHOWN = 5
SKIP_REASONS = ("identical", "failed", "same_as_other_split")  # why a made copy was not kept
SEED = "_augment_copy_seed"  # beside the original's columns in what the modalities get: the copy's seed
AUGMENT_TYPES = {"augmented_from": pa.string(), "augment": pa.string(), "augment_seed": pa.int64()}
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # a copy's `augment`: as json.dumps with these, made once


@dataclass
class AugmentSummary:
    """What the stage did, for the card and the manifest."""

    splits: dict[str, dict[str, int]] = field(default_factory=dict)  # per target split: originals, copies, skips
    transforms: dict[str, dict[str, int]] = field(default_factory=dict)  # per modality: times each transform ran
    class_field: str | None = None
    classes: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # split -> class -> [before, after]
    failures: list[list[str]] = field(default_factory=list)  # first few [original id, reason]

    def as_dict(self) -> dict:
        return {"splits": self.splits, "transforms": self.transforms, "class_field": self.class_field,
                "classes": self.classes, "failures": self.failures}


def run_augment(
    splits: dict[str, pa.Table | Spill], policy: AugmentPolicy, seed: int, context: AugmentContext,
    work: WorkFolder | InMemory | None = None, executor=None,
) -> tuple[dict[str, pa.Table | Spill], StageReport, AugmentSummary]:
    """The splits with copies added (and noisy splits), the stage report and the summary.

    A spill's output chains its original parts and its copies' (from `work`'s writers); a table's is a
    table. `executor` (LocalExecutor or RayExecutor; default local) runs the modalities that call no LLM.
    """
    work = work or InMemory()
    executor = executor or LocalExecutor()
    schema = next(iter(splits.values())).schema
    for modality in policy.modalities:
        modality.check(schema)
    summary = AugmentSummary(class_field=_class_field(policy, schema.names))
    batch_rows = executor.batch_rows
    keys = [str(k) for k in range(1, policy.copies + 1)]
    plans = [copies_plan(splits[s], s, keys, policy.max_fraction, seed, batch_rows) for s in policy.splits]
    plans += [noisy_plan(splits[s], s, policy.noisy_name(s), policy.noisy_fraction, seed, batch_rows)
              for s in policy.noisy_splits]
    made = _Made(splits, plans, policy.modalities, summary.class_field, batch_rows)
    written = {plan.target: made.copies(plan, splits[plan.source], seed, context, work, executor, summary)
               for plan in plans}
    summary.transforms = {m: dict(sorted(c.items())) for m, c in sorted(made.transforms.items())}
    summary.failures = made.failures
    out = _outputs(splits, plans, written, made.schema)
    originals = sum(rows.num_rows for rows in splits.values())
    added = sum(copies.num_rows for copies in written.values())
    report = StageReport(STAGE, rows_in=originals, kept=originals + added, added=added)
    report.check()
    if summary.class_field:
        summary.classes = _class_counts(splits, out, made.classes, summary.class_field, batch_rows)
    return out, report, summary


def copy_seed(seed: int, original_id: str, copy_key: str) -> int:
    """A copy's seed (uint32) from the global seed, its original's id and its copy key."""
    return xxhash.xxh3_64_intdigest(f"{original_id}\x1f{copy_key}".encode(), int(seed) % 2**64) & 0xFFFFFFFF


class _Made:
    """Makes each plan's copies batch by batch and keeps what the summary needs across batches."""

    def __init__(self, splits: dict, plans: list[Plan], modalities: list[Modality], class_field: str | None,
                 batch_rows: int):
        self.modalities, self.class_field, self.batch_rows = modalities, class_field, batch_rows
        self.transforms: dict[str, Counter] = {}
        self.classes: dict[str, Counter] = {}  # per target split: its kept copies per class
        self.failures: list[list[str]] = []
        self.schema: pa.Schema | None = None  # of every copy made, kept or not (None: no copy was made)
        sources = {plan.source for plan in plans if len(plan.rows)}
        others = {name for name in splits for source in sources if name != source}
        first = next(iter(splits.values())).schema.names
        fields = [f for f in task_fields(first) if f not in MEDIA_PATH_FIELDS]
        self.held_out = HeldOut(splits, others, fields, batch_rows) if sources else None

    def copies(self, plan: Plan, rows: pa.Table | Spill, seed: int, context: AugmentContext, work, executor,
               summary: AugmentSummary) -> pa.Table | Spill:
        """The plan's kept copies, written to a writer of `work`; its counts go to `summary`."""
        writer = work.writer(f"augment-{plan.target}")
        remote = executor.name != "local"  # the cluster gets a picklable context: one process, no progress
        shipped = AugmentContext(context.media) if remote else context
        cluster = [(i, m) for i, m in enumerate(self.modalities) if not m.uses_llm]
        here = [(i, m) for i, m in enumerate(self.modalities) if m.uses_llm]
        suffixes = pa.array(["-noisy" if k == "noisy" else f"-aug{k}" for k in plan.keys], pa.string())
        reasons, kept, done = Counter(), 0, 0
        for chunk, packed in _made_in_order(executor, _chunks(rows, plan, seed, self.batch_rows), cluster, shipped):
            if here:
                local = _made(chunk, here, context)
                packed = local if packed is None else pa.Table.from_arrays(
                    packed.columns + local.columns, names=packed.column_names + local.column_names)
            suffix = suffixes.take(pa.array(plan.key_index[done:done + chunk.num_rows]))
            copies, changed, failed = self._merged(chunk, packed, suffix)
            is_failed = pc.is_valid(failed).to_numpy()
            leaks = self.held_out.repeats(copies, plan.source)
            keep = changed & ~is_failed & ~leaks
            reasons.update({"identical": int((~changed & ~is_failed).sum()), "failed": int(is_failed.sum()),
                            "same_as_other_split": int((leaks & changed & ~is_failed).sum())})
            copies = copies.filter(pa.array(keep))
            self._count(plan.target, chunk.column("id"), failed, is_failed, packed, copies, pa.array(keep))
            writer.add(copies)
            kept += copies.num_rows
            done += chunk.num_rows
            if remote and context.progress is not None:
                context.progress(f"augment {plan.target} {done}/{len(plan.rows)}")
        summary.splits[plan.target] = {"from": plan.source, "made": len(plan.rows), "copies": kept,
                                       "capped_by_max_fraction": plan.capped,
                                       **{k: int(reasons.get(k, 0)) for k in SKIP_REASONS}}
        return writer.close()

    def _merged(self, chunk: pa.Table, packed: pa.Table, suffix: pa.Array) -> tuple[pa.Table, np.ndarray, pa.Array]:
        """The copy rows of a chunk (its modalities' columns merged in order, id, lineage, transforms, seed),
        whether each changed, and each one's failure reason (null: made; the first modality's that failed)."""
        copies = chunk.drop_columns([SEED])
        changed = np.zeros(copies.num_rows, dtype=bool)
        failed = None
        for i in range(len(self.modalities)):
            prefix = f"{i}:column:"
            copies = _set_columns(copies, {name[len(prefix):]: packed.column(name) for name in packed.column_names
                                           if name.startswith(prefix)})
            changed |= packed.column(f"{i}:changed").to_numpy()
            reason = packed.column(f"{i}:failed")
            reason = pc.if_else(pc.equal(reason, ""), pa.scalar(None, pa.string()), reason)  # "" is no reason
            failed = reason if failed is None else pc.coalesce(failed, reason)
        applied = [packed.column(f"{i}:applied") for i in range(len(self.modalities))]
        augment = applied[0] if len(applied) == 1 else pa.array(
            [_joined_lists(lists) for lists in zip(*(a.to_pylist() for a in applied))], pa.string())
        ids = pc.cast(chunk.column("id"), pa.string())
        copies = copies.drop_columns([c for c in AUGMENT_FIELDS if c in copies.column_names])
        copies = copies.set_column(copies.schema.get_field_index("id"), "id",
                                   pc.binary_join_element_wise(ids, suffix, ""))
        copies = copies.append_column("augmented_from", ids)
        copies = copies.append_column("augment", augment)
        copies = copies.append_column("augment_seed", chunk.column(SEED))
        self.schema = copies.schema if self.schema is None else pa.unify_schemas(
            [self.schema, copies.schema], promote_options="permissive")
        return copies, changed, failed

    def _count(self, target: str, ids, failed, is_failed: np.ndarray, packed: pa.Table, kept: pa.Table,
               keep: pa.Array) -> None:
        """Add a chunk's first failures, the transforms of its kept copies and their classes."""
        for row in np.flatnonzero(is_failed)[:FAILURES_SHOWN - len(self.failures)].tolist():
            self.failures.append([ids[row].as_py(), failed[row].as_py()])
        for i, modality in enumerate(self.modalities):
            names = pc.list_flatten(packed.column(f"{i}:transforms").filter(keep))
            for pair in pc.value_counts(names).to_pylist():
                self.transforms.setdefault(modality.name, Counter())[pair["values"]] += pair["counts"]
        if self.class_field:
            self.classes.setdefault(target, Counter()).update(_value_counts(kept, self.class_field))


def _joined_lists(texts: list[str]) -> str:
    """JSON lists (as json.dumps writes them) joined into one: `[a, b]` and `[c]` give `[a, b, c]`."""
    return "[" + ", ".join(text[1:-1] for text in texts if text != "[]") + "]"


def _chunks(rows: pa.Table | Spill, plan: Plan, seed: int, batch_rows: int) -> Iterator[pa.Table]:
    """The originals of the plan's copies in order, at most `batch_rows` at a time, with each copy's seed (SEED)."""
    offset = 0
    for batch in batches(rows, batch_rows):
        low, high = np.searchsorted(plan.rows, [offset, offset + batch.num_rows]).tolist()
        for start in range(low, high, batch_rows):
            stop = min(start + batch_rows, high)
            originals = batch.take(pa.array(plan.rows[start:stop] - offset))
            ids = originals.column("id").to_pylist()
            seeds = [copy_seed(seed, i, k) for i, k in zip(ids, plan.copy_keys(start, stop))]
            yield originals.append_column(SEED, pa.array(seeds, pa.int64()))
        offset += batch.num_rows


def _made_in_order(executor, chunks: Iterator[pa.Table], modalities: list[tuple[int, Modality]],
                   context: AugmentContext) -> Iterator[tuple[pa.Table, pa.Table | None]]:
    """Each chunk with `_made` of it over `modalities` (None when there are none), by `executor.map_batches`.

    The executor may cut its output into tables other than the chunks (Ray Data does); the rows come
    back in order, so they are cut again here into each chunk's rows.
    """
    if not modalities:
        yield from ((chunk, None) for chunk in chunks)
        return
    pending: deque[pa.Table] = deque()

    def sent() -> Iterator[pa.Table]:
        for chunk in chunks:
            pending.append(chunk)
            yield chunk

    waiting: list[pa.Table] = []
    for table in executor.map_batches(_made, sent(), modalities, context):
        waiting.append(table)
        while pending and sum(t.num_rows for t in waiting) >= pending[0].num_rows:
            rows = pa.concat_tables(waiting, promote_options="permissive") if len(waiting) > 1 else waiting[0]
            chunk = pending.popleft()
            yield chunk, rows.slice(0, chunk.num_rows)
            waiting = [rows.slice(chunk.num_rows)]
    if pending or sum(t.num_rows for t in waiting):
        raise RuntimeError("augment: the executor gave back a different number of rows than it was sent")


def _made(batch: pa.Table, modalities: list[tuple[int, Modality]], context: AugmentContext) -> pa.Table:
    """(`map_batches` fn) The modalities run over the copies of `batch` (original rows and a SEED column),
    one row per copy: modality `i`'s new columns as `i:column:<name>`, and `i:changed`, `i:failed`,
    `i:applied` (its entries as the JSON list of the copy's `augment`) and `i:transforms` (their names), so
    the output may be cut anywhere and still be told apart."""
    originals = batch.drop_columns([SEED])
    copies = Copies(originals, batch.column(SEED).to_numpy().astype(np.uint32))
    packed = {}
    for i, modality in modalities:
        result = _checked(modality.name, modality.augment(copies, context), originals.num_rows)
        for name, values in result.columns.items():
            kind = originals.schema.field(name).type if name in originals.column_names else None
            packed[f"{i}:column:{name}"] = pa.array(values, kind)
        packed[f"{i}:changed"] = pa.array([bool(c) for c in result.changed], pa.bool_())
        packed[f"{i}:failed"] = pa.array(result.failed, pa.string())
        entries = [[{"modality": modality.name, **entry} for entry in applied] for applied in result.applied]
        packed[f"{i}:applied"] = pa.array([_JSON.encode(e) for e in entries], pa.string())
        packed[f"{i}:transforms"] = pa.array([[e["transform"] for e in copy] for copy in entries],
                                             pa.list_(pa.string()))
    return pa.table(packed)


def _checked(name: str, result: Augmented, n: int) -> Augmented:
    """A modality's result, or an error if it does not give one value per copy."""
    sizes = {len(result.applied), len(result.changed), len(result.failed), *(len(v) for v in result.columns.values())}
    if sizes != {n}:
        raise RuntimeError(f"augment.{name} returned {sorted(sizes)} values for {n} copies")
    return result


def _set_columns(table: pa.Table, columns: dict[str, pa.ChunkedArray]) -> pa.Table:
    """Replace (keeping the Arrow type) or add the columns a modality rewrote."""
    for name, column in columns.items():
        if name in table.column_names:
            index = table.schema.get_field_index(name)
            kind = table.schema.field(index).type
            table = table.set_column(index, table.schema.field(index), column if column.type == kind else
                                     column.cast(kind))
        else:
            table = table.append_column(name, column)
    return table


def _outputs(splits: dict, plans: list[Plan], written: dict, copies: pa.Schema | None) -> dict:
    """Every split (in split order) with its copies after its rows, all read as one schema: the splits' and
    the copies' columns, with the augment fields (null for originals)."""
    schemas = {name: _with_augment_fields(rows.schema) for name, rows in splits.items()}
    for plan in plans:
        made = _with_augment_fields(copies if copies is not None else splits[plan.source].schema)
        schemas[plan.target] = pa.unify_schemas([schemas[plan.target], made]) if plan.target in schemas else made
    order = _split_order(schemas)
    schema = pa.unify_schemas([schemas[name] for name in order])
    out = {}
    for name in order:
        parts = [splits[name]] if name in splits else []
        if name in written and (written[name].num_rows or not parts):
            parts.append(written[name])
        if all(isinstance(p, Spill) for p in parts):
            out[name] = Spill.chain(parts).read_as(schema)
        else:
            out[name] = pa.concat_tables([schema.empty_table(), *map(as_table, parts)], promote_options="permissive")
    return out


def _with_augment_fields(schema: pa.Schema) -> pa.Schema:
    """The schema with `augmented_from`, `augment` and `augment_seed` (null for originals), so splits share a schema."""
    for name in AUGMENT_FIELDS:
        if name not in schema.names:
            schema = schema.append(pa.field(name, AUGMENT_TYPES[name]))
    return schema


def _class_field(policy: AugmentPolicy, columns: list[str]) -> str | None:
    if policy.class_field:
        if policy.class_field not in columns:
            raise UserError(f"augment.class_field {policy.class_field!r} is not a field (fields: {', '.join(columns)})")
        return policy.class_field
    return "label" if "label" in columns else None


def _class_counts(before: dict, after: dict, copies: dict[str, Counter], field_name: str, batch_rows: int) -> dict:
    """Per split and class: [rows before augmentation, rows after]."""
    counts: dict[str, dict[str, list[int]]] = {}
    for name in after:
        was = Counter()
        if name in before:
            for batch in batches(before[name], batch_rows):
                was.update(_value_counts(batch, field_name))
        now = was + copies.get(name, Counter())
        counts[name] = {k: [was.get(k, 0), now.get(k, 0)] for k in sorted(set(was) | set(now))}
    return counts


def _value_counts(table: pa.Table, field_name: str) -> dict[str, int]:
    column = pc.cast(table.column(field_name), pa.string()) if table.num_rows else pa.array([], pa.string())
    pairs = pc.value_counts(column).to_pylist()
    return {("(none)" if v["values"] is None else v["values"]): v["counts"] for v in pairs}


def _split_order(splits: dict) -> list[str]:
    return [*(s for s in SPLITS if s in splits), *sorted(s for s in splits if s not in SPLITS)]
