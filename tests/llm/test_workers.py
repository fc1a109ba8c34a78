"""llm.workers: round trips in forked worker processes, with the policy (retries, cache, budget) kept here."""

import asyncio
import multiprocessing

import pytest
from llm_server import Reply, default_handler

from dsbuild.errors import UserError
from dsbuild.llm.cache import ResponseCache
from dsbuild.llm.client import Call, LLMClient
from dsbuild.llm.settings import LLMSettings
from dsbuild.llm.structured import schema_for
from dsbuild.llm.workers import WorkerPool, workers

SCHEMA = schema_for({"response": "string"})


def calls(n):
    return [Call([{"role": "user", "content": f"question {i}"}], SCHEMA) for i in range(n)]


def run(server, n, **settings):
    settings = {"model": "openai/test-model", "api_base": server.base_url, "max_retries": 3, "timeout": 10,
                **settings}
    with ResponseCache(None, "off") as cache:
        client = LLMClient(LLMSettings(**settings), cache)
        return client, client.run(calls(n))


def test_workers_resolves_auto_from_concurrency_and_rejects_nonsense():
    cpus = multiprocessing.cpu_count()
    assert workers("auto", 16) == 1
    assert workers("auto", 128) == min(cpus, 2)
    assert workers("auto", 10_000) == cpus
    assert workers(3, 16) == 3
    for bad in (0, -2, "many", True, 1.5):
        with pytest.raises(UserError, match="llm.workers"):
            workers(bad, 16)


def test_a_bad_setting_fails_when_the_settings_are_made():
    with pytest.raises(UserError, match=r"llm.workers='many': give a number of processes \(1 or more\) or auto"):
        LLMSettings(model="openai/test-model", workers="many")


def test_worker_processes_answer_like_the_build_process(llm_server):
    _, alone = run(llm_server, 30, concurrency=4, workers=1)
    llm_server.reset()
    client, pooled = run(llm_server, 30, concurrency=4, workers=2)
    assert llm_server.calls == 30 and client.stats.sent == 30
    assert [o.output for o in pooled] == [o.output for o in alone]
    assert len({o.output["response"] for o in pooled}) == 30  # each row its own answer, in order
    assert multiprocessing.active_children() == []  # the pool is gone with the run


def test_faults_are_retried_across_worker_processes(llm_server):
    llm_server.queue(Reply(status=429, headers={"Retry-After": "0"}), Reply(status=500), Reply(raw_body="{bad"))
    client, outcomes = run(llm_server, 12, concurrency=2, workers=2)
    assert all(o.error is None for o in outcomes)
    assert sum(o.attempts for o in outcomes) == 15 and llm_server.calls == 15
    assert client.stats.failed == 0


def test_the_budget_stops_worker_processes_too(llm_server):
    llm_server.set_handler(lambda r: Reply(content=default_handler(r).content, prompt_tokens=1000,
                                           completion_tokens=1000, delay=0.05))
    client, outcomes = run(llm_server, 60, model="openai/gpt-4o-mini", concurrency=4, workers=2,
                           max_cost_usd=0.005)
    assert client.stats.budget_stopped
    assert any(o.error == "not sent: llm.max_cost_usd reached" for o in outcomes)
    assert llm_server.calls < 60
    assert multiprocessing.active_children() == []


def test_a_bug_in_a_worker_is_raised_in_the_build_process():
    async def send():
        return await pool.round_trip({"messages": [{"role": "user", "content": "no model named"}]})

    pool = WorkerPool(1).start()
    try:
        with pytest.raises(RuntimeError, match="an LLM worker process failed"):
            asyncio.run(send())
    finally:
        pool.close()
    assert multiprocessing.active_children() == []
