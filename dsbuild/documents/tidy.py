"""Whitespace and Unicode tidying shared by every extractor, and the CJK character classes it needs.

Extracted text is NFC (so the same character always has the same code points), has no trailing
spaces and at most one blank line in a row: chunk sizes and offsets then mean the same for every format.
"""

from __future__ import annotations

import re
import unicodedata

# Han (with extensions and compatibility ideographs), kana, Hangul, bopomofo: scripts written without spaces.
CJK_CHARS = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
# CJK and full-width punctuation: 、。「」《》（）！，：；？ and the like.
CJK_PUNCTUATION = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"

_BLANK_RUN = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """`text` in NFC, line breaks as `\\n`, no trailing spaces, at most one blank line, no outer blank lines."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join([line.rstrip() for line in lines])  # no "\n" left in a line; a regex per line end is slower
    return (_BLANK_RUN.sub("\n\n", text) if "\n\n\n" in text else text).strip("\n")
