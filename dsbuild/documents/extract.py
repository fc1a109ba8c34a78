"""Text extraction from one document file, by its suffix: PDF, DOCX, Markdown, HTML, plain text, EPUB.

The single entry point for callers: whatever goes wrong with one file (an unknown suffix, a
corrupt archive, a parser crashing on odd input) comes out as `ExtractionError` with a one-line
reason, so a folder with one bad file still builds and the bad file becomes a reject.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .docx import extract_docx
from .epub import extract_epub
from .failures import reason
from .html import extract_html_file
from .markdown import extract_markdown
from .model import Document, ExtractionError
from .pdf import extract_pdf
from .text import extract_text

EXTRACTORS: dict[str, Callable[[Path], Document]] = {
    ".pdf": extract_pdf,
    ".docx": extract_docx,
    ".md": extract_markdown,
    ".markdown": extract_markdown,
    ".html": extract_html_file,
    ".htm": extract_html_file,
    ".txt": extract_text,
    ".text": extract_text,
    ".epub": extract_epub,
}
SUFFIXES = frozenset(EXTRACTORS)


def extract(path: Path) -> Document:
    """The text of the document at `path`, chosen by its suffix (case-insensitive)."""
    path = Path(path)
    suffix = path.suffix.lower()
    extractor = EXTRACTORS.get(suffix)
    if extractor is None:
        raise ExtractionError(
            f"cannot extract text from {suffix or 'a file without a suffix'} files; "
            f"use one of {', '.join(sorted(SUFFIXES))} or remove it from source.path"
        )
    try:
        return extractor(path)
    except ExtractionError:
        raise
    except Exception as exc:  # a parser's bug or a file no check foresaw: one reject, not a stopped build
        raise ExtractionError(f"cannot read this {suffix[1:].upper()} file ({reason(exc)})") from exc
