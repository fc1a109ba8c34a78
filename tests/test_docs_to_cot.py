"""experiment=docs_to_cot end to end against the test LLM server: documents -> passages -> questions,
CoT and answers -> dedup -> judge -> a split grouped by document -> cot_sft with lineage."""

import json
import re

import pytest
from doc_files import write_guides
from llm_server import Reply

from dsbuild.build import build


def answer(request):
    """generate_qa: N items about the passage (one repeats a fixed question); judge: 2 for 'vague' questions."""
    user = request["messages"][-1]["content"]
    schema = request["response_format"]["json_schema"]["schema"]["properties"]
    if "items" in schema:
        n = schema["items"]["minItems"]
        topic = re.sub(r"\s+", " ", user.split("材料：")[-1])[:40]
        items = [{"question": f"Q{i} about: {topic}" if i else "What should I do first?",
                  "cot": f"The passage says: {topic}. So step {i} follows from it.",
                  "response": f"Answer {i}, grounded in the passage."} for i in range(n)]
        if "rehydration" in user:
            items[-1]["question"] = f"A vague question {topic}"
        return Reply(content=json.dumps({"items": items}, ensure_ascii=False))
    score = 2 if "A vague question" in user else 5
    return Reply(content=json.dumps({"score": score, "rationale": "grounded" if score > 2 else "too vague"}))


@pytest.fixture(scope="module")
def guides(tmp_path_factory):
    return write_guides(tmp_path_factory.mktemp("guides"))


@pytest.fixture
def built(guides, compose_cfg, llm_server, tmp_path):
    llm_server.set_handler(answer)
    cfg = compose_cfg(["experiment=docs_to_cot", f"source.path={guides}", "prompt.per_passage=2",
                       "source.chunking.max_size=300", "source.chunking.min_size=50",
                       "llm=openai_compatible", f"llm.api_base={llm_server.base_url}", "llm.model=openai/test-model",
                       f"llm.cache_path={tmp_path / 'llm.sqlite'}", f"output_dir={tmp_path / 'out'}"])
    return build(cfg, show_progress=False), llm_server


def rows_of(result, split):
    if not result.splits[split]["file"]:
        return [], []
    records = json.loads((result.path / result.splits[split]["file"]).read_text(encoding="utf-8"))
    lineage = [json.loads(line) for line in
               (result.path / result.splits[split]["lineage"]).read_text(encoding="utf-8").splitlines()]
    return records, lineage


def test_every_row_is_question_cot_answer_traced_to_its_passage_and_file(built, guides):
    result, _ = built
    for split in ("train", "validation", "test"):
        records, lineage = rows_of(result, split)
        assert len(records) == len(lineage)
        assert all(set(r) == {"Question", "Complex-CoT", "Response"} and all(r.values()) for r in records)
        for line in lineage:
            assert line["passage_id"] and line["doc"] and (guides / line["doc"]).is_file()
            assert line["passage"] and line["judge_score"] >= 3 and line["source_ref"].startswith(line["doc"])


def test_no_document_has_questions_in_two_splits(built):
    result, _ = built
    splits_of = {}
    for split in ("train", "validation", "test"):
        for line in rows_of(result, split)[1]:
            splits_of.setdefault(line["doc"], set()).add(split)
    assert len(splits_of) == 5 and all(len(s) == 1 for s in splits_of.values())


def test_repeats_vague_questions_and_unreadable_files_are_all_rejected_with_reasons(built):
    result, _ = built
    stages = {s["stage"]: s for s in result.stages}
    assert stages["load"]["by_rule"] == {"extract": 3}
    generate = stages["annotate:generate_qa"]
    assert generate["by_rule"]["generate_qa:dedup"] == generate["rows_in"] - 1  # "What should I do first?"
    assert stages["annotate:judge"]["by_rule"] == {"judge": 1}
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    judged = [r for r in rejects if r["_rule"] == "judge"]
    assert "too vague" in judged[0]["_reason"] and judged[0]["doc"] == "web/dehydration.html"
    for stage in result.stages:
        assert stage["rows_in"] + stage["added"] == stage["kept"] + stage["rejected"]


def test_a_rerun_builds_the_same_version_without_calling_the_llm(built, compose_cfg, guides, tmp_path):
    result, server = built
    calls = len(server.call_requests)
    cfg = compose_cfg(["experiment=docs_to_cot", f"source.path={guides}", "prompt.per_passage=2",
                       "source.chunking.max_size=300", "source.chunking.min_size=50", "llm=openai_compatible",
                       f"llm.api_base={server.base_url}", "llm.model=openai/test-model",
                       f"llm.cache_path={tmp_path / 'llm.sqlite'}", f"output_dir={tmp_path / 'again'}"])
    again = build(cfg, show_progress=False)
    assert again.version_id == result.version_id and len(server.call_requests) == calls
    assert (again.path / "train.json").read_bytes() == (result.path / "train.json").read_bytes()
