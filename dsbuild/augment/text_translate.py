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
        self.prompt = None
        if prompt:
            from ..llm.prompts import PromptTemplate

            self.prompt = PromptTemplate(str(prompt))

    def fingerprint(self) -> list[dict]:
        return [] if self.prompt is None else [{"path": str(self.prompt.path), "sha256": self.prompt.sha256}]

    def run(self, texts: list[str | None], llm, progress: Callable[[str], None] | None = None,
            name: str = "augment.text.back_translation") -> list[tuple[str | None, dict, str | None]]:
        """Per text: (new text, recorded parameters, failure reason or None). `llm` is the build's LLMSession
        (its cache, budget, preflight and sender pool); `name` the transform's key for the usage counts."""
        if llm is None:
            raise UserError(NEEDS_BACKEND)
        plan = {}  # distinct text -> its source language
        for text in texts:
            if text and text.strip() and text not in plan:
                source = language_of(text) if self.source == "auto" else self.source
                if source.lower() != self.via.lower() and _written_in(text, source):
                    plan[text] = source
        todo = list(plan)
        if not todo:
            return [(text, {}, None) for text in texts]
        client = llm.client(name)
        try:
            there = dict(zip(todo, self._send(client, [(t, plan[t], self.via) for t in todo], progress)))
            # distinct (intermediate, source) pairs: two texts translated alike share the way back
            returns = list(dict.fromkeys((there[t].output["translation"], plan[t]) for t in todo
                                         if there[t].output is not None))
            outcomes = self._send(client, [(middle, self.via, source) for middle, source in returns], progress)
        finally:
            llm.record(name, client.stats)
        back = dict(zip(returns, outcomes))
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

    def _send(self, client, pairs: list[tuple[str, str, str]], progress) -> list:
        """Run one call per (text, from, to) and return the outcomes; stop the build at the budget, or when
        more than llm.max_failed_share of the calls failed."""
        from ..llm.client import Call
        from ..llm.session import budget_reached, check_failures, failure_limit

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
        client.failure_limit = failure_limit(client.settings, client.stats.calls + len(calls))
        outcomes = client.run(calls, report) if calls else []
        if client.stats.budget_stopped:
            raise budget_reached(client.stats, client.budget)
        check_failures(client.name, client.stats, client.settings, client.stats.calls)
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
