"""One litellm round trip, reduced to a plain `Answer`: what came back, or why nothing usable did.

Kept apart from the retry/repair/cache policy (client.py) so that the same function can run in the
build's own event loop or in a worker process (workers.py): an `Answer` is a small picklable value,
where litellm's responses and exceptions are not.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ..secrets import mask_credentials


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
    kind: str | None = None  # what went wrong, for preflight and the failure counts: one of KINDS


# auth: the key is missing or refused; not_found: no such model; connection: nothing answers at the address
KINDS = ("auth", "not_found", "connection", "timeout", "rate_limit", "server", "bad_request")
# litellm's own wrapping of a provider's message: "litellm.InternalServerError: InternalServerError: OpenAIException - "
_LITELLM_PREFIX = re.compile(r"^(litellm\.\w+: )?(\w+Error: )?(\w+Exception - )?")
_NO_CREDENTIALS = ("missing credentials", "api_key client option must be set", "no api key")
_NO_CONNECTION = ("connection error", "connection refused", "cannot connect", "name or service not known")


async def round_trip(kwargs: dict) -> Answer:
    """Send one chat completion through litellm (no retries of its own) and describe the result."""
    import litellm

    started = time.monotonic()
    try:
        response = await litellm.acompletion(**kwargs, num_retries=0)
    except litellm.AuthenticationError as exc:
        return Answer(error=_describe(exc), kind="auth")
    except litellm.NotFoundError as exc:
        return Answer(error=_describe(exc), kind="not_found")
    except litellm.BadRequestError as exc:
        return Answer(error=_describe(exc), kind="bad_request", format_refused="response_format" in str(exc))
    except litellm.RateLimitError as exc:
        return Answer(error=_describe(exc), transient=True, retry_after=_retry_after(exc), kind="rate_limit")
    except litellm.Timeout as exc:
        return Answer(error=_describe(exc), transient=True, kind="timeout")
    except (litellm.APIConnectionError, litellm.InternalServerError, litellm.ServiceUnavailableError,
            litellm.BadGatewayError, litellm.APIError) as exc:
        return _server_error(exc)
    choice = response.choices[0]
    usage = {"prompt_tokens": getattr(response.usage, "prompt_tokens", 0) or 0,
             "completion_tokens": getattr(response.usage, "completion_tokens", 0) or 0}
    return Answer(content=choice.message.content, reasoning=getattr(choice.message, "reasoning_content", None),
                  finish_reason=choice.finish_reason, usage=usage, cost_usd=_cost(response),
                  seconds=time.monotonic() - started)


def _server_error(exc: Exception) -> Answer:
    """A 5xx or a failed connection: transient, unless it is litellm saying no key was given at all (it
    reports that as a 500) or a 4xx that litellm files as a plain APIError (403)."""
    text = str(getattr(exc, "message", "") or exc).lower()
    if any(marker in text for marker in _NO_CREDENTIALS):
        return Answer(error=_describe(exc), kind="auth")
    status = getattr(exc, "status_code", None) or 500
    if status < 500 and status != 408:
        return Answer(error=_describe(exc), kind="auth" if status in (401, 403) else "bad_request")
    kind = "connection" if any(marker in text for marker in _NO_CONNECTION) else "server"
    return Answer(error=_describe(exc), transient=True, retry_after=_retry_after(exc), kind=kind)


def _describe(exc: Exception) -> str:
    """A one-line reason with the status and the error class, never the request (it may hold a key)."""
    status = getattr(exc, "status_code", None)
    text = _LITELLM_PREFIX.sub("", " ".join(str(getattr(exc, "message", "") or exc).split()))
    text = mask_credentials(text)[:200]
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
