"""Which media files a media source reads and what it knows about each: from class folders or a label table.

A `MediaEntry` is one media file with its row fields (label, transcript, boxes ...) and where it was
named (`ref`). An entry the label table cannot describe (an empty path cell) carries its `problem`,
so the source turns it into a reject row instead of losing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from .readers import SUFFIX_FORMATS, read_file

PATH_KEY = "path"


@dataclass
class MediaEntry:
    path: Path
    ref: str
    fields: dict = field(default_factory=dict)
    problem: str | None = None


def folder_entries(root: Path, files: Sequence[Path]) -> list[MediaEntry]:
    """One entry per file; the label is the top folder under `root` (none for files directly in it)."""
    entries = []
    for path in files:
        parts = path.relative_to(root).parts
        entries.append(MediaEntry(path, Path(*parts).as_posix(), {"label": parts[0] if len(parts) > 1 else None}))
    return entries


def table_columns(
    columns: Mapping[str, str | None] | None, defaults: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], dict[str, Sequence[str]]]:
    """(columns the user named, default candidates for the rest), per canonical key of `defaults`."""
    named = {k: v for k, v in (columns or {}).items() if v is not None}
    unknown = sorted(set(named) - set(defaults))
    if unknown:
        raise UserError(
            f"source.columns.{unknown[0]} is not a media table field; use {', '.join(defaults)}"
        )
    return named, {k: v for k, v in defaults.items() if k not in named}


def table_entries(
    labels: Path, root: Path, columns: Mapping[str, str | None] | None, defaults: Mapping[str, Sequence[str]]
) -> list[MediaEntry]:
    """One entry per row of a CSV/JSONL label table; paths are relative to `root` unless absolute."""
    if labels.suffix.lower() not in SUFFIX_FORMATS:
        raise UserError(
            f"source.labels {str(labels)!r}: use a .csv, .tsv, .jsonl or .json table (or a COCO .json)"
        )
    read = read_file(labels)
    available = read.table.column_names
    named, fallback = table_columns(columns, defaults)
    chosen: dict[str, str] = {}
    for key, column in named.items():
        if column not in available:
            raise UserError(
                f"{labels}: source.columns.{key} names column {column!r}, which is not there "
                f"(columns: {', '.join(available)}); fix source.columns"
            )
        chosen[key] = column
    for key, candidates in fallback.items():
        found = next((c for c in candidates if c in available), None)
        if found is not None:
            chosen[key] = found
    if PATH_KEY not in chosen:
        raise UserError(
            f"{labels}: no {PATH_KEY!r} column naming the media files (columns: {', '.join(available)}); "
            f"add one or set source.columns.{PATH_KEY}=<your column>"
        )
    values = {key: read.table.column(column).to_pylist() for key, column in chosen.items()}
    refs = read.refs.column(labels.name).to_pylist()
    entries = []
    for i, ref in enumerate(refs):
        cell = values[PATH_KEY][i]
        row = {key: _cell(column[i]) for key, column in values.items() if key != PATH_KEY}
        if cell is None or not str(cell).strip():
            entries.append(MediaEntry(root, ref, row, problem=f"{ref}: the {chosen[PATH_KEY]!r} cell is empty"))
            continue
        path = Path(str(cell).strip())
        entries.append(MediaEntry(path if path.is_absolute() else root / path, ref, row))
    return entries


def _cell(value):
    """Labels and transcripts as text (a JSONL label may be a number); lists (boxes) pass as they are."""
    if value is None or isinstance(value, list | str):
        return value
    return str(value)
