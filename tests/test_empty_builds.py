"""A build that kept no row publishes nothing: exit 2 and one line naming the stage, its top reasons and the
fix (`allow_empty=true` publishes it anyway); a stage that drops most of its rows warns in one line."""

from __future__ import annotations

import json

import pytest

from dsbuild.drop_checks import drop_settings
from dsbuild.errors import UserError


def _versions(tmp_path, name):
    folder = tmp_path / "datasets" / name
    return sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file()) if folder.is_dir() else []


def _one_line(done):
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("dsbuild: error: "), done.stderr
    return lines[0]


def test_rows_without_a_cot_under_cot_sft_publish_nothing_and_name_the_fix(run_cli, tmp_path):
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps({"question": f"What helps with cough number {i}?",
                                        "response": f"Rest and fluids, case {i}."}) + "\n" for i in range(18)))
    line = _one_line(run_cli("source=files", f"source.path={data}", "name=qa"))
    assert "all 18 rows rejected, most at validate (18): format:cot_sft 18 (Complex-CoT is missing (field cot))" \
        in line and "use format=alpaca" in line and "allow_empty=true" in line
    assert _versions(tmp_path, "qa") == []

    fixed = run_cli("source=files", f"source.path={data}", "name=qa", "format=alpaca")
    assert fixed.returncode == 0, fixed.stderr
    (version,) = _versions(tmp_path, "qa")  # the failed attempt left nothing that blocks the real build
    assert json.loads((version / "manifest.json").read_text())["splits"]["train"]["rows"] > 0


def test_unmapped_columns_say_how_to_map_them(run_cli, tmp_path):
    data = tmp_path / "table.csv"
    data.write_text("ask,answer\n" + "".join(f"question {i}?,answer {i}\n" for i in range(5)))
    line = _one_line(run_cli("source=files", f"source.path={data}", "name=t"))
    assert "all 5 rows rejected" in line and "no column was mapped to question / response" in line
    assert "source.columns='{question: <column>, response: <column>}'" in line
    assert _versions(tmp_path, "t") == []


def test_allow_empty_publishes_the_empty_version(run_cli, tmp_path):
    data = tmp_path / "qa.jsonl"
    data.write_text(json.dumps({"question": "Why?", "response": "Because."}) + "\n")
    done = run_cli("source=files", f"source.path={data}", "name=qa", "allow_empty=true")
    assert done.returncode == 0, done.stderr
    (version,) = _versions(tmp_path, "qa")
    manifest = json.loads((version / "manifest.json").read_text())
    assert sum(s["rows"] for s in manifest["splits"].values()) == 0
    assert [json.loads(r)["_reason"] for r in (version / "rejects.jsonl").read_text().splitlines()] == \
        ["Complex-CoT is missing (field cot)"]


def test_a_rule_that_drops_everything_names_itself_and_how_to_switch_it_off(run_cli, tmp_path):
    line = _one_line(run_cli("cleaning.rules.length_bounds.min_chars=100000"))
    assert "most at clean" in line and "length_bounds" in line and "< min 100000" in line
    assert "cleaning.rules.length_bounds=null" in line
    assert _versions(tmp_path, "doctor_qa") == []


def test_a_stage_that_drops_most_rows_warns_once_and_still_publishes(run_cli, tmp_path):
    done = run_cli("cleaning.rules.length_bounds.max_chars=250")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in (done.stdout + done.stderr).splitlines() if "dropped" in line]
    assert len(warnings) == 1 and "stage clean dropped" in warnings[0] and "mostly length_bounds" in warnings[0]
    manifest = json.loads((_versions(tmp_path, "doctor_qa")[0] / "manifest.json").read_text())
    clean = next(s for s in manifest["stages"] if s["stage"] == "clean")
    assert clean["rejected"] / clean["rows_in"] > 0.5 and clean["rows_in"] == clean["kept"] + clean["rejected"]
    quiet = run_cli("cleaning.rules.length_bounds.max_chars=250", "warn_share=0.9", "name=quiet")
    assert quiet.returncode == 0 and "dropped" not in quiet.stdout + quiet.stderr


@pytest.mark.parametrize("key,value,message", [("allow_empty", "maybe", "give true or false"),
                                               ("warn_share", float("nan"), "between 0 and 1"),
                                               ("warn_share", 1.5, "between 0 and 1")])
def test_bad_settings_are_one_line(key, value, message):
    with pytest.raises(UserError, match=message):
        drop_settings({key: value})
