"""Fetch URLs through the page store: reuse what is stored, fetch the rest politely, keep final answers.

`fetch_all` returns one `FetchResult` per input URL, in input order whatever order the requests finish in.
A URL that cannot be fetched is a result with `ok=False` and a one-line `error`, never an exception, so the
build rejects that row and goes on. With `refetch=false` a URL the store already answered for is not asked
again, so a rebuild reads the same bytes without the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx

from dsbuild.web.address import url_problem
from dsbuild.web.content import PAGE, ROBOTS, Kind
from dsbuild.web.robots import Robots
from dsbuild.web.settings import FetchSettings
from dsbuild.web.store import PageMeta, PageStore, Snapshot, utc_now
from dsbuild.web.transport import Answer, Fetcher

T = TypeVar("T")


@dataclass(frozen=True)
class FetchResult:
    """The outcome for one URL. `sha256` names the stored body when `ok`; `error` says why not otherwise."""

    url: str
    ok: bool
    sha256: str | None
    fetched_at: str
    status: int | None
    content_type: str | None
    final_url: str
    from_store: bool
    error: str | None


def fetch_all(urls: Iterable[str], settings: FetchSettings, store: PageStore) -> list[FetchResult]:
    """Fetch every URL (each distinct one once) into `store`; blocks until all are done."""
    return run_blocking(_fetch_all(list(urls), settings, store))


async def _fetch_all(urls: list[str], settings: FetchSettings, store: PageStore) -> list[FetchResult]:
    unique = list(dict.fromkeys(urls))
    async with open_session(settings, store) as session:
        results = await asyncio.gather(*(session.fetch(url) for url in unique))
    by_url = dict(zip(unique, results))
    return [by_url[url] for url in urls]


def run_blocking(coroutine: Coroutine[object, object, T]) -> T:
    """Run `coroutine` to the end from sync code: in this thread, or in a helper thread if a loop already runs."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dsbuild-web") as pool:
        return pool.submit(asyncio.run, coroutine).result()


@asynccontextmanager
async def open_session(settings: FetchSettings, store: PageStore) -> AsyncIterator[WebSession]:
    """A WebSession with its HTTP client open; closed on exit."""
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    async with httpx.AsyncClient(headers={"User-Agent": settings.user_agent}, timeout=settings.timeout,
                                 limits=limits, follow_redirects=False) as client:
        yield WebSession(settings, store, client)


class WebSession:
    """Store-backed fetching for one build: shares the client, host limits and robots.txt rules."""

    def __init__(self, settings: FetchSettings, store: PageStore, client: httpx.AsyncClient):
        self.settings = settings
        self.store = store
        self.fetcher = Fetcher(settings, client)
        self.robots = None
        if settings.respect_robots:
            self.robots = Robots(lambda url: self.fetch(url, ROBOTS), store, self.fetcher.gates,
                                 settings.user_agent, settings.max_wait)

    async def fetch(self, url: str, kind: Kind = PAGE) -> FetchResult:
        """One URL: from the store when allowed and usable, else from the network (and then stored)."""
        if problem := url_problem(url):
            return FetchResult(url, False, None, utc_now(), None, None, str(url), False, f"cannot fetch: {problem}")
        if not self.settings.refetch:
            snapshot = self.store.get(url)
            if snapshot is not None and self._reusable(snapshot, kind):
                return _from_snapshot(snapshot, kind, from_store=True)
        check = self.robots.refusal if self.robots is not None and kind is not ROBOTS else None
        answer = await self.fetcher.get(url, kind, check)
        if not answer.keep:
            return _from_answer(answer)
        meta = PageMeta(answer.status, answer.content_type, answer.final_url, answer.fetched_at)
        return _from_snapshot(self.store.put(url, answer.body, meta), kind, from_store=False)

    def _reusable(self, snapshot: Snapshot, kind: Kind) -> bool:
        """A stored body still on disk, or a stored answer that failed (a 404, an image) and would fail again."""
        if snapshot.sha256 is not None:
            return self.store.has_body(snapshot.sha256)
        return _problem(snapshot, kind) is not None


def _problem(snapshot: Snapshot, kind: Kind) -> str | None:
    if not 200 <= snapshot.status < 300:
        return f"HTTP {snapshot.status}"
    return kind.refusal(snapshot.content_type)


def _from_snapshot(snapshot: Snapshot, kind: Kind, from_store: bool) -> FetchResult:
    error = _problem(snapshot, kind)
    ok = error is None and snapshot.sha256 is not None
    return FetchResult(snapshot.url, ok, snapshot.sha256 if ok else None, snapshot.fetched_at, snapshot.status,
                       snapshot.content_type, snapshot.final_url, from_store, error)


def _from_answer(answer: Answer) -> FetchResult:
    return FetchResult(answer.url, False, None, answer.fetched_at, answer.status, answer.content_type,
                       answer.final_url, False, answer.error)
