"""`FilesSource.stream` gives, in a spill, exactly the records, rejects and counts `load()` gives in memory.

Blocks are a few dozen bytes and spill parts a few rows, so every file is read in many chunks.
"""

from __future__ import annotations

import csv
import json
import logging

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dsbuild.errors import UserError
from dsbuild.execute.spill import Spill, WorkFolder
from dsbuild.sources import chunks, files
from dsbuild.sources.base import id_rejects, user_ids
from dsbuild.sources.files import FilesSource

BLOCK = 64  # bytes per block: a few lines


def write_lines(path, lines: list[str], encoding: str = "utf-8", bom: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(f"{line}\n" for line in lines).encode(encoding))
    return path


def dumps(rows: list[dict | None]) -> list[str]:
    """JSON lines; None makes a blank line."""
    return ["" if row is None else json.dumps(row, ensure_ascii=False) for row in rows]


def stream_and_load(tmp_path, path, *, block=BLOCK, batch_rows=5, **options):
    source = FilesSource(str(path), **options)
    streamed = source.stream(WorkFolder(tmp_path / "work", batch_rows=batch_rows), block_bytes=block)
    return streamed, source.load()


def assert_same(streamed, loaded, *, min_parts: int = 2) -> pa.Table:
    assert isinstance(streamed.table, Spill) and len(streamed.table.parts) >= min_parts
    table = streamed.table.read_all()
    assert table.schema.equals(loaded.table.schema), f"{table.schema}\n!=\n{loaded.table.schema}"
    assert table.equals(loaded.table)
    assert (streamed.rows_read, streamed.inputs) == (loaded.rows_read, loaded.inputs)
    if loaded.rejected is None:
        assert streamed.rejected is None
    else:
        assert streamed.rejected.equals(loaded.rejected)
    return table


def error_of(call) -> str:
    with pytest.raises(UserError) as info:
        call()
    return str(info.value)


def work_files(tmp_path) -> list[str]:
    folder = tmp_path / "work"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_jsonl_folder_with_varying_columns_types_blank_lines_and_repeats(tmp_path):
    rows_a = [None]  # a blank first line
    for i in range(60):
        row = {"question": f"問題 {i % 9}", "score": i if i < 25 else (i + 0.5 if i < 45 else None)}
        if i % 6 == 0:
            row["meta"] = {"k": i, "tags": ["x"] * (i % 4)} if i < 30 else {"k": i, "note": "later key"}
        if i >= 40:
            row["hint"] = None if i % 2 else f"hint {i}"
        rows_a += [row, None] if i % 11 == 0 else [row]
    write_lines(tmp_path / "in" / "a.jsonl", dumps(rows_a), bom=True)
    write_lines(tmp_path / "in" / "sub" / "b.jsonl", dumps([{"question": "問題 1", "score": 2}, None, None,
                                                             {"question": "only here", "other": [1, 2]}]))
    write_lines(tmp_path / "in" / "c.json", dumps([{"question": "問題 3", "score": None}] * 3))
    streamed, loaded = stream_and_load(tmp_path, tmp_path / "in")
    table = assert_same(streamed, loaded, min_parts=5)
    ids = table.column("id").to_pylist()
    assert any(i.endswith("-2") for i in ids) and any(i.endswith("-3") for i in ids)
    assert table.column("source_ref")[1].as_py() == "a.jsonl:line 4"  # after blank lines 1 and 3
    assert [p.name for p in streamed.table.parts] == work_files(tmp_path)  # the intermediate spill is gone


def test_a_column_missing_from_early_blocks_still_enters_every_digest(tmp_path):
    rows = [{"question": f"q{i % 4}"} for i in range(20)] + [{"question": "q1", "response": "r"}]
    path = write_lines(tmp_path / "qa.jsonl", dumps(rows))
    assert_same(*stream_and_load(tmp_path, path))


@pytest.mark.parametrize("bad, message", [
    ('{"question": "broken', "line 14: not valid JSON"),
    ("[1, 2]", "line 14: a JSON list is not an object"),
    ('{"question": "a"} {"question": "b"}', "line 14: not valid JSON"),
])
def test_bad_line_far_into_the_file_names_the_same_line(tmp_path, bad, message):
    lines = dumps([{"question": f"q{i}"} for i in range(10)] + [None, None]) + ['{"question": "x"}', bad, "{}"]
    source = FilesSource(str(write_lines(tmp_path / "qa.jsonl", lines)))
    error = error_of(lambda: source.stream(WorkFolder(tmp_path / "work", batch_rows=5), block_bytes=BLOCK))
    assert error == error_of(source.load) and message in error
    assert work_files(tmp_path) == []


def test_json_file_holding_one_object_gives_the_same_error(tmp_path):
    path = tmp_path / "one.json"
    path.write_text('{\n  "question": "q",\n  "response": "r"\n}\n')
    source = FilesSource(str(path))
    error = error_of(lambda: source.stream(WorkFolder(tmp_path / "work"), block_bytes=8))
    assert error == error_of(source.load) and "a list of objects is expected" in error


