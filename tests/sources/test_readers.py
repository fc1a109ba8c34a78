import codecs
import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsbuild.errors import UserError
from dsbuild.sources.readers import FORMATS, FileRead, format_of, read_file

ROWS = [
    {"instruction": "把这句话翻译成英文", "output": "Translate this sentence."},
    {"instruction": "总结：今天天气很好。", "output": "The weather is nice today."},
    {"instruction": "Say hi", "output": "你好"},
]


def labels(read):
    """The refs of a FileRead as "line N" / "row N" strings."""
    return [f"{read.refs.kind} {n}" for n in read.refs.numbers.tolist()]


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def as_jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def as_delimited(rows: list[dict], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


TEXT_FORMATS = {
    "jsonl": as_jsonl,
    "json": lambda rows: json.dumps(rows, ensure_ascii=False, indent=2),
    "csv": lambda rows: as_delimited(rows, ","),
    "tsv": lambda rows: as_delimited(rows, "\t"),
}


def user_error(path: Path, **kwargs) -> str:
    with pytest.raises(UserError) as info:
        read_file(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(TEXT_FORMATS))
def test_text_formats_round_trip_chinese(tmp_path, fmt):
    path = write(tmp_path / f"train.{fmt}", TEXT_FORMATS[fmt](ROWS))
    read = read_file(path)
    assert isinstance(read, FileRead)
    assert read.table.to_pylist() == ROWS
    assert read.format == fmt
    assert read.encoding == "utf-8"
    kind = "line" if fmt == "jsonl" else "row"
    assert labels(read) == [f"{kind} 1", f"{kind} 2", f"{kind} 3"]


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "train.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    read = read_file(path)
    assert read.table.to_pylist() == ROWS
    assert labels(read) == ["row 1", "row 2", "row 3"]
    assert read.encoding is None and read.format == "parquet"


def test_txt_one_row_per_non_blank_line(tmp_path):
    path = write(tmp_path / "corpus.txt", "第一行  \r\n\n   \n  indented\tline\t\nlast")
    read = read_file(path)
    assert read.table.column_names == ["text"]
    assert read.table.column("text").to_pylist() == ["第一行", "  indented\tline", "last"]
    assert labels(read) == ["line 1", "line 4", "line 5"]


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
@pytest.mark.parametrize("fmt", [*sorted(TEXT_FORMATS), "txt"])
def test_non_utf8_files_are_detected_and_read(tmp_path, fmt, encoding, detected):
    if fmt == "txt":
        content, expected = "你好，世界\n再见\n", [{"text": "你好，世界"}, {"text": "再见"}]
    else:
        content, expected = TEXT_FORMATS[fmt](ROWS), ROWS
    path = write(tmp_path / f"data.{fmt}", content, encoding)
    read = read_file(path)
    assert read.encoding == detected
    assert read.table.to_pylist() == expected


def test_bomless_utf16_jsonl(tmp_path):
    path = write(tmp_path / "win.jsonl", as_jsonl(ROWS), "utf-16-le")
    read = read_file(path)
    assert read.encoding == "utf-16-le"
    assert read.table.to_pylist() == ROWS


def test_explicit_encoding_is_respected(tmp_path):
    path = write(tmp_path / "menu.csv", "dish,price\ncafé crème,3\nthé,2\n", "latin-1")
    read = read_file(path, encoding="latin-1")
    assert read.encoding == "iso8859-1"
    assert read.table.column("dish").to_pylist() == ["café crème", "thé"]


def test_undecodable_file_names_the_file_and_the_key(tmp_path):
    path = write(tmp_path / "menu.csv", "dish\ncafé\n", "latin-1")
    message = user_error(path)
    assert message.startswith(f"{path}: ")
    assert "source.encoding=" in message


def test_wrong_declared_encoding_names_the_line(tmp_path):
    path = write(tmp_path / "menu.csv", "dish\ntea\ncafé\n", "latin-1")
    message = user_error(path, encoding="utf-8")
    assert message.startswith(f"{path}: byte 12 (line 3)")


# --- jsonl ------------------------------------------------------------------------------------------


def test_malformed_json_line_names_the_line(tmp_path):
    lines = [json.dumps({"text": f"row {i}"}) for i in range(1, 17)]
    lines.append('{"text": "row 17" "label": 1}')
    lines.append(json.dumps({"text": "row 18"}))
    path = write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    message = user_error(path)
    assert message == (
        f"{path}: line 17: not valid JSON (Expecting ',' delimiter at column 19); fix or remove that line"
    )


@pytest.mark.parametrize(("line", "kind"), [("[1, 2]", "list"), ('"text"', "string"), ("3", "number")])
def test_json_line_that_is_not_an_object(tmp_path, line, kind):
    path = write(tmp_path / "bad.jsonl", f'{{"a": 1}}\n{line}\n')
    message = user_error(path)
    assert message.startswith(f"{path}: line 2: a JSON {kind} is not an object")


@pytest.mark.parametrize(
    "content",
    ['{"a": 1}\n{"a": 2} {"a": 3}\n', '{"a": 1}\n{"a": 2} {"a": 3}\n\n{"a": 4}\n'],
    ids=["no-blank-line", "blank-line-evens-the-count"],
)
def test_two_objects_on_one_line_are_an_error(tmp_path, content):
    path = write(tmp_path / "bad.jsonl", content)
    assert user_error(path).startswith(f"{path}: line 2: not valid JSON (Extra data")


def test_blank_lines_keep_line_refs(tmp_path):
    path = write(tmp_path / "gaps.jsonl", '\n{"a": "x"}\n\n   \n{"a": "y"}\r\n\t\n{"a": "z"}\n\n\n')
    read = read_file(path)
    assert read.table.column("a").to_pylist() == ["x", "y", "z"]
    assert labels(read) == ["line 2", "line 5", "line 7"]


def test_missing_keys_become_null(tmp_path):
    path = write(tmp_path / "sparse.jsonl", '{"a": "x"}\n{"b": 2}\n')
    assert read_file(path).table.to_pylist() == [{"a": "x", "b": None}, {"a": None, "b": 2}]


def test_mixed_type_column_becomes_strings(tmp_path):
    content = '{"a": 1, "b": "ok"}\n\n{"a": "x", "b": "ok"}\n{"a": null}\n{"a": [1, "二"]}\n{"a": true}\n'
    read = read_file(write(tmp_path / "mixed.jsonl", content))
    assert read.table.column("a").to_pylist() == ["1", "x", None, '[1, "二"]', "true"]
    assert read.table.column("b").to_pylist() == ["ok", "ok", None, None, None]
    assert labels(read) == ["line 1", "line 3", "line 4", "line 5", "line 6"]


def test_consistent_nested_values_stay_nested(tmp_path):
    content = '{"m": {"role": "user", "n": 1}, "tags": ["a"]}\n{"m": {"role": "bot", "n": 2}, "tags": []}\n'
    table = read_file(write(tmp_path / "nested.jsonl", content)).table
    assert pa.types.is_struct(table.schema.field("m").type)
    assert pa.types.is_list(table.schema.field("tags").type)
    assert table.column("m").to_pylist()[1] == {"role": "bot", "n": 2}


def test_date_like_strings_stay_strings(tmp_path):
    content = '{"d": "2024-01-01", "m": {"t": "2024-01-01T10:00:00"}, "l": ["2024-02-02"]}\n'
    table = read_file(write(tmp_path / "dates.jsonl", content)).table
    assert table.to_pylist() == [{"d": "2024-01-01", "m": {"t": "2024-01-01T10:00:00"}, "l": ["2024-02-02"]}]


def test_json_extension_with_objects_per_line_reads_as_jsonl(tmp_path):
    path = write(tmp_path / "train.json", as_jsonl(ROWS))
    assert format_of(path, "auto") == "jsonl"
    read = read_file(path)
    assert read.format == "jsonl" and labels(read) == ["line 1", "line 2", "line 3"]
    assert read.table.to_pylist() == ROWS


@given(
    st.lists(
        st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=30), max_size=4),
        min_size=1,
        max_size=15,
    )
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_any_string_rows_round_trip_through_jsonl(tmp_path, rows):
    path = write(tmp_path / "prop.jsonl", as_jsonl(rows))
    read = read_file(path)
    names = list(dict.fromkeys(key for row in rows for key in row))
    assert read.table.to_pylist() == [{name: row.get(name) for name in names} for row in rows]
    assert labels(read) == [f"line {i}" for i in range(1, len(rows) + 1)]


