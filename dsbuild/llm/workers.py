"""Worker processes for litellm round trips, so one build can use more than one core for its calls.

litellm spends ~10 ms of CPU on every call (request building, pricing, logging objects). One event
loop therefore tops out near 100 calls/s, whatever `llm.concurrency` says: a fast local server (vLLM
at high concurrency) waits on the client. `WorkerPool` forks N processes (litellm is already imported,
so they start in milliseconds); each runs its own event loop and does nothing but `round_trip`.
The build's process keeps all the policy: the one concurrency limit and rate limiter, retries,
repairs, the response cache and the budget. Requests go to the worker with the fewest in flight.

Forking needs the `fork` start method (Linux); elsewhere `workers()` answers 1 and calls stay in-process.
A worker ends with the build's process however that ends (kill -9 included): the kernel signals it when
its parent dies (Linux), and a watchdog thread checks for a new parent every second as well.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass

from ..errors import UserError
from .roundtrip import Answer, round_trip

PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
CALLS_PER_WORKER = 64  # in-flight calls one event loop serves before its CPU, not the server, is the limit


def workers(setting: int | str, concurrency: int) -> int:
    """How many processes `llm.workers` asks for: a number, or `auto` (one per CALLS_PER_WORKER calls in
    flight, at most one per CPU). 1 where fork is not available."""
    if setting != "auto" and (isinstance(setting, bool) or not isinstance(setting, int) or setting < 1):
        raise UserError(f"llm.workers={setting!r}: give a number of processes (1 or more) or auto")
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if setting == "auto":
        return max(1, min(os.cpu_count() or 1, math.ceil(concurrency / CALLS_PER_WORKER)))
    return setting


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    requests: multiprocessing.queues.Queue
    in_flight: int = 0


class WorkerPool:
    """`start()`, then `await round_trip(kwargs)` from one event loop, then `close()`."""

    def __init__(self, size: int):
        self.size = size
        self._workers: list[_Worker] = []
        self._results = None
        self._reader: threading.Thread | None = None
        self._waiting: dict[int, asyncio.Future] = {}
        self._ids = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> WorkerPool:
        context = multiprocessing.get_context("fork")
        self._results = context.Queue()
        with warnings.catch_warnings():  # Python 3.12+ warns about fork() beside threads; workers use none of theirs
            warnings.simplefilter("ignore", DeprecationWarning)
            for _ in range(self.size):
                requests = context.Queue()
                process = context.Process(target=_serve, args=(requests, self._results, os.getpid()), daemon=True,
                                          name="dsbuild-llm-worker")
                process.start()
                self._workers.append(_Worker(process, requests))
        self._reader = threading.Thread(target=self._read, name="dsbuild-llm-results", daemon=True)
        self._reader.start()
        return self

    async def round_trip(self, kwargs: dict) -> Answer:
        """Like roundtrip.round_trip, on the least busy worker."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        job = next(self._ids)
        future = loop.create_future()
        self._waiting[job] = future
        worker = min(self._workers, key=lambda w: w.in_flight)
        worker.in_flight += 1
        worker.requests.put((job, kwargs))
        try:
            kind, value = await future
        finally:
            worker.in_flight -= 1
            self._waiting.pop(job, None)
        if kind == "crashed":
            raise RuntimeError(f"an LLM worker process failed:\n{value}")
        return value

    def close(self) -> None:
        """Stop the workers: politely when nothing is in flight, else at once (e.g. the budget was reached)."""
        busy = any(w.in_flight for w in self._workers)
        for worker in self._workers:
            if busy:
                worker.process.terminate()
            else:
                worker.requests.put(None)
        for worker in self._workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
            worker.requests.close()
            worker.requests.cancel_join_thread()
        if self._results is not None:
            self._results.put(None)  # wakes the reader thread
            self._reader.join(timeout=10)
            self._results.close()
            self._results.cancel_join_thread()
        self._workers = []

    def _read(self) -> None:
        while True:
            item = self._results.get()
            if item is None:
                return
            job, kind, value = item
            future = self._waiting.get(job)
            if future is not None and self._loop is not None:
                self._loop.call_soon_threadsafe(_settle, future, (kind, value))


def _settle(future: asyncio.Future, result: tuple) -> None:
    if not future.done():  # a cancelled caller (budget stop) no longer wants it
        future.set_result(result)


def _serve(requests, results, parent: int) -> None:
    """A worker process: answer (job, kwargs) requests concurrently until None arrives, or the parent is gone."""
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - a forked child must not share the parent's
    _die_with(parent)
    asyncio.run(_answer_all(requests, results))


def _die_with(parent: int) -> None:
    """End this process when `parent` ends: PR_SET_PDEATHSIG where the kernel has it, and a watchdog."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="dsbuild-parent-watch", daemon=True).start()


async def _answer_all(requests, results) -> None:
    loop = asyncio.get_running_loop()
    incoming: asyncio.Queue = asyncio.Queue()

    def pump() -> None:  # the multiprocessing queue blocks; a thread hands its items to the event loop
        while True:
            item = requests.get()
            loop.call_soon_threadsafe(incoming.put_nowait, item)
            if item is None:
                return

    threading.Thread(target=pump, daemon=True).start()
    running: set[asyncio.Task] = set()
    while (item := await incoming.get()) is not None:
        task = asyncio.create_task(_answer(*item, results))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)


async def _answer(job: int, kwargs: dict, results) -> None:
    try:
        results.put((job, "ok", await round_trip(kwargs)))
    except Exception:  # a bug, not an API error: the build's process raises it
        results.put((job, "crashed", traceback.format_exc()))
