import glob
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile

import pytest
from helpers import assert_same_version

from dsbuild.build import build
from dsbuild.errors import UserError
from dsbuild.execute.spill import Spill, WorkFolder
from dsbuild.sources.sql import SQLSource, first_keyword
from dsbuild.version.fingerprint import file_sha256

ROWS = [
    ("头痛怎么办？", "多休息，必要时就医。", 4.5, b"\x00\xffpng", "2024-01-05", "内科"),
    ("What helps a sore throat?", "Warm fluids and rest.", 3.0, None, "2024-02-10", "ENT"),
    ("孩子发烧怎么办？", None, None, b"x", "2024-03-15", "儿科"),
    ("How much water per day?", "About two litres for most adults.", 5.0, None, None, "general"),
    ("失眠怎么调理？", "规律作息，睡前少看手机。", 4.0, None, "2024-05-20", "内科"),
]
QUERY = "SELECT ask, answer, score, img, asked_on, dept FROM faq ORDER BY rowid"


def make_db(path, rows=ROWS):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE faq (ask TEXT, answer TEXT, score REAL, img BLOB, asked_on DATE, dept TEXT)")
    con.executemany("INSERT INTO faq VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path


@pytest.fixture
def db(tmp_path):
    return make_db(tmp_path / "clinic.db")


def url_of(path):
    return f"sqlite:///{path}"


def test_rows_types_lineage_and_columns_mapping(db):
    loaded = SQLSource(QUERY, url=url_of(db), columns={"question": "ask", "response": "answer"},
                       keep_columns=True).load()
    rows = loaded.table.to_pylist()
    assert [r["question"] for r in rows] == [r[0] for r in ROWS]
    assert rows[2]["response"] is None and rows[2]["score"] is None
    assert rows[0]["score"] == 4.5 and rows[0]["asked_on"] == "2024-01-05"
    assert rows[0]["img"] == "AP9wbmc=" and rows[1]["img"] is None  # BLOBs arrive as base64 text
    assert rows[3]["source_ref"] == f"{url_of(db)}#row 4" and rows[0]["source"] == "clinic"
    assert {"ask", "answer"}.isdisjoint(rows[0])
    assert loaded.rows_read == 5 and loaded.rejected is None
    assert str(loaded.table.schema.field("score").type) == "double"


def test_batches_give_the_same_table_and_fingerprint(db):
    whole = SQLSource(QUERY, url=url_of(db))
    small = SQLSource(QUERY, url=url_of(db), batch_size=2)
    assert small.load().table.equals(whole.load().table)
    assert small.fingerprint()[0]["sha256"] == whole.fingerprint()[0]["sha256"]
    assert whole.fingerprint()[0]["rows"] == 5


def test_the_query_runs_once_per_build(db, monkeypatch):
    source = SQLSource(QUERY, url=url_of(db))
    calls = []
    real_run = source._run
    monkeypatch.setattr(source, "_run", lambda: calls.append(1) or real_run())
    source.fingerprint()
    source.load()
    assert calls == [1]


@pytest.mark.parametrize("query", ["INSERT INTO faq (ask) VALUES ('x')", "DROP TABLE faq", "DELETE FROM faq"])
def test_writes_fail_and_leave_the_database_unchanged(db, query):
    before = file_sha256(db)
    loaded = SQLSource(query, url=url_of(db)).load()
    assert loaded.table.num_rows == 0 and loaded.rows_read == 1
    reject = loaded.rejected.to_pylist()[0]
    assert reject["_rule"] == "sql" and "readonly" in reject["_reason"]
    assert file_sha256(db) == before
    assert sqlite3.connect(db).execute("SELECT count(*) FROM faq").fetchone()[0] == 5


def test_a_query_error_is_a_reject_not_an_exception(db):
    source = SQLSource("SELECT ask FROM visits", url=url_of(db), columns={"question": "ask"})
    loaded = source.load()
    reject = loaded.rejected.to_pylist()[0]
    assert reject["_stage"] == "load" and reject["_rule"] == "sql"
    assert reject["_reason"] == "query failed: no such table: visits"
    assert reject["source_ref"] == url_of(db)
    assert loaded.rows_read == loaded.table.num_rows + loaded.rejected.num_rows
    assert "question" in loaded.table.column_names
    assert source.fingerprint()[0]["error"] == "query failed: no such table: visits"
    syntax = SQLSource("SELEC ask FROM faq", url=url_of(db)).load().rejected.to_pylist()[0]
    assert "syntax error" in syntax["_reason"]


def test_params_bind_and_a_missing_param_names_the_key(db):
    query = "SELECT ask FROM faq WHERE dept = :dept ORDER BY rowid"
    rows = SQLSource(query, url=url_of(db), params={"dept": "内科"}).load().table.column("ask").to_pylist()
    assert rows == ["头痛怎么办？", "失眠怎么调理？"]
    with pytest.raises(UserError, match=r"source.params.dept"):
        SQLSource(query, url=url_of(db))


def test_password_in_url_is_refused_without_repeating_it():
    with pytest.raises(UserError, match=r"source.url contains a password.*source.url_env=DB_URL") as caught:
        SQLSource(QUERY, url="postgresql+psycopg://reader:hunter2@db.internal:5432/clinic")
    assert "hunter2" not in str(caught.value)


def test_url_env_works_and_the_password_is_nowhere(db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", f"sqlite://reader:s3cret-pw@/{db}")
    source = SQLSource(QUERY, url_env="CLINIC_DB", columns={"question": "ask", "response": "answer"})
    loaded = source.load()
    assert loaded.table.num_rows == 5
    shown = json.dumps([source.fingerprint(), loaded.table.column("source_ref").to_pylist()], ensure_ascii=False)
    assert "s3cret-pw" not in shown and "reader:***@" in shown
    failed = SQLSource("SELECT nope FROM faq", url_env="CLINIC_DB")
    assert "s3cret-pw" not in json.dumps([failed.fingerprint(), failed.load().rejected.to_pylist()])


def test_url_mistakes_are_user_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_DB_URL", raising=False)
    with pytest.raises(UserError, match="environment variable NO_SUCH_DB_URL"):
        SQLSource(QUERY, url_env="NO_SUCH_DB_URL")
    with pytest.raises(UserError, match=r"SQLite file .*missing.db.* does not exist"):
        SQLSource(QUERY, url=url_of(tmp_path / "missing.db"))
    with pytest.raises(UserError, match="source.url is not set"):
        SQLSource(QUERY)
    with pytest.raises(UserError, match="not a database URL"):
        SQLSource(QUERY, url="not a url")
    with pytest.raises(UserError, match="SQLAlchemy knows no database 'nosuchdb'"):
        SQLSource(QUERY, url="nosuchdb://reader@host/db")
    assert not (tmp_path / "missing.db").exists()


def test_a_column_returned_twice_is_a_user_error(db):
    with pytest.raises(UserError, match=r"returns the column 'ask' twice.*AS"):
        SQLSource("SELECT ask, ask FROM faq", url=url_of(db)).fingerprint()


def test_missing_driver_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(UserError, match=r"driver 'psycopg' is not installed; pip install psycopg\[binary\]"):
        SQLSource(QUERY, url="postgresql+psycopg://reader@db.internal:5432/clinic")


def test_other_databases_accept_only_reading_statements():
    assert first_keyword("-- latest\n/* all */ (WITH x AS (SELECT 1) SELECT * FROM x)") == "WITH"
    assert first_keyword("  delete from faq") == "DELETE"
    with pytest.raises(UserError, match=r"starts with 'DELETE'.*make source.query a SELECT"):
        SQLSource("/* tidy */ DELETE FROM faq", url="mssql+pyodbc://reader@dsn")


def test_changed_data_changes_the_fingerprint(db):
    first = SQLSource(QUERY, url=url_of(db)).fingerprint()[0]["sha256"]
    con = sqlite3.connect(db)
    con.execute("UPDATE faq SET answer = '多喝水' WHERE rowid = 1")
    con.commit()
    con.close()
    assert SQLSource(QUERY, url=url_of(db)).fingerprint()[0]["sha256"] != first


def test_mixed_types_in_one_column_become_text(tmp_path):
    db = tmp_path / "mixed.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (v)")
    con.executemany("INSERT INTO t VALUES (?)", [(1,), (2.5,), ("three",), (None,)])
    con.commit()
    con.close()
    values = SQLSource("SELECT v FROM t ORDER BY rowid", url=url_of(db), batch_size=2).load().table.column("v")
    assert values.to_pylist() == ["1.0", "2.5", "three", None]


def test_build_end_to_end_with_source_sql(db, tmp_path, compose_cfg):
    cfg = compose_cfg([
        "source=sql", f"source.url={url_of(db)}", f"source.query='{QUERY}'",
        "source.columns={question: ask, response: answer}", "name=clinic_faq", "format=alpaca",
        f"output_dir={tmp_path / 'out'}", "split.ratios=[1.0,0.0,0.0]",
    ])
    result = build(cfg, show_progress=False)
    train = json.loads((result.path / "train.json").read_text(encoding="utf-8"))
    assert sorted(r["instruction"] for r in train) == sorted(r[0] for r in ROWS if r[1] is not None)
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["_rule"], r["source_ref"]) for r in rejects] == [("missing", f"{url_of(db)}#row 3")]
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0]["kind"] == "sql" and manifest["inputs"][0]["rows"] == 5
    assert result.stages[0]["rows_in"] == 5
    assert build(cfg, show_progress=False).existed


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL server on 127.0.0.1 (trust auth, user `reader`), if PostgreSQL and psycopg are here."""
    pytest.importorskip("psycopg")
    bin_dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))  # where Debian puts them, off the PATH
    initdb, pg_ctl = (shutil.which(tool, path=os.pathsep.join([os.environ.get("PATH", ""), *bin_dirs]))
                      for tool in ("initdb", "pg_ctl"))
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed; apt-get install postgresql")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = tempfile.mkdtemp(prefix="dsbuild-pg-")
    if as_user:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = os.path.join(folder, "data")
    run = lambda *args: subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=60)  # noqa: E731
    try:
        run(initdb, "-D", data, "-A", "trust", "-U", "reader", "--no-sync")
        run(pg_ctl, "-D", data, "-w", "-l", os.path.join(folder, "log"), "start",
            "-o", f"-k {folder} -h 127.0.0.1 -p {port} -c fsync=off")
        yield f"postgresql+psycopg://reader@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_postgresql_reads_typed_values_in_a_read_only_transaction(postgres_url):
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE faq (q text, price numeric(6,2), asked date, img bytea, meta jsonb); CREATE SEQUENCE s"
        )
        conn.exec_driver_sql("INSERT INTO faq VALUES ('头痛怎么办', 12.50, '2024-01-02', '\\x00ff', '{\"k\": [1]}')")
    engine.dispose()
    (row,) = SQLSource("SELECT * FROM faq", url=postgres_url, batch_size=1).load().table.to_pylist()
    assert (row["q"], row["price"], row["asked"], row["img"], row["meta"]) == (
        "头痛怎么办", 12.5, "2024-01-02", "AP8=", '{"k": [1]}')
    assert row["source_ref"] == f"{postgres_url}#row 1"
    written = SQLSource("SELECT nextval('s') AS n", url=postgres_url).load().rejected.to_pylist()[0]
    assert "read-only transaction" in written["_reason"]
    down = SQLSource("SELECT 1 AS n", url=postgres_url.rsplit(":", 1)[0] + ":1/postgres").load()
    assert down.rejected.to_pylist()[0]["_reason"].startswith("query failed: connection failed")


# stream(): the records made `executor.batch_rows` result rows at a time, into a spill, equal load()'s.

REPEATS = [  # rows 1, 5 and 9 repeat (content ids -2, -3 in other slices of 3); ids empty or repeated
    ("头痛怎么办？", "多休息。", 1, "k1"), ("What helps?", "Rest.", 2, " "), ("q3", None, None, "k3"),
    ("q4", "a4", 4, "k1"), ("头痛怎么办？", "多休息。", 1, "k5"), ("q6", "a6", 6.5, None),
    ("q7", "a7", 7, "k3"), ("q8", "a8", 8, "k8"), ("头痛怎么办？", "多休息。", 1, "k9"), ("q10", "a10", 10, "k10"),
]


@pytest.fixture
def repeats_db(tmp_path):
    con = sqlite3.connect(tmp_path / "repeats.db")
    con.execute("CREATE TABLE faq (ask TEXT, answer TEXT, score, key TEXT, blank TEXT)")
    con.executemany("INSERT INTO faq VALUES (?, ?, ?, ?, NULL)", REPEATS)
    con.commit()
    con.close()
    return tmp_path / "repeats.db"


def assert_streams_as_loaded(source, tmp_path, batch_rows=3):
    streamed = source.stream(WorkFolder(tmp_path / "work", batch_rows=batch_rows))
    fingerprint = source.fingerprint()
    loaded = source.load()
    assert isinstance(streamed.table, Spill) and len(streamed.table.parts) >= 2
    table = streamed.table.read_all()
    assert table.schema.equals(loaded.table.schema), f"{table.schema}\n!=\n{loaded.table.schema}"
    assert table.equals(loaded.table)
    assert (streamed.rows_read, streamed.inputs) == (loaded.rows_read, loaded.inputs)
    assert fingerprint == loaded.inputs  # the second fingerprint() after the result was let go
    assert (streamed.rejected is None) == (loaded.rejected is None)
    assert streamed.rejected is None or streamed.rejected.equals(loaded.rejected)
    return table, streamed.rejected


REPEATS_QUERY = "SELECT ask, answer, score, key, blank FROM faq ORDER BY rowid"


def test_stream_in_slices_gives_load_records_with_repeat_suffixes(repeats_db, tmp_path):
    source = SQLSource(REPEATS_QUERY.replace(" key,", ""), url=url_of(repeats_db))
    table, rejected = assert_streams_as_loaded(source, tmp_path)
    ids = table.column("id").to_pylist()
    assert ids[4] == ids[0] + "-2" and ids[8] == ids[0] + "-3" and rejected is None
    assert table.column("source_ref").to_pylist()[9] == f"{url_of(repeats_db)}#row 10"
    assert str(table.schema.field("score").type) == "double" and str(table.schema.field("blank").type) == "null"


def test_stream_in_slices_rejects_empty_and_repeated_user_ids_as_load_does(repeats_db, tmp_path):
    source = SQLSource(REPEATS_QUERY, url=url_of(repeats_db), id_column="key",
                       columns={"question": "ask", "response": "answer"}, keep_columns=True)
    table, rejected = assert_streams_as_loaded(source, tmp_path)
    assert table.num_rows == 6 and rejected.column("source_ref").to_pylist() == [
        f"{url_of(repeats_db)}#row {n}" for n in (2, 4, 6, 7)]
    assert rejected.column("_reason").to_pylist()[1] == f"id 'k1' repeats the row at {url_of(repeats_db)}#row 1"


def test_stream_lets_the_result_go_and_a_later_read_queries_again(repeats_db, tmp_path):
    source = SQLSource(REPEATS_QUERY, url=url_of(repeats_db))
    sha256 = source.fingerprint()[0]["sha256"]
    source.stream(WorkFolder(tmp_path / "work", batch_rows=4))
    assert source._result is None and source.fingerprint()[0]["sha256"] == sha256
    again = source.load()
    assert again.table.num_rows == len(REPEATS) and again.inputs[0]["sha256"] == sha256


def test_stream_of_a_failed_query_or_no_rows_is_load(repeats_db, tmp_path):
    work = WorkFolder(tmp_path / "work", batch_rows=3)
    failed = SQLSource("SELECT ask FROM visits", url=url_of(repeats_db), columns={"question": "ask"})
    streamed, loaded = failed.stream(work), failed.load()
    assert streamed.table.equals(loaded.table) and streamed.rejected.equals(loaded.rejected)
    assert streamed.rejected.column("_reason").to_pylist() == ["query failed: no such table: visits"]
    empty = SQLSource("SELECT ask FROM faq WHERE 0", url=url_of(repeats_db))
    streamed, loaded = empty.stream(work), empty.load()
    assert streamed.table.equals(loaded.table) and streamed.table.num_rows == 0 and streamed.rows_read == 0


@pytest.mark.parametrize("options, message", [
    ({"columns": {"question": "asked"}}, r"source.columns.question names column 'asked'"),
    ({"id_column": "nope"}, r"source.id_column 'nope' is not a column"),
    ({"query": "SELECT ask AS source FROM faq"}, r"column 'source' collides with a lineage field"),
])
def test_stream_config_mistakes_give_load_error_before_any_row_is_written(repeats_db, tmp_path, options, message):
    options = {"query": REPEATS_QUERY, **options}
    with pytest.raises(UserError, match=message) as loading:
        SQLSource(url=url_of(repeats_db), **options).load()
    with pytest.raises(UserError) as streaming:
        SQLSource(url=url_of(repeats_db), **options).stream(WorkFolder(tmp_path / "work", batch_rows=3))
    assert str(streaming.value) == str(loading.value)
    assert not list((tmp_path / "work").glob("*.arrow"))


def test_build_in_batches_of_3_writes_the_same_files(repeats_db, tmp_path, compose_cfg):
    overrides = ["source=sql", f"source.url={url_of(repeats_db)}", f"source.query='{REPEATS_QUERY}'",
                 "source.columns={question: ask, response: answer}", "source.keep_columns=true",
                 "source.id_column=key", "name=repeats", "format=alpaca"]
    whole = build(compose_cfg([*overrides, f"output_dir={tmp_path / 'whole'}"]), show_progress=False)
    small = build(compose_cfg([*overrides, f"output_dir={tmp_path / 'small'}", "executor.batch_rows=3"]),
                  show_progress=False)
    assert_same_version(whole, small)
    assert (whole.path / "rejects.jsonl").stat().st_size > 0
