"""The fake OpenAI-compatible server (tests/llm_server.py), proven through litellm over real HTTP.

These tests also pin down how litellm 1.x surfaces each injected fault, which dsbuild's LLM client relies on:

- 429 (+ Retry-After)   -> litellm.RateLimitError, .status_code 429; the header is in exc.response.headers
                           ("retry-after", an httpx.Headers, case-insensitive) and exc.litellm_response_headers
- 500                   -> litellm.InternalServerError, .status_code 500
- 503                   -> litellm.ServiceUnavailableError, .status_code 503 (NOT an InternalServerError subclass)
- client timeout        -> litellm.Timeout (an openai.APITimeoutError), .status_code 408, exc.response is None
- malformed JSON body   -> litellm.InternalServerError, .status_code 500, exc.litellm_response_headers is None
- dropped connection    -> litellm.InternalServerError "Connection error.", .status_code 500, no response headers
- connection refused    -> the same as a dropped connection
- reasoning_content     -> response.choices[0].message.reasoning_content (provider_specific_fields stays None)
- usage                 -> response.usage.prompt_tokens / completion_tokens / total_tokens
- cost                  -> response._hidden_params["response_cost"]: a float for priced models (gpt-4o-mini),
                           None for unknown ones (test-model), where litellm.completion_cost raises
                           litellm.exceptions.ModelNotMappedError
- retries               -> without num_retries the openai SDK retries twice by itself (honouring retry-after /
                           retry-after-ms); num_retries=0 means exactly one HTTP request
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import urllib.error
import urllib.request

import pytest
from llm_server import FakeLLM, Reply, default_handler, echo_text, fill_schema

SECRET = "sk-test-dsbuild-secret-0000"
QA_SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": "qa", "strict": True, "schema": {
        "type": "object",
        "properties": {"cot": {"type": "string"}, "response": {"type": "string"}, "score": {"type": "integer"},
                       "confidence": {"type": "number"}, "ok": {"type": "boolean"},
                       "tags": {"type": "array", "items": {"type": "string"}},
                       "lang": {"type": "string", "enum": ["en", "zh"]}},
        "required": ["cot", "response", "score", "confidence", "ok", "tags", "lang"],
        "additionalProperties": False}},
}


def _litellm():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before the import: no price-table fetch
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def _ask(server, text="hello", **kwargs):
    """litellm.acompletion against the fake server, run to completion."""
    litellm = _litellm()
    kwargs.setdefault("model", "openai/test-model")
    kwargs.setdefault("api_key", "sk-test")
    kwargs.setdefault("num_retries", 0)
    return asyncio.run(litellm.acompletion(api_base=server.base_url, messages=[{"role": "user", "content": text}],
                                           **kwargs))


def _fail(server, **kwargs):
    """The exception litellm raises for the next request."""
    with pytest.raises(Exception) as info:
        _ask(server, **kwargs)
    return info.value


def _http(server, path, body=None):
    """(status, parsed JSON) of a plain HTTP request to the fake server."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(server.base_url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# ------------------------------------------------------------------------------------------- happy paths


def test_echo_reply_through_litellm(llm_server):
    response = _ask(llm_server, "What helps a headache?", api_key=None)  # the key comes from OPENAI_API_KEY
    assert response.choices[0].message.content == "echo: What helps a headache?"
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert llm_server.count == 1
    request = llm_server.requests[0]
    assert request["model"] == "test-model"  # litellm strips the "openai/" provider prefix
    assert request["messages"] == [{"role": "user", "content": "What helps a headache?"}]
    assert llm_server.request_headers[0]["Authorization"] == f"Bearer {SECRET}"


def test_json_schema_reply_fills_every_property(llm_server):
    first = json.loads(_ask(llm_server, "Q1", response_format=QA_SCHEMA).choices[0].message.content)
    again = json.loads(_ask(llm_server, "Q1", response_format=QA_SCHEMA).choices[0].message.content)
    other = json.loads(_ask(llm_server, "Q2", response_format=QA_SCHEMA).choices[0].message.content)
    assert set(first) == set(QA_SCHEMA["json_schema"]["schema"]["required"])
    assert re.fullmatch(r"cot for [0-9a-f]{8}", first["cot"]) and first["cot"] == echo_text("cot", "Q1")
    assert first["response"] != first["cot"]
    assert (first["score"], first["confidence"], first["ok"], first["lang"]) == (4, 0.5, True, "en")
    assert isinstance(first["tags"], list) and len(first["tags"]) == 1 and isinstance(first["tags"][0], str)
    assert first == again and first["cot"] != other["cot"]  # deterministic, and derived from the question
    assert llm_server.requests[0]["response_format"]["type"] == "json_schema"


