"""Sections from a stream of headings and text blocks: the body under each heading, with its heading path.

DOCX, Markdown, HTML and EPUB all arrive as headings (with a level) and blocks in reading order;
this turns them into `Section`s whose `headings` are the outer headings (outermost first) and whose
text starts with the heading itself, so a passage cut from it still says what it is about.
"""

from __future__ import annotations

import unicodedata

from .model import SECTION_JOIN, Section
from .tidy import tidy


class Outline:
    """Feed `heading` and `block` in reading order, then read `sections()`."""

    def __init__(self) -> None:
        self._path: list[tuple[int, str]] = []  # (level, heading text), outermost first
        self._blocks: list[str] = []
        self._sections: list[Section] = []

    def heading(self, level: int, text: str, line: str | None = None) -> None:
        """Start the section of heading `text` at `level` (1 outermost); its text opens with `line` or `text`."""
        self._close_section()
        text = unicodedata.normalize("NFC", " ".join(text.split()))
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))
        self._blocks = [line or text]

    def block(self, text: str) -> None:
        """A paragraph, table, list or code block of the current section."""
        self._blocks.append(text)

    def sections(self) -> list[Section]:
        """The sections so far, empty ones left out."""
        self._close_section()
        return list(self._sections)

    def _close_section(self) -> None:
        text = tidy(SECTION_JOIN.join(block for block in self._blocks if block.strip()))
        if text:
            self._sections.append(Section(text, headings=tuple(heading for _, heading in self._path)))
        self._blocks = []
