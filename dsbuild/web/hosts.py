"""Politeness per host: at most PER_HOST_LIMIT requests in flight to one origin, spaced by its Crawl-delay.

An origin is scheme://host:port, the unit robots.txt applies to (RFC 9309). Gates are made on first use,
inside the running event loop.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from dsbuild.web.settings import PER_HOST_LIMIT


def origin(url: str) -> str:
    """scheme://host:port of an http(s) URL, lower-cased, with the default port spelled out."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


class HostGate:
    """Entered around each request to one origin: waits for a free slot, then until the host may be asked again
    (`delay` seconds after the previous start, or the end of a `pause`)."""

    def __init__(self, limit: int = PER_HOST_LIMIT):
        self._slots = asyncio.Semaphore(limit)
        self._pace = asyncio.Lock()
        self._next_start = 0.0
        self.delay = 0.0

    def pause(self, seconds: float) -> None:
        """Start no request to this host for `seconds` (the server asked us to wait)."""
        self._next_start = max(self._next_start, time.monotonic() + seconds)

    async def __aenter__(self) -> HostGate:
        await self._slots.acquire()
        try:
            async with self._pace:
                wait = self._next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = max(self._next_start, time.monotonic() + self.delay)
        except BaseException:
            self._slots.release()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        self._slots.release()


class HostGates:
    """One HostGate per origin."""

    def __init__(self):
        self._gates: dict[str, HostGate] = {}

    def for_url(self, url: str) -> HostGate:
        return self._gates.setdefault(origin(url), HostGate())
