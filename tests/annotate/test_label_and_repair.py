"""label and repair end to end against the test server."""

import json

from llm_server import Reply, default_handler

from dsbuild.build import build


def run(compose_cfg, server, tmp_path, *extra):
    cfg = compose_cfg(["llm=openai_compatible", f"llm.api_base={server.base_url}", "llm.model=openai/test-model",
                       f"llm.cache_path={tmp_path / 'llm.sqlite'}", "llm.max_retries=1", "format=jsonl",
                       f"output_dir={tmp_path / 'out'}", *extra])
    result = build(cfg, show_progress=False)
    rows = [json.loads(line) for split in ("train", "validation", "test")
            for line in (result.path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    return rows, rejects


def test_label_fills_the_target_field_and_rejects_labels_outside_the_set(compose_cfg, llm_server, tmp_path):
    def handler(request):
        asked = " ".join(m["content"] for m in request["messages"] if m["role"] == "user")
        if "孩子" in asked or "child" in asked:  # wrong even when asked again
            return Reply(content='{"label": "surgery"}')
        return default_handler(request)

    llm_server.set_handler(handler)
    rows, rejects = run(compose_cfg, llm_server, tmp_path, "prompt=department_label", "source.columns.department=null")
    assert rows and all(r["department"] == "internal_medicine" for r in rows)
    schema = llm_server.call_requests[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["label"]["enum"][0] == "internal_medicine"
    bad = [r for r in rejects if r["_stage"] == "annotate:label"]
    assert bad and all("'surgery' is not one of" in r["_reason"] for r in bad)


def test_repair_replaces_the_field_and_keeps_the_original(compose_cfg, llm_server, tmp_path):
    rows, _ = run(compose_cfg, llm_server, tmp_path, "prompt=repair_answer")
    assert rows and all(r["response"].startswith("fixed for ") for r in rows)
    assert all(r["response_original"] and not r["response_original"].startswith("fixed") for r in rows)
