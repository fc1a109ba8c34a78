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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..textops import replace_where
from .base import Transform, Verdicts, as_list

_WHITESPACE_FIXES = [(r"[^\S\n]+", " "), (r" ?\n ?", "\n"), (r"\n{3,}", "\n\n")]

# Full-width punctuation blocks (U+FF01-FF0F, FF1A-FF20, FF3B-FF40, FF5B-FF65) plus U+3000-3003.
_FULLWIDTH_PUNCT = (
    [chr(c) for c in range(0xFF01, 0xFF10)] + [chr(c) for c in range(0xFF1A, 0xFF21)]
    + [chr(c) for c in range(0xFF3B, 0xFF41)] + [chr(c) for c in range(0xFF5B, 0xFF66)]
)
_PUNCT_RE = "[" + "".join(_FULLWIDTH_PUNCT).replace("\\", "\\\\").replace("]", "\\]").replace("[", "\\[") + "]"
_PROTECT = str.maketrans({ch: chr(0xE000 + i) for i, ch in enumerate(_FULLWIDTH_PUNCT)})
_RESTORE = str.maketrans({chr(0xE000 + i): ch for i, ch in enumerate(_FULLWIDTH_PUNCT)})


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
            table = table.set_column(idx, name, self.normalize(table.column(name)))
        return Verdicts(table)

    def normalize(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        text = column
        if self.form:
            if self.keep_punct and self.form.startswith("NFK"):
                text = _normalize_keeping_punct(text, self.form)
            else:
                text = pc.utf8_normalize(text, self.form)
        if self.whitespace:
            text = replace_where(text, r"[^\S\n ]|  | \n|\n |\n\n\n", _WHITESPACE_FIXES)
            text = pc.utf8_trim_whitespace(text)
        return text


def _normalize_keeping_punct(column: pa.ChunkedArray, form: str) -> pa.ChunkedArray:
    """NFK* normalization that leaves full-width punctuation as it is."""
    normalized = pc.utf8_normalize(column, form)
    has_punct = pc.fill_null(pc.match_substring_regex(column, _PUNCT_RE), False)
    rows = np.flatnonzero(has_punct.to_numpy(zero_copy_only=False))
    if len(rows) == 0:
        return normalized
    import unicodedata

    values = normalized.to_pylist()
    originals = column.take(pa.array(rows)).to_pylist()
    for i, original in zip(rows, originals):
        protected = original.translate(_PROTECT)
        values[i] = unicodedata.normalize(form, protected).translate(_RESTORE)
    return pa.chunked_array([pa.array(values, column.type)])


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
