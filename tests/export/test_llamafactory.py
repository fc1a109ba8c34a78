import json

import datasets
import pyarrow as pa
import pytest

from dsbuild.export import llamafactory
from dsbuild.export.formats import Alpaca, CotSft, Jsonl, OpenAI, Parquet, ShareGPT

WITH_SYSTEM = [
    {"id": "1", "system": "你是一名医生。", "question": "头疼怎么办？", "input": None, "cot": "想一想。",
     "response": "休息。"},
    {"id": "2", "system": None, "question": "发烧怎么办？", "input": "三十九度", "cot": "先量体温。",
     "response": "多喝水。"},
]
WITHOUT_SYSTEM = [
    {"id": "3", "system": None, "question": "咳嗽怎么办？", "input": None, "cot": "看痰。",
     "response": "多休息。"},
]
EXPORTERS = [
    CotSft(), Alpaca(), Alpaca(reasoning="drop"), ShareGPT(), ShareGPT(system_prompt="默认提示"),
    ShareGPT(reasoning="drop"), OpenAI(), OpenAI(reasoning="drop", system_prompt="默认提示"), Jsonl(), Parquet(),
]


def _load(path, cache):
    kind = "parquet" if path.suffix == ".parquet" else "json"
    return datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(cache))


def _as_llamafactory_reads(entry: dict, record: dict) -> tuple[str, list[tuple[str, str]]]:
    """(system, turns) of one record under a dataset_info entry, following LLaMA-Factory's documented
    rules: with `columns` / `tags` given, undeclared ones are None; declared columns must exist."""
    columns, tags = entry.get("columns"), entry.get("tags")

    def column(key, default):
        return default if columns is None else columns.get(key)

    def tag(key, default):
        return default if tags is None else tags.get(key)

    system_column = column("system", None)
    system = record[system_column] if system_column else ""
    if entry.get("formatting", "alpaca") == "alpaca":
        prompt, query = column("prompt", "instruction"), column("query", "input")
        user = "\n".join(record[c] for c in (prompt, query) if c and record[c])
        return system or "", [("user", user), ("assistant", record[column("response", "output")])]
    role, content = tag("role_tag", "from"), tag("content_tag", "value")
    messages = record[column("messages", "conversations")]
    system_tag = tag("system_tag", "system")
    if system_tag and messages and messages[0][role] == system_tag:
        system, messages = messages[0][content], messages[1:]
    roles = {tag("user_tag", "human"): "user", tag("assistant_tag", "gpt"): "assistant"}
    return system or "", [(roles[m[role]], m[content]) for m in messages]


def _expected(exporter, row: dict) -> tuple[str, list[tuple[str, str]]]:
    user = row["question"] + (f"\n{row['input']}" if row["input"] else "")
    with_cot = exporter.reasoning != "drop" and not isinstance(exporter, (CotSft, Jsonl, Parquet))  # views carry theirs
    answer = f"<think>\n{row['cot']}\n</think>\n\n{row['response']}" if with_cot else row["response"]
    if isinstance(exporter, CotSft):
        return "", [("user", row["question"]), ("assistant", row["response"])]
    system = row["system"] or getattr(exporter, "system_prompt", None) or ""
    return system, [("user", user), ("assistant", answer)]


@pytest.mark.parametrize("exporter", EXPORTERS, ids=repr)
def test_entries_make_llamafactory_read_what_the_rows_say(exporter, tmp_path):
    splits = {"train": WITH_SYSTEM, "test": WITHOUT_SYSTEM}
    files = {}
    for split, rows in splits.items():
        files[split] = f"{split}{exporter.extension}"
        exporter.write(pa.Table.from_pylist(rows), tmp_path / files[split])

    info = exporter.dataset_info("doctor_qa", files)
    assert info == llamafactory.dataset_info(exporter, "doctor_qa", files)
    assert list(info) == ["doctor_qa_train", "doctor_qa_test"]
    json.dumps(info)
    for split, rows in splits.items():
        entry = info[f"doctor_qa_{split}"]
        assert entry["file_name"] == files[split]
        assert entry["formatting"] in {"alpaca", "sharegpt"}
        loaded = _load(tmp_path / files[split], tmp_path / "hf")
        assert set(entry["columns"].values()) <= set(loaded.column_names)
        assert [_as_llamafactory_reads(entry, r) for r in loaded] == [_expected(exporter, r) for r in rows]


