"""The augment stage's policy: copies stay in their split, caps, noisy splits, skips, seeds, and a real build."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest
from helpers import TaggedText, assert_same_version, write_jsonl
from llm_server import Reply, last_user_text

from dsbuild.augment.base import AugmentContext, MediaFolder
from dsbuild.augment.plans import copies_plan, noisy_plan
from dsbuild.augment.policy import augment_policy
from dsbuild.augment.stage import copy_seed, run_augment
from dsbuild.build import build
from dsbuild.errors import UserError
from dsbuild.execute.local import LocalExecutor
from dsbuild.execute.spill import Spill, SpillWriter, WorkFolder, batches
from dsbuild.split import unit_hashes
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


# --- streaming: batches, spills, executors -------------------------------------------------------------------


def tricky_splits():
    """splits_of() with a copy that fails, one that comes out identical and one that repeats a test row."""
    splits = splits_of(n_train=23)
    questions = ["same as before", "fail here", "leaky"] + [f"fine {i}" for i in range(20)]
    splits["train"] = splits["train"].set_column(1, "question", pa.array(questions))
    splits["test"] = splits["test"].set_column(1, "question", pa.array(
        [f"leaky #{copy_seed(0, 'train2', '1') % 100}", "t1", "t2", "t3"])).set_column(2, "label", pa.array(["a"] * 4))
    return splits


class RecutExecutor(LocalExecutor):
    """Gives back `fn`'s rows in order but cut into tables of 3 rows, as Ray Data may cut them."""

    def map_batches(self, fn, batches, *args):
        made = [fn(batch, *args) for batch in batches]
        rows = pa.concat_tables(made)
        for start in range(0, rows.num_rows, 3):
            yield rows.slice(start, 3)


class DriverTag(TaggedText):
    """TaggedText on another field that says it calls an LLM, so the stage runs it in this process."""

    name = "image"
    uses_llm = True


def tagging_policy(**policy):
    return augment_policy({"splits": ["train"], "copies": 2, "max_fraction": 0.6,
                           "noisy": {"splits": ["validation", "test"], "fraction": 0.7}, **policy},
                          {"image": DriverTag("response"), "text": TaggedText()})


def with_responses(splits):
    return {name: t.append_column("response", pa.array([f"r {name} {i}" for i in range(t.num_rows)]))
            for name, t in splits.items()}


def test_spilled_splits_in_small_batches_give_the_tables_rows_and_keep_their_part_files(tmp_path):
    tables = tricky_splits()
    policy = augment_policy({"splits": ["train"], "copies": 2, "max_fraction": 0.6,
                             "noisy": {"splits": ["validation", "test"], "fraction": 0.7}}, {"text": TaggedText()})
    want, want_report, want_summary = run_augment(tables, policy, 0, AugmentContext(MediaFolder(tmp_path)))
    spills = {}
    for name, table in tables.items():
        writer = SpillWriter(tmp_path / "in", name, batch_rows=4)
        for batch in batches(table, 4):
            writer.add(batch)
        spills[name] = writer.close()
    out, report, summary = run_augment(spills, policy, 0, AugmentContext(MediaFolder(tmp_path)),
                                       WorkFolder(tmp_path / "work", 7), LocalExecutor(batch_rows=7))
    assert list(out) == list(want) == ["train", "validation", "test", "test_noisy", "validation_noisy"]
    for name, rows in out.items():
        assert isinstance(rows, Spill) and rows.read_all().equals(want[name]), name
        if name in spills:  # the originals' files are read again, not rewritten
            assert rows.parts[:len(spills[name].parts)] == spills[name].parts
    assert out["train"].num_rows > tables["train"].num_rows + 7  # the copies span several batches
    assert report.as_dict() == want_report.as_dict()
    assert summary.as_dict() == want_summary.as_dict()
    counts = summary.splits["train"]
    assert all(counts[k] for k in ("identical", "failed", "same_as_other_split", "capped_by_max_fraction")), counts


def test_output_the_executor_cuts_anew_is_realigned_and_modalities_merge_in_order(tmp_path):
    tables = with_responses(splits_of())
    policy = tagging_policy()
    want, _, want_summary = run_augment(tables, policy, 0, AugmentContext(MediaFolder(tmp_path)),
                                        executor=LocalExecutor(batch_rows=5))
    out, _, summary = run_augment(tables, policy, 0, AugmentContext(MediaFolder(tmp_path)),
                                  executor=RecutExecutor(batch_rows=5))
    assert all(out[name].equals(want[name]) for name in want)
    assert summary.as_dict() == want_summary.as_dict()
    copy = next(r for r in out["train"].to_pylist() if r["augmented_from"])
    tag = copy["augment_seed"] % 100
    assert copy["question"].endswith(f"#{tag}") and copy["response"].endswith(f"#{tag}")  # both saw the original
    assert [a["modality"] for a in json.loads(copy["augment"])] == ["image", "text"]
    kept = sum(counts["copies"] for counts in summary.splits.values())
    assert kept == 15 + 3 + 3  # train capped at 0.6 -> 15 copies, 70% of 4 validation and 4 test rows -> 3 each
    assert summary.transforms == {"image": {"tag": kept}, "text": {"tag": kept}}


