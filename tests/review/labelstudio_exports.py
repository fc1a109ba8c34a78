"""A Label Studio project made from a review pack, exported as Label Studio 1.23 writes its exports.

JSON is the tasks as the backend serializes them: task keys around `data`, each annotation with its
`result` list (`from_name`, `to_name`, `type` in lower case, `value`). JSON_MIN and CSV are what
label-studio-sdk's converter makes of that JSON: one flat record per annotation that was not
cancelled, a task's annotations newest created first, a task without annotations once with null
annotation keys; each control's answer under its name, "prettified" (one choice or one text as a
string, several texts as {"text": [...]}), then annotator, annotation_id, created_at, updated_at and
lead_time. JSON_MIN copies the data and then sets `id` to the task id; CSV sets the task id first and
lets the data overwrite it, writes answers that are not a string and data values that are lists or
objects as compact JSON, sorts the columns by name and quotes every non-number (QUOTE_NONNUMERIC),
in UTF-8 without a byte order mark and with csv's `\\r\\n` row ends.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

CHOICES = {"verdict"}  # the pack's Choices control; every other control is a TextArea
FLAT_KEYS = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")


def annotation(number, verdict=None, reason=None, edits=None, created="2024-05-02T09:00:00.000000Z", updated=None,
               cancelled=False):
    """An annotation as the JSON export writes it; `edits` maps field -> text, or a list of texts."""
    results = []
    if verdict is not None:
        results.append(_result(number, "verdict", "choices", {"choices": [verdict]}))
    if reason is not None:
        results.append(_result(number, "reason", "textarea", {"text": [reason]}))
    for field, text in (edits or {}).items():
        texts = text if isinstance(text, list) else [text]
        results.append(_result(number, f"edit_{field}", "textarea", {"text": texts}))
    return {"id": 500 + number, "completed_by": 1, "result": results, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": created, "updated_at": updated or created, "draft_created_at": None,
            "lead_time": 12.5 + number, "prediction": {}, "result_count": len(results), "unique_id": f"u-{number}",
            "import_id": None, "last_action": None, "bulk_created": False, "task": None, "project": 3,
            "updated_by": 1, "parent_prediction": None, "parent_annotation": None, "last_created_by": None}


def json_export(tasks: list[dict], annotations: dict[int, list[dict]]) -> list[dict]:
    """The JSON export of a project holding `tasks` (the pack's labelstudio.json), `annotations` by task index."""
    export = []
    for number, task in enumerate(tasks):
        task_id = 100 + number
        given = [{**a, "task": task_id} for a in annotations.get(number, [])]
        export.append({
            "id": task_id, "annotations": given, "file_upload": "labelstudio.json", "drafts": [], "predictions": [],
            "data": task["data"], "meta": {}, "created_at": "2024-05-02T08:00:00.000000Z",
            "updated_at": "2024-05-02T08:00:00.000000Z", "inner_id": number + 1, "total_annotations": len(given),
            "cancelled_annotations": sum(a["was_cancelled"] for a in given), "total_predictions": 0,
            "comment_count": 0, "unresolved_comment_count": 0, "last_comment_updated_at": None, "project": 3,
            "updated_by": None, "comment_authors": [],
        })
    return export


def json_min_export(export: list[dict]) -> list[dict]:
    """The JSON_MIN export of the same project."""
    records = []
    for task, answers, annotation_keys in _flat_items(export):
        record = json.loads(json.dumps(task["data"]))
        record["id"] = task["id"]
        record.update(answers)
        record.update(annotation_keys)
        records.append(record)
    return records


def write_csv_export(export: list[dict], path: Path) -> Path:
    """The CSV export of the same project, written to `path`."""
    rows = []
    for task, answers, annotation_keys in _flat_items(export):
        row = {"id": task["id"]}
        row.update({k: v if isinstance(v, str) else _compact(v) for k, v in answers.items()})
        row.update({k: _compact(v) if isinstance(v, dict | list) else v for k, v in task["data"].items()})
        annotator = annotation_keys["annotator"]
        row.update({**annotation_keys, "annotator": None if annotator is None else str(annotator)})
        rows.append(row)
    columns = sorted(set(FLAT_KEYS).union(*rows))
    with open(path, "w", encoding="utf8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(rows)
    return path


def legacy_tasks(tasks: list[dict]) -> list[dict]:
    """`tasks` as packs wrote them before the `dsb_` prefix: data keys id, split, question, ..."""
    return [{"data": {k.removeprefix("dsb_"): v for k, v in t["data"].items()}} for t in tasks]


def _flat_items(export):
    """(task, prettified answers, annotation keys) per flat record, in the converter's order."""
    for task in export:
        if not task["annotations"]:
            yield task, {}, dict.fromkeys(FLAT_KEYS)
        kept = [a for a in task["annotations"] if not a["was_cancelled"]]
        for a in sorted(kept, key=lambda a: a["created_at"], reverse=True):
            by_control = {}
            for result in a["result"]:
                by_control.setdefault(result["from_name"], []).append(result["value"])
            answers = {name: _prettify(name, values) for name, values in by_control.items()}
            yield task, answers, {"annotator": a["completed_by"], "annotation_id": a["id"],
                                  "created_at": a["created_at"], "updated_at": a["updated_at"],
                                  "lead_time": a["lead_time"]}


def _result(number, name, kind, value):
    return {"value": value, "id": f"{name}-{number}", "from_name": name, "to_name": "text_id", "type": kind,
            "origin": "manual"}


def _prettify(name, values):
    key = "choices" if name in CHOICES else "text"
    out = [v[key][0] if len(v[key]) == 1 else v for v in values]
    return out[0] if len(out) == 1 else out


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
