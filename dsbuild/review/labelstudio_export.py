"""Verdicts from a Label Studio project's export, in any of its three formats for such a project.

    JSON      the tasks: {"id", "data": {...}, "annotations": [{"id", "result": [{"from_name", "value"}],
              "was_cancelled", "created_at", "updated_at", ...}]}
    JSON_MIN  one flat record per annotation that was not cancelled (a task without any: one record with
              no answers): the task's data, then `id` set to Label Studio's task id, each control's
              answer under its name (a string for one choice or one text, {"text": [...]} for several
              texts), and annotator, annotation_id, created_at, updated_at, lead_time
    CSV       the same records as columns sorted by name (an answer that is not one string as JSON text),
              except that a data field `id` wins over the task id

The row id is the data field `dsb_id` (see `labelstudio`). A pack written before that prefix has the
row id in `id`, which JSON and CSV keep and JSON_MIN loses: that case is refused, saying to export
as JSON or CSV. Of a task's annotations that were not cancelled, the one updated last counts (the
created time when it has no update time; on a tie the higher annotation id, then the latest in the
export: JSON lists a task's annotations oldest first, the flat formats newest first). A task whose
latest annotation has no verdict and no edit was not reviewed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import UserError
from .labelstudio import EDIT_PREFIX, LEGACY_ROW_KEY, REASON, ROW_KEY, VERDICT
from .verdict import Verdict, make_verdict, verdict_word

FLAT_KEYS = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")  # in every flat record


@dataclass
class _Answer:
    """One annotation of one task, read; `rank` orders a task's annotations, the largest being the latest."""

    task: object
    row_id: str
    where: str
    rank: tuple
    verdict: str | None
    reason: str | None
    edits: dict[str, str]


def is_json_export(data) -> bool:
    """True for Label Studio's JSON export (a list of tasks, each with `data`)."""
    return isinstance(data, list) and bool(data) and all(isinstance(t, dict) and "data" in t for t in data)


def is_min_export(data) -> bool:
    """True for Label Studio's JSON_MIN export (a list of flat records with the annotation's keys)."""
    return isinstance(data, list) and bool(data) and all(isinstance(r, dict) and set(FLAT_KEYS) <= r.keys()
                                                         for r in data)


def is_csv_export(header: list[str]) -> bool:
    """True for the header of Label Studio's CSV export."""
    return set(FLAT_KEYS) <= set(header)


def read_json(data: list[dict], file: str) -> list[Verdict]:
    """The verdicts in a JSON export; UserError naming the file and task for a bad one."""
    answers = []
    for number, task in enumerate(data, 1):
        where = f"task {number}" + (f" (Label Studio id {task['id']})" if "id" in task else "")
        row = task["data"]
        row_id = _row_id(row.get(ROW_KEY, row.get(LEGACY_ROW_KEY)) if isinstance(row, dict) else None)
        if row_id is None:
            raise UserError(f"{file}: {where}: data has no row id ({ROW_KEY}); import labelstudio.json from the "
                            "review pack, whose tasks carry it")
        annotations = task.get("annotations")
        if not isinstance(annotations, list):
            raise UserError(f"{file}: {where}: annotations is not a list; re-export the project as JSON")
        kept = [(_rank(a, i), a) for i, a in enumerate(annotations)
                if isinstance(a, dict) and not a.get("was_cancelled")]
        if kept:
            rank, latest = max(kept, key=lambda k: k[0])
            answers.append(_Answer(number, row_id, where, rank, *_results(latest.get("result") or [], file, where)))
    return _verdicts(answers)


def read_min(data: list[dict], file: str) -> list[Verdict]:
    """The verdicts in a JSON_MIN export; UserError naming the file and record for a bad one."""
    answers = []
    for number, record in enumerate(data, 1):
        where = f"record {number} (Label Studio task {record.get('id')})"
        row_id = _row_id(record.get(ROW_KEY))
        if row_id is None:
            raise UserError(f"{file}: {where}: JSON_MIN puts Label Studio's task id in `id` and the record has no "
                            f"{ROW_KEY} to tell the row; export the project as JSON or CSV instead")
        answers.append(_flat(record, record.get("id"), row_id, where, -number, file, from_csv=False))
    return _verdicts(answers)


