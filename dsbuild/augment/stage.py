"""The `augment` stage: after the split, copies of rows made by the configured modalities.

Copies stay in their original's split, so no copy of a test item can reach train; noisy copies of
validation/test rows go to their own `<split>_noisy` split. Which rows get copies, and each copy's
seed, come from hashes of (global seed, original id, copy index), so a rebuild makes the same copies
with the same bytes. A copy that came out equal to its original, failed, or equals a row of another
split is not kept; the summary counts each reason (no row is dropped: copies are added rows).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from ..errors import UserError
from ..record import AUGMENT_FIELDS, normalized_for_id, row_digests, task_fields
from ..split import SPLITS, unit_hashes
from ..stage import StageReport
from .base import AugmentContext, Augmented, Copies
from .policy import AugmentPolicy

STAGE = "augment"
MEDIA_PATH_FIELDS = ("image", "audio")  # a copy's media path differs from its original's; the sha fields do not
FAILURES_SHOWN = 5
SKIP_REASONS = ("identical", "failed", "same_as_other_split")  # why a made copy was not kept


@dataclass
class _Plan:
    """The copies one split gets: which rows (indices), which copy of each, and where they go."""

    source: str  # the split the originals are in
    target: str  # the split the copies join (the same, or `<split>_noisy`)
    rows: np.ndarray
    copy_keys: list[str]  # "1", "2", ... or "noisy": part of each copy's id and seed
    capped: int = 0


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
    splits: dict[str, pa.Table], policy: AugmentPolicy, seed: int, context: AugmentContext
) -> tuple[dict[str, pa.Table], StageReport, AugmentSummary]:
    """The splits with copies added (and noisy splits), the stage report and the summary."""
    for modality in policy.modalities:
        modality.check(next(iter(splits.values())).schema)
    plans = [_plan(splits[s], s, s, [str(k) for k in range(1, policy.copies + 1)], policy.max_fraction, seed)
             for s in policy.splits]
    plans += [_noisy_plan(splits[s], s, policy.noisy_name(s), policy.noisy_fraction, seed) for s in policy.noisy_splits]
    summary = AugmentSummary()
    copies = _make_copies(splits, plans, policy, seed, context, summary)
    out = {name: _with_augment_fields(table) for name, table in splits.items()}
    for plan, table in zip(plans, copies):
        out[plan.target] = pa.concat_tables([out[plan.target], table], promote_options="default") \
            if plan.target in out else _with_augment_fields(table)
    originals = sum(t.num_rows for t in splits.values())
    added = sum(t.num_rows for t in copies)
    report = StageReport(STAGE, rows_in=originals, kept=originals + added, added=added)
    report.check()
    summary.class_field = _class_field(policy, splits)
    if summary.class_field:
        summary.classes = _class_counts(splits, out, summary.class_field)
    return _unified({name: out[name] for name in _split_order(out)}), report, summary


def _plan(table: pa.Table, source: str, target: str, keys: list[str], max_fraction: float, seed: int) -> _Plan:
    """Every row times `keys`, cut to the `max_fraction` cap by lowest hash (the same copies every build)."""
    n = table.num_rows
    rows = np.repeat(np.arange(n), len(keys))
    copy_keys = keys * n if len(keys) == 1 else [k for _ in range(n) for k in keys]
    limit = len(rows) if max_fraction >= 1.0 else int(np.floor(max_fraction * n / (1.0 - max_fraction) + 1e-9))
    if len(rows) <= limit:
        return _Plan(source, target, rows, copy_keys)
    ids = table.column("id").to_pylist()
    u = unit_hashes(seed, [f"{ids[r]}\x1f{k}" for r, k in zip(rows.tolist(), copy_keys)], salt="augment:")
    picked = np.sort(np.argsort(u, kind="stable")[:limit])
    return _Plan(source, target, rows[picked], [copy_keys[i] for i in picked.tolist()], capped=len(rows) - limit)


def _noisy_plan(table: pa.Table, source: str, target: str, fraction: float, seed: int) -> _Plan:
    """One noisy copy for a `fraction` of the rows (lowest hashes), for a robustness split."""
    n = table.num_rows
    count = int(round(fraction * n))
    u = unit_hashes(seed, table.column("id").to_pylist(), salt="noisy:")
    rows = np.sort(np.argsort(u, kind="stable")[:count])
    return _Plan(source, target, rows, ["noisy"] * len(rows))


def copy_seed(seed: int, original_id: str, copy_key: str) -> int:
    """A copy's seed (uint32) from the global seed, its original's id and its copy key."""
    return xxhash.xxh3_64_intdigest(f"{original_id}\x1f{copy_key}".encode(), int(seed) % 2**64) & 0xFFFFFFFF


def _make_copies(splits, plans, policy, seed, context, summary) -> list[pa.Table]:
    """Run every modality over all planned copies at once (one batch: back-translation calls go together)."""
    if not plans or not any(len(p.rows) for p in plans):
        for plan in plans:
            summary.splits[plan.target] = _counts(plan, 0, Counter())
        return [_with_augment_fields(splits[p.source].schema.empty_table()) for p in plans]
    originals = pa.concat_tables([splits[p.source].take(pa.array(p.rows, pa.int64())) for p in plans])
    original_ids = originals.column("id").to_pylist()
    keys = [k for p in plans for k in p.copy_keys]
    seeds = np.array([copy_seed(seed, i, k) for i, k in zip(original_ids, keys)], dtype=np.uint32)
    results = [(m.name, _checked(m.name, m.augment(Copies(originals, seeds), context), originals.num_rows))
               for m in policy.modalities]
    copies = originals
    for _, result in results:
        copies = _set_columns(copies, result.columns)
    applied = [[{"modality": name, **entry} for name, r in results for entry in r.applied[i]]
               for i in range(originals.num_rows)]
    failed = [next((r.failed[i] for _, r in results if r.failed[i]), None) for i in range(originals.num_rows)]
    changed = np.array([any(r.changed[i] for _, r in results) for i in range(originals.num_rows)])
    copies = copies.drop_columns([c for c in AUGMENT_FIELDS if c in copies.column_names])
    copies = copies.set_column(copies.schema.get_field_index("id"), "id",
                               pa.array([f"{i}-aug{k}" if k != "noisy" else f"{i}-noisy"
                                         for i, k in zip(original_ids, keys)], pa.string()))
    copies = copies.append_column("augmented_from", pa.array(original_ids, pa.string()))
    copies = copies.append_column("augment", pa.array([json.dumps(a, ensure_ascii=False, sort_keys=True)
                                                       for a in applied], pa.string()))
    copies = copies.append_column("augment_seed", pa.array(seeds.astype(np.int64), pa.int64()))
    leaks = _leaks(splits, plans, copies)
    is_failed = np.array([f is not None for f in failed])
    keep = changed & ~is_failed & ~leaks
    summary.failures = [[i, f] for i, f in zip(original_ids, failed) if f][:FAILURES_SHOWN]
    out, start = [], 0
    for plan in plans:
        end = start + len(plan.rows)
        part = slice(start, end)
        reasons = Counter({"identical": int((~changed[part] & ~is_failed[part]).sum()),
                           "failed": int(is_failed[part].sum()),
                           "same_as_other_split": int((leaks[part] & changed[part] & ~is_failed[part]).sum())})
        out.append(copies.slice(start, end - start).filter(pa.array(keep[part])))
        summary.splits[plan.target] = _counts(plan, int(keep[part].sum()), reasons)
        start = end
    for i in np.flatnonzero(keep).tolist():
        for entry in applied[i]:
            counts = summary.transforms.setdefault(entry["modality"], {})
            counts[entry["transform"]] = counts.get(entry["transform"], 0) + 1
    summary.transforms = {m: dict(sorted(c.items())) for m, c in sorted(summary.transforms.items())}
    return out


def _checked(name: str, result: Augmented, n: int) -> Augmented:
    """A modality's result, or an error if it does not give one value per copy."""
    sizes = {len(result.applied), len(result.changed), len(result.failed), *(len(v) for v in result.columns.values())}
    if sizes != {n}:
        raise RuntimeError(f"augment.{name} returned {sorted(sizes)} values for {n} copies")
    return result


