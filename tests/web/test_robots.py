"""robots.txt: rules per origin, read once, RFC 9309 fallbacks for missing or unreachable files, Crawl-delay."""

from __future__ import annotations

import dataclasses
import time

from dsbuild.web.fetch import FetchResult, fetch_all
from dsbuild.web.robots import rules_from
from dsbuild.web.transport import TOO_MANY_REDIRECTS


def test_robots_is_read_once_per_origin_and_rules_apply(site, store, quick):
    urls = [site.url(f"/page/{i}") for i in range(5)] + [site.url("/private/a"), site.url("/private/b")]
    results = fetch_all(urls, quick, store)
    assert [r.ok for r in results] == [True] * 5 + [False, False]
    assert site.traffic.paths().count("/robots.txt") == 1
    assert not any(p.startswith("/private/") for p in site.traffic.paths())


def test_rules_for_our_user_agent_win_over_the_wildcard(make_site, store, quick):
    site = make_site(robots="User-agent: dsbuild\nDisallow: /page/2\n\nUser-agent: *\nDisallow: /\n")
    one, two = fetch_all([site.url("/page/1"), site.url("/page/2")], quick, store)
    assert one.ok
    assert two.error == "disallowed by robots.txt"


def test_a_redirect_into_a_disallowed_path_is_not_followed(make_site, store, quick):
    site = make_site(robots="User-agent: *\nDisallow: /page/target\n")
    (result,) = fetch_all([site.url("/redirect")], quick, store)
    assert result.error == "disallowed by robots.txt"
    assert result.final_url == site.url("/page/target")
    assert "/page/target" not in site.traffic.paths()


def test_missing_robots_allows_everything(make_site, store, quick):
    site = make_site(robots=404)
    (private,) = fetch_all([site.url("/private/a")], quick, store)
    assert private.ok


def test_unreachable_robots_disallows_everything(make_site, store, quick):
    site = make_site(robots=503)
    page, other = fetch_all([site.url("/page/1"), site.url("/page/2")], quick, store)
    assert page.error == "disallowed by robots.txt (robots.txt unreachable: HTTP 503 (3 tries))"
    assert other.error == page.error
    assert site.traffic.paths() == ["/robots.txt"] * 3
    assert store.get(site.url("/robots.txt")) is None  # tried again by the next build


def test_respect_robots_false_skips_robots(site, store, quick):
    (private,) = fetch_all([site.url("/private/a")], dataclasses.replace(quick, respect_robots=False), store)
    assert private.ok
    assert site.traffic.paths() == ["/private/a"]


def test_crawl_delay_spaces_requests_and_is_capped(make_site, store, quick):
    site = make_site(robots="User-agent: *\nCrawl-delay: 1\n")
    started = time.monotonic()
    assert all(r.ok for r in fetch_all([site.url("/page/1"), site.url("/page/2")], quick, store))
    assert time.monotonic() - started >= 0.95

    slow_site = make_site(robots="User-agent: *\nCrawl-delay: 3600\n")
    started = time.monotonic()
    capped = dataclasses.replace(quick, max_wait=0.1)
    assert all(r.ok for r in fetch_all([slow_site.url(f"/page/{i}") for i in range(3)], capped, store))
    assert time.monotonic() - started < 2


def _result(status, error=None):
    return FetchResult("http://h/robots.txt", False, None, "t", status, None, "http://h/robots.txt", False, error)


def test_rfc_9309_fallbacks():
    assert rules_from(_result(404, "HTTP 404"), None).refused is None
    assert rules_from(_result(401, "HTTP 401"), None).refused is None
    assert rules_from(_result(None, TOO_MANY_REDIRECTS), None).refused is None
    assert "unreachable: HTTP 429" in rules_from(_result(429, "HTTP 429 (3 tries)"), None).refused
    assert "unreachable: timed out" in rules_from(_result(None, "timed out after 1 s (3 tries)"), None).refused
    assert "connection refused" in rules_from(_result(None, "connection refused (3 tries)"), None).refused
