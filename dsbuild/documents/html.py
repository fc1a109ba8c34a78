"""HTML pages (.html, .htm, and pages fetched by the web source): the main text, without boilerplate.

trafilatura finds the article and leaves out navigation, headers, footers, sidebars and comments.
Its Markdown output keeps the page's headings, so the sections carry heading paths like any
Markdown file; the title is the page's <title>.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import trafilatura

from .failures import reason
from .markdown import atx_sections
from .model import Document, ExtractionError

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HEAD_BYTES = 65536  # the <title> is in the head; a page's body can be megabytes
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
        markdown = extract_markdown(html, url=url)
    except Exception as exc:  # callers such as the web source reject the page on ExtractionError only
        raise ExtractionError(f"cannot parse the page ({reason(exc)})") from exc
    sections = atx_sections(markdown) if markdown else []
    if not sections:
        raise ExtractionError(NO_MAIN_TEXT)
    return Document(sections, title=_title(html), meta={"url": url} if url else {})


def extract_markdown(html: bytes | str, *, url: str | None = None) -> str | None:
    """trafilatura's main text as Markdown (headings kept), exactly as dsbuild calls it."""
    return trafilatura.extract(
        html, url=url, output_format="markdown", include_comments=False, include_tables=True, include_images=False
    )


def _title(html: bytes | str) -> str | None:
    """The page's <title>, read from the raw text: trafilatura's metadata pass would parse the page twice."""
    head = html[:_HEAD_BYTES]
    if isinstance(head, bytes):
        head = head.decode("utf-8", errors="replace")
    match = _TITLE.search(head)
    title = " ".join(unescape(match.group(1)).split()) if match else ""
    return title or None
