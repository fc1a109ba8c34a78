"""LLM round trips on a Ray cluster: a bounded pool of async actors, each sending the calls it is given.

The build's process keeps the policy, as with `llm.workers` processes: the one concurrency limit, the
rpm/tpm rate limiter, retries, repairs, the budget and the response cache (a sqlite file the actors
never touch). An actor only runs `roundtrip.round_trip`, so `llm.concurrency` and `llm.rpm` hold for the
whole run however many actors there are, and answers are the same as without Ray.
"""

from __future__ import annotations

import math
import os

from ..llm.roundtrip import Answer, round_trip
from ..llm.workers import CALLS_PER_WORKER

FORWARDED_ENV = ("LITELLM_LOCAL_MODEL_COST_MAP",)  # settings litellm reads at import, passed to the actors


class _Caller:
    """An async actor: answers round trips concurrently (up to CALLS_PER_WORKER at once)."""

    async def round_trip(self, kwargs: dict) -> Answer:
        return await round_trip(kwargs)


def actors_for(concurrency: int, limit: int | None = None) -> int:
    """One actor per CALLS_PER_WORKER calls in flight (at least one, at most `limit`)."""
    wanted = max(1, math.ceil(concurrency / CALLS_PER_WORKER))
    return wanted if limit is None else max(1, min(wanted, limit))


class RayCallPool:
    """`start()`, then `await round_trip(kwargs)` from one event loop, then `close()` (WorkerPool's interface)."""

    def __init__(self, size: int):
        self.size = size
        self._actors: list = []
        self._in_flight: list[int] = []

    def start(self) -> RayCallPool:
        import ray

        env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
        remote = ray.remote(_Caller).options(max_concurrency=CALLS_PER_WORKER, num_cpus=0,
                                             runtime_env={"env_vars": env} if env else None)
        self._actors = [remote.remote() for _ in range(self.size)]
        self._in_flight = [0] * self.size
        return self

    async def round_trip(self, kwargs: dict) -> Answer:
        """Like roundtrip.round_trip, on the actor with the fewest calls in flight."""
        index = min(range(len(self._actors)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            return await self._actors[index].round_trip.remote(kwargs)
        finally:
            self._in_flight[index] -= 1

    def close(self) -> None:
        import ray

        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._in_flight = [], []
