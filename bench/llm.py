"""Benchmark: the LLM path against a local OpenAI-compatible server (the test suite's fake one).

    python bench/llm.py                # appends a section to bench/RESULTS.md
    python bench/llm.py --rows 300     # a quick look, nothing written

1. Latency-bound: the server answers after a fixed 1 s; 2,000 rows at llm.concurrency=128. Score =
   ideal time (rows x latency / concurrency) / measured time. Target >= 0.9.
2. Overhead: a zero-latency server; dsbuild's client against a bare `litellm.acompletion` loop at the
   same concurrency, in the same run. Target: dsbuild rows/s >= 0.9 x the bare loop's.
3. Rerun from cache: the complete_cot stage again over the same rows, every answer cached (prompt
   rendering, request hashing, cache lookup, fields). Target >= 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-key")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import pyarrow as pa  # noqa: E402
from llm_server import FakeLLM, Reply, default_handler  # noqa: E402
from pipeline import machine  # noqa: E402

from dsbuild.annotate.complete_cot import CompleteCot  # noqa: E402
from dsbuild.annotate.stage import run_task  # noqa: E402
from dsbuild.llm.cache import ResponseCache  # noqa: E402
from dsbuild.llm.client import Call, LLMClient, LLMSettings  # noqa: E402

SCHEMA = {"cot": "string", "response": "string"}


def rows(n: int) -> pa.Table:
    return pa.table({"id": [f"r{i}" for i in range(n)],
                     "question": [f"My child has had a fever of 38.{i % 10} C for {i % 5 + 1} days, what now? ({i})"
                                  for i in range(n)],
                     "response": [f"Fluids, rest, paracetamol if needed; see a doctor if it lasts ({i})."
                                  for i in range(n)]})


def task() -> CompleteCot:
    return CompleteCot(template="complete_cot.en.j2", output_schema=SCHEMA, language="en")


def settings(server: FakeLLM, concurrency: int, cache_path: Path | None, cache: str) -> LLMSettings:
    return LLMSettings(model="openai/test-model", api_base=server.base_url, concurrency=concurrency, max_retries=0,
                       timeout=60, cache=cache, cache_path=str(cache_path) if cache_path else None)


def latency_bound(n: int, concurrency: int, latency: float) -> dict:
    with FakeLLM(lambda r: Reply(content=default_handler(r).content, delay=latency)) as server:
        with ResponseCache(None, "off") as cache:
            start = time.perf_counter()
            kept, _, _ = run_task(rows(n), task(), LLMClient(settings(server, concurrency, None, "off"), cache))
            seconds = time.perf_counter() - start
    ideal = n * latency / concurrency
    return {"rows": n, "seconds": seconds, "ideal": ideal, "score": ideal / seconds, "kept": kept.num_rows}


def overhead(n: int, concurrency: int) -> dict:
    import litellm

    litellm.suppress_debug_info = True
    t = task()
    table = rows(n).to_pylist()
    calls = [Call(t.prompt.messages(t.context(r)), t.schema, t.check) for r in table]
    with FakeLLM() as server:
        with ResponseCache(None, "off") as cache:
            client = LLMClient(settings(server, concurrency, None, "off"), cache)
            start = time.perf_counter()
            outcomes = client.run(calls)
            ours = time.perf_counter() - start
            requests = [client.request(c) for c in calls]

        async def bare() -> None:
            slots = asyncio.Semaphore(concurrency)

            async def one(request: dict) -> None:
                async with slots:
                    await litellm.acompletion(**{k: v for k, v in request.items() if v is not None},
                                              api_base=server.base_url, timeout=60, num_retries=0)

            await asyncio.gather(*(one(r) for r in requests))

        start = time.perf_counter()
        asyncio.run(bare())
        theirs = time.perf_counter() - start
    assert all(o.output for o in outcomes)
    return {"rows": n, "dsbuild_rows_per_s": n / ours, "litellm_rows_per_s": n / theirs, "ratio": theirs / ours}


def cached_rerun(n: int, workdir: Path) -> dict:
    path = workdir / "bench.sqlite"
    with FakeLLM() as server:
        with ResponseCache(path, "use") as cache:
            run_task(rows(n), task(), LLMClient(settings(server, 64, path, "use"), cache))
        sent = server.count
        with ResponseCache(path, "use") as cache:
            start = time.perf_counter()
            kept, _, _ = run_task(rows(n), task(), LLMClient(settings(server, 64, path, "use"), cache))
            seconds = time.perf_counter() - start
        assert server.count == sent and kept.num_rows == n
    return {"rows": n, "seconds": seconds, "rows_per_s": n / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    start = time.perf_counter()
    import litellm  # noqa: F401  (a one-off cost per process, reported on its own, not inside the runs)

    import_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="dsbuild-bench-llm-") as tmp:
        lat = latency_bound(args.rows, 128, 1.0)
        ovh = overhead(args.rows, 128)
        cache = cached_rerun(max(args.rows, 5_000), Path(tmp))
    text = "\n".join([
        f"## llm: {date.today().isoformat()}", "",
        f"Machine: {machine()}. Command: `python bench/llm.py` (server: tests/llm_server.py on 127.0.0.1).", "",
        "| scenario | measured | target |", "|---|---|---|",
        f"| {lat['rows']:,} rows, 1 s latency, concurrency 128 | {lat['seconds']:.1f} s vs ideal {lat['ideal']:.1f} s: "
        f"**{lat['score']:.2f}** of ideal | >= 0.9 |",
        f"| {ovh['rows']:,} rows, zero latency, concurrency 128 | dsbuild {ovh['dsbuild_rows_per_s']:,.0f} rows/s, "
        f"bare litellm loop {ovh['litellm_rows_per_s']:,.0f} rows/s: **{ovh['ratio']:.2f}x** | >= 0.9x |",
        f"| rerun of complete_cot from cache, {cache['rows']:,} rows | **{cache['rows_per_s']:,.0f} rows/s** "
        f"| >= 20,000 rows/s |", "",
        f"Importing litellm took {import_seconds:.1f} s in this process (paid once per build, only by builds "
        "that call an LLM; not counted above).", ""])
    print(text)
    if args.rows == parser.get_default("rows"):
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
