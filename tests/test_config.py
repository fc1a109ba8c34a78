"""Every option of every config group composes and instantiates; every YAML shows its command."""

import sqlite3
from pathlib import Path

import pytest
from helpers import write_jsonl
from omegaconf import OmegaConf

from dsbuild.build import _exporter, _instantiate
from dsbuild.clean.base import Step
from dsbuild.clean.pipeline import named_steps
from dsbuild.config import CONF_DIR
from dsbuild.sources.base import Source

GROUPS = sorted(p.name for p in CONF_DIR.iterdir() if p.is_dir())


def options(group):
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def test_the_contract_groups_exist():
    for group in ("source", "cleaning", "split", "format", "llm", "prompt", "augment", "experiment"):
        assert group in GROUPS
    assert {"files", "hf", "mix"} <= set(options("source"))
    assert {"cot_sft", "alpaca", "sharegpt", "openai", "jsonl", "parquet"} <= set(options("format"))
    assert {"default", "none"} <= set(options("cleaning"))


@pytest.mark.parametrize("path", sorted(CONF_DIR.rglob("*.yaml")), ids=lambda p: str(p.relative_to(CONF_DIR)))
def test_each_yaml_opens_with_the_command_that_uses_it(path):
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    comment = [line for line in lines[:3] if line.startswith("#") and "dsbuild" in line]
    assert comment, f"{path} should open with a comment showing the dsbuild command that uses it"


def test_top_level_contract_keys(compose_cfg):
    cfg = compose_cfg()
    assert {"name", "seed", "pilot", "output_dir"} <= set(cfg)
    assert cfg.llm.model is None and cfg.split.ratios == [0.8, 0.1, 0.1]


def required_overrides(group, option, tmp_path):
    if group == "source" and option == "files":
        return [f"source.path={write_jsonl(tmp_path / 'x.jsonl', [{'question': 'q'}])}"]
    if group == "llm" and option in ("vllm", "openai_compatible"):
        return ["llm.model=openai/served-model", "llm.api_base=http://127.0.0.1:8000/v1"]
    if group == "source" and option == "hf":
        write_jsonl(tmp_path / "hfdir" / "train.jsonl", [{"question": "q"}])
        return [f"source.path={tmp_path / 'hfdir'}"]
    if (group == "source" and option in ("documents", "logs")) or (group, option) == ("experiment", "docs_to_cot"):
        (tmp_path / "input.txt").write_text("2024-05-01 10:00:00 INFO a line of text\n", encoding="utf-8")
        return [f"source.path={tmp_path / 'input.txt'}"]
    if group == "source" and option == "sql":
        sqlite3.connect(tmp_path / "db.sqlite").close()
        return [f"source.url=sqlite:///{tmp_path / 'db.sqlite'}", "source.query='SELECT 1 AS text'"]
    if group == "source" and option == "web":
        return ["source.urls=[http://127.0.0.1:9/page]"]  # nothing is fetched before load
    if group == "source" and option == "kaggle":
        return ["source.handle=owner/dataset"]
    if group == "source" and option == "modelscope":
        return ["source.path=owner/name"]
    if group == "source" and option == "images":
        from PIL import Image

        (tmp_path / "images" / "cat").mkdir(parents=True)
        Image.new("RGB", (4, 4)).save(tmp_path / "images" / "cat" / "a.png")
        return [f"source.path={tmp_path / 'images'}"]
    if group == "source" and option == "audio":
        import numpy as np
        import soundfile

        (tmp_path / "audio").mkdir()
        soundfile.write(tmp_path / "audio" / "a.wav", np.zeros(800), 8000)
        return [f"source.path={tmp_path / 'audio'}"]
    return []


@pytest.mark.parametrize("group, option", [(g, o) for g in GROUPS for o in options(g)])
def test_every_option_composes_and_instantiates(group, option, compose_cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    choose = f"+{group}={option}" if group == "sweep" else f"{group}={option}"  # sweep presets are added, not chosen
    cfg = compose_cfg([choose, *required_overrides(group, option, tmp_path)])
    assert isinstance(_instantiate(cfg.source, "source"), Source)
    exporter = _exporter(OmegaConf.to_container(cfg.format, resolve=True))
    assert exporter.name and exporter.extension.startswith(".")
    steps = named_steps(_instantiate(cfg.cleaning.rules, "cleaning.rules"))
    assert all(isinstance(step, Step) for _, step in steps)
    if cfg.llm.model is not None:
        from dsbuild.llm.settings import LLMSettings

        assert LLMSettings(**OmegaConf.to_container(cfg.llm, resolve=True)).model
    from dsbuild.annotate.base import Task

    for node in [cfg.prompt, *cfg.tasks.values()]:
        if node.get("_target_"):
            assert isinstance(_instantiate(node, "prompt"), Task)
    if group == "experiment":
        assert cfg.name


def test_user_config_dir_adds_options(tmp_path, compose_cfg):
    from hydra import compose, initialize_config_dir

    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "mine.yaml").write_text(
        "# dsbuild --config-dir <here> source=mine\ndefaults:\n  - files\npath: /data/mine.jsonl\n")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[
            f"hydra.searchpath=[file://{tmp_path}]", "source=mine"])
    assert Path(cfg.source.path).name == "mine.jsonl"
    assert cfg.source._target_.endswith("FilesSource")


def test_long_override_names_become_valid_unique_folder_names():
    from dsbuild.config import MAX_SLUG, slug

    assert slug("split.seed=1,source.path=/data/qa.jsonl") == "split.seed=1,source.path=_data_qa.jsonl"
    long_a, long_b = "x=" + "a" * 300, "x=" + "a" * 299 + "b"
    assert len(slug(long_a).encode()) <= MAX_SLUG and slug(long_a) != slug(long_b)
    assert len(slug("问" * 200).encode()) <= MAX_SLUG and slug("") == "default"
