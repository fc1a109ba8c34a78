"""format.tokenizer: every exported row counted as the trainer sees it, against cutoff_len; and the pilot config."""

import json
import time

import numpy as np
import pytest
import yaml
from tiny_models import CHATML, chatml, example_texts, tiny_tokenizer

from dsbuild.build import build
from dsbuild.errors import UserError
from dsbuild.export.formats import CotSft, OpenAI
from dsbuild.export.tokens import TokenCounter


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    return tiny_tokenizer(tmp_path_factory.mktemp("tok") / "tiny", example_texts())


def built(compose_cfg, tmp_path, *overrides):
    return build(compose_cfg([f"output_dir={tmp_path / 'out'}", *overrides]), show_progress=False)


def test_counts_are_the_rendered_chat_template_tokenized(tokenizer_dir):
    from tokenizers import Tokenizer

    counter = TokenCounter(str(tokenizer_dir))
    row = {"question": "头痛怎么办？", "cot": "先问诱因。", "response": "休息，多喝水。"}
    conversation = CotSft().messages(row)
    assert conversation[-1]["content"] == "<think>\n先问诱因。\n</think>\n\n休息，多喝水。"  # the reasoning is trained
    assert counter.render(conversation) == chatml(conversation)
    expected = len(Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json")).encode(
        chatml(conversation), add_special_tokens=False).ids)
    assert counter.count([conversation]).tolist() == [expected]
    assert OpenAI(system_prompt="你是医生。").messages(row)[0] == {"role": "system", "content": "你是医生。"}


