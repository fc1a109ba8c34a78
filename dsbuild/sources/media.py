"""The shared part of media sources: probing each entry's file and turning it into a row or a reject.

Media stay files: a row holds the absolute path, the file's sha256 and what the probe read from it.
Every entry becomes exactly one row or one reject (stage `load`), so `rows_read` = kept + rejected:
a missing file is rule `missing_file`, a file that does not decode `unreadable`, a label-table or
annotation problem `bad_annotation`. Ids hash the file's bytes plus its labels, not its name.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..errors import UserError
from ..media import MediaError
from .base import Loaded, input_rejects, merge_rejects, to_records
from .files import LocalFilesSource
from .media_entries import MediaEntry

MISSING_FILE, UNREADABLE, BAD_ANNOTATION = "missing_file", "unreadable", "bad_annotation"


class MediaSource(LocalFilesSource):
    """Base of `source=images` and `source=audio`: subclasses set the fields and implement the probe."""

    media_field: str
    sha_field: str
    entries: list[MediaEntry]

    def probe(self, path: Path) -> dict:
        """What the file says about itself (size, rate ...); raises `MediaError` when it does not decode."""
        raise NotImplementedError

    def annotate(self, entry: MediaEntry, probed: dict) -> dict:
        """The entry's own fields checked against the probe; raises `MediaError` when they do not fit."""
        raise NotImplementedError

    def schema(self) -> list[pa.Field]:
        """The row columns besides the media path and its sha256."""
        raise NotImplementedError

    def _relative(self, path: Path) -> str:
        try:
            return super()._relative(path)
        except ValueError:  # a label table may name files outside the source folder
            return str(path)

    def load(self) -> Loaded:
        shas = {item["path"]: item["sha256"] for item in self.fingerprint()}
        rows: list[dict] = []
        refs: list[str] = []
        failures: dict[str, list[tuple[str, str]]] = {MISSING_FILE: [], UNREADABLE: [], BAD_ANNOTATION: []}
        for entry in self.entries:
            if entry.problem:
                failures[BAD_ANNOTATION].append((entry.ref, entry.problem))
                continue
            where = self._where(entry)
            if not entry.path.is_file():
                failures[MISSING_FILE].append((entry.ref, f"{where}: no such file; fix the path or add the file"))
                continue
            try:
                probed = self.probe(entry.path)
            except MediaError as exc:
                failures[UNREADABLE].append((entry.ref, f"{where}: {exc}"))
                continue
            try:
                fields = self.annotate(entry, probed)
            except MediaError as exc:
                failures[BAD_ANNOTATION].append((entry.ref, f"{where}: {exc}"))
                continue
            resolved = str(entry.path.resolve())
            rows.append({self.media_field: resolved, **fields, **probed, self.sha_field: shas[resolved]})
            refs.append(entry.ref)
        schema = pa.schema([pa.field(self.media_field, pa.string()), *self.schema(),
                            pa.field(self.sha_field, pa.string())])
        table = pa.Table.from_pylist(rows, schema=schema)
        id_fields = [self.sha_field, *(f for f in ("label", "text") if f in schema.names)]
        records, _ = to_records(
            table, refs, source_name=self.name, columns=None, id_column=None, where=str(self.root),
            id_fields=id_fields,
        )
        rejected = merge_rejects(*(input_rejects(self.name, found, rule=rule) for rule, found in failures.items()))
        return Loaded(records, rows_read=len(self.entries), inputs=self.fingerprint(), rejected=rejected)

    def _where(self, entry: MediaEntry) -> str:
        """The file as the user knows it, with the table line that named it when there is one."""
        rel = self._relative(entry.path)
        return rel if rel == entry.ref else f"{entry.ref}: {rel}"


def media_folder(path: str | None) -> Path:
    """The source folder: media files are found in it (class folders) or named relative to it (tables)."""
    if not path:
        raise UserError("source.path is empty; set it to the folder holding the media, e.g. source.path=data/images")
    folder = Path(path)
    if not folder.is_dir():
        raise UserError(f"source.path {path!r} is not a folder (working directory: {Path.cwd()}); fix source.path")
    return folder


def media_files(root: Path, suffixes: frozenset[str]) -> list[Path]:
    """The media files under `root` (recursively) with one of `suffixes`, sorted."""
    files = sorted(f for f in root.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
    if not files:
        raise UserError(
            f"source.path {str(root)!r} holds no media files ({', '.join(sorted(suffixes))}); point it at your data"
        )
    return files


def labels_file(labels: str) -> Path:
    """The label table or COCO file named by `source.labels`, which must exist."""
    path = Path(labels)
    if not path.is_file():
        raise UserError(f"source.labels {labels!r} is not a file (working directory: {Path.cwd()}); fix source.labels")
    return path


def referenced_files(labels: Path, entries: list[MediaEntry]) -> list[Path]:
    """What a labelled source's version depends on: the label file and every existing file it names."""
    named = {e.path for e in entries if not e.problem and e.path.is_file()}
    return [labels, *sorted(named)]
