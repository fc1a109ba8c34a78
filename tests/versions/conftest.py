"""Fixtures of the version-command tests: versions built the way `dsbuild` builds them (overrides and
choices recorded), once per session, and `dsbuild <command>` run in-process or in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from dsbuild.build import build
from dsbuild.config import CONF_DIR
from dsbuild.versions import cli as versions_cli

REPO = Path(__file__).resolve().parents[2]


def build_like_cli(root: Path, *overrides: str) -> Path:
    """Build the bundled example under `root` as `dsbuild <overrides> output_dir=<root>` would; the version folder."""
    recorded = [*overrides, f"output_dir={root}"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=recorded, return_hydra_config=True)
    choices = {k: v for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra/")}
    with open_dict(cfg):
        del cfg["hydra"]
    return build(cfg, overrides=recorded, choices=choices, show_progress=False).path


@pytest.fixture(scope="session")
def two_versions(tmp_path_factory) -> tuple[Path, Path]:
    """The example built with split.seed=1, then with split.seed=2, under one datasets folder."""
    root = tmp_path_factory.mktemp("datasets")
    return build_like_cli(root, "split.seed=1"), build_like_cli(root, "split.seed=2")


@pytest.fixture
def build_version():
    """build_version(root, *overrides) -> the version folder, built like `dsbuild <overrides> output_dir=<root>`."""
    return build_like_cli


@pytest.fixture
def own_copy(two_versions, tmp_path) -> Path:
    """A private copy of the seed=1 version at <tmp>/datasets/doctor_qa/<id>, free to damage."""
    target = tmp_path / "datasets" / "doctor_qa" / two_versions[0].name
    shutil.copytree(two_versions[0], target)
    return target


@pytest.fixture
def dsbuild_cmd(capsys):
    """dsbuild_cmd(*args) runs `dsbuild <args>` in-process: (exit code, stdout, stderr)."""

    def _run(*args):
        code = versions_cli.main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture
def dsbuild_subprocess(tmp_path):
    """dsbuild_subprocess(*args) runs `dsbuild <args>` in a subprocess (cwd tmp_path)."""

    def _run(*args):
        env = {k: v for k, v in os.environ.items() if k != "DSBUILD_DEBUG"}
        env["PYTHONPATH"] = str(REPO)
        return subprocess.run([sys.executable, "-m", "dsbuild.cli", *map(str, args)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    return _run
