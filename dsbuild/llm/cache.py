"""A SQLite cache of LLM responses, keyed by a hash of the request, so a rebuild replays instead of paying.

One file can be shared by several processes (parallel sweep jobs, two builds at once): WAL mode lets
readers run beside a writer, and `busy_timeout` makes writers wait for each other instead of failing.
Every put() is its own committed transaction, so a crash keeps every response stored before it.
Before sending a call, a process claims it (`claim`): another process that needs the same call waits
for that answer instead of paying for it again, and a claim whose owner died is taken over
(claims.py). A write that fails (a full disk, a read-only file) is a one-line UserError.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from json.encoder import encode_basestring
from pathlib import Path
from typing import NamedTuple

from dsbuild.errors import UserError

from .claims import CLAIMS_TABLE, Claims

SCHEMA_VERSION = 3  # 2 added `replays`, 3 `claims`; an older file gains the tables when opened
BUSY_TIMEOUT_MS = 30_000
# Keys per SELECT ... IN (...): below SQLite's oldest limit on bound parameters (999).
CHUNK = 500
# Page cache per connection (grows only as pages are read): batched lookups skip most file reads.
CACHE_KIB = 64 * 1024
COLUMNS = "key, model, response, usage, cost_usd, seconds, created_at"
# What a replay reads of an answer (table alias r): the tokens come out of the usage JSON in SQLite, which
# is quicker than decoding it in Python for every row of a rerun.
STORED = ("r.response, coalesce(json_extract(r.usage, '$.prompt_tokens'), 0),"
          " coalesce(json_extract(r.usage, '$.completion_tokens'), 0), r.cost_usd")
FIX = "delete it or set llm.cache_path to another file"
# A replay key names a call by what it is rendered from (template, variables, parameters), so a rerun
# finds its answer without rendering the prompt; it points at the request key the answer is stored under.
REPLAYS = "CREATE TABLE replays (replay_key TEXT PRIMARY KEY, key TEXT NOT NULL)"
LINK = "INSERT OR REPLACE INTO replays (replay_key, key) VALUES (?, ?)"
SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, response TEXT NOT NULL,"
    " usage TEXT NOT NULL, cost_usd REAL NOT NULL, seconds REAL NOT NULL, created_at TEXT NOT NULL)",
    REPLAYS,
    CLAIMS_TABLE,
)
ADDED = {"replays": REPLAYS, "claims": CLAIMS_TABLE}  # tables a file of an older schema version gains


def _plain(value):
    """json.dumps fallback: nested mappings (e.g. config nodes) become dicts; anything else is an error."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot hash a request field of type {type(value).__name__}: {value!r}")


# One encoder: json.dumps with non-default options builds a new encoder on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
_LITERALS = {None: "null", True: "true", False: "false"}


def request_key(request: Mapping) -> str:
    """sha256 hex of the canonical JSON of the fields that decide the answer (never keys or endpoints).

    Canonical: sorted keys, no spaces, UTF-8 text; the same request gives the same key in any process.
    """
    return object_key(dict(request), {})


def request_keys(requests: Sequence[Mapping]) -> list[str]:
    """request_key of each request, quicker: a value the requests share (the same object, such as one
    task's schema or few-shot examples) is encoded once. On a rerun from the cache, hashing is much of
    the cost of a row."""
    memo: dict[int, str] = {}
    return [object_key(dict(r), memo) for r in requests]


def object_key(value: dict, memo: dict[int, str]) -> str:
    """sha256 hex of the canonical JSON of `value` (what request_key computes), with the dicts and lists
    inside it encoded once per object in `memo`: the caller keeps them alive while it uses the memo."""
    return hashlib.sha256(_encode(value, memo).encode("utf-8")).hexdigest()


