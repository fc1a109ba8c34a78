import copy
import hashlib
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsbuild.errors import UserError
from dsbuild.llm.cache import ResponseCache, Stored, request_key, request_keys

REPO = Path(__file__).resolve().parents[2]
REQUEST = {
    "model": "openai/gpt-4o-mini",
    "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "什么是高血压？"}],
    "temperature": 0.7,
    "top_p": 1.0,
    "max_tokens": 512,
    "response_format": {"type": "json_schema", "schema": {"type": "object", "required": ["answer"]}},
}


def _put(cache, key, content="ok"):
    cache.put(key, model="m", response={"content": content}, usage={"prompt_tokens": 3, "completion_tokens": 5},
              cost_usd=0.001, seconds=1.5)


def _reorder(value, order):
    """The same JSON value with every dict's keys inserted in the order given by `order` (a permutation)."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: order.index(k) if k in order else len(order))
        return {k: _reorder(value[k], order) for k in keys}
    if isinstance(value, list):
        return [_reorder(v, order) for v in value]
    return value


ALL_KEYS = sorted({"model", "messages", "temperature", "top_p", "max_tokens", "response_format", "role", "content",
                   "type", "schema", "required"})


@given(st.permutations(ALL_KEYS))
def test_key_ignores_dict_order_at_every_level(order):
    assert request_key(_reorder(REQUEST, order)) == request_key(REQUEST)


def test_key_is_a_fixed_sha256_of_canonical_json():
    key = request_key({"b": [1, 2.5], "a": "é"})
    assert key == hashlib.sha256('{"a":"é","b":[1,2.5]}'.encode()).hexdigest()


@pytest.mark.parametrize("change", [
    lambda r: r["messages"][1].update(content="什么是低血压？"),
    lambda r: r["messages"][0].update(role="user"),
    lambda r: r["messages"].reverse(),
    lambda r: r["messages"].pop(0),
    lambda r: r.update(temperature=0.0),
    lambda r: r.update(max_tokens=513),
    lambda r: r.update(seed=1),
    lambda r: r.update(model="openai/gpt-4o"),
    lambda r: r["response_format"]["schema"]["required"].append("cot"),
])
def test_any_change_to_the_request_changes_the_key(change):
    changed = copy.deepcopy(REQUEST)
    change(changed)
    assert request_key(changed) != request_key(REQUEST)


def test_key_is_the_same_in_another_process():
    code = f"from dsbuild.llm.cache import request_key; print(request_key({REQUEST!r}))"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == request_key(REQUEST)


def test_mappings_hash_like_the_dicts_they_hold():
    frozen = MappingProxyType({**REQUEST, "response_format": MappingProxyType(REQUEST["response_format"])})
    assert request_key(frozen) == request_key(REQUEST)


def test_batched_keys_equal_one_at_a_time_keys_with_shared_and_mapping_values():
    schema = REQUEST["response_format"]
    requests = [{**copy.deepcopy(REQUEST), "response_format": schema, "seed": i} for i in range(3)]
    requests[1]["messages"][1]["content"] = "什么是低血压？"
    requests.append(dict(MappingProxyType({**REQUEST, "response_format": MappingProxyType(schema)})))
    keys = request_keys(requests)
    assert keys == [request_key(r) for r in requests]
    assert len(set(keys)) == 4 and request_keys([]) == []


@pytest.mark.parametrize("request_", [
    {1: "a", 2: [1]}, {"b": {3: None, 1: True}}, {"x": 1.5, "y": {"z": [{"q": "é"}]}}])
def test_keys_are_the_sha256_of_what_json_writes(request_):
    canonical = json.dumps(request_, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert request_key(request_) == hashlib.sha256(canonical.encode()).hexdigest()


def test_unhashable_field_is_rejected():
    with pytest.raises(TypeError, match="object"):
        request_key({"model": "m", "x": object()})


def test_roundtrip_with_chinese_text(tmp_path):
    response = {"content": "高血压是指血压持续升高。", "reasoning_content": "先定义，再举例。", "finish_reason": "stop"}
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        cache.put("k", model="m", response=response, usage={"prompt_tokens": 9, "completion_tokens": 12},
                  cost_usd=0.0025, seconds=2.25)
        got = cache.get("k")
    assert got.key == "k" and got.model == "m" and got.response == response
    assert got.usage == {"prompt_tokens": 9, "completion_tokens": 12}
    assert (got.cost_usd, got.seconds) == (0.0025, 2.25)
    assert got.created_at.endswith("+00:00")
    raw = sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT response FROM responses").fetchone()[0]
    assert "高血压" in raw  # stored as readable UTF-8, not \\u escapes


def test_entries_persist_across_instances_and_the_parent_folder_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "c.sqlite"
    with ResponseCache(path) as cache:
        _put(cache, "a", "first")
    with ResponseCache(str(path)) as cache:
        assert cache.get("a").response == {"content": "first"}
        assert cache.get("b") is None
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_refresh_mode_misses_then_overwrites(tmp_path):
    path = tmp_path / "c.sqlite"
    with ResponseCache(path) as cache:
        _put(cache, "k", "old")
    with ResponseCache(path, mode="refresh") as cache:
        assert cache.get("k") is None
        assert cache.responses(["k"]) == {}
        _put(cache, "k", "new")
        assert cache.get("k") is None
        assert cache.stats == {"path": str(path), "mode": "refresh", "hits": 0, "misses": 3, "writes": 1}
    with ResponseCache(path) as cache:
        assert cache.get("k").response == {"content": "new"}


@pytest.mark.parametrize("path_name,mode", [("sub/c.sqlite", "off"), (None, "use"), (None, "refresh")])
def test_off_never_touches_disk(tmp_path, path_name, mode, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with ResponseCache(path_name and tmp_path / path_name, mode=mode) as cache:
        _put(cache, "k")
        assert cache.get("k") is None
        assert cache.responses(["k", "j"]) == {}
        assert cache.stats == {"path": None, "mode": "off", "hits": 0, "misses": 3, "writes": 0}
    assert list(tmp_path.iterdir()) == []


def test_bad_mode_names_the_setting_and_the_choices(tmp_path):
    with pytest.raises(UserError, match=r"llm\.cache.*'reuse'.*use, refresh, off"):
        ResponseCache(tmp_path / "c.sqlite", mode="reuse")
    assert not (tmp_path / "c.sqlite").exists()


def test_responses_span_chunks_and_counts_each_key_once(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        for i in range(0, 1200, 2):
            _put(cache, f"k{i}", str(i))
        keys = [f"k{i}" for i in range(1200)] + ["k0", "k1"]
        found = cache.responses(keys)
        assert sorted(found) == sorted(f"k{i}" for i in range(0, 1200, 2))
        assert found["k1198"] == {"content": "1198"}
        assert cache.responses([]) == {}
        assert cache.stats["hits"] == 600 and cache.stats["misses"] == 600


def test_stats_count_hits_misses_and_writes(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        assert cache.stats == {"path": str(tmp_path / "c.sqlite"), "mode": "use", "hits": 0, "misses": 0, "writes": 0}
        assert cache.get("a") is None
        _put(cache, "a")
        _put(cache, "a", "again")
        _put(cache, "b")
        assert cache.get("a").response == {"content": "again"}
        cache.responses(["a", "b", "c"])
        assert cache.stats == {"path": str(tmp_path / "c.sqlite"), "mode": "use", "hits": 3, "misses": 2, "writes": 3}
        assert sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT count(*) FROM responses").fetchone()[0] == 2


def test_usable_from_another_thread(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    worker = threading.Thread(target=lambda: _put(cache, "t"))
    worker.start()
    worker.join()
    assert cache.get("t") is not None
    cache.close()
    cache.close()


def _writer(path, who, start, puts=200):
    start.wait()
    with ResponseCache(path) as cache:
        for i in range(puts):
            _put(cache, f"{who}-{i}", f"{who} {i}")


def test_two_processes_writing_one_file_lose_nothing(tmp_path):
    path = tmp_path / "shared" / "c.sqlite"
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(path, who, start)) for who in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0, 0]
    with ResponseCache(path) as cache:
        keys = [f"{who}-{i}" for who in ("a", "b") for i in range(200)]
        found = cache.responses(keys)
    assert len(found) == 400
    assert found["b-199"] == {"content": "b 199"}


def test_processes_that_create_a_new_file_at_once_all_open_it(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for trial in range(10):
        path = tmp_path / f"c{trial}.sqlite"
        start = ctx.Barrier(6)
        procs = [ctx.Process(target=_writer, args=(path, who, start, 3)) for who in range(6)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert [proc.exitcode for proc in procs] == [0] * 6
        with ResponseCache(path) as cache:
            assert len(cache.responses([f"{who}-{i}" for who in range(6) for i in range(3)])) == 18


def test_a_put_survives_a_crash_without_close(tmp_path):
    path = tmp_path / "c.sqlite"
    code = (
        "import os, sys; from dsbuild.llm.cache import ResponseCache\n"
        "cache = ResponseCache(sys.argv[1])\n"
        "cache.put('k', model='m', response={'content': '崩溃前'}, usage={}, cost_usd=0.5, seconds=1.0)\n"
        "os._exit(1)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-c", code, str(path)], env=env).returncode == 1
    with ResponseCache(path) as cache:
        got = cache.get("k")
    assert got.response == {"content": "崩溃前"} and got.cost_usd == 0.5


def test_a_file_that_is_not_a_database_is_a_user_error(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite, just some text that is long enough " * 40)
    with pytest.raises(UserError, match=r"c\.sqlite.*not a SQLite database.*delete it or set llm\.cache_path"):
        ResponseCache(path)


def test_a_foreign_sqlite_database_is_a_user_error(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(UserError, match=r"other\.db.*not a dsbuild llm cache.*delete it or set llm\.cache_path"):
        ResponseCache(path)
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("people",)]


def test_a_cache_of_another_schema_version_is_a_user_error(tmp_path):
    path = tmp_path / "c.sqlite"
    ResponseCache(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    with pytest.raises(UserError, match=r"found schema version 99.*delete it or set llm\.cache_path"):
        ResponseCache(path)


def test_a_folder_in_place_of_the_file_is_a_user_error(tmp_path):
    (tmp_path / "c.sqlite").mkdir()
    with pytest.raises(UserError, match=r"c\.sqlite: cannot open it.*llm\.cache_path"):
        ResponseCache(tmp_path / "c.sqlite")


def test_replay_keys_point_at_stored_answers(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        cache.put("k1", model="m", response={"content": "one"}, usage={}, cost_usd=0, seconds=0, replay_key="r1")
        _put(cache, "k2", "two")
        one = ("k1", Stored('{"content": "one"}', 0, 0, 0.0))
        assert cache.replays(["r1", "r2"]) == {"r1": one}
        cache.link([("r2", "k2"), ("r3", "missing")])
        found = cache.replays(["r1", "r2", "r3"])
        assert found["r1"] == one and found["r2"][0] == "k2" and json.loads(found["r2"][1].text) == {"content": "two"}
        assert sorted(found) == ["r1", "r2"]
        assert cache.stats["hits"] == 3 and cache.stats["misses"] == 0  # replays count hits only
    with ResponseCache(tmp_path / "c.sqlite", mode="refresh") as cache:
        assert cache.replays(["r1"]) == {}


def test_a_version_1_cache_gains_the_replays_and_claims_tables_and_keeps_its_answers(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, response TEXT NOT NULL,"
                 " usage TEXT NOT NULL, cost_usd REAL NOT NULL, seconds REAL NOT NULL, created_at TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO responses VALUES ('k', 'm', '{\"content\": \"kept\"}', '{}', 0, 0, '2026-01-01')")
    conn.commit()
    conn.close()
    with ResponseCache(path) as cache:
        assert cache.responses(["k"]) == {"k": {"content": "kept"}}
        cache.link([("r", "k")])
        assert cache.replays(["r"]) == {"r": ("k", Stored('{"content": "kept"}', 0, 0, 0.0))}
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta").fetchone()[0] == "3"
    assert {"replays", "claims"} <= {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