def test_json_object_reply(llm_server):
    content = _ask(llm_server, "anything", response_format={"type": "json_object"}).choices[0].message.content
    assert json.loads(content) == {"echo": "anything"}


def test_fill_schema_handles_ranges_refs_and_nesting():
    schema = {
        "type": "object",
        "$defs": {"Step": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 10},
                                                            "why": {"type": "string"}}}},
        "properties": {
            "grade": {"type": "integer", "minimum": 1, "maximum": 3},
            "p": {"type": "number", "minimum": 0.9, "maximum": 1},
            "steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}, "minItems": 2},
            "note": {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 40}]},
            "kind": {"const": "qa"},
            "level": {"enum": ["low", "high"]},
        },
    }
    value = fill_schema(schema, "question")
    assert value["grade"] == 3 and value["p"] == 0.9 and value["kind"] == "qa" and value["level"] == "low"
    assert value["steps"] == [{"n": 10, "why": echo_text("why", "question")}] * 2
    assert isinstance(value["note"], str) and len(value["note"]) >= 40
    multimodal = {"messages": [{"role": "system", "content": "s"},
                               {"role": "user", "content": [{"type": "text", "text": "look"}]}]}
    assert default_handler(multimodal).content == "echo: look"


def test_reasoning_content_is_on_the_message(llm_server):
    llm_server.queue(Reply(content="42", reasoning_content="think: 6*7"))
    message = _ask(llm_server).choices[0].message
    assert message.content == "42"
    assert message.reasoning_content == "think: 6*7"
    assert not message.provider_specific_fields  # litellm lifts it to a first-class field


def test_finish_reason_and_usage_are_passed_through(llm_server):
    llm_server.queue(Reply(content="cut", finish_reason="length", prompt_tokens=11, completion_tokens=7))
    response = _ask(llm_server)
    assert response.choices[0].finish_reason == "length"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens, response.usage.total_tokens) == (11, 7, 18)
    llm_server.queue(Reply(content=None, finish_reason="content_filter"))
    response = _ask(llm_server)
    assert response.choices[0].message.content is None and response.choices[0].finish_reason == "content_filter"


def test_cost_known_only_for_priced_models(llm_server):
    litellm = _litellm()
    unknown = _ask(llm_server)
    assert unknown._hidden_params["response_cost"] is None
    with pytest.raises(litellm.exceptions.ModelNotMappedError):
        litellm.completion_cost(unknown)
    llm_server.queue(Reply(content="ok", prompt_tokens=1000, completion_tokens=500))
    priced = _ask(llm_server, model="openai/gpt-4o-mini")
    price = litellm.model_cost["gpt-4o-mini"]
    expected = 1000 * price["input_cost_per_token"] + 500 * price["output_cost_per_token"]
    assert priced._hidden_params["response_cost"] == pytest.approx(expected)
    assert litellm.completion_cost(priced) == pytest.approx(expected)


# ----------------------------------------------------------------------------------------------- faults


def test_rate_limit_exposes_retry_after(llm_server):
    litellm = _litellm()
    llm_server.queue(Reply(status=429, headers={"Retry-After": "1"}))
    exc = _fail(llm_server)
    assert type(exc) is litellm.RateLimitError and exc.status_code == 429
    assert exc.response.headers["retry-after"] == "1" and exc.response.headers["Retry-After"] == "1"
    assert exc.litellm_response_headers["retry-after"] == "1"
    assert llm_server.count == 1  # num_retries=0: no hidden retry
    assert SECRET not in str(exc) and "sk-test" not in str(exc)
    assert _ask(llm_server).choices[0].message.content == "echo: hello"  # the queue is used up


def test_server_errors(llm_server):
    litellm = _litellm()
    llm_server.queue(Reply(status=500), Reply(status=503, content="overloaded"), Reply(status=401))
    exc = _fail(llm_server)
    assert type(exc) is litellm.InternalServerError and exc.status_code == 500
    exc = _fail(llm_server)
    assert type(exc) is litellm.ServiceUnavailableError and exc.status_code == 503 and "overloaded" in str(exc)
    assert not isinstance(exc, litellm.InternalServerError)
    exc = _fail(llm_server, api_key=None)
    assert type(exc) is litellm.AuthenticationError and SECRET not in str(exc)


