"""fetch_all against a real local server: results, retries, caps, robots.txt, limits, store reuse."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import threading
import time

from web.site_server import PNG, ROBOTS, Traffic

from dsbuild.web.fetch import fetch_all


def test_fetches_pages_in_input_order_with_one_line_errors(site, store, quick):
    urls = [site.url("/slow?s=0.2"), site.url("/page/1"), site.url("/missing"), site.url("/image.png"),
            site.url("/redirect"), site.url("/private/secret"), "ftp://example.com/x"]
    results = fetch_all(urls, quick, store)

    assert [r.url for r in results] == urls
    slow, page, missing, image, redirect, private, ftp = results
    assert slow.ok and page.ok and redirect.ok
    assert page.status == 200 and page.content_type == "text/html" and not page.from_store
    assert store.body(page.sha256) == b"<html><body><p>Page /page/1</p></body></html>"
    assert page.sha256 == hashlib.sha256(store.body(page.sha256)).hexdigest()
    assert redirect.final_url == site.url("/page/target") and redirect.url == site.url("/redirect")
    assert (missing.ok, missing.status, missing.error, missing.sha256) == (False, 404, "HTTP 404", None)
    assert image.error == "not HTML or text (content type image/png)" and image.sha256 is None
    assert private.error == "disallowed by robots.txt"
    assert "not an http(s) URL" in ftp.error
    assert not any(p.startswith("/private/") for p in site.traffic.paths())
    assert {agent for _, _, agent in site.traffic.requests} == {quick.user_agent}
    assert quick.user_agent.startswith("dsbuild/")


def test_retries_server_errors_and_honours_retry_after(site, store, quick):
    started = time.monotonic()
    flaky, busy = fetch_all([site.url("/flaky"), site.url("/busy")], quick, store)
    elapsed = time.monotonic() - started

    assert flaky.ok and store.body(flaky.sha256) == b"<p>flaky, finally</p>"
    assert busy.ok and store.body(busy.sha256) == b"<p>busy, finally</p>"
    assert site.traffic.paths().count("/flaky") == 3
    assert site.traffic.paths().count("/busy") == 2
    assert elapsed >= 0.95  # waited out Retry-After: 1


def test_gives_up_after_the_last_retry(site, store, quick):
    settings = dataclasses.replace(quick, retries=1)
    (flaky,) = fetch_all([site.url("/flaky")], settings, store)
    assert (flaky.ok, flaky.status, flaky.error) == (False, 500, "HTTP 500 (2 tries)")
    assert store.get(site.url("/flaky")) is None  # a 5xx is tried again by the next build


def test_times_out_and_says_after_how_long(site, store, quick):
    started = time.monotonic()
    (slow,) = fetch_all([site.url("/slow?s=1.5")], quick, store)
    assert not slow.ok and slow.status is None
    assert slow.error == "timed out after 0.5 s (3 tries)"
    assert site.traffic.paths().count("/slow?s=1.5") == 3
    assert time.monotonic() - started < 3


def test_caps_the_body_size_with_or_without_content_length(site, store, quick):
    streamed, declared = fetch_all([site.url("/huge"), site.url("/huge?length=1")], quick, store)
    for result in (streamed, declared):
        assert not result.ok and result.sha256 is None
        assert result.error == "page is larger than 10000 bytes; raise source.max_bytes"
    assert [p.read_bytes() for p in store.root.glob("pages/*/*")] == [ROBOTS.encode()]  # robots.txt only
    bigger = dataclasses.replace(quick, max_bytes=1_000_000)
    (whole,) = fetch_all([site.url("/huge")], bigger, store)
    assert whole.ok and len(store.body(whole.sha256)) == 201_600


def test_too_many_redirects_and_refused_connection(site, store, quick):
    (loop,) = fetch_all([site.url("/loop")], quick, store)
    assert loop.error == "more than 5 redirects"
    assert site.traffic.paths().count("/loop") == 1 and len([p for p in site.traffic.paths() if "loop" in p]) == 6

    closed = site.url("/page/1")
    site.stop()
    (refused,) = fetch_all([closed], dataclasses.replace(quick, respect_robots=False, retries=1), store)
    assert refused.error == "connection refused (2 tries)"


def test_stays_within_concurrency_overall_and_two_per_host(make_site, store, quick):
    traffic = Traffic()
    sites = [make_site(traffic) for _ in range(4)]
    urls = [s.url(f"/slow?s=0.15&n={i}") for s in sites for i in range(4)]
    settings = dataclasses.replace(quick, concurrency=3, respect_robots=False, timeout=5)

    results = fetch_all(urls, settings, store)

    assert all(r.ok for r in results)
    assert [store.body(r.sha256) for r in results] == [f"<p>slow {u.split('?')[1]}</p>".encode() for u in urls]
    assert traffic.max_in_flight == 3


def test_two_per_host_even_with_more_concurrency(site, store, quick):
    settings = dataclasses.replace(quick, concurrency=8, respect_robots=False, timeout=5)
    results = fetch_all([site.url(f"/slow?s=0.15&n={i}") for i in range(6)], settings, store)
    assert all(r.ok for r in results)
    assert site.traffic.max_in_flight == 2


def test_second_run_reads_the_store_and_refetch_goes_back_to_the_server(site, store, quick):
    urls = [site.url("/page/1"), site.url("/page/2"), site.url("/missing"), site.url("/image.png"),
            site.url("/page/1")]
    first = fetch_all(urls, quick, store)
    assert site.traffic.paths().count("/page/1") == 1  # a repeated URL is fetched once
    site.traffic.reset()

    second = fetch_all(urls, quick, store)
    assert site.traffic.paths() == []
    assert [r.sha256 for r in second] == [r.sha256 for r in first]
    assert [r.error for r in second] == [r.error for r in first]
    assert all(r.from_store for r in second)

    third = fetch_all(urls, dataclasses.replace(quick, refetch=True), store)
    assert sorted(site.traffic.paths()) == ["/image.png", "/missing", "/page/1", "/page/2", "/robots.txt"]
    assert [r.sha256 for r in third] == [r.sha256 for r in first]
    assert not any(r.from_store for r in third)


def test_refetches_when_a_stored_body_was_deleted(site, store, quick):
    (first,) = fetch_all([site.url("/page/1")], quick, store)
    store.page_path(first.sha256).unlink()
    (second,) = fetch_all([site.url("/page/1")], quick, store)
    assert second.ok and not second.from_store and store.body(second.sha256)


def test_image_stored_answer_is_reused_without_its_body(site, store, quick):
    fetch_all([site.url("/image.png")], quick, store)
    snapshot = store.get(site.url("/image.png"))
    assert (snapshot.status, snapshot.content_type, snapshot.sha256, snapshot.bytes) == (200, "image/png", None, 0)
    assert PNG not in b"".join(p.read_bytes() for p in store.root.glob("pages/*/*"))


def test_works_from_a_thread_and_inside_a_running_loop(site, store, quick):
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", fetch_all([site.url("/page/1")], quick, store)))
    thread.start()
    thread.join(10)
    assert out["r"][0].ok

    async def inside_a_loop():
        return fetch_all([site.url("/page/2")], quick, store)

    assert asyncio.run(inside_a_loop())[0].ok
