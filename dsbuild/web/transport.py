"""One polite GET: per-host and global limits, retries with backoff, redirects, a size cap, one-line errors.

`Fetcher.get` never raises for a bad URL or a bad server: it returns an `Answer` whose `error` says what went
wrong. 429, 5xx, timeouts and connection errors are retried (`source.retries` times) after an exponential
backoff with jitter, or after the server's Retry-After (capped at `source.max_wait`), during which the host
is left alone. Redirects are followed by hand (at most MAX_REDIRECTS), so each hop passes the same limits
and the caller's check (robots.txt).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from dsbuild.web.address import canonical, url_problem
from dsbuild.web.content import Kind, media_type
from dsbuild.web.hosts import HostGates
from dsbuild.web.settings import FetchSettings
from dsbuild.web.store import utc_now

MAX_REDIRECTS = 5
TOO_MANY_REDIRECTS = f"more than {MAX_REDIRECTS} redirects"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)

Check = Callable[[str], Awaitable["str | None"]]  # url -> why it may not be fetched, or None


@dataclass(frozen=True)
class Answer:
    """How a GET ended. `keep` marks a final answer from the server (2xx, or 4xx other than 429) that a
    rebuild may reuse; timeouts, 5xx, refusals and oversized bodies are tried again next time."""

    url: str
    final_url: str
    status: int | None
    content_type: str | None
    body: bytes | None
    error: str | None
    keep: bool
    fetched_at: str


@dataclass(frozen=True)
class _Retry:
    reason: str
    status: int | None = None
    content_type: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class _Redirect:
    location: str


class Fetcher:
    """GETs through one httpx.AsyncClient, at most `concurrency` at once and PER_HOST_LIMIT per host."""

    def __init__(self, settings: FetchSettings, client: httpx.AsyncClient):
        self.settings = settings
        self.client = client
        self.gates = HostGates()
        self._slots = asyncio.Semaphore(settings.concurrency)

    async def get(self, url: str, kind: Kind, check: Check | None = None) -> Answer:
        """GET `url`, following redirects; every hop must pass `check` first."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if check is not None and (refusal := await check(current)):
                return _failed(url, current, refusal)
            outcome = await self._with_retries(url, current, kind)
            if not isinstance(outcome, _Redirect):
                return outcome
            target = urljoin(current, outcome.location)
            if problem := url_problem(target):
                return _failed(url, current, f"redirected to a URL that cannot be fetched: {problem}")
            current = canonical(target)
        return _failed(url, current, TOO_MANY_REDIRECTS)

    async def _with_retries(self, url: str, current: str, kind: Kind) -> Answer | _Redirect:
        tries = self.settings.retries + 1
        gate = self.gates.for_url(current)
        for attempt in range(tries):
            async with gate, self._slots:
                outcome = await self._attempt(url, current, kind)
            if not isinstance(outcome, _Retry):
                return outcome
            if attempt + 1 == tries:
                reason = f"{outcome.reason} ({tries} {'try' if tries == 1 else 'tries'})"
                return Answer(url, current, outcome.status, outcome.content_type, None, reason, False, utc_now())
            wait = self._wait(attempt, outcome.retry_after)
            if outcome.retry_after is not None:
                gate.pause(wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last try returns")

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before the next try: the server's Retry-After, else backoff * 2**attempt with jitter."""
        if retry_after is not None:
            return min(retry_after, self.settings.max_wait)
        return min(self.settings.backoff * 2**attempt * random.uniform(0.5, 1.0), self.settings.max_wait)

    async def _attempt(self, url: str, current: str, kind: Kind) -> Answer | _Redirect | _Retry:
        timeout = self.settings.timeout
        try:
            return await asyncio.wait_for(self._exchange(url, current, kind), timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            return _Retry(f"timed out after {timeout:g} s")
        except httpx.ConnectError as e:
            return _Retry(_connect_reason(e))
        except httpx.TransportError as e:
            return _Retry(f"connection error ({type(e).__name__}: {_one_line(e)})")
        except httpx.HTTPError as e:
            return _failed(url, current, f"request failed ({type(e).__name__}: {_one_line(e)})")

    async def _exchange(self, url: str, current: str, kind: Kind) -> Answer | _Redirect | _Retry:
        async with self.client.stream("GET", current) as response:
            status = response.status_code
            ctype = media_type(response.headers.get("content-type"))
            if status in REDIRECT_STATUSES and response.headers.get("location"):
                return _Redirect(response.headers["location"])
            if status == 429 or status >= 500:
                return _Retry(f"HTTP {status}", status, ctype, _retry_after(response.headers.get("retry-after")))
            if not 200 <= status < 300:
                return Answer(url, current, status, ctype, None, f"HTTP {status}", True, utc_now())
            if refusal := kind.refusal(ctype):
                return Answer(url, current, status, ctype, None, refusal, True, utc_now())
            body = await self._read(response, kind)
            if body is None:
                limit = kind.max_bytes or self.settings.max_bytes
                reason = f"page is larger than {limit} bytes; raise source.max_bytes"
                return Answer(url, current, status, ctype, None, reason, False, utc_now())
            return Answer(url, current, status, ctype, body, None, True, utc_now())

    async def _read(self, response: httpx.Response, kind: Kind) -> bytes | None:
        """The body, stopping once it passes the cap: None, or its head when `kind.truncate`."""
        limit = kind.max_bytes or self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and not kind.truncate:
            return None
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                return bytes(body[:limit]) if kind.truncate else None
        return bytes(body)


def _failed(url: str, final_url: str, reason: str) -> Answer:
    return Answer(url, final_url, None, None, None, reason, False, utc_now())


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _connect_reason(error: httpx.ConnectError) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    return f"could not connect ({_one_line(error)})"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
