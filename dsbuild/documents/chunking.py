"""Cutting an extracted document into passages (`source.chunking`) that fit a size, at sentence ends.

Passages are what an LLM reads to write questions, so each should be whole sentences, about one
topic, and small enough for its prompt. Every chunk keeps its character offsets into `doc.text`
(`doc.text[start:end] == text`), its pages and its heading path, so a row can be traced to its place.

Strategies:
- `headings`: one passage per section; a big section is split like `recursive`, a section under
  `min_size` joins the next section under the same parent (or the previous one) when both fit.
  Otherwise a passage never spans two sections.
- `recursive`: split at blank lines, then lines, sentence ends, clauses, spaces and characters until
  every piece fits, then pack adjacent pieces greedily up to `max_size`.
- `fixed`: pack whole sentences greedily up to `max_size`, wherever paragraphs and sections break.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, fields

from ..errors import UserError
from .model import Document
from .packing import RECURSIVE_SPLITTERS, SENTENCE_SPLITTERS, Packer, Piece
from .sentences import trimmed
from .tokens import sizer_for

KEY = "source.chunking"
STRATEGIES = ("headings", "recursive", "fixed")
UNITS = ("chars", "tokens")


@dataclass(frozen=True)
class ChunkingConfig:
    """How to cut documents; sizes count `unit`s (characters, or tokens of `tokenizer`)."""

    strategy: str = "recursive"
    unit: str = "chars"
    max_size: int = 1000
    min_size: int = 100
    overlap: int = 0
    tokenizer: str = "cl100k_base"

    def __post_init__(self):
        _check_choice("strategy", self.strategy, STRATEGIES)
        _check_choice("unit", self.unit, UNITS)
        _check_count("max_size", self.max_size, lowest=1)
        _check_count("min_size", self.min_size, lowest=0)
        _check_count("overlap", self.overlap, lowest=0)
        if self.min_size > self.max_size:
            raise UserError(f"{KEY}.min_size ({self.min_size}) must not exceed max_size ({self.max_size}); lower it")
        if self.overlap >= self.max_size:
            raise UserError(f"{KEY}.overlap ({self.overlap}) must be smaller than max_size ({self.max_size}); lower it")
        if not isinstance(self.tokenizer, str) or not self.tokenizer:
            raise UserError(f"{KEY}.tokenizer must be a tiktoken encoding name or the path of a tokenizer.json")
        if self.unit == "tokens":
            sizer_for(self.unit, self.tokenizer)  # a missing or unknown tokenizer fails now, not mid-build

    @classmethod
    def from_mapping(cls, mapping: Mapping | None) -> ChunkingConfig:
        """The config from the `source.chunking` mapping (a dict or DictConfig); missing keys take defaults."""
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise UserError(f"{KEY} must be a mapping of options, e.g. {{strategy: recursive, max_size: 1000}}")
        known = [f.name for f in fields(cls)]
        values = dict(mapping.items())
        for key in values:
            if key not in known:
                raise UserError(f"{KEY}.{key} is not an option; use {', '.join(known)}")
        return cls(**{key: value for key, value in values.items() if value is not None})


def _check_choice(key: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UserError(f"{KEY}.{key} is {value!r}; use one of {', '.join(choices)}")


def _check_count(key: str, value, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise UserError(f"{KEY}.{key} is {value!r}; set a whole number of at least {lowest}")


@dataclass(frozen=True)
class Chunk:
    """One passage: `text == doc.text[start:end]`, the pages (first, last) it covers, the headings it starts under."""

    text: str
    start: int
    end: int
    index: int
    pages: tuple[int, int] | None
    headings: tuple[str, ...]


def chunk_document(doc: Document, config: ChunkingConfig) -> list[Chunk]:
    """The passages of `doc`, in order; none for a document without text."""
    text = doc.text
    packer = Packer(text, sizer_for(config.unit, config.tokenizer), config.max_size, config.min_size, config.overlap)
    starts = doc.section_starts()
    if config.strategy == "headings":
        pieces = _by_headings(doc, packer, starts)
    else:
        span = trimmed(text, 0, len(text))
        splitters = RECURSIVE_SPLITTERS if config.strategy == "recursive" else SENTENCE_SPLITTERS
        spans = packer.pack(packer.fit(span, splitters)) if span else []
        pieces = packer.merge_small([Piece(start, end) for start, end in spans], _always)
    return [_chunk(doc, text, starts, index, piece) for index, piece in enumerate(pieces)]


def _by_headings(doc: Document, packer: Packer, starts: list[int]) -> list[Piece]:
    pieces: list[Piece] = []
    for number, (section, start) in enumerate(zip(doc.sections, starts)):
        span = trimmed(packer.text, start, start + len(section.text))
        if span is None:
            continue
        spans = packer.pack(packer.fit(span, RECURSIVE_SPLITTERS))
        own = packer.merge_small([Piece(s, e, number) for s, e in spans], _always)
        if len(own) == 1:
            own = [own[0]._replace(whole=True)]
        pieces.extend(own)

    def joinable(small: Piece, neighbour: Piece) -> bool:
        earlier, later = sorted((small.first_section, neighbour.first_section))
        return small.whole and _same_parent(doc.sections[earlier].headings, doc.sections[later].headings)

    return packer.merge_small(pieces, joinable)


def _always(small: Piece, neighbour: Piece) -> bool:
    return True


def _same_parent(earlier: tuple[str, ...], later: tuple[str, ...]) -> bool:
    """`later` sits under the parent heading of `earlier` (top-level sections share the document as parent)."""
    parent = earlier[:-1]
    return later[: len(parent)] == parent


def _chunk(doc: Document, text: str, starts: list[int], index: int, piece: Piece) -> Chunk:
    first = bisect_right(starts, piece.start) - 1
    last = bisect_right(starts, piece.end - 1) - 1
    pages = [section.page for section in doc.sections[first : last + 1] if section.page is not None]
    return Chunk(
        text=text[piece.start : piece.end],
        start=piece.start,
        end=piece.end,
        index=index,
        pages=(min(pages), max(pages)) if pages else None,
        headings=doc.sections[first].headings,
    )
