"""Command-line overrides recorded in plain text, not in the escaped form Hydra gives a multirun job.

A single run hands dsbuild the command line as typed. In a multirun, Hydra re-writes each job's overrides
with a backslash before every special character of a text value (`tracking.tracking_uri=http\\://h\\:5000`),
and that form would land in the manifest, the card's rebuild command, the sweep summary and the tracker's
params. `unescape_overrides` drops each backslash that Hydra's parser reads the same without (before `:`, an
inner space, another backslash), and keeps the ones that carry meaning (without `\\,` a value becomes a sweep,
without `\\=` it does not parse), so every recorded override still composes to the same config (`dsbuild
rebuild` composes them).
"""

from __future__ import annotations

import re

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unescape_overrides(overrides: list[str]) -> list[str]:
    """`overrides` with every backslash escape removed that does not change what the override means."""
    if not any("\\" in item for item in overrides):
        return list(overrides)
    parser = OverridesParser.create()
    return [_unescaped(parser, item) if "\\" in item else item for item in overrides]


def _unescaped(parser: OverridesParser, item: str) -> str:
    meaning = _meaning(parser, item)
    if meaning is None:
        return item
    start = 0
    while match := _ESCAPE.search(item, start):
        candidate = item[:match.start()] + match.group(1) + item[match.end():]
        if _meaning(parser, candidate) == meaning:
            item, start = candidate, match.start() + 1
        else:
            start = match.end()
    return item


def _meaning(parser: OverridesParser, item: str) -> tuple | None:
    """What Hydra reads in `item` (None when it is not one override)."""
    try:
        [override] = parser.parse_overrides([item])
    except (HydraException, ValueError):
        return None
    return override.type, override.key_or_group, override.package, override.value_type, override.value()
