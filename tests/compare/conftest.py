"""Fixtures of the compare tests: three versions of the bundled example built once per session (split seeds 1 and 2,
and one judged by the fake LLM server), and `dsbuild` run in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from llm_server import FakeLLM, Reply, last_user_text

import dsbuild
from dsbuild.build import build
from dsbuild.config import CONF_DIR

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path(dsbuild.__file__).parent / "examples"
JUDGED_LINES = 60
JUDGE_MODEL = "openai/gpt-4o-mini"  # priced in litellm's bundled table, so the judged version has a cost


def build_example(root: Path, *overrides: str) -> Path:
    """Build the bundled example under `root`; the version folder."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"output_dir={root}", *overrides])
    return build(cfg, show_progress=False).path


def judge(request: dict) -> Reply:
    """Scores 1-5 from the row's text, so some rows fall under the threshold (3) and are rejected."""
    score = 1 + len(last_user_text(request)) % 5
    return Reply(content=json.dumps({"score": score, "rationale": f"score {score}"}))


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, list[Path]]:
    """(datasets root, [seed 1, seed 2, judged]) version folders, format=jsonl so rows keep every field.

    The judged version reads the example's first JUDGED_LINES lines (same rows, same ids), to keep the
    judge's calls few.
    """
    root = tmp_path_factory.mktemp("datasets")
    seeds = [build_example(root, "format=jsonl", f"split.seed={seed}") for seed in (1, 2)]
    lines = (EXAMPLES / "doctor_qa.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    head = root / "head" / "doctor_qa.jsonl"
    head.parent.mkdir()
    head.write_text("".join(lines[:JUDGED_LINES]), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "sk-test-dsbuild-secret-0000")
        patch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        server = FakeLLM(judge).start()
        try:
            judged = build_example(root, "format=jsonl", f"source.path={head}", "prompt=doctor_judge",
                                   "llm=openai_compatible",
                                   f"llm.api_base={server.base_url}", f"llm.model={JUDGE_MODEL}",
                                   f"llm.cache_path={root / 'llm.sqlite'}")
        finally:
            server.stop()
    return root, [*seeds, judged]


@pytest.fixture
def run_dsbuild(tmp_path):
    """run_dsbuild(*args, cwd=None) runs `dsbuild ...` in a subprocess (cwd tmp_path) and returns the result."""

    def _run(*args, cwd=None):
        env = {k: v for k, v in os.environ.items() if k != "DSBUILD_DEBUG"}
        env["PYTHONPATH"] = str(REPO)
        return subprocess.run([sys.executable, "-m", "dsbuild.cli", *map(str, args)], cwd=cwd or tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)

    return _run
