"""Reading one data file (json, jsonl, csv, tsv, parquet, txt) into an Arrow table plus row locations.

Each row comes with a ref ("line N" / "row N") so later stages can point the user at the exact
place in the input. Big files go through Arrow's parsers; JSON lines that Arrow cannot take as they
are (a bad line, a column mixing types) go through a slower Python parse that keeps going where it
can and otherwise raises a one-line `UserError` naming the line, never a parser traceback.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from ..errors import UserError
from .encoding import AUTO, decode, detect_encoding, to_utf8

FORMATS = ("json", "jsonl", "csv", "tsv", "parquet", "txt")
SUFFIX_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "txt",
    ".text": "txt",
}
_WHITESPACE = b" \t\r\n\f\v"
# A line holding only JSON whitespace (what Arrow's parser skips): the first one, and any later one
# (matched at the newline before it, so that consecutive blank lines each match).
_FIRST_LINE_BLANK = re.compile(rb"[ \t\r]*\n")
_BLANK_LINE = re.compile(rb"\n[ \t\r]*(?=\n)")
# A non-blank line that does not open a JSON object. pyarrow's JSON reader (26.0.1) crashes the process
# (segmentation fault) on a line that is `null`, and takes no line that is not an object anyway: such
# files go to the Python parser, which names the line.
_NOT_AN_OBJECT = re.compile(rb"\n[ \t\r\f\v]*[^{\s]")  # after a newline: 10x faster than a multi-line ^
_NOT_AN_OBJECT_FIRST = re.compile(rb"[ \t\r\f\v]*[^{\s]")
_JSON_BLOCK = 16 << 20  # Arrow's JSON block size; fewer, larger blocks parse faster
_SNIFF = 4096  # bytes read to tell JSON lines from a JSON list in a .json file


@dataclass(frozen=True)
class Refs:
    """Where each row came from: `kind` ("line" or "row") and 1-based numbers, kept as integers
    so that a million rows cost a few megabytes, not a million Python strings."""

    kind: str
    numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.numbers)

    def after(self, count: int) -> Refs:
        """These refs for rows read after `count` lines (or rows) of the same file: numbers shifted by `count`."""
        return Refs(self.kind, self.numbers + count) if count else self

    def column(self, prefix: str) -> pa.Array:
        """The refs as strings `<prefix>:<kind> N`, built in Arrow."""
        numbers = pc.cast(pa.array(self.numbers, pa.int64()), pa.string())
        return pc.binary_join_element_wise(f"{prefix}:{self.kind} ", numbers, "")


@dataclass
class FileRead:
    """A file's rows as a table, where each row came from (`refs`), and how it was read."""

    table: pa.Table
    refs: Refs
    encoding: str | None
    format: str


def format_of(path: Path, declared: str) -> str:
    """The format to read `path` as: `declared`, or for "auto" the one its extension names.

    A .json file that starts with `{` rather than `[` holds JSON lines in practice and reads as jsonl.
    """
    if declared != AUTO:
        if declared not in FORMATS:
            raise UserError(
                f"{path}: unknown source.format {declared!r}; use one of auto, {', '.join(FORMATS)}"
            )
        return declared
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        ext = repr(path.suffix) if path.suffix else "(none)"
        raise UserError(
            f"{path}: cannot tell the format from the extension {ext}; "
            f"set source.format to one of {', '.join(FORMATS)}"
        )
    if fmt == "json" and path.is_file() and _starts_with_object(path):
        return "jsonl"
    return fmt


def read_file(path: Path, fmt: str = AUTO, encoding: str = AUTO) -> FileRead:
    """Read `path` as `fmt` ("auto": by extension), decoding text with `encoding` ("auto": detected)."""
    path = Path(path)
    where = str(path)
    check_path(path)
    resolved = format_of(path, fmt)
    if resolved == "parquet":
        table = _read_parquet(path, where)
        require_rows(table.num_rows, where)
        return FileRead(table, _refs("row", table.num_rows), None, resolved)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{where}: cannot read the file ({exc.strerror}); check its permissions") from None
    codec = detect_encoding(data, encoding, where=where)
    buf = to_utf8(data, codec, where=where)
    del data
    end = text_end(buf)
    require_rows(end, where)
    if resolved == "jsonl":
        try:
            table, refs = _read_jsonl(buf, end, where)
        except UserError:
            if fmt == AUTO and path.suffix.lower() == ".json":
                _raise_if_single_object(buf, where)
            raise
    else:
        table, refs = _READERS[resolved](buf, where)
    require_rows(table.num_rows, where)
    return FileRead(table, refs, codec, resolved)


def check_path(path: Path) -> None:
    """A `UserError` when `path` is missing or a folder."""
    if not path.exists():
        raise UserError(f"{path}: no such file; check source.path")
    if path.is_dir():
        raise UserError(f"{path}: is a directory, not a file; point source.path at a file")


def text_end(buf: bytes) -> int:
    """The length of `buf` without its trailing whitespace (0: no text at all)."""
    end = len(buf)
    while end and buf[end - 1] in _WHITESPACE:
        end -= 1
    return end


