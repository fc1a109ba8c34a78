"""LLM calls through litellm: async, bounded, rate-limited, retried, validated, cached, costed.

One `Call` per row. Each goes: cache lookup (by a replay key first, so a rerun renders nothing) ->
(rate limit, concurrency slot) -> litellm, in this process or a worker process (workers.py) ->
checks (finish_reason, JSON, schema, the task's own check) -> on a bad answer, ask again with the
error -> on success, commit to the cache at once. Transient failures (429, 5xx, timeouts, dropped
connections) back off exponentially with jitter and honour Retry-After. A call that still fails
comes back with the reason, never as an empty answer. litellm is imported lazily: it is slow to
import, and builds without an LLM never pay for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import UserError
from .cache import ResponseCache, object_key, request_keys
from .prompts import PromptTemplate
from .roundtrip import Answer, round_trip
from .structured import MODES, parse_object, response_format, schema_errors, split_think
from .workers import WorkerPool, workers

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
log = logging.getLogger("dsbuild")

Check = Callable[[dict, str | None], str | None]  # (output, reasoning) -> None or why it is not usable


@dataclass
class LLMSettings:
    """The `llm` config group, as plain values."""

    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    temperature: float = 0.0
    max_tokens: int = 2048
    seed: int | None = None
    concurrency: int = 16
    workers: int | str = "auto"
    rpm: int | None = None
    tpm: int | None = None
    max_retries: int = 4
    timeout: float = 120.0
    max_cost_usd: float | None = None
    cache: str = "use"
    cache_path: str | None = None
    fallbacks: Sequence[str] = ()
    structured_output: str = "json_schema"
    max_repairs: int = 2
    require_all: bool = False

    def __post_init__(self):
        workers(self.workers, self.concurrency)  # a bad llm.workers fails the build before any work

    def api_key(self) -> str | None:
        """The key from the variable `api_key_env` names; None lets litellm read its own variables."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise UserError(
                f"llm.api_key_env names {self.api_key_env}, which is not set; export it "
                "(a key never goes in a config)"
            )
        return key


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


@dataclass
class Outcome:
    """What came back for one call: the output, or the reason there is none."""

    output: dict | None = None
    reasoning: str | None = None
    error: str | None = None
    attempts: int = 0
    cached: bool = False
    cost_usd: float = 0.0
    usage: dict = field(default_factory=dict)


@dataclass
class RunStats:
    """Counts for the manifest and the progress bar."""

    calls: int = 0
    done: int = 0
    cached: int = 0
    sent: int = 0
    failed: int = 0
    cost_usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    budget_stopped: bool = False


class BudgetExceeded(Exception):
    """Raised inside the run when llm.max_cost_usd is reached; the build stops cleanly."""