def _set_columns(table: pa.Table, columns: dict[str, list]) -> pa.Table:
    """Replace (keeping the Arrow type) or add the columns a modality rewrote."""
    for name, values in columns.items():
        if name in table.column_names:
            index = table.schema.get_field_index(name)
            table = table.set_column(index, table.schema.field(index), pa.array(values, table.schema.field(index).type))
        else:
            table = table.append_column(name, pa.array(values))
    return table


def _leaks(splits: dict[str, pa.Table], plans: list[_Plan], copies: pa.Table) -> np.ndarray:
    """True for a copy whose content equals a row of another split (a copy must not repeat a held-out row)."""
    first = next(iter(splits.values()))
    fields = [f for f in task_fields(first.column_names) if f not in MEDIA_PATH_FIELDS]
    digests = {name: set(row_digests(t, fields, normalized_for_id).to_pylist()) for name, t in splits.items()}
    copy_digests = row_digests(copies, fields, normalized_for_id).to_pylist()
    leaks = np.zeros(copies.num_rows, dtype=bool)
    start = 0
    for plan in plans:
        others = set().union(*(d for name, d in digests.items() if name != plan.source))
        for i in range(start, start + len(plan.rows)):
            leaks[i] = copy_digests[i] in others
        start += len(plan.rows)
    return leaks


