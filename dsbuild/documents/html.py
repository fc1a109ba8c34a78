"""HTML pages (.html, .htm, and pages fetched by the web source): the main text, without boilerplate.

trafilatura finds the article and leaves out navigation, headers, footers, sidebars and comments.
Its Markdown output keeps the page's headings, so the sections carry heading paths like any
Markdown file; the title comes from the page's metadata.
"""

from __future__ import annotations

from pathlib import Path

import trafilatura

from .failures import reason
from .markdown import markdown_sections
from .model import Document, ExtractionError

NO_MAIN_TEXT = (
    "no main text found in the page (only navigation, boilerplate or scripts); "
    "if the text is built by JavaScript, save the rendered page instead"
)


def extract_html_file(path: Path) -> Document:
    """The main text of the HTML file at `path` (trafilatura reads the page's declared charset)."""
    return extract_html(path.read_bytes())


def extract_html(html: bytes | str, *, url: str | None = None) -> Document:
    """The main text of an HTML page, one section per heading; `url` helps trafilatura and goes into `meta`."""
    try:
        markdown = trafilatura.extract(
            html, url=url, output_format="markdown", include_comments=False, include_tables=True, include_images=False
        )
        metadata = trafilatura.extract_metadata(html, default_url=url) if markdown else None
    except Exception as exc:  # callers such as the web source reject the page on ExtractionError only
        raise ExtractionError(f"cannot parse the page ({reason(exc)})") from exc
    sections = markdown_sections(markdown) if markdown else []
    if not sections:
        raise ExtractionError(NO_MAIN_TEXT)
    title = " ".join((metadata.title or "").split()) if metadata else ""
    return Document(sections, title=title or None, meta={"url": url} if url else {})
