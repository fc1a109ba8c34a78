"""One-line reasons for library exceptions, so a broken file becomes a readable reject, never a traceback."""

from __future__ import annotations

MAX_REASON = 200  # characters of a library message kept in a reason


def reason(exc: BaseException) -> str:
    """`Type: first line of the message`, shortened: what a reject row can show for `exc`."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"
