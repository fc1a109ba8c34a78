"""`source=logs`: line-oriented log files (plain text or JSON lines) -> rows, or chat logs -> question/answer pairs.

Plain lines are matched by a regex with named groups (`source.pattern`), JSON lines are parsed as
objects (fields picked by key or dotted path). `include` / `exclude` keep or drop records by regexes
on their fields; `conversation` pairs each user turn with the agent turn after it, per session.
Nothing is dropped silently: a line that does not parse, a record a filter drops, a turn that cannot
be paired and a file that cannot be decoded are rejects (rules `logs:parse`, `logs:filter`,
`logs:unpaired`, `logs:read`) whose `source_ref` is `file:line N` (or `file:lines N-M`).
Files are fingerprinted by size and sha256, like `source=files`. `stream` parses one file at a time (pairing
needs a whole file's turns) and writes its kept rows `executor.batch_rows` at a time into the build's spill;
the rejects are gathered as `load` gathers them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from ..errors import UserError
from ..execute.spill import Spill, WorkFolder
from ..record import LINEAGE_FIELDS
from ..stage import mark_rejected
from .base import Loaded, input_rejects, mapped_columns, merge_rejects, to_records
from .conversations import Conversation, pair_turns
from .encoding import AUTO, decode, detect_encoding
from .files import LocalFilesSource, resolve_paths
from .log_lines import DEFAULT_PATTERN, JsonLinesParser, LogRecord, PlainParser, split_lines
from .streaming import RecordStream, check_source_columns

FORMATS = ("plain", "jsonl")
LOG_EXTENSIONS = frozenset({".log", ".txt", ".out", ".jsonl", ".ndjson"})
PARSE_RULE, FILTER_RULE, UNPAIRED_RULE, READ_RULE = "logs:parse", "logs:filter", "logs:unpaired", "logs:read"
_SHOWN_CHARS = 60  # of a field value quoted in a filter's reason
Row = tuple[dict, str]  # a kept record's fields and its source_ref
Reject = tuple[dict, str, str]  # a rejected record's fields, its source_ref and why


class LogsSource(LocalFilesSource):
    """Records (or question/answer pairs) from log files. `columns` maps canonical field -> log field."""

    def __init__(
        self,
        path: str,
        format: str = "plain",
        pattern: str | None = None,
        fields: Sequence[str] | Mapping[str, str] | None = None,
        include: Mapping[str, str] | None = None,
        exclude: Mapping[str, str] | None = None,
        multiline: bool = False,
        conversation: Mapping[str, str] | None = None,
        columns: Mapping[str, str] | None = None,
        name: str | None = None,
        encoding: str = AUTO,
    ):
        if not path:
            raise UserError("source.path is empty; set it to a log file, a glob or a folder, e.g. source.path=logs/")
        if format not in FORMATS:
            raise UserError(f"source.format {format!r} is unknown; use {' or '.join(FORMATS)}")
        if encoding != AUTO:
            detect_encoding(b"", encoding, where="source.encoding")  # an unknown codec is a UserError now
        self.path, self.format, self.encoding = str(path), format, encoding
        self.parser = _parser(format, pattern, _field_map(fields), multiline)
        known = list(self.parser.fields) if self.parser.fields is not None else None
        self.include = _filters(include, "include", known)
        self.exclude = _filters(exclude, "exclude", known)
        self.conversation = Conversation.from_config(conversation) if conversation else None
        if self.conversation and known is not None:
            for key, value in zip(("by", "role", "text"), self.conversation.field_names(), strict=True):
                _check_field(value, f"conversation.{key}", known)
        self.columns = mapped_columns(columns)
        self.root, self.files = resolve_paths(self.path, LOG_EXTENSIONS)
        self.name = name or (self.files[0].stem if len(self.files) == 1 else self.root.name)

    def load(self) -> Loaded:
        rejects, unreadable = _rejects_by_rule(), []
        kept = [row for rows in self._file_rows(rejects, unreadable) for row in rows]
        return self._loaded(self._records(kept), rejects, unreadable)

    def stream(self, work: WorkFolder) -> Loaded:
        """The records of `load`, in a spill in `work`: each file parsed (and paired) whole, its kept rows
        written `work.batch_rows` at a time. Memory holds one file's records and the rejects, as `load` has them.

        Every column is text (`_table`), so the chunks always unify to `load`'s schema: no fallback to `load`.
        """
        rejects, unreadable = _rejects_by_rule(), []
        stream = RecordStream(work, source_name=self.name, columns=self.columns, id_column=None,
                              keep_columns=False, where=self.path)
        names = dict.fromkeys(self._names())  # the columns of load()'s table, in its order
        try:
            for rows in self._file_rows(rejects, unreadable):
                for start in range(0, len(rows), work.batch_rows):
                    chunk = rows[start:start + work.batch_rows]
                    table = _table([fields for fields, _ in chunk], self._names(), None)
                    names.update(dict.fromkeys(table.column_names))
                    stream.add(table, pa.array([ref for _, ref in chunk], pa.string()))
            if not stream.rows:  # no record kept: load()'s empty table, with the known and mapped columns
                stream.discard()
                return self._loaded(self._records([]), rejects, unreadable)
            check_source_columns(list(names), columns=self.columns, id_column=None, keep_columns=False,
                                 where=self.path)
            records, _ = stream.finish()
        except BaseException:
            stream.discard()
            raise
        return self._loaded(records, rejects, unreadable)

    def _file_rows(self, rejects: dict[str, list[Reject]], unreadable: list[tuple[str, str]]) -> Iterator[list[Row]]:
        """The kept rows of each readable file in turn; its rejects are appended to `rejects` (by rule) and
        `unreadable`, in file and line order."""
        for path in self.files:
            rel = self._relative(path)
            try:
                lines = split_lines(self._read(path, rel))
            except UserError as exc:
                unreadable.append((rel, str(exc)))
                continue
            yield self._kept(lines, rel, rejects)

    def _kept(self, lines: list[str], rel: str, rejects: dict[str, list[Reject]]) -> list[Row]:
        parsed = self.parser.parse(lines)
        rejects[PARSE_RULE] += [({"raw": bad.text}, f"{rel}:line {bad.line}", bad.reason) for bad in parsed.bad]
        records = []
        for record in parsed.records:
            reason = self._filter_reason(record.fields)
            if reason:
                rejects[FILTER_RULE].append((record.fields, _ref(rel, record.first, record.last), reason))
            else:
                records.append(record)
        return self._rows(records, rel, rejects[UNPAIRED_RULE])

    def _records(self, kept: list[Row]) -> pa.Table:
        table = _table([fields for fields, _ in kept], self._names(), self.columns)
        records, _ = to_records(
            table, [ref for _, ref in kept], source_name=self.name, columns=self.columns, id_column=None,
            where=self.path, keep_columns=False,
        )
        return records

    def _loaded(self, records: pa.Table | Spill, rejects: dict[str, list[Reject]],
                unreadable: list[tuple[str, str]]) -> Loaded:
        rejected = merge_rejects(
            input_rejects(self.name, unreadable, rule=READ_RULE),
            *(self._reject_table(rows, rule) for rule, rows in rejects.items()),
        )
        n_rejected = 0 if rejected is None else rejected.num_rows
        return Loaded(records, rows_read=records.num_rows + n_rejected, inputs=self.fingerprint(), rejected=rejected)

    def _read(self, path: Path, rel: str) -> str:
        data = path.read_bytes()
        return decode(data, detect_encoding(data, self.encoding, where=rel), where=rel)

    def _rows(self, records: list[LogRecord], rel: str, unpaired: list[Reject]) -> list[Row]:
        if self.conversation is None:
            return [(r.fields, _ref(rel, r.first, r.last)) for r in records]
        paired = pair_turns(records, self.conversation)
        unpaired += [(fields, _ref(rel, first, last), reason) for fields, first, last, reason in paired.unpaired]
        return [(fields, _ref(rel, first, last)) for fields, first, last in paired.rows]

    def _filter_reason(self, fields: Mapping[str, str | None]) -> str | None:
        for name, regex in self.include.items():
            value = fields.get(name)
            if value is None:
                return f"has no {name} (source.include.{name} needs one)"
            if not regex.search(value):
                return f"{name}={_shown(value)} does not match source.include.{name} {regex.pattern!r}"
        for name, regex in self.exclude.items():
            value = fields.get(name)
            if value is not None and regex.search(value):
                return f"{name}={_shown(value)} matches source.exclude.{name} {regex.pattern!r}"
        return None

    def _names(self) -> list[str]:
        """Columns known before reading (so an empty result still has them)."""
        if self.conversation is not None:
            return ["question", "response", self.conversation.by]
        return list(self.parser.fields or ())

    def _reject_table(self, rows: list[Reject], rule: str) -> pa.Table | None:
        if not rows:
            return None
        table = _table([_unclashed(fields) for fields, _, _ in rows], [], None)
        records, _ = to_records(
            table, [ref for _, ref, _ in rows], source_name=self.name, columns=None, id_column=None, where=self.path,
        )
        return mark_rejected(records, stage="load", rule=rule, reasons=[reason for _, _, reason in rows])


def _rejects_by_rule() -> dict[str, list[Reject]]:
    """Where the rejects go while files are read, one list per rule, in the order `load` reports them."""
    return {PARSE_RULE: [], FILTER_RULE: [], UNPAIRED_RULE: []}


def _parser(format: str, pattern: str | None, fields: dict[str, str] | None, multiline: bool):
    if format == "jsonl":
        if pattern:
            raise UserError("source.pattern applies to format=plain; JSON lines are parsed as objects, drop it")
        if multiline:
            raise UserError("source.multiline applies to format=plain; JSON lines hold one object per line")
        return JsonLinesParser(fields)
    try:
        regex = re.compile(pattern or DEFAULT_PATTERN)
    except re.error as exc:
        raise UserError(f"source.pattern is not a valid regular expression ({exc}); fix it") from None
    groups = list(regex.groupindex)
    if not groups:
        raise UserError(
            "source.pattern has no named group; name the parts of a line, e.g. '(?P<level>\\w+) (?P<message>.*)'"
        )
    for out, group in (fields or {}).items():
        if group not in groups:
            raise UserError(
                f"source.fields.{out} names {group!r}, which is not a group of source.pattern "
                f"(groups: {', '.join(groups)}); fix source.fields"
            )
    return PlainParser(regex, fields or {g: g for g in groups}, multiline)


def _field_map(fields) -> dict[str, str] | None:
    """source.fields as {output field: group or JSON path}: a list keeps the names, a mapping renames."""
    if fields is None:
        return None
    if isinstance(fields, str):
        fields = [fields]
    items = fields.items() if isinstance(fields, Mapping) else ((str(f), f) for f in fields)
    mapped = {str(out): str(src) for out, src in items}
    if not mapped:
        raise UserError("source.fields is empty; list the fields to keep, or set it to null for all of them")
    return mapped


def _filters(filters: Mapping[str, str] | None, key: str, known: list[str] | None) -> dict[str, re.Pattern]:
    compiled = {}
    for name, regex in (filters or {}).items():
        if known is not None:
            _check_field(str(name), f"{key}.{name}", known)
        try:
            compiled[str(name)] = re.compile(str(regex))
        except re.error as exc:
            raise UserError(f"source.{key}.{name} is not a valid regular expression ({exc}); fix it") from None
    return compiled


def _check_field(name: str, key: str, known: list[str]) -> None:
    if name not in known:
        raise UserError(f"source.{key} names field {name!r}, which records do not have (fields: {', '.join(known)})")


def _table(rows: list[dict], names: list[str], columns: Mapping[str, str] | None) -> pa.Table:
    """Rows as a table of text columns; an empty one still has the known and mapped columns."""
    order = dict.fromkeys(names)
    for row in rows:
        order.update(dict.fromkeys(row))
    if not rows and columns:
        order.update(dict.fromkeys(columns.values()))
    return pa.table({n: pa.array([row.get(n) for row in rows], pa.string()) for n in order})


def _unclashed(fields: dict) -> dict:
    """A rejected record's fields, with log fields named like lineage fields (`id`, `source`) as `log_<name>`."""
    return {(f"log_{k}" if k in LINEAGE_FIELDS else k): v for k, v in fields.items()}


def _ref(rel: str, first: int, last: int) -> str:
    return f"{rel}:line {first}" if first == last else f"{rel}:lines {first}-{last}"


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…")
