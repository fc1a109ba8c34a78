"""Chinese text steps: script conversion with OpenCC, and Chinese punctuation in Chinese text.

`ChineseConvert` runs an OpenCC configuration (`t2s`: traditional to simplified, `s2twp`:
simplified to Taiwan usage with phrases, …) with the dictionaries bundled in the `opencc` wheel,
on the rows that hold non-ASCII text only. `HalfwidthToFullwidth` is the counterpart of
`normalize.FullwidthToHalfwidth` for Chinese: it turns ASCII punctuation written next to Chinese
characters into the full-width marks Chinese uses ("头痛,怎么办?" -> "头痛，怎么办？") and leaves
English, numbers (3.5, 1,000, 10:30), file names and URLs alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

import opencc
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..textops import as_large_string
from .base import Transform, Verdicts, as_list

CONFIGS = sorted(name.removesuffix(".json") for name in opencc.CONFIGS)


class ChineseConvert(Transform):
    """Convert Chinese script with an OpenCC `config` (t2s, s2t, tw2sp, hk2s, s2twp, s2hk, t2tw, …)."""

    def __init__(self, config: str = "t2s", fields: str | Sequence[str] | None = None):
        config = str(config).removesuffix(".json")
        if config not in CONFIGS:
            raise UserError(
                f"ChineseConvert.config {config!r} is not an OpenCC config; use one of {', '.join(CONFIGS)}"
            )
        self.config, self.fields = config, as_list(fields)

    def run(self, table: pa.Table) -> Verdicts:
        convert = _converter(self.config).convert
        for name in self.resolve_fields(table):
            column = as_large_string(table.column(name))
            table = _rewrite_rows(table, name, column, pc.invert(pc.string_is_ascii(column)), convert)
        return Verdicts(table)


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _rewrite_rows(
    table: pa.Table, name: str, column: pa.LargeStringArray, selected: pa.BooleanArray, rewrite: Callable[[str], str]
) -> pa.Table:
    """`table` with `rewrite` applied to the selected rows of column `name` (the others are not touched)."""
    selected = pc.fill_null(selected, False)
    if not pc.any(selected).as_py():
        return table
    rewritten = pa.array([rewrite(v) for v in column.filter(selected).to_pylist()], pa.large_string())
    return table.set_column(table.schema.get_field_index(name), name, pc.replace_with_mask(column, selected, rewritten))


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE2 = r"\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}"
_FULLWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。", "(": "（", ")": "）"}


class HalfwidthToFullwidth(Transform):
    """ASCII punctuation next to Chinese characters -> Chinese full-width punctuation.

    `, ; : ? !` become full-width when a Chinese character stands right before or after them
    (spaces between are dropped); `.` becomes 。 after a Chinese character unless a letter, digit or
    another dot follows ("文件.txt", "等等..."); `( )` become （ ） when the text inside or the
    character before is Chinese. `marks` narrows which marks are touched.
    """

    def __init__(self, fields: str | Sequence[str] | None = None, marks: str = ",;:?!.()"):
        unknown = sorted(set(marks) - set(_FULLWIDTH))
        if unknown:
            raise UserError(
                f"HalfwidthToFullwidth.marks: {unknown[0]!r} has no Chinese form here; "
                f"use some of {''.join(_FULLWIDTH)}"
            )
        self.fields, self.marks = as_list(fields), marks
        self._rewrite = _punctuation_rewriter(marks)
        escaped = re.escape(marks)
        self._trigger = f"[{_HAN_RE2}][ \\t]*[{escaped}]|[{escaped}][ \\t]*[{_HAN_RE2}]" if marks else ""

    def run(self, table: pa.Table) -> Verdicts:
        if not self._trigger:
            return Verdicts(table)
        for name in self.resolve_fields(table):
            column = as_large_string(table.column(name))
            table = _rewrite_rows(table, name, column, pc.match_substring_regex(column, self._trigger), self._rewrite)
        return Verdicts(table)


def _punctuation_rewriter(marks: str):
    """A function that applies the rules of HalfwidthToFullwidth for `marks` to one string."""
    rules: list[tuple[re.Pattern, str | Callable[[re.Match], str]]] = []
    inline = re.escape("".join(m for m in marks if m in ",;:?!"))
    if inline:
        rules.append((re.compile(f"(?<=[{_HAN}])[ \\t]*([{inline}])[ \\t]*"), lambda m: _FULLWIDTH[m.group(1)]))
        rules.append((re.compile(f"[ \\t]*([{inline}])[ \\t]*(?=[{_HAN}])"), lambda m: _FULLWIDTH[m.group(1)]))
    if "." in marks:
        rules.append((re.compile(f"(?<=[{_HAN}])[ \\t]*\\.(?![.A-Za-z0-9])[ \\t]*"), "。"))
    if "(" in marks and ")" in marks:
        rules.append((re.compile(r"(?:(?<=([^\n]))|^)([ \t]*)\(([^()\n]*)\)", re.MULTILINE), _parenthesis))

    def rewrite(text: str) -> str:
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    return rewrite


_HAN_CHAR = re.compile(f"[{_HAN}]")


def _parenthesis(match: re.Match) -> str:
    """（…） when the text inside or the character before is Chinese (its spaces before then go too)."""
    before, spaces, inside = match.group(1) or "", match.group(2), match.group(3)
    if _HAN_CHAR.match(before):
        return f"（{inside}）"
    if _HAN_CHAR.search(inside):
        return f"{spaces}（{inside}）"
    return match.group(0)