def test_json_list_and_other_encodings_are_read_whole_per_file_and_still_stream(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "list.json").write_text(json.dumps([{"question": f"l{i}"} for i in range(6)]))
    write_lines(tmp_path / "in" / "gb.jsonl", dumps([{"question": f"头痛怎么办 {i}"} for i in range(8)]), "gb18030")
    write_lines(tmp_path / "in" / "wide.jsonl", dumps([{"question": f"w{i}"} for i in range(8)]), "utf-16")
    write_lines(tmp_path / "in" / "z.jsonl", dumps([{"question": f"z{i}"} for i in range(8)]))
    assert_same(*stream_and_load(tmp_path, tmp_path / "in"))


def test_number_in_one_block_and_text_in_another_falls_back_to_load(tmp_path, caplog):
    rows = [{"question": f"q{i}", "code": i} for i in range(10)] + [{"question": "q", "code": "A-1"}]
    path = write_lines(tmp_path / "qa.jsonl", dumps(rows))
    with caplog.at_level(logging.WARNING, logger="dsbuild"):
        streamed, loaded = stream_and_load(tmp_path, path)
    assert isinstance(streamed.table, pa.Table) and streamed.table.equals(loaded.table)
    assert loaded.table.schema.field("code").type == pa.string() and "read whole in memory" in caplog.text
    assert work_files(tmp_path) == []


def test_bytes_past_the_head_that_are_not_utf8_fall_back_to_load(tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "HEAD_BYTES", 64)  # the encoding is detected on the first lines only
    lines = dumps([{"question": f"q{i}"} for i in range(12)] + [{"question": "头痛怎么办"}])
    path = write_lines(tmp_path / "qa.jsonl", lines, "gb18030")
    streamed, loaded = stream_and_load(tmp_path, path)
    assert isinstance(streamed.table, pa.Table) and streamed.table.equals(loaded.table)
    assert loaded.table.column("question")[-1].as_py() == "头痛怎么办"


@pytest.mark.parametrize("name, delimiter", [("t.csv", ","), ("t.tsv", "\t")])
def test_csv_and_tsv(tmp_path, name, delimiter):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(["問題", "answer", "n"])
        for i in range(30):
            writer.writerow([f"q{i % 7}", "" if i % 5 == 0 else f"line one\nline {i}", "007"])
        fh.write(f'"quoted empty"{delimiter}""{delimiter}1\r\n')
    streamed, loaded = stream_and_load(tmp_path, path, columns={"question": "問題"}, keep_columns=True)
    table = assert_same(streamed, loaded)
    assert table.column("answer")[0].as_py() is None and table.column("answer")[-1].as_py() == ""


def test_csv_row_with_wrong_field_count_gives_the_whole_read_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "".join(f"x{i},y{i}\n" for i in range(20)) + "1,2,3\n")
    source = FilesSource(str(path))
    error = error_of(lambda: source.stream(WorkFolder(tmp_path / "work"), block_bytes=BLOCK))
    assert error == error_of(source.load) and "line 22: expected 2 fields" in error


def test_parquet_in_batches(tmp_path):
    (tmp_path / "in").mkdir()
    n = 40
    table = pa.table({
        "question": [f"q{i % 13}" for i in range(n)],
        "n": pa.array(range(n), pa.int32()),
        "x": [i / 3 for i in range(n)],
        "meta": [{"k": i, "v": [str(i)]} if i % 3 else None for i in range(n)],
        "empty": pa.nulls(n),
    })
    pq.write_table(table, tmp_path / "in" / "a.parquet", row_group_size=9)
    pq.write_table(table.slice(0, 5).drop_columns(["empty"]), tmp_path / "in" / "b.parquet")
    assert_same(*stream_and_load(tmp_path, tmp_path / "in"), min_parts=8)


def test_parquet_with_dictionary_columns_falls_back_to_load(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"label": pa.array(["a", "b", "a"] * 10).dictionary_encode()}), path, row_group_size=4)
    streamed, loaded = stream_and_load(tmp_path, path)
    assert isinstance(streamed.table, pa.Table) and streamed.table.equals(loaded.table)


def test_txt_line_by_line(tmp_path):
    lines = ["", "first line  ", "  indented", ""] + [f"line {i % 4}\t" for i in range(30)] + ["", "last"]
    path = write_lines(tmp_path / "notes.txt", lines)
    table = assert_same(*stream_and_load(tmp_path, path))
    assert table.column("source_ref")[0].as_py() == "notes.txt:line 2"


