"""Markdown files (.md, .markdown): one section per heading, with the heading path; front matter stripped.

Headings are found by a CommonMark parser (markdown-it-py), so ATX (`## Title`) and setext
(`Title` over `===`) headings count and a `#` inside a fenced code block does not. The section text
is the Markdown source under the heading, opened by the heading as an ATX line. Also used for the
Markdown that the HTML extractor produces.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import Document, Section
from .outline import Outline
from .text import read_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_PARSER = MarkdownIt("commonmark")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"[*_`]+")


def extract_markdown(path: Path) -> Document:
    """Sections of the Markdown file at `path`; `title` from the front matter's `title`."""
    text, encoding = read_text(path)
    front, body = split_front_matter(text)
    title = " ".join(str(front.get("title") or "").split())
    return Document(markdown_sections(body), title=title or None, meta={"encoding": encoding})


def split_front_matter(text: str) -> tuple[dict, str]:
    """(front matter as a mapping, the rest): a leading `---` YAML block that parses to a mapping, else ({}, text)."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(front, dict):
        return {}, text
    return front, match.string[match.end() :]


def markdown_sections(text: str) -> list[Section]:
    """The sections of Markdown `text`: what precedes the first heading, then one per heading."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # the parser's line numbers count \n only
    lines, tokens = text.split("\n"), _PARSER.parse(text)
    outline, at = Outline(), 0
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or token.map is None:
            continue
        start, end = token.map
        outline.block("\n".join(lines[at:start]))
        inline = tokens[index + 1]
        title, level = _plain(inline), int(token.tag[1])
        if title:
            outline.heading(level, title, line=f"{'#' * level} {' '.join(inline.content.split())}")
        else:
            outline.block("\n".join(lines[start:end]))
        at = end
    outline.block("\n".join(lines[at:]))
    return outline.sections()


def atx_sections(text: str) -> list[Section]:
    """`markdown_sections` for Markdown whose headings are all ATX lines (`## Title`), such as trafilatura's.

    A line scan instead of a CommonMark parse (which costs as much as trafilatura's own extraction);
    `#` lines inside fenced code blocks are still not headings.
    """
    outline, block, fence = Outline(), [], None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)[0] * 3
        elif fence is not None and line.lstrip().startswith(fence):
            fence = None
        heading = _ATX.match(line) if fence is None else None
        title = _inline_plain(heading.group(2)) if heading else ""
        if not title:
            block.append(line)
            continue
        outline.block("\n".join(block))
        block, level = [], len(heading.group(1))
        outline.heading(level, title, line=f"{'#' * level} {' '.join(heading.group(2).split())}")
    outline.block("\n".join(block))
    return outline.sections()


def _inline_plain(text: str) -> str:
    """Heading text without emphasis, code and link markup: `**A** [b](u)` -> `A b`."""
    text = _LINK.sub(r"\1", text)
    return " ".join(_EMPHASIS.sub("", text).split())


def _plain(inline: Token) -> str:
    """The text of a heading without Markdown markup (emphasis, code spans and links reduced to their text)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())
