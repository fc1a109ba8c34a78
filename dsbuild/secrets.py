"""What counts as a secret, and masking it wherever dsbuild writes or prints something.

Two kinds: config keys that hold credentials (`api_key`, `hf_token`, `password` ...), whose values
never reach a hash, a file or the terminal; and credentials inside a URL (`http://user:TOKEN@host/v1`),
which are masked as `***` in every message and file while the URL keeps working for the build.
A key that *names* a variable holding a secret (`api_key_env`, `url_env`) is not a secret itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MASK = "***"
SECRET_PARTS = ("api_key", "apikey", "secret", "password", "passwd", "credential", "access_key", "private_key")
SECRET_WORDS = frozenset({"token", "auth"})  # whole words of a key: `hf_token`, not `max_tokens`
NAMING_SUFFIX = "_env"  # `api_key_env: DEEPSEEK_API_KEY` names where the key is
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@?#]+)@")
_WORD = re.compile(r"[^a-z0-9]+")


def is_secret_key(key: str) -> bool:
    """True for config keys that may hold credentials (they never reach a hash or a file)."""
    lowered = str(key).lower()
    if lowered.endswith(NAMING_SUFFIX):
        return False
    if any(part in lowered for part in SECRET_PARTS):
        return True
    words = set(_WORD.split(lowered))
    return bool(words & SECRET_WORDS)


def mask_credentials(text: str) -> str:
    """`text` with the user:password part of every URL in it replaced by `***`."""
    if "@" not in text or "://" not in text:
        return text
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)


def redact(config):
    """A copy of a plain config with secret-looking keys replaced by '***' and URL credentials masked."""
    if isinstance(config, Mapping):
        return {k: (MASK if is_secret_key(str(k)) and v is not None else redact(v)) for k, v in config.items()}
    if isinstance(config, list):
        return [redact(v) for v in config]
    if isinstance(config, str):
        return mask_credentials(config)
    return config


def secret_override(item: str) -> bool:
    """True for a command-line override that sets a secret-looking key (`+llm.api_key=...`)."""
    key, sep, _ = item.partition("=")
    return bool(sep) and is_secret_key(key.lstrip("+~").rsplit(".", 1)[-1])


def redact_overrides(overrides: list[str]) -> list[str]:
    """Command-line overrides with the values of secret-looking keys replaced by '***', URL credentials masked."""
    return [f"{item.partition('=')[0]}={MASK}" if secret_override(item) else mask_credentials(item)
            for item in overrides]
