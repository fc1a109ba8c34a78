"""One litellm round trip, reduced to a plain `Answer`: what came back, or why nothing usable did.

Kept apart from the retry/repair/cache policy (client.py) so that the same function can run in the
build's own event loop or in a worker process (workers.py): an `Answer` is a small picklable value,
where litellm's responses and exceptions are not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Answer:
    """The parts of a response the client needs, or the error (transient ones are retried)."""

    content: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: dict = field(default_factory=dict)
    cost_usd: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    transient: bool = False  # 429, 5xx, timeouts, dropped connections: worth another attempt
    retry_after: float | None = None
    format_refused: bool = False  # a 400 about response_format: try a weaker structured-output mode


async def round_trip(kwargs: dict) -> Answer:
    """Send one chat completion through litellm (no retries of its own) and describe the result."""
    import litellm

    started = time.monotonic()
    try:
        response = await litellm.acompletion(**kwargs, num_retries=0)
    except (litellm.RateLimitError, litellm.Timeout, litellm.APIConnectionError, litellm.InternalServerError,
            litellm.ServiceUnavailableError, litellm.BadGatewayError) as exc:
        return Answer(error=_describe(exc), transient=True, retry_after=_retry_after(exc))
    except litellm.APIError as exc:
        transient = (getattr(exc, "status_code", None) or 500) >= 500
        return Answer(error=_describe(exc), transient=transient, retry_after=_retry_after(exc) if transient else None)
    except (litellm.AuthenticationError, litellm.BadRequestError, litellm.NotFoundError) as exc:
        refused = isinstance(exc, litellm.BadRequestError) and "response_format" in str(exc)
        return Answer(error=_describe(exc), format_refused=refused)
    choice = response.choices[0]
    usage = {"prompt_tokens": getattr(response.usage, "prompt_tokens", 0) or 0,
             "completion_tokens": getattr(response.usage, "completion_tokens", 0) or 0}
    return Answer(content=choice.message.content, reasoning=getattr(choice.message, "reasoning_content", None),
                  finish_reason=choice.finish_reason, usage=usage, cost_usd=_cost(response),
                  seconds=time.monotonic() - started)


def _describe(exc: Exception) -> str:
    """A one-line reason with the status and the error class, never the request (it may hold a key)."""
    status = getattr(exc, "status_code", None)
    text = " ".join(str(getattr(exc, "message", "") or exc).split())[:200]
    return f"{type(exc).__name__}{f' {status}' if status else ''}: {text}"


def _retry_after(exc: Exception) -> float | None:
    for holder in (getattr(exc, "response", None), exc):
        headers = getattr(holder, "headers", None) or getattr(holder, "litellm_response_headers", None)
        if headers:
            value = headers.get("retry-after") or headers.get("Retry-After")
            try:
                return float(value) if value is not None else None
            except (TypeError, ValueError):
                return None
    return None


def _cost(response) -> float:
    """USD litellm priced this response at; 0.0 for a model its price table does not know.

    (Calling litellm.completion_cost for an unpriced model costs ~50 ms of CPU per call, enough to
    serialize a whole run; litellm already put the price in `_hidden_params` when it knows one.)
    """
    hidden = getattr(response, "_hidden_params", None) or {}
    return float(hidden.get("response_cost") or 0.0)
