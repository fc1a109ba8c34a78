"""Is a process still running? For leftovers of builds that died: temp folders, claims on LLM calls.

A pid alone names a process only on its own host, and only until the pid is reused: `process_start` gives
a token for when a process started (Linux: its start time in clock ticks since boot, from /proc), so a
leftover that records pid and start is recognised as another process's once its pid is reused.
"""

from __future__ import annotations

import os
from pathlib import Path

_STARTTIME_FIELD = 19  # /proc/<pid>/stat field 22, counted after the `(command)` field ends (field 3 first)


def pid_alive(pid: int) -> bool:
    """True while process `pid` exists on this host (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start(pid: int) -> str | None:
    """When process `pid` started, as a token to compare (None where it cannot be read: not Linux, no such pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces and parentheses
    return fields[_STARTTIME_FIELD] if len(fields) > _STARTTIME_FIELD else None


def same_process(pid: int, start: str | None) -> bool:
    """True while `pid` on this host is the process that started at `start` (unknown `start`: any process)."""
    if not pid_alive(pid):
        return False
    if start is None:
        return True
    now = process_start(pid)
    return now is None or now == start
