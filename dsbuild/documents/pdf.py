"""PDF text extraction with pypdf: one section per page that has text, cleaned of page layout.

Pages keep their 1-based number so every passage can cite its page. PDFs that cannot give text
(encrypted with a password, scanned without a text layer, truncated) raise `ExtractionError`
with what to do, so the build rejects that file and goes on with the others.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from .cleanup import clean_pages
from .failures import reason
from .model import Document, ExtractionError, Section

ENCRYPTED = "the PDF is encrypted; decrypt it (e.g. qpdf --decrypt) or remove it from source.path"
NO_TEXT = (
    "the PDF has no text layer on any page (scanned or image-only); run OCR on it first "
    "(e.g. ocrmypdf) or remove it from source.path"
)

logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every recoverable quirk of a file


def extract_pdf(path: Path) -> Document:
    """The cleaned text of each page of the PDF at `path`.

    `meta` has `pages` (the page count) and, when some pages have no text left, `pages_without_text`.
    """
    try:
        with PdfReader(path) as reader:
            if reader.is_encrypted and not reader.decrypt(""):
                raise ExtractionError(ENCRYPTED)
            raw = [page.extract_text() or "" for page in reader.pages]
            title = _title(reader)
    except FileNotDecryptedError:
        raise ExtractionError(ENCRYPTED) from None
    except DependencyError as exc:
        raise ExtractionError(f"reading this PDF needs a missing package ({reason(exc)}); pip install it") from None
    except PyPdfError as exc:
        raise ExtractionError(
            f"the PDF is corrupt or truncated ({reason(exc)}); repair it (e.g. qpdf) or remove it from source.path"
        ) from None
    if not raw:
        raise ExtractionError("the PDF has no pages")
    if not any(text.strip() for text in raw):
        raise ExtractionError(NO_TEXT)
    cleaned = clean_pages(raw)
    sections = [Section(text, page=number) for number, text in enumerate(cleaned, start=1) if text]
    meta: dict = {"pages": len(raw)}
    empty = [number for number, text in enumerate(cleaned, start=1) if not text]
    if empty:
        meta["pages_without_text"] = empty
    return Document(sections, title=title, meta=meta)


def _title(reader: PdfReader) -> str | None:
    if reader.metadata is None or not reader.metadata.title:
        return None
    return " ".join(str(reader.metadata.title).split()) or None

