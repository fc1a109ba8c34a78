"""Where Chinese and English text may be cut: paragraphs, lines, sentences, clauses and words, as spans.

Chunking packs these pieces, so a passage ends at a sentence end unless one sentence alone is too long.
Every splitter takes a span of `text` (by default all of it) and returns the pieces inside it as
`(start, end)` offsets, in order, trimmed of whitespace, covering every non-whitespace character once.

Scanning a whole text with a Python regex costs tens of nanoseconds a character, so each splitter
finds the few characters that can open a cut (a full stop, a line break) with one numpy lookup over
the span's code points and runs its regex only there, anchored.
"""

from __future__ import annotations

import re

import numpy as np

Span = tuple[int, int]

_CLOSERS = re.escape("\"'”’」』）)》〉】]")  # closing quotes and brackets stay with their sentence
_CJK = "\u3400-\u9fff\uf900-\ufaff"
# A single dot ends no sentence after an initial (J.), a dotted abbreviation (e.g, U.S), a listed
# abbreviation, "No" before a number, or before a lower-case word. Lookbehinds need one width each.
_NOT_AFTER = "".join(
    rf"(?<!\b(?i:{'|'.join(words)}))"
    for words in (
        ["dr", "mr", "ms", "st", "jr", "sr", "vs", "al", "cf", "eq", "pp", "ca", "co"],
        ["mrs", "fig", "etc", "ref", "vol", "inc", "ltd"],
        ["prof", "figs"],
        ["approx"],
    )
)
_SINGLE_DOT = (
    rf"(?<!\b[A-Z])(?<![A-Za-z]\.[A-Za-z]){_NOT_AFTER}\.[{_CLOSERS}]*(?=\s|\Z)"
    r"(?!\s+[a-z])(?!(?<=\b[Nn]o\.)\s+\d)(?!(?<=\b[Nn]os\.)\s+\d)"
)
_WHITESPACE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


class _Splitter:
    """Cuts where `pattern` matches at one of `triggers`; group 1 is the whitespace the cut drops."""

    def __init__(self, triggers: str, pattern: str):
        self.table = np.zeros(0x10000, dtype=bool)  # code points above the BMP are never triggers
        self.table[[ord(c) for c in triggers]] = True
        self.pattern = re.compile(pattern)

    def __call__(self, text: str, start: int = 0, end: int | None = None) -> list[Span]:
        end = len(text) if end is None else end
        codes = np.frombuffer(text[start:end].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        hits = np.flatnonzero(self.table[np.minimum(codes, 0xFFFF)]) + start
        spans, at = [], start
        while at < end and text[at].isspace():
            at += 1
        for position in hits.tolist():
            if position < at:
                continue  # inside the previous cut ("……", a run of line breaks)
            m = self.pattern.match(text, position, end)
            if m is None:
                continue
            piece_end = m.start(1)
            while piece_end > at and text[piece_end - 1].isspace():
                piece_end -= 1
            if piece_end > at:
                spans.append((at, piece_end))
            at = m.end()
        last = trimmed(text, at, end)
        if last is not None:
            spans.append(last)
        return spans


# Sentences end after 。！？；……, after . ! ? and whitespace (not e.g. / Dr. / 3.5), and at blank lines.
sentences = _Splitter(
    "。！？；….!?\n",
    rf"(?:(?:[。！？；]|……)[。！？；!?…]*[{_CLOSERS}]*"  # Chinese: ends a sentence wherever it stands
    rf"|[!?][!?…]*[{_CLOSERS}]*(?=[{_CJK}])"  # half-width ! ? straight before Chinese text
    rf"|(?:[!?…][.!?…]*|\.[.!?…]+)[{_CLOSERS}]*(?=\s|\Z)"  # English: ! ? ... then whitespace
    rf"|{_SINGLE_DOT}"
    r"|(?=\n[^\S\n]*\n)"  # a blank line
    r")(\s*)",
)
# Clauses end after ，、： anywhere and after , ; : followed by whitespace.
clauses = _Splitter("，、：,;:", rf"(?:[，、：]|[,;:](?=\s))[{_CLOSERS}]*(\s*)")
paragraphs = _Splitter("\n", r"(\n[^\S\n]*\n\s*)")
lines = _Splitter("\n", r"(\n\s*)")
words = _Splitter(_WHITESPACE_CHARS, r"(\s+)")


def trimmed(text: str, start: int, end: int) -> Span | None:
    """text[start:end] without its leading and trailing whitespace, or None when nothing else is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