def read_csv(rows, header: list[str], file: str) -> list[Verdict]:
    """The verdicts in a CSV export, `rows` being (row number, {column: cell}); UserError naming file and row."""
    prefixed = ROW_KEY in header
    if not prefixed and LEGACY_ROW_KEY not in header:
        raise UserError(f"{file}: the export has no {ROW_KEY} column; make the project from the review pack's "
                        "labelstudio.json and export it again")
    answers = []
    for number, row in rows:
        task = row.get("id") if prefixed else None
        where = f"row {number}" + (f" (Label Studio task {task})" if task else "")
        row_id = _row_id(row[ROW_KEY] if prefixed else row[LEGACY_ROW_KEY])
        if row_id is None:
            raise UserError(f"{file}: {where}: {ROW_KEY if prefixed else LEGACY_ROW_KEY} is empty; keep the "
                            "export as Label Studio wrote it")
        cells = {k: v for k, v in row.items() if v != ""}  # an empty cell: that control was not answered
        answers.append(_flat(cells, task or row_id, row_id, where, -number, file, from_csv=True))
    return _verdicts(answers)


def _verdicts(answers: list[_Answer]) -> list[Verdict]:
    """Each task's latest answer as a Verdict, in the order tasks first appear; unreviewed tasks left out."""
    latest: dict[object, _Answer] = {}
    for answer in answers:
        if answer.task not in latest or answer.rank > latest[answer.task].rank:
            latest[answer.task] = answer
    return [make_verdict(a.row_id, a.verdict, a.reason, a.edits, a.where) for a in latest.values()
            if a.verdict or a.edits]


def _results(results: list, file: str, where: str) -> tuple[str | None, str | None, dict[str, str]]:
    """(verdict, reason, edits) from a JSON export annotation's `result` list."""
    verdict, reason, edits = None, None, {}
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("value") or {}, dict):
            raise UserError(f"{file}: {where}: a result is not an object with from_name and value; re-export the "
                            "project as JSON")
        name, value = result.get("from_name"), result.get("value") or {}
        if name == VERDICT:
            verdict = _verdict(value.get("choices") or [], file, where)
        elif name == REASON:
            reason = _text(value, file, where)
        elif isinstance(name, str) and name.startswith(EDIT_PREFIX):
            text = _text(value, file, where)
            if text.strip():
                edits[name[len(EDIT_PREFIX):]] = text
        else:
            raise UserError(f"{file}: {where}: result {name!r} is not a control of the review labeling config "
                            f"({VERDICT}, {REASON}, {EDIT_PREFIX}<field>); label with the pack's labelstudio.xml")
    return verdict, reason, edits


def _flat(record: dict, task, row_id: str, where: str, order: int, file: str, from_csv: bool) -> _Answer:
    """An _Answer from a JSON_MIN record or a CSV row: controls by name, other keys (the data) ignored."""
    verdict = _decoded(record.get(VERDICT), from_csv)
    if isinstance(verdict, dict):
        verdict = _verdict(verdict.get("choices") or [], file, where)
    else:
        verdict = verdict_word(verdict, file, where)
    reason = record.get(REASON)
    reason = None if reason is None else _text(_decoded(reason, from_csv), file, where)
    edits = {}
    for name, value in record.items():
        if name.startswith(EDIT_PREFIX) and value is not None:
            text = _text(_decoded(value, from_csv), file, where)
            if text.strip():
                edits[name[len(EDIT_PREFIX):]] = text
    annotation_id = record.get("annotation_id")
    rank = (_moment(record.get("updated_at"), record.get("created_at")), _number(annotation_id), order)
    return _Answer(task, row_id, where, rank, verdict, reason, edits)


def _decoded(value, from_csv: bool):
    """A flat answer as JSON_MIN holds it: CSV writes an answer that is not one string (several texts) as JSON."""
    if from_csv and isinstance(value, str) and value.startswith("{"):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return value
        if isinstance(decoded, dict) and decoded.keys() in ({"text"}, {"choices"}):
            return decoded
    return value


def _verdict(choices: list, file: str, where: str) -> str | None:
    if len(choices) != 1:
        raise UserError(f"{file}: {where}: the verdict has {len(choices)} choices; pick accept or reject")
    return verdict_word(choices[0], file, where)


def _text(value, file: str, where: str) -> str:
    """A TextArea's answer: a string, or {"text": [strings]} joined by line breaks."""
    if isinstance(value, str):
        return value
    parts = value.get("text") if isinstance(value, dict) else None
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        raise UserError(f"{file}: {where}: a text answer is not text ({value!r}); re-export the project")
    return "\n".join(parts)


def _rank(annotation: dict, index: int) -> tuple:
    return _moment(annotation.get("updated_at"), annotation.get("created_at")), _number(annotation.get("id")), index


def _moment(*stamps) -> float:
    """The first of `stamps` that is an ISO time, as seconds (naive times taken as UTC); -inf for none."""
    for stamp in stamps:
        text = stamp.strip() if isinstance(stamp, str) else ""
        if text.endswith("Z"):  # Label Studio's UTC mark, which fromisoformat reads only from Python 3.11
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            continue
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
    return -math.inf


def _number(value) -> float:
    """An annotation id (int, or digits in a CSV cell) as a number; -inf when there is none."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return -math.inf


def _row_id(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
