"""HFSource, offline: local dataset folders, builder + data_files, save_to_disk folders, a cached Hub copy."""

from __future__ import annotations

import inspect
import json
import shutil
import time
from pathlib import Path

import datasets
import datasets.config
import huggingface_hub.constants
import pytest
from omegaconf import OmegaConf

from dsbuild.errors import UserError
from dsbuild.sources.hf import HFSource

FAKE_TOKEN = "hf_" + "Zq7" * 10


@pytest.fixture(autouse=True)
def hf_cache(tmp_path, monkeypatch) -> Path:
    """Offline mode and a private cache; module constants too, as both libraries read them at import."""
    home = tmp_path / "hf_home"
    cache = home / "datasets"
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(home / "hub"))
    return cache


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def qa_folder(root: Path) -> Path:
    write_jsonl(root / "data" / "train.jsonl", [{"q": "2+2?", "a": "4"}, {"q": "3+3?", "a": "6"}])
    write_jsonl(root / "data" / "test.jsonl", [{"q": "1+1?", "a": "2"}])
    return root


def user_error(src: HFSource) -> str:
    with pytest.raises(UserError) as info:
        src.load()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_local_folder_reads_the_requested_split(tmp_path):
    root = qa_folder(tmp_path / "arith")
    src = HFSource(path=str(root), split="test")
    loaded = src.load()
    assert src.name == "arith"
    assert loaded.rows_read == 1
    assert loaded.table.column("q").to_pylist() == ["1+1?"]
    assert loaded.table.column("source").to_pylist() == ["arith"]
    assert loaded.table.column("source_ref").to_pylist() == [f"{root}:test[0]"]
    [entry] = loaded.inputs
    assert entry["kind"] == "hf" and entry["split"] == "test" and entry["rows"] == 1
    assert [f["name"] for f in entry["files"]] == ["data/test.jsonl"]
    assert entry["files"][0]["bytes"] == (root / "data" / "test.jsonl").stat().st_size


def test_builder_name_with_data_files(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"q": "a", "a": "b"}, {"q": "c", "a": "d"}])
    src = HFSource(path="json", data_files=str(path))
    loaded = src.load()
    assert src.name == "json"
    assert loaded.rows_read == 2
    assert loaded.table.column("source_ref").to_pylist() == ["json:train[0]", "json:train[1]"]
    assert [f["name"] for f in loaded.inputs[0]["files"]] == ["qa.jsonl"]


def test_data_files_from_a_hydra_config_and_a_slice(tmp_path):
    root = qa_folder(tmp_path / "arith")
    files = OmegaConf.create({"train": [str(root / "data" / "train.jsonl")]})
    src = HFSource(path="json", data_files=files, split="train[1:]", source_name="arith")
    loaded = src.load()
    assert loaded.table.column("q").to_pylist() == ["3+3?"]
    assert loaded.table.column("source_ref").to_pylist() == ["json:train[1:][0]"]
    assert loaded.inputs[0]["rows"] == 1


def test_save_to_disk_folders(tmp_path):
    dd = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"q": ["a", "b"]}),
        "test": datasets.Dataset.from_dict({"q": ["c"]}),
    })
    dd.save_to_disk(str(tmp_path / "dd"))
    loaded = HFSource(path=str(tmp_path / "dd"), split="test").load()
    assert loaded.table.column("q").to_pylist() == ["c"]
    assert all(f["name"].startswith("test/") for f in loaded.inputs[0]["files"])

    dd["train"].save_to_disk(str(tmp_path / "single"))
    loaded = HFSource(path=str(tmp_path / "single")).load()
    assert loaded.table.column("q").to_pylist() == ["a", "b"]
    assert loaded.rows_read == 2


