"""How fast calls go out: requests and tokens per minute, and the wait before another attempt."""

from __future__ import annotations

import asyncio
import random
import time


def backoff(attempt: int, retry_after: float | None, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds to wait before the next attempt: Retry-After if given, else exponential with jitter."""
    if retry_after is not None:
        return min(retry_after, 120.0)
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


class RateLimiter:
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
