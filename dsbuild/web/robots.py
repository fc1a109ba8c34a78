"""robots.txt: read once per origin (scheme://host:port) and asked before every request to that origin.

What an unusable robots.txt means follows RFC 9309 section 2.3.1: a 4xx answer (other than 429) means there
are no rules, so everything is allowed; a 5xx or 429 answer after all retries, a timeout or a connection
error means the crawler must assume everything is disallowed. More than five redirects counts as
unavailable (allowed). Rules are matched by urllib.robotparser against our user agent's product token
(`dsbuild`), and a Crawl-delay for it spaces our requests to that host (capped at `source.max_wait`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from dsbuild.web.hosts import HostGates, origin
from dsbuild.web.store import PageStore
from dsbuild.web.transport import TOO_MANY_REDIRECTS

if TYPE_CHECKING:
    from dsbuild.web.fetch import FetchResult

DISALLOWED = "disallowed by robots.txt"


@dataclass(frozen=True)
class Rules:
    """An origin's robots.txt: a parser, or no parser and the reason everything is refused (None: all allowed)."""

    parser: RobotFileParser | None
    refused: str | None = None


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc}/robots.txt"


def rules_from(result: FetchResult, body: bytes | None) -> Rules:
    """The rules a fetch of robots.txt gives, by RFC 9309 section 2.3.1."""
    if result.ok and body is not None:
        parser = RobotFileParser()
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return Rules(parser)
    if result.status is not None and 400 <= result.status < 500 and result.status != 429:
        return Rules(None)
    if result.error == TOO_MANY_REDIRECTS:
        return Rules(None)
    return Rules(None, f"{DISALLOWED} (robots.txt unreachable: {result.error})")


class Robots:
    """Answers `refusal(url)`; loads each origin's robots.txt once through `load` (the store-backed fetch)."""

    def __init__(self, load: Callable[[str], Awaitable[FetchResult]], store: PageStore, gates: HostGates,
                 user_agent: str, max_delay: float):
        self._load = load
        self._store = store
        self._gates = gates
        self._agent = user_agent
        self._max_delay = max_delay
        self._rules: dict[str, asyncio.Task] = {}

    async def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids `url`, or None when it may be fetched."""
        key = origin(url)
        if key not in self._rules:
            self._rules[key] = asyncio.ensure_future(self._read(url))
        rules: Rules = await self._rules[key]
        if rules.refused:
            return rules.refused
        if rules.parser is not None and not rules.parser.can_fetch(self._agent, url):
            return DISALLOWED
        return None

    async def _read(self, url: str) -> Rules:
        result = await self._load(robots_url(url))
        rules = rules_from(result, self._store.body(result.sha256) if result.ok else None)
        delay = rules.parser.crawl_delay(self._agent) if rules.parser is not None else None
        if delay:
            self._gates.for_url(url).delay = min(float(delay), self._max_delay)
        return rules
