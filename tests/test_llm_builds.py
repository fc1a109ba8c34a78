"""LLM builds a user can trust, from the command line, against the suite's OpenAI-compatible server.

Preflight (no key, no server, a refused key, an unknown model), no mostly-failed versions, versions that
pin their answers and reruns that heal them, one budget for the build, no call paid twice by processes
sharing a cache, cut-off answers, interrupts, a full or read-only cache disk, and secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO
from llm_server import Reply, default_handler, last_user_text

MODEL = "openai/test-model"


def cot_args(server, tmp_path, *extra):
    """experiment=medical_cot without its judge, against `server`, with its cache under tmp_path."""
    return ["experiment=medical_cot", "~tasks.judge", "llm=openai_compatible", f"llm.api_base={server.base_url}",
            f"llm.model={MODEL}", f"llm.cache_path={tmp_path / 'llm.sqlite'}", "llm.max_retries=0", "llm.timeout=10",
            *extra]


def versions(tmp_path, name="medical_cot") -> list[Path]:
    folder = tmp_path / "datasets" / name
    return sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file()) if folder.is_dir() else []


def manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def unlucky(request: dict, every: int = 25) -> bool:
    """True for the rows a flaky server fails (by a hash of the prompt: the same rows every time)."""
    return int(hashlib.sha256(last_user_text(request).encode()).hexdigest(), 16) % every == 0


# ---------------------------------------------------------------------------------------------- preflight


@pytest.mark.slow
@pytest.mark.parametrize("backend,variable", [("openai", "OPENAI_API_KEY"), ("deepseek", "DEEPSEEK_API_KEY")])
def test_a_missing_key_ends_the_build_at_once_naming_the_variable(run_cli, tmp_path, backend, variable):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    started = time.monotonic()
    result = run_cli("experiment=medical_cot", f"llm={backend}", f"llm.cache_path={tmp_path / 'c.sqlite'}", env=env,
                     clear_env=True)
    assert result.returncode == 2
    assert variable in one_line_error(result) and "llm.api_key_env" in result.stderr
    assert time.monotonic() - started < 30 and not versions(tmp_path)


@pytest.mark.slow
def test_a_server_that_is_down_ends_the_build_within_the_timeout(run_cli, tmp_path, llm_server):
    llm_server.stop()
    started = time.monotonic()
    result = run_cli(*cot_args(llm_server, tmp_path, "llm.timeout=5"))
    assert result.returncode == 2
    assert "nothing answers at llm.api_base=" in one_line_error(result)
    assert time.monotonic() - started < 5 + 20 and not versions(tmp_path)


@pytest.mark.slow
def test_a_refused_key_and_an_unknown_model_end_the_build_after_one_probe(run_cli, tmp_path, llm_server):
    llm_server.require_key = "sk-the-right-one"
    result = run_cli(*cot_args(llm_server, tmp_path), env={"OPENAI_API_KEY": "sk-a-wrong-one"})
    assert result.returncode == 2 and "refused the key" in one_line_error(result) and "OPENAI_API_KEY" in result.stderr
    assert llm_server.count == 1 and not versions(tmp_path)  # the probe, and no row

    llm_server.require_key, llm_server.answer_probes = None, False
    llm_server.queue(Reply(status=404))
    result = run_cli(*cot_args(llm_server, tmp_path))
    assert result.returncode == 2 and f"has no model '{MODEL}'" in one_line_error(result)
    assert llm_server.count == 2 and not versions(tmp_path)


@pytest.mark.slow
def test_a_server_that_does_not_answer_ends_the_build_after_llm_timeout(run_cli, tmp_path, llm_server):
    llm_server.answer_probes = False
    llm_server.queue(Reply(content="too late", delay=30))
    started = time.monotonic()
    result = run_cli(*cot_args(llm_server, tmp_path, "llm.timeout=2"))
    assert result.returncode == 2 and "did not answer within llm.timeout=2 s" in one_line_error(result)
    # under 30 s, the reply's delay: the timeout ended it (the margin is Python's and litellm's start-up on a
    # loaded 2-core machine, which alone can take 15 s)
    assert time.monotonic() - started < 2 + 25 and llm_server.count == 1 and not versions(tmp_path)


@pytest.mark.slow
def test_a_local_server_needs_no_key_and_preflight_can_be_skipped(run_cli, tmp_path, llm_server):
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    result = run_cli(*cot_args(llm_server, tmp_path, "llm.preflight=false"), env=env, clear_env=True)
    assert result.returncode == 0, result.stderr
    assert llm_server.probes == 0 and llm_server.calls == manifest(versions(tmp_path)[0])["llm"]["complete_cot"]["sent"]
    assert {h.get("Authorization") for h in llm_server.request_headers} == {"Bearer EMPTY"}


# ------------------------------------------------------------------------------ failures and what a version pins


def test_a_mostly_failed_task_publishes_nothing_and_counts_the_reasons(run_cli, tmp_path, llm_server):
    llm_server.set_handler(lambda request: Reply(status=503) if unlucky(request, 3) else default_handler(request))
    result = run_cli(*cot_args(llm_server, tmp_path))
    assert result.returncode == 2
    line = one_line_error(result)
    assert "complete_cot:" in line and "over llm.max_failed_share=0.1; nothing was published" in line
    assert "x ServiceUnavailableError 503" in line and not versions(tmp_path)
    assert llm_server.calls < 120  # sending stopped once the task could no longer pass (159 rows)


@pytest.mark.slow
def test_a_rebuild_replays_failures_and_a_rerun_heals_them_into_a_new_version(run_cli, tmp_path, llm_server):
    state = {"flaky": True}
    llm_server.set_handler(lambda request: Reply(status=500) if state["flaky"] and unlucky(request)
                           else default_handler(request))
    first = run_cli(*cot_args(llm_server, tmp_path))
    assert first.returncode == 0, first.stderr
    [built] = versions(tmp_path)
    failed = [json.loads(line) for line in (built / "llm_failures.jsonl").read_text().splitlines()]
    assert 0 < len(failed) < 16 and all("InternalServerError 500" in f["error"] for f in failed)
    assert manifest(built)["llm_calls"]["complete_cot"]["failed"] == len(failed)
    card = (built / "README.md").read_text(encoding="utf-8")
    assert "## LLM calls" in card and f"| complete_cot | 159 | {159 - len(failed)} | {len(failed)} |" in card
    assert "LLM calls" in first.stdout and "InternalServerError 500" in first.stdout, first.stdout  # the table

    state["flaky"] = False  # the server is healthy now: a rebuild still sends nothing and gives the same bytes
    sent = llm_server.count
    rebuilt = run_cli("rebuild", str(built))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert rebuilt.stdout.splitlines()[-1].startswith("byte-identical") and llm_server.count == sent

    calls, probes = llm_server.calls, llm_server.probes
    healed = run_cli(*cot_args(llm_server, tmp_path))
    assert healed.returncode == 0, healed.stderr
    assert llm_server.calls == calls + len(failed) and llm_server.probes == probes + 1  # exactly the failed ones
    assert f"retried the {len(failed)} failed LLM call(s) of {built.name}" in healed.stdout
    [new] = [p for p in versions(tmp_path) if p != built]
    assert manifest(new)["supersedes"] == built.name and not (new / "llm_failures.jsonl").exists()
    assert manifest(new)["recipe_id"] == manifest(built)["recipe_id"]

    sent = llm_server.count
    again = run_cli(*cot_args(llm_server, tmp_path))
    assert again.returncode == 0 and f"dataset version already exists: {new}" in again.stdout
    assert llm_server.count == sent  # at once: no call, no probe


# ------------------------------------------------------------------------------------------- budget and cost


@pytest.mark.slow
def test_one_budget_covers_every_task_and_a_rerun_pays_only_for_the_rest(run_cli, tmp_path, llm_server):
    llm_server.set_handler(lambda request: Reply(content=default_handler(request).content, prompt_tokens=1000,
                                                 completion_tokens=1000))
    per_call = 1000 * 0.15e-6 + 1000 * 0.6e-6  # gpt-4o-mini in litellm's price table
    args = [a for a in cot_args(llm_server, tmp_path, "llm.model=openai/gpt-4o-mini") if a != "~tasks.judge"]
    stopped = run_cli(*args, "llm.max_cost_usd=0.15", "llm.concurrency=4")
    assert stopped.returncode == 2 and "llm.max_cost_usd=0.15 reached" in one_line_error(stopped)
    paid = llm_server.calls
    assert 159 < paid and paid * per_call <= 0.15 + 4 * per_call  # into the judge, and no further than in flight
    finished = run_cli(*args, "llm.max_cost_usd=10")
    assert finished.returncode == 0, finished.stderr
    assert llm_server.calls == 2 * 159  # every paid answer replayed; only the rest was sent


# --------------------------------------------------------------------------------------- one cache, no double pay


@pytest.mark.slow
def test_two_builds_sharing_a_cache_at_once_send_each_call_once(tmp_path, llm_server):
    llm_server.set_handler(lambda request: Reply(content=default_handler(request).content, delay=0.02))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-m", "dsbuild.cli", *cot_args(llm_server, tmp_path),
                               f"hydra.run.dir={tmp_path / f'run{i}'}", f"output_dir={tmp_path / f'out{i}'}"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert llm_server.calls == 159  # the unique calls, however the two builds raced for them
    built = [manifest(next((tmp_path / f"out{i}" / "medical_cot").iterdir())) for i in range(2)]
    assert built[0]["version_id"] == built[1]["version_id"]
    usage = [m["llm"]["complete_cot"] for m in built]
    assert sum(u["sent"] for u in usage) == 159 and all(u["failed"] == 0 for u in usage)


@pytest.mark.slow
def test_a_parallel_sweep_over_split_seeds_sends_each_unique_call_once(run_cli, tmp_path, llm_server):
    result = run_cli("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=4", "split.seed=1,2,3,4",
                     *cot_args(llm_server, tmp_path), f"hydra.sweep.dir={tmp_path / 'sweep'}", timeout=600)
    assert result.returncode == 0, result.stderr
    assert llm_server.calls == 159  # four jobs asking the same calls
    summary = json.loads((tmp_path / "sweep" / "sweep_summary.json").read_text())
    assert len(summary) == 4 and sum(job["llm_calls_sent"] for job in summary) == 159


# --------------------------------------------------------------------------------------------- cut-off answers


@pytest.mark.slow
def test_cut_off_answers_get_one_retry_with_twice_the_tokens_or_are_rejected(run_cli, tmp_path, llm_server):
    def truncating(request):
        if unlucky(request, 5) and request["max_tokens"] < 4096:
            return Reply(content='{"cot": "half', finish_reason="length", completion_tokens=request["max_tokens"])
        return default_handler(request)

    llm_server.set_handler(truncating)
    retried = run_cli(*cot_args(llm_server, tmp_path, "format=jsonl"))
    assert retried.returncode == 0, retried.stderr
    [built] = versions(tmp_path)
    assert manifest(built)["llm_calls"]["complete_cot"]["failed"] == 0
    assert sorted({r["max_tokens"] for r in llm_server.call_requests}) == [2048, 4096]

    rejected = run_cli(*cot_args(llm_server, tmp_path, "format=jsonl", "llm.on_length=reject",
                                 "llm.max_failed_share=0.5", f"llm.cache_path={tmp_path / 'other.sqlite'}"))
    assert rejected.returncode == 0, rejected.stderr
    [other] = [p for p in versions(tmp_path) if p != built]
    reasons = [json.loads(line)["_reason"] for line in (other / "rejects.jsonl").read_text().splitlines()]
    cut = [r for r in reasons if "cut off" in r]
    assert cut and all("output cut off at 2048 tokens (finish_reason=length, max_tokens=2048)" in r for r in cut)


# ------------------------------------------------------------------------------------------ interrupts and faults


def _started(args, tmp_path, server, until: int):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "dsbuild.cli", *args, f"hydra.run.dir={tmp_path / 'run'}",
                             f"output_dir={tmp_path / 'datasets'}"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while server.calls < until and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_is_one_line_exit_130_and_the_rerun_resumes(tmp_path, llm_server, signum):
    llm_server.set_handler(lambda request: Reply(content=default_handler(request).content, delay=0.05))
    args = cot_args(llm_server, tmp_path, "llm.concurrency=2")
    proc = _started(args, tmp_path, llm_server, until=20)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    saved = int(lines[0].split("interrupted: ")[1].split()[0])
    assert saved >= 15 and lines[0].endswith("saved; run the same command to resume")
    assert not versions(tmp_path)


def _workers_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` or that are dsbuild LLM workers once forked by it."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        cmdline = (status.parent / "cmdline").read_bytes() if (status.parent / "cmdline").exists() else b""
        if fields.get("PPid", "").strip() == str(pid) or (b"dsbuild.cli" in cmdline and int(status.parent.name) != pid
                                                          and fields.get("PPid", "").strip() == "1"):
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
def test_worker_processes_end_with_a_build_killed_with_sigkill(tmp_path, llm_server):
    llm_server.set_handler(lambda request: Reply(content=default_handler(request).content, delay=0.2))
    proc = _started(cot_args(llm_server, tmp_path, "llm.workers=2", "llm.concurrency=8"), tmp_path, llm_server,
                    until=10)
    children = _workers_of(proc.pid)
    assert len(children) >= 2, "the build forked no worker processes"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
        time.sleep(0.1)
    alive = [c for c in children if Path(f"/proc/{c}").exists()
             and "zombie" not in Path(f"/proc/{c}/status").read_text().lower()]
    assert not alive, f"worker processes left running: {alive}"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (needs root and mount); skipped where it cannot be made."""
    where = tmp_path / "small"
    where.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.decode().strip()}); needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.slow