def test_columns_mapping_and_id_column(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [
        {"qid": "q1", "prompt": "2+2?", "answer": "4", "extra": 1},
        {"qid": "q2", "prompt": "3+3?", "answer": "6", "extra": 2},
        {"qid": "q1", "prompt": "dup", "answer": "x", "extra": 3},
    ])
    src = HFSource(
        path="json", data_files=str(path), columns={"question": "prompt", "response": "answer"},
        id_column="qid", source_name="qa",
    )
    loaded = src.load()
    assert loaded.rows_read == 3
    assert loaded.table.column_names == ["id", "question", "response", "source", "source_ref"]
    assert loaded.table.column("id").to_pylist() == ["q1", "q2"]
    assert loaded.table.column("question").to_pylist() == ["2+2?", "3+3?"]
    assert loaded.rejected.column("source_ref").to_pylist() == ["json:train[2]"]

    kept = HFSource(path="json", data_files=str(path), columns={"question": "prompt"}, keep_columns=True)
    assert "extra" in kept.load().table.column_names


def test_fingerprint_follows_file_content(tmp_path):
    root = qa_folder(tmp_path / "arith")
    first = HFSource(path=str(root), split="train").fingerprint()
    assert HFSource(path=str(root), split="train").fingerprint() == first

    moved = shutil.copytree(root, tmp_path / "elsewhere" / "arith")
    assert HFSource(path=str(moved), split="train").fingerprint()[0]["files"] == first[0]["files"]

    write_jsonl(root / "data" / "train.jsonl", [{"q": "2+2?", "a": "5"}, {"q": "3+3?", "a": "6"}])
    changed = HFSource(path=str(root), split="train")
    assert changed.fingerprint()[0]["files"] != first[0]["files"]
    assert changed.load().table.column("a").to_pylist() == ["5", "6"]


def test_fingerprint_then_load_reads_once(tmp_path, monkeypatch):
    root = qa_folder(tmp_path / "arith")
    calls = []
    real = datasets.load_dataset_builder
    monkeypatch.setattr(datasets, "load_dataset_builder", lambda *a, **k: calls.append(a) or real(*a, **k))
    src = HFSource(path=str(root))
    inputs = src.fingerprint()
    assert src.load().inputs == inputs
    assert len(calls) == 1


def test_unknown_split_lists_the_splits(tmp_path):
    root = qa_folder(tmp_path / "arith")
    message = user_error(HFSource(path=str(root), split="validation"))
    assert "source.split 'validation'" in message and "train, test" in message

    only_train = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"q": ["a"]})})
    only_train.save_to_disk(str(tmp_path / "dd"))
    message = user_error(HFSource(path=str(tmp_path / "dd"), split="test"))
    assert "source.split 'test'" in message and "(splits: train)" in message


def test_malformed_split_expression(tmp_path):
    message = user_error(HFSource(path=str(qa_folder(tmp_path / "arith")), split="train[abc]"))
    assert "source.split 'train[abc]'" in message


def test_empty_splits(tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "train.csv").write_text("q,a\n", encoding="utf-8")
    message = user_error(HFSource(path="csv", data_files=str(tmp_path / "csv" / "train.csv")))
    assert "source.split 'train'" in message and "has no rows" in message

    write_jsonl(tmp_path / "jsonl" / "train.jsonl", [])
    message = user_error(HFSource(path="json", data_files=str(tmp_path / "jsonl" / "train.jsonl")))
    assert "source.path 'json'" in message and "empty" in message

    empty = datasets.Dataset.from_dict({"q": ["a"]}).select([])
    datasets.DatasetDict({"train": empty}).save_to_disk(str(tmp_path / "dd"))
    assert "has no rows" in user_error(HFSource(path=str(tmp_path / "dd")))


def test_missing_data_files(tmp_path):
    message = user_error(HFSource(path="json", data_files=str(tmp_path / "nope.jsonl")))
    assert "source.path 'json'" in message and "nope.jsonl" in message


