"""Exports checked by the trainers' own code: LLaMA-Factory's dataset pipeline and TRL's SFT data preparation
must put each row's reasoning into the tokens the loss is computed on, and the pilot config must train.

The trainers pin other versions of datasets and torch than dsbuild, so they live in a venv of their own
(`.ci/run` makes it: tests/trainers/requirements.txt); its python is DSBUILD_TRAINERS_PYTHON, by default
<repo>/.trainers-venv/bin/python. The scripts beside this file run there, on a tokenizer and a tiny random
Qwen2 model built here (nothing is downloaded).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import REPO
from tiny_models import example_texts, tiny_tokenizer

from dsbuild.build import build
from dsbuild.export.pilot import pilot_results
from dsbuild.review.version_reader import read_version

HERE = Path(__file__).resolve().parent
TRAINERS = Path(os.environ.get("DSBUILD_TRAINERS_PYTHON") or REPO / ".trainers-venv" / "bin" / "python")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not TRAINERS.is_file(), reason=f"no trainers' venv at {TRAINERS}: .ci/run makes it "
                       "(python -m venv .trainers-venv && .trainers-venv/bin/pip install -r "
                       "tests/trainers/requirements.txt), or set DSBUILD_TRAINERS_PYTHON"),
]


def run_there(script: str, *args, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    result = subprocess.run([str(TRAINERS), *([str(HERE / script)] if script.endswith(".py") else script.split()),
                             *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The tiny tokenizer and a tiny random Qwen2 around it."""
    root = tmp_path_factory.mktemp("model")
    tokenizer = tiny_tokenizer(root / "tokenizer", example_texts())
    run_there("tiny_qwen2.py", tokenizer, root / "qwen2")
    return root / "qwen2"


def pilot_version(compose_cfg, tmp_path, *overrides) -> Path:
    cfg = compose_cfg([f"output_dir={tmp_path / 'out'}", "pilot.size=20", *overrides])
    return build(cfg, show_progress=False).path


def llamafactory_labels(version: Path, model_dir: Path, work: Path, template: str = "qwen") -> list[dict]:
    work.mkdir(parents=True, exist_ok=True)
    run_there("llamafactory_labels.py", version, model_dir, "doctor_qa_pilot", template, work)
    return [json.loads(line) for line in (work / "labels.jsonl").read_text(encoding="utf-8").splitlines()]


def pilot_rows(version: Path) -> list[dict]:
    return read_version(version).splits["pilot"].to_pylist()


@pytest.mark.parametrize("fmt", ["cot_sft", "alpaca", "sharegpt", "openai", "jsonl"])
def test_llamafactory_trains_on_the_reasoning_of_every_format(compose_cfg, tmp_path, model_dir, fmt):
    version = pilot_version(compose_cfg, tmp_path, f"format={fmt}")
    examples = llamafactory_labels(version, model_dir, tmp_path / "work")
    rows = pilot_rows(version)
    assert len(examples) == len(rows) == 20
    for row, example in zip(rows, examples):
        assert example["labels"].startswith(f"<think>\n{row['cot']}\n</think>\n\n{row['response']}")
        prompt = row.get("question") or row["instruction"]  # alpaca reads back as instruction
        assert prompt in example["inputs"] and prompt not in example["labels"]


def test_reasoning_drop_and_another_wrapper_are_what_llamafactory_trains(compose_cfg, tmp_path, model_dir):
    dropped = pilot_version(compose_cfg, tmp_path / "drop", "format.reasoning=drop")
    for row, example in zip(pilot_rows(dropped), llamafactory_labels(dropped, model_dir, tmp_path / "w1")):
        assert row["cot"] not in example["labels"] and example["labels"].startswith(row["response"])
    template = "'## Thinking\\n\\n{cot}\\n\\n## Final Response\\n\\n{response}'"
    headings = pilot_version(compose_cfg, tmp_path / "headings", "format=sharegpt",
                             f"format.reasoning_template={template}")
    for row, example in zip(pilot_rows(headings), llamafactory_labels(headings, model_dir, tmp_path / "w2")):
        assert example["labels"].startswith(f"## Thinking\n\n{row['cot']}\n\n## Final Response\n\n{row['response']}")


def test_trl_trains_on_the_reasoning_of_the_openai_export(compose_cfg, tmp_path, model_dir):
    version = pilot_version(compose_cfg, tmp_path, "format=openai")
    (tmp_path / "trl").mkdir()
    run_there("trl_assistant_tokens.py", version / "pilot.jsonl", model_dir, tmp_path / "trl")
    trained = [json.loads(line)["trained"] for line in (tmp_path / "trl" / "assistant.jsonl").read_text().splitlines()]
    rows = pilot_rows(version)
    assert len(trained) == len(rows)
    for row, text in zip(rows, trained):
        assert text.startswith(f"<think>\n{row['cot']}\n</think>\n\n{row['response']}")
        assert row["question"] not in text


def test_the_pilot_config_trains_with_llamafactory_cli(compose_cfg, tmp_path, model_dir):
    version = pilot_version(compose_cfg, tmp_path)
    config = version / "llamafactory" / "pilot_sft.yaml"
    run_there("-m llamafactory.cli train", config, f"model_name_or_path={model_dir}", "max_steps=3", "eval_steps=3",
              "save_steps=3", "logging_steps=1")
    results = json.loads((version.parent / "pilot-runs" / version.name / "all_results.json").read_text())
    assert results["train_loss"] > 0 and results["eval_loss"] > 0
    assert pilot_results(version)["eval_loss"] == results["eval_loss"]  # what `dsbuild compare` shows
