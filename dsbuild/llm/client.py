"""LLM calls through litellm: async, bounded, rate-limited, retried, validated, cached, costed.

One `Call` per row. Each goes: cache lookup (by a replay key first, so a rerun renders nothing) ->
a failure the version being rebuilt pinned -> (concurrency slot, a claim on the call in the shared
cache, rate limit) -> litellm, in this process or a worker process (workers.py) -> checks
(finish_reason, JSON, schema, the task's own check) -> on a bad answer, ask again with the error; on
a cut-off answer, once more with twice the tokens -> on success, commit to the cache at once.
Transient failures (429, 5xx, timeouts, dropped connections) back off exponentially with jitter and
honour Retry-After. A call that still fails comes back with the reason, never as an empty answer.

The first call that must be sent waits for the key check and the session's preflight probe. When the
build's budget is reached, or a task's failures pass `failure_limit`, no new call starts; the calls in
flight finish and their answers are kept. litellm is imported lazily: it is slow to import, and
builds without an LLM (or answered from the cache) never pay for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import UserError
from .cache import ResponseCache, Stored, object_key, request_keys
from .claims import ANSWERED, MINE
from .ledger import Budget, Ledger
from .pacing import RateLimiter, backoff
from .prompts import PromptTemplate
from .roundtrip import Answer, round_trip
from .settings import LLMSettings
from .structured import MODES, parse_object, response_format, schema_errors, split_think
from .workers import WorkerPool, workers

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
log = logging.getLogger("dsbuild")

Check = Callable[[dict, str | None], str | None]  # (output, reasoning) -> None or why it is not usable
BeforeSend = Callable[[Callable, str | None], Awaitable[None]]  # (send, api key): the session's preflight
NOT_SENT_BUDGET = "not sent: llm.max_cost_usd reached"
NOT_SENT_FAILURES = "not sent: too many calls failed (llm.max_failed_share)"
POLL_SECONDS = (0.05, 1.0)  # first and longest wait between looks for an answer another process is getting
_ATTEMPTS = re.compile(r" \(after \d+ attempts?\)$")


@dataclass
class Call:
    """One request: the messages, the output schema, and the task's check of an answer.

    A call may instead carry the prompt and its variables (messages=None): it is then rendered only
    if the cache has no answer for it, found by a replay key of the template, variables and parameters.
    """

    messages: list[dict] | None
    schema: dict
    check: Check | None = None
    prompt: PromptTemplate | None = None
    context: dict | None = None

    def render(self) -> list[dict]:
        if self.messages is None:
            self.messages = self.prompt.messages(self.context)
        return self.messages


@dataclass(slots=True)
class Outcome:
    """What came back for one call: the output, or the reason there is none."""

    output: dict | None = None
    reasoning: str | None = None
    error: str | None = None
    attempts: int = 0
    cached: bool = False
    cost_usd: float = 0.0
    usage: dict = field(default_factory=dict)
    key: str | None = None  # the request key the answer is stored under (None: never rendered nor sent)
    text: str | None = None  # the response as the cache stores it (what the ledger digests)

    @property
    def sent(self) -> bool:
        """False for a call the run stopped before sending (budget or failures): not an outcome to pin."""
        return not (self.error or "").startswith("not sent:")


@dataclass
class RunStats:
    """Counts for the manifest, the progress bar and the end-of-run table."""

    calls: int = 0
    done: int = 0
    cached: int = 0
    shared: int = 0  # answered by another process that was sending the same call
    sent: int = 0  # calls that went out (answered or not)
    failed: int = 0
    cost_usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    budget_stopped: bool = False
    failures_stopped: bool = False
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    scores: dict[int, int] = field(default_factory=dict)  # a judge's answers: rows per score

    def top_reasons(self, n: int = 3) -> str:
        """The commonest failure reasons with their counts, on one line."""
        common = Counter(self.failed_by_reason).most_common(n)
        return "; ".join(f"{count} x {reason}" for reason, count in common)


def failure_reason(error: str) -> str:
    """A failure's reason without its attempt count, short enough to count alike ones together."""
    return _ATTEMPTS.sub("", error)[:160]


