"""The lines of one log file to records: a regex with named groups per plain line, or one JSON object per line.

A record keeps the numbers of its first and last line, for lineage. With `multiline`, a plain line
that does not match the pattern continues the record before it (a stack trace, a chat message
wrapped over several lines). A line that cannot become (part of) a record is returned as a bad line
with the reason, never skipped; only blank lines are not records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# "2024-05-01 10:00:00,123 INFO message", "[2024-05-01T10:00:00Z] [ERROR] message", "... WARN: message"
DEFAULT_PATTERN = (
    r"^\[?(?P<timestamp>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]?"
    r"\s+\[?(?P<level>[A-Za-z]+)\]?:?(?:\s+(?P<message>.*))?$"
)
CONTINUATION_FIELD = "message"


@dataclass
class LogRecord:
    """One record: its fields (text or None) and the lines it spans (1-based, inclusive)."""

    fields: dict[str, str | None]
    first: int
    last: int


@dataclass
class BadLine:
    """A line that is not a record, with why."""

    line: int
    text: str
    reason: str


@dataclass
class Parsed:
    records: list[LogRecord] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)


class PlainParser:
    """Lines matched by `pattern`; `fields` maps output field -> named group."""

    def __init__(self, pattern: re.Pattern, fields: Mapping[str, str], multiline: bool):
        self.pattern, self.fields, self.multiline = pattern, dict(fields), multiline
        self.continues = CONTINUATION_FIELD if CONTINUATION_FIELD in self.fields else list(self.fields)[-1]

    def parse(self, lines: Sequence[str]) -> Parsed:
        parsed, current, blanks = Parsed(), None, 0
        for number, line in enumerate(lines, 1):
            match = self.pattern.match(line)
            if match:
                current = LogRecord({out: match.group(group) for out, group in self.fields.items()}, number, number)
                parsed.records.append(current)
            elif not line.strip():
                blanks += 1
                continue
            elif self.multiline and current is not None:
                before = current.fields[self.continues] or ""
                current.fields[self.continues] = before + "\n" * (blanks + 1) + line
                current.last = number
            else:
                reason = "does not match source.pattern"
                if self.multiline:
                    reason += " and no record starts before it"
                parsed.bad.append(BadLine(number, line, reason))
            blanks = 0
        return parsed


class JsonLinesParser:
    """One JSON object per line; `fields` maps output field -> key or dotted path (None: every top-level key)."""

    def __init__(self, fields: Mapping[str, str] | None):
        self.fields = dict(fields) if fields else None

    def parse(self, lines: Sequence[str]) -> Parsed:
        parsed = Parsed()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                parsed.bad.append(BadLine(number, line, f"is not valid JSON: {exc.msg} (column {exc.colno})"))
                continue
            if not isinstance(obj, dict):
                parsed.bad.append(BadLine(number, line, f"is a JSON {type(obj).__name__}, not an object"))
                continue
            if self.fields is None:
                values = {key: as_text(value) for key, value in obj.items()}
            else:
                values = {out: as_text(lookup(obj, path)) for out, path in self.fields.items()}
            parsed.records.append(LogRecord(values, number, number))
        return parsed


def lookup(obj: dict, path: str):
    """`obj[path]`, else the value at a dotted path (`meta.session`); None when it is not there."""
    if path in obj:
        return obj[path]
    value = obj
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def as_text(value) -> str | None:
    """A JSON value as text: strings as they are, anything else (numbers, objects, lists) as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def split_lines(text: str) -> list[str]:
    """Lines of a decoded file, without line ends or a BOM (only \\n and \\r\\n end a line)."""
    lines = text.removeprefix("\ufeff").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]