def test_system_column_is_declared_only_for_splits_whose_records_have_it(tmp_path):
    exporter = ShareGPT()
    exporter.write(pa.Table.from_pylist(WITH_SYSTEM), tmp_path / "train.json")
    exporter.write(pa.Table.from_pylist(WITHOUT_SYSTEM), tmp_path / "test.json")
    info = exporter.dataset_info("d", {"train": "train.json", "test": "test.json"})
    assert info["d_train"]["columns"] == {"messages": "conversations", "system": "system"}
    assert info["d_test"]["columns"] == {"messages": "conversations"}


def test_entries_per_format(tmp_path):
    sharegpt_tags = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt"}
    openai_tags = {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                   "assistant_tag": "assistant", "system_tag": "system"}
    expected = [
        (CotSft(), {"formatting": "alpaca", "columns": {"prompt": "Question", "response": "Response"}}),
        (Alpaca(), {"formatting": "alpaca", "columns": {
            "prompt": "instruction", "query": "input", "response": "output", "system": "system"}}),
        (ShareGPT(), {"formatting": "sharegpt", "columns": {"messages": "conversations", "system": "system"},
                      "tags": sharegpt_tags}),
        (OpenAI(), {"formatting": "sharegpt", "columns": {"messages": "messages"}, "tags": openai_tags}),
        (Jsonl(), {"formatting": "alpaca", "columns": {
            "prompt": "question", "response": "response", "query": "input", "system": "system"}}),
    ]
    for exporter, entry in expected:
        file_name = f"{exporter.name}{exporter.extension}"
        exporter.write(pa.Table.from_pylist(WITH_SYSTEM), tmp_path / file_name)
        info = exporter.dataset_info("d", {"train": file_name})
        assert info == {"d_train": {"file_name": file_name, **entry}}


@pytest.mark.parametrize("exporter", [Jsonl(), Parquet()], ids=repr)
def test_dump_without_question_and_response_gets_no_entry(exporter, tmp_path):
    exporter.write(pa.table({"id": ["1"], "text": ["一段文字"]}), tmp_path / f"train{exporter.extension}")
    assert exporter.dataset_info("d", {"train": f"train{exporter.extension}"}) == {}
    file_name = f"x{exporter.extension}"
    exporter.write(pa.table({"id": ["1"], "question": ["问"], "response": ["答"]}), tmp_path / file_name)
    assert exporter.dataset_info("d", {"x": file_name}) == {"d_x": {
        "file_name": file_name, "formatting": "alpaca",
        "columns": {"prompt": "question", "response": "response"},
    }}


def test_split_the_exporter_did_not_write_is_an_error(tmp_path):
    exporter = Alpaca()
    exporter.write(pa.Table.from_pylist(WITH_SYSTEM), tmp_path / "train.json")
    assert "d_train" in exporter.dataset_info("d", {"train": "sub/train.json"})
    with pytest.raises(ValueError, match="has not written 'test.json'"):
        exporter.dataset_info("d", {"train": "train.json", "test": "test.json"})


@pytest.mark.parametrize("exporter", [CotSft(), Jsonl(), Parquet(),
                                      CotSft(reasoning_template="{cot}\n---\n{response}")], ids=repr)
def test_formats_that_keep_the_cot_apart_train_it_through_their_view(exporter, tmp_path):
    view = exporter.llamafactory_view(WITH_SYSTEM[0].keys())
    assert isinstance(view, Alpaca) and view.reasoning_template == exporter.reasoning_template
    view.write(pa.Table.from_pylist(WITH_SYSTEM), tmp_path / "train.llamafactory.json")
    entry = view.dataset_info("d", {"train": "train.llamafactory.json"})["d_train"]
    loaded = _load(tmp_path / "train.llamafactory.json", tmp_path / "hf")
    answers = [_as_llamafactory_reads(entry, r)[1][1][1] for r in loaded]
    template = exporter.reasoning_template or "<think>\n{cot}\n</think>\n\n{response}"
    assert answers == [template.format(cot=r["cot"], response=r["response"]) for r in WITH_SYSTEM]


def test_no_view_without_reasoning_to_train():
    assert CotSft(reasoning="drop").llamafactory_view(["question", "cot", "response"]) is None
    assert Jsonl().llamafactory_view(["id", "question", "response"]) is None  # no cot column
    assert Jsonl().llamafactory_view(["id", "text", "cot"]) is None  # no prompt and response
