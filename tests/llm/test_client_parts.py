"""Pieces of the LLM client that need no server: rate windows, backoff, answer checks."""

import asyncio
import time

from dsbuild.llm.cache import ResponseCache
from dsbuild.llm.client import Call, LLMClient
from dsbuild.llm.pacing import RateLimiter, backoff
from dsbuild.llm.settings import LLMSettings
from dsbuild.llm.structured import schema_for


def test_rpm_and_tpm_windows_hold_requests_back():
    async def run(limiter, tokens, n):
        start = time.monotonic()
        for _ in range(n):
            await limiter.wait(tokens)
        return time.monotonic() - start

    assert asyncio.run(run(RateLimiter(rpm=2, tpm=None, window=0.3), 1, 4)) >= 0.3
    assert asyncio.run(run(RateLimiter(rpm=None, tpm=100, window=0.3), 60, 2)) >= 0.3
    assert asyncio.run(run(RateLimiter(rpm=None, tpm=None), 10**6, 50)) < 0.05


def test_backoff_honours_retry_after_and_grows_with_jitter():
    assert backoff(1, 7.0) == 7.0
    assert all(0.25 <= backoff(1, None) <= 0.5 for _ in range(20))
    assert all(2.0 <= backoff(4, None) <= 4.0 for _ in range(20))
    assert backoff(30, None) <= 30.0


def test_inline_think_becomes_the_reasoning_and_refusals_and_cutoffs_fail():
    with ResponseCache(None, "off") as cache:
        client = LLMClient(LLMSettings(model="openai/x"), cache)
    call = Call([{"role": "user", "content": "q"}], schema_for({"response": "string"}))
    problem, output, reasoning = client._judge(call, '<think>step 1</think>{"response": "ok"}', None, "stop")
    assert (problem, output, reasoning) == (None, {"response": "ok"}, "step 1")
    assert "finish_reason=length" in client._judge(call, '{"response": "o', None, "length")[0]
    assert "content filter" in client._judge(call, "", None, "content_filter")[0]
    assert "should be non-empty" in client._judge(call, '{"response": ""}', None, "stop")[0]
