"""LLM tasks run batch by batch (executor.batch_rows) and give what one batch gives: the same rows, rejects,
counts and usage, a budget pre-check over every batch, and dedup of generated rows across batches."""

import json
import re

import pytest
from annotate.test_complete_cot import medical_cot
from annotate.test_generate_qa import PASSAGES, handler
from helpers import write_jsonl

from dsbuild.build import build
from dsbuild.errors import UserError


def test_complete_cot_in_batches_writes_what_one_batch_writes(compose_cfg, llm_server, tmp_path):
    whole = medical_cot(compose_cfg, llm_server, tmp_path / "a" / "out")
    sent = llm_server.calls
    batched = medical_cot(compose_cfg, llm_server, tmp_path / "b" / "out", "executor.batch_rows=16")
    assert llm_server.calls == 2 * sent  # its own cache: every call sent again, once
    assert batched.version_id == whole.version_id
    for name in ("train.json", "validation.json", "test.json", "rejects.jsonl"):
        assert (batched.path / name).read_bytes() == (whole.path / name).read_bytes(), name
    usage = [json.loads((r.path / "manifest.json").read_text())["llm"] for r in (whole, batched)]
    for task in ("complete_cot", "judge"):
        for key in ("calls", "sent", "cached", "failed"):
            assert usage[1][task][key] == usage[0][task][key], (task, key)
    assert usage[1]["complete_cot"]["calls"] == whole.stages[1]["kept"] > 16 * 5


def test_the_budget_pre_check_covers_every_batch_before_the_first_call(compose_cfg, llm_server, tmp_path):
    priced = ["llm.model=openai/gpt-4o-mini", "~tasks.judge", "executor.batch_rows=16"]
    with pytest.raises(UserError) as raised:
        medical_cot(compose_cfg, llm_server, tmp_path / "a" / "out", *priced, "llm.max_cost_usd=0.000001")
    calls, total = re.search(r"the (\d+) uncached calls' prompts alone come to about \$([\d.]+)", str(raised.value)
                             ).groups()
    assert int(calls) > 16 * 5  # every batch's calls, not the first batch's
    half = float(total) / 2  # more than any one batch costs, less than all of them
    with pytest.raises(UserError, match=rf"the {calls} uncached calls' prompts alone"):
        medical_cot(compose_cfg, llm_server, tmp_path / "b" / "out", *priced, f"llm.max_cost_usd={half}")
    assert llm_server.calls == 0


def test_generated_rows_are_deduplicated_across_batches(compose_cfg, llm_server, tmp_path):
    llm_server.set_handler(handler)
    data = write_jsonl(tmp_path / "passages.jsonl", PASSAGES + PASSAGES[:1])
    cfg = compose_cfg(["source=files", f"source.path={data}", "cleaning=none", "prompt=passage_qa",
                       "prompt.per_passage=4", "name=passage_qa", "format=jsonl", "split.ratios=[1,0,0]",
                       "llm=openai_compatible", f"llm.api_base={llm_server.base_url}", "llm.model=openai/test-model",
                       f"llm.cache_path={tmp_path / 'llm.sqlite'}", f"output_dir={tmp_path / 'out'}",
                       "executor.batch_rows=1"])
    result = build(cfg, show_progress=False)
    stage = next(s for s in result.stages if s["stage"] == "annotate:generate_qa")
    assert stage["rows_in"] == 4 and stage["kept"] == 6 and stage["by_rule"] == {"generate_qa:dedup": 10}
    rows = [json.loads(line) for line in (result.path / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == 6
