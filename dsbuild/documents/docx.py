"""Word files (.docx) with python-docx: paragraphs and tables in body order, sections by heading style.

A paragraph is a heading when its style (or a style it is based on) is a built-in heading: named
"Heading 1".."Heading 9" or "Title", or with style id HeadingN / Title, which localized Word
versions keep while showing a translated name. Table rows become lines of cells joined by " | ".
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from .model import Document, ExtractionError
from .outline import Outline

CELL_JOIN = " | "
TITLE_LEVEL = 0  # the "Title" style sits above Heading 1
_HEADING = re.compile(r"heading\s*([1-9])", re.IGNORECASE)


def extract_docx(path: Path) -> Document:
    """Sections of the Word file at `path`, one per heading; `title` from the file's properties or Title style."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError):
        raise ExtractionError(
            "not a valid DOCX file (not a Word zip package, or word/document.xml is missing); "
            "re-save it from Word as .docx or remove it from source.path"
        ) from None
    outline, title = Outline(), None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            outline.block(_table_text(item))
            continue
        text = item.text.strip()
        level = _heading_level(item)
        if level is None or not text:
            outline.block(text)
            continue
        outline.heading(level, text)
        if level == TITLE_LEVEL and title is None:
            title = " ".join(text.split())
    core_title = " ".join((document.core_properties.title or "").split())
    return Document(outline.sections(), title=core_title or title)


def _heading_level(paragraph: Paragraph) -> int | None:
    """The heading level of `paragraph`'s style (0 for Title), looking through the styles it is based on."""
    style: BaseStyle | None = paragraph.style
    while style is not None:
        for name in (style.name or "", style.style_id or ""):
            if name.strip().lower() == "title":
                return TITLE_LEVEL
            match = _HEADING.fullmatch(name.strip())
            if match:
                return int(match.group(1))
        style = getattr(style, "base_style", None)
    return None


def _table_text(table: Table) -> str:
    """One line per row, cells joined by `CELL_JOIN`; a merged cell counts once, nested line breaks fold."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(CELL_JOIN.join(cells))
    return "\n".join(lines)