def require_rows(count: int, where: str) -> None:
    """The `UserError` for an input without rows (`count` 0)."""
    if not count:
        raise UserError(f"{where}: no rows; check source.path")


def _refs(kind: str, count: int) -> Refs:
    return Refs(kind, np.arange(1, count + 1, dtype=np.int64))


def _starts_with_object(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(_SNIFF)
    # Skips BOMs and the NUL bytes of UTF-16/32, so "{" is found in any encoding that keeps ASCII.
    return head.lstrip(_WHITESPACE + b"\x00\xef\xbb\xbf\xfe\xff").startswith(b"{")


def _read_parquet(path: Path, where: str) -> pa.Table:
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise UserError(
            f"{where}: not a readable Parquet file ({_first_line(exc)}); check source.path and source.format"
        ) from None


def _read_jsonl(buf: bytes, end: int, where: str) -> tuple[pa.Table, Refs]:
    """Arrow's parse of the first `end` bytes when its rows pair up with the lines, else a Python parse."""
    return jsonl_by_arrow(buf, end) or jsonl_by_python(buf, where)


def jsonl_by_arrow(buf: bytes, end: int, lines_before: int = 0) -> tuple[pa.Table, Refs] | None:
    """The JSON lines in the first `end` bytes parsed by Arrow, or None when Arrow cannot take them as they
    are (a bad line, a column mixing types, rows that do not pair up with the lines).
    `lines_before`: the lines of the file before `buf` (refs are line numbers in the file)."""
    if _NOT_AN_OBJECT_FIRST.match(buf, 0, end) or _NOT_AN_OBJECT.search(buf, 0, end):
        return None
    table = _arrow_jsonl(pa.py_buffer(buf).slice(0, end))
    if table is None:
        return None
    refs = _arrow_refs(buf, end, table.num_rows)
    return None if refs is None else (table, refs.after(lines_before))


def jsonl_by_python(buf: bytes, where: str, lines_before: int = 0) -> tuple[pa.Table, Refs]:
    """The JSON lines in `buf` parsed by Python, one row per non-blank line; a line that is not one JSON
    object is a `UserError` naming it (`lines_before`: as in `jsonl_by_arrow`)."""
    rows: list[dict] = []
    refs = []
    for number, line in enumerate(decode(buf, "utf-8", where=where).split("\n"), start=lines_before + 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"{where}: line {number}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "fix or remove that line"
            ) from None
        if not isinstance(value, dict):
            raise UserError(
                f"{where}: line {number}: a JSON {_json_kind(value)} is not an object; each line must be "
                'one JSON object such as {"text": "..."}'
            )
        rows.append(value)
        refs.append(number)
    return _table_from_rows(rows), Refs("line", np.array(refs, dtype=np.int64))


def _arrow_refs(buf: bytes, end: int, rows: int) -> Refs | None:
    """Line refs for Arrow's `rows`, or None if they do not pair up one to one with the non-blank lines.

    Arrow skips blank lines and also accepts two objects on one line; since every non-blank line it
    accepts gives at least one row, equal counts mean exactly one row per non-blank line.
    """
    blank = {1} if _FIRST_LINE_BLANK.match(buf, 0, end) else set()
    line, pos = 1, 0
    for match in _BLANK_LINE.finditer(buf, 0, end):
        line += buf.count(b"\n", pos, match.start() + 1)
        pos = match.start() + 1
        blank.add(line)
    lines = line + buf.count(b"\n", pos, end)
    if rows != lines - len(blank):
        return None
    if not blank:
        return _refs("line", lines)
    return Refs("line", np.array([n for n in range(1, lines + 1) if n not in blank], dtype=np.int64))


def _arrow_jsonl(data: pa.Buffer) -> pa.Table | None:
    """JSON lines parsed by Arrow, with strings it took for dates kept as strings; None if it fails."""
    read_options = pa_json.ReadOptions(block_size=_JSON_BLOCK)
    try:
        table = pa_json.read_json(pa.BufferReader(data), read_options=read_options)
        schema = pa.schema([f.with_type(_without_temporal(f.type)) for f in table.schema])
        if schema.equals(table.schema):
            return table
        parse_options = pa_json.ParseOptions(explicit_schema=schema)
        return pa_json.read_json(
            pa.BufferReader(data), read_options=read_options, parse_options=parse_options
        )
    except pa.ArrowException:
        return None


def _without_temporal(type_: pa.DataType) -> pa.DataType:
    """`type_` with timestamps and dates (inferred from JSON strings) turned back into strings."""
    if pa.types.is_temporal(type_):
        return pa.string()
    if pa.types.is_struct(type_):
        fields = [type_.field(i) for i in range(type_.num_fields)]
        return pa.struct([f.with_type(_without_temporal(f.type)) for f in fields])
    if pa.types.is_list(type_):
        return pa.list_(type_.value_field.with_type(_without_temporal(type_.value_type)))
    return type_


def _read_json(buf: bytes, where: str) -> tuple[pa.Table, Refs]:
    try:
        value = json.loads(buf)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{where}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}); fix the file, "
            "or set source.format=jsonl if it holds one object per line"
        ) from None
    if not isinstance(value, list):
        raise UserError(_not_a_list(value, where))
    for i, row in enumerate(value):
        if not isinstance(row, dict):
            raise UserError(
                f"{where}: row {i + 1}: a JSON {_json_kind(row)} is not an object; "
                'the file must be a list of objects such as [{"text": "..."}]'
            )
    return _table_from_rows(value), _refs("row", len(value))