def test_plans_hashed_batch_by_batch_equal_the_hashes_of_all_ids_at_once(tmp_path):
    table = pa.table({"id": [f"row{i}" for i in range(50)]})
    writer = SpillWriter(tmp_path, "ids", batch_rows=7)
    for batch in batches(table, 7):
        writer.add(batch)
    spill = writer.close()
    ids = table.column("id").to_pylist()
    keys = ["1", "2", "3"]
    plan = copies_plan(spill, "train", keys, 0.3, 5, 7)
    hashes = unit_hashes(5, [f"{i}\x1f{k}" for i in ids for k in keys], salt="augment:")
    picked = np.sort(np.argsort(hashes, kind="stable")[:21])  # 0.3 * 50 / 0.7 -> 21 copies
    assert plan.rows.tolist() == (picked // 3).tolist() and plan.copy_keys(0, 21) == [keys[k] for k in picked % 3]
    assert plan.capped == 150 - 21
    noisy = noisy_plan(spill, "test", "test_noisy", 0.5, 5, 7)
    assert noisy.rows.tolist() == np.sort(np.argsort(unit_hashes(5, ids, salt="noisy:"), kind="stable")[:25]).tolist()


def test_a_build_in_batches_of_7_writes_the_same_files_as_one_batch(compose_cfg, tmp_path):
    rows = [{"question": f"{['same', 'fail', 'q'][i % 7 % 3]} {i} about fever", "response": f"answer {i}",
             "label": "x" if i % 2 else "y"} for i in range(70)]
    data = write_jsonl(tmp_path / "qa.jsonl", rows)
    overrides = [f"source.path={data}", "source=files", "format=jsonl", "cleaning=none", "name=aug",
                 "augment.splits=[train]", "+augment.copies=2", "+augment.max_fraction=0.45",
                 "+augment.text._target_=helpers.TaggedText", "+augment.noisy.splits=[validation,test]",
                 "+augment.noisy.fraction=0.6"]
    whole = build(compose_cfg([*overrides, f"output_dir={tmp_path / 'whole'}"]), show_progress=False)
    small = build(compose_cfg([*overrides, f"output_dir={tmp_path / 'small'}", "executor.batch_rows=7"]),
                  show_progress=False)
    manifests = assert_same_version(whole, small)
    train = manifests[0]["augment"]["splits"]["train"]
    assert train["made"] > 14 and train["capped_by_max_fraction"] > 0 and train["failed"] and train["identical"]
    assert {"validation_noisy", "test_noisy"} <= set(manifests[0]["splits"])


def test_back_translation_sends_through_the_executors_llm_pool(llm_server, tmp_path):
    from dsbuild.augment.text import TextAugment
    from dsbuild.augment.text_translate import BackTranslate
    from dsbuild.llm.roundtrip import round_trip
    from dsbuild.llm.session import LLMSession
    from dsbuild.llm.settings import LLMSettings

    class CountingPool:
        """Stands in for the Ray executor's actors: sends each call from here and counts it."""

        def __init__(self):
            self.sent = 0

        async def round_trip(self, kwargs):
            self.sent += 1
            return await round_trip(kwargs)

    def translator(request):
        text = last_user_text(request)
        answer = f"中文{len(text)}" if "into Simplified Chinese" in request["messages"][0]["content"] else "back"
        return Reply(content=json.dumps({"translation": answer}, ensure_ascii=False))

    llm_server.set_handler(translator)
    pool = CountingPool()
    settings = LLMSettings(model="openai/test-model", api_base=llm_server.base_url, max_retries=0, max_repairs=0,
                           timeout=10, cache_path=str(tmp_path / "llm.sqlite"))
    text = TextAugment(["question"], {"bt": BackTranslate(via="zh", source="en")})
    policy = augment_policy({"splits": ["train"], "max_fraction": 1.0}, {"text": text})
    session = LLMSession(settings, pool_factory=lambda _: pool)
    out, _, summary = run_augment(splits_of(n_train=6), policy, 0, AugmentContext(MediaFolder(tmp_path), llm=session),
                                  executor=LocalExecutor(batch_rows=4))
    session.close()
    # six texts there, one shared way back (all read "中文..."), and the preflight probe, all through the pool
    assert pool.sent == llm_server.count == 6 + 1 + 1 and llm_server.probes == 1
    assert summary.splits["train"]["copies"] == 6
    assert {r["question"] for r in out["train"].to_pylist() if r["augmented_from"]} == {"back"}
