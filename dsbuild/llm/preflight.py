"""Preflight: one small call to a backend before the first row is sent, so a wrong key, model or address
ends the build at once (one line, exit 2, nothing published) instead of failing every row for an hour.

The probe is a real chat completion without response_format, in the same transport as the build's
calls (this process, worker processes or Ray actors). A refused key, an unknown model, an address where
nothing answers or a probe that takes longer than `llm.timeout` stops the build; a busy server (429,
5xx) gets two more tries. A build that needs no call (everything in the cache) sends no probe.
`llm.preflight=false` skips it.
"""

from __future__ import annotations

import asyncio

from ..errors import UserError
from .roundtrip import Answer
from .settings import LLMSettings

PROBE_TEXT = "dsbuild preflight: reply with the word OK."
PROBE_TOKENS = 16
RETRY_SECONDS = (1.0, 2.0)  # waits before the second and third probe of a busy server


def probe_request(settings: LLMSettings, api_key: str | None) -> dict:
    """The probe's litellm arguments: the build's backend, one short user message, no fallbacks."""
    return {"model": settings.model, "messages": [{"role": "user", "content": PROBE_TEXT}],
            "max_tokens": PROBE_TOKENS, "temperature": 0.0, "api_base": settings.api_base, "api_key": api_key,
            "timeout": settings.timeout}


async def preflight(settings: LLMSettings, api_key: str | None, send) -> None:
    """Send the probe through `send` (a round_trip); raise a UserError saying what to fix when it fails."""
    answer = Answer()
    for wait in (0.0, *RETRY_SECONDS):
        await asyncio.sleep(wait)
        answer = await send({k: v for k, v in probe_request(settings, api_key).items() if v is not None})
        if answer.error is None or answer.kind not in ("rate_limit", "server"):
            break
    if answer.error is not None:
        raise UserError(problem(settings, answer))


def problem(settings: LLMSettings, answer: Answer) -> str:
    """The one-line message for a failed probe: what the backend said and what to change."""
    where = f"llm.api_base={settings.api_base}" if settings.api_base else f"the provider of llm.model={settings.model}"
    said = f"({answer.error})"
    if answer.kind == "auth":
        return (f"preflight: the backend refused the key {said}; check {settings.key_variable()}, or name the "
                "variable that holds the key with llm.api_key_env=VAR")
    if answer.kind == "not_found":
        return (f"preflight: {where} has no model {settings.model!r} {said}; check llm.model (a local server "
                "serves the names its /v1/models lists, given as openai/<name>)")
    if answer.kind == "connection":
        return f"preflight: nothing answers at {where} {said}; start the server or fix llm.api_base"
    if answer.kind == "timeout":
        return (f"preflight: {where} did not answer within llm.timeout={settings.timeout:g} s {said}; check that "
                "the server is up, or raise llm.timeout")
    return (f"preflight: the probe call to llm.model={settings.model} failed {said}; fix the backend, or set "
            "llm.preflight=false to build without this check")