def _raise_if_single_object(buf: bytes, where: str) -> None:
    """For a .json file read as JSON lines: if it is one (multi-line) object, say a list is expected."""
    try:
        value = json.loads(buf)
    except json.JSONDecodeError:
        return
    raise UserError(_not_a_list(value, where))


def _not_a_list(value: object, where: str) -> str:
    return (
        f"{where}: the top level is a JSON {_json_kind(value)}, but a list of objects is expected "
        '([{"text": "..."}, ...]); or write one object per line in a .jsonl file'
    )


def _json_kind(value: object) -> str:
    kinds = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def _table_from_rows(rows: list[dict]) -> pa.Table:
    """Rows as a table: a key missing in a row is null; a column mixing types becomes strings."""
    names = list(dict.fromkeys(key for row in rows for key in row))
    if not names:  # every row is {}: no columns, but the rows still count
        return pa.Table.from_struct_array(pa.array(rows, pa.struct([])))
    return pa.table({name: _column([row.get(name) for row in rows]) for name in names})


def _column(values: list) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowException, OverflowError):
        return pa.array(
            [v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values],
            pa.string(),
        )


def _read_csv(buf: bytes, where: str) -> tuple[pa.Table, Refs]:
    return _read_delimited(buf, ",", where)


def _read_tsv(buf: bytes, where: str) -> tuple[pa.Table, Refs]:
    return _read_delimited(buf, "\t", where)


def _read_delimited(buf: bytes, delimiter: str, where: str) -> tuple[pa.Table, Refs]:
    parse_options = csv_parse_options(delimiter)
    try:
        with pa_csv.open_csv(pa.BufferReader(buf), parse_options=parse_options) as reader:
            names = reader.schema.names
        check_header(names, where)
        table = pa_csv.read_csv(
            pa.BufferReader(buf), parse_options=parse_options, convert_options=csv_convert_options(names)
        )
    except pa.ArrowException as exc:
        raise UserError(_csv_problem(buf, delimiter, where, exc)) from None
    return table, _refs("row", table.num_rows)


def csv_parse_options(delimiter: str) -> pa_csv.ParseOptions:
    """How CSV/TSV is split: `delimiter`, and quoted values may hold line breaks."""
    return pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True)


def csv_convert_options(names: list[str]) -> pa_csv.ConvertOptions:
    """Every column as strings ("007" stays "007"); an empty unquoted cell is null, `""` is ""."""
    return pa_csv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=False,
    )


def check_header(names: list[str], where: str) -> None:
    """A `UserError` for a header column without a name or a name used twice."""
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if not name.strip():
            raise UserError(
                f"{where}: header column {number} has no name; name every column in the first line"
            )
        if name in seen:
            raise UserError(
                f"{where}: header names column {name!r} twice (columns {seen[name]} and {number}); "
                "rename one in the first line"
            )
        seen[name] = number


def _csv_problem(buf: bytes, delimiter: str, where: str, exc: pa.ArrowException) -> str:
    """Arrow does not say where a CSV row went wrong; find the first row with a wrong field count."""
    reader = csv.reader(io.StringIO(decode(buf, "utf-8", where=where), newline=""), delimiter=delimiter)
    expected = None
    start = 1
    try:
        for row in reader:
            if row:
                if expected is None:
                    expected = len(row)
                elif len(row) != expected:
                    return (
                        f"{where}: line {start}: expected {expected} fields as in the header, found "
                        f"{len(row)}; fix that row (quote values that contain {delimiter!r} or line breaks)"
                    )
            start = reader.line_num + 1
    except csv.Error as csv_exc:
        return f"{where}: line {reader.line_num}: cannot parse ({csv_exc}); fix that row"
    kind = "TSV" if delimiter == "\t" else "CSV"
    return f"{where}: cannot parse as {kind} ({_first_line(exc)}); check source.format"


def read_txt(buf: bytes, where: str, lines_before: int = 0) -> tuple[pa.Table, Refs]:
    """One row `text` per non-blank line of `buf`, trailing whitespace cut (`lines_before`: as in `jsonl_by_arrow`)."""
    texts: list[str] = []
    refs: list[int] = []
    for number, line in enumerate(decode(buf, "utf-8", where=where).split("\n"), start=lines_before + 1):
        text = line.rstrip()
        if text:
            texts.append(text)
            refs.append(number)
    return pa.table({"text": pa.array(texts, pa.string())}), Refs("line", np.array(refs, dtype=np.int64))


def _first_line(exc: Exception) -> str:
    """The first line of an Arrow error message, for a one-line `UserError`."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


_READERS: dict[str, Callable[[bytes, str], tuple[pa.Table, Refs]]] = {
    "json": _read_json,
    "csv": _read_csv,
    "tsv": _read_tsv,
    "txt": read_txt,
}
