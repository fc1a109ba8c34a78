import datetime as dt
import json
import tempfile
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsbuild.errors import UserError
from dsbuild.export import writers

# Characters JSON must escape, plus ones it must not (DEL, line/paragraph separators, CJK).
TRICKY = st.text(alphabet=st.sampled_from('\x00\x01\x07\x0b\x1f\n\r\t\b\f"\\/ a中\u2028\u2029\x7f'),
                 max_size=12)
TEXT = st.one_of(st.text(max_size=20), TRICKY)
ROWS = st.lists(
    st.fixed_dictionaries({"id": st.text(max_size=8), "a": st.one_of(st.none(), TEXT), "b": TEXT}),
    max_size=25,
)


def _dumps_lines(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _table(rows):
    """The rows as a table with columns id, a, b (in that order, whatever order the dicts have)."""
    schema = pa.schema([("id", pa.string()), ("a", pa.string()), ("b", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, batch_rows=st.sampled_from([1, 3, 10_000]))
def test_jsonl_is_json_dumps_of_each_row(rows, batch_rows):
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(writers, "BATCH_ROWS", batch_rows):
        path = Path(tmp) / "out.jsonl"
        table = _table(rows)
        writers.write_jsonl(table, path)
        assert path.read_bytes().decode("utf-8") == _dumps_lines(table.to_pylist())


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, batch_rows=st.sampled_from([2, 10_000]))
def test_json_list_loads_back_and_has_one_record_per_line(rows, batch_rows):
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(writers, "BATCH_ROWS", batch_rows):
        path = Path(tmp) / "out.json"
        table = _table(rows)
        writers.write_json_list(table, path)
        text = path.read_bytes().decode("utf-8")
    assert json.loads(text) == rows
    if rows:
        body = ",\n".join(json.dumps(r, ensure_ascii=False) for r in table.to_pylist())
        assert text == "[\n" + body + "\n]\n"
    else:
        assert text == "[]\n"


def test_empty_table_gives_empty_jsonl_and_rows_without_columns_give_empty_objects(tmp_path):
    writers.write_jsonl(_table([]), tmp_path / "e.jsonl")
    assert (tmp_path / "e.jsonl").read_bytes() == b""
    writers.write_json_list(pa.table({"a": [1, 2]}).select([]), tmp_path / "e.json")
    assert (tmp_path / "e.json").read_text() == "[\n{},\n{}\n]\n"


def test_other_column_types_are_written_as_json_dumps_writes_them(tmp_path):
    table = pa.table({
        "i": pa.array([1, None, -(2**62)], pa.int64()),
        "u8": pa.array([0, 255, None], pa.uint8()),
        "f": pa.array([0.1, 1.0, None], pa.float64()),
        "b": pa.array([True, False, None]),
        "l": pa.array([["x", "中"], [], None], pa.list_(pa.string())),
        "s": pa.array([{"k": "v", "n": 1}, None, {"k": "\n", "n": None}]),
        "d": pa.array(["x", "y", "x"]).dictionary_encode(),
        "n": pa.nulls(3),
        "big": pa.array(["大", None, '"'], pa.large_string()),
        "view": pa.array(["\n", "视图", None], pa.string_view()),
        "day": pa.array([dt.date(2024, 1, 2), None, dt.date(1999, 12, 31)]),
        "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), None, None], pa.timestamp("s")),
    })
    writers.write_jsonl(table, tmp_path / "t.jsonl")

    def iso(value):
        return value.isoformat()

    expected = "".join(json.dumps(r, ensure_ascii=False, default=iso) + "\n" for r in table.to_pylist())
    assert (tmp_path / "t.jsonl").read_text(encoding="utf-8") == expected


def test_non_finite_floats_become_null(tmp_path):
    table = pa.table({"x": [float("nan"), float("inf"), -float("inf"), 2.5]})
    writers.write_jsonl(table, tmp_path / "f.jsonl")
    assert (tmp_path / "f.jsonl").read_text() == '{"x": null}\n{"x": null}\n{"x": null}\n{"x": 2.5}\n'


def test_value_json_cannot_hold_is_a_user_error_and_leaves_no_file(tmp_path):
    table = pa.table({"id": ["a"], "audio": pa.array([b"\x00\x01"], pa.binary())})
    with pytest.raises(UserError, match="column 'audio'.*parquet"):
        writers.write_jsonl(table, tmp_path / "x.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_output_does_not_depend_on_chunking_slicing_or_threads(tmp_path):
    rows = [{"id": str(i), "a": None if i % 5 == 0 else f'第{i}行\n"q"', "b": "\x01" if i % 7 == 0 else "b"}
            for i in range(3000)]
    whole = _table(rows)
    pieces = pa.concat_tables([whole.slice(0, 1), whole.slice(1, 1500), whole.slice(1501)])
    outputs = []
    variants = [(whole, 1, 10_000), (pieces, 4, 10_000), (pieces, 2, 64), (whole, 1, 1)]
    for table, workers, batch_rows in variants:
        with mock.patch.multiple(writers, _WORKERS=workers, BATCH_ROWS=batch_rows):
            writers.write_jsonl(table, tmp_path / "o.jsonl")
        outputs.append((tmp_path / "o.jsonl").read_bytes())
    assert outputs[0].decode("utf-8") == _dumps_lines(rows)
    assert all(o == outputs[0] for o in outputs)


def test_parquet_is_byte_identical_and_chunking_independent(tmp_path):
    rows = [{"id": str(i), "a": f"问题 {i % 97}", "b": None if i % 3 else "x"} for i in range(5000)]
    table = _table(rows)
    chunked = pa.concat_tables([table.slice(0, 10), table.slice(10, 2000), table.slice(2010)])
    hashes = set()
    for t in (table, table, chunked):
        writers.write_parquet(t, tmp_path / "p.parquet")
        hashes.add((tmp_path / "p.parquet").read_bytes())
    assert len(hashes) == 1
    assert pq.read_table(tmp_path / "p.parquet").to_pylist() == rows
    meta = pq.ParquetFile(tmp_path / "p.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_write_records_lines_and_list(tmp_path):
    batches = [[{"q": "一", "n": 1}], [], [{"q": "two\n", "n": None}, {"q": "3"}]]
    writers.write_records(batches, tmp_path / "r.jsonl", json_lines=True)
    writers.write_records(batches, tmp_path / "r.json", json_lines=False)
    flat = [r for b in batches for r in b]
    assert (tmp_path / "r.jsonl").read_text(encoding="utf-8") == _dumps_lines(flat)
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == flat
    assert (tmp_path / "r.json").read_text(encoding="utf-8").startswith('[\n{"q": "一", "n": 1},\n')


def test_row_batches_selects_existing_columns_in_bounded_batches():
    table = pa.table({"id": [str(i) for i in range(25)], "x": list(range(25))})
    with mock.patch.object(writers, "BATCH_ROWS", 10):
        batches = list(writers.row_batches(table, ["x", "missing"]))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert batches[2][-1] == {"x": 24}


def test_existing_file_is_replaced_whole(tmp_path):
    path = tmp_path / "sub" / "o.jsonl"
    writers.write_jsonl(_table([{"id": "1", "a": "x" * 1000, "b": ""}]), path)
    writers.write_jsonl(_table([{"id": "2", "a": None, "b": ""}]), path)
    assert path.read_text() == '{"id": "2", "a": null, "b": ""}\n'
    assert [p.name for p in path.parent.iterdir()] == ["o.jsonl"]


def test_bytes_hidden_under_null_slots_are_ignored(tmp_path):
    # Arrow lets a null slot span bytes; they must not be escaped or written.
    data = pa.py_buffer(b'ok\x01"null"\n')
    offsets = pa.array([0, 2, data.size], pa.int64()).buffers()[1]
    validity = pa.py_buffer(bytes([0b01]))
    hidden = pa.Array.from_buffers(pa.large_string(), 2, [validity, offsets, data], null_count=1)
    writers.write_jsonl(pa.table({"a": hidden}), tmp_path / "n.jsonl")
    assert (tmp_path / "n.jsonl").read_text() == '{"a": "ok"}\n{"a": null}\n'
