"""`dsbuild versions | show | verify | diff | rebuild` on two real builds of the example (split seeds 1 and 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import dsbuild

EXAMPLE = Path(dsbuild.__file__).parent / "examples" / "doctor_qa.jsonl"


def test_versions_lists_both_newest_first(two_versions, dsbuild_cmd):
    first, second = two_versions
    code, out, _ = dsbuild_cmd("versions", "--root", first.parent.parent, "--json")
    entries = json.loads(out)
    assert code == 0
    assert [e["version_id"] for e in entries] == [second.name, first.name]
    assert entries[0]["overrides"][0] == "split.seed=2" and entries[0]["rejects"] == 40
    assert sum(entries[0]["rows"].values()) == 156 and list(entries[0]["rows"]) == ["train", "validation", "test"]
    code, out, _ = dsbuild_cmd("versions", "doctor_qa", "--root", first.parent.parent)
    assert code == 0 and first.name in out and second.name in out and "split.seed=1" in out


def test_versions_of_an_unknown_dataset_is_a_one_line_error(two_versions, dsbuild_cmd):
    code, out, err = dsbuild_cmd("versions", "nope", "--root", two_versions[0].parent.parent)
    assert code == 2 and err.count("\n") == 1 and "no dataset 'nope'" in err and "doctor_qa" in err


def test_show_prints_the_stages_splits_and_card(two_versions, dsbuild_cmd):
    code, out, _ = dsbuild_cmd("show", two_versions[0])
    assert code == 0
    for text in ("load", "clean", "exact_dedup 20", "validate", "split.seed=1", "doctor_qa.jsonl",
                 str(two_versions[0] / "README.md")):
        assert text in out
    assert out.index("train") < out.index("validation") < out.index("test.json")


def test_verify_passes_on_a_fresh_build(two_versions, dsbuild_cmd):
    code, out, _ = dsbuild_cmd("verify", two_versions[0])
    # 3 splits + 3 lineage files + rejects + 3 figures + card + dataset_info
    assert code == 0 and out.startswith("verified: 15 files match")


def test_verify_names_a_changed_a_missing_and_an_unlisted_file(own_copy, dsbuild_cmd):
    train = own_copy / "train.json"
    train.write_text(train.read_text(encoding="utf-8").replace("Question", "question", 1), encoding="utf-8")
    (own_copy / "test.lineage.jsonl").unlink()
    (own_copy / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, _ = dsbuild_cmd("verify", own_copy)
    lines = out.splitlines()
    assert code == 1
    assert any(line.startswith("train.json: changed (sha256") for line in lines)
    assert "test.lineage.jsonl: missing (listed in manifest.json)" in lines
    assert "notes.txt: not listed in manifest.json" in lines
    assert lines[-1].startswith("3 file(s) differ") and "(13 match)" in lines[-1]


def test_verify_finds_a_version_by_id_under_root(own_copy, dsbuild_cmd):
    code, out, _ = dsbuild_cmd("verify", own_copy.name, "--root", own_copy.parent.parent)
    assert code == 0 and str(own_copy) in out


def _splits_by_id(folder: Path) -> dict[str, str]:
    where = {}
    for split in ("train", "validation", "test"):
        for line in (folder / f"{split}.lineage.jsonl").read_text(encoding="utf-8").splitlines():
            where[json.loads(line)["id"]] = split
    return where


def test_diff_reports_the_seed_and_the_rows_that_moved(two_versions, dsbuild_cmd):
    first, second = two_versions
    code, out, _ = dsbuild_cmd("diff", first, second)
    assert code == 0
    assert "  split.seed: 1 -> 2" in out.splitlines()
    assert "- split.seed=1" in out and "+ split.seed=2" in out
    code, out, _ = dsbuild_cmd("diff", first.name, second.name, "--root", first.parent.parent, "--json")
    diff = json.loads(out)
    assert {"key": "split.seed", "change": "changed", "a": 1, "b": 2} in diff["config"]
    assert diff["inputs"] == []
    a, b = _splits_by_id(first), _splits_by_id(second)
    expected = {(a[i], b[i]) for i in a if a[i] != b[i]}
    moved = diff["rows"]["moved"]
    assert {(m["from"], m["to"]) for m in moved} == expected
    assert sum(m["rows"] for m in moved) == sum(a[i] != b[i] for i in a) > 0
    assert all(b[i] == m["to"] and a[i] == m["from"] for m in moved for i in m["examples"])
    for split in diff["rows"]["splits"].values():  # same rows, only moved: nothing added, removed or changed
        assert (split["added"], split["removed"], split["changed"]) == (0, 0, 0)


def test_diff_of_an_unknown_version_is_a_one_line_error(two_versions, dsbuild_cmd):
    code, _, err = dsbuild_cmd("diff", two_versions[0], "deadbeef0000", "--root", two_versions[0].parent.parent)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("dsbuild: error: deadbeef0000: not a version folder, and no version with that id")


def test_a_missing_argument_is_a_one_line_error(dsbuild_cmd):
    code, _, err = dsbuild_cmd("show")
    assert code == 2 and err.count("\n") == 1 and "dsbuild show" in err and "version" in err


def test_rebuild_reports_a_file_that_differs(own_copy, dsbuild_cmd, tmp_path):
    card = own_copy / "README.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
    code, out, _ = dsbuild_cmd("rebuild", own_copy, "--output-dir", tmp_path / "again")
    assert code == 1
    assert any(line.startswith("README.md: sha256 ") for line in out.splitlines())
    assert "1 file(s) differ, 15 identical" in out  # every other file, the manifest included, is byte-identical
    rebuilt = tmp_path / "again" / "doctor_qa" / own_copy.name
    assert (rebuilt / "train.json").read_bytes() == (own_copy / "train.json").read_bytes()


def test_rebuild_stops_on_a_changed_input_naming_it(tmp_path, dsbuild_cmd, build_version):
    data = tmp_path / "qa.jsonl"
    shutil.copyfile(EXAMPLE, data)
    version = build_version(tmp_path / "datasets", f"source.path={data}")
    with open(data, "a", encoding="utf-8") as fh:
        fh.write('{"question": "new?", "reasoning": "r", "answer": "a"}\n')
    code, out, err = dsbuild_cmd("rebuild", version)
    assert code == 2 and err.count("\n") == 1
    assert f"input {data} changed since the build" in err
    data.unlink()
    code, _, err = dsbuild_cmd("rebuild", version)
    assert code == 2 and f"input {data} (recorded in" in err and "is missing" in err


def test_rebuild_into_the_version_own_folder_is_refused(two_versions, dsbuild_cmd):
    code, _, err = dsbuild_cmd("rebuild", two_versions[0], "--output-dir", two_versions[0].parent.parent)
    assert code == 2 and "holds the version itself" in err


@pytest.mark.slow
def test_a_tracked_version_rebuilds_byte_identical_and_logs_no_run(tmp_path, dsbuild_cmd, build_version):
    import mlflow

    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    version = build_version(tmp_path / "datasets", "tracking=mlflow", f"tracking.tracking_uri={store}")
    code, out, err = dsbuild_cmd("rebuild", version)
    assert code == 0 and out.splitlines()[-1].startswith("byte-identical"), out + err
    client = mlflow.MlflowClient(store)
    assert len(client.search_runs([client.get_experiment_by_name("doctor_qa").experiment_id])) == 1


def test_show_verify_and_diff_take_a_unique_id_prefix(two_versions, dsbuild_cmd):
    first, second = two_versions
    root = first.parent.parent
    code, out, _ = dsbuild_cmd("verify", first.name[:6], "--root", root)
    assert code == 0 and out.startswith("verified:") and str(first) in out
    code, out, _ = dsbuild_cmd("show", f"doctor_qa/{second.name[:5]}", "--root", root)
    assert code == 0 and "split.seed=2" in out
    code, out, _ = dsbuild_cmd("diff", first.name[:8], second.name[:8], "--root", root, "--json")
    assert code == 0 and json.loads(out)["rows"]["moved"]


def test_an_ambiguous_or_too_short_prefix_is_a_one_line_error(tmp_path, two_versions, dsbuild_cmd):
    root = tmp_path / "root"
    first = two_versions[0]
    for twin in ("abcd1111aaaa", "abcd2222bbbb"):  # two copies whose ids share a prefix
        shutil.copytree(first, root / "doctor_qa" / twin)
    code, _, err = dsbuild_cmd("show", "abcd", "--root", root)
    assert code == 2 and err.count("\n") == 1
    assert "abcd names 2 versions (doctor_qa/abcd1111aaaa, doctor_qa/abcd2222bbbb); give more of the id" in err
    code, _, err = dsbuild_cmd("show", "abc", "--root", root)  # 3 characters match nothing by accident
    assert code == 2 and "no version with that id" in err and "at least 4 characters" in err
