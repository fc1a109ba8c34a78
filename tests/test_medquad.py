"""Real data: MedQuAD sample (../shared/data/medquad_sample). Skipped when it is not there."""

import json
import re

import pytest
from helpers import SHARED_DATA

from dsbuild.build import build
from dsbuild.sources.files import FilesSource

MEDQUAD = SHARED_DATA / "medquad_sample" / "medquad_sample.jsonl"
pytestmark = pytest.mark.skipif(not MEDQUAD.exists(), reason=f"real data not found at {MEDQUAD}")
COLUMNS = "source.columns={question: question, response: answer, qtype: qtype, collection: source}"


def run(compose_cfg, tmp_path, *extra):
    cfg = compose_cfg(["source=files", f"source.path={MEDQUAD}", COLUMNS, "name=medquad", "format=alpaca",
                       f"output_dir={tmp_path}", *extra])
    result = build(cfg, show_progress=False)
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    return result, rejects


def test_empty_answers_are_rejected_as_missing(compose_cfg, tmp_path):
    raw = [json.loads(line) for line in MEDQUAD.read_text(encoding="utf-8").splitlines()]
    empty = sum(1 for r in raw if not r["answer"].strip())
    result, rejects = run(compose_cfg, tmp_path)
    missing = [r for r in rejects if r["_rule"] == "missing"]
    assert len(missing) == empty == 792
    assert all(r["_reason"] == "missing response" and r["collection"] == "MPlusHerbsSupplements" for r in missing)
    kept = sum(result.splits[s]["rows"] for s in ("train", "validation", "test"))
    assert kept + len(rejects) == len(raw)


def test_repeated_questions_keep_the_longest_answer_when_deduped_on_question(compose_cfg, tmp_path):
    result, rejects = run(compose_cfg, tmp_path, "cleaning.rules.exact_dedup.fields=[question]",
                          "cleaning.rules.exact_dedup.keep=longest")
    dups = [r for r in rejects if r["_rule"] == "exact_dedup"]
    assert len(dups) >= 500
    kept = {}
    for split in ("train", "validation", "test"):
        for row in json.loads((result.path / f"{split}.json").read_text(encoding="utf-8")):
            kept[re.sub(r"\W+", "", row["instruction"].lower())] = row
    for dup in dups:
        survivor = kept[re.sub(r"\W+", "", dup["question"].lower())]
        assert len(survivor["output"]) >= len(dup["response"])


def test_question_and_answer_dedup_keeps_same_question_with_other_answers(compose_cfg, tmp_path):
    _, rejects = run(compose_cfg, tmp_path)
    assert not [r for r in rejects if r["_rule"] == "exact_dedup"]  # no (question, answer) pair repeats


def test_repeated_qids_are_load_rejects_with_the_first_row_named():
    loaded = FilesSource(str(MEDQUAD), id_column="qid", columns={"question": "question"}).load()
    assert loaded.table.num_rows == 1697 and loaded.rejected.num_rows == 2390 - 1697
    assert re.match(r"id '[^']+' repeats the row at medquad_sample.jsonl:line \d+",
                    loaded.rejected.column("_reason")[0].as_py())