def test_user_id_column_with_empty_and_repeated_ids(tmp_path):
    ids = ["a", " b ", "", "c", "a", "  ", None, "b", "\u3000d", "d"] * 3
    rows = [{"qid": qid, "q": f"question {i}"} for i, qid in enumerate(ids)]
    write_lines(tmp_path / "in" / "a.jsonl", dumps(rows[:17]))
    write_lines(tmp_path / "in" / "b.jsonl", dumps(rows[17:]))
    streamed, loaded = stream_and_load(tmp_path, tmp_path / "in", id_column="qid", columns={"question": "q"})
    table = assert_same(streamed, loaded, min_parts=1)  # 4 rows kept
    assert table.column("id").to_pylist() == ["a", "b", "c", "d"]
    reasons = streamed.rejected.column("_reason").to_pylist()
    assert reasons[:2] == ["id column is empty", "id 'a' repeats the row at a.jsonl:line 1"]
    assert "id 'b' repeats the row at a.jsonl:line 2" in reasons


def test_user_ids_of_different_types_per_file(tmp_path):
    (tmp_path / "in").mkdir()
    pq.write_table(pa.table({"qid": [1, 2, 2], "question": ["a", "b", "c"]}), tmp_path / "in" / "a.parquet")
    pq.write_table(pa.table({"qid": [2.5, 1.0, None], "question": ["d", "e", "f"]}), tmp_path / "in" / "b.parquet")
    streamed, loaded = stream_and_load(tmp_path, tmp_path / "in", id_column="qid")
    assert_same(streamed, loaded, min_parts=1)
    assert streamed.rejected.column("_reason").to_pylist()[1] == "id '1' repeats the row at a.parquet:row 1"


def test_columns_mapping_when_the_mapped_column_starts_late_in_a_file(tmp_path):
    rows = [{"ask": None, "x": i} for i in range(12)] + [{"ask": "late", "answer": "r", "x": 1}]
    rows[3] = {"x": 3, "answer": "early"}
    path = write_lines(tmp_path / "qa.jsonl", dumps([rows[0]] + [{"x": r["x"]} for r in rows[1:12]] + [rows[12]]))
    for keep in (False, True):
        streamed, loaded = stream_and_load(tmp_path, path, columns={"question": "ask", "response": "answer"},
                                           keep_columns=keep)
        assert_same(streamed, loaded)


@pytest.mark.parametrize("rows, options, message", [
    ([{"q": "a", "source": "web"}], {}, "collides with a lineage field"),
    ([{"q": "a"}], {"id_column": "qid"}, "source.id_column 'qid' is not a column"),
    ([{"q": "a"}], {"columns": {"question": "ask"}}, "source.columns.question names column 'ask'"),
])
def test_config_mistakes_give_the_same_error(tmp_path, rows, options, message):
    path = write_lines(tmp_path / "qa.jsonl", dumps([{"q": f"q{i}"} for i in range(9)] + rows))
    source = FilesSource(str(path), **options)
    error = error_of(lambda: source.stream(WorkFolder(tmp_path / "work", batch_rows=3), block_bytes=BLOCK))
    assert error == error_of(source.load) and message in error
    assert work_files(tmp_path) == []


@pytest.mark.parametrize("name, content", [("e.jsonl", "\n \n\n"), ("e.txt", ""), ("e.csv", "a,b\n")])
def test_files_without_rows(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    source = FilesSource(str(path))
    error = error_of(lambda: source.stream(WorkFolder(tmp_path / "work"), block_bytes=4))
    assert error == error_of(source.load) and "no rows" in error


def test_large_jsonl_is_never_read_whole(tmp_path, monkeypatch):
    rows = [{"question": f"question {i % 500}", "response": "r" * (i % 50), "n": i} for i in range(3000)]
    path = write_lines(tmp_path / "big.jsonl", dumps(rows))
    loaded = FilesSource(str(path)).load()

    def refuse(*args, **kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(chunks, "read_file", refuse)
    monkeypatch.setattr(files, "read_file", refuse)
    monkeypatch.setattr(FilesSource, "load", refuse)
    streamed = FilesSource(str(path)).stream(WorkFolder(tmp_path / "work", batch_rows=400), block_bytes=4096)
    assert isinstance(streamed.table, Spill) and len(streamed.table.parts) >= 7
    assert streamed.table.read_all().equals(loaded.table)


def test_vectorized_user_ids_match_python_strip_and_first_occurrence():
    values = ["a", " a", "b\x1c", "", " \x85 ", None, "\u3000c", "c", "b", "a"] * 4
    cleaned = [None if v is None or not v.strip() else v.strip() for v in values]
    for array in (pa.array(values), pa.chunked_array([pa.array(values[:13]), pa.array(values[13:])])):
        ids = user_ids(array)
        assert ids.to_pylist() == cleaned
        rows, first = id_rejects(ids)
        seen: dict[str, int] = {}
        expected = []
        for i, value in enumerate(cleaned):
            if value is None or value in seen:
                expected.append((i, -1 if value is None else seen[value]))
            else:
                seen[value] = i
        assert list(zip(rows.tolist(), first.tolist())) == expected
