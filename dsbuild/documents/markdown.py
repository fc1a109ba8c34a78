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


def _plain(inline: Token) -> str:
    """The text of a heading without Markdown markup (emphasis, code spans and links reduced to their text)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())
