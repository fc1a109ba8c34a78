"""Raw pages on disk, addressed by content, with an index of what each URL answered and when.

Bodies live at `<root>/pages/<sha256[:2]>/<sha256>`, written to a temporary file and renamed into place, so a
reader never sees half a page and two builds writing the same page agree. The index is a SQLite file
(`<root>/index.sqlite`, WAL mode, waiting on locks) that keeps every snapshot; `get(url)` is the latest.
A body is stored before its index row, so the index never points at a missing file.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dsbuild.errors import UserError

BUSY_TIMEOUT_MS = 30_000
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS snapshots (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL,"
    " sha256 TEXT, fetched_at TEXT NOT NULL, status INTEGER NOT NULL, content_type TEXT,"
    " final_url TEXT NOT NULL, bytes INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS snapshots_by_url ON snapshots (url, id)",
)
COLUMNS = "url, sha256, fetched_at, status, content_type, final_url, bytes"


@dataclass(frozen=True)
class PageMeta:
    """What the server answered, besides the body. `fetched_at` defaults to now (UTC) when stored."""

    status: int
    content_type: str | None
    final_url: str
    fetched_at: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """One stored answer for a URL. `sha256` is None when the answer had no body worth keeping (a 404, an image)."""

    url: str
    sha256: str | None
    fetched_at: str
    status: int
    content_type: str | None
    final_url: str
    bytes: int


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds, e.g. 2024-05-01T12:00:00+00:00."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PageStore:
    """Content-addressed page bodies under `root` and a SQLite index URL -> snapshots; safe across processes."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.index_path = self.root / "index.sqlite"
        self._lock = threading.Lock()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.index_path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # WAL stays consistent; bodies are fsynced anyway
            with self._db:
                for statement in SCHEMA:
                    self._db.execute(statement)
        except sqlite3.DatabaseError as e:
            raise UserError(f"{self.index_path}: not a usable page index ({e}); delete it to start afresh") from e
        except OSError as e:
            raise UserError(f"{self.root}: cannot create the page store ({e.strerror}); choose another folder") from e

    def close(self) -> None:
        self._db.close()

    def page_path(self, sha256: str) -> Path:
        return self.root / "pages" / sha256[:2] / sha256

    def get(self, url: str) -> Snapshot | None:
        """The latest snapshot of `url`, or None if it was never stored."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM snapshots WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
            ).fetchone()
        return Snapshot(*row) if row else None

    def put(self, url: str, body: bytes | None, meta: PageMeta) -> Snapshot:
        """Store `body` (None: record the answer without one) and a new snapshot of `url`; returns it."""
        sha256 = None
        if body is not None:
            sha256 = hashlib.sha256(body).hexdigest()
            self._write_body(sha256, body)
        snapshot = Snapshot(url, sha256, meta.fetched_at or utc_now(), meta.status, meta.content_type,
                            meta.final_url, len(body or b""))
        with self._lock, self._db:
            self._db.execute(f"INSERT INTO snapshots ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (snapshot.url, snapshot.sha256, snapshot.fetched_at, snapshot.status,
                              snapshot.content_type, snapshot.final_url, snapshot.bytes))
        return snapshot

    def has_body(self, sha256: str) -> bool:
        return self.page_path(sha256).is_file()

    def body(self, sha256: str) -> bytes:
        """The stored bytes with this sha256, checked against it."""
        path = self.page_path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UserError(f"{path}: stored page is missing; fetch again with source.refetch=true") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise UserError(f"{path}: stored page does not match its sha256; delete it and fetch again "
                            "with source.refetch=true")
        return data

    def _write_body(self, sha256: str, body: bytes) -> None:
        path = self.page_path(sha256)
        if path.is_file():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{sha256[:8]}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