def _counts(plan: _Plan, kept: int, reasons: Counter) -> dict[str, int | str]:
    return {"from": plan.source, "made": len(plan.rows), "copies": kept, "capped_by_max_fraction": plan.capped,
            **{k: int(reasons.get(k, 0)) for k in SKIP_REASONS}}


def _with_augment_fields(table: pa.Table) -> pa.Table:
    """The table with `augmented_from`, `augment` and `augment_seed` (null for originals), so splits share a schema."""
    types = {"augmented_from": pa.string(), "augment": pa.string(), "augment_seed": pa.int64()}
    for name in AUGMENT_FIELDS:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, types[name]))
    return table


def _unified(splits: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Every split with every column (null where a split lacks one), so all splits share one schema."""
    schema = pa.unify_schemas([t.schema for t in splits.values()])
    out = {}
    for name, table in splits.items():
        for f in schema:
            if f.name not in table.column_names:
                table = table.append_column(f, pa.nulls(table.num_rows, f.type))
        out[name] = table.select(schema.names)
    return out


def _class_field(policy: AugmentPolicy, splits: dict[str, pa.Table]) -> str | None:
    columns = next(iter(splits.values())).column_names
    if policy.class_field:
        if policy.class_field not in columns:
            raise UserError(f"augment.class_field {policy.class_field!r} is not a field (fields: {', '.join(columns)})")
        return policy.class_field
    return "label" if "label" in columns else None


def _class_counts(before: dict[str, pa.Table], after: dict[str, pa.Table], field_name: str) -> dict:
    """Per split and class: [rows before augmentation, rows after]."""
    counts: dict[str, dict[str, list[int]]] = {}
    for name in _split_order(after):
        was = _value_counts(before[name], field_name) if name in before else {}
        now = _value_counts(after[name], field_name)
        counts[name] = {k: [was.get(k, 0), now.get(k, 0)] for k in sorted(set(was) | set(now))}
    return counts


def _value_counts(table: pa.Table, field_name: str) -> dict[str, int]:
    column = pc.cast(table.column(field_name), pa.string()) if table.num_rows else pa.array([], pa.string())
    pairs = pc.value_counts(column).to_pylist()
    return {("(none)" if v["values"] is None else v["values"]): v["counts"] for v in pairs}


def _split_order(splits: dict) -> list[str]:
    return [*(s for s in SPLITS if s in splits), *sorted(s for s in splits if s not in SPLITS)]
