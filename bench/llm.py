"""Benchmark: the LLM path against a local OpenAI-compatible server (the test suite's fake one).

    python bench/llm.py                # appends a section to bench/RESULTS.md
    python bench/llm.py --rows 300     # a quick look, nothing written

The server (tests/llm_server.py) runs in a process of its own, as a real one would: it must not
share the client's interpreter lock.

1. Latency-bound: the server answers after a fixed 1 s; 2,000 rows at llm.concurrency=128, with
   llm.workers=auto (and =1 for comparison). Score = ideal time (rows x latency / concurrency) /
   measured time. Target >= 0.9. Also the same load through bare litellm loops in as many forked
   processes: the ceiling litellm itself sets on this machine.
2. Overhead: a zero-latency server; dsbuild's client (llm.workers=1) against a bare
   `litellm.acompletion` loop at the same concurrency, in the same run, alternated twice (best of
   each). Target: dsbuild rows/s >= 0.9 x the bare loop's. Also dsbuild with llm.workers=auto.
3. Rerun from cache: the complete_cot stage again over the same rows, every answer cached (prompt
   rendering, request hashing, cache lookup, fields). Best of 5 runs (the host's speed varies).
   Target >= 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-key")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import pyarrow as pa  # noqa: E402
from llm_server import FakeLLM  # noqa: E402
from pipeline import machine  # noqa: E402

from dsbuild.annotate.complete_cot import CompleteCot  # noqa: E402
from dsbuild.annotate.stage import run_task  # noqa: E402
from dsbuild.llm.cache import ResponseCache, request_keys  # noqa: E402
from dsbuild.llm.client import Call, LLMClient  # noqa: E402
from dsbuild.llm.settings import LLMSettings  # noqa: E402
from dsbuild.llm.structured import response_format  # noqa: E402
from dsbuild.llm.workers import workers  # noqa: E402

SCHEMA = {"cot": "string", "response": "string"}


def rows(n: int) -> pa.Table:
    return pa.table({"id": [f"r{i}" for i in range(n)],
                     "question": [f"My child has had a fever of 38.{i % 10} C for {i % 5 + 1} days, what now? ({i})"
                                  for i in range(n)],
                     "response": [f"Fluids, rest, paracetamol if needed; see a doctor if it lasts ({i})."
                                  for i in range(n)]})


def task() -> CompleteCot:
    return CompleteCot(template="complete_cot.en.j2", output_schema=SCHEMA, language="en")


def settings(base_url: str, concurrency: int, cache_path: Path | None, cache: str, workers="auto") -> LLMSettings:
    return LLMSettings(model="openai/test-model", api_base=base_url, concurrency=concurrency, workers=workers,
                       max_retries=0, timeout=60, cache=cache, cache_path=str(cache_path) if cache_path else None)


@contextmanager
def server_process(delay: float):
    """The test server's echo model in its own process; yields its base URL."""
    process = subprocess.Popen([sys.executable, str(HERE.parent / "tests" / "llm_server.py"), "--delay", str(delay)],
                               stdout=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait()


def latency_bound(n: int, concurrency: int, latency: float, workers) -> dict:
    with server_process(latency) as url, ResponseCache(None, "off") as cache:
        start = time.perf_counter()
        kept, _, _ = run_task(rows(n), task(), LLMClient(settings(url, concurrency, None, "off", workers), cache))
        seconds = time.perf_counter() - start
    ideal = n * latency / concurrency
    assert kept.num_rows == n
    return {"rows": n, "seconds": seconds, "ideal": ideal, "score": ideal / seconds}


def bare_ceiling(n: int, concurrency: int, latency: float, processes: int) -> dict:
    """The same load as latency_bound through bare `litellm.acompletion` loops in `processes` forked
    processes (each with its share of rows and concurrency): what litellm itself allows on this machine."""
    import multiprocessing

    def loop(share: list[dict], url: str) -> None:
        async def main() -> None:
            slots = asyncio.Semaphore(concurrency // processes)

            async def one(request: dict) -> None:
                async with slots:
                    await litellm.acompletion(**request, api_base=url, timeout=60, num_retries=0)

            await asyncio.gather(*(one(r) for r in share))

        asyncio.run(main())

    import litellm

    t = task()
    schema = response_format(t.schema, "json_schema")
    requests = [{"model": "openai/test-model", "messages": t.prompt.messages(t.context(r)), "response_format": schema}
                for r in rows(n).to_pylist()]
    with server_process(latency) as url:
        context = multiprocessing.get_context("fork")
        start = time.perf_counter()
        workers_ = [context.Process(target=loop, args=(requests[k::processes], url)) for k in range(processes)]
        for process in workers_:
            process.start()
        for process in workers_:
            process.join()
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "score": n * latency / concurrency / seconds}


def overhead(n: int, concurrency: int, rounds: int = 2) -> dict:
    """dsbuild (one process) and a bare litellm loop, alternated `rounds` times, best time of each (the
    host's speed drifts: alternating keeps one side from getting all the slow minutes); then llm.workers=auto."""
    import litellm

    litellm.suppress_debug_info = True
    t = task()
    calls = [Call(t.prompt.messages(t.context(r)), t.schema, t.check) for r in rows(n).to_pylist()]
    with server_process(0.0) as url, ResponseCache(None, "off") as cache:
        requests = [LLMClient(settings(url, concurrency, None, "off"), cache).request(c) for c in calls]

        def ours(workers) -> float:
            start = time.perf_counter()
            outcomes = LLMClient(settings(url, concurrency, None, "off", workers), cache).run(calls)
            assert all(o.output for o in outcomes)
            return time.perf_counter() - start

        async def bare() -> None:
            slots = asyncio.Semaphore(concurrency)

            async def one(request: dict) -> None:
                async with slots:
                    await litellm.acompletion(**{k: v for k, v in request.items() if v is not None},
                                              api_base=url, timeout=60, num_retries=0)

            await asyncio.gather(*(one(r) for r in requests))

        def theirs() -> float:
            start = time.perf_counter()
            asyncio.run(bare())
            return time.perf_counter() - start

        alone, loop = zip(*((ours(1), theirs()) for _ in range(rounds)))
        pooled = ours("auto")
    return {"rows": n, "dsbuild_rows_per_s": n / min(alone), "workers_rows_per_s": n / pooled,
            "litellm_rows_per_s": n / min(loop), "ratio": min(loop) / min(alone)}


def fill_cache(n: int, path: Path) -> None:
    """Store an answer for every call of the complete_cot stage over rows(n), as a first run would."""
    t = task()
    with ResponseCache(path, "use") as cache:
        client = LLMClient(settings("http://127.0.0.1:9", 64, path, "use"), cache)
        calls = [Call(t.prompt.messages(t.context(r)), t.schema_for_row(r), t.check) for r in rows(n).to_pylist()]
        formats: dict = {}
        for i, key in enumerate(request_keys([client.request(c, formats) for c in calls])):
            cache.put(key, model="openai/test-model", usage={"prompt_tokens": 200, "completion_tokens": 20},
                      response={"output": {"cot": f"reasoning {i}", "response": f"answer {i}"}, "reasoning": None},
                      cost_usd=0.0, seconds=1.0)


def cached_rerun(n: int, workdir: Path, repeats: int = 5) -> dict:
    """Run first in the process, as a real rerun would be: before anything imports litellm (a rerun
    answered from the cache never does, and its ~1M objects would slow every full garbage collection)."""
    path = workdir / "bench.sqlite"
    fill_cache(n, path)
    with FakeLLM() as server:
        runs = []
        for _ in range(repeats + 1):  # the first is untimed: it links the replay keys a real first run stores
            table, complete_cot = rows(n), task()  # timed: the stage alone, as in a build
            with ResponseCache(path, "use") as cache:
                start = time.perf_counter()
                kept, _, _ = run_task(table, complete_cot, LLMClient(settings(server.base_url, 64, path, "use"), cache))
                runs.append(time.perf_counter() - start)
            assert server.count == 0 and kept.num_rows == n
    assert "litellm" not in sys.modules
    runs = runs[1:]
    return {"rows": n, "rows_per_s": n / min(runs), "median_rows_per_s": n / sorted(runs)[len(runs) // 2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dsbuild-bench-llm-") as tmp:
        cache = cached_rerun(max(args.rows, 5_000), Path(tmp))
    start = time.perf_counter()
    import litellm  # noqa: F401  (a one-off cost per process, reported on its own, not inside the runs)

    import_seconds = time.perf_counter() - start
    lat = latency_bound(args.rows, 128, 1.0, "auto")
    lat1 = latency_bound(args.rows, 128, 1.0, 1)
    ceiling = bare_ceiling(args.rows, 128, 1.0, workers("auto", 128))
    ovh = overhead(args.rows, 128)
    text = "\n".join([
        f"## llm: {date.today().isoformat()}", "",
        f"Machine: {machine()}. Command: `python bench/llm.py` (server: tests/llm_server.py on 127.0.0.1, "
        "in its own process).", "",
        "| scenario | measured | target |", "|---|---|---|",
        f"| {lat['rows']:,} rows, 1 s latency, concurrency 128, llm.workers=auto ({workers('auto', 128)}) | "
        f"{lat['seconds']:.1f} s vs ideal {lat['ideal']:.1f} s: **{lat['score']:.2f}** of ideal | >= 0.9 |",
        f"| the same, llm.workers=1 | {lat1['seconds']:.1f} s: {lat1['score']:.2f} of ideal | |",
        f"| the same load through bare litellm.acompletion loops in {workers('auto', 128)} processes (no dsbuild) | "
        f"{ceiling['seconds']:.1f} s: {ceiling['score']:.2f} of ideal | |",
        f"| {ovh['rows']:,} rows, zero latency, concurrency 128, best of 2 alternated | dsbuild (1 process) "
        f"{ovh['dsbuild_rows_per_s']:,.0f} rows/s, bare litellm loop {ovh['litellm_rows_per_s']:,.0f} rows/s: "
        f"**{ovh['ratio']:.2f}x** | >= 0.9x |",
        f"| the same, llm.workers=auto | {ovh['workers_rows_per_s']:,.0f} rows/s | |",
        f"| rerun of complete_cot from cache, {cache['rows']:,} rows | **{cache['rows_per_s']:,.0f} rows/s** best of 5 "
        f"(median {cache['median_rows_per_s']:,.0f}) | >= 20,000 rows/s |", "",
        f"Importing litellm took {import_seconds:.1f} s in this process (paid once per build, only by builds "
        "that call an LLM; not counted above).", ""])
    print(text)
    if args.rows == parser.get_default("rows"):
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
