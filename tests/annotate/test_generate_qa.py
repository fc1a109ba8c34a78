"""generate_qa end to end: passages in, N grounded triples out, with lineage and dedup."""

import json

from helpers import write_jsonl
from llm_server import Reply

from dsbuild.build import build

PASSAGES = [
    {"text": "高血压患者应限制盐的摄入，每天不超过5克，并规律监测血压。"},
    {"text": "Children with a fever above 39 C who are unusually drowsy should be seen by a doctor the same day."},
    {"text": "湿疹患者洗澡水不宜过热，洗后及时涂抹保湿霜，避免搔抓。"},
]


def handler(request):
    user = request["messages"][-1]["content"]
    n = request["response_format"]["json_schema"]["schema"]["properties"]["items"]["minItems"]
    topic = "盐" if "盐" in user else ("fever" if "fever" in user else "湿疹")
    items = [{"question": f"关于{topic}的问题{i % 2}", "cot": f"先看材料中关于{topic}的内容，第{i}步",
              "response": f"回答{i}：请遵医嘱"} for i in range(n)]
    return Reply(content=json.dumps({"items": items}, ensure_ascii=False))


def test_each_passage_becomes_n_rows_with_lineage_and_repeated_questions_rejected(compose_cfg, llm_server, tmp_path):
    llm_server.set_handler(handler)
    data = write_jsonl(tmp_path / "passages.jsonl", PASSAGES)
    cfg = compose_cfg(["source=files", f"source.path={data}", "cleaning=none", "prompt=passage_qa",
                       "prompt.per_passage=4", "name=passage_qa", "format=jsonl", "split.ratios=[1,0,0]",
                       "llm=openai_compatible", f"llm.api_base={llm_server.base_url}", "llm.model=openai/test-model",
                       f"llm.cache_path={tmp_path / 'llm.sqlite'}", f"output_dir={tmp_path / 'out'}"])
    result = build(cfg, show_progress=False)
    stage = next(s for s in result.stages if s["stage"] == "annotate:generate_qa")
    assert stage["rows_in"] == 3 and stage["kept"] == 6 and stage["by_rule"] == {"generate_qa:dedup": 6}
    assert stage["rows_in"] + stage["added"] == stage["kept"] + stage["rejected"]
    rows = [json.loads(line) for line in (result.path / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    passages = {json.loads(line)["text"] for line in data.read_text(encoding="utf-8").splitlines()}
    assert all(r["passage"] in passages and r["source_ref"].startswith("passages.jsonl:line ") for r in rows)
    assert len({r["id"] for r in rows}) == 6 and all(r["passage_id"] for r in rows)
    dups = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(d["_rule"] == "generate_qa:dedup" and d["_duplicate_of"] in {r["id"] for r in rows} for d in dups)