# --- json -------------------------------------------------------------------------------------------


def test_json_syntax_error_names_line_and_column(tmp_path):
    path = write(tmp_path / "bad.json", '[\n  {"a": 1},\n  {"a": 2,}\n]\n')
    assert user_error(path).startswith(f"{path}: line 3, column 11: not valid JSON")


@pytest.mark.parametrize("content", ['{\n  "a": 1\n}\n', '"just text"'])
def test_json_top_level_must_be_a_list(tmp_path, content):
    path = write(tmp_path / "one.json", content)
    assert "a list of objects is expected" in user_error(path)


def test_json_declared_format_with_one_object(tmp_path):
    path = write(tmp_path / "one.data", '{"a": 1}')
    assert "a list of objects is expected" in user_error(path, fmt="json")


def test_json_list_item_that_is_not_an_object(tmp_path):
    path = write(tmp_path / "items.json", '[{"a": 1}, "b"]')
    assert user_error(path).startswith(f"{path}: row 2: a JSON string is not an object")


# --- csv / tsv --------------------------------------------------------------------------------------


def test_csv_keeps_strings_and_nulls_empty_cells(tmp_path):
    content = 'id,code,note\n1,007,""\n2,,"two\nlines, quoted"\n3,1e3,\n'
    read = read_file(write(tmp_path / "codes.csv", content))
    assert all(field.type == pa.string() for field in read.table.schema)
    assert read.table.to_pylist() == [
        {"id": "1", "code": "007", "note": ""},
        {"id": "2", "code": None, "note": "two\nlines, quoted"},
        {"id": "3", "code": "1e3", "note": None},
    ]
    assert labels(read) == ["row 1", "row 2", "row 3"]


