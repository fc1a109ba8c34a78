"""What extraction hands to chunking: a document as an ordered list of sections with their place.

A section is a run of text with one location: a PDF page, or the body under one heading path.
A document's full text is its sections' texts joined by `SECTION_JOIN`; chunk character offsets
index into that full text, so a chunk's offsets can be checked against the extracted document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECTION_JOIN = "\n\n"


@dataclass(frozen=True)
class Section:
    """Text from one place in a document: `page` (1-based, PDFs) and/or `headings` (outermost first)."""

    text: str
    page: int | None = None
    headings: tuple[str, ...] = ()


@dataclass
class Document:
    """The extracted text of one file, in reading order."""

    sections: list[Section]
    title: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return SECTION_JOIN.join(s.text for s in self.sections)

    def section_starts(self) -> list[int]:
        """Character offset of each section's first character in `text`."""
        starts, at = [], 0
        for s in self.sections:
            starts.append(at)
            at += len(s.text) + len(SECTION_JOIN)
        return starts


class ExtractionError(Exception):
    """One input cannot be read (encrypted or image-only PDF, corrupt DOCX, ...): the build rejects it.

    The message says what failed and what to do, in one line, without the file name (the caller adds it).
    """