class LLMClient:
    """Runs calls for one task against one backend."""

    def __init__(self, settings: LLMSettings, cache: ResponseCache, pool=None, *, name: str = "llm",
                 budget: Budget | None = None, ledger: Ledger | None = None, before_send: BeforeSend | None = None):
        """`pool`: a started pool of senders to use for every run (the Ray executor's actors), which the
        caller closes; without it each run forks `llm.workers` processes when that helps. `budget`,
        `ledger` and `before_send` (the preflight) are the build's, shared by all its clients; on its own a
        client has a budget of its own, a ledger nobody reads and no preflight."""
        self.settings, self.cache, self.pool, self.name = settings, cache, pool, name
        self.budget = budget or Budget(settings.max_cost_usd)
        self.ledger = ledger or Ledger()
        self.before_send = before_send
        self.format_mode = settings.structured_output
        self.stats = RunStats()
        self.failure_limit: int | None = None  # set by the caller: stop sending after more failures than this
        self._api_key: str | None = None
        self._key_checked = False

    def request(self, call: Call, formats: dict[int, dict | None] | None = None) -> dict:
        """The fields that decide the answer (what the cache key hashes; never the key or the URL).

        `formats` shares one response_format among calls with the same schema object (request_keys then
        encodes it once); the caller keeps those schemas alive while it uses the memo.
        """
        s = self.settings
        formats = {} if formats is None else formats
        if id(call.schema) not in formats:
            formats[id(call.schema)] = response_format(call.schema, self.format_mode)
        request = {"model": s.model, "messages": call.messages, "temperature": s.temperature,
                   "max_tokens": s.max_tokens, "response_format": formats[id(call.schema)]}
        if s.seed is not None:
            request["seed"] = s.seed
        return request

    def run(self, calls: Sequence[Call], progress: Callable[[RunStats], None] | None = None, *,
            check_budget: bool = True) -> list[Outcome]:
        """All calls, in order. Cached answers (and pinned failures) first; the rest go out concurrently
        (in worker processes when llm.workers asks for more than one and there are more calls than one
        worker's share).

        `stats` add up over runs, so a task run batch by batch reports its totals. `check_budget=False`
        skips the pre-check when the caller already ran `check_budget` over every batch.
        """
        calls = list(calls)
        formats: dict[int, dict | None] = {}
        requests = [self.request(c, formats) for c in calls]
        replay_keys = _replay_keys(calls, requests)
        outcomes, keys = self._replay(calls, requests, replay_keys)
        known = [o for o in outcomes if o is not None]
        self.stats.calls += len(calls)
        self.stats.cached += sum(o.cached for o in known)
        self.stats.done += len(known)
        for outcome in known:
            if outcome.error is not None:  # a pinned failure
                self._settle(outcome)
        if progress:
            progress(self.stats)
        pending = [i for i, o in enumerate(outcomes) if o is None]
        if pending and self.ledger.offline:
            raise UserError(
                f"{self.name}: the response cache {self.cache.path} has no answer for {len(pending)} call(s) this "
                "version used; a rebuild sends nothing, so point it at the cache the build wrote (llm.cache_path)"
            )
        if pending:
            import litellm  # imported here, lazily, once (and before any fork, so workers inherit it)

            litellm.suppress_debug_info = True  # no "Provider List" banners in the user's terminal
            logging.getLogger("LiteLLM").setLevel(logging.ERROR)  # its warnings are about itself, not the build
            if check_budget:
                self._check_budget(len(pending), sum(_estimate_tokens(requests[i]["messages"]) for i in pending))
            pool = self.pool or self._worker_pool(len(pending))
            try:
                with warnings.catch_warnings():  # calls cut off by a stop leave litellm's inner coroutines
                    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
                    asyncio.run(self._send_all(calls, requests, keys, replay_keys, pending, outcomes, pool, progress))
            finally:
                if pool is not None and pool is not self.pool:
                    pool.close()
        unsent = NOT_SENT_BUDGET if self.budget.reached else NOT_SENT_FAILURES
        outcomes = [o if o is not None else Outcome(error=unsent) for o in outcomes]
        if any(not o.sent for o in outcomes):
            self.stats.budget_stopped = self.budget.reached
            self.stats.failures_stopped = not self.budget.reached
        self.ledger.record(self.name, outcomes, failure_reason)
        return outcomes

    def _worker_pool(self, pending: int) -> WorkerPool | None:
        """Forked sender processes when `llm.workers` asks for more than one and there is work for them."""
        size = workers(self.settings.workers, self.settings.concurrency)
        return WorkerPool(size).start() if size > 1 and pending > self.settings.concurrency / size else None

    def check_budget(self, batches: Iterable[Sequence[Call]]) -> None:
        """The budget pre-check of `run` over every batch of a run at once (the calls the cache cannot answer).

        Does nothing without llm.max_cost_usd, and warns once that it cannot be enforced for a model litellm
        has no price for; otherwise renders each uncached
        call once more, which costs far less than a run that stops half way.
        """
        if self.settings.max_cost_usd is None:
            return
        if _prices(self.settings.model) is None:
            log.warning("llm.max_cost_usd=%s cannot be enforced: litellm's price table has no price for %s, so "
                        "every call counts as $0", self.settings.max_cost_usd, self.settings.model)
            return
        uncached = tokens = 0
        with self.cache.uncounted():  # the run looks them up again, and that is what the manifest counts
            for calls in batches:
                calls = list(calls)
                formats: dict[int, dict | None] = {}
                requests = [self.request(c, formats) for c in calls]
                outcomes, _ = self._replay(calls, requests, _replay_keys(calls, requests))
                pending = [r for r, o in zip(requests, outcomes) if o is None]
                uncached += len(pending)
                tokens += sum(_estimate_tokens(r["messages"]) for r in pending)
        self._check_budget(uncached, tokens)

    def _replay(self, calls: list[Call], requests: list[dict], replay_keys: list[str | None]):
        """(outcomes, request keys): the cache's answers and the pinned failures (None where a call must be
        sent) and the key of every call that was rendered. Calls with a replay key are looked up by it
        first, unrendered."""
        outcomes: list[Outcome | None] = [None] * len(calls)
        keys: list[str | None] = [None] * len(calls)
        found = self.cache.replays([k for k in replay_keys if k is not None])
        for i, replay_key in enumerate(replay_keys):
            if replay_key in found:
                keys[i], stored = found[replay_key]
                outcomes[i] = _cached(keys[i], stored)
        todo = [i for i, o in enumerate(outcomes) if o is None]
        for i in todo:
            requests[i]["messages"] = calls[i].render()
        for i, key in zip(todo, request_keys([requests[i] for i in todo])):
            keys[i] = key
        stored = self.cache.stored([keys[i] for i in todo])
        links = []
        for i in todo:
            if keys[i] in stored:
                outcomes[i] = _cached(keys[i], stored[keys[i]])
                if replay_keys[i] is not None:
                    links.append((replay_keys[i], keys[i]))
            elif keys[i] in self.ledger.pinned:
                pinned = self.ledger.pinned[keys[i]]
                outcomes[i] = Outcome(error=pinned.error, attempts=pinned.attempts, key=keys[i])
        self.cache.link(links)  # found by its request key (another template with the same text): next time faster
        return outcomes, keys

    async def _send_all(self, calls, requests, keys, replay_keys, pending, outcomes, pool: WorkerPool | None,
                        progress) -> None:
        send = pool.round_trip if pool is not None else round_trip
        if not self._key_checked:
            self._api_key = self.settings.api_key()
            self._key_checked = True
        if self.before_send is not None:
            await self.before_send(send, self._api_key)
        limiter = RateLimiter(self.settings.rpm, self.settings.tpm)
        slots = asyncio.Semaphore(max(1, self.settings.concurrency))
        running: dict[str, asyncio.Future] = {}  # this run's calls in flight, by key: a repeat awaits the first
        settled: dict[str, Outcome] = {}
        lease = self.settings.timeout + 180.0

        async def one(i: int) -> None:
            key, wait = keys[i], POLL_SECONDS[0]
            while outcomes[i] is None and not self._stopping():
                if key in settled or key in running:
                    outcomes[i] = settled.get(key) or await asyncio.shield(running[key])
                    break
                async with slots:
                    if self._stopping() or key in running or key in settled:
                        continue
                    state, stored = self.cache.claims.claim(key, lease)
                    if state == ANSWERED:  # another process answered it since the lookup
                        outcomes[i] = _cached(key, Stored(*stored))
                        self.stats.shared += 1
                        break
                    if state == MINE:
                        task = running[key] = asyncio.ensure_future(
                            self._call(calls[i], requests[i], key, replay_keys[i], limiter, send))
                        try:
                            outcomes[i] = settled[key] = await task
                        finally:
                            running.pop(key, None)
                            self.cache.claims.release(key)
                        break
                await asyncio.sleep(wait)  # another process is sending it: look again soon
                wait = min(POLL_SECONDS[1], wait * 2)
            if outcomes[i] is not None:
                self._settle(outcomes[i])
                self.stats.done += 1
                if progress:
                    progress(self.stats)

        await asyncio.gather(*(one(i) for i in pending))

    def _settle(self, outcome: Outcome) -> None:
        """Count a call's final outcome (a failure by its reason)."""
        if outcome.error is not None and outcome.sent:
            self.stats.failed += 1
            reason = failure_reason(outcome.error)
            self.stats.failed_by_reason[reason] = self.stats.failed_by_reason.get(reason, 0) + 1

    def _stopping(self) -> bool:
        """True once no new call may start: the budget is spent, or too many calls failed."""
        limit = self.failure_limit
        return self.budget.reached or (limit is not None and self.stats.failed > limit)

    def _check_budget(self, uncached: int, prompt_tokens: int) -> None:
        """Before any call: stop if the prompts alone would cost more than what is left of llm.max_cost_usd.

        The prompts' tokens are estimated from their length; answers can only add to that. When the
        worst case (every answer llm.max_tokens long) is over the budget, say so and go on: the run
        stops cleanly at the budget anyway. Models missing from litellm's price table are not checked.
        """
        left = self.budget.remaining()
        price = _prices(self.settings.model)
        if left is None or price is None:
            return
        prompt_cost = prompt_tokens * price[0]
        worst = prompt_cost + uncached * self.settings.max_tokens * price[1]
        spent = f" (${self.budget.spent:.4f} of it spent by earlier calls of this build)" if self.budget.spent else ""
        if prompt_cost > left:
            raise UserError(
                f"the {uncached} uncached calls' prompts alone come to about ${prompt_cost:.4f}, over "
                f"llm.max_cost_usd={self.budget.cap}{spent}; raise it, or build fewer rows first (e.g. pilot.size "
                "or a smaller source)"
            )
        if worst > left:
            log.warning("llm.max_cost_usd=%s may not cover all %d calls (up to $%.4f if every answer is "
                        "llm.max_tokens long); the run stops cleanly if it is reached",
                        self.budget.cap, uncached, worst)

    async def _call(self, call: Call, request: dict, key: str, replay_key: str | None, limiter: RateLimiter,
                    send) -> Outcome:
        messages = list(call.messages)
        attempts = repairs = 0
        max_tokens = self.settings.max_tokens
        self.stats.sent += 1
        while True:
            attempts += 1
            if attempts > 1:
                if self._stopping():
                    unsent = NOT_SENT_BUDGET if self.budget.reached else NOT_SENT_FAILURES
                    return self._failed(unsent, key, attempts)
                self.cache.claims.renew(key)
            if self.format_mode != self.settings.structured_output:  # an earlier call found it refused
                request["response_format"] = response_format(call.schema, self.format_mode)
            try:
                answer = await self._send(request, messages, max_tokens, limiter, send)
            except _Transient as exc:
                if attempts > self.settings.max_retries:
                    return self._failed(f"{exc} ({_attempts(attempts)})", key, attempts)
                await asyncio.sleep(backoff(attempts, exc.retry_after))
                continue
            except _Permanent as exc:
                if exc.format_refused and self._weaker_format(call, request):
                    continue  # the backend refused the response_format: same call, weaker structured output
                return self._failed(f"{exc} ({_attempts(attempts)})", key, attempts)
            self._account(answer.usage, answer.cost_usd)
            if answer.finish_reason == "length":
                grown = self._more_tokens(max_tokens)
                if grown is not None:
                    max_tokens = grown  # cut off: once more with room to finish (stored under the same key)
                    continue
                used = int(answer.usage.get("completion_tokens") or 0)
                return self._failed(f"output cut off at {used} tokens (finish_reason=length, max_tokens={max_tokens});"
                                    f" raise llm.max_tokens ({_attempts(attempts)})", key, attempts)
            problem, output, reasoning = self._judge(call, answer.content, answer.reasoning, answer.finish_reason)
            if problem is None:  # cache first: an answer that is paid for is never lost, budget or not
                text = self.cache.put(key, model=self.settings.model,
                                      response={"output": output, "reasoning": reasoning}, usage=answer.usage,
                                      cost_usd=answer.cost_usd, seconds=answer.seconds, replay_key=replay_key)
                return Outcome(output=output, reasoning=reasoning, attempts=attempts, cost_usd=answer.cost_usd,
                               usage=answer.usage, key=key, text=text)
            if repairs >= self.settings.max_repairs or answer.finish_reason == "content_filter" or self._stopping():
                return self._failed(f"{problem} ({_attempts(attempts)})", key, attempts)
            repairs += 1
            messages = [*messages, {"role": "assistant", "content": answer.content or ""},
                        {"role": "user", "content": f"That answer is not usable: {problem}. Answer again with "
                                                    "only the JSON object, fixing this."}]

    def _more_tokens(self, max_tokens: int) -> int | None:
        """The max_tokens of the one retry a cut-off answer gets (llm.on_length=retry), or None for none."""
        s = self.settings
        if s.on_length != "retry" or max_tokens != s.max_tokens or max_tokens >= s.max_tokens_cap:
            return None
        return min(2 * max_tokens, s.max_tokens_cap)

    def _weaker_format(self, call: Call, request: dict) -> bool:
        """After a refusal of `request`'s response_format: step down json_schema -> json_object -> none
        (for this call and every later one). False when there is nothing weaker to try."""
        sent = "none" if request["response_format"] is None else request["response_format"]["type"]
        if sent == "none":
            return False
        weaker = MODES[MODES.index(sent) + 1]
        if MODES.index(weaker) > MODES.index(self.format_mode):
            log.warning("the backend refused response_format %s; using %s from now on "
                        "(set llm.structured_output=%s to skip the refusals)", sent, weaker, weaker)
            self.format_mode = weaker
        request["response_format"] = response_format(call.schema, self.format_mode)
        return True

    def _judge(self, call: Call, content, reasoning, finish) -> tuple[str | None, dict | None, str | None]:
        if finish == "length":
            return "output cut off (finish_reason=length); raise llm.max_tokens", None, reasoning
        if finish == "content_filter":
            return "output blocked by the provider's content filter", None, reasoning
        inline, _ = split_think(content or "")
        reasoning = reasoning or inline
        try:
            output = parse_object(content)
        except ValueError as exc:
            return str(exc), None, reasoning
        problem = schema_errors(output, call.schema)
        if problem is None and call.check is not None:
            problem = call.check(output, reasoning)
        return problem, output, reasoning

    def _failed(self, reason: str, key: str, attempts: int) -> Outcome:
        return Outcome(error=reason, attempts=attempts, key=key)

    def _account(self, usage: dict, cost: float) -> None:
        self.stats.cost_usd += cost
        self.stats.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.stats.completion_tokens += int(usage.get("completion_tokens") or 0)
        self.budget.add(cost)

    async def _send(self, request: dict, messages: list[dict], max_tokens: int, limiter: RateLimiter,
                    send) -> Answer:
        """One round trip that came back with an answer; raises _Transient/_Permanent for an error."""
        s = self.settings
        kwargs = {k: v for k, v in request.items() if v is not None}
        kwargs.update(messages=messages, max_tokens=max_tokens, api_base=s.api_base, api_key=self._api_key,
                      timeout=s.timeout, fallbacks=list(s.fallbacks) or None)
        await limiter.wait(_estimate_tokens(messages) + max_tokens)
        answer = await send(kwargs)
        if answer.error is not None:
            if answer.transient:
                raise _Transient(answer.error, answer.retry_after)
            raise _Permanent(answer.error, format_refused=answer.format_refused)
        return answer


