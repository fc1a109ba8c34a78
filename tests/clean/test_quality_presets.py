"""cleaning=quality and cleaning=strict end to end: PII redacted and counted, other languages and
near-duplicates rejected with reasons; strict adds an LLM repair and judge (against the test server)."""

import json

from helpers import write_jsonl
from llm_server import Reply, default_handler

from dsbuild.build import build
from dsbuild.clean.pii_patterns import cn_id_check_char

ID_BODY = "11010519491231002"
RESIDENT_ID = ID_BODY + cn_id_check_char(ID_BODY)
TOPICS = ["发烧", "咳嗽", "头痛", "腹泻", "失眠", "过敏", "便秘", "牙痛", "湿疹", "胃痛", "耳鸣", "鼻炎"]


def qa_rows():
    rows = [{"q": f"孩子{t}三天了，在家应该怎么护理？需要注意什么？", "a": f"{t}时先观察精神和饮食，多休息多喝水；"
             f"如果{t}持续加重或出现其他不适，请及时到医院就诊，不要自行长期用药。"} for t in TOPICS]
    rows += [{"q": f"How should I look after a child with {w} at home, and when is it serious?",
              "a": f"Rest, fluids and watching closely help most children with {w}. See a doctor if it lasts "
                   "more than three days or the child becomes drowsy."} for w in ("a fever", "a cough", "a rash")]
    rows += [
        {"q": "请问发烧怎么办？我的邮箱是 zhang.san@example.com，电话 13812345678",
         "a": "多喝水，注意休息，体温过高时就医。"},
        {"q": f"我的身份证号是{RESIDENT_ID}，挂号需要带什么？", "a": "带上身份证和医保卡，提前在网上预约挂号。"},
        {"q": "子供が熱を出したときはどうすればいいですか？",
         "a": "水分をとって休ませ、ぐったりしていたら受診してください。"},
        # a near-duplicate of the first row: one character changed in the question
        {"q": f"孩子{TOPICS[0]}三天了，在家应该怎样护理？需要注意什么？", "a": rows[0]["a"]},
    ]
    return rows


def compose(compose_cfg, tmp_path, *extra):
    data = write_jsonl(tmp_path / "qa.jsonl", qa_rows())  # question and answer only: the judge's CoT is optional
    return compose_cfg(["source=files", f"source.path={data}", "source.columns={question: q, response: a}",
                        "format=jsonl", "split.ratios=[1,0,0]", "name=quality", f"output_dir={tmp_path / 'out'}",
                        *extra])


def read(result, name):
    return [json.loads(line) for line in (result.path / name).read_text(encoding="utf-8").splitlines()]


def test_quality_redacts_pii_and_rejects_other_languages_and_near_duplicates(compose_cfg, tmp_path):
    result = build(compose(compose_cfg, tmp_path, "cleaning=quality"), show_progress=False)
    rows, rejects = read(result, "train.jsonl"), read(result, "rejects.jsonl")
    text = json.dumps(rows, ensure_ascii=False)
    assert "zhang.san@example.com" not in text and "13812345678" not in text and RESIDENT_ID not in text
    assert any("[EMAIL]" in r["question"] and "[PHONE]" in r["question"] for r in rows)
    by_rule = {r["_rule"]: r for r in rejects}
    assert "ja" in by_rule["language"]["_reason"] and by_rule["language"]["question"].startswith("子供")
    near = by_rule["near_dedup"]
    assert near["_duplicate_of"] in {r["id"] for r in rows} and "estimated Jaccard" in near["_reason"]
    clean = next(s for s in result.stages if s["stage"] == "clean")
    assert clean["changes"]["pii"]["email"] == 1 and clean["changes"]["pii"]["cn_id"] == 1
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "| clean | pii | email | 1 |" in card and "| clean | pii | cn_id | 1 |" in card


def test_strict_adds_an_llm_repair_and_a_judge(compose_cfg, llm_server, tmp_path):
    def handler(request):
        schema = request["response_format"]["json_schema"]["schema"]["properties"]
        if "score" in schema:
            low = "失眠" in request["messages"][-1]["content"]
            return Reply(content=json.dumps({"score": 2 if low else 5, "rationale": "off" if low else "fine"}))
        return default_handler(request)

    llm_server.set_handler(handler)
    cfg = compose(compose_cfg, tmp_path, "cleaning=strict", "llm=openai_compatible", "llm.model=openai/test-model",
                  f"llm.api_base={llm_server.base_url}", f"llm.cache_path={tmp_path / 'llm.sqlite'}")
    result = build(cfg, show_progress=False)
    stages = [s["stage"] for s in result.stages]
    assert stages[:4] == ["load", "clean", "annotate:repair", "annotate:judge"]
    judge = result.stages[3]
    assert judge["by_rule"] == {"judge": 1}
    rows = read(result, "train.jsonl")
    assert all(r["response_original"] and r["judge_score"] == 5 for r in rows)


def test_the_decontamination_eval_set_is_a_build_input(compose_cfg, tmp_path):
    english = [row["q"] for row in qa_rows() if row["q"].startswith("How")]
    eval_set = write_jsonl(tmp_path / "eval.jsonl", [{"question": english[0]}])
    rule = (f"{{_target_: dsbuild.clean.decontaminate.Decontaminate, eval_path: '{eval_set}', "
            "eval_fields: [question], fields: [question]}")
    first = build(compose(compose_cfg, tmp_path, f"+cleaning.rules.decontam={rule}"), show_progress=False)
    assert [r["_rule"] for r in read(first, "rejects.jsonl")] == ["decontam"]
    manifest = json.loads((first.path / "manifest.json").read_text(encoding="utf-8"))
    entry = next(i for i in manifest["inputs"] if i.get("step") == "cleaning.rules.decontam")
    assert len(entry["sha256"]) == 64
    write_jsonl(eval_set, [{"question": english[1]}])
    second = build(compose(compose_cfg, tmp_path, f"+cleaning.rules.decontam={rule}"), show_progress=False)
    assert second.version_id != first.version_id and not second.existed
