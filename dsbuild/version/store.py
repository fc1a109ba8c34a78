"""Atomic version folders: everything is written to a temp folder, then renamed into place.

A crash leaves at most a `.tmp-*` folder (ignored and cleaned by the next build of that dataset),
never a partial version.

A temp folder's name says who made it: `.tmp-<name>@<host>-<pid>-<start>-<random>` (`start`: when the
process started, 0 where unknown). Builds on several machines may share the dataset folder (Slurm jobs
on a shared file system), and a pid means nothing on another host, so the next build removes a temp folder
only when it is sure its build died:

- from this host: when no process has that pid, or the process with that pid started at another time
  (the pid was reused);
- from another host (or without an owner in its name, from an older dsbuild): when it has not been
  modified for STALE_AFTER_DAYS days; a live build on another node is never touched before that.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import UserError
from ..processes import process_start, same_process

TMP_PREFIX = ".tmp-"
STALE_AFTER_DAYS = 7  # longer than a build runs, and than most clusters let a job run
_HOST_CHARS = 64
_NOT_IN_HOST = re.compile(r"[^A-Za-z0-9._-]")


def version_dir(root: Path, name: str, version_id: str) -> Path:
    """Where a version lives: <root>/<name>/<version_id>."""
    return root / name / version_id


def write_atomically(final: Path, fill: Callable[[Path], None]) -> bool:
    """Run `fill(tmp_dir)`, then rename tmp_dir to `final`. False if `final` appeared meanwhile."""
    with staged(final) as tmp:
        fill(tmp)
        return publish(tmp, final)


@contextmanager
def staged(final: Path) -> Iterator[Path]:
    """A new temp folder beside `final` for a version's files; removed on leaving unless it was published.

    A build opens it before its stages when a stage writes files (augmented media) into the version.
    """
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(_file_in_the_way(final.parent)) from None
    _remove_stale_tmp(final.parent)
    tmp = final.parent / f"{TMP_PREFIX}{final.name}@{_owner_tag()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        try:  # a build that published nothing leaves no empty dataset folder behind
            final.parent.rmdir()
        except OSError:  # it holds versions (or another build's temp folder)
            pass


@contextmanager
def scratch(final: Path) -> Iterator[Path]:
    """A temp folder beside `final` for a build's intermediate files (spilled rows); always removed on leaving."""
    with staged(final.with_name(f"{final.name}.work")) as folder:
        yield folder


def _file_in_the_way(folder: Path) -> str:
    """What stops `folder` (<output_dir>/<name>) from being made: a file where it or a parent should be."""
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
    what = "the dataset's folder" if blocker == folder else "a folder"
    return (f"{blocker} is a file where {what} goes (output_dir={folder.parent}, name={folder.name}); "
            "move the file away, or set output_dir / name to another place")


def publish(tmp: Path, final: Path) -> bool:
    """fsync every file of `tmp` and rename it to `final`. False (tmp removed) if `final` appeared meanwhile."""
    for path in tmp.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    try:
        os.rename(tmp, final)
    except OSError:
        if final.exists():
            shutil.rmtree(tmp)
            return False
        raise
    return True


def _remove_stale_tmp(parent: Path) -> None:
    """Delete the temp folders left by builds that died (the rule is in the module's docstring)."""
    now = time.time()
    for path in parent.glob(f"{TMP_PREFIX}*"):
        if _stale(path, now):
            shutil.rmtree(path, ignore_errors=True)


def _stale(path: Path, now: float) -> bool:
    owner = _owner(path.name)
    if owner is not None and owner[0] == _host():
        return not same_process(owner[1], owner[2])
    try:
        return now - path.stat().st_mtime > STALE_AFTER_DAYS * 86400
    except OSError:  # removed meanwhile by its own build
        return False


def _owner_tag() -> str:
    """`<host>-<pid>-<start>` of this process, for the names of its temp folders (read at each call: a forked
    process has its own)."""
    return f"{_host()}-{os.getpid()}-{process_start(os.getpid()) or 0}"


def _owner(name: str) -> tuple[str, int, str | None] | None:
    """(host, pid, start or None) from a temp folder's name; None when the name holds no owner."""
    _, at, tag = name.rpartition("@")
    parts = tag.rsplit("-", 3)
    if not at or len(parts) != 4 or not parts[1].isdigit():
        return None
    host, pid, start, _ = parts
    return host, int(pid), None if start == "0" else start


def _host() -> str:
    """This machine's name as it goes in a folder name."""
    return _NOT_IN_HOST.sub("_", socket.gethostname())[:_HOST_CHARS]