def _cached(key: str, stored: Stored) -> Outcome:
    response = json.loads(stored.text)
    usage = {"prompt_tokens": stored.prompt_tokens, "completion_tokens": stored.completion_tokens}
    return Outcome(output=response.get("output"), reasoning=response.get("reasoning"), cached=True, key=key,
                   text=stored.text, usage=usage, cost_usd=stored.cost_usd)


def _replay_keys(calls: list[Call], requests: list[dict]) -> list[str | None]:
    """Per call, sha256 of (template digest, variables, request parameters), or None for a call given as
    messages, a template whose references are computed at render time, or variables JSON cannot hold."""
    memo: dict[int, str] = {}
    params: dict[int, dict] = {}  # one dict per response_format object, so it is encoded once
    keys: list[str | None] = []
    for call, request in zip(calls, requests):
        key = None
        if call.messages is None and call.prompt is not None and call.prompt.digest is not None:
            shared = params.get(id(request["response_format"]))
            if shared is None:
                shared = params[id(request["response_format"])] = {k: v for k, v in request.items() if k != "messages"}
            try:
                key = object_key({"prompt": call.prompt.digest, "params": shared, "context": call.context}, memo)
            except (TypeError, ValueError):  # e.g. a date or bytes among the variables: rendered every time
                key = None
        keys.append(key)
    return keys


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.retry_after = retry_after


class _Permanent(Exception):
    def __init__(self, message: str, format_refused: bool = False):
        super().__init__(message)
        self.format_refused = format_refused


def _attempts(n: int) -> str:
    return f"after {n} attempt{'s' if n != 1 else ''}"


def _prices(model: str) -> tuple[float, float] | None:
    """(input, output) USD per token from litellm's price table, or None if it does not know the model."""
    import litellm

    try:
        info = litellm.get_model_info(model)
    except Exception:  # litellm raises a bare Exception for models it has no entry for
        return None
    prices = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    return None if None in prices else (float(prices[0]), float(prices[1]))


def _estimate_tokens(messages: list[dict]) -> int:
    return sum(len(m.get("content") or "") for m in messages) // 3 + 8
