"""The `llm` config group as plain values, and where a call's key comes from.

A key never sits in a config: it is read from the variable `llm.api_key_env` names, or litellm reads
the provider's own variable (OPENAI_API_KEY, DEEPSEEK_API_KEY ...). Local OpenAI-compatible servers
(vLLM, Ollama, llama.cpp) take any key or none: with `api_key_required: false` and no key set, nothing
is asked for, and where litellm's OpenAI client insists on a key a placeholder is sent.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import UserError
from .workers import workers

NO_KEY = "EMPTY"  # what vLLM's and Ollama's docs send when the server checks no key
ON_LENGTH = ("retry", "reject")
OPENAI_CLIENT_PROVIDERS = ("openai", "text-completion-openai", "hosted_vllm", "lm_studio", "llamafile")


@dataclass
class LLMSettings:
    """The `llm` config group, as plain values."""

    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    api_key_required: bool = True
    temperature: float = 0.0
    max_tokens: int = 2048
    max_tokens_cap: int = 16384
    on_length: str = "retry"
    seed: int | None = None
    concurrency: int = 16
    workers: int | str = "auto"
    rpm: int | None = None
    tpm: int | None = None
    max_retries: int = 4
    timeout: float = 120.0
    max_cost_usd: float | None = None
    max_failed_share: float = 0.1
    preflight: bool = True
    cache: str = "use"
    cache_path: str | None = None
    fallbacks: Sequence[str] = ()
    structured_output: str = "json_schema"
    max_repairs: int = 2
    require_all: bool = False

    def __post_init__(self):
        workers(self.workers, self.concurrency)  # a bad llm.workers fails the build before any work
        if self.on_length not in ON_LENGTH:
            raise UserError(f"llm.on_length={self.on_length!r}: use one of {', '.join(ON_LENGTH)}")
        _check_number("llm.max_failed_share", self.max_failed_share, 0.0, 1.0)
        _check_number("llm.timeout", self.timeout, 0.001, None)
        for key in ("max_tokens", "max_tokens_cap"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f"llm.{key}={value!r}: give a whole number of tokens (1 or more)")
        if self.max_cost_usd is not None:
            _check_number("llm.max_cost_usd", self.max_cost_usd, 0.0, None)

    def api_key(self) -> str | None:
        """The key to send: from `api_key_env`, None to let litellm read the provider's variable, or the
        placeholder for a server that needs none. Raises a UserError naming the variable that is missing."""
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if key:
                return key
            if not self.api_key_required:
                return self._placeholder()
            raise UserError(f"llm.api_key_env names {self.api_key_env}, which is not set; export it "
                            "(a key never goes in a config)")
        missing = missing_key_variables(self.model)
        if not missing:
            return None
        if not self.api_key_required:
            return self._placeholder()
        raise UserError(
            f"llm.model={self.model} needs a key in {' or '.join(missing)}, which is not set; export it, or name "
            "your own variable with llm.api_key_env=VAR (a key never goes in a config)"
        )

    def _placeholder(self) -> str | None:
        """For a server that checks no key: a placeholder where litellm's OpenAI client insists on one."""
        import litellm

        try:
            provider = litellm.get_llm_provider(self.model)[1]
        except Exception:  # a model litellm cannot place: let it say so on the first call
            return None
        return NO_KEY if provider in OPENAI_CLIENT_PROVIDERS else None

    def key_variable(self) -> str:
        """The variable the key is read from, for messages: `api_key_env` or the provider's."""
        if self.api_key_env:
            return self.api_key_env
        return " or ".join(key_variables(self.model)) or "the provider's key variable"


def _check_number(key: str, value, low: float, high: float | None) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= low
    if not ok or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"a number >= {low:g}"
        raise UserError(f"{key}={value!r}: give {bounds}")


_KEY_WORDS = ("KEY", "TOKEN", "SECRET")


def missing_key_variables(model: str) -> list[str]:
    """The credential variables litellm wants for `model` that are not set ([] when it has what it needs).

    Only variables that hold secrets count (a provider's *_API_BASE or project settings do not): those
    are for the probe call to find out.
    """
    import litellm

    try:
        found = litellm.validate_environment(model=model)
    except Exception:  # an unknown provider: litellm cannot say, the probe call will
        return []
    if found.get("keys_in_environment"):
        return []
    return [name for name in found.get("missing_keys") or [] if any(w in name for w in _KEY_WORDS)]


def key_variables(model: str) -> list[str]:
    """The credential variable litellm reads for `model`'s provider, set or not (for messages)."""
    import litellm

    try:
        provider = litellm.get_llm_provider(model)[1]
    except Exception:  # a model litellm cannot place: no name to give
        return []
    return [f"{provider.upper()}_API_KEY"]
