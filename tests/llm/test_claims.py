"""Claims on calls in a shared cache: one owner at a time, the answer ends the claim, dead owners lose it."""

import os
import sqlite3
import subprocess
import sys
import time

from dsbuild.llm import claims as claims_module
from dsbuild.llm.cache import ResponseCache
from dsbuild.llm.claims import ANSWERED, MINE, THEIRS

LEASE = 60.0


def test_a_second_owner_waits_and_the_answer_ends_the_claim(tmp_path):
    path = tmp_path / "c.sqlite"
    with ResponseCache(path) as first, ResponseCache(path) as second:
        assert first.claims.claim("k", LEASE) == (MINE, None)
        assert second.claims.claim("k", LEASE) == (THEIRS, None)
        first.put("k", model="m", response={"output": {"a": 1}}, usage={"prompt_tokens": 3}, cost_usd=0.5, seconds=0)
        state, stored = second.claims.claim("k", LEASE)
        assert state == ANSWERED and stored == ('{"output": {"a": 1}}', 3, 0, 0.5)
        assert sqlite3.connect(path).execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def test_a_released_claim_can_be_taken_and_close_releases_what_is_held(tmp_path):
    path = tmp_path / "c.sqlite"
    with ResponseCache(path) as first, ResponseCache(path) as second:
        first.claims.claim("a", LEASE)
        first.claims.claim("b", LEASE)
        first.claims.release("a")
        assert second.claims.claim("a", LEASE) == (MINE, None)
        first.close()
        assert second.claims.claim("b", LEASE) == (MINE, None)


def test_the_claim_of_a_process_that_died_is_taken_over(tmp_path):
    path = tmp_path / "c.sqlite"
    code = ("import sys; from dsbuild.llm.cache import ResponseCache; c = ResponseCache(sys.argv[1]); "
            "c.claims.claim('k', 60); import os; os._exit(0)")  # exits without releasing, like kill -9
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, env={**os.environ})
    with ResponseCache(path) as cache:
        assert cache.claims.claim("k", LEASE) == (MINE, None)


def test_another_hosts_claim_holds_until_its_lease_runs_out(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    with ResponseCache(path) as cache:
        conn = sqlite3.connect(path)
        conn.execute("INSERT INTO claims VALUES ('k', 'other-host', 1, 'x', ?)", (time.time(),))
        conn.commit()
        assert cache.claims.claim("k", LEASE) == (THEIRS, None)
        conn.execute("UPDATE claims SET renewed_at = ?", (time.time() - 2 * LEASE,))
        conn.commit()
        assert cache.claims.claim("k", LEASE) == (MINE, None)
    assert claims_module.HOST != "other-host"


def test_an_off_cache_claims_nothing(tmp_path):
    with ResponseCache(None, "off") as cache:
        assert cache.claims.claim("k", LEASE) == (MINE, None)
        cache.claims.release("k")
