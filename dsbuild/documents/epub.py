"""EPUB books with ebooklib: one section per chapter, in spine (reading) order, titled by the book's TOC.

Chapter XHTML becomes text with lxml rather than trafilatura: a boilerplate remover would drop
short chapters (a preface, a poem), and a book has no navigation or ads to remove. Block elements
become paragraphs, `<br>` a line break, and a line wrap in the source between CJK characters vanishes.
A spine file with neither a TOC entry nor a heading continues the chapter before it: books often
split one long chapter over several files.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import lxml.html
from ebooklib import ITEM_DOCUMENT, epub

from .failures import reason
from .model import Document, ExtractionError
from .outline import Outline
from .tidy import CJK_CHARS, CJK_PUNCTUATION

BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hr li main ol p pre section table td th tr ul".split()
)
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
DROP_TAGS = ("head", "script", "style", "template")
_PARAGRAPH, _LINE = "\ue000", "\ue001"  # private-use placeholders that survive whitespace folding
_CJK = f"[{CJK_CHARS}{CJK_PUNCTUATION}]"
_CJK_WRAP = re.compile(f"(?<={_CJK})[ \t]*\n\\s*(?={_CJK})")


def extract_epub(path: Path) -> Document:
    """One section per chapter of the EPUB at `path`; `title` from its Dublin Core metadata."""
    with warnings.catch_warnings():  # ebooklib warns about its own future defaults on every read
        warnings.simplefilter("ignore")
        try:
            book = epub.read_epub(str(path))
        except (epub.EpubException, zipfile.BadZipFile, KeyError) as exc:
            raise ExtractionError(
                f"not a valid EPUB ({reason(exc)}); re-export it or remove it from source.path"
            ) from None
    toc = _toc_titles(book.toc)
    outline = Outline()
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        title, paragraphs = _chapter(item.get_content(), toc.get(item.get_name()))
        if title:
            outline.heading(1, title)
        for paragraph in paragraphs:
            outline.block(paragraph)
    titles = book.get_metadata("DC", "title")
    title = " ".join(str(titles[0][0]).split()) if titles else ""
    return Document(outline.sections(), title=title or None)


def _toc_titles(entry) -> dict[str, str]:
    """Chapter file name -> its title in the table of contents (the first entry for a file wins).

    ebooklib gives the TOC as a list of links and (section, children) pairs, or as one bare link.
    """
    if isinstance(entry, (list, tuple)):
        titles: dict[str, str] = {}
        for child in entry:
            for name, title in _toc_titles(child).items():
                titles.setdefault(name, title)
        return titles
    href, title = getattr(entry, "href", None), getattr(entry, "title", None)
    return {href.split("#", 1)[0]: " ".join(title.split())} if href and title else {}


def _chapter(content: bytes, toc_title: str | None) -> tuple[str | None, list[str]]:
    """(chapter title, its paragraphs): the title from the TOC, else the chapter's first heading."""
    root = lxml.html.fromstring(content) if content.strip() else None
    if root is None:
        return toc_title, []
    for element in root.xpath(" | ".join(f"//{tag}" for tag in DROP_TAGS)):
        element.drop_tree()
    first_heading = next((h for h in root.iter(*HEADING_TAGS) if h.text_content().strip()), None)
    heading_text = " ".join(first_heading.text_content().split()) if first_heading is not None else None
    paragraphs = _paragraphs(root)
    title = toc_title or heading_text
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return title, paragraphs


def _paragraphs(root) -> list[str]:
    """The text of `root`, one string per block element, `<br>` kept as a line break."""
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if element.tag in BLOCK_TAGS:
            element.text = _PARAGRAPH + (element.text or "")
            element.tail = _PARAGRAPH + (element.tail or "")
        elif element.tag == "br":
            element.tail = _LINE + (element.tail or "")
    text = _CJK_WRAP.sub("", root.text_content())
    text = " ".join(text.split())
    text = re.sub(f" ?{_LINE} ?", "\n", text)
    return [part.strip() for part in re.split(f" ?{_PARAGRAPH}[ {_PARAGRAPH}]*", text) if part.strip()]
