"""Rebuild comparison: every byte counts except the manifest's volatile keys; config keys diff flattened."""

import json

from dsbuild.versions.compare import compare_folders, stable_manifest
from dsbuild.versions.config_diff import config_changes, input_changes

MANIFEST = {"version_id": "v", "created_at": "2024-01-01T00:00:00+00:00",
            "stages": [{"stage": "load", "kept": 3, "seconds": 0.5}],
            "llm": {"judge": {"model": "m", "sent": 3, "cached": 0, "cost_usd": 0.1}},
            "config": {"output_dir": "/a", "llm": {"model": "m", "concurrency": 4, "cache": "refresh"}}}


def write(folder, manifest, **files):
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return folder


def test_volatile_manifest_keys_are_ignored_but_content_is_not(tmp_path):
    later = {**MANIFEST, "created_at": "2025-01-01T00:00:00+00:00",
             "stages": [{"stage": "load", "kept": 3, "seconds": 9.0}],
             "llm": {"judge": {"model": "m", "sent": 0, "cached": 3, "cost_usd": 0.0}},
             "config": {"output_dir": "/b", "llm": {"model": "m", "concurrency": 64, "cache": "use"}}}
    assert stable_manifest(MANIFEST) == stable_manifest(later)
    a = write(tmp_path / "a", MANIFEST, train_json="[1]", notes_md="x")
    b = write(tmp_path / "b", later, train_json="[2]", extra_md="y")
    result = compare_folders(a, b)
    assert result.identical == 1
    assert result.differing[0] == "extra.md: only in the rebuild"
    assert result.differing[1] == "notes.md: not in the rebuild"
    assert result.differing[2].startswith("train.json: sha256 ")
    changed = write(tmp_path / "c", {**later, "llm": {"judge": {"model": "other"}}}, train_json="[1]", notes_md="x")
    assert compare_folders(a, changed).differing == ["manifest.json: differs in llm.judge.model"]


def test_config_changes_are_flattened_keys():
    changes = config_changes({"split": {"seed": 1, "ratios": [0.8, 0.1, 0.1]}, "old": 1},
                             {"split": {"seed": 2, "ratios": [0.8, 0.1, 0.1]}, "new": {"x": None}})
    assert changes == [{"key": "new.x", "change": "added", "b": None},
                       {"key": "old", "change": "removed", "a": 1},
                       {"key": "split.seed", "change": "changed", "a": 1, "b": 2}]


def test_input_changes_by_name():
    a = [{"kind": "file", "name": "qa.jsonl", "path": "/x/qa.jsonl", "sha256": "aa"}]
    b = [{"kind": "file", "name": "qa.jsonl", "path": "/y/qa.jsonl", "sha256": "bb"}, {"kind": "url", "url": "u"}]
    assert input_changes(a, b)[0] == {"input": "qa.jsonl", "change": "changed", "a": "aa", "b": "bb"}
    assert input_changes(a, b)[1]["change"] == "added" and input_changes(a, a) == []
