"""What is fetched (a page, a sitemap, robots.txt) and which answers of each kind are worth keeping.

Pages must be HTML or text: a Content-Type of text/*, XHTML, XML or JSON (a missing type is let through).
Sitemaps and robots.txt are judged by parsing them, whatever type the server claims. RFC 9309 asks crawlers
to read at least the first 500 KiB of robots.txt, so a longer one is cut there instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT_TYPES = ("application/xhtml+xml", "application/xml", "application/json")
ROBOTS_MAX_BYTES = 512 * 1024


def media_type(header: str | None) -> str | None:
    """`text/html` from `text/HTML; charset=utf-8`; None for a missing or empty header."""
    value = (header or "").split(";", 1)[0].strip().lower()
    return value or None


@dataclass(frozen=True)
class Kind:
    """One kind of fetch. `max_bytes` None means source.max_bytes; `truncate` keeps the head of a longer body."""

    name: str
    text_only: bool
    max_bytes: int | None = None
    truncate: bool = False

    def refusal(self, content_type: str | None) -> str | None:
        """Why an answer of this content type is not kept, or None when it is."""
        if not self.text_only or content_type is None:
            return None
        if content_type.startswith("text/") or content_type in TEXT_TYPES or content_type.endswith(("+xml", "+json")):
            return None
        return f"not HTML or text (content type {content_type})"


PAGE = Kind("page", text_only=True)
SITEMAP = Kind("sitemap", text_only=False)
ROBOTS = Kind("robots.txt", text_only=False, max_bytes=ROBOTS_MAX_BYTES, truncate=True)
