"""Character noise: typing mistakes and full-/half-width flips, as in text typed by real users.

`typo` changes a letter: an ASCII letter becomes a neighbouring key on a QWERTY keyboard, or any
letter (Han characters too) is swapped with the next one, dropped or doubled. `width` flips a
character between its half-width (ASCII, space) and full-width form (U+FF01-FF5E, U+3000), which NFKC
normalisation undoes. Numbers are left alone by default (`keep_digits`): their digits and the marks
inside them (38.5, 1,000, 10:30, 3-5) are never changed, nor a letter swapped into them. Chinese
negations (不, 没, 别, 无, ...) get no typos: dropping or moving one would turn the meaning around.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from ..errors import UserError
from .text_words import TextTransform, check_share, how_many

KINDS = ("typo", "width")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEGATIONS = frozenset("不没别未勿莫无非否")  # dropped or moved, they would turn the meaning around
_NUMBER = re.compile(r"\d+(?:[.,:/\-~～]\d+)*")


def _qwerty_neighbours() -> dict[str, str]:
    """Keys touching each letter key: left and right, the two above and the two below (keys are staggered)."""
    near = {}
    for r, row in enumerate(_ROWS):
        for i, key in enumerate(row):
            keys = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            if r > 0:
                keys += [_ROWS[r - 1][j] for j in (i, i + 1) if j < len(_ROWS[r - 1])]
            if r + 1 < len(_ROWS):
                keys += [_ROWS[r + 1][j] for j in (i - 1, i) if 0 <= j < len(_ROWS[r + 1])]
            near[key] = "".join(sorted(keys))
    return near


QWERTY = _qwerty_neighbours()


def flip_width(char: str) -> str | None:
    """The other-width form of `char` (ASCII <-> full-width, space <-> ideographic space), None if none."""
    code = ord(char)
    if 0x21 <= code <= 0x7E:
        return chr(code + 0xFEE0)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return {" ": "\u3000", "\u3000": " "}.get(char)


class CharNoise(TextTransform):
    """Change `rate` of a text's eligible characters (at least one): `kinds` from typo, width; `p` is the
    chance it runs on a field of a copy.

    Records how many edits of each kind were made, e.g. `{"typo": 2, "width": 1}`.
    """

    def __init__(self, rate: float = 0.05, kinds: Sequence[str] = KINDS, keep_digits: bool = True, p: float = 1.0):
        self.rate = check_share(rate, "CharNoise")
        self.p = check_share(p, "CharNoise", "p")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise UserError(f"CharNoise.kinds {kinds!r}: give one or more of {', '.join(KINDS)}")
        self.kinds = tuple(dict.fromkeys(kinds))
        self.keep_digits = bool(keep_digits)

    def edit(self, text: str, rng: random.Random) -> tuple[str, dict]:
        kept = set()
        if self.keep_digits:
            kept = {i for m in _NUMBER.finditer(text) for i in range(m.start(), m.end())}
        typo = {i for i, c in enumerate(text)
                if (c.isalpha() and c not in NEGATIONS) or (c.isdigit() and not self.keep_digits)} - kept
        width = {i for i, c in enumerate(text) if flip_width(c) is not None} - kept
        eligible = sorted((typo if "typo" in self.kinds else set()) | (width if "width" in self.kinds else set()))
        chosen = sorted(rng.sample(eligible, how_many(self.rate, len(eligible))))
        busy = set(chosen)
        chars = list(text)
        counts = dict.fromkeys(self.kinds, 0)
        for i in chosen:
            kind = rng.choice([k for k in self.kinds if i in (typo if k == "typo" else width)])
            counts[kind] += 1
            if kind == "width":
                chars[i] = flip_width(text[i])
                continue
            swappable = i + 1 in typo and i + 1 not in busy and text[i + 1] != text[i]
            ops = ["substitute"] * (text[i].lower() in QWERTY) + ["transpose"] * swappable + ["double"]
            ops += ["drop"] * (len(text.strip()) > 1)
            op = rng.choice(ops)
            if op == "substitute":
                key = rng.choice(QWERTY[text[i].lower()])
                chars[i] = key.upper() if text[i].isupper() else key
            elif op == "transpose":
                chars[i], chars[i + 1] = text[i + 1], text[i]
            else:
                chars[i] = text[i] * 2 if op == "double" else ""
        return "".join(chars), counts