def test_a_build_reports_tokens_per_split_and_rejects_rows_over_cutoff_len(compose_cfg, tmp_path, tokenizer_dir):
    kept = built(compose_cfg, tmp_path / "keep", f"format.tokenizer={tokenizer_dir}")
    manifest = json.loads((kept.path / "manifest.json").read_text(encoding="utf-8"))
    tokens = manifest["tokens"]
    assert tokens["tokenizer"] == str(tokenizer_dir) and tokens["chat_template"] and tokens["cutoff_len"] == 2048
    train = tokens["splits"]["train"]
    assert train["rows"] == manifest["splits"]["train"]["rows"] and 0 < train["p50"] <= train["p95"] <= train["max"]
    card = (kept.path / "README.md").read_text(encoding="utf-8")
    assert "## Token lengths" in card and "card_tokens.png" in card and (kept.path / "card_tokens.png").is_file()
    assert {s["stage"] for s in kept.stages} >= {"tokens"}

    cutoff = train["p50"]
    cut = built(compose_cfg, tmp_path / "reject", f"format.tokenizer={tokenizer_dir}", f"format.cutoff_len={cutoff}",
                "format.over_cutoff=reject")
    stage = next(s for s in cut.stages if s["stage"] == "tokens")
    assert stage["rejected"] == stage["by_rule"]["cutoff_len"] > 0
    assert stage["rows_in"] == stage["kept"] + stage["rejected"]
    rejects = [json.loads(line) for line in (cut.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    reasons = [r["_reason"] for r in rejects if r["_stage"] == "tokens"]
    assert len(reasons) == stage["rejected"]
    assert all(r.endswith(f"tokens > cutoff_len {cutoff:,}") and int(r.split()[0].replace(",", "")) > cutoff
               for r in reasons)
    assert cut.version_id != kept.version_id
    cut_manifest = json.loads((cut.path / "manifest.json").read_text(encoding="utf-8"))
    for name, info in cut_manifest["tokens"]["splits"].items():  # the rows written, not those rejected
        assert info["rows"] == cut_manifest["splits"][name]["rows"] and info["max"] <= cutoff
        assert info["over_cutoff"] == 0


def test_without_a_tokenizer_the_card_says_lengths_are_characters(compose_cfg, tmp_path):
    result = built(compose_cfg, tmp_path)
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "Lengths are in characters; set `format.tokenizer`" in card and "## Token lengths" not in card


def test_a_tokenizer_that_is_not_there_is_one_line_and_never_downloaded(compose_cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(UserError, match=r"format.tokenizer=Qwen/Not-Cached: not a folder, and not in the local "
                                        r"Hugging Face cache .*never downloads at build time"):
        built(compose_cfg, tmp_path, "format.tokenizer=Qwen/Not-Cached")
    with pytest.raises(UserError, match=r"has no tokenizer.json"):
        built(compose_cfg, tmp_path, f"format.tokenizer={tmp_path}")


def test_a_hub_id_already_in_the_local_cache_is_used(compose_cfg, tmp_path, tokenizer_dir, monkeypatch):
    cache = tmp_path / "hub"
    snapshot = cache / "models--acme--tiny" / "snapshots" / "0123456789abcdef"
    snapshot.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (snapshot / name).write_bytes((tokenizer_dir / name).read_bytes())
    (cache / "models--acme--tiny" / "refs").mkdir()
    (cache / "models--acme--tiny" / "refs" / "main").write_text("0123456789abcdef")
    from huggingface_hub import constants  # read at import: an env var set now would come too late

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert TokenCounter("acme/tiny").folder == snapshot


@pytest.mark.parametrize("template,message", [("{% for m in messages %}", "not a valid Jinja template"),
                                              ("no-such-file.jinja", "not a Jinja template and not a file")])
def test_a_bad_chat_template_is_one_line(tokenizer_dir, template, message):
    with pytest.raises(UserError, match=message):
        TokenCounter(str(tokenizer_dir), template)


def test_counting_is_batched_and_quick(tokenizer_dir):
    counter = TokenCounter(str(tokenizer_dir), CHATML)
    conversation = [{"role": "user", "content": "孩子发烧三天了怎么办？" * 5},
                    {"role": "assistant", "content": "<think>\n先看精神状态。\n</think>\n\n多喝水。" * 10}]
    started = time.perf_counter()
    counts = counter.count([conversation] * 20_000)
    assert time.perf_counter() - started < 20 and np.unique(counts).size == 1 and counts[0] > 50


def test_a_pilot_gets_a_llamafactory_config_that_names_its_version(compose_cfg, tmp_path):
    result = built(compose_cfg, tmp_path, "experiment=doctor_qa", "pilot.template=qwen3",
                   "+pilot.llamafactory.bf16=true")
    config = yaml.safe_load((result.path / "llamafactory" / "pilot_sft.yaml").read_text(encoding="utf-8"))
    info = json.loads((result.path / "dataset_info.json").read_text(encoding="utf-8"))
    assert config["dataset"] == "doctor_qa_pilot" in info and config["eval_dataset"] == "doctor_qa_validation" in info
    assert config["dataset_dir"] == str(result.path)
    assert config["stage"] == "sft" and config["finetuning_type"] == "lora"
    assert config["output_dir"] == str(result.path.parent / "pilot-runs" / result.version_id)
    assert (config["template"], config["cutoff_len"], config["bf16"]) == ("qwen3", 2048, True)
    assert config["model_name_or_path"] == "Qwen/Qwen2.5-0.5B-Instruct"
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert "llamafactory/pilot_sft.yaml" in manifest["files"]
    without = built(compose_cfg, tmp_path / "plain")
    assert not (without.path / "llamafactory").exists()


def test_a_version_with_a_pilot_config_rebuilds_identical_elsewhere(compose_cfg, tmp_path):
    from hydra import compose, initialize_config_dir

    from dsbuild.config import CONF_DIR
    from dsbuild.versions.rebuild import rebuild

    overrides = ["experiment=doctor_qa", f"output_dir={tmp_path / 'out'}"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
    choices = {k: v for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra/")}
    result = build(compose_cfg(overrides), overrides=overrides, choices=choices, show_progress=False)
    again = rebuild(result.path, tmp_path / "elsewhere")
    assert again.comparison.differing == [] and again.comparison.identical > 10
    text = (again.path / "llamafactory" / "pilot_sft.yaml").read_text(encoding="utf-8")
    assert str(tmp_path / "elsewhere") in text  # the rebuild's config names the rebuild


@pytest.mark.parametrize("override,message", [
    ("pilot.size=abc", "pilot.size='abc': give a whole number of rows"),
    ("pilot.size=2.5", "pilot.size=2.5: give a whole number of rows"),
    ("pilot.template=", "pilot.template='': give the pilot fine-tune's template"),
    ("pilot.model=", "pilot.model='': give the pilot fine-tune's model"),
    ("pilot.llamafactory=abc", "pilot.llamafactory='abc': give LLaMA-Factory settings as a mapping")])
def test_a_wrong_pilot_setting_is_one_line(run_cli, override, message):
    done = run_cli("pilot.size=20", override)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"dsbuild: error: {message}"), done.stderr


def test_pilot_llamafactory_settings_as_the_readme_writes_them(run_cli, tmp_path):
    done = run_cli("pilot.size=20", "pilot.llamafactory={bf16: true, num_train_epochs: 1}")
    assert done.returncode == 0, done.stderr
    (config,) = (tmp_path / "datasets").glob("doctor_qa/*/llamafactory/pilot_sft.yaml")
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert settings["bf16"] is True and settings["num_train_epochs"] == 1
