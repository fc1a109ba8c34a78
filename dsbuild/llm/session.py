"""One build's LLM backend: its settings, one open response cache, one budget, one ledger, one preflight.

Every part of a build that calls the LLM (each task, the judge, repairs, back-translation) gets its
client from the session, so they share the budget (`llm.max_cost_usd` caps the build, not a task),
the ledger the version id is made from, the executor's pool of senders, and a preflight that runs
once, before the first call that is actually sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..errors import UserError
from .cache import ResponseCache
from .client import LLMClient, RunStats
from .ledger import Budget, Failure, Ledger
from .preflight import preflight
from .settings import LLMSettings


class LLMSession:
    """`client(name)` for each task; `usage` for the manifest; `close()` at the end of the build."""

    def __init__(self, settings: LLMSettings, pool_factory: Callable[[LLMSettings], object] | None = None,
                 pinned: Mapping[str, Failure] | None = None, offline: bool = False):
        """`pool_factory(settings)`: the executor's sender pool (None: the clients send from here);
        `pinned` and `offline`: a rebuild's failures to replay, and no call sent at all."""
        self.settings = settings
        self.cache = ResponseCache(settings.cache_path, settings.cache)
        self.budget = Budget(settings.max_cost_usd)
        self.ledger = Ledger(pinned, offline)
        self._pool_factory = pool_factory
        self._pool = None
        self._checked = False
        self.usage: dict[str, dict] = {}  # per task: the client's counts, for the manifest, card and table

    def client(self, name: str) -> LLMClient:
        """A client for one task (its own counts; the session's budget, ledger, cache and preflight)."""
        if self._pool is None and self._pool_factory is not None:
            self._pool = self._pool_factory(self.settings)
        return LLMClient(self.settings, self.cache, pool=self._pool, name=name, budget=self.budget,
                         ledger=self.ledger, before_send=self._preflight)

    async def _preflight(self, send, api_key: str | None) -> None:
        if not self._checked and self.settings.preflight:
            await preflight(self.settings, api_key, send)
        self._checked = True

    def record(self, name: str, stats: RunStats) -> None:
        """Keep a task's counts (added to what an earlier client of the same name reported)."""
        entry = self.usage.setdefault(name, {"model": self.settings.model})
        for key, value in vars(stats).items():
            if isinstance(value, dict):
                merged = entry.setdefault(key, {})
                for reason, n in value.items():
                    merged[reason] = merged.get(reason, 0) + n
            elif isinstance(value, bool):
                entry[key] = entry.get(key, False) or value
            else:
                entry[key] = entry.get(key, 0) + value
        entry["cache"] = {k: v for k, v in self.cache.stats.items() if k in ("path", "mode")}

    @property
    def answers_saved(self) -> int:
        """Answers this build stored in the cache (they replay free on the next run)."""
        return self.cache.writes

    def close(self) -> None:
        self.cache.close()


def check_failures(name: str, stats: RunStats, settings: LLMSettings, calls: int) -> None:
    """Raise a UserError when more than llm.max_failed_share of a task's calls failed (or any, with
    llm.require_all): nothing is published, and what failed is counted by reason."""
    allowed = 0 if settings.require_all else settings.max_failed_share * calls
    if stats.failed == 0 or stats.failed <= allowed:
        return
    share = f"over llm.max_failed_share={settings.max_failed_share:g}"
    setting = "llm.require_all is set" if settings.require_all else share
    stopped = " (the rest were not sent)" if stats.failures_stopped else ""
    raise UserError(
        f"{name}: {stats.failed} of {calls} LLM calls failed{stopped}, {setting}; nothing was published "
        f"(answers that arrived are in the cache). Reasons: {stats.top_reasons()}"
    )


def failure_limit(settings: LLMSettings, calls: int) -> int:
    """The most failures a task of `calls` calls may have before its build cannot pass (sending stops there)."""
    return 0 if settings.require_all else int(settings.max_failed_share * calls)


def budget_reached(stats: RunStats, budget: Budget) -> UserError:
    """The error a build ends with when the budget stopped it."""
    return UserError(
        f"llm.max_cost_usd={budget.cap} reached (${budget.spent:.4f} spent by this build, {stats.sent} paid calls "
        "in this step); their answers are in the cache: raise llm.max_cost_usd and rerun to resume"
    )
