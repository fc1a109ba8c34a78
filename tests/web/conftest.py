"""Fixtures for the web fetching tests: running local sites, a page store, fetch settings quick enough for tests."""

from __future__ import annotations

import pytest
from web.site_server import ROBOTS, Site, Traffic

from dsbuild.web.settings import FetchSettings
from dsbuild.web.store import PageStore


@pytest.fixture
def make_site():
    """make_site(traffic=None, robots=ROBOTS) -> a running Site (robots: the robots.txt text or a status code)."""
    sites = []

    def _make(traffic: Traffic | None = None, robots: str | int = ROBOTS) -> Site:
        sites.append(Site(traffic or Traffic(), robots))
        return sites[-1]

    yield _make
    for site in sites:
        site.stop()


@pytest.fixture
def site(make_site) -> Site:
    return make_site()


@pytest.fixture
def store(tmp_path) -> PageStore:
    page_store = PageStore(tmp_path / "web")
    yield page_store
    page_store.close()


@pytest.fixture
def quick() -> FetchSettings:
    """Short timeouts and backoffs, so a whole test file runs in seconds."""
    return FetchSettings(timeout=0.5, retries=2, backoff=0.01, max_wait=2.0, max_bytes=10_000)
