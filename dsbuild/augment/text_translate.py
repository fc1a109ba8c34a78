"""Back-translation through the build's LLM backend: source -> via -> source (e.g. zh -> en -> zh).

Two calls per distinct text, batched over the column of a batch of copies and sent by dsbuild's LLM client
(through the executor's pool of senders when it has one, e.g. Ray actors under executor=ray), so they
are concurrent, retried, rate-limited and stored in the response cache: a rebuild replays them without
a request. Equal texts share their calls (in a later batch, through the cache), so every copy of a row
gets the same back-translation unless an earlier transform changed it differently. A text not written
in the source language's script (an English row when source is zh) is left alone; source "auto" takes
zh or en by script. A call that fails for good fails only the copies of that text, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UserError
from .text_words import TextTransform, language_of

LANGUAGE_NAMES = {
    "zh": "Simplified Chinese", "zh-tw": "Traditional Chinese", "en": "English", "ja": "Japanese", "ko": "Korean",
    "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "ru": "Russian",
    "ar": "Arabic", "vi": "Vietnamese", "th": "Thai", "id": "Indonesian",
}
NEEDS_BACKEND = ("back-translation needs an LLM backend, e.g. llm=deepseek "
                 "(or llm=openai_compatible llm.api_base=... llm.model=...)")
SYSTEM = ("You translate text from {source} into {target}. Translate faithfully: keep the meaning, tone and "
          "register, and keep every number, unit, dose and name exactly. Do not answer the text, explain or add "
          "anything. Reply with only a JSON object: {{\"translation\": \"<the text in {target}>\"}}.")


def _name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.lower(), code)


def _han(code: str) -> bool | None:
    """Whether the language is written in Han characters; None where script cannot tell (Japanese)."""
    code = code.lower()
    return None if code.startswith("ja") else code.startswith("zh")


def _written_in(text: str, code: str) -> bool:
    han = _han(code)
    return han is None or (language_of(text) == "zh") == han


class BackTranslate(TextTransform):
    """Translate each text into `via` and back into `source` with the configured LLM.

    `prompt`: a Jinja2 template (name under prompts/ or a path) with a `user` block and optional
    `system` block, given `text`, `source`, `target` (language names) and `source_code`, `target_code`;
    it must ask for `{"translation": ...}`. Records `source`, `via` and the `intermediate` text.
    """

    batched = True
    uses_llm = True

    def __init__(self, via: str = "en", source: str = "zh", prompt: str | None = None):
        from ..llm.structured import schema_for

        self.via, self.source = str(via), str(source)
        if self.source != "auto" and self.source.lower() == self.via.lower():
            raise UserError(f"BackTranslate.via {via!r} is the source language; pick another, e.g. via=en")
        self.schema = schema_for({"translation": "string"}, "BackTranslate")
        self.usage: dict = {}  # calls, cache hits, tokens and cost of this build's runs (for the manifest)
        self.prompt = None
        if prompt:
            from ..llm.prompts import PromptTemplate

            self.prompt = PromptTemplate(str(prompt))

    def fingerprint(self) -> list[dict]:
        return [] if self.prompt is None else [{"path": str(self.prompt.path), "sha256": self.prompt.sha256}]

    def run(self, texts: list[str | None], llm, progress: Callable[[str], None] | None = None, pool=None
            ) -> list[tuple[str | None, dict, str | None]]:
        """Per text: (new text, recorded parameters, failure reason or None). `llm` is the LLMSettings, `pool`
        the executor's LLM pool (None: the client sends from this process)."""
        if llm is None:
            raise UserError(NEEDS_BACKEND)
        from ..llm.cache import ResponseCache
        from ..llm.client import LLMClient

        plan = {}  # distinct text -> its source language
        for text in texts:
            if text and text.strip() and text not in plan:
                source = language_of(text) if self.source == "auto" else self.source
                if source.lower() != self.via.lower() and _written_in(text, source):
                    plan[text] = source
        todo = list(plan)
        if not todo:
            return [(text, {}, None) for text in texts]
        with ResponseCache(llm.cache_path, llm.cache) as cache:
            client = LLMClient(llm, cache, pool=pool)
            there = dict(zip(todo, self._send(client, [(t, plan[t], self.via) for t in todo], progress)))
            # distinct (intermediate, source) pairs: two texts translated alike share the way back
            returns = list(dict.fromkeys((there[t].output["translation"], plan[t]) for t in todo
                                         if there[t].output is not None))
            outcomes = self._send(client, [(middle, self.via, source) for middle, source in returns], progress)
            back = dict(zip(returns, outcomes))
            self._count_usage(llm.model, vars(client.stats), cache.stats)
        results = []
        for text in texts:
            if text not in plan:
                results.append((text, {}, None))
                continue
            source, forward = plan[text], there[text]
            outcome = None if forward.output is None else back[(forward.output["translation"], source)]
            if outcome is None:
                results.append((text, {}, f"{source}->{self.via} failed: {forward.error}"))
            elif outcome.output is None:
                results.append((text, {}, f"{self.via}->{source} failed: {outcome.error}"))
            else:
                params = {"source": source, "via": self.via, "intermediate": forward.output["translation"]}
                results.append((outcome.output["translation"], params, None))
        return results

    def _count_usage(self, model: str, stats: dict, cache: dict) -> None:
        """Add one run's calls, tokens and cost to `usage` (the manifest's `llm` entry for this transform)."""
        if not self.usage:
            self.usage = {"model": model, "cache": {"path": cache["path"], "mode": cache["mode"]}}
        for key, value in stats.items():
            self.usage[key] = (self.usage.get(key) or value) if isinstance(value, bool) \
                else self.usage.get(key, 0) + value
        for key in ("hits", "misses", "writes"):
            self.usage["cache"][key] = self.usage["cache"].get(key, 0) + cache[key]

    def _send(self, client, pairs: list[tuple[str, str, str]], progress) -> list:
        """Run one call per (text, from, to) and return the outcomes; stop the build at the budget."""
        from ..llm.client import Call

        calls = []
        for text, source, target in pairs:
            check = self._checker(target)
            if self.prompt is None:
                messages = [{"role": "system", "content": SYSTEM.format(source=_name(source), target=_name(target))},
                            {"role": "user", "content": text}]
                calls.append(Call(messages, self.schema, check))
            else:
                variables = {"text": text, "source": _name(source), "target": _name(target),
                             "source_code": source, "target_code": target}
                calls.append(Call(None, self.schema, check, prompt=self.prompt, context=variables))
        report = None if progress is None else (lambda s: progress(f"back-translation {s.done}/{s.calls}"))
        outcomes = client.run(calls, report) if calls else []
        stats, settings = client.stats, client.settings
        if stats.budget_stopped:
            raise UserError(
                f"llm.max_cost_usd={settings.max_cost_usd} reached after {stats.sent} paid calls "
                f"(${stats.cost_usd:.4f}); their answers are in the cache: raise llm.max_cost_usd and rerun to resume"
            )
        failed = [o.error for o in outcomes if o.output is None]
        if failed and settings.require_all:
            raise UserError(f"{len(failed)} of {len(calls)} back-translation calls failed and llm.require_all is "
                            f"set; first: {failed[0]}")
        return outcomes

    @staticmethod
    def _checker(target: str):
        from ..annotate.base import REFUSALS

        def check(output: dict, reasoning: str | None) -> str | None:
            translation = output.get("translation", "")
            if REFUSALS.search(translation):
                return "translation is a refusal"
            if not _written_in(translation, target):
                return f"translation is not in {_name(target)}; answer in {_name(target)} only"
            return None

        return check
