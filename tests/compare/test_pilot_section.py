"""`dsbuild compare` shows each version's pilot fine-tune losses once `llamafactory-cli train` has run its
llamafactory/pilot_sft.yaml: read from the config's output_dir, or from pilot-runs/ beside a moved version."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import yaml
from hydra import compose, initialize_config_dir

from dsbuild.build import build
from dsbuild.compare.cli import main
from dsbuild.config import CONF_DIR
from dsbuild.export.pilot import PILOT_CONFIG, RESULTS, RUNS_FOLDER, pilot_results


def build_example(root, *overrides):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"output_dir={root}", *overrides])
    return build(cfg, show_progress=False).path


def _compare(*folders, html) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["compare", *map(str, folders), "--html", str(html)]) == 0
    return printed.getvalue()


def _trained(version, eval_loss):
    """What LLaMA-Factory leaves in the config's output_dir after training (the keys the section reads)."""
    out = yaml.safe_load((version / PILOT_CONFIG).read_text(encoding="utf-8"))["output_dir"]
    (version.parent / RUNS_FOLDER / version.name).mkdir(parents=True)
    assert out == str(version.parent / RUNS_FOLDER / version.name)
    (version.parent / RUNS_FOLDER / version.name / RESULTS).write_text(json.dumps(
        {"epoch": 3.0, "eval_loss": eval_loss, "train_loss": 1.9, "train_runtime": 41.2, "total_flos": 12.0,
         "note": "text is not a metric"}))


def test_pilot_losses_side_by_side_and_not_run_for_an_untrained_one(tmp_path):
    first, second = (build_example(tmp_path / "out", "pilot.size=20", f"split.seed={seed}") for seed in (1, 2))
    _trained(first, 1.23456)
    printed = _compare(first, second, html=tmp_path / "r.html")
    row = next(line for line in printed.splitlines() if "eval_loss" in line)
    assert "1.2346" in row and "not run" in row
    assert "Pilot fine-tune" in printed and "41 s" in printed
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="pilot"><h2>Pilot fine-tune</h2>' in page and "1.2346" in page
    assert pilot_results(first)["eval_loss"] == 1.23456 and "note" not in pilot_results(first)

    moved = tmp_path / "elsewhere" / "doctor_qa"
    shutil.copytree(first, moved / first.name)
    shutil.copytree(first.parent / RUNS_FOLDER, moved / RUNS_FOLDER)
    shutil.rmtree(first.parent / RUNS_FOLDER)
    assert pilot_results(first) == {} and pilot_results(moved / first.name)["eval_loss"] == 1.23456


def test_versions_without_a_pilot_have_no_pilot_rows(tmp_path):
    plain = build_example(tmp_path / "out")
    assert pilot_results(plain) is None
    printed = _compare(plain, html=tmp_path / "r.html")
    assert "eval_loss" not in printed and "No version has a pilot" in (tmp_path / "r.html").read_text()
