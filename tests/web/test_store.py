"""PageStore: content-addressed bodies, the latest snapshot per URL, checks, and two writers at once."""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import sqlite3

import pytest

from dsbuild.errors import UserError
from dsbuild.web.store import PageMeta, PageStore


def test_put_get_and_body_round_trip(store):
    body = "<p>héllo</p>".encode()
    snapshot = store.put("https://a.example/", body, PageMeta(200, "text/html", "https://a.example/home"))
    sha = hashlib.sha256(body).hexdigest()

    assert snapshot.sha256 == sha and snapshot.bytes == len(body)
    assert store.page_path(sha) == store.root / "pages" / sha[:2] / sha
    assert store.body(sha) == body
    assert store.get("https://a.example/") == snapshot
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", snapshot.fetched_at)
    assert store.get("https://a.example/other") is None
    assert not list(store.page_path(sha).parent.glob("*.tmp"))


def test_latest_snapshot_wins_and_equal_bodies_share_a_file(store):
    first = PageMeta(200, "text/html", "https://a.example/", "2024-01-01T00:00:00+00:00")
    assert store.put("https://a.example/", b"v1", first).fetched_at == "2024-01-01T00:00:00+00:00"
    store.put("https://b.example/", b"v1", PageMeta(200, "text/plain", "https://b.example/"))
    latest = store.put("https://a.example/", None, PageMeta(404, "text/html", "https://a.example/"))

    assert store.get("https://a.example/") == latest
    assert (latest.sha256, latest.status, latest.bytes) == (None, 404, 0)
    assert len(list(store.root.glob("pages/*/*"))) == 1

    reopened = PageStore(store.root)
    assert reopened.get("https://a.example/") == latest
    assert reopened.get("https://b.example/").content_type == "text/plain"
    reopened.close()


def test_missing_or_altered_bodies_are_user_errors(store):
    sha = store.put("https://a.example/", b"body", PageMeta(200, "text/html", "https://a.example/")).sha256
    store.page_path(sha).write_bytes(b"tampered")
    with pytest.raises(UserError, match=r"does not match its sha256; delete it"):
        store.body(sha)
    store.page_path(sha).unlink()
    assert not store.has_body(sha)
    with pytest.raises(UserError, match=r"stored page is missing; fetch again with source.refetch=true"):
        store.body(sha)


def test_a_corrupt_index_is_a_user_error(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(UserError, match=r"index.sqlite: not a usable page index .*delete it"):
        PageStore(tmp_path / "web")


def _write_many(root: str, writer: int) -> None:
    store = PageStore(root)
    for i in range(60):
        url = f"https://a.example/{i}"
        store.put(url, f"page {i} from {writer % 2}".encode(), PageMeta(200, "text/html", url))
    store.close()


def test_two_builds_writing_at_once_lose_nothing(tmp_path):
    root = str(tmp_path / "web")
    PageStore(root).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(root, n)) for n in range(2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
    assert [p.exitcode for p in writers] == [0, 0]

    with sqlite3.connect(tmp_path / "web" / "index.sqlite") as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT url) FROM snapshots").fetchone() == (120, 60)
    store = PageStore(root)
    for i in (0, 59):
        assert store.body(store.get(f"https://a.example/{i}").sha256).startswith(f"page {i} from ".encode())
    assert len(list(store.root.glob("pages/*/*"))) == 120
    store.close()
