"""The text modality: rewrite chosen text fields of each copy (synonyms, EDA, character noise,
back-translation), leave every other field as it is.

Built by Hydra from `augment.text`:

    augment.text: {_target_: dsbuild.augment.text.TextAugment, fields: [question], transforms: {...}}

Transforms run in their dict order, each over every copy and field before the next one starts, so
back-translation sends the column of a whole batch of copies to the LLM at once. A copy draws its random
choices from `random.Random(f"{seed}:{key}")`, one generator per transform key: the same seed gives the
same text in any process, with any worker count, and removing one transform does not reshuffle the
others' choices.
Per-text transforms run in `context.workers` forked processes when there are enough copies.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa

from ..errors import UserError
from .base import AugmentContext, Augmented, Copies, Modality
from .text_translate import NEEDS_BACKEND
from .text_words import TextTransform

KEY = "augment.text"
MIN_PER_PROCESS = 1000  # copies below which a worker process costs more than it saves

_JOB: tuple | None = None  # the work of one parallel segment, inherited by the forked workers


class TextAugment(Modality):
    """Augment the text `fields` of each copy with `transforms` (key -> transform, run in order).

    A field may hold null (left alone); a copy whose fields all come out equal to the original is
    `changed=False`. `applied` lists, per copy, `{"transform": key, "field": name, **params}` for every
    transform that changed a field.
    """

    name = "text"

    def __init__(self, fields: str | Sequence[str], transforms: Mapping[str, object | None] | None = None):
        fields = [fields] if isinstance(fields, str) else list(fields or [])
        if not fields or not all(isinstance(f, str) and f for f in fields):
            raise UserError(f"{KEY}.fields must list the text columns to augment, e.g. {KEY}.fields=[question]")
        self.fields = list(dict.fromkeys(fields))
        self.transforms = {str(key): t for key, t in (transforms or {}).items() if t is not None}
        for key, transform in self.transforms.items():
            if not isinstance(transform, TextTransform):
                raise UserError(f"{KEY}.transforms.{key} is a {type(transform).__name__}, not a text transform; "
                                "use a class of dsbuild.augment.text_* (e.g. dsbuild.augment.text_ops.RandomSwap)")
        if not self.transforms:
            raise UserError(f"{KEY}.transforms is empty; choose presets, e.g. augment/text=standard")

    def check(self, schema: pa.Schema) -> None:
        for field in self.fields:
            if field not in schema.names:
                raise UserError(f"{KEY}.fields names {field!r}, which the data does not have "
                                f"(fields: {', '.join(schema.names)}); fix {KEY}.fields")
            kind = schema.field(field).type
            if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
                raise UserError(f"{KEY}.fields names {field!r}, which holds {kind}, not text; list text columns only")

    @property
    def uses_llm(self) -> bool:
        """True with a back-translation among the transforms (the build then needs `llm`)."""
        return any(transform.uses_llm for transform in self.transforms.values())

    def fingerprint(self) -> list[dict]:
        files = {}
        for transform in self.transforms.values():
            for entry in transform.fingerprint():
                files.setdefault(entry["path"], entry)
        return list(files.values())

    def augment(self, copies: Copies, context: AugmentContext) -> Augmented:
        self.check(copies.rows.schema)
        if context.llm is None and self.uses_llm:
            raise UserError(NEEDS_BACKEND)
        values = {field: copies.rows.column(field).to_pylist() for field in self.fields}
        originals = {field: list(column) for field, column in values.items()}
        seeds = [int(seed) for seed in copies.seeds]
        applied: list[list[dict]] = [[] for _ in seeds]
        failed: list[str | None] = [None] * len(seeds)
        for segment in _segments(self.transforms):
            if segment[0][1].batched:
                _run_batched(*segment[0], self.fields, values, applied, failed, context)
            else:
                _run_local(segment, self.fields, values, seeds, applied, failed, context.workers)
            if context.progress is not None:
                context.progress(f"text: {', '.join(key for key, _ in segment)}")
        changed = [any(values[f][i] != originals[f][i] for f in self.fields) for i in range(len(seeds))]
        return Augmented(columns=values, applied=applied, changed=changed, failed=failed)


def _segments(transforms: dict[str, TextTransform]) -> list[list[tuple[str, TextTransform]]]:
    """Runs of per-text transforms, and each batched transform on its own, in order."""
    segments: list[list[tuple[str, TextTransform]]] = []
    for key, transform in transforms.items():
        if transform.batched or not segments or segments[-1][0][1].batched:
            segments.append([(key, transform)])
        else:
            segments[-1].append((key, transform))
    return segments


def _run_batched(key: str, transform, fields: list[str], values: dict, applied: list, failed: list,
                 context: AugmentContext) -> None:
    """One call of `transform.run` over every field of every live copy (one LLM batch for them all), its calls
    through the build's LLM session (and the executor's pool of senders when it has one)."""
    slots = [(field, i) for i in range(len(failed)) if failed[i] is None for field in fields
             if values[field][i] is not None]
    results = transform.run([values[field][i] for field, i in slots], context.llm, context.progress,
                            f"{KEY}.{key}")
    for (field, i), (text, params, reason) in zip(slots, results):
        if failed[i] is not None:
            continue
        if reason is not None:
            failed[i] = f"{KEY}.transforms.{key} ({field}): {reason}"
        elif text != values[field][i]:
            values[field][i] = text
            applied[i].append({"transform": key, "field": field, **params})


def _run_local(segment, fields, values, seeds, applied, failed, workers: int) -> None:
    """Per-text transforms over every copy: in this process, or in forked workers over slices of copies."""
    global _JOB
    count = len(seeds)
    processes = min(int(workers or 1), count // MIN_PER_PROCESS)
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        parts = [(0, _edit_range(segment, fields, values, seeds, failed, 0, count))]
    else:
        for _, transform in segment:
            transform.prepare()  # jieba's dictionary loaded once here, shared by the forked workers
        step = math.ceil(count / (processes * 4))
        starts = list(range(0, count, step))
        _JOB = (segment, fields, values, seeds, failed)
        try:
            with warnings.catch_warnings():  # Python 3.12+ warns about fork() beside threads; workers use none
                warnings.simplefilter("ignore", DeprecationWarning)
                with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
                    parts = list(zip(starts, pool.map(_edit_job, [(s, min(s + step, count)) for s in starts])))
        finally:
            _JOB = None
    for start, (new_values, new_applied) in parts:
        for field in fields:
            values[field][start:start + len(new_applied)] = new_values[field]
        for offset, entries in enumerate(new_applied):
            applied[start + offset] += entries


def _edit_job(span: tuple[int, int]):
    return _edit_range(*_JOB, *span)


def _edit_range(segment, fields, values, seeds, failed, start: int, stop: int):
    """(new values per field, applied entries per copy) for copies [start, stop)."""
    out = {field: values[field][start:stop] for field in fields}
    applied: list[list[dict]] = [[] for _ in range(start, stop)]
    for key, transform in segment:
        for j, seed in enumerate(seeds[start:stop]):
            if failed[start + j] is not None:
                continue
            rng = random.Random(f"{seed}:{key}")
            for field in fields:
                text = out[field][j]
                if text is None or not text.strip() or (transform.p < 1.0 and rng.random() >= transform.p):
                    continue
                new, params = transform.edit(text, rng)
                if new != text:
                    out[field][j] = new
                    applied[j].append({"transform": key, "field": field, **params})
    return out, applied
