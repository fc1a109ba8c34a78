"""Transforms that give text one format: Unicode normalization, full-width folding, HTML stripping.

`NormalizeText` runs in Arrow compute kernels (fast enough for millions of rows). NFKC folds
full-width letters and digits ("ＢＰ ３８℃" -> "BP 38°C") but would also turn Chinese punctuation
"，：？" into ASCII; `keep_fullwidth_punctuation` (default) protects it, because Chinese text is
written with it. Use `FullwidthToHalfwidth` when you do want ASCII punctuation everywhere.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from html.parser import HTMLParser

import pyarrow as pa
import pyarrow.compute as pc

from ..textops import in_batches, nfkc, normalize_keeping_fullwidth_punctuation, replace_where, space_class
from .base import Transform, Verdicts, as_list

_WHITESPACE_FIXES = [(f"[{space_class(chr(10))}]+", " "), (r" ?\n ?", "\n"), (r"\n{3,}", "\n\n")]
_NEEDS_WHITESPACE_FIX = f"[{space_class(' ' + chr(10))}]|  | \n|\n |\n\n\n"


class NormalizeText(Transform):
    """Unicode-normalize text fields and tidy whitespace.

    `form`: NFC, NFKC (default), NFD, NFKD or null to skip. Whitespace: runs of spaces/tabs become one
    space, spaces around line breaks go, 3+ line breaks become 2, ends are trimmed.
    """

    def __init__(
        self,
        fields: str | Sequence[str] | None = None,
        form: str | None = "NFKC",
        keep_fullwidth_punctuation: bool = True,
        whitespace: bool = True,
    ):
        self.fields = as_list(fields)
        self.form, self.keep_punct, self.whitespace = form, keep_fullwidth_punctuation, whitespace

    def run(self, table: pa.Table) -> Verdicts:
        for name in self.resolve_fields(table):
            idx = table.schema.get_field_index(name)
            table = table.set_column(idx, name, in_batches(self.normalize, table.column(name)))
        return Verdicts(table)

    def normalize(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        text = column
        if self.form:
            if self.keep_punct and self.form.startswith("NFK"):
                text = normalize_keeping_fullwidth_punctuation(text, self.form)
            elif self.form == "NFKC":
                text = nfkc(text)
            else:
                text = pc.utf8_normalize(text, self.form)
        if self.whitespace:
            text = replace_where(text, _NEEDS_WHITESPACE_FIX, _WHITESPACE_FIXES)
            text = pc.utf8_trim_whitespace(text)
        return text


_HALFWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})


class FullwidthToHalfwidth(Transform):
    """Fold full-width ASCII forms (letters, digits, punctuation, ideographic space) to half-width."""

    def __init__(self, fields: str | Sequence[str] | None = None):
        self.fields = as_list(fields)

    def fix(self, value: str) -> str:
        return value.translate(_HALFWIDTH)


class StripHtml(Transform):
    """Remove HTML tags (block tags become line breaks), drop script/style, unescape entities.

    Uses an HTML parser, not a tag regex, so plain text like "BP < 140 and > 90" is left alone.
    """

    def __init__(self, fields: str | Sequence[str] | None = None):
        self.fields = as_list(fields)

    def fix(self, value: str) -> str:
        if "<" not in value and "&" not in value:
            return value
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        return parser.text()


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
    _SKIP = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        joined = html.unescape("".join(self.parts)).replace("\xa0", " ")
        lines = [" ".join(line.split()) for line in joined.split("\n")]
        out, blank = [], False
        for line in lines:
            if line:
                out.append(line)
                blank = False
            elif out and not blank:
                out.append("")
                blank = True
        return "\n".join(out).strip()
