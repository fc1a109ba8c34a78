"""The augment stage's policy: copies stay in their split, caps, noisy splits, skips, seeds, and a real build."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pytest
from helpers import TaggedText, write_jsonl

from dsbuild.augment.base import AugmentContext, MediaFolder
from dsbuild.augment.policy import augment_policy
from dsbuild.augment.stage import copy_seed, run_augment
from dsbuild.build import build
from dsbuild.errors import UserError
from dsbuild.versions.verify import verify


def splits_of(n_train=10, n_val=4, n_test=4, prefix="q"):
    def table(name, n):
        return pa.table({"id": [f"{name}{i}" for i in range(n)], "question": [f"{prefix} {name} {i}" for i in range(n)],
                         "label": ["a" if i % 3 else "b" for i in range(n)]})
    return {"train": table("train", n_train), "validation": table("val", n_val), "test": table("test", n_test)}


def augment(splits, tmp_path, seed=0, **policy):
    built = augment_policy({"splits": ["train"], **policy}, {"text": TaggedText()})
    return run_augment(splits, built, seed, AugmentContext(MediaFolder(tmp_path)))


def test_copies_stay_in_their_split_with_lineage_and_seed(tmp_path):
    out, report, summary = augment(splits_of(), tmp_path, copies=2, max_fraction=1.0)
    train = out["train"].to_pylist()
    copies = [r for r in train if r["augmented_from"]]
    assert len(copies) == 20 and report.added == 20 and report.kept == 18 + 20
    originals = {r["id"] for r in train if not r["augmented_from"]}
    for row in copies:
        assert row["augmented_from"] in originals
        assert row["augment_seed"] == copy_seed(0, row["augmented_from"], row["id"].rsplit("-aug", 1)[1])
        assert row["question"].endswith(f"#{row['augment_seed'] % 100}")
        tag = row["augment_seed"] % 100
        assert json.loads(row["augment"]) == [{"modality": "text", "transform": "tag", "tag": tag}]
    assert out["validation"].num_rows == 4 and out["test"].num_rows == 4  # untouched, but with the lineage columns
    assert out["test"].column("augmented_from").null_count == 4
    assert summary.splits["train"]["copies"] == 20
    assert summary.classes["train"]["a"][1] > summary.classes["train"]["a"][0]


def test_max_fraction_caps_copies_as_a_share_of_the_split(tmp_path):
    out, _, summary = augment(splits_of(n_train=10), tmp_path, copies=3, max_fraction=0.2)
    added = out["train"].num_rows - 10
    assert added == 2  # 2 / (10 + 2) <= 0.2; 3 / 13 would not be
    assert summary.splits["train"]["capped_by_max_fraction"] == 28


def test_same_seed_same_copies_other_seed_other_copies(tmp_path):
    a, _, _ = augment(splits_of(), tmp_path, copies=2, max_fraction=0.3)
    b, _, _ = augment(splits_of(), tmp_path, copies=2, max_fraction=0.3)
    c, _, _ = augment(splits_of(), tmp_path, seed=1, copies=2, max_fraction=0.3)
    assert a["train"].equals(b["train"])
    assert a["train"].column("question").to_pylist() != c["train"].column("question").to_pylist()


def test_unchanged_failed_and_leaking_copies_are_not_kept(tmp_path):
    splits = splits_of()
    questions = ["same as before", "fail here", "leaky"] + [f"fine {i}" for i in range(7)]
    splits["train"] = splits["train"].set_column(1, "question", pa.array(questions))
    seed_of_leaky = copy_seed(0, "train2", "1")
    splits["test"] = splits["test"].set_column(1, "question", pa.array(
        [f"leaky #{seed_of_leaky % 100}", "t1", "t2", "t3"])).set_column(2, "label", pa.array(["a"] * 4))
    out, report, summary = augment(splits, tmp_path, max_fraction=1.0)
    kept = {r["augmented_from"] for r in out["train"].to_pylist() if r["augmented_from"]}
    assert kept == {f"train{i}" for i in range(3, 10)}
    counts = summary.splits["train"]
    assert (counts["identical"], counts["failed"], counts["same_as_other_split"], counts["copies"]) == (1, 1, 1, 7)
    assert summary.failures == [["train1", "the tagger refused"]]
    report.check()


def test_noisy_copies_of_held_out_rows_get_their_own_split(tmp_path):
    built = augment_policy({"splits": [], "noisy": {"splits": ["validation", "test"], "fraction": 0.5}},
                           {"text": TaggedText()})
    out, _, _ = run_augment(splits_of(), built, 0, AugmentContext(MediaFolder(tmp_path)))
    assert list(out) == ["train", "validation", "test", "test_noisy", "validation_noisy"]
    assert out["train"].num_rows == 10 and out["validation"].num_rows == 4
    noisy = out["test_noisy"].to_pylist()
    assert len(noisy) == 2 and all(r["augmented_from"].startswith("test") for r in noisy)
    assert all(r["id"].endswith("-noisy") for r in noisy)


@pytest.mark.parametrize(("policy", "message"), [
    ({"splits": ["training"]}, "augment.splits has 'training'"),
    ({"copies": 0}, "augment.copies must be a whole number >= 1"),
    ({"max_fraction": 1.5}, "augment.max_fraction must be between 0 and 1"),
    ({"noisy": {"split": ["test"]}}, "augment.noisy.split is not a setting"),
    ({"copy": 2}, "augment.copy is not an augment setting"),
])
def test_policy_mistakes_are_one_line_errors(policy, message):
    with pytest.raises(UserError, match=message):
        augment_policy({"splits": ["train"], **policy}, {"text": TaggedText()})


def test_splits_without_a_modality_is_an_error():
    with pytest.raises(UserError, match="no modality is"):
        augment_policy({"splits": ["train"]}, {})


def test_build_adds_copies_verifies_and_rebuilds_to_the_same_bytes(tmp_path, compose_cfg):
    rows = [{"question": f"q{i} about fever", "response": f"answer {i}", "label": "x" if i % 2 else "y"}
            for i in range(40)]
    data = write_jsonl(tmp_path / "qa.jsonl", rows)
    overrides = [f"source.path={data}", "source=files", "format=jsonl", "cleaning=none", "name=aug",
                 f"output_dir={tmp_path / 'out'}", "augment.splits=[train]", "+augment.max_fraction=0.4",
                 "+augment.text._target_=helpers.TaggedText", "+augment.noisy.splits=[test]"]
    cfg = compose_cfg(overrides)
    first = build(cfg, show_progress=False)
    train = [json.loads(line) for line in (first.path / "train.jsonl").read_text().splitlines()]
    copies = [r for r in train if r.get("augmented_from")]
    assert copies and all(r["augmented_from"] in {t["id"] for t in train} for r in copies)
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["augment"]["splits"]["train"]["copies"] == len(copies)
    assert [s["stage"] for s in manifest["stages"]][-2:] == ["augment", "validate"]
    assert "test_noisy" in manifest["splits"]
    card = (first.path / "README.md").read_text()
    assert "## Augmentation" in card and "| train | label | " not in card  # the header row names the field once
    assert verify(first.path).ok
    saved = (first.path / "train.jsonl").read_bytes()
    shutil.rmtree(first.path)
    again = build(compose_cfg(overrides), show_progress=False)
    assert again.version_id == first.version_id
    assert (again.path / "train.jsonl").read_bytes() == saved
