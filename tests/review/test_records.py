"""Every format read back and rewritten: untouched splits keep their bytes, edits and rejects land on their rows."""

import json

import pyarrow.parquet as pq
import pytest

from dsbuild.review.apply import apply_verdicts
from dsbuild.review.verdict_files import read_verdicts
from dsbuild.review.version_reader import read_version

CASES = {  # format overrides, the field edited
    "alpaca with cot": (["format=alpaca"], "cot"),
    "sharegpt with cot in headings and a system prompt": (
        ["format=sharegpt", "format.reasoning_template='## Thinking\\n\\n{cot}\\n\\n## Final Response\\n\\n{response}'",
         "format.system_prompt=You are a careful doctor."], "cot"),
    "openai": (["format=openai"], "question"),
    "openai without reasoning": (["format=openai", "format.reasoning=drop"], "response"),
    "jsonl": (["format=jsonl"], "response"),
    "parquet": (["format=parquet"], "question"),
}


def file_text(path):
    if path.suffix == ".parquet":
        return json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False)
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_format_round_trip(case, tmp_path, build_version):
    overrides, field = CASES[case]
    parent = read_version(build_version(tmp_path, "experiment=doctor_qa", *overrides))
    train_ids = parent.splits["train"].column("id").to_pylist()
    new_text = "Corrected: 多喝水 and \"rest\"\nthen see a doctor."
    verdicts = [{"id": train_ids[0], "verdict": "reject", "reason": "outdated"},
                {"id": train_ids[1], "verdict": "accept", "edits": {field: new_text}},
                *({"id": i, "verdict": "accept"} for i in train_ids[2:6])]
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps(verdicts, ensure_ascii=False), encoding="utf-8")
    child = read_version(apply_verdicts(parent, read_verdicts(path)).path)

    for split in ("validation", "test"):
        info = parent.manifest["splits"][split]
        for key in ("file", "lineage"):
            if info.get(key):
                assert (child.path / info[key]).read_bytes() == (parent.path / info[key]).read_bytes()
    train = {row["id"]: row for row in child.splits["train"].to_pylist()}
    before = {row["id"]: row for row in parent.splits["train"].to_pylist()}
    assert train_ids[0] not in train and len(train) == len(before) - 1
    assert train[train_ids[1]][field] == new_text
    assert {k: v for k, v in train[train_ids[1]].items() if k != field} == \
        {k: v for k, v in before[train_ids[1]].items() if k != field}
    assert all(train[i] == before[i] for i in train_ids[2:])
    written = file_text(child.path / child.manifest["splits"]["train"]["file"])
    assert json.dumps(new_text, ensure_ascii=False)[1:-1] in written
