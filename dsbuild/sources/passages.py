"""Passages: the chunks of extracted documents as source rows, with lineage down to the character.

Shared by `source=documents` and `source=web`. Each row is one chunk: `text`, the document it came
from (`doc`: a path relative to the source root, or a URL) and that document's sha256, the pages
(PDFs) or heading path it covers, its character offsets in the extracted text, and its index in the
document. `source_ref` reads like `guide.pdf:p3-4:chars 5120-6010`. The row id hashes only the
document name and the chunk text, so a chunk keeps its id when text elsewhere in the file changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from ..documents.chunking import Chunk
from .base import to_records

HEADING_SEP = " > "
ID_FIELDS = ("doc", "text")
SCHEMA = pa.schema([
    ("text", pa.string()),
    ("doc", pa.string()),
    ("doc_sha256", pa.string()),
    ("title", pa.string()),
    ("page_start", pa.int32()),
    ("page_end", pa.int32()),
    ("headings", pa.string()),
    ("char_start", pa.int64()),
    ("char_end", pa.int64()),
    ("chunk_index", pa.int32()),
])


@dataclass
class PassageRows:
    """Column lists being filled, one document at a time; `extra` names more per-document string columns."""

    extra: tuple[str, ...] = ()
    columns: dict[str, list] = field(init=False)
    refs: list[str] = field(default_factory=list, init=False)

    def __post_init__(self):
        self.columns = {name: [] for name in (*SCHEMA.names, *self.extra)}

    def add(self, doc: str, sha256: str, title: str | None, chunks: Iterable[Chunk], **extra: str) -> int:
        """Append a document's chunks (with the values of the `extra` columns); return how many."""
        cols, n = self.columns, 0
        for chunk in chunks:
            pages = chunk.pages or (None, None)
            headings = HEADING_SEP.join(chunk.headings) or None
            cols["text"].append(chunk.text)
            cols["doc"].append(doc)
            cols["doc_sha256"].append(sha256)
            cols["title"].append(title)
            cols["page_start"].append(pages[0])
            cols["page_end"].append(pages[1])
            cols["headings"].append(headings)
            cols["char_start"].append(chunk.start)
            cols["char_end"].append(chunk.end)
            cols["chunk_index"].append(chunk.index)
            for name in self.extra:
                cols[name].append(extra[name])
            self.refs.append(passage_ref(doc, chunk))
            n += 1
        return n

    def to_records(self, source_name: str, where: str) -> pa.Table:
        schema = pa.schema([*SCHEMA, *(pa.field(name, pa.string()) for name in self.extra)])
        table = pa.table(self.columns, schema=schema)
        records, _ = to_records(
            table, self.refs, source_name=source_name, columns=None, id_column=None, where=where, id_fields=ID_FIELDS,
        )
        return records


def passage_ref(doc: str, chunk: Chunk) -> str:
    """`doc:p3-4:chars 10-200` for paged documents, `doc#Heading > Sub:chars …` otherwise."""
    if chunk.pages:
        first, last = chunk.pages
        place = f":p{first}" if first == last else f":p{first}-{last}"
    elif chunk.headings:
        place = "#" + HEADING_SEP.join(chunk.headings)
    else:
        place = ""
    return f"{doc}{place}:chars {chunk.start}-{chunk.end}"
