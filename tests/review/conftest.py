"""Fixtures of the review tests: a version built from the bundled example, copied per test, and the
`dsbuild review` command run in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from dsbuild.build import build
from dsbuild.config import CONF_DIR

REPO = Path(__file__).resolve().parents[2]


def build_example(root: Path, *overrides: str) -> Path:
    """Build the bundled example under `root`; the version folder."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"output_dir={root}", *overrides])
    return build(cfg, show_progress=False).path


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """experiment=doctor_qa (cot_sft, split stratified by department, a 50-row pilot), built once."""
    return build_example(tmp_path_factory.mktemp("built"), "experiment=doctor_qa")


@pytest.fixture
def build_version():
    """build_version(root, *overrides) builds the bundled example under root and returns the version folder."""
    return build_example


@pytest.fixture
def version_dir(built_example, tmp_path) -> Path:
    """A private copy of the built version, at <tmp>/datasets/doctor_qa/<id>, so tests never share results."""
    target = tmp_path / "datasets" / "doctor_qa" / built_example.name
    shutil.copytree(built_example, target)
    return target


@pytest.fixture
def run_review(tmp_path):
    """run_review(*args) runs `dsbuild review ...` in a subprocess (cwd tmp_path) and returns the result."""

    def _run(*args, cwd=None):
        env = {k: v for k, v in os.environ.items() if k != "DSBUILD_DEBUG"}
        env["PYTHONPATH"] = str(REPO)
        return subprocess.run([sys.executable, "-m", "dsbuild.cli", "review", *map(str, args)], cwd=cwd or tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)

    return _run
