"""Turning a span of text into passages: split it until every piece fits, pack pieces greedily, merge tiny ones.

The chunking strategies differ only in which spans they hand in and which splitters they try first;
this module does the work they share, on `(start, end)` offsets so no text is copied or lost.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .sentences import Span, clauses, lines, paragraphs, sentences, words
from .tokens import CharSizer, TokenSizer

Splitter = Callable[[str, int, int], list[Span]]

RECURSIVE_SPLITTERS: tuple[Splitter, ...] = (paragraphs, lines, sentences, clauses, words)
SENTENCE_SPLITTERS: tuple[Splitter, ...] = (sentences, clauses, words)


class Piece(NamedTuple):
    """A passage being built: its span, the section it starts in, and whether it holds whole sections only."""

    start: int
    end: int
    first_section: int = 0
    whole: bool = False


class Packer:
    """Splitting and packing under one size limit, for one text."""

    def __init__(self, text: str, sizer: CharSizer | TokenSizer, max_size: int, min_size: int, overlap: int):
        self.text, self.sizer = text, sizer
        self.max_size, self.min_size, self.overlap = max_size, min_size, overlap

    def size(self, start: int, end: int) -> int:
        return self.sizer.size(self.text, start, end)

    def fit(self, span: Span, splitters: Sequence[Splitter]) -> list[Span]:
        """Pieces of `span` that each fit max_size: split with the first splitter that cuts it, recursively."""
        if self.size(*span) <= self.max_size:
            return [span]
        for i, split in enumerate(splitters):
            pieces = split(self.text, *span)
            if len(pieces) > 1:
                return self._fit_each(pieces, splitters[i + 1 :])
        return self._split_characters(span)

    def _fit_each(self, pieces: list[Span], splitters: Sequence[Splitter]) -> list[Span]:
        text, size, limit = self.text, self.sizer.size, self.max_size
        fitted: list[Span] = []
        for start, end in pieces:
            if size(text, start, end) <= limit:
                fitted.append((start, end))
            else:
                fitted.extend(self.fit((start, end), splitters))
        return fitted

    def _split_characters(self, span: Span) -> list[Span]:
        """A run with nowhere better to cut, in windows of at most max_size (one character when that is too big)."""
        start, end = span
        if isinstance(self.sizer, CharSizer):
            return [(at, min(at + self.max_size, end)) for at in range(start, end, self.max_size)]
        pieces = []
        while start < end:
            low, high = start + 1, end  # the longest prefix that fits, by bisection; at least one character
            while low < high:
                middle = (low + high + 1) // 2
                if self.size(start, middle) <= self.max_size:
                    low = middle
                else:
                    high = middle - 1
            pieces.append((start, low))
            start = low
        return pieces

    def pack(self, pieces: Sequence[Span]) -> list[Span]:
        """Adjacent pieces joined greedily up to max_size; each passage after the first may open with `overlap`."""
        chunks: list[Span] = []
        ends = [end for _, end in pieces]
        i, count = 0, len(pieces)
        start = pieces[0][0] if pieces else 0
        while i < count:
            if self.sizer.exact:  # characters: the last piece that fits, by bisection
                j = max(i + 1, bisect_right(ends, start + self.max_size, i))
            else:
                j = self._grow_by_tokens(pieces, i, start)
            end = ends[j - 1]
            chunks.append((start, end))
            i = j
            if i < count:
                carried = self._overlap_start((start, end), ends[i])
                start = pieces[i][0] if carried is None else carried
        return chunks

    def _grow_by_tokens(self, pieces: Sequence[Span], i: int, start: int) -> int:
        """One past the last piece a passage from `start` (through piece i at least) can take."""
        end = pieces[i][1]
        size = self.size(start, end)
        j = i + 1
        while j < len(pieces):
            grown = self.sizer.grow(self.text, start, end, pieces[j][1], size)
            if grown > self.max_size:
                break
            end, size, j = pieces[j][1], grown, j + 1
        while j - 1 > i and self.size(start, pieces[j - 1][1]) > self.max_size:
            j -= 1  # the estimate was low: give back pieces until the real count fits
        return j

    def _overlap_start(self, previous: Span, next_end: int) -> int | None:
        """The earliest sentence start inside `previous` whose tail is at most `overlap` and fits before next_end."""
        if not self.overlap:
            return None
        chars = isinstance(self.sizer, CharSizer)
        scan_from = max(previous[0], previous[1] - self.overlap - 1) if chars else previous[0]
        # the first piece may start mid-sentence; every later one starts a sentence after previous[0]
        starts = [start for start, _ in sentences(self.text, scan_from, previous[1])[1:]]
        if chars:
            lowest = max(previous[1] - self.overlap, next_end - self.max_size)
            at = bisect_left(starts, lowest)
            return starts[at] if at < len(starts) else None
        best = None
        for start in reversed(starts):
            if self.size(start, previous[1]) > self.overlap:
                break
            if self.size(start, next_end) <= self.max_size:
                best = start
        return best

    def merge_small(self, pieces: list[Piece], joinable: Callable[[Piece, Piece], bool]) -> list[Piece]:
        """Passages under min_size joined to the next one, else to the previous one, when the result fits max_size.

        `joinable(small, neighbour)` says whether a small passage may join that neighbour at all.
        """
        forward: list[Piece] = []
        for piece in pieces:
            if forward and self._small(forward[-1]) and joinable(forward[-1], piece) and self._fits(forward[-1], piece):
                forward[-1] = _joined(forward[-1], piece)
            else:
                forward.append(piece)
        merged: list[Piece] = []
        for piece in forward:
            if merged and self._small(piece) and joinable(piece, merged[-1]) and self._fits(merged[-1], piece):
                merged[-1] = _joined(merged[-1], piece)
            else:
                merged.append(piece)
        return merged

    def _small(self, piece: Piece) -> bool:
        return self.size(piece.start, piece.end) < self.min_size

    def _fits(self, first: Piece, second: Piece) -> bool:
        return self.size(first.start, second.end) <= self.max_size


def _joined(first: Piece, second: Piece) -> Piece:
    return Piece(first.start, second.end, first.first_section, first.whole and second.whole)
