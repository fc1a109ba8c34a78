import csv

import pytest
from helpers import write_jsonl

from dsbuild.errors import UserError
from dsbuild.sources.files import FilesSource


def test_single_file_with_column_mapping_and_lineage(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"ask": "q1", "answer": "a1"}, {"ask": "q2", "answer": "a2"}])
    loaded = FilesSource(str(path), columns={"question": "ask", "response": "answer"}).load()
    rows = loaded.table.to_pylist()
    assert [r["question"] for r in rows] == ["q1", "q2"]
    assert rows[1]["source"] == "qa" and rows[1]["source_ref"] == "qa.jsonl:line 2"
    assert set(rows[0]) == {"id", "question", "response", "source", "source_ref"}
    assert loaded.rows_read == 2 and loaded.inputs[0]["name"] == "qa.jsonl"


def test_folder_and_glob_read_every_file_with_relative_refs(tmp_path):
    write_jsonl(tmp_path / "d" / "a.jsonl", [{"question": "q1"}])
    write_jsonl(tmp_path / "d" / "sub" / "b.jsonl", [{"question": "q2"}])
    refs = FilesSource(str(tmp_path / "d")).load().table.column("source_ref").to_pylist()
    assert refs == ["a.jsonl:line 1", "sub/b.jsonl:line 1"]
    globbed = FilesSource(str(tmp_path / "d" / "**" / "*.jsonl")).load().table
    assert globbed.num_rows == 2


def test_same_content_in_two_files_gets_unique_ids(tmp_path):
    write_jsonl(tmp_path / "d" / "a.jsonl", [{"question": "same"}])
    write_jsonl(tmp_path / "d" / "b.jsonl", [{"question": "same"}])
    ids = FilesSource(str(tmp_path / "d")).load().table.column("id").to_pylist()
    assert ids[1] == ids[0] + "-2"


def test_user_id_column_and_repeated_ids_are_rejected_not_lost(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"qid": "1", "q": "a"}, {"qid": "1", "q": "b"}, {"qid": "2", "q": "c"}])
    loaded = FilesSource(str(path), id_column="qid", columns={"question": "q"}).load()
    assert loaded.table.column("id").to_pylist() == ["1", "2"]
    rejected = loaded.rejected.to_pylist()
    assert rejected[0]["_reason"] == "id '1' repeats the row at qa.jsonl:line 1" and rejected[0]["question"] == "b"


def test_gb18030_csv_with_chinese_headers(tmp_path):
    path = tmp_path / "zh.csv"
    with open(path, "w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows([["问题", "回答"], ["头痛怎么办", "多休息，必要时就医"]])
    rows = FilesSource(str(path), columns={"question": "问题", "response": "回答"}).load().table.to_pylist()
    assert rows[0]["response"] == "多休息，必要时就医" and rows[0]["source_ref"] == "zh.csv:row 1"


@pytest.mark.parametrize("make, message", [
    (lambda p: str(p / "nope.jsonl"), "does not exist"),
    (lambda p: str(p / "*.zzz"), "matches no file"),
    (lambda p: "", "source.path is empty"),
])
def test_bad_paths(tmp_path, make, message):
    with pytest.raises(UserError, match=message):
        FilesSource(make(tmp_path))


def test_unknown_mapped_column_names_file_key_and_columns(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"ask": "q"}])
    with pytest.raises(UserError, match=r"source.columns.question names column 'question'.*columns: ask"):
        FilesSource(str(path), columns={"question": "question"}).load()


def test_fingerprint_follows_content(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"question": "q"}])
    first = FilesSource(str(path)).fingerprint()[0]["sha256"]
    write_jsonl(path, [{"question": "q2"}])
    assert FilesSource(str(path)).fingerprint()[0]["sha256"] != first
