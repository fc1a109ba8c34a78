"""A plain (non-editable) `pip install .` works from any directory, with the configs packed inside."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_install_builds_the_example_with_the_same_version_id(tmp_path, run_cli):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DSBUILD_DEBUG")}
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(REPO)],
                   check=True, env=env, timeout=600, capture_output=True)
    where = subprocess.run([str(python), "-c", "import dsbuild.config as c; print(c.CONF_DIR)"],
                           check=True, env=env, cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(venv)) and where.endswith("dsbuild/conf")

    workdir = tmp_path / "work"
    workdir.mkdir()
    installed = subprocess.run([str(venv / "bin" / "dsbuild"), f"hydra.run.dir={tmp_path / 'run'}"],
                               env=env, cwd=workdir, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    [version_dir] = (workdir / "outputs" / "datasets" / "doctor_qa").iterdir()
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["splits"]["train"]["rows"] > 100

    checkout = run_cli()
    assert checkout.returncode == 0, checkout.stderr
    assert f"/doctor_qa/{version_dir.name}" in checkout.stdout  # same code, inputs, config: same version
