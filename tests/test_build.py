"""The whole build in-process on the bundled example: counts, files, manifest, card, versions."""

import json
from pathlib import Path

import pytest
from datasets import load_dataset

import dsbuild
from dsbuild.build import build

EXAMPLES = Path(dsbuild.__file__).parent / "examples"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    from hydra import compose, initialize_config_dir

    from dsbuild.config import CONF_DIR

    out = tmp_path_factory.mktemp("out")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"output_dir={out}"])
    return cfg, build(cfg, show_progress=False)


def read_rejects(path):
    return [json.loads(line) for line in (path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_planted_defect_is_rejected_with_its_rule(example):
    _, result = example
    by_rule = {}
    for row in read_rejects(result.path):
        by_rule.setdefault(row["_rule"], []).append(row)
    assert len(by_rule["missing"]) == 13
    assert len(by_rule["exact_dedup"]) == 20 and all(r["_duplicate_of"] for r in by_rule["exact_dedup"])
    assert len(by_rule["blocklist"]) == 2 and len(by_rule["length_bounds"]) == 4
    assert len(by_rule["length_outliers"]) == 1
    assert all(r["_stage"] == "clean" and r["_reason"] and r["source_ref"].startswith("doctor_qa.jsonl:line ")
               for rows in by_rule.values() for r in rows)


def test_accounting_holds_for_every_stage(example):
    _, result = example
    for stage in result.stages:
        assert stage["rows_in"] + stage["added"] == stage["kept"] + stage["rejected"]
        assert sum(stage["by_rule"].values()) == stage["rejected"]
    assert [s["stage"] for s in result.stages] == ["load", "clean", "split", "validate"]
    assert sum(result.splits[s]["rows"] for s in ("train", "validation", "test")) == 156


def test_cot_sft_files_have_exactly_the_three_keys_and_load_with_datasets(example):
    _, result = example
    records = json.loads((result.path / "train.json").read_text(encoding="utf-8"))
    assert records and all(set(r) == {"Question", "Complex-CoT", "Response"} for r in records)
    assert all(isinstance(v, str) and v.strip() for r in records for v in r.values())
    text = json.dumps(records, ensure_ascii=False)
    assert "<p>" not in text and "&nbsp;" not in text and "ＢＰ" not in text
    for split in ("train", "validation", "test"):
        ds = load_dataset("json", data_files=str(result.path / f"{split}.json"), split="train")
        assert ds.num_rows == result.splits[split]["rows"]
    info = json.loads((result.path / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["doctor_qa_train"] == {"file_name": "train.llamafactory.json", "formatting": "alpaca", "columns": {
        "prompt": "instruction", "query": "input", "response": "output"}}  # the view that trains the reasoning
    view = json.loads((result.path / "train.llamafactory.json").read_text(encoding="utf-8"))
    assert [r["output"] for r in view] == [f"<think>\n{r['Complex-CoT']}\n</think>\n\n{r['Response']}"
                                           for r in records]
    assert result.splits["train"]["llamafactory"] == "train.llamafactory.json"


def test_manifest_has_the_contract_fields(example):
    _, result = example
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    for key in ("version_id", "name", "created_at", "dsbuild", "python", "packages", "config", "overrides",
                "choices", "inputs", "stages", "splits", "seed"):
        assert key in manifest
    assert manifest["version_id"] == result.path.name
    assert manifest["inputs"][0]["name"] == "doctor_qa.jsonl" and len(manifest["inputs"][0]["sha256"]) == 64
    assert manifest["packages"]["datasets"] and "git" in manifest["dsbuild"]
    from dsbuild.version.fingerprint import file_sha256
    for info in manifest["splits"].values():
        assert file_sha256(result.path / info["file"]) == info["sha256"]


def test_card_has_header_counts_rules_lengths_and_rebuild_command(example):
    _, result = example
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\npretty_name: doctor_qa\n")
    assert "- zh" in card and "- en" in card
    assert "| clean | exact_dedup | 20 |" in card and "| question |" in card
    assert "```bash\ndsbuild" in card


def test_same_inputs_same_version_and_bytes_second_build_exists(example, tmp_path):
    cfg, first = example
    again = build(cfg, show_progress=False)
    assert again.existed and again.path == first.path
    cfg2 = cfg.copy()
    cfg2.output_dir = str(tmp_path)
    elsewhere = build(cfg2, show_progress=False)
    assert elsewhere.version_id == first.version_id and not elsewhere.existed
    for name in ("train.json", "validation.json", "test.json", "rejects.jsonl", "README.md", "dataset_info.json"):
        assert (elsewhere.path / name).read_bytes() == (first.path / name).read_bytes(), name


def test_a_config_change_makes_a_new_version(example, tmp_path):
    cfg, first = example
    cfg2 = cfg.copy()
    cfg2.split.seed = 1
    assert build(cfg2, show_progress=False).version_id != first.version_id


def build_example(tmp_path, *overrides):
    from hydra import compose, initialize_config_dir

    from dsbuild.config import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"output_dir={tmp_path}", *overrides])
    return build(cfg, show_progress=False)


@pytest.mark.parametrize("fmt, loader", [("alpaca", "json"), ("sharegpt", "json"), ("openai", "json"),
                                         ("jsonl", "json"), ("parquet", "parquet")])
def test_every_format_builds_and_each_split_loads(tmp_path, fmt, loader):
    result = build_example(tmp_path, f"format={fmt}")
    info = json.loads((result.path / "dataset_info.json").read_text(encoding="utf-8"))
    for split in ("train", "validation", "test"):
        file = result.splits[split]["file"]
        ds = load_dataset(loader, data_files=str(result.path / file), split="train")
        assert ds.num_rows == result.splits[split]["rows"] > 0
        entry = info[f"doctor_qa_{split}"]
        named = result.splits[split].get("llamafactory") or file  # the dumps keep the CoT apart: a view holds it
        assert entry["file_name"] == named and entry["formatting"] in ("alpaca", "sharegpt")
        named_ds = ds if named == file else load_dataset("json", data_files=str(result.path / named), split="train")
        for column in entry.get("columns", {}).values():
            assert column in named_ds.column_names


def test_lineage_file_traces_each_exported_row_in_order(example):
    _, result = example
    records = json.loads((result.path / "train.json").read_text(encoding="utf-8"))
    lines = (result.path / "train.lineage.jsonl").read_text(encoding="utf-8").splitlines()
    lineage = [json.loads(line) for line in lines]
    assert len(lineage) == len(records) == result.splits["train"]["rows"]
    assert all(r["id"] and r["source_ref"].startswith("doctor_qa.jsonl:line ") and r["department"] for r in lineage)
    assert not {"question", "cot", "response"} & set(lineage[0])
    rows = [json.loads(line) for line in (EXAMPLES / "doctor_qa.jsonl").read_text(encoding="utf-8").splitlines()]
    department = {row.get("answer"): row.get("department") for row in rows}
    matched = [department.get(rec["Response"]) == lin["department"] for rec, lin in zip(records, lineage)]
    assert sum(matched) >= 0.9 * len(matched)  # cleaning normalizes some answers; the order is the file's


def test_lossless_formats_write_no_lineage_file(tmp_path):
    result = build_example(tmp_path, "format=jsonl")
    assert not list(result.path.glob("*.lineage.jsonl")) and "lineage" not in result.splits["train"]


def test_experiment_preset_stratifies_and_draws_a_pilot_from_train(tmp_path):
    result = build_example(tmp_path, "experiment=doctor_qa")
    train = {r["Question"] for r in json.loads((result.path / "train.json").read_text(encoding="utf-8"))}
    pilot = json.loads((result.path / "pilot.json").read_text(encoding="utf-8"))
    assert len(pilot) == 50 and {r["Question"] for r in pilot} <= train
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["split"]["stratify_by"] == "department"
    assert "split: pilot" in (result.path / "README.md").read_text(encoding="utf-8")


def test_group_by_keeps_each_group_in_one_split(tmp_path):
    result = build_example(tmp_path, "format=jsonl", "split.group_by=department", "split.ratios=[0.5,0.25,0.25]")
    seen = {}
    for split in ("train", "validation", "test"):
        if not result.splits[split]["file"]:
            continue
        for line in (result.path / result.splits[split]["file"]).read_text(encoding="utf-8").splitlines():
            seen.setdefault(json.loads(line)["department"], set()).add(split)
    assert seen and all(len(splits) == 1 for splits in seen.values())


def test_mix_blends_the_jsonl_and_the_gb18030_csv(tmp_path):
    result = build_example(tmp_path, "source=mix", "format=jsonl", "name=doctor_mix")
    rows = [json.loads(line) for split in ("train", "validation", "test")
            for line in (result.path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    sources = {r["source"] for r in rows}
    assert sources == {"doctor_qa", "doctor_qa_extra"}
    assert any("头" in r["question"] or "孩子" in r["question"] for r in rows if r["source"] == "doctor_qa_extra")
    load = result.stages[0]
    assert load["by_rule"].get("mix", 0) == load["rejected"]


def test_after_llm_steps_run_as_their_own_quality_stage(tmp_path):
    rule = "{_target_: dsbuild.clean.rules.LengthBounds, fields: [question], min_chars: 40}"
    result = build_example(tmp_path, f"+cleaning.after_llm.long_questions={rule}")
    names = [s["stage"] for s in result.stages]
    assert names.index("quality") == names.index("clean") + 1
    quality = result.stages[names.index("quality")]
    assert quality["by_rule"]["long_questions"] == quality["rejected"] > 0
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(len(r["question"]) < 40 for r in rejects if r["_stage"] == "quality")
