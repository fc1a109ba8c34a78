"""The console the version commands print to: stdout, no syntax colouring, wide enough for tables in a pipe."""

from __future__ import annotations

import sys

from rich.console import Console

MIN_WIDTH = 120


def console() -> Console:
    """A rich console on the current stdout (at least MIN_WIDTH columns when it is not a terminal)."""
    out = Console(file=sys.stdout, highlight=False)
    if not out.is_terminal:
        out.width = max(out.width, MIN_WIDTH)
    return out
