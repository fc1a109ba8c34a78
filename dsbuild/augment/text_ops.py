"""EDA's word operations: random swap, random delete, random insert (Wei & Zou, 2019).

Each changes `rate` of a text's words, at least one when rate > 0, on a field of a copy with
probability `p` (default 1). Words are jieba tokens for Chinese
and space-separated words otherwise; punctuation and spacing stay where they are. Numbers and the word
after each (38.5 度, 2 片, 5 mg) are never moved, deleted or copied while `keep_digits` is on (the
default): a dose or a temperature must not change in medical text. Negations (不, 没有, 别, not,
never, don't, ...) are never moved or deleted either, so "不要停药" cannot become "要停药". Words
are moved as they are written: a capitalised first word stays capitalised wherever it goes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .text_synonyms import SynonymDict
from .text_words import (
    TextTransform,
    check_language,
    check_share,
    has_digit,
    how_many,
    is_word,
    jieba_tokenizer,
    resolve_language,
    tokenize,
)

NEGATIONS = frozenset({"no", "not", "never", "none", "nothing", "nobody", "neither", "nor", "without", "cannot"})
_CHINESE_NEGATIONS = ("不", "没", "别", "未", "勿", "莫", "无", "非", "否")


def _negation(word: str) -> bool:
    """不要, 没有, 无, not, don't...: a negation (or a word starting with one) is never moved or deleted."""
    lower = word.lower()
    return lower in NEGATIONS or lower.endswith(("n't", "n’t")) or word.startswith(_CHINESE_NEGATIONS)


class _WordOperation(TextTransform):
    jieba_words: tuple[str, ...] = ()

    def __init__(self, rate: float, language: str, keep_digits: bool, p: float):
        name = type(self).__name__
        self.rate = check_share(rate, name)
        self.p = check_share(p, name, "p")
        self.language = check_language(language, name)
        self.keep_digits = bool(keep_digits)

    def _split(self, text: str) -> tuple[str, list[str], list[int], list[int]]:
        """(language, tokens, indices of the words, indices of the words that may be touched)."""
        language = resolve_language(self.language, text)
        tokens = list(tokenize(text, language, self.jieba_words))
        words = [i for i, token in enumerate(tokens) if is_word(token)]
        numbers = [self.keep_digits and has_digit(tokens[i]) for i in words]
        units = [False, *numbers[:-1]]  # the word right after a number is its unit: 2 片, 38.5 度, 5 mg
        free = [i for i, number, unit in zip(words, numbers, units) if not (number or unit or _negation(tokens[i]))]
        return language, tokens, words, free

    def prepare(self) -> None:
        if self.language != "en":
            jieba_tokenizer(self.jieba_words)


class RandomSwap(_WordOperation):
    """Swap two random words, `rate` x (number of words) times. Records `swaps: n`."""

    def __init__(self, rate: float = 0.1, language: str = "auto", keep_digits: bool = True, p: float = 1.0):
        super().__init__(rate, language, keep_digits, p)

    def edit(self, text: str, rng: random.Random) -> tuple[str, dict]:
        _, tokens, words, free = self._split(text)
        count = how_many(self.rate, len(words)) if len(free) >= 2 else 0
        for _ in range(count):
            a, b = rng.sample(free, 2)
            tokens[a], tokens[b] = tokens[b], tokens[a]
        return "".join(tokens), {"swaps": count}


class RandomDelete(_WordOperation):
    """Delete `rate` of the words (with one space beside each), never every word. Records `deleted`."""

    def __init__(self, rate: float = 0.1, language: str = "auto", keep_digits: bool = True, p: float = 1.0):
        super().__init__(rate, language, keep_digits, p)

    def edit(self, text: str, rng: random.Random) -> tuple[str, dict]:
        _, tokens, words, free = self._split(text)
        count = min(how_many(self.rate, len(words)), len(words) - 1, len(free))
        if count <= 0:
            return text, {}
        chosen = sorted(rng.sample(free, count))
        drop = set(chosen)
        for i in chosen:  # "I have a fever" - "have" -> "I a fever", not "I  a fever"
            if i > 0 and tokens[i - 1].isspace() and i - 1 not in drop:
                drop.add(i - 1)
            elif i + 1 < len(tokens) and tokens[i + 1].isspace() and i + 1 not in drop:
                drop.add(i + 1)
        kept = "".join(token for i, token in enumerate(tokens) if i not in drop)
        return kept, {"deleted": [tokens[i] for i in chosen]}


class RandomInsert(_WordOperation):
    """Insert `rate` x (number of words) words at random word boundaries. Records `inserted`.

    With `synonyms` (a dictionary file or list of files, see Synonyms) it inserts a synonym of a word
    of the same text, as EDA does, and does nothing to a text none of whose words is in the dictionary.
    Without one it inserts a copy of a random word of the text.
    """

    def __init__(self, rate: float = 0.1, synonyms: str | Sequence[str] | None = None, language: str = "auto",
                 keep_digits: bool = True, p: float = 1.0):
        super().__init__(rate, language, keep_digits, p)
        self.dictionary = SynonymDict(synonyms) if synonyms else None
        if self.dictionary is not None:
            self.jieba_words = self.dictionary.jieba_words

    def edit(self, text: str, rng: random.Random) -> tuple[str, dict]:
        language, tokens, words, free = self._split(text)
        if self.dictionary is not None:
            pool = ["".join(tokens[start:stop]) for start, stop in self.dictionary.spans(tokens)]
        else:
            pool = [tokens[i] for i in free]
        count = how_many(self.rate, len(words)) if pool else 0
        inserted, places = [], []
        for _ in range(count):
            word = rng.choice(pool)
            if self.dictionary is not None:
                word = rng.choice(self.dictionary.lookup(word))
            inserted.append(word)
            places.append(rng.randrange(len(words) + 1))  # before word j, or after the last one
        spaced = language != "zh"
        for j, word in sorted(zip(places, inserted), key=lambda pair: pair[0], reverse=True):
            if j < len(words):
                tokens[words[j]:words[j]] = [word, " "] if spaced else [word]
            else:
                tokens[words[-1] + 1:words[-1] + 1] = [" ", word] if spaced else [word]
        return "".join(tokens), {"inserted": inserted}

    def fingerprint(self) -> list[dict]:
        return [] if self.dictionary is None else list(self.dictionary.files)