class LLMClient:
    """Runs calls for one task against one backend."""

    def __init__(self, settings: LLMSettings, cache: ResponseCache, pool=None):
        """`pool`: a started pool of senders to use for every run (the Ray executor's actors), which the
        caller closes; without it each run forks `llm.workers` processes when that helps."""
        self.settings, self.cache, self.pool = settings, cache, pool
        self.format_mode = settings.structured_output
        self.stats = RunStats()
        self._api_key = settings.api_key()

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
        """All calls, in order. Cached answers first; the rest go out concurrently (in worker processes
        when llm.workers asks for more than one and there are more calls than one worker's share).

        `stats` add up over runs, so a task run batch by batch reports its totals. `check_budget=False`
        skips the pre-check when the caller already ran `check_budget` over every batch.
        """
        calls = list(calls)
        formats: dict[int, dict | None] = {}
        requests = [self.request(c, formats) for c in calls]
        replay_keys = _replay_keys(calls, requests)
        outcomes, keys = self._replay(calls, requests, replay_keys)
        found = sum(o is not None for o in outcomes)
        self.stats.calls += len(calls)
        self.stats.cached += found
        self.stats.done += found
        if progress:
            progress(self.stats)
        pending = [i for i, o in enumerate(outcomes) if o is None]
        if pending:
            import litellm  # imported here, lazily, once (and before any fork, so workers inherit it)

            litellm.suppress_debug_info = True  # no "Provider List" banners in the user's terminal
            logging.getLogger("LiteLLM").setLevel(logging.ERROR)  # its warnings are about itself, not the build
            if check_budget:
                self._check_budget(len(pending), sum(_estimate_tokens(requests[i]["messages"]) for i in pending))
            pool = self.pool or self._worker_pool(len(pending))
            try:
                with warnings.catch_warnings():  # calls cut off by a budget stop leave litellm's inner coroutines
                    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
                    asyncio.run(self._send_all(calls, requests, keys, replay_keys, pending, outcomes, pool, progress))
            finally:
                if pool is not None and pool is not self.pool:
                    pool.close()
        return [o if o is not None else Outcome(error="not sent: llm.max_cost_usd reached") for o in outcomes]

    def _worker_pool(self, pending: int) -> WorkerPool | None:
        """Forked sender processes when `llm.workers` asks for more than one and there is work for them."""
        size = workers(self.settings.workers, self.settings.concurrency)
        return WorkerPool(size).start() if size > 1 and pending > self.settings.concurrency / size else None

    def check_budget(self, batches: Iterable[Sequence[Call]]) -> None:
        """The budget pre-check of `run` over every batch of a run at once (the calls the cache cannot answer).

        Does nothing without llm.max_cost_usd or a price for the model; otherwise renders each uncached
        call once more, which costs far less than a run that stops half way.
        """
        if self.settings.max_cost_usd is None or _prices(self.settings.model) is None:
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
        """(outcomes, request keys): the cache's answers (None where a call must be sent) and the key of
        every call that was rendered. Calls with a replay key are looked up by it first, unrendered."""
        outcomes: list[Outcome | None] = [None] * len(calls)
        found = self.cache.replays([k for k in replay_keys if k is not None])
        for i, replay_key in enumerate(replay_keys):
            if replay_key in found:
                outcomes[i] = _cached(found[replay_key])
        todo = [i for i, o in enumerate(outcomes) if o is None]
        for i in todo:
            requests[i]["messages"] = calls[i].render()
        keys: list[str | None] = [None] * len(calls)
        for i, key in zip(todo, request_keys([requests[i] for i in todo])):
            keys[i] = key
        found = self.cache.responses([keys[i] for i in todo])
        links = []
        for i in todo:
            if keys[i] in found:
                outcomes[i] = _cached(found[keys[i]])
                if replay_keys[i] is not None:
                    links.append((replay_keys[i], keys[i]))
        self.cache.link(links)  # found by its request key (another template with the same text): next time faster
        return outcomes, keys

    async def _send_all(self, calls, requests, keys, replay_keys, pending, outcomes, pool: WorkerPool | None,
                        progress) -> None:
        limiter = _RateLimiter(self.settings.rpm, self.settings.tpm)
        slots = asyncio.Semaphore(max(1, self.settings.concurrency))
        send = pool.round_trip if pool is not None else round_trip

        async def one(i: int) -> None:
            async with slots:
                outcomes[i] = await self._call(calls[i], requests[i], keys[i], replay_keys[i], limiter, send)
                self.stats.done += 1
                if progress:
                    progress(self.stats)

        tasks = [asyncio.create_task(one(i)) for i in pending]
        try:
            await asyncio.gather(*tasks)
        except BudgetExceeded:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.stats.budget_stopped = True

    def _check_budget(self, uncached: int, prompt_tokens: int) -> None:
        """Before any call: stop if the prompts alone would cost more than llm.max_cost_usd.

        The prompts' tokens are estimated from their length; answers can only add to that. When the
        worst case (every answer llm.max_tokens long) is over the budget, say so and go on: the run
        stops cleanly at the budget anyway. Models missing from litellm's price table are not checked.
        """
        budget = self.settings.max_cost_usd
        price = _prices(self.settings.model)
        if budget is None or price is None:
            return
        prompt_cost = prompt_tokens * price[0]
        worst = prompt_cost + uncached * self.settings.max_tokens * price[1]
        if prompt_cost > budget:
            raise UserError(
                f"the {uncached} uncached calls' prompts alone come to about ${prompt_cost:.4f}, over "
                f"llm.max_cost_usd={budget}; raise it, or build fewer rows first (e.g. pilot.size or a smaller source)"
            )
        if worst > budget:
            log.warning("llm.max_cost_usd=%s may not cover all %d calls (up to $%.4f if every answer is "
                        "llm.max_tokens long); the run stops cleanly if it is reached", budget, uncached, worst)

    async def _call(self, call: Call, request: dict, key: str, replay_key: str | None, limiter: _RateLimiter,
                    send) -> Outcome:
        messages = list(call.messages)
        attempts = repairs = 0
        while True:
            attempts += 1
            if self.format_mode != self.settings.structured_output:  # an earlier call found it refused
                request["response_format"] = response_format(call.schema, self.format_mode)
            try:
                answer = await self._send(request, messages, limiter, send)
            except _Transient as exc:
                if attempts > self.settings.max_retries:
                    return self._failed(f"{exc} ({_attempts(attempts)})", attempts)
                await asyncio.sleep(_backoff(attempts, exc.retry_after))
                continue
            except _Permanent as exc:
                if exc.format_refused and self._weaker_format(call, request):
                    continue  # the backend refused the response_format: same call, weaker structured output
                return self._failed(f"{exc} ({_attempts(attempts)})", attempts)
            problem, output, reasoning = self._judge(call, answer.content, answer.reasoning, answer.finish_reason)
            if problem is None:  # cache first: an answer that is paid for is never lost, budget or not
                self.cache.put(key, model=self.settings.model, response={"output": output, "reasoning": reasoning},
                               usage=answer.usage, cost_usd=answer.cost_usd, seconds=answer.seconds,
                               replay_key=replay_key)
            self._account(answer.usage, answer.cost_usd)
            if problem is None:
                return Outcome(output=output, reasoning=reasoning, attempts=attempts, cost_usd=answer.cost_usd,
                               usage=answer.usage)
            if repairs >= self.settings.max_repairs or answer.finish_reason in ("length", "content_filter"):
                return self._failed(f"{problem} ({_attempts(attempts)})", attempts)
            repairs += 1
            messages = [*messages, {"role": "assistant", "content": answer.content or ""},
                        {"role": "user", "content": f"That answer is not usable: {problem}. Answer again with "
                                                    "only the JSON object, fixing this."}]

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

    def _failed(self, reason: str, attempts: int) -> Outcome:
        self.stats.failed += 1
        return Outcome(error=reason, attempts=attempts)

    def _account(self, usage: dict, cost: float) -> None:
        self.stats.sent += 1
        self.stats.cost_usd += cost
        self.stats.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.stats.completion_tokens += int(usage.get("completion_tokens") or 0)
        budget = self.settings.max_cost_usd
        if budget is not None and self.stats.cost_usd >= budget:
            raise BudgetExceeded

    async def _send(self, request: dict, messages: list[dict], limiter: _RateLimiter, send) -> Answer:
        """One round trip that came back with an answer; raises _Transient/_Permanent for an error."""
        s = self.settings
        kwargs = {k: v for k, v in request.items() if v is not None}
        kwargs.update(messages=messages, api_base=s.api_base, api_key=self._api_key, timeout=s.timeout,
                      fallbacks=list(s.fallbacks) or None)
        await limiter.wait(_estimate_tokens(messages) + s.max_tokens)
        answer = await send(kwargs)
        if answer.error is not None:
            if answer.transient:
                raise _Transient(answer.error, answer.retry_after)
            raise _Permanent(answer.error, format_refused=answer.format_refused)
        return answer


def _cached(response: dict) -> Outcome:
    return Outcome(output=response.get("output"), reasoning=response.get("reasoning"), cached=True)


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


def _backoff(attempt: int, retry_after: float | None, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds to wait before the next attempt: Retry-After if given, else exponential with jitter."""
    if retry_after is not None:
        return min(retry_after, 120.0)
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


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


class _RateLimiter:
    """Requests and tokens per minute, as two sliding one-minute windows."""

    def __init__(self, rpm: int | None, tpm: int | None, window: float = 60.0):
        self.rpm, self.tpm, self.window = rpm, tpm, window
        self.events: list[tuple[float, int]] = []
        self.lock = asyncio.Lock()

    async def wait(self, tokens: int) -> None:
        if not self.rpm and not self.tpm:
            return
        async with self.lock:
            while True:
                now = time.monotonic()
                self.events = [(t, n) for t, n in self.events if now - t < self.window]
                over_rpm = self.rpm and len(self.events) >= self.rpm
                over_tpm = self.tpm and self.events and sum(n for _, n in self.events) + tokens > self.tpm
                if not over_rpm and not over_tpm:
                    self.events.append((now, tokens))
                    return
                await asyncio.sleep(max(0.01, self.window - (now - self.events[0][0])))
