"""complete_cot end to end through litellm over HTTP against the test server (nothing patched)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPO
from llm_server import Reply, default_handler

from dsbuild.build import build
from dsbuild.errors import UserError

SECRET = "sk-test-dsbuild-secret-0000"


def medical_cot(compose_cfg, server, out, *extra):
    cfg = compose_cfg(["experiment=medical_cot", "llm=openai_compatible", f"llm.api_base={server.base_url}",
                       "llm.model=openai/test-model", f"llm.cache_path={out.parent / 'llm.sqlite'}",
                       "llm.max_retries=2", "llm.timeout=5", f"output_dir={out}", *extra])
    return build(cfg, show_progress=False)


def rejects_of(result):
    return [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]


def test_cot_sft_from_the_llm_with_every_row_accounted_and_a_free_rerun(compose_cfg, llm_server, tmp_path):
    first = medical_cot(compose_cfg, llm_server, tmp_path / "a")
    cot, judge = [s for s in first.stages if s["stage"].startswith("annotate")]
    assert cot["stage"] == "annotate:complete_cot" and judge["stage"] == "annotate:judge"
    assert cot["rows_in"] == cot["kept"] == judge["rows_in"] == judge["kept"] > 100
    assert llm_server.calls == 2 * cot["rows_in"]
    records = json.loads((first.path / "train.json").read_text(encoding="utf-8"))
    assert records and all(set(r) == {"Question", "Complex-CoT", "Response"} for r in records)
    assert all(r["Complex-CoT"].startswith("cot for ") and r["Response"].startswith("response for ") for r in records)
    request = llm_server.call_requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert request["messages"][0]["role"] == "system" and "医生" in request["messages"][0]["content"]
    manifest = json.loads((first.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["llm"]["complete_cot"]["sent"] == manifest["llm"]["judge"]["sent"] == cot["rows_in"]
    assert manifest["llm"]["judge"]["cached"] == 0 and manifest["llm_calls"]["judge"]["answered"] == cot["rows_in"]
    assert sorted(manifest["templates"]) == ["complete_cot.zh.j2", "judge.zh.j2"]
    card = (first.path / "README.md").read_text(encoding="utf-8")
    judged = cot["rows_in"]
    assert f"**judge scores** ({judged} rows judged)" in card and f"| 4 | {judged} | 100.0% |" in card  # echo: 4

    sent = llm_server.calls
    again = medical_cot(compose_cfg, llm_server, tmp_path / "b")
    assert llm_server.calls == sent  # every answer replayed from the cache
    assert again.version_id == first.version_id
    assert (again.path / "train.json").read_bytes() == (first.path / "train.json").read_bytes()


def test_faults_are_retried_and_bad_answers_rejected_with_reasons(compose_cfg, llm_server, tmp_path):
    def handler(request):
        user = " ".join(m["content"] for m in request["messages"] if m["role"] == "user")
        if "头痛" in user:
            return Reply(content=json.dumps({"cot": "抱歉，我无法回答医疗问题。", "response": "抱歉，我无法回答。"},
                                            ensure_ascii=False))
        if "fever" in user.lower():
            return Reply(content='{"cot": "cut', finish_reason="length")
        return default_handler(request)

    llm_server.set_handler(handler)
    llm_server.queue(Reply(status=429, headers={"Retry-After": "0"}), Reply(status=500), Reply(raw_body="{not json"))
    result = medical_cot(compose_cfg, llm_server, tmp_path / "a", "~tasks.judge", "llm.max_failed_share=0.5")
    failed = [r for r in rejects_of(result) if r["_stage"].startswith("annotate")]
    reasons = {r["_reason"] for r in failed}
    assert any("refusal" in r for r in reasons) and any("finish_reason=length" in r for r in reasons)
    assert all(r["_rule"] == "complete_cot" and "attempt" in r["_reason"] for r in failed)
    annotate = next(s for s in result.stages if s["stage"].startswith("annotate"))
    assert annotate["rows_in"] == annotate["kept"] + annotate["rejected"] and annotate["rejected"] == len(failed)
    kept = json.loads((result.path / "train.json").read_text(encoding="utf-8"))
    assert all(r["Complex-CoT"].strip() and "抱歉" not in r["Complex-CoT"] for r in kept)


def test_the_budget_stops_cleanly_and_a_rerun_pays_only_for_the_rest(compose_cfg, llm_server, tmp_path):
    llm_server.set_handler(lambda request: Reply(
        content=default_handler(request).content, prompt_tokens=1000, completion_tokens=1000))
    priced = ["llm.model=openai/gpt-4o-mini", "llm.concurrency=4", "~tasks.judge"]
    reached = r"llm.max_cost_usd=0.01 reached \(\$[\d.]+ spent by this build.*rerun to resume"
    with pytest.raises(UserError, match=reached):
        medical_cot(compose_cfg, llm_server, tmp_path / "a", *priced, "llm.max_cost_usd=0.01")
    paid = llm_server.calls
    assert 0 < paid < 100
    result = medical_cot(compose_cfg, llm_server, tmp_path / "b", *priced, "llm.max_cost_usd=10")
    annotate = next(s for s in result.stages if s["stage"].startswith("annotate"))
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    cached = manifest["llm"]["complete_cot"]["cached"]
    assert paid - 4 <= cached <= paid  # all paid answers but those cut off in flight (concurrency 4)
    assert llm_server.calls - paid == annotate["rows_in"] - cached  # the rerun sends only the missing calls
    assert annotate["kept"] == annotate["rows_in"] and manifest["llm"]["complete_cot"]["cost_usd"] > 0


def test_the_judge_rejects_low_scores_with_score_and_rationale(compose_cfg, llm_server, tmp_path):
    def handler(request):
        if "评审标准" not in request["messages"][-1]["content"]:
            return default_handler(request)
        low = "孩子" in request["messages"][-1]["content"]
        return Reply(content=json.dumps({"score": 2 if low else 5, "rationale": "没有提醒就医" if low else "很好"},
                                        ensure_ascii=False))

    llm_server.set_handler(handler)
    result = medical_cot(compose_cfg, llm_server, tmp_path / "a")
    judged = [r for r in rejects_of(result) if r["_stage"] == "annotate:judge"]
    assert judged and all(r["_reason"] == "judge score 2 < 3: 没有提醒就医" and "孩子" in r["question"] for r in judged)
    kept = [r for split in ("train", "validation", "test")
            for r in json.loads((result.path / f"{split}.json").read_text(encoding="utf-8"))]
    assert kept and not any("孩子" in r["Question"] for r in kept)


@pytest.mark.slow
def test_the_key_is_written_nowhere(run_cli, llm_server, tmp_path):
    result = run_cli("experiment=medical_cot", "llm=openai_compatible", f"llm.api_base={llm_server.base_url}",
                     "llm.model=openai/test-model", f"llm.cache_path={tmp_path / 'llm.sqlite'}")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_prompt_without_a_backend_is_a_clear_error(compose_cfg, tmp_path):
    with pytest.raises(UserError, match="llm.model is not set"):
        build(compose_cfg(["experiment=medical_cot", f"output_dir={tmp_path}"]), show_progress=False)


def test_a_reasoning_models_thinking_becomes_the_cot_and_is_marked(compose_cfg, llm_server, tmp_path):
    def handler(request):
        answer = default_handler(request).content
        if any("孩子" in m["content"] for m in request["messages"] if m["role"] == "user"):
            return Reply(content=answer)  # no reasoning returned for these rows, even when asked again
        return Reply(content=answer, reasoning_content="先看体温和精神状态，再排除危险信号。")

    llm_server.set_handler(handler)
    result = medical_cot(compose_cfg, llm_server, tmp_path / "a", "~tasks.judge", "format=jsonl",
                         "prompt.reasoning_as_cot=true", "prompt.output_schema.cot=null")
    rows = [json.loads(line) for split in ("train", "validation", "test")
            for line in (result.path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = [r for r in rows if r["cot"] != "先看体温和精神状态，再排除危险信号。" or r["cot_source"] != "reasoning"]
    assert rows and not bad, bad[:2]
    failed = [r for r in rejects_of(result) if r["_stage"] == "annotate:complete_cot"]
    assert failed and all("孩子" in r["question"] and "returned no reasoning" in r["_reason"] for r in failed)


@pytest.mark.slow
def test_a_killed_run_restarted_sends_only_the_missing_calls(run_cli, llm_server, tmp_path):
    llm_server.set_handler(lambda request: Reply(content=default_handler(request).content, delay=0.05))
    args = ["experiment=medical_cot", "~tasks.judge", "llm=openai_compatible", f"llm.api_base={llm_server.base_url}",
            "llm.model=openai/test-model", "llm.concurrency=2", f"llm.cache_path={tmp_path / 'llm.sqlite'}",
            f"hydra.run.dir={tmp_path / 'run'}", f"output_dir={tmp_path / 'datasets'}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "dsbuild.cli", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while llm_server.calls < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    answered_before_kill = llm_server.calls
    assert 30 <= answered_before_kill < 150

    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    manifest_path = next((tmp_path / "datasets" / "medical_cot").glob("*/manifest.json"))
    stats = json.loads(manifest_path.read_text(encoding="utf-8"))["llm"]["complete_cot"]
    assert stats["cached"] >= answered_before_kill - 2  # all but the answers cut off in flight
    assert llm_server.calls - answered_before_kill == stats["calls"] - stats["cached"]


def test_a_budget_the_prompts_alone_exceed_stops_before_any_call(compose_cfg, llm_server, tmp_path):
    with pytest.raises(UserError, match=r"prompts alone come to about \$[\d.]+, over llm.max_cost_usd=1e-06"):
        medical_cot(compose_cfg, llm_server, tmp_path / "a", "llm.model=openai/gpt-4o-mini",
                    "llm.max_cost_usd=0.000001")
    assert llm_server.calls == 0


def test_a_backend_refusing_json_schema_falls_back_to_json_mode(compose_cfg, llm_server, tmp_path):
    def handler(request):
        kind = (request.get("response_format") or {}).get("type")
        if kind == "json_schema":
            return Reply(status=400, content="response_format type json_schema is not supported by this server")
        assert kind == "json_object"
        return Reply(content=json.dumps({"cot": "先问清症状", "response": "请就医"}, ensure_ascii=False))

    llm_server.set_handler(handler)
    result = medical_cot(compose_cfg, llm_server, tmp_path / "a", "~tasks.judge", "llm.concurrency=1")
    annotate = next(s for s in result.stages if s["stage"] == "annotate:complete_cot")
    assert annotate["kept"] == annotate["rows_in"] > 100
    refused = [r for r in llm_server.call_requests if r["response_format"]["type"] == "json_schema"]
    assert len(refused) == 1  # one refusal, then every call uses JSON mode


def test_worker_processes_build_the_same_version(compose_cfg, llm_server, tmp_path):
    alone = medical_cot(compose_cfg, llm_server, tmp_path / "a", "~tasks.judge", "llm.cache=off", "llm.workers=1")
    sent = llm_server.calls
    pooled = medical_cot(compose_cfg, llm_server, tmp_path / "b", "~tasks.judge", "llm.cache=off", "llm.workers=2",
                         "llm.concurrency=8")
    assert llm_server.calls == 2 * sent  # every call sent again, by the worker processes
    assert pooled.version_id == alone.version_id  # workers and concurrency are speed settings
    assert (pooled.path / "train.json").read_bytes() == (alone.path / "train.json").read_bytes()
