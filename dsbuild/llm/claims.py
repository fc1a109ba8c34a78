"""Claims on calls in a shared response cache, so that no call is paid for twice across processes.

Several builds or sweep jobs may share one cache file and need the same calls (a sweep over
`split.seed` asks every job the same questions). Before a process sends a call it claims the call's
key; a process that finds the key claimed by another waits for that answer to land in the cache.
A claim ends with the answer (same transaction as the put), or is released when the call failed.
A claim whose owner died is taken over: on the same host when its process is gone (kill -9 included),
from another host (a shared file system) when it was not renewed for `lease` seconds (the owner renews
it at every attempt).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid

from ..processes import pid_alive

CLAIMS_TABLE = ("CREATE TABLE claims (key TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,"
                " token TEXT NOT NULL, renewed_at REAL NOT NULL)")
HOST = socket.gethostname()
_LIVE_TOKENS: set[str] = set()  # claim owners open in this process (a claim of another is a leftover)

MINE, THEIRS, ANSWERED = "mine", "theirs", "answered"


class Claims:
    """Claims of one open cache (a no-op when the cache is off: there is nothing to share)."""

    def __init__(self, cache):
        self.cache = cache
        self.token = uuid.uuid4().hex
        self._held: set[str] = set()
        self._guard = threading.Lock()
        _LIVE_TOKENS.add(self.token)

    def claim(self, key: str, lease: float) -> tuple[str, tuple | None]:
        """(MINE, None) when this process may send the call now; (ANSWERED, the columns of cache.Stored)
        when the cache already holds its answer; (THEIRS, None) when another live owner sends it."""
        conn = self.cache._conn
        if conn is None or self.cache.mode == "off":
            return MINE, None
        now = time.time()
        with self.cache._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = self._claim(conn, key, now, lease)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise self.cache.write_error(exc) from None
        if result[0] == MINE:
            with self._guard:
                self._held.add(key)
        return result

    def _claim(self, conn, key: str, now: float, lease: float) -> tuple[str, tuple | None]:
        from .cache import STORED  # (cache.py imports this module)

        if self.cache.mode == "use":
            row = conn.execute(f"SELECT {STORED} FROM responses r WHERE r.key = ?", (key,)).fetchone()
            if row is not None:
                return ANSWERED, tuple(row)
        owner = conn.execute("SELECT host, pid, token, renewed_at FROM claims WHERE key = ?", (key,)).fetchone()
        if owner is not None and owner[2] != self.token and not _abandoned(*owner, now=now, lease=lease):
            return THEIRS, None
        conn.execute("INSERT OR REPLACE INTO claims (key, host, pid, token, renewed_at) VALUES (?, ?, ?, ?, ?)",
                     (key, HOST, os.getpid(), self.token, now))
        return MINE, None

    def renew(self, key: str) -> None:
        """Say this process is still working on `key` (before each attempt)."""
        self._run("UPDATE claims SET renewed_at = ? WHERE key = ? AND token = ?", [(time.time(), key, self.token)])

    def release(self, key: str) -> None:
        """Give up the claim on `key` (the call failed, or this process stops): another process may send it."""
        with self._guard:
            if key not in self._held:
                return
            self._held.discard(key)
        self._run("DELETE FROM claims WHERE key = ? AND token = ?", [(key, self.token)])

    def released_by_put(self, key: str) -> tuple[str, list[tuple]]:
        """The statement a put runs in its own transaction to end the claim on `key` with the answer."""
        with self._guard:
            self._held.discard(key)
        return "DELETE FROM claims WHERE key = ? AND token = ?", [(key, self.token)]

    def release_all(self) -> None:
        """Release every claim still held (the build stops); best effort, the cache may be unwritable."""
        with self._guard:
            held, self._held = list(self._held), set()
        if held:
            try:
                self._run("DELETE FROM claims WHERE key = ? AND token = ?", [(k, self.token) for k in held])
            except Exception:  # noqa: BLE001 - a claim left behind is taken over when its owner is gone
                pass
        _LIVE_TOKENS.discard(self.token)

    def _run(self, sql: str, rows: list[tuple]) -> None:
        if self.cache._conn is not None and self.cache.mode != "off":
            self.cache._write((sql, rows))


def _abandoned(host: str, pid: int, token: str, renewed_at: float, *, now: float, lease: float) -> bool:
    """True when a claim's owner is gone: its process ended (same host), or it went silent for `lease` s."""
    if host == HOST:
        if pid == os.getpid():
            return token not in _LIVE_TOKENS  # left by an earlier build in this process that stopped
        return not pid_alive(pid)
    return now - renewed_at > lease

