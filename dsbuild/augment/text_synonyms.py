"""Synonym replacement from a dictionary file, and the dictionary itself (also used by RandomInsert).

A dictionary is a text file with one group of synonyms per line, every word of a line being a synonym
of the others (`发烧 发热 高烧`), or a JSON object `{"word": ["synonym", ...]}` (one way: the word may
become a synonym, not the reverse). A line with a tab or comma (`,` `，` `、`) is split on those only,
so English phrases stay whole (`sore throat, pharyngitis`); otherwise on spaces. `#` starts a comment.
English words are looked up ignoring case; Chinese dictionary words are added to jieba so that a
multi-character term is one token and is replaced whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import UserError
from .text_words import (
    TextTransform,
    check_language,
    check_share,
    how_many,
    is_cjk,
    is_word,
    jieba_tokenizer,
    resolve_language,
    tokenize,
)

_COMMENT = re.compile(r"(^|\s)#.*$")
_STRONG_SEPARATORS = re.compile(r"[\t,，、;；]")
_EXAMPLE = "one group of synonyms per line, e.g. `发烧 发热` or `fever, pyrexia`"


def _key(word: str) -> str:
    return " ".join(word.casefold().split())


class SynonymDict:
    """Synonyms by word, read from one or more dictionary files (later files add to earlier ones)."""

    def __init__(self, path: str | os.PathLike | Sequence[str | os.PathLike]):
        paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
        if not paths:
            raise UserError(f"synonym dictionary path is empty; give a file with {_EXAMPLE}")
        groups: dict[str, list[str]] = {}
        self.files: list[dict] = []
        for one in paths:
            file = Path(one).expanduser().resolve()
            data = _read(file)
            self.files.append({"path": str(file), "sha256": hashlib.sha256(data).hexdigest()})
            text = data.decode("utf-8-sig")
            pairs = _json_pairs(file, text) if text.lstrip().startswith("{") else _line_pairs(file, text)
            for word, synonyms in pairs:
                known = groups.setdefault(_key(word), [])
                known += [s for s in synonyms if _key(s) != _key(word) and s not in known]
        self.synonyms = {word: tuple(found) for word, found in groups.items() if found}
        if not self.synonyms:
            raise UserError(f"synonym dictionary {', '.join(f['path'] for f in self.files)} has no word with a "
                            f"synonym other than itself; write {_EXAMPLE}")
        self.longest = max(len(word.split()) for word in self.synonyms)
        self.starts = {word.split()[0] for word in self.synonyms if " " in word}  # first words of phrases
        every = {w for word, found in groups.items() for w in (word, *found)}
        # what jieba should keep whole: Han words without spaces (others it cannot hold as one token)
        self.jieba_words = tuple(sorted(w for w in every if is_cjk(w) and not any(c.isspace() for c in w)))

    def lookup(self, phrase: str) -> tuple[str, ...]:
        """The synonyms of a word or phrase (case-insensitive), () if it has none."""
        return self.synonyms.get(_key(phrase), ())

    def spans(self, tokens: Sequence[str]) -> list[tuple[int, int]]:
        """Token ranges [start, stop) holding a dictionary word or phrase, left to right, longest first,
        never overlapping; a phrase's words must be separated by whitespace only."""
        words = [i for i, token in enumerate(tokens) if is_word(token)]
        found, w = [], 0
        while w < len(words):
            longest = self.longest if _key(tokens[words[w]]) in self.starts else 1
            for k in range(min(longest, len(words) - w), 0, -1):
                run = words[w:w + k]
                if any(b != a + 2 or not tokens[a + 1].isspace() for a, b in zip(run, run[1:])):
                    continue
                if _key(" ".join(tokens[i] for i in run)) in self.synonyms:
                    found.append((run[0], run[-1] + 1))
                    w += k
                    break
            else:
                w += 1
        return found

    def prepare(self) -> None:
        jieba_tokenizer(self.jieba_words)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise UserError(f"synonym dictionary {file} not found; give an existing file with {_EXAMPLE}") from None
    except OSError as exc:
        raise UserError(f"synonym dictionary {file}: cannot read it ({exc.strerror}); check the path") from None


def _line_pairs(file: Path, text: str) -> list[tuple[str, list[str]]]:
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", line).strip()
        if not line:
            continue
        parts = _STRONG_SEPARATORS.split(line) if _STRONG_SEPARATORS.search(line) else line.split()
        group = list(dict.fromkeys(" ".join(p.split()) for p in parts if p.strip()))
        if len(group) < 2:
            raise UserError(f"synonym dictionary {file} line {number}: {line!r} has one word; write two or more "
                            "synonyms separated by spaces, tabs or commas")
        pairs += [(word, [w for w in group if w != word]) for word in group]
    if not pairs:
        raise UserError(f"synonym dictionary {file} has no synonyms; write {_EXAMPLE}")
    return pairs


def _json_pairs(file: Path, text: str) -> list[tuple[str, list[str]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"synonym dictionary {file} line {exc.lineno}: not valid JSON ({exc.msg}); "
                        'write {"word": ["synonym", ...]}') from None
    if not isinstance(data, dict) or not data:
        raise UserError(f'synonym dictionary {file}: expected a non-empty JSON object {{"word": ["synonym", ...]}}')
    pairs = []
    for word, synonyms in data.items():
        synonyms = [synonyms] if isinstance(synonyms, str) else synonyms
        if not isinstance(synonyms, list) or not synonyms or not all(isinstance(s, str) and s.strip()
                                                                     for s in synonyms):
            raise UserError(f"synonym dictionary {file}: the entry {word!r} must be a non-empty list of words")
        pairs.append((" ".join(word.split()), [" ".join(s.split()) for s in synonyms]))
    return pairs


def match_case(original: str, word: str) -> str:
    """`word` written like `original`: all capitals, or a capital first letter, carries over."""
    if len(original) > 1 and original.isupper():
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class Synonyms(TextTransform):
    """Replace `rate` of a text's words (at least one) that have synonyms with a random synonym.

    `path`: a dictionary file (or a list of them); `language`: "zh" (jieba), "en" (words) or "auto"
    (by script, per text); `p`: the chance it runs on a field of a copy. Records the replacements as
    `replaced: [[old, new], ...]`.
    """

    def __init__(self, path: str | Sequence[str], rate: float = 0.1, language: str = "auto", p: float = 1.0):
        self.rate = check_share(rate, "Synonyms")
        self.p = check_share(p, "Synonyms", "p")
        self.language = check_language(language, "Synonyms")
        self.dictionary = SynonymDict(path)

    def edit(self, text: str, rng: random.Random) -> tuple[str, dict]:
        language = resolve_language(self.language, text)
        tokens = list(tokenize(text, language, self.dictionary.jieba_words))
        spans = self.dictionary.spans(tokens)
        count = min(len(spans), how_many(self.rate, sum(map(is_word, tokens))))
        if not count:
            return text, {}
        replaced = []
        chosen = [spans[i] for i in sorted(rng.sample(range(len(spans)), count))]
        for start, stop in chosen:
            old = "".join(tokens[start:stop])
            replaced.append([old, match_case(old, rng.choice(self.dictionary.lookup(old)))])
        for (start, stop), (_, new) in zip(reversed(chosen), reversed(replaced)):
            tokens[start:stop] = [new]
        return "".join(tokens), {"replaced": replaced}

    def prepare(self) -> None:
        if self.language != "en":
            self.dictionary.prepare()

    def fingerprint(self) -> list[dict]:
        return list(self.dictionary.files)
