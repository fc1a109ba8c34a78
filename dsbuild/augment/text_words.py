"""Words of a text for the text transforms: language by script, tokens that join back losslessly.

Chinese is segmented with jieba (dictionary words added, so a multi-character term such as 心肌梗死 stays
one token); any other text is split into words, runs of spaces and single punctuation marks. Joining
the tokens gives the text back exactly, so a transform edits words and leaves spacing and punctuation
alone. jieba gets a private tokenizer per word list (the global `jieba.dt` is never touched, so another
dictionary loaded in the same process cannot change a segmentation), its log is silenced and its cache
file lives in the user's cache folder, never in the working directory.
"""

from __future__ import annotations

import logging
import os
import random
import re
import tempfile
from functools import cache, lru_cache
from pathlib import Path

from ..errors import UserError

LANGUAGES = ("auto", "zh", "en")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\s+|.", re.DOTALL)
_ALNUM = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"\d")
_LATIN_WORD = re.compile(r"[^\W\d_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def is_cjk(text: str) -> bool:
    """True when `text` holds a Han character."""
    return _CJK.search(text) is not None


def language_of(text: str) -> str:
    """"zh" when Han characters outnumber Latin words (each Han character counts as one word), else "en"."""
    han = len(_CJK.findall(text))
    latin = sum(1 for w in _LATIN_WORD.findall(text) if not is_cjk(w))
    return "zh" if han > latin else "en"


def resolve_language(language: str, text: str) -> str:
    """The language to segment `text` as: the configured one, or by script when it is "auto"."""
    return language_of(text) if language == "auto" else language


def check_language(language: str, owner: str) -> str:
    if language not in LANGUAGES:
        raise UserError(f"{owner}.language {language!r} is not one of {', '.join(LANGUAGES)}")
    return language


def check_share(value: float, owner: str, key: str = "rate") -> float:
    """`value` (a rate or a probability) as a float in [0, 1], or a UserError naming the transform and key."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise UserError(f"{owner}.{key} must be a number between 0 and 1, not {value!r}")
    return share


def how_many(rate: float, units: int) -> int:
    """Units to change: `rate` of them rounded, at least one when rate > 0 (EDA's n = max(1, rate * len))."""
    if rate <= 0 or units <= 0:
        return 0
    return max(1, round(rate * units))


def tokenize(text: str, language: str, words: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Tokens of `text` ("".join(tokens) == text): jieba's for "zh" (knowing `words`), else words,
    whitespace runs and single other characters."""
    return _tokens(text, language, words)


def is_word(token: str) -> bool:
    """A token made of letters, Han characters or digits (not spacing or punctuation)."""
    return _ALNUM.search(token) is not None


def has_digit(token: str) -> bool:
    return _DIGIT.search(token) is not None


@lru_cache(maxsize=8192)  # the copies of one row start from the same text: segmented once
def _tokens(text: str, language: str, words: tuple[str, ...]) -> tuple[str, ...]:
    if language == "zh":
        return tuple(jieba_tokenizer(words).cut(text))
    return tuple(_WORD.findall(text))


class TextTransform:
    """Base of a text transform: rewrites one text with the copy's random generator.

    `edit(text, rng)` returns the new text and the sampled parameters (recorded in the copy's `applied`
    when the text changed). `p` is the chance that it runs on a field of a copy at all (as in
    albumentations), drawn from the same generator. A `batched` transform implements `run` over a whole
    column instead.
    """

    batched = False
    p = 1.0
    uses_llm = False  # True: `run` needs the build's LLM settings

    def edit(self, text: str, rng: random.Random) -> tuple[str, dict]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Load what `edit` needs (jieba's dictionary) before worker processes are forked from this one."""

    def fingerprint(self) -> list[dict]:
        """Files the transform reads, `{"path", "sha256"}` each (they go into the version id)."""
        return []


def cache_dir() -> Path:
    """Where jieba keeps its prefix-dictionary cache: $XDG_CACHE_HOME/dsbuild/jieba (~/.cache/...), or the
    system temp folder when that cannot be created."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dsbuild" / "jieba"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(tempfile.gettempdir())
    return base


@cache
def _base_tokenizer():
    import jieba

    logging.getLogger("jieba").setLevel(logging.ERROR)  # no "Building prefix dict..." lines on stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir())
    tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=8)
def jieba_tokenizer(words: tuple[str, ...] = ()):
    """A private jieba tokenizer that knows `words` (sorted, so the same list gives the same frequencies);
    built from a copy of the default dictionary instead of loading it again."""
    base = _base_tokenizer()
    if not words:
        return base
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = base.tmp_dir
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(base.FREQ), base.total, True
    for word in words:
        tokenizer.add_word(word)
    return tokenizer
