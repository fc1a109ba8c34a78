"""What one build's LLM calls came to: one budget for all of them, and the record a version pins.

`Budget`: `llm.max_cost_usd` caps the whole build, every task, repair, judge and back-translation
together (each client adds what it spends to the same budget).

`Ledger`: every call's outcome. Its digest (an order-free sum of one 128-bit xxh3 hash per answer or
failure, so concurrency and batch sizes do not change it, and cheap beside a rerun's cache lookups)
goes into the version id: the same recipe with other
answers, or with calls that failed, is another version. Its failures are written into the version
(`llm_failures.jsonl`), so `dsbuild rebuild` replays them as failures instead of sending them again;
a rebuild is `pinned` to them and `offline` (a call the cache cannot answer is an error, not a request).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import xxhash

FAILURES_FILE = "llm_failures.jsonl"
_MODULUS = 1 << 128


class Budget:
    """One spending limit (USD) shared by every LLM client of a build; None: no limit."""

    def __init__(self, cap: float | None):
        self.cap, self.spent = cap, 0.0

    def add(self, usd: float) -> None:
        self.spent += usd

    @property
    def reached(self) -> bool:
        return self.cap is not None and self.spent >= self.cap

    def remaining(self) -> float | None:
        return None if self.cap is None else max(0.0, self.cap - self.spent)


@dataclass(frozen=True)
class Failure:
    """A call that failed for good: which task, its request key, the reason and the attempts it took."""

    task: str
    key: str
    error: str
    attempts: int


@dataclass
class Tally:
    """One task's calls as the version holds them (the same for a build and its rebuild, unlike what a run
    sent or found in the cache): answers with the tokens and price they were bought at, failures by reason."""

    calls: int = 0
    answered: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    nano_usd: int = 0  # summed as integers: a float sum would depend on the order answers arrived in

    def as_dict(self) -> dict:
        return {"calls": self.calls, "answered": self.answered, "failed": self.calls - self.answered,
                "failed_by_reason": dict(sorted(self.failed_by_reason.items())), "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cost_usd": round(self.nano_usd / 1e9, 9)}


class Ledger:
    """The outcomes of a build's calls (see the module docstring)."""

    def __init__(self, pinned: Mapping[str, Failure] | None = None, offline: bool = False):
        self.pinned = dict(pinned or {})
        self.offline = offline
        self.calls = 0
        self.failures: dict[str, Failure] = {}
        self.tasks: dict[str, Tally] = {}
        self._sum = 0

    def record(self, task: str, outcomes: Iterable, reason_of: Callable[[str], str]) -> None:
        """Every outcome of one run of `task` (llm.client.Outcome): an answer (sent now or replayed) with its
        key, the response as the cache stores it and the usage and price it was bought at; or a failure,
        counted by `reason_of(error)`. Outcomes of calls the run stopped before sending are left out."""
        tally = self.tasks.setdefault(task, Tally())
        total, digest = self._sum, xxhash.xxh3_128_intdigest
        for outcome in outcomes:
            if outcome.output is not None:
                tally.answered += 1
                tally.prompt_tokens += int(outcome.usage.get("prompt_tokens") or 0)
                tally.completion_tokens += int(outcome.usage.get("completion_tokens") or 0)
                tally.nano_usd += round(float(outcome.cost_usd or 0.0) * 1e9)
                text = f"{outcome.key}\0{outcome.text}"
            elif outcome.sent:
                failure = Failure(task, outcome.key, outcome.error, outcome.attempts)
                self.failures[failure.key] = failure
                reason = reason_of(outcome.error)
                tally.failed_by_reason[reason] = tally.failed_by_reason.get(reason, 0) + 1
                text = f"{failure.key}\0failed\0{failure.error}"
            else:
                continue
            tally.calls += 1
            self.calls += 1
            total += digest(text.encode())
        self._sum = total % _MODULUS

    def digest(self) -> str | None:
        """32 hex digits over every outcome (None when the build made no call)."""
        return None if self.calls == 0 else f"{self._sum:032x}"


def write_failures(path: Path, failures: Iterable[Failure]) -> None:
    """The failures as JSON lines, sorted by task and key (stable bytes)."""
    rows = sorted(failures, key=lambda f: (f.task, f.key))
    path.write_text("".join(json.dumps(asdict(f), ensure_ascii=False, sort_keys=True) + "\n" for f in rows),
                    encoding="utf-8")


def read_failures(path: Path) -> dict[str, Failure]:
    """A version's pinned failures by request key ({} when the file is absent: no call failed)."""
    if not path.is_file():
        return {}
    failures = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            failures[row["key"]] = Failure(str(row["task"]), str(row["key"]), str(row["error"]), int(row["attempts"]))
    return failures
