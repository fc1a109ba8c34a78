"""`source=sql`: the rows of one read-only SQL query (SQLite, PostgreSQL, MySQL or any SQLAlchemy database).

Credentials never reach a config, a manifest or a log: `source.url` may not hold a password (put the
whole URL in an environment variable and name it in `source.url_env`), and wherever the URL is shown
(fingerprint, `source_ref`, errors) its password is masked. The query runs once per build, in a
read-only session, streamed in batches into Arrow; the result's sha256 is the input fingerprint, so
a changed table makes a new dataset version. A failing query (syntax, missing table, unreachable
server) does not stop the build: it becomes a reject that quotes the database's error. `stream` makes the
records `executor.batch_rows` result rows at a time into the build's spill and then lets the result go.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from ..errors import UserError
from ..execute.spill import WorkFolder
from .base import Loaded, Source, input_rejects, mapped_columns, to_records
from .rows_to_arrow import ColumnBatches, table_sha256
from .streaming import streamed_records

SQL_RULE = "sql"
# Statements that start a read-only transaction, per SQLAlchemy dialect name. SQLite is opened
# read-only instead; any other database may only run statements that start with a reading keyword.
_READ_ONLY_TRANSACTION = {
    "postgresql": "SET TRANSACTION READ ONLY",
    "mysql": "START TRANSACTION READ ONLY",
    "mariadb": "START TRANSACTION READ ONLY",
}
_READING_KEYWORDS = ("SELECT", "WITH", "VALUES")
_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/|\()*", re.S)  # whitespace, comments, "("
# Python module of a database driver -> what to pip install for it.
_DRIVER_PACKAGES = {
    "psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary", "pymysql": "pymysql", "MySQLdb": "mysqlclient",
    "mysql": "mysql-connector-python", "pyodbc": "pyodbc", "pymssql": "pymssql", "oracledb": "oracledb",
    "pg8000": "pg8000",
}


class SQLSource(Source):
    """Rows of `query`, run read-only against `url` (or the URL in the environment variable `url_env`)."""

    def __init__(
        self,
        query: str,
        url: str | None = None,
        url_env: str | None = None,
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        keep_columns: bool = False,
        name: str | None = None,
        batch_size: int = 10_000,
        params: Mapping[str, object] | None = None,
    ):
        if not query or not str(query).strip():
            raise UserError("source.query is empty; set it to a SELECT, e.g. source.query='SELECT q, a FROM faq'")
        if int(batch_size) < 1:
            raise UserError(f"source.batch_size is {batch_size}; set it to a positive number of rows, e.g. 10000")
        self.query, self.batch_size = str(query), int(batch_size)
        self.params = dict(params or {})
        self.columns = mapped_columns(columns)
        self.id_column, self.keep_columns = id_column, keep_columns
        self._url = _database_url(url, url_env)
        self.masked_url = self._url.render_as_string(hide_password=True)
        _check_params(self.query, self.params)
        self.dialect = self._url.get_backend_name()
        if self.dialect != "sqlite" and self.dialect not in _READ_ONLY_TRANSACTION:
            _check_reading_statement(self.query, self.dialect)
        self._engine = self._create_engine()
        self.name = name or _default_name(self._url)
        self._result: pa.Table | None = None
        self._error: str | None = None
        self._fingerprint: list[dict] | None = None

    def fingerprint(self) -> list[dict]:
        if self._fingerprint is None:  # the query runs once: load() and stream() reuse its result
            self._run()
            entry = {"kind": "sql", "url": self.masked_url, "query": self.query, "rows": self._result.num_rows}
            if self._error is None:
                entry["sha256"] = table_sha256(self._result)
            else:
                entry["error"] = self._error
            self._fingerprint = [entry]
        return self._fingerprint

    def load(self) -> Loaded:
        inputs = self._queried()
        if self._error is not None:
            rejected = input_rejects(self.name, [(self.masked_url, self._error)], rule=SQL_RULE)
            return Loaded(_empty_records(self.columns), rows_read=1, inputs=inputs, rejected=rejected)
        table = self._result
        refs = [f"{self.masked_url}#row {i}" for i in range(1, table.num_rows + 1)]
        records, rejected = to_records(
            table, refs, source_name=self.name, columns=self.columns, id_column=self.id_column,
            where=self.masked_url, keep_columns=self.keep_columns,
        )
        return Loaded(records, rows_read=table.num_rows, inputs=inputs, rejected=rejected)

    def stream(self, work: WorkFolder) -> Loaded:
        """The records of `load`, in a spill in `work`, made from `work.batch_rows` result rows at a time.

        The result table stays as the query gave it (its sha256 is the fingerprint); the refs, ids and records
        exist one slice at a time, and the result is let go once the spill holds its rows. A failed query or
        an empty result loads as `load` does (there is nothing to spill). Every slice has the result's schema,
        so the slices always unify to `load`'s records: no fallback to `load`.
        """
        inputs = self._queried()
        table = self._result
        if self._error is not None or not table.num_rows:
            return self.load()
        pieces = ((table.slice(start, work.batch_rows), self._refs(start, min(work.batch_rows, table.num_rows - start)))
                  for start in range(0, table.num_rows, work.batch_rows))
        records, rejected, _ = streamed_records(work, pieces, source_name=self.name, columns=self.columns,
                                                id_column=self.id_column, keep_columns=self.keep_columns,
                                                where=self.masked_url)
        self._result = None  # the spill holds the rows; the fingerprint keeps the result's sha256 and row count
        return Loaded(records, rows_read=table.num_rows, inputs=inputs, rejected=rejected)

    def _queried(self) -> list[dict]:
        """The fingerprint, with the result in memory: a read after `stream` let the result go runs the query
        again (and fingerprints what it reads this time)."""
        if self._fingerprint is not None and self._result is None:
            self._fingerprint = None
        return self.fingerprint()

    def _refs(self, start: int, n: int) -> pa.Array:
        """`source_ref` of result rows start+1 .. start+n: the masked URL and the row number, `url#row N`."""
        numbers = pc.cast(pa.array(np.arange(start + 1, start + n + 1, dtype=np.int64)), pa.string())
        return pc.binary_join_element_wise(f"{self.masked_url}#row ", numbers, "")

    def _create_engine(self) -> Engine:
        try:
            if self.dialect == "sqlite":
                return _sqlite_engine(self._url)
            return create_engine(self._url, poolclass=NullPool)
        except ModuleNotFoundError as exc:
            package = _DRIVER_PACKAGES.get(exc.name or "", exc.name)
            raise UserError(
                f"{self.masked_url}: the database driver {exc.name!r} is not installed; "
                f"pip install {package}"
            ) from None
        except NoSuchModuleError:
            raise UserError(
                f"{self.masked_url}: SQLAlchemy knows no database {self._url.drivername!r}; use e.g. "
                "sqlite:///data.db, postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db"
            ) from None

    def _run(self) -> None:
        try:
            with self._engine.connect() as conn:
                self._begin_read_only(conn)
                result = conn.execution_options(stream_results=True).execute(text(self.query), self.params)
                if not result.returns_rows:
                    raise _NoRows
                batches = ColumnBatches(list(result.keys()))
                _check_unique_names(batches.names, self.masked_url)
                for rows in result.partitions(self.batch_size):
                    batches.add(rows)
                conn.rollback()
        except DBAPIError as exc:
            self._fail(_first_line(str(exc.orig) if exc.orig is not None else str(exc)))
        except _NoRows:
            self._fail("the query returns no rows; source.query must be a SELECT (it never writes)")
        else:
            self._result = batches.table()
        finally:
            self._engine.dispose()

    def _begin_read_only(self, conn: Connection) -> None:
        statement = _READ_ONLY_TRANSACTION.get(self.dialect)
        if statement:
            conn.exec_driver_sql(statement)

    def _fail(self, message: str) -> None:
        password = self._url.password
        if password:
            message = message.replace(str(password), "***")
        self._error = f"query failed: {message}"
        self._result = pa.table({})


class _NoRows(Exception):
    """The statement ran but returns no result set (it is not a query)."""


def _database_url(url: str | None, url_env: str | None) -> URL:
    if url and url_env:
        raise UserError("source.url and source.url_env are both set; keep one (url_env when the URL has a password)")
    if url_env:
        value = os.environ.get(url_env)
        if not value:
            raise UserError(
                f"environment variable {url_env} (source.url_env) is not set; export {url_env}=<database URL> "
                "before building, e.g. postgresql+psycopg://reader:secret@db.internal:5432/clinic"
            )
        return _parse_url(value, f"the URL in {url_env}")
    if not url:
        raise UserError(
            "source.url is not set; set source.url=sqlite:///data.db, or put a URL with a password in an "
            "environment variable and set source.url_env=DB_URL"
        )
    parsed = _parse_url(url, "source.url")
    if parsed.password:
        raise UserError(
            "source.url contains a password; put the whole URL in an environment variable and set "
            "source.url_env=DB_URL"
        )
    return parsed


def _parse_url(value: str, what: str) -> URL:
    try:
        return make_url(str(value))
    except ArgumentError:
        raise UserError(
            f"{what} is not a database URL; write it as dialect+driver://user@host:port/database, "
            "e.g. sqlite:///data.db or postgresql+psycopg://reader@db.internal:5432/clinic"
        ) from None


def _sqlite_engine(url: URL) -> Engine:
    """An engine that opens the SQLite file read-only (mode=ro) with writes refused (query_only)."""
    database = url.database
    if not database or database == ":memory:":
        raise UserError("source.url names no SQLite file; write it as sqlite:///path/to/data.db")
    path = Path(database).expanduser()
    if not path.is_file():
        raise UserError(
            f"source.url: SQLite file {str(path)!r} does not exist (working directory: {Path.cwd()}); "
            "fix the path in source.url"
        )
    uri = f"{path.resolve().as_uri()}?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _query_only(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    return engine


def _check_params(query: str, params: Mapping[str, object]) -> None:
    missing = sorted(set(text(query).compile().params) - set(params))
    if missing:
        raise UserError(
            f"source.query uses :{missing[0]} but source.params has no {missing[0]!r}; "
            f"add source.params.{missing[0]}=<value>"
        )


def _check_reading_statement(query: str, dialect: str) -> None:
    """For databases without a read-only session here: accept only statements that start by reading."""
    keyword = first_keyword(query)
    if keyword not in _READING_KEYWORDS:
        raise UserError(
            f"source.query starts with {keyword or 'nothing'!r}; on {dialect} only statements starting with "
            f"{', '.join(_READING_KEYWORDS)} run (source=sql never writes); make source.query a SELECT"
        )


def first_keyword(query: str) -> str:
    """The first word of a statement after whitespace, comments and opening parentheses, upper-cased."""
    start = _LEADING.match(query).end()
    word = re.match(r"[A-Za-z_]+", query[start:])
    return word.group(0).upper() if word else ""


def _check_unique_names(names: list[str], where: str) -> None:
    seen: set[str] = set()
    for column in names:
        if column in seen:
            raise UserError(
                f"{where}: source.query returns the column {column!r} twice; give each column its own name "
                f"with AS (e.g. SELECT a.{column} AS a_{column}, b.{column} AS b_{column})"
            )
        seen.add(column)


def _empty_records(columns: Mapping[str, str] | None) -> pa.Table:
    names = [*(columns or {}), "id", "source", "source_ref"]
    return pa.table({n: pa.array([], pa.string()) for n in dict.fromkeys(names)})


def _default_name(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return Path(url.database).stem
    return url.database or url.get_backend_name()


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "unknown database error")