def test_uncached_hub_id_fails_fast_without_leaking_the_token(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    start = time.monotonic()
    message = user_error(HFSource(path="FreedomIntelligence/medical-o1-reasoning-SFT", name="en"))
    assert time.monotonic() - start < 15
    assert "source.path 'FreedomIntelligence/medical-o1-reasoning-SFT'" in message
    assert "source.name 'en'" in message
    assert "offline" in message and "data_files" in message and "HF_DATASETS_OFFLINE" in message
    assert FAKE_TOKEN not in message


def cache_hub_copy(tmp_path: Path, cache: Path, repo: str, commit: str) -> None:
    """Lay out a Hub dataset in the datasets cache the way an online `load_dataset` leaves it."""
    builder = datasets.load_dataset_builder(str(qa_folder(tmp_path / "hub_src")))
    builder.download_and_prepare()
    owner, name = repo.split("/")
    target = cache / f"{owner}___{name}" / "default" / "0.0.0" / commit
    shutil.copytree(builder.cache_dir, target)
    for arrow in target.glob("hub_src-*.arrow"):
        arrow.rename(target / arrow.name.replace("hub_src", name, 1))


def test_cached_hub_copy_reports_its_commit(tmp_path, hf_cache):
    commit = "0123456789abcdef0123456789abcdef01234567"
    cache_hub_copy(tmp_path, hf_cache, "someorg/tiny-qa", commit)
    src = HFSource(path="someorg/tiny-qa", split="test")
    loaded = src.load()
    assert src.name == "tiny-qa"
    assert loaded.table.column("q").to_pylist() == ["1+1?"]
    assert loaded.table.column("source_ref").to_pylist() == ["someorg/tiny-qa:test[0]"]
    [entry] = loaded.inputs
    assert entry["revision"] == commit and entry["rows"] == 1 and "files" not in entry
    again = HFSource(path="someorg/tiny-qa", split="test").fingerprint()
    assert again[0]["fingerprint"] == entry["fingerprint"]

    other = "f" * 40
    message = user_error(HFSource(path="someorg/tiny-qa", revision=other))
    assert f"source.revision '{other}'" in message and commit in message


def test_trust_remote_code_is_reported_when_unsupported(tmp_path):
    if "trust_remote_code" in inspect.signature(datasets.load_dataset_builder).parameters:
        pytest.skip("this datasets version still takes trust_remote_code")
    src = HFSource(path=str(qa_folder(tmp_path / "arith")), trust_remote_code=True)
    with pytest.warns(UserWarning, match="trust_remote_code"):
        assert src.load().rows_read == 2


def test_stream_gives_the_records_load_gives_in_batches(tmp_path):
    from dsbuild.execute.spill import Spill, WorkFolder

    rows = [{"qid": f"q{i % 25}" if i % 13 else "", "prompt": f"question {i % 25}?", "answer": f"a{i % 25}", "n": i % 5}
            for i in range(60)]
    path = write_jsonl(tmp_path / "qa.jsonl", rows)
    for options in ({}, {"columns": {"question": "prompt", "response": "answer"}, "keep_columns": True},
                    {"id_column": "qid"}):
        source = HFSource(path="json", data_files=str(path), **options)
        loaded = source.load()
        streamed = source.stream(WorkFolder(tmp_path / "work", batch_rows=7))
        assert isinstance(streamed.table, Spill) and len(streamed.table.parts) > 1
        assert streamed.table.read_all().equals(loaded.table), options
        assert streamed.rows_read == loaded.rows_read == 60
        assert (streamed.rejected is None) == (loaded.rejected is None), options
        if loaded.rejected is not None:
            assert streamed.rejected.to_pylist() == loaded.rejected.to_pylist()
    loaded_ids = HFSource(path="json", data_files=str(path)).load().table.column("id").to_pylist()
    assert any(i.endswith("-2") for i in loaded_ids)  # repeated content: the suffixes were compared too


def test_stream_names_a_missing_column_as_load_does(tmp_path):
    from dsbuild.execute.spill import WorkFolder

    path = write_jsonl(tmp_path / "qa.jsonl", [{"prompt": "2+2?"}])
    source = HFSource(path="json", data_files=str(path), columns={"question": "nope"})
    with pytest.raises(UserError) as loading:
        source.load()
    with pytest.raises(UserError) as streaming:
        source.stream(WorkFolder(tmp_path / "work"))
    assert str(streaming.value) == str(loading.value) and "source.columns.question" in str(loading.value)
