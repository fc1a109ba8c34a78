"""`dsbuild compare <sweep folder>` as a user runs it, after a real `dsbuild -m` sweep (subprocesses)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_compare_a_seed_sweep_from_the_command_line(run_dsbuild, tmp_path):
    sweep = tmp_path / "sweep"
    built = run_dsbuild("-m", "split.seed=1,2", "format=jsonl", f"hydra.sweep.dir={sweep}",
                        f"output_dir={tmp_path / 'datasets'}")
    assert built.returncode == 0, built.stderr
    result = run_dsbuild("compare", sweep)
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "split.seed=1" in line)
    assert "split.seed=2" in header
    assert "Rows per split" in result.stdout and "clean: exact_dedup" in result.stdout
    assert f"report written: {sweep / 'compare.html'}" in result.stdout.replace("\n", "")
    page = (sweep / "compare.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 5 and "split.seed=1" in page
