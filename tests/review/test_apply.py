"""`dsbuild review apply`: verdicts from CSV, the page's JSON or Label Studio make a new version next to its parent."""

import csv
import json

import pytest

from dsbuild.errors import UserError
from dsbuild.review import cli as review_cli
from dsbuild.review.apply import apply_verdicts, reviewed_version_id
from dsbuild.review.pack import write_pack
from dsbuild.review.sampling import draw_sample
from dsbuild.review.verdict_files import read_verdicts
from dsbuild.review.version_reader import read_version
from dsbuild.version.fingerprint import file_sha256

SPLITS = ("train", "validation", "test", "pilot")


def pack_of(version_dir, tmp_path, size=20, seed=1):
    version = read_version(version_dir)
    sample = draw_sample(version.splits, size, seed, "department")
    out, _ = write_pack(version, sample, size, tmp_path / "pack")
    return version, sample, out


def fill_csv(pack_dir, verdicts):
    """Fill the pack's items.csv as a spreadsheet user would: {row index: {column: value}}, others accepted."""
    with open(pack_dir / "items.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        row.update(verdicts.get(i, {"verdict": "accept"}))
    path = pack_dir / "verdicts.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def records_by_id(version_path, split):
    """{id: record} of a cot_sft split file, matched to ids through its lineage file."""
    records = json.loads((version_path / f"{split}.json").read_text(encoding="utf-8"))
    lineage = [json.loads(line) for line in (version_path / f"{split}.lineage.jsonl").read_text().splitlines()]
    return {line["id"]: record for line, record in zip(lineage, records, strict=True)}


def test_apply_from_csv_removes_rejects_applies_edits_and_records_the_review(version_dir, tmp_path):
    version, sample, pack_dir = pack_of(version_dir, tmp_path)
    items = sample.items
    path, _ = fill_csv(pack_dir, {
        0: {"verdict": "reject", "reason": "recommends a dose that is far too high"},
        1: {"verdict": "REJECT"},
        2: {"verdict": "", "edited_response": "Rest, drink water and see a doctor if it lasts."},
        3: {"verdict": "accept", "edited_question": "What should I do about a mild fever?"},
    })
    found = read_verdicts(path)
    result = apply_verdicts(version, found)
    new = result.path
    assert not result.existed and new.parent == version_dir.parent
    assert new.name == result.version_id == reviewed_version_id(version.id, found) != version.id

    manifest = json.loads((new / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parent"] == version.id and manifest["version_id"] == new.name
    assert manifest["name"] == "doctor_qa" and manifest["format"] == "cot_sft"
    review = manifest["review"]
    assert (review["reviewed"], review["accepted"], review["rejected"], review["edited"]) == (20, 18, 2, 2)
    assert review["verdicts"]["kind"] == "csv" and review["verdicts"]["sha256"] == file_sha256(path)
    assert manifest["stages"][-1] == {"stage": "review", "rows_in": 156, "kept": 154, "rejected": 2, "added": 0,
                                      "by_rule": {"reviewer": 2}, "seconds": 0.0}
    for info in manifest["splits"].values():
        assert file_sha256(new / info["file"]) == info["sha256"]

    rejected = {items[0].id: "recommends a dose that is far too high", items[1].id: "rejected by reviewer"}
    after = {s: records_by_id(new, s) for s in SPLITS}
    before = {s: records_by_id(version_dir, s) for s in SPLITS}
    for split in SPLITS:
        assert not set(rejected) & set(after[split])
        assert len(after[split]) == len(before[split]) - len(set(rejected) & set(before[split]))
    edited = {items[2].id: ("Response", "Rest, drink water and see a doctor if it lasts."),
              items[3].id: ("Question", "What should I do about a mild fever?")}
    for row_id, (key, value) in edited.items():
        split = next(s for s in ("train", "validation", "test") if row_id in after[s])
        assert after[split][row_id][key] == value
        assert {k: v for k, v in after[split][row_id].items() if k != key} == \
            {k: v for k, v in before[split][row_id].items() if k != key}
        if row_id in before["pilot"]:
            assert after["pilot"][row_id][key] == value
    touched = {it.split for it in items[:4]}
    for split in {"train", "validation", "test"} - touched:  # untouched splits keep their bytes
        assert (new / f"{split}.json").read_bytes() == (version_dir / f"{split}.json").read_bytes()

    parent_rejects = (version_dir / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    rejects = [json.loads(line) for line in (new / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rejects) == len(parent_rejects) + 2
    review_rejects = {r["id"]: r for r in rejects if r["_stage"] == "review"}
    assert {i: r["_reason"] for i, r in review_rejects.items()} == rejected
    assert all(r["_rule"] == "reviewer" and r["question"] and r["source_ref"] for r in review_rejects.values())

    card = (new / "README.md").read_text(encoding="utf-8")
    section = card[card.index("## Human review"):card.index("## Rebuild")]
    assert "| 20 | 18 | 2 | 2 |" in section
    # Wilson 95% for 2 of 20, by hand: centre (0.1 + 1.96²/40) / (1 + 1.96²/20) = 0.16445,
    # half-width 1.96·sqrt(0.1·0.9/20 + 1.96²/1600) / (1 + 1.96²/20) = 0.13658 -> 2.79% to 30.10%
    assert "**10.0%**" in section and "2.8% to 30.1%" in section
    assert manifest["review"]["error_rate"]["low"] == pytest.approx(0.02787, abs=5e-5)
    assert manifest["review"]["error_rate"]["high"] == pytest.approx(0.30103, abs=5e-5)
    # 156 rows in the parent: 15.6 -> 16 bad rows, from 156·0.02787 = 4.3 to 156·0.30103 = 47.0
    assert manifest["review"]["estimated_bad_rows"] == {"rows": 156, "estimate": 16, "low": 4, "high": 47}
    assert "about 16 rows (4 to 47) are bad" in section
    assert f"dsbuild review apply {version.id} verdicts.csv" in card


def test_the_same_verdicts_from_json_find_the_same_version(version_dir, tmp_path):
    version, sample, pack_dir = pack_of(version_dir, tmp_path, size=6)
    path, rows = fill_csv(pack_dir, {0: {"verdict": "reject", "reason": "wrong"}})
    first = apply_verdicts(version, read_verdicts(path))
    page = pack_dir / "verdicts.json"
    page.write_text(json.dumps({"version_id": version.id, "verdicts": [
        {"id": r["id"], "verdict": r["verdict"], **({"reason": r["reason"]} if r["reason"] else {})} for r in rows]}))
    again = apply_verdicts(version, read_verdicts(page))
    assert again.existed and again.path == first.path
    from dsbuild.versions.verify import verify

    assert verify(first.path).ok  # the card with its review section is the one the manifest lists


def test_apply_from_a_labelstudio_export(version_dir, tmp_path):
    version, sample, pack_dir = pack_of(version_dir, tmp_path, size=5)
    tasks = json.loads((pack_dir / "labelstudio.json").read_text(encoding="utf-8"))
    results = [
        [{"from_name": "verdict", "to_name": "text_id", "type": "choices", "value": {"choices": ["reject"]}},
         {"from_name": "reason", "to_name": "text_id", "type": "textarea", "value": {"text": ["not medical advice"]}}],
        [{"from_name": "verdict", "to_name": "text_id", "type": "choices", "value": {"choices": ["accept"]}},
         {"from_name": "edit_cot", "to_name": "text_id", "type": "textarea", "value": {"text": ["Step one.", "Two."]}}],
    ] + [[{"from_name": "verdict", "to_name": "text_id", "type": "choices", "value": {"choices": ["accept"]}}]] * 3
    export = [{"id": 40 + n, "project": 7, "data": task["data"], "predictions": [], "annotations": [
        {"id": 90 + n, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
         "created_at": "2024-06-01T10:00:00.000000Z", "updated_at": "2024-06-01T10:00:00.000000Z",
         "lead_time": 8.1, "task": 40 + n, "project": 7}]} for n, (task, result) in enumerate(zip(tasks, results))]
    path = tmp_path / "project-7-at-2024-06-01-10-05.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    result = apply_verdicts(version, read_verdicts(path))
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["review"]["verdicts"]["kind"] == "labelstudio"
    assert (manifest["review"]["rejected"], manifest["review"]["edited"]) == (1, 1)
    rejected, edited = sample.items[0], sample.items[1]
    assert rejected.id not in records_by_id(result.path, rejected.split)
    assert records_by_id(result.path, edited.split)[edited.id]["Complex-CoT"] == "Step one.\nTwo."
    rejects = (result.path / "rejects.jsonl").read_text(encoding="utf-8")
    assert '"_reason": "not medical advice"' in rejects


@pytest.mark.parametrize("entry, expected", [
    ({"id": "0123456789abcdef01234567", "verdict": "accept"}, "v.json: item 1: id 0123456789abcdef01234567 is not "
                                                              "a row of version"),
    ({"id": "{id}", "verdict": "accept", "edits": {"department": "cardiology"}}, "'department' is not a text field"),
    ({"id": "{id}", "verdict": "accept", "edits": {"response": "   "}}, "after the edit, Response is empty"),
])
def test_verdicts_that_do_not_fit_the_version_are_refused_before_writing(version_dir, tmp_path, entry, expected):
    version = read_version(version_dir)
    row_id = version.splits["test"].column("id")[0].as_py()
    path = tmp_path / "v.json"
    path.write_text(json.dumps([{k: (v.format(id=row_id) if k == "id" else v) for k, v in entry.items()}]))
    with pytest.raises(UserError) as err:
        apply_verdicts(version, read_verdicts(path))
    assert expected in str(err.value) and "\n" not in str(err.value)
    assert sorted(p.name for p in version_dir.parent.iterdir()) == [version_dir.name]


def test_verdicts_exported_for_another_version_are_refused(version_dir, tmp_path):
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps({"version_id": "aaaaaaaaaaaa", "verdicts": [{"id": "x", "verdict": "accept"}]}))
    with pytest.raises(UserError, match="verdicts for version aaaaaaaaaaaa, not"):
        apply_verdicts(read_version(version_dir), read_verdicts(path))


def test_a_version_edited_by_hand_is_not_reviewed(version_dir):
    (version_dir / "test.json").write_text("[]\n", encoding="utf-8")
    with pytest.raises(UserError, match="test.json: sha256 differs from manifest.json"):
        read_version(version_dir)


@pytest.mark.slow
def test_cli_apply_writes_the_version(version_dir, tmp_path, run_review):
    _, _, pack_dir = pack_of(version_dir, tmp_path, size=4)
    path, _ = fill_csv(pack_dir, {1: {"verdict": "reject"}})
    result = run_review("apply", version_dir, path)
    assert result.returncode == 0, result.stderr
    assert "dataset version written: " in result.stdout and "1 rejected" in result.stdout


def test_cli_apply_mistakes_are_one_line_with_exit_2(version_dir, tmp_path, capsys):
    version, _, pack_dir = pack_of(version_dir, tmp_path, size=4)
    bad, _ = fill_csv(pack_dir, {1: {"verdict": "nope"}})
    code = review_cli.main(["apply", version.id, str(bad), "--root", str(tmp_path / "datasets")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and lines == ["dsbuild: error: verdicts.csv: row 3: verdict 'nope' is not accept or reject; "
                                   "write one of them, or leave it empty for an item not reviewed"]
    code = review_cli.main(["apply", str(version_dir), str(tmp_path / "missing.json")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and lines == [f"dsbuild: error: {tmp_path / 'missing.json'}: verdicts file not found"]
