"""Opening a version folder never runs code: the exporter is looked up by name among dsbuild's formats."""

import json
import os
import subprocess
import sys

import pytest
from helpers import REPO

from dsbuild.errors import UserError
from dsbuild.review.version_reader import read_version


def _tamper(version_dir, node):
    path = version_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["config"]["format"] = node
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_manifest_naming_other_code_is_refused_and_nothing_runs(version_dir, tmp_path):
    planted = tmp_path / "planted.txt"
    _tamper(version_dir, {"_target_": "pathlib.Path.write_text", "self": str(planted), "data": "pwned"})
    with pytest.raises(UserError, match=r"names 'pathlib.Path.write_text', which is not a dsbuild format"):
        read_version(version_dir)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for command in (["review", "sample", str(version_dir), "--size", "3", "--out", str(tmp_path / "pack")],
                    ["compare", str(version_dir), str(version_dir), "--html", str(tmp_path / "cmp.html")],
                    ["diff", str(version_dir), str(version_dir)]):
        result = subprocess.run([sys.executable, "-m", "dsbuild.cli", *command], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "not a dsbuild format" in result.stderr
    shown = subprocess.run([sys.executable, "-m", "dsbuild.cli", "show", str(version_dir)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0  # show reads the manifest's numbers only
    assert not planted.exists()


def test_a_setting_that_is_not_the_formats_is_refused(version_dir):
    _tamper(version_dir, {"_target_": "dsbuild.export.formats.CotSft", "reasoning": {"_target_": "os.system"}})
    with pytest.raises(UserError, match=r"config.format.reasoning=.* is not a setting of format cot_sft"):
        read_version(version_dir)


def test_a_version_written_before_format_reasoning_still_reads(version_dir):
    _tamper(version_dir, {"_target_": "dsbuild.export.formats.CotSft"})
    assert read_version(version_dir).exporter.reasoning == "think_tags"
    from dsbuild.export.formats import exporter_from_record

    old = exporter_from_record({"_target_": "dsbuild.export.formats.Alpaca", "cot_in_output": False}, "m")
    assert old.reasoning == "drop"
