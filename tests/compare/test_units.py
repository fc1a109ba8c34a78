"""The comparison's parts on small hand-made versions (no build, no plots): stage order, rejects, overlap,
samples, categorical fields, and the mistakes that stop `dsbuild compare`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from dsbuild.compare.cli import main
from dsbuild.compare.inputs import select
from dsbuild.compare.measures import categorical_fields, measure
from dsbuild.compare.overlap import overlap
from dsbuild.compare.samples import pick_samples
from dsbuild.compare.table import reject_section, sections, stage_section
from dsbuild.review.version_reader import Version
from dsbuild.sweep import JOB_FILE


def stage(name, rows_in, kept, **by_rule):
    return {"stage": name, "rows_in": rows_in, "kept": kept, "rejected": rows_in - kept, "added": 0,
            "by_rule": by_rule}


def version(vid, stages, splits, llm=None) -> Version:
    manifest = {"version_id": vid, "name": "demo", "stages": stages, "llm": llm or {},
                "splits": {name: {"rows": len(rows)} for name, rows in splits.items()}}
    return Version(path=Path(vid), manifest=manifest, exporter=None,
                   splits={name: pa.Table.from_pylist(rows) for name, rows in splits.items()})


def qa(i, response="answer", **extra):
    return {"id": f"id{i}", "question": f"Question {i}?", "response": f"{response} {i}", **extra}


PLAIN = version("plain", [stage("load", 6, 6), stage("clean", 6, 4, missing=2), stage("split", 4, 4)],
                {"train": [qa(0, department="skin"), qa(1, department="skin"), qa(2, department="heart")],
                 "test": [qa(3, department="heart")], "pilot": [qa(0)]})
JUDGED = version("judged", [stage("load", 6, 6), stage("clean", 6, 4, missing=2),
                            stage("annotate:judge", 4, 3, judge=1), stage("split", 3, 3)],
                 {"train": [qa(1, "better", judge_score=5), qa(3, judge_score=4)],
                  "test": [{**qa(9, judge_score=4), "question": " question  0? "}]},
                 llm={"judge": {"model": "m", "sent": 4, "cached": 0, "prompt_tokens": 90, "completion_tokens": 10,
                                "cost_usd": 0.25}})


def test_a_stage_only_one_version_ran_is_listed_where_it_ran():
    measures = [measure(PLAIN), measure(JUDGED)]
    section = stage_section(measures)
    assert [name for name, _ in section.rows] == ["load", "clean", "annotate:judge", "split"]
    assert dict(section.rows)["annotate:judge"] == ["-", "4 → 3"]
    assert dict(reject_section(measures).rows) == {"clean: missing": ["2", "2"], "annotate:judge: judge": ["0", "1"],
                                                   "total": ["2", "3"]}


def test_llm_and_judge_rows_and_the_pilot_left_out_of_row_measures():
    rows = {title: dict(r) for title, r in ((s.title, s.rows) for s in sections([measure(PLAIN), measure(JUDGED)]))}
    assert rows["LLM calls, tokens and cost"]["judge: tokens"] == ["-", "100"]
    assert rows["LLM calls, tokens and cost"]["total cost (USD)"] == ["0.0000", "0.2500"]
    assert rows["Judge score"]["mean"] == ["-", "4.33"]
    assert rows["Rows per split"]["pilot"] == ["1", "-"]
    assert measure(PLAIN).rows.num_rows == 4  # train and test; the pilot repeats train rows


def test_overlap_by_id_same_split_and_normalized_question_text():
    found = overlap([measure(PLAIN), measure(JUDGED)])
    assert found.by_id == [[4, 2], [2, 3]]
    assert found.same_split == [[4, 1], [1, 3]]  # id1 in train in both; id3 in test, then in train
    assert found.text_field == "question" and found.by_text == [[4, 3], [3, 3]]  # " question  0? " is id0's


def test_samples_show_inputs_that_differ_first_and_fall_back_to_question_text():
    samples = pick_samples([measure(PLAIN), measure(JUDGED)], 5)
    assert [s.question for s in samples] == ["Question 1?", "Question 3?"]  # id1's answer differs
    assert samples[0].cells[1] == {"_split": "train", "response": "better 1", "judge_score": 5}
    renamed = version("renamed", [], {"train": [{**qa(i), "id": f"other{i}"} for i in range(2)]})
    by_text = pick_samples([measure(PLAIN), measure(renamed)], 5)
    assert {s.matched_by for s in by_text} == {"question"} and len(by_text) == 2


def test_categorical_fields_are_short_repeated_values():
    long = version("long", [], {"train": [qa(i, label=f"free text number {i}") for i in range(5)]})
    assert categorical_fields([measure(PLAIN), measure(long)]) == ["department"]


def test_a_running_sweep_is_read_from_its_job_files(tmp_path):
    (tmp_path / "seed=1").mkdir()
    (tmp_path / "seed=1" / JOB_FILE).write_text(json.dumps({"job": 0, "swept": ["seed=1"], "error": "bad seed"}),
                                                encoding="utf-8")
    with pytest.raises(Exception, match="every sweep job failed"):
        select([str(tmp_path)], tmp_path)


@pytest.mark.parametrize("args, expected", [
    (["compare"], "the following arguments are required"),
    (["compare", "nosuchid", "--root", "{tmp}"], "nosuchid: not a version folder"),
    (["compare", "{tmp}/empty"], "neither a sweep folder"),
    (["compare", "x", "--samples", "-1"], "--samples must be 0 or more"),
    (["compare", "{tmp}/broken"], "sweep_summary.json: job 0 names the version"),
    (["compare", "{tmp}/garbled"], "sweep_summary.json: not valid JSON"),
])
def test_mistakes_end_in_one_line_and_exit_2(tmp_path, capsys, args, expected):
    for name in ("empty", "broken", "garbled"):
        (tmp_path / name).mkdir()
    (tmp_path / "broken" / "sweep_summary.json").write_text(
        json.dumps([{"job": 0, "swept": ["a=1"], "path": str(tmp_path / "gone")}]), encoding="utf-8")
    (tmp_path / "garbled" / "sweep_summary.json").write_text("[{", encoding="utf-8")
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dsbuild: error: ") and expected in err[0]
