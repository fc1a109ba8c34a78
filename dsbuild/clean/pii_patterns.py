"""Detectors for personal data in Chinese and English text: where each kind occurs in a string.

Each kind has a Python regex with a validator (checksums, dates, digit counts) that finds it, and a
looser RE2 `trigger` that Arrow runs over a whole column to pick the rows worth scanning. Numbers
must not be glued to other digits or Latin letters, and a decimal point or comma followed by a digit
does not end them, so 3.14, 1,000, 2023-10-12 and v1.2.3.4 are never phones, cards or IPs. The
boundaries are explicit lookarounds, not `\\b`: in Unicode `\\b` sees no edge between 电话 and a digit.
When matches of two kinds overlap, the kind listed first in DETECTORS wins (a URL holding an IP or an
e-mail address is one URL).
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

_NUM_START = r"(?<![0-9A-Za-z])(?<![0-9][.,])"  # not inside a longer number or word, not after "3."
_NUM_END = r"(?![0-9A-Za-z])(?![.,][0-9])"  # not followed by more digits, letters or ".5" / ",000"


@dataclass(frozen=True)
class Detector:
    """One kind of personal data: how to find it in a string and which rows may hold it."""

    kind: str
    find: Callable[[str], Iterator[tuple[int, int]]]
    trigger: str
    placeholder: str


def _matches(pattern: str, valid: Callable[[str], bool] = lambda s: True, flags: int = 0):
    """A finder yielding the spans of `pattern` whose text passes `valid`."""
    compiled = re.compile(pattern, flags)

    def find(text: str) -> Iterator[tuple[int, int]]:
        for match in compiled.finditer(text):
            if valid(match.group(0)):
                yield match.span()

    return find


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- e-mail and URL ---------------------------------------------------------------------------------

_EMAIL = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
_URL = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:https?|ftp)://|(?<![A-Za-z0-9.@-])www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\"*"


def _find_urls(text: str) -> Iterator[tuple[int, int]]:
    """URLs with a scheme or starting www., without the sentence punctuation or unbalanced ) after them."""
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start:
            last = text[end - 1]
            closer = {")": "(", "]": "["}.get(last)
            if last in _URL_TRAILING or (closer and text.count(closer, start, end) < text.count(last, start, end)):
                end -= 1
            else:
                break
        if end - start > len("www."):
            yield start, end


# --- phones -----------------------------------------------------------------------------------------

_PHONE_CN = (
    _NUM_START + r"(?:(?:\+|00)86[ -]?|\(\+?86\)[ -]?)?1[3-9]\d(?:\d{8}|[ -]\d{4}[ -]\d{4})" + _NUM_END
)
_PHONE_INTL = r"(?<![0-9A-Za-z+])\+[1-9]\d{0,3}(?:[ -]?(?:\(\d{1,4}\)|\d{1,5})){1,6}" + _NUM_END


def _is_intl_phone(text: str) -> bool:
    """E.164 allows up to 15 digits; fewer than 8 is a short code or not a phone number."""
    return 8 <= len(_digits(text)) <= 15


# --- identity numbers and cards ---------------------------------------------------------------------

_CN_ID = _NUM_START + r"[1-9]\d{16}[0-9Xx]" + _NUM_END
_CN_ID_OLD = _NUM_START + r"[1-9]\d{14}" + _NUM_END
_PROVINCES = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
}
_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_ID_CHECK = "10X98765432"


def _is_birth_date(yyyymmdd: str) -> bool:
    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def cn_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-digit resident identity number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def is_cn_id(text: str) -> bool:
    """An 18-digit mainland resident ID: a province code, a real birth date and the right check character."""
    return (
        int(text[:2]) in _PROVINCES and _is_birth_date(text[6:14]) and cn_id_check_char(text[:17]) == text[17].upper()
    )


def is_cn_id_old(text: str) -> bool:
    """A 15-digit ID (issued before 1999): a province code and a real 19YYMMDD birth date, no check digit."""
    return int(text[:2]) in _PROVINCES and _is_birth_date("19" + text[6:12])


_CARD = (
    _NUM_START
    + r"(?:[2-6]\d{12,18}|[2-6]\d{3}(?P<sep>[ -])\d{4}(?:(?P=sep)\d{4}){1,2}(?:(?P=sep)\d{1,4})?"
    + r"|3\d{3}(?P<amex>[ -])\d{6}(?P=amex)\d{5})"
    + _NUM_END
)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def is_card(text: str) -> bool:
    """13-19 digits passing Luhn (the pattern already asks for a first digit 2-6: Visa, Mastercard, UnionPay…)."""
    digits = _digits(text)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


# --- IP addresses -----------------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(r"(?<![0-9A-Za-z.])" + rf"{_OCTET}(?:\.{_OCTET}){{3}}" + r"(?![0-9A-Za-z]|\.\d)")
_VERSION_BEFORE = re.compile(r"(?:version|ver\.?|release|build|版本号?|版)\s*[:：]?\s*$", re.IGNORECASE)
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![0-9A-Za-z:])"
)


def _find_ipv4(text: str) -> Iterator[tuple[int, int]]:
    """Dotted quads with octets 0-255, unless a word like "version" or 版本 comes right before."""
    for match in _IPV4.finditer(text):
        if not _VERSION_BEFORE.search(text, max(0, match.start() - 12), match.start()):
            yield match.span()


def _is_ipv6(text: str) -> bool:
    """A valid IPv6 address with at least three groups (or ::1), so "a::b" and "12::" in code are not."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return text == "::1" or sum(1 for group in re.split(r"[:.]", text) if group) >= 3


# --- all kinds, in priority order -------------------------------------------------------------------

DETECTORS: dict[str, Detector] = {
    d.kind: d
    for d in (
        Detector("url", _find_urls, r"(?i)(?:https?|ftp)://|www\.", "[URL]"),
        Detector("email", _matches(_EMAIL), "@", "[EMAIL]"),
        Detector("ipv6", _matches(_IPV6.pattern, _is_ipv6), r"[0-9A-Fa-f]*:[0-9A-Fa-f]*:", "[IP]"),
        Detector("ipv4", _find_ipv4, r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", "[IP]"),
        Detector("cn_id", _matches(_CN_ID, is_cn_id), r"[0-9]{17}[0-9Xx]", "[ID]"),
        Detector("cn_id_old", _matches(_CN_ID_OLD, is_cn_id_old), r"[0-9]{15}", "[ID]"),
        Detector("bank_card", _matches(_CARD, is_card), r"[2-6][0-9]{3}[ -]?[0-9]{4}", "[BANK_CARD]"),
        Detector("phone_cn", _matches(_PHONE_CN), r"1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}", "[PHONE]"),
        Detector("phone_intl", _matches(_PHONE_INTL, _is_intl_phone), r"\+[1-9]", "[PHONE]"),
    )
}
DEFAULT_KINDS = tuple(kind for kind in DETECTORS if kind != "cn_id_old")


def find_pii(text: str, kinds: Iterable[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans in text order; on overlap the earlier kind in DETECTORS wins."""
    wanted = set(kinds)
    taken: list[tuple[int, int, str]] = []
    for kind in (k for k in DETECTORS if k in wanted):
        for start, end in DETECTORS[kind].find(text):
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, kind))
    return sorted(taken)