def test_default_retries_happen_inside_the_sdk(llm_server):
    llm_server.queue(*[Reply(status=500, headers={"retry-after-ms": "10"})] * 2)
    response = _ask(llm_server, num_retries=None)  # litellm's default: the openai SDK retries twice
    assert response.choices[0].message.content == "echo: hello" and llm_server.count == 3


def test_timeout(llm_server):
    litellm = _litellm()
    llm_server.queue(Reply(content="late", delay=3))
    started = time.monotonic()
    exc = _fail(llm_server, timeout=0.5)
    assert type(exc) is litellm.Timeout and exc.status_code == 408
    assert time.monotonic() - started < 2.5


def test_malformed_body(llm_server):
    litellm = _litellm()
    llm_server.queue(Reply(raw_body="{not json"), Reply(raw_body='{"no": "choices"}'))
    for _ in range(2):
        exc = _fail(llm_server)
        assert type(exc) is litellm.InternalServerError and exc.status_code == 500
        assert exc.litellm_response_headers is None  # not a real HTTP 500 from the server


def test_dropped_and_refused_connections(llm_server):
    litellm = _litellm()
    llm_server.queue(Reply(disconnect=True))
    exc = _fail(llm_server)
    assert type(exc) is litellm.InternalServerError and "Connection error" in str(exc)
    assert exc.litellm_response_headers is None
    llm_server.stop()
    exc = _fail(llm_server)
    assert type(exc) is litellm.InternalServerError and "Connection error" in str(exc)


def test_handler_errors_become_500s(llm_server):
    litellm = _litellm()

    def broken(request):
        raise ValueError("boom")

    llm_server.set_handler(broken)
    exc = _fail(llm_server)
    assert isinstance(exc, litellm.InternalServerError) and "boom" in str(exc)
    assert [type(e) for e in llm_server.handler_errors] == [ValueError]
    llm_server.set_handler(lambda request: Reply(content=request["messages"][-1]["content"].upper()))
    assert _ask(llm_server, "shout").choices[0].message.content == "SHOUT"
    llm_server.queue(Reply(status=500))
    llm_server.reset()
    assert llm_server.count == 0 and llm_server.handler_errors == []
    assert _ask(llm_server, "again").choices[0].message.content == "AGAIN"  # reset kept the handler


# ------------------------------------------------------------------------------------ plain HTTP, load


def test_models_stream_and_bad_requests(llm_server):
    status, body = _http(llm_server, "/models")
    assert status == 200 and body["data"][0]["id"] == "test-model"
    status, body = _http(llm_server, "/chat/completions", {"model": "m", "stream": True,
                                                            "messages": [{"role": "user", "content": "x"}]})
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    status, body = _http(llm_server, "/chat/completions", {"model": "m", "messages": [{"role": "user",
                                                                                     "content": "x"}]})
    assert status == 200 and body["object"] == "chat.completion" and body["model"] == "m"
    assert body["id"].startswith("chatcmpl-") and isinstance(body["created"], int)
    llm_server.queue(Reply(status=429, headers={"Retry-After": "3"}))
    status, body = _http(llm_server, "/chat/completions", {"model": "m", "messages": []})
    assert status == 429 and set(body["error"]) >= {"message", "type", "code"}


def test_many_slow_requests_are_served_concurrently(llm_server):
    litellm = _litellm()
    llm_server.set_handler(lambda request: Reply(content="slow " + request["messages"][-1]["content"], delay=0.5))

    async def burst():
        return await asyncio.gather(*[
            litellm.acompletion(model="openai/test-model", api_base=llm_server.base_url, api_key="sk-test",
                                num_retries=0, timeout=20, messages=[{"role": "user", "content": str(i)}])
            for i in range(64)])

    started = time.monotonic()
    responses = asyncio.run(burst())
    elapsed = time.monotonic() - started
    assert [r.choices[0].message.content for r in responses] == [f"slow {i}" for i in range(64)]
    assert llm_server.count == 64 and llm_server.max_in_flight >= 32
    assert elapsed < 8, f"64 requests of 0.5 s took {elapsed:.1f} s"


def test_context_manager_and_independent_servers():
    with FakeLLM() as first, FakeLLM(lambda request: Reply(content="two")) as second:
        assert first.base_url != second.base_url and first.base_url.startswith("http://127.0.0.1:")
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
        assert _http(first, "/chat/completions", body)[1]["choices"][0]["message"]["content"] == "echo: x"
        assert _http(second, "/chat/completions", body)[1]["choices"][0]["message"]["content"] == "two"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(first.base_url + "/models", timeout=2)
