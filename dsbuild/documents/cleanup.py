"""Cleanup of paged text (PDF pages): running headers and footers, page numbers, hyphenation, hard wraps.

Text pulled from a PDF keeps the page's layout: every page repeats the book title and a page
number, words are split across lines with a hyphen, and each printed line ends with a line break.
Left in, these cut sentences in half and repeat the same header in thousands of training passages.
Each step is a pure function from page texts to page texts; `clean_pages` runs them in order.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from math import ceil

from .tidy import CJK_CHARS, CJK_PUNCTUATION, tidy

EDGE_LINES = 2  # lines at the top and at the bottom of a page where headers, footers and page numbers sit
MIN_REPEATS = 3  # a header or footer must repeat on at least this many pages (and on half of them)
SHORT_LINE = 0.75  # a line this much narrower than the page's typical line can end a paragraph

_DASHES = r"[-\u2010-\u2015\u2212]"
_ROMAN = rf"(?=[ivxlcdm]+\s*(?:{_DASHES}\s*)?$)m{{0,3}}(?:cm|cd|d?c{{0,3}})(?:xc|xl|l?x{{0,3}})(?:ix|iv|v?i{{0,3}})"
_ZH_NUMBER = r"[\d〇零一二三四五六七八九十百千]+"
_PAGE_NUMBER = re.compile(
    "|".join(
        [
            rf"{_DASHES}?\s*\d+\s*{_DASHES}?",  # 7, - 7 -
            r"(?:page|p\.|pg\.?)\s*\d+(?:\s*(?:of|/)\s*\d+)?",  # Page 7, Page 7 of 20, p. 7
            r"\d+\s*(?:/|of)\s*\d+",  # 7 / 20, 7 of 20
            rf"第\s*{_ZH_NUMBER}\s*页(?:\s*[,，/]?\s*共\s*{_ZH_NUMBER}\s*页)?",  # 第7页, 第 7 页 共 20 页
            rf"共\s*{_ZH_NUMBER}\s*页\s*[,，/]?\s*第\s*{_ZH_NUMBER}\s*页",  # 共 20 页 第 7 页
            rf"{_DASHES}?\s*{_ROMAN}\s*{_DASHES}?",  # iv, - XII -
        ]
    ),
    re.IGNORECASE,
)
# letter, hyphen, line break, then the rest of the word and the space or line break after it
_HYPHEN_BREAK = re.compile(r"([^\W\d_])-[ \t]*\n[ \t]*([^\W\d_]\S*)(?:[ \t]+|[ \t]*\n|$)")
_SENTENCE_END = re.compile(r"[.!?:。！？：…][\"'”’」』）)]*$")
_CJK = re.compile(f"[{CJK_CHARS}{CJK_PUNCTUATION}]")
_CJK_PUNCT = re.compile(f"[{CJK_PUNCTUATION}]")


# East Asian Wide and Fullwidth blocks (a regex scan instead of unicodedata per character: 10x faster)
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def clean_pages(pages: list[str]) -> list[str]:
    """All cleanup steps in order: headers/footers, page numbers, hyphenation, hard wraps, whitespace."""
    pages = [tidy(page) for page in pages]
    for step in (remove_running_lines, remove_page_numbers, join_hyphenated, reflow):
        pages = step(pages)
    return [tidy(page) for page in pages]


def remove_running_lines(pages: list[str]) -> list[str]:
    """Drop headers and footers: edge lines that recur (digits aside) on half the pages, and on at least 3."""
    edge_keys = [{_line_key(line) for line in _edge_lines(page)} for page in pages]
    counts = Counter(key for keys in edge_keys for key in keys)
    needed = max(MIN_REPEATS, ceil(len(pages) / 2))
    running = {key for key, n in counts.items() if n >= needed and key}
    return [_drop_edge_lines(page, lambda line: _line_key(line) in running) for page in pages]


def remove_page_numbers(pages: list[str]) -> list[str]:
    """Drop page-number lines ("7", "- 7 -", "Page 7 of 20", "7 / 20", "第 7 页 共 20 页", "xii") at page edges."""
    return [_drop_edge_lines(page, lambda line: _PAGE_NUMBER.fullmatch(line.strip()) is not None) for page in pages]


def join_hyphenated(pages: list[str]) -> list[str]:
    """Undo hyphenation at line ends: "treat-\\nment is" becomes "treatment\\nis" (a lowercase letter must follow).

    The rest of the word moves up to the line the word started on, so lines keep about their width
    for `reflow` to tell full lines from the short last lines of paragraphs.
    """
    return [_HYPHEN_BREAK.sub(_unhyphenate, page) for page in pages]


def reflow(pages: list[str]) -> list[str]:
    """Join the hard-wrapped lines of each paragraph; paragraphs end up separated by one blank line.

    A paragraph ends at a blank line, or after a line that ends a sentence and is much narrower than
    the page's typical line. Wrapped lines join without a space between CJK text, with one otherwise.
    """
    return [_reflow_page(page) for page in pages]


def _edge_lines(page: str) -> list[str]:
    lines = [line for line in page.split("\n") if line.strip()]
    if len(lines) <= 2 * EDGE_LINES:
        return lines
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:]


def _drop_edge_lines(page: str, drop) -> str:
    """`page` without the lines among its first and last `EDGE_LINES` non-blank lines for which `drop` holds."""
    lines = page.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edges = set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])
    return "\n".join(line for i, line in enumerate(lines) if i not in edges or not drop(line))


def _line_key(line: str) -> str:
    """What a header or footer line looks like on every page: digits as '#', whitespace folded."""
    return " ".join(re.sub(r"\d+", "#", line).split())


def _unhyphenate(match: re.Match) -> str:
    if not match.group(2)[0].islower():
        return match.group(0)
    line_break = "\n" if match.end() < len(match.string) else ""
    return f"{match.group(1)}{match.group(2)}{line_break}"


def _reflow_page(page: str) -> str:
    lines = [line.strip() for line in page.split("\n")]
    widths = [_width(line) for line in lines if line]
    typical = statistics.median(widths) if widths else 0
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            paragraphs.append(current)
            current = ""
            continue
        current = _join_wrapped(current, line) if current else line
        if _SENTENCE_END.search(line) and _width(line) < SHORT_LINE * typical:
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return "\n\n".join(p for p in paragraphs if p)


def _join_wrapped(before: str, after: str) -> str:
    last, first = before[-1], after[0]
    no_space = (_CJK.match(last) and _CJK.match(first)) or _CJK_PUNCT.match(last) or _CJK_PUNCT.match(first)
    return before + after if no_space else f"{before} {after}"


def _width(line: str) -> int:
    """Printed width of `line`: wide characters (CJK, kana, Hangul, full-width forms) count twice."""
    return len(line) if line.isascii() else len(line) + len(_WIDE.findall(line))
