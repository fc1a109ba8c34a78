"""Verdict files, in the shapes reviewers hand back, read into one list of Verdicts.

    .csv    the pack's items.csv filled in: columns id, verdict (accept / reject / empty), reason,
            edited_<field> (the corrected text, empty when the field is right); other columns are ignored
    .json   the review page's export {"version_id", "pack_id", "verdicts": [{"id", "verdict", "reason",
            "edits": {field: text}}]}, or just that list
    .json   a Label Studio JSON or JSON_MIN export of a project made from the pack (see `labelstudio_export`)
    .csv    a Label Studio CSV export of such a project, told from items.csv by its annotation columns

An item without a verdict and without edits was not reviewed and is left out; edits alone mean
accept. Every mistake is one UserError naming the file and the row, item or task.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..version.fingerprint import file_sha256
from . import labelstudio_export
from .pack import EDITED_PREFIX
from .verdict import Verdict, make_verdict, verdict_word

VERDICTS_FORMAT = "dsbuild-review-verdicts"


@dataclass
class VerdictFile:
    """The verdicts of one file, its kind (csv, json, labelstudio: any of its exports), sha256 and the version /
    pack it names."""

    path: Path
    kind: str
    verdicts: list[Verdict]
    sha256: str
    version_id: str | None = None
    pack_id: str | None = None

    def digest(self) -> str:
        """sha256 of the verdicts themselves (sorted by id): equal verdicts from any file give equal digests."""
        blob = json.dumps(sorted((v.as_dict() for v in self.verdicts), key=lambda d: d["id"]),
                          ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def read_verdicts(path: Path) -> VerdictFile:
    """Read and check a verdicts file (csv or json); UserError on the first mistake."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: verdicts file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the verdicts as UTF-8 (CSV UTF-8 in a spreadsheet)") from None
    if path.suffix.lower() == ".csv":
        found = _from_csv(text, path)
    elif path.suffix.lower() == ".json":
        found = _from_json(text, path)
    else:
        raise UserError(f"{path}: give a .csv (the pack's items.csv filled in, or a Label Studio CSV export) or a "
                        ".json (the review page's verdicts.json, or a Label Studio JSON / JSON_MIN export)")
    _refuse_repeats(found.verdicts, path.name)
    if not found.verdicts:
        raise UserError(f"{path}: no item has a verdict; review some items first (accept or reject)")
    return found


def _from_csv(text: str, path: Path) -> VerdictFile:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    rows = _rows(reader, path.name)
    if labelstudio_export.is_csv_export(header):
        return VerdictFile(path, "labelstudio", labelstudio_export.read_csv(rows, header, path.name), file_sha256(path))
    return VerdictFile(path, "csv", _from_items_csv(rows, header, path.name), file_sha256(path))


def _rows(reader: csv.DictReader, file: str):
    """(spreadsheet row number, row) of each row: the header is row 1."""
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise UserError(f"{file}: row {number}: more cells than header columns; quote cells that hold commas")
        yield number, row


def _from_items_csv(rows, header: list[str], file: str) -> list[Verdict]:
    if "id" not in header or "verdict" not in header:
        raise UserError(f"{file}: the header needs the columns id and verdict (it has: {', '.join(header) or 'none'}); "
                        "start from the pack's items.csv")
    edit_columns = {c: c[len(EDITED_PREFIX):] for c in header if c.startswith(EDITED_PREFIX)}
    verdicts = []
    for number, row in rows:
        where = f"row {number}"
        verdict = verdict_word(row["verdict"], file, where)
        edits = {f: row[c] for c, f in edit_columns.items() if row[c] and row[c].strip()}
        row_id = (row["id"] or "").strip()
        if verdict is None and not edits:
            continue
        if not row_id:
            raise UserError(f"{file}: {where}: the id is empty; keep the id column of items.csv")
        verdicts.append(make_verdict(row_id, verdict, row.get("reason"), edits, where))
    return verdicts


def _from_json(text: str, path: Path) -> VerdictFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); export the verdicts again") from None
    sha = file_sha256(path)
    if labelstudio_export.is_json_export(data):
        return VerdictFile(path, "labelstudio", labelstudio_export.read_json(data, path.name), sha)
    if labelstudio_export.is_min_export(data):
        return VerdictFile(path, "labelstudio", labelstudio_export.read_min(data, path.name), sha)
    if isinstance(data, dict) and isinstance(data.get("verdicts"), list):
        if data.get("format", VERDICTS_FORMAT) != VERDICTS_FORMAT:
            raise UserError(f"{path}: format {data['format']!r} is not {VERDICTS_FORMAT}; give the verdicts.json "
                            "the review page exported")
        return VerdictFile(path, "json", _from_items(data["verdicts"], path.name), sha,
                           version_id=data.get("version_id"), pack_id=data.get("pack_id"))
    if isinstance(data, list):
        return VerdictFile(path, "json", _from_items(data, path.name), sha)
    raise UserError(f"{path}: not a verdicts file; give the review page's verdicts.json, a list of "
                    '{"id", "verdict", "reason", "edits"} objects, or a Label Studio JSON / JSON_MIN export')


def _from_items(entries: list, file: str) -> list[Verdict]:
    verdicts = []
    for number, entry in enumerate(entries, 1):
        where = f"item {number}"
        if not isinstance(entry, dict):
            raise UserError(f"{file}: {where}: not an object with id and verdict")
        row_id, reason, edits = entry.get("id"), entry.get("reason"), entry.get("edits") or {}
        if not isinstance(row_id, str) or not row_id.strip():
            raise UserError(f"{file}: {where}: id is missing or not a string; each verdict needs its row's id")
        if reason is not None and not isinstance(reason, str):
            raise UserError(f"{file}: {where}: reason must be text, got {type(reason).__name__}")
        if not isinstance(edits, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in edits.items()):
            raise UserError(f"{file}: {where}: edits must be an object of field name -> corrected text")
        verdict = verdict_word(entry.get("verdict"), file, where)
        if verdict is None and not edits:
            continue
        verdicts.append(make_verdict(row_id.strip(), verdict, reason, edits, where))
    return verdicts


def _refuse_repeats(verdicts: list[Verdict], file: str) -> None:
    first: dict[str, str] = {}
    for v in verdicts:
        if v.id in first:
            raise UserError(f"{file}: {v.where}: id {v.id} already has a verdict ({first[v.id]}); keep one of them")
        first[v.id] = v.where
