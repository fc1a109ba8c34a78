"""`source=files`: local files (one file, a glob, or a folder) in json, jsonl, csv, tsv, parquet or txt.

Every row keeps its lineage: `source_ref` is `<file relative to the source root>:line N` (or `row N`).
Input files are fingerprinted by size and sha256, so editing a file makes a new dataset version.
`load` reads every file whole; `stream` reads them in chunks into a spill, with the same records.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from ..errors import UserError
from ..execute.spill import WorkFolder
from ..stage import concat
from ..version.fingerprint import file_sha256
from .base import Loaded, Source, mapped_columns, to_records
from .chunks import BLOCK_BYTES, read_chunks
from .readers import FORMATS, SUFFIX_FORMATS, format_of, read_file
from .streaming import RecordStream, Unstreamable

_GLOB_CHARS = set("*?[")
log = logging.getLogger("dsbuild")


class LocalFilesSource(Source):
    """Base of sources over local files (`self.root`, `self.files`): fingerprinted once by size and sha256."""

    root: Path
    files: list[Path]
    _fingerprint: list[dict] | None = None

    def fingerprint(self) -> list[dict]:
        if self._fingerprint is None:  # computed once: the version id and the manifest share it
            self._fingerprint = file_inputs(self.files, self._relative)
        return self._fingerprint

    def _relative(self, path: Path) -> str:
        return path.name if self.root == path else path.relative_to(self.root).as_posix()


class FilesSource(LocalFilesSource):
    """Rows from local files. `columns` maps canonical field -> source column."""

    def __init__(
        self,
        path: str,
        format: str = "auto",
        encoding: str = "auto",
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        keep_columns: bool = False,
        name: str | None = None,
    ):
        if not path:
            raise UserError(
                "source.path is empty; set it to a file, a glob or a folder, e.g. source.path=data/qa.jsonl"
            )
        if format != "auto" and format not in FORMATS:
            raise UserError(f"source.format {format!r} is unknown; use auto or one of {', '.join(FORMATS)}")
        self.path, self.format, self.encoding = str(path), format, encoding
        self.columns = mapped_columns(columns)
        self.id_column, self.keep_columns = id_column, keep_columns
        self.root, self.files = resolve_paths(self.path)
        self.name = name or (self.files[0].stem if len(self.files) == 1 else self.root.name)

    def load(self) -> Loaded:
        tables, refs = [], []
        for path in self.files:
            read = read_file(path, self.format, self.encoding)
            rel = self._relative(path)
            if self.columns:
                _check_columns(read.table.column_names, self.columns, path)
            tables.append(read.table)
            refs.append(read.refs.column(rel))
        table = concat(tables)
        refs = pa.concat_arrays(refs)
        records, rejected = to_records(
            table, refs, source_name=self.name, columns=self.columns, id_column=self.id_column,
            where=self.path, keep_columns=self.keep_columns,
        )
        return Loaded(records, rows_read=table.num_rows, inputs=self.fingerprint(), rejected=rejected)

    def stream(self, work: WorkFolder, block_bytes: int = BLOCK_BYTES) -> Loaded:
        """The records of `load`, in a spill in `work`, reading each file in chunks of about `block_bytes`.

        Memory holds a chunk and 16 bytes per row (the content digests), or the user's ids. When the
        chunks cannot give exactly `load`'s rows (see `chunks` and `streaming`), the source loads whole.
        """
        stream = RecordStream(work, source_name=self.name, columns=self.columns, id_column=self.id_column,
                              keep_columns=self.keep_columns, where=self.path)
        try:
            for path in self.files:
                rel = self._relative(path)
                names: dict[str, None] = {}  # the file's columns, in the order a whole read gives them
                for read in read_chunks(path, self.format, self.encoding, block_bytes):
                    names.update(dict.fromkeys(read.table.column_names))
                    stream.add(read.table, read.refs.column(rel))
                if self.columns:
                    _check_columns(list(names), self.columns, path)
            records, rejected = stream.finish()
        except Unstreamable as why:
            stream.discard()
            log.warning("source %s: read whole in memory, not in chunks: %s", self.name, why)
            return self.load()
        except BaseException:
            stream.discard()
            raise
        return Loaded(records, rows_read=stream.rows, inputs=self.fingerprint(), rejected=rejected)


def file_inputs(files: list[Path], relative) -> list[dict]:
    """Fingerprint entries of local files: path, name relative to the source root, size, sha256."""
    return [
        {"kind": "file", "path": str(f.resolve()), "name": relative(f), "bytes": f.stat().st_size,
         "sha256": file_sha256(f)}
        for f in files
    ]


def _check_columns(available: list[str], columns: Mapping[str, str], path: Path) -> None:
    for canonical, src in columns.items():
        if src not in available:
            raise UserError(
                f"{path}: source.columns.{canonical} names column {src!r}, which is not in this file "
                f"(columns: {', '.join(available)}); fix source.columns"
            )


def resolve_paths(path: str, extensions=frozenset(SUFFIX_FORMATS)) -> tuple[Path, list[Path]]:
    """(root for relative names, sorted files) for a file, a folder (its files with `extensions`) or a glob."""
    if _GLOB_CHARS & set(path):
        files = sorted(Path(p) for p in glob.glob(path, recursive=True) if Path(p).is_file())
        if not files:
            raise UserError(f"source.path {path!r} matches no file; check the pattern and the working directory")
        root = Path(glob.escape(path.split("*")[0].split("?")[0].split("[")[0]) or ".")
        root = root if root.is_dir() else root.parent
        return root, files
    p = Path(path)
    if p.is_file():
        return p, [p]
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in extensions)
        if not files:
            raise UserError(
                f"source.path {path!r} is a folder with no data files ({', '.join(sorted(extensions))}); "
                "point it at your data"
            )
        return p, files
    raise UserError(f"source.path {path!r} does not exist (working directory: {Path.cwd()}); fix source.path")


__all__ = ["FilesSource", "format_of"]
