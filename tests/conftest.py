"""Shared fixtures: composing dsbuild's Hydra config, running the CLI as a subprocess, small data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from dsbuild.config import CONF_DIR

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def compose_cfg():
    """compose_cfg(overrides) -> the composed config, as `dsbuild` would see it (no Hydra runtime)."""

    def _compose(overrides=()):
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    return _compose


@pytest.fixture
def run_cli(tmp_path):
    """run_cli(*args, cwd=None, env=None, clear_env=False) runs `dsbuild` in a subprocess with its outputs under
    tmp_path (a build's; a subcommand such as `rebuild` gets its arguments alone). `env` adds variables, or with
    `clear_env` is the whole environment (PYTHONPATH aside)."""
    from dsbuild.cli import SUBCOMMANDS

    def _run(*args, cwd=None, env=None, timeout=300, clear_env=False):
        cmd = [sys.executable, "-m", "dsbuild.cli", *args]
        building = not args or args[0] not in SUBCOMMANDS
        if building and not any(a.startswith(("hydra.run.dir=", "-m", "--multirun", "hydra.sweep.dir="))
                                for a in args):
            cmd.append(f"hydra.run.dir={tmp_path / 'run'}")
        if building and not any(a.startswith("output_dir=") for a in args):
            cmd.append(f"output_dir={tmp_path / 'datasets'}")
        full_env = {} if clear_env else {k: v for k, v in os.environ.items() if k != "DSBUILD_DEBUG"}
        full_env.update({"PYTHONPATH": str(REPO), **(env or {})})
        return subprocess.run(cmd, cwd=cwd or tmp_path, env=full_env, capture_output=True, text=True, timeout=timeout)

    return _run


@pytest.fixture
def qa_rows():
    """Twelve distinct, valid question/cot/response rows in English and Chinese."""
    rows = []
    for i in range(6):
        rows.append({"question": f"What helps a tension headache, case {i}?", "cot": f"Reasoning step {i}: rest.",
                     "response": f"Rest, fluids and a mild pain reliever usually help ({i})."})
        rows.append({"question": f"孩子发烧到三十九度怎么办（病例{i}）？", "cot": f"先判断精神状态，病例{i}。",
                     "response": f"多喝水，必要时用退烧药，持续不退请就医（{i}）。"})
    return rows


@pytest.fixture
def llm_server(monkeypatch):
    """A running FakeLLM (tests/llm_server.py): an OpenAI-compatible server on 127.0.0.1, stopped afterwards.

    Point litellm at it with model="openai/<name>", api_base=llm_server.base_url; OPENAI_API_KEY is set to a
    recognisable fake secret and litellm is told to use its bundled price table (no network).
    """
    from llm_server import FakeLLM

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dsbuild-secret-0000")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    server = FakeLLM().start()
    try:
        yield server
    finally:
        server.stop()