def _encode(value, memo: dict[int, str]) -> str:
    """The canonical JSON of `value`; dicts and lists inside a dict are looked up in `memo` by id, so the
    caller must keep every object alive while it uses the memo (ids of live objects are never reused)."""
    if not isinstance(value, dict):
        return _CANONICAL.encode(value)
    parts = []
    for name in sorted(value):
        item = value[name]
        if isinstance(item, str):
            text = encode_basestring(item)  # what the encoder does with a string, minus its per-call set-up
        elif item is None or isinstance(item, bool):
            text = _LITERALS[item]
        elif isinstance(item, (dict, list)):
            text = memo.get(id(item))
            if text is None:
                text = memo[id(item)] = _encode(item, memo)
        else:
            text = _CANONICAL.encode(item)
        name = name if isinstance(name, str) else _CANONICAL.encode(name)  # JSON quotes a 1, True or None key
        parts.append(f"{encode_basestring(name)}:{text}")
    return f"{{{','.join(parts)}}}"


class Stored(NamedTuple):
    """What a replay reads of a stored answer: the response's JSON text, its tokens and its cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass
class CachedResponse:
    key: str
    model: str
    response: dict
    usage: dict
    cost_usd: float
    seconds: float
    created_at: str

    @classmethod
    def from_row(cls, row: tuple) -> CachedResponse:
        key, model, response, usage, cost_usd, seconds, created_at = row
        return cls(key, model, json.loads(response), json.loads(usage), cost_usd, seconds, created_at)


class ResponseCache:
    """Responses by request key. Modes: "use" reads and writes, "refresh" only writes, "off" does nothing.

    A path of None means "off". The connection is guarded by a lock, so it may be opened on one thread
    and used on another (e.g. an event loop's); get/put are short synchronous calls.
    """

    MODES = ("use", "refresh", "off")

    def __init__(self, path: Path | str | None, mode: str = "use"):
        if mode not in self.MODES:
            raise UserError(f"llm.cache: unknown mode {mode!r}; use one of: {', '.join(self.MODES)}")
        self.mode = "off" if path is None else mode
        self.path = None if self.mode == "off" else Path(path)
        self._hits = self._misses = self._writes = 0
        self._lock = threading.Lock()
        self._conn = None if self.path is None else _open(self.path)
        self.claims = Claims(self)

    def get(self, key: str) -> CachedResponse | None:
        """The stored response for `key`, or None (always None unless the mode is "use")."""
        row = None
        if self.mode == "use":
            with self._lock:
                row = self._conn.execute(f"SELECT {COLUMNS} FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            self._misses += 1
            return None
        self._hits += 1
        return CachedResponse.from_row(row)

    def responses(self, keys: Sequence[str]) -> dict[str, dict]:
        """The stored response of each given key that has one. Hits and misses count once per distinct key."""
        return {key: json.loads(found.text) for key, found in self.stored(keys).items()}

    def stored(self, keys: Sequence[str]) -> dict[str, Stored]:
        """What is stored for each given key that has an answer: the response as the JSON text stored (the
        client decodes it and digests it as it is), its usage and its cost. Hits and misses count once per
        distinct key."""
        found = self._select(f"SELECT r.key, {STORED} FROM responses r WHERE r.key IN ({{}})", keys)
        self._misses += len(set(keys)) - len(found)
        return {key: Stored(*row) for key, row in found.items()}

    def replays(self, replay_keys: Sequence[str]) -> dict[str, tuple[str, Stored]]:
        """(request key, what is stored) of each replay key that points at a stored response. Counts hits
        only: a call it misses is looked up again by its request key, which counts the miss."""
        rows = self._select(f"SELECT p.replay_key, p.key, {STORED} FROM replays p JOIN responses r ON r.key = p.key"
                            " WHERE p.replay_key IN ({})", replay_keys)
        return {replay_key: (row[0], Stored(*row[1:])) for replay_key, row in rows.items()}

    def link(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Point each replay key at a request key (committed at once). No-op when "off"."""
        if self.mode != "off" and pairs:
            self._write((LINK, pairs))

    def _write(self, *batches: tuple[str, Sequence[tuple]]) -> None:
        """Run each (statement, rows) batch in one transaction; a write the disk refuses is a UserError."""
        with self._lock:
            try:
                self._conn.execute("BEGIN")
                try:
                    for sql, rows in batches:
                        self._conn.executemany(sql, rows)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise self.write_error(exc) from None

    def write_error(self, exc: sqlite3.Error) -> UserError:
        """The one-line error for a write the cache file refused (full disk, read-only file or folder)."""
        return UserError(
            f"llm cache {self.path}: cannot save to it ({exc}); {self._writes} answer(s) of this build were saved "
            "before it. Free space or fix the permissions (or set llm.cache_path to another disk) and run the "
            "same command to resume"
        )

    def _select(self, sql: str, keys: Sequence[str]) -> dict[str, tuple]:
        """{first column: the other columns} of the rows `sql` selects for `keys` (looked up in chunks)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, tuple] = {}
        if self.mode == "use":
            with self._lock:
                try:
                    for start in range(0, len(wanted), CHUNK):
                        chunk = wanted[start:start + CHUNK]
                        rows = self._conn.execute(sql.format(",".join("?" * len(chunk))), chunk)
                        found.update((row[0], row[1:]) for row in rows)
                except sqlite3.OperationalError as exc:
                    raise UserError(f"llm cache {self.path}: cannot read it ({exc}); {FIX}") from None
        self._hits += len(found)
        return found

    def put(self, key: str, *, model: str, response: dict, usage: dict, cost_usd: float, seconds: float,
            replay_key: str | None = None) -> str:
        """Store (or replace) the response for `key` (and point `replay_key` at it), ending this process's
        claim on it, committed before returning; the response's text as stored (also when "off", a no-op)."""
        text = json.dumps(response, ensure_ascii=False)
        if self.mode == "off":
            return text
        row = (
            key, model, text, json.dumps(usage, ensure_ascii=False),
            float(cost_usd), float(seconds), datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        self._write((f"INSERT OR REPLACE INTO responses ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", [row]),
                    (LINK, [(replay_key, key)] if replay_key is not None else []),
                    self.claims.released_by_put(key))
        self._writes += 1
        return text

    @contextmanager
    def uncounted(self) -> Iterator[ResponseCache]:
        """Lookups made inside leave `stats` as they were (a pre-check that reads what the run reads again)."""
        hits, misses = self._hits, self._misses
        try:
            yield self
        finally:
            self._hits, self._misses = hits, misses

    @property
    def stats(self) -> dict:
        return {
            "path": None if self.path is None else str(self.path),
            "mode": self.mode,
            "hits": self._hits,
            "misses": self._misses,
            "writes": self._writes,
        }

    @property
    def writes(self) -> int:
        """Responses this instance stored (answers saved by this build)."""
        return self._writes

    def close(self) -> None:
        if self._conn is not None:
            self.claims.release_all()
            with self._lock:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the cache file in WAL mode; a file that is not a cache is a UserError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = None
    try:
        # isolation_level=None: every statement outside an explicit BEGIN commits at once.
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _enable_wal(conn)
        # NORMAL in WAL mode: a commit survives a process crash; only a power cut may lose the last ones.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        _ensure_schema(conn, path)
        return conn
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.OperationalError):  # cannot open, read-only, locked for too long...
            raise UserError(
                f"llm cache {path}: cannot open it ({exc}); check the path and its permissions "
                "or set llm.cache_path to another file"
            ) from exc
        if isinstance(exc, sqlite3.DatabaseError):  # not a database, or a corrupt one
            raise UserError(f"llm cache {path} is not a SQLite database ({exc}); {FIX}") from exc
        raise


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, retrying while another process holds it.

    Switching needs an exclusive lock and SQLite reports a conflict at once instead of calling the busy
    handler, so processes that open a new file together would otherwise fail.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables in an empty file, or check the schema version of an existing cache.

    BEGIN IMMEDIATE takes the write lock first, so of several processes opening a new file at once,
    exactly one creates the tables and the others see them complete.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute("INSERT INTO meta (name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        else:
            row = None
            if "meta" in tables:
                row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
            if row is not None and row[0] in ("1", "2") and "responses" in tables:
                for name, statement in ADDED.items():
                    if name not in tables:
                        conn.execute(statement)
                conn.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(SCHEMA_VERSION),))
                row = (str(SCHEMA_VERSION),)
            if row is None or row[0] != str(SCHEMA_VERSION) or "responses" not in tables:
                found = "no dsbuild schema" if row is None else f"schema version {row[0]}"
                raise UserError(
                    f"llm cache {path} is not a dsbuild llm cache of schema version {SCHEMA_VERSION} "
                    f"(found {found}); {FIX}"
                )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
