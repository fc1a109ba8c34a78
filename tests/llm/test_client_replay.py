"""A rerun finds each answer by its replay key (template, variables, parameters) without rendering."""

import datetime

import pyarrow as pa

from dsbuild.annotate.complete_cot import CompleteCot
from dsbuild.annotate.stage import run_task
from dsbuild.llm.cache import ResponseCache
from dsbuild.llm.client import LLMClient
from dsbuild.llm.prompts import PromptTemplate
from dsbuild.llm.settings import LLMSettings


def rows(n, when=None):
    table = {"id": [f"r{i}" for i in range(n)], "question": [f"question {i}?" for i in range(n)],
             "response": [f"answer {i}." for i in range(n)]}
    if when is not None:
        table["asked"] = [when] * n
    return pa.table(table)


def run(server, path, table, **task):
    cot = CompleteCot(template="complete_cot.en.j2", output_schema={"cot": "string", "response": "string"},
                      language="en", **task)
    settings = LLMSettings(model="openai/test-model", api_base=server.base_url, max_retries=0, timeout=10,
                           cache_path=str(path))
    with ResponseCache(path, "use") as cache:
        client = LLMClient(settings, cache)
        kept, _, _ = run_task(table, cot, client)
        return kept, client.stats, cache.stats


def test_a_rerun_replays_without_rendering_a_prompt(llm_server, tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    first, _, _ = run(llm_server, path, rows(20))
    assert llm_server.calls == 20

    def no_rendering(self, context):
        raise AssertionError("rendered a prompt the cache answers")

    monkeypatch.setattr(PromptTemplate, "messages", no_rendering)
    again, stats, cache = run(llm_server, path, rows(20))
    assert llm_server.calls == 20 and stats.cached == 20 and cache["hits"] == 20 and cache["misses"] == 0
    assert again.to_pylist() == first.to_pylist()


def test_a_changed_variable_or_setting_is_sent_again(llm_server, tmp_path):
    path = tmp_path / "c.sqlite"
    run(llm_server, path, rows(5))
    run(llm_server, path, rows(5), persona="a paediatrician")
    assert llm_server.calls == 10


def test_variables_json_cannot_hold_fall_back_to_the_request_key(llm_server, tmp_path):
    path, when = tmp_path / "c.sqlite", datetime.date(2026, 1, 2)
    run(llm_server, path, rows(4, when), inputs={"asked": "asked"})
    _, stats, _ = run(llm_server, path, rows(4, when), inputs={"asked": "asked"})
    assert llm_server.calls == 4 and stats.cached == 4