def test_a_full_or_read_only_cache_disk_is_one_line_exit_2(run_cli, tmp_path, llm_server, small_disk):
    (small_disk / "filler").write_bytes(b"\0" * (1024 * 1024 - 96 * 1024))  # leave about 96 KiB
    full = run_cli(*cot_args(llm_server, tmp_path, f"llm.cache_path={small_disk / 'llm.sqlite'}"))
    assert full.returncode == 2
    line = one_line_error(full)
    assert "llm cache" in line and "full" in line and "run the same command to resume" in line
    assert not versions(tmp_path)

    (small_disk / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    read_only = run_cli(*cot_args(llm_server, tmp_path, f"llm.cache_path={small_disk / 'llm.sqlite'}"))
    assert read_only.returncode == 2 and "llm cache" in one_line_error(read_only) and not versions(tmp_path)


# ------------------------------------------------------------------------------------------------------- secrets


@pytest.mark.slow
def test_every_call_failing_under_max_failed_share_1_publishes_no_empty_version(run_cli, tmp_path, llm_server):
    llm_server.set_handler(lambda request: Reply(status=503))
    result = run_cli(*cot_args(llm_server, tmp_path, "llm.preflight=false", "llm.max_failed_share=1"))
    line = one_line_error(result)
    assert result.returncode == 2 and "rows rejected, most at annotate:complete_cot" in line, line
    assert "503" in line and not versions(tmp_path)


@pytest.mark.slow
def test_credentials_in_a_url_are_masked_in_every_file_and_message(run_cli, tmp_path, llm_server):
    token = "TOPSECRET-4711"
    url = llm_server.base_url.replace("http://", f"http://user:{token}@")
    result = run_cli(*cot_args(llm_server, tmp_path, f"llm.api_base={url}", "llm.preflight=false",
                               "llm.max_failed_share=1", "allow_empty=true"))  # every call fails: 0 rows
    assert token not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".sqlite" and path.stat().st_size < 50_000_000:
            assert token.encode() not in path.read_bytes(), path
    assert "user:" not in (tmp_path / "run" / ".hydra" / "overrides.yaml").read_text()
    [built] = versions(tmp_path)
    rebuilt = run_cli("rebuild", str(built))  # from the masked overrides: the URL is where, not what
    assert rebuilt.returncode == 0 and rebuilt.stdout.splitlines()[-1].startswith("byte-identical"), rebuilt.stdout


@pytest.mark.slow
def test_a_secret_in_a_config_file_is_refused_and_masked_in_what_hydra_saved(run_cli, tmp_path):
    mine = tmp_path / "myconf" / "llm"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text("model: openai/gpt-4o-mini\napi_key: sk-from-a-yaml-file\n", encoding="utf-8")
    result = run_cli("--config-dir", str(tmp_path / "myconf"), "experiment=medical_cot", "llm=mine",
                     "llm.api_key_required=false")  # a setting about the key, not a key: accepted
    assert result.returncode == 2
    assert "llm.api_key holds a secret; a secret never goes in a config" in one_line_error(result)
    for path in tmp_path.rglob("*.yaml"):
        if "myconf" not in path.parts:
            assert "sk-from-a-yaml-file" not in path.read_text(encoding="utf-8"), path


def test_an_override_setting_a_secret_is_refused_before_hydra_writes_anything(run_cli, tmp_path):
    result = run_cli("+llm.api_key=sk-never-written", "llm=openai")
    assert result.returncode == 2
    assert "llm.api_key: a secret never goes on the command line" in one_line_error(result)
    assert "sk-never-written" not in result.stderr and not (tmp_path / "run").exists()
