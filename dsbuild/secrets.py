"""What counts as a secret, and masking it wherever dsbuild writes or prints something.

Two kinds: config keys that hold credentials (`api_key`, `hf_token`, `password` ...), whose values
never reach a hash, a file or the terminal; and credentials inside a URL (`http://user:TOKEN@host/v1`),
which are masked as `***` in every message and file while the URL keeps working for the build.
A key that *names* a variable holding a secret (`api_key_env`, `url_env`) or says whether one is needed
(`api_key_required`) is not a secret itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MASK = "***"
SECRET_PARTS = ("api_key", "apikey", "secret", "password", "passwd", "credential", "access_key", "private_key")
SECRET_WORDS = frozenset({"token", "auth"})  # whole words of a key: `hf_token`, not `max_tokens`
# keys about a secret that hold none: `api_key_env: DEEPSEEK_API_KEY` names where the key is,
# `api_key_required: false` says whether one is needed
NOT_SECRET_SUFFIXES = ("_env", "_required")
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@?#]+)@")
_WORD = re.compile(r"[^a-z0-9]+")


def is_secret_key(key: str) -> bool:
    """True for config keys that may hold credentials (they never reach a hash or a file)."""
    lowered = str(key).lower()
    if lowered.endswith(NOT_SECRET_SUFFIXES):
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


def scrub(data):
    """A copy of parsed config data (Hydra's saved YAML) with every secret masked: the values of secret keys,
    override strings that set one (`llm.api_key=...`) and credentials inside URLs."""
    if isinstance(data, Mapping):
        return {k: (MASK if is_secret_key(str(k)) and v is not None and not isinstance(v, (Mapping, list))
                    else scrub(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [scrub(v) for v in data]
    if isinstance(data, str):
        return redact_overrides([data])[0]
    return data


def secret_override(item: str) -> bool:
    """True for a command-line override that sets a secret-looking key (`+llm.api_key=...`)."""
    key, sep, _ = item.partition("=")
    return bool(sep) and is_secret_key(key.lstrip("+~").rsplit(".", 1)[-1])


def redact_overrides(overrides: list[str]) -> list[str]:
    """Command-line overrides with the values of secret-looking keys replaced by '***', URL credentials masked."""
    return [f"{item.partition('=')[0]}={MASK}" if secret_override(item) else mask_credentials(item)
            for item in overrides]


def secret_keys(config, prefix: str = "") -> list[str]:
    """The dotted keys of a plain config that hold a value under a secret-looking name."""
    found = []
    if isinstance(config, Mapping):
        for key, value in config.items():
            dotted = f"{prefix}{key}"
            if is_secret_key(str(key)) and value is not None and not isinstance(value, (Mapping, list)):
                found.append(dotted)
            else:
                found += secret_keys(value, f"{dotted}.")
    elif isinstance(config, list):
        for i, value in enumerate(config):
            found += secret_keys(value, f"{prefix}{i}.")
    return found
