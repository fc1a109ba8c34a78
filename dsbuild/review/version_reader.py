"""Find a version folder and read its rows back: every split as canonical rows, with id and lineage.

Formats that keep only training fields have a `<split>.lineage.jsonl` beside each split file, one
line per record in file order; a row is the record read back (see `records`) joined with its lineage
line. Lossless formats (jsonl, parquet) hold every field already. Files are checked against the
sha256 in manifest.json, so a review never starts from a folder edited by hand.
"""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import UserError
from ..export.formats import exporter_from_record
from ..version.fingerprint import file_sha256
from .records import record_reader

MANIFEST = "manifest.json"
MIN_PREFIX = 4  # a shorter prefix of a 12-character id would match by accident
REJECTS = "rejects.jsonl"


@dataclass
class Version:
    """A version folder read back: its manifest, its exporter and its rows per split (file order)."""

    path: Path
    manifest: dict
    exporter: object
    splits: dict[str, pa.Table]

    @property
    def id(self) -> str:
        return self.manifest["version_id"]

    @property
    def name(self) -> str:
        return self.manifest["name"]


def locate(ref: str, root: Path) -> Path:
    """The version folder `ref` names: a folder path, or a version id (or a unique prefix of one, at least
    MIN_PREFIX characters; `<name>/<id>` picks among datasets) looked up as `<root>/<name>/<id>`."""
    path = Path(ref).expanduser()
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise UserError(f"{path}: no {MANIFEST} in this folder; give a version folder "
                            "(outputs/datasets/<name>/<version id>) or a version id")
        return path.resolve()
    name, _, version = ref.rpartition("/") if ref.count("/") == 1 and not ref.startswith("/") else (None, "", ref)
    found = _versions_under(Path(root), name, version) if version and "/" not in version else []
    if len(found) > 1:
        exact = [p for p in found if p.name == version]
        if len(exact) != 1:
            shown = ", ".join(f"{p.parent.name}/{p.name}" for p in found[:5]) + (" ..." if len(found) > 5 else "")
            raise UserError(f"{ref} names {len(found)} versions ({shown}); give more of the id, "
                            "<name>/<id>, or the folder")
        found = exact
    if not found:
        raise UserError(f"{ref}: not a version folder, and no version with that id under {root}; give the "
                        "version folder's path (or a unique id prefix of at least "
                        f"{MIN_PREFIX} characters), or --root DIR for the folder that holds the datasets")
    return found[0].resolve()


def _versions_under(root: Path, name: str | None, version: str) -> list[Path]:
    """The version folders under `root` (of dataset `name`, or any) whose id is `version` or starts with it."""
    pattern = ("*" if name is None else glob.escape(name)) + "/" + glob.escape(version)
    pattern += "*" if len(version) >= MIN_PREFIX else ""
    return sorted(p for p in root.glob(pattern) if (p / MANIFEST).is_file() and not p.name.startswith("."))


def read_version(path: Path) -> Version:
    """Every split of the version at `path` as a table of canonical rows, in file order."""
    path = Path(path)
    manifest = read_json(path / MANIFEST)
    if not isinstance(manifest, dict) or not {"version_id", "name", "splits", "config"} <= set(manifest):
        raise UserError(f"{path / MANIFEST}: not a dsbuild manifest (needs version_id, name, splits, config)")
    exporter = _exporter(manifest, path / MANIFEST)
    reader = record_reader(exporter)
    splits = {name: _read_split(path, info, exporter, reader) for name, info in manifest["splits"].items()}
    return Version(path=path, manifest=manifest, exporter=exporter, splits=splits)


def read_rejects(version: Version) -> pa.Table | None:
    """The version's rejects.jsonl as a table (None when it is empty)."""
    rows = read_jsonl(version.path / REJECTS)
    return rows_table(rows, REJECTS) if rows else None


def read_json(path: Path):
    """A JSON file's data; a one-line UserError naming the file if it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); fix or replace the file") from None


def read_jsonl(path: Path) -> list[dict]:
    """The objects of a JSON Lines file; a UserError names the file and line of a bad one."""
    rows = []
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UserError(f"{path}: line {number}: not valid JSON ({exc.msg}); the version folder is "
                                    "damaged, rebuild it") from None
                if not isinstance(row, dict):
                    raise UserError(f"{path}: line {number}: not a JSON object; the version folder is damaged")
                rows.append(row)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found; the version folder is incomplete, rebuild it") from None
    return rows


def rows_table(rows: list[dict], label: str) -> pa.Table:
    """A table from dict rows; columns in first-seen key order, a missing key is null."""
    names = list(dict.fromkeys(key for row in rows for key in row))
    columns = {}
    for name in names:
        try:
            columns[name] = pa.array([row.get(name) for row in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise UserError(f"{label}: field {name!r} mixes value types ({exc}); the version folder is "
                            "damaged") from None
    return pa.table(columns)


def _exporter(manifest: dict, where: Path):
    """The version's exporter, looked up by name among dsbuild's formats: reading a folder runs no code."""
    return exporter_from_record((manifest["config"] or {}).get("format"), str(where))


def _check_sha(path: Path, expected: str | None) -> None:
    if expected and file_sha256(path) != expected:
        raise UserError(f"{path}: sha256 differs from {MANIFEST}; the file was changed after the build, "
                        "rebuild the version or restore the file")


def _read_split(folder: Path, info: dict, exporter, reader) -> pa.Table:
    if not info.get("file"):
        return pa.table({"id": pa.array([], pa.string())})
    path = folder / info["file"]
    if not path.is_file():
        raise UserError(f"{path}: split file listed in {MANIFEST} is missing; rebuild the version")
    _check_sha(path, info.get("sha256"))
    if path.suffix == ".parquet":
        return pq.read_table(path)
    records = read_json(path) if path.suffix == ".json" else read_jsonl(path)
    if not isinstance(records, list):
        raise UserError(f"{path}: not a JSON list of records; the version folder is damaged")
    if not info.get("lineage"):
        return rows_table([reader(record) for record in records], info["file"])
    lineage_path = folder / info["lineage"]
    _check_sha(lineage_path, info.get("lineage_sha256"))
    lineage = read_jsonl(lineage_path)
    if len(lineage) != len(records):
        raise UserError(f"{lineage_path}: {len(lineage)} lines for {len(records)} records in {info['file']}; "
                        "the version folder is damaged, rebuild it")
    # lineage keys first, in file order: rewriting the split gives the same lineage file
    return rows_table([{**line, **reader(record)} for line, record in zip(lineage, records)], info["file"])
