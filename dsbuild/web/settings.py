"""How the `web` source fetches: timeouts, retries, size cap, concurrency, user agent, robots.txt, refetch.

One frozen dataclass, checked when it is made, so a bad value in `source.<key>` stops the build before any
request with a one-line error that names the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import dsbuild
from dsbuild.errors import UserError

PER_HOST_LIMIT = 2  # requests in flight to one scheme://host:port, whatever `concurrency` is


def default_user_agent() -> str:
    """`dsbuild/<version> (...)`: names the tool and where to read about it, as polite crawlers do."""
    version = getattr(dsbuild, "__version__", None) or "0.1"
    return f"dsbuild/{version} (dataset builder; +https://pypi.org/project/dsbuild/)"


@dataclass(frozen=True)
class FetchSettings:
    """Fetch behaviour; every field is also a `source.<field>` config key.

    `retries` counts tries after the first; `backoff` is the first wait in seconds (doubled each retry,
    with jitter); `max_wait` caps any single wait: backoff, Retry-After and robots.txt Crawl-delay.
    """

    timeout: float = 20.0
    retries: int = 3
    max_bytes: int = 5_000_000
    concurrency: int = 8
    user_agent: str = field(default_factory=default_user_agent)
    respect_robots: bool = True
    refetch: bool = False
    backoff: float = 1.0
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        _number(self, "timeout", minimum=0.0, inclusive=False)
        _integer(self, "retries", minimum=0)
        _integer(self, "max_bytes", minimum=1)
        _integer(self, "concurrency", minimum=1)
        _flag(self, "respect_robots")
        _flag(self, "refetch")
        _number(self, "backoff", minimum=0.0, inclusive=True)
        _number(self, "max_wait", minimum=0.0, inclusive=True)
        agent = self.user_agent
        if not isinstance(agent, str) or not agent.strip() or "\n" in agent or "\r" in agent:
            raise UserError(f"source.user_agent: expected one non-empty line of text, got {agent!r}")

    @classmethod
    def from_config(cls, source: Mapping) -> FetchSettings:
        """The settings named in a source config; its other keys (urls, sitemap, ...) are not ours to check."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in source.items() if k in names and v is not None})


def _number(settings: FetchSettings, key: str, minimum: float, inclusive: bool) -> None:
    value = getattr(settings, key)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or value < minimum or (value == minimum and not inclusive):
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        raise UserError(f"source.{key}: expected a number of seconds {bound}, got {value!r}")


def _integer(settings: FetchSettings, key: str, minimum: int) -> None:
    value = getattr(settings, key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise UserError(f"source.{key}: expected a whole number >= {minimum}, got {value!r}")


def _flag(settings: FetchSettings, key: str) -> None:
    value = getattr(settings, key)
    if not isinstance(value, bool):
        raise UserError(f"source.{key}: expected true or false, got {value!r}")
