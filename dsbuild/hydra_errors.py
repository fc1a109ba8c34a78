"""Hydra's own errors as one dsbuild line, with the closest valid name.

Hydra reports an unknown group option, an unknown key or a run folder it cannot create in several lines
(options one per line, a config search path, a hint about HYDRA_FULL_ERROR) and exits 1. dsbuild says the
same in one line, e.g. `format=alpacca: no such option; did you mean alpaca? options: alpaca, cot_sft, ...`,
and the CLI exits 2 like for any other mistake. Errors raised by the build itself are not handled here.
"""

from __future__ import annotations

import difflib
import os
import re
import traceback
from pathlib import Path

from hydra.errors import MissingConfigException
from omegaconf.errors import OmegaConfBaseException

from .errors import DISK_ERRORS

_PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep
_MULTIPLE_VALUES = re.compile(r"Multiple values for (\S+?)\. To override a value use 'override \S+: (.+)'")
_CANNOT_DELETE = re.compile(r"Could not delete from config\. '(.+)' does not exist")
_APPEND_HINT = re.compile(r"To append to your config use (\S+)")


def one_line(exc: BaseException) -> str | None:
    """The one-line message for an error Hydra raised while composing the config or creating the run folder;
    None for an error of the build itself (the caller reports those)."""
    if not _raised_by_hydra(exc):
        return None
    if isinstance(exc, MissingConfigException):
        return _missing_option(exc)
    if isinstance(exc, OSError):
        why = DISK_ERRORS.get(exc.errno, exc.strerror or str(exc))
        return (f"cannot create Hydra's run folder {exc.filename or ''}: {why}; run dsbuild from a writable "
                "folder or set hydra.run.dir=<a writable folder> (hydra.sweep.dir=... with -m)")
    text = str(exc)
    cause = exc.__cause__
    if isinstance(cause, OmegaConfBaseException) and cause.full_key and cause.parent_node is not None:
        return _unknown_key(cause, _APPEND_HINT.search(text))
    if found := _MULTIPLE_VALUES.search(text):
        group, value = found.groups()
        return f"+{group}={value}: {group} is already chosen in the defaults; drop the '+': {group}={value}"
    if found := _CANNOT_DELETE.search(text):
        return f"~{found.group(1)}: no such key, so nothing to delete; check the name"
    return f"the config cannot be composed: {_first_lines(exc)}; check the overrides"


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate most like `word` (a typo's likely intent), None when none is close."""
    lowered = {c.lower(): c for c in candidates}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def _missing_option(exc: MissingConfigException) -> str:
    missing = exc.missing_cfg_file or ""
    group, _, option = missing.rpartition("/")
    options = sorted(exc.options or [])
    if not group:  # the primary config (--config-name) itself
        return f"no config named {missing!r} in the config folder; check --config-name / --config-dir"
    if not options:
        return f"{group}={option}: there is no config group {group!r}; check the name (or the --config-dir)"
    where = re.match(r"In '([^']+)'", str(exc))
    chosen_in = f" (chosen in {where.group(1)}.yaml)" if where and where.group(1) not in ("config", "hydra/config") \
        else ""
    guess = closest(option, options)
    return (f"{group}={option}: no such option{chosen_in}; " + (f"did you mean {guess}? " if guess else "")
            + f"options: {', '.join(options)}")


def _unknown_key(cause: OmegaConfBaseException, append_hint: re.Match | None) -> str:
    full_key = str(cause.full_key)
    parent, _, key = full_key.rpartition(".")
    keys = sorted(k for k in map(str, cause.parent_node.keys()) if not k.startswith("_"))
    guess = closest(key, keys)
    scope = parent or "the top level"
    message = f"{full_key}: no such key"
    if guess:
        message += f"; did you mean {parent + '.' if parent else ''}{guess}"
    message += f"; keys of {scope}: {', '.join(keys)}"
    if append_hint and not guess:
        message += f"; to add a new key, write {append_hint.group(1)}"
    return message


def _raised_by_hydra(exc: BaseException) -> bool:
    """True for an error of Hydra's own setup (composing, the run folder): its traceback never entered
    dsbuild's code. The build runs inside Hydra's job, so the build's errors pass through dsbuild's frames.
    The first frame is the caller's, where `exc` was caught."""
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    return not any(frame.filename.startswith(_PACKAGE_DIR) for frame in frames)


def _first_lines(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: " + " ".join(lines[:2]) if lines else type(exc).__name__