def test_csv_row_with_wrong_field_count_names_the_line(tmp_path):
    path = write(tmp_path / "bad.csv", 'a,b\n1,"multi\nline"\n2,x\n3,x,extra\n')
    message = user_error(path)
    assert message.startswith(f"{path}: line 5: expected 2 fields as in the header, found 3")


def test_tsv_row_with_wrong_field_count_names_the_line(tmp_path):
    path = write(tmp_path / "bad.tsv", "a\tb\n1\t2\n3\n")
    assert user_error(path).startswith(f"{path}: line 3: expected 2 fields")


@pytest.mark.parametrize(("header", "problem"), [("a,b,a", "'a' twice"), ("a,,c", "column 2 has no name")])
def test_csv_bad_header(tmp_path, header, problem):
    path = write(tmp_path / "head.csv", f"{header}\n1,2,3\n")
    assert problem in user_error(path)


# --- empty, missing, unknown ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.jsonl", b""),
        ("blank.jsonl", b"\n \n\t\n"),
        ("empty.txt", b"\n\n"),
        ("bom.json", codecs.BOM_UTF8),
        ("list.json", b"[]"),
        ("header.csv", b"a,b\n"),
        ("empty.csv", b""),
    ],
)
def test_no_rows(tmp_path, name, content):
    path = write(tmp_path / name, content)
    assert user_error(path) == f"{path}: no rows; check source.path"


def test_parquet_without_rows(tmp_path):
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"a": pa.array([], pa.string())}), path)
    assert user_error(path) == f"{path}: no rows; check source.path"


def test_missing_file(tmp_path):
    path = tmp_path / "nope.jsonl"
    assert user_error(path) == f"{path}: no such file; check source.path"


def test_directory(tmp_path):
    assert "is a directory" in user_error(tmp_path)


def test_unknown_extension(tmp_path):
    path = write(tmp_path / "data.xlsx", b"PK")
    message = user_error(path)
    assert message.startswith(f"{path}: ") and "source.format" in message
    assert all(fmt in message for fmt in FORMATS)


def test_unknown_declared_format(tmp_path):
    path = write(tmp_path / "data.jsonl", '{"a": 1}\n')
    assert "unknown source.format 'yaml'" in user_error(path, fmt="yaml")


def test_declared_format_overrides_extension(tmp_path):
    path = write(tmp_path / "data.log", "a\tb\n1\t2\n")
    assert read_file(path, fmt="tsv").table.to_pylist() == [{"a": "1", "b": "2"}]


def test_invalid_parquet(tmp_path):
    path = write(tmp_path / "fake.parquet", b"not parquet at all")
    assert "not a readable Parquet file" in user_error(path)


# Inputs that crash a native reader (pyarrow 26.0.1's JSON reader: segmentation fault on a `null` line) must never
# reach it. Run in a subprocess, so a crash fails the test instead of killing the worker.
@pytest.mark.parametrize("content", ["null\n" + '{"question": "a b c", "response": "d e f"}\n', " null\n",
                                     '{"question": "a b c", "response": "d e f"}\nnull\n'])
def test_inputs_that_crash_pyarrow_are_one_line_errors(run_cli, tmp_path, content):
    path = write(tmp_path / "qa.jsonl", content)
    done = run_cli("source=files", f"source.path={path}", "format=alpaca")
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines() == [
        f"dsbuild: error: {path}: line {1 if content.lstrip().startswith('null') else 2}: a JSON null is not an "
        'object; each line must be one JSON object such as {"text": "..."}']

