"""`source=documents`: a folder or glob of PDF, DOCX, Markdown, HTML, TXT and EPUB files -> passages.

Each file is extracted to text (page numbers and heading paths kept, running headers/footers and
hyphenation breaks removed), then chunked by `source.chunking`. A file that cannot be read (an
encrypted or image-only PDF, a corrupt DOCX, an empty file) becomes a reject of rule `extract` with
the reason, and the build goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..documents.chunking import ChunkingConfig, chunk_document
from ..documents.extract import SUFFIXES, extract
from ..documents.model import ExtractionError
from ..errors import UserError
from .base import Loaded, input_rejects
from .files import LocalFilesSource, resolve_paths
from .passages import PassageRows

EXTRACT_RULE = "extract"


class DocumentsSource(LocalFilesSource):
    """Passages from document files, with lineage to file, page or heading, and character offsets."""

    def __init__(
        self,
        path: str,
        chunking: Mapping | None = None,
        formats: Sequence[str] | None = None,
        name: str | None = None,
    ):
        if not path:
            raise UserError("source.path is empty; set it to a folder or glob of documents, e.g. source.path=docs/")
        self.suffixes = _suffixes(formats)
        self.path = str(path)
        self.chunking = ChunkingConfig.from_mapping(chunking)
        self.root, self.files = resolve_paths(self.path, self.suffixes)
        self.files = [f for f in self.files if f.suffix.lower() in self.suffixes]
        if not self.files:
            raise UserError(
                f"source.path {self.path!r} matches no document ({', '.join(sorted(self.suffixes))}); "
                "point it at your files or widen source.formats"
            )
        self.name = name or (self.files[0].stem if len(self.files) == 1 else self.root.name)

    def load(self) -> Loaded:
        rows, failures = PassageRows(), []
        for path, entry in zip(self.files, self.fingerprint()):
            rel = entry["name"]
            try:
                document = extract(path)
            except ExtractionError as e:
                failures.append((rel, f"{rel}: {e}"))
                continue
            if not rows.add(rel, entry["sha256"], document.title, chunk_document(document, self.chunking)):
                failures.append((rel, f"{rel}: no text left after extraction; the file is empty or only layout"))
        records = rows.to_records(self.name, self.path)
        return Loaded(
            records, rows_read=records.num_rows + len(failures), inputs=self.fingerprint(),
            rejected=input_rejects(self.name, failures, rule=EXTRACT_RULE),
        )


def _suffixes(formats: Sequence[str] | None) -> frozenset[str]:
    if formats is None:
        return frozenset(SUFFIXES)
    wanted = {f".{str(f).lower().lstrip('.')}" for f in formats}
    unknown = sorted(wanted - set(SUFFIXES))
    if unknown:
        raise UserError(
            f"source.formats names {', '.join(unknown)}, which dsbuild cannot read; "
            f"use some of {', '.join(sorted(s.lstrip('.') for s in SUFFIXES))}"
        )
    return frozenset(wanted)
