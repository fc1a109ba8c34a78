"""Mistakes Hydra catches while composing the config (an unknown option or key, `+` on a chosen group), an
unknown command, and places dsbuild cannot write end in one line, exit 2, with the closest valid name."""

from __future__ import annotations

import os
import subprocess

import pytest

from dsbuild.hydra_errors import closest


def _one_line(done) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("dsbuild: error: "), done.stderr
    return lines[0].removeprefix("dsbuild: error: ")


@pytest.mark.parametrize("override, expected", [
    ("format=alpacca", "format=alpacca: no such option; did you mean alpaca? options: alpaca, cot_sft, jsonl, "
                       "openai, parquet, sharegpt"),
    ("llm=deepsek", "llm=deepsek: no such option; did you mean deepseek? options: anthropic, deepseek,"),
    ("source=nope", "source=nope: no such option; options: audio, doctor_qa, documents, files,"),
    ("hydra/launcher=jobllib", "hydra/launcher=jobllib: no such option; did you mean joblib? options: basic, joblib"),
    ("split.ratio=[0.8,0.1,0.1]", "split.ratio: no such key; did you mean split.ratios; keys of split: group_by, "
                                  "ratios, seed, stratify_by"),
    ("formt=alpaca", "formt: no such key; did you mean format; keys of the top level: allow_empty, augment,"),
    ("format.nope=1", "format.nope: no such key; keys of format: chat_template, cutoff_len, over_cutoff, reasoning, "
                      "reasoning_template, tokenizer; to add a new key, write +format.nope=1"),
    ("+experiment=medical_cot", "+experiment=medical_cot: experiment is already chosen in the defaults; drop the "
                                "'+': experiment=medical_cot"),
    ("~format.nope", "~format.nope: no such key, so nothing to delete"),
])
def test_a_composition_mistake_is_one_line_with_the_closest_name(run_cli, tmp_path, override, expected):
    assert _one_line(run_cli(override)).startswith(expected)
    assert not (tmp_path / "datasets").exists()


def test_a_sweep_with_one_bad_option_fails_before_any_job_runs(run_cli, tmp_path):
    line = _one_line(run_cli("-m", "format=alpaca,alpacca", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert line.startswith("format=alpacca: no such option; did you mean alpaca?")
    assert not (tmp_path / "datasets").exists()


def test_an_error_of_the_build_itself_is_not_taken_for_hydras(run_cli, tmp_path):
    line = _one_line(run_cli("source=files", f"source.path={tmp_path / 'missing.jsonl'}"))
    assert "missing.jsonl" in line and "no such option" not in line


@pytest.mark.parametrize("word, expected", [
    ("versoins", "unknown command 'versoins'; did you mean versions? commands: review, compare, versions, show,"),
    ("reveiw", "unknown command 'reveiw'; did you mean review?"),
    ("zzz", "unknown command 'zzz'; commands: review,"),
])
def test_an_unknown_command_names_the_closest(run_cli, word, expected):
    line = _one_line(run_cli(word))
    assert line.startswith(expected) and "a build takes overrides such as format=alpaca" in line


def test_closest_ignores_case_and_gives_up_on_strangers():
    assert closest("ALPACA", ["alpaca", "sharegpt"]) == "alpaca"
    assert closest("qqqq", ["alpaca", "sharegpt"]) is None


def test_an_output_dir_that_is_a_file_is_one_line_before_any_work(run_cli, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    line = _one_line(run_cli(f"output_dir={blocker}"))
    assert line.startswith(f"{blocker} is a file where a folder goes (output_dir={blocker}, name=doctor_qa)")
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "doctor_qa").write_text("x")
    line = _one_line(run_cli())
    assert line.startswith(f"{tmp_path / 'datasets' / 'doctor_qa'} is a file where the dataset's folder goes")


@pytest.fixture
def read_only_folder(tmp_path):
    """A read-only file system mounted at a folder (root can write through permission bits, not through this)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a read-only tmpfs needs root and mount(8)")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_working_directory_names_hydra_run_dir(run_cli, read_only_folder, tmp_path):
    done = run_cli("format=alpaca", "hydra.run.dir=outputs/runs/here", cwd=read_only_folder)
    line = _one_line(done)
    assert line.startswith("cannot create Hydra's run folder outputs") and "read-only" in line
    assert "hydra.run.dir=<a writable folder>" in line
    assert run_cli("format=alpaca", cwd=read_only_folder).returncode == 0  # the fixture's writable run dir
