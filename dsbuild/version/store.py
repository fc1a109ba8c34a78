"""Atomic version folders: everything is written to a temp folder, then renamed into place.

A crash leaves at most a `.tmp-*` folder (ignored and cleaned by the next build of that dataset),
never a partial version.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..processes import pid_alive

TMP_PREFIX = ".tmp-"


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
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(final.parent)
    tmp = final.parent / f"{TMP_PREFIX}{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
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
    """Delete temp folders left by builds that died (their pid is gone)."""
    for path in parent.glob(f"{TMP_PREFIX}*"):
        try:
            pid = int(path.name.rsplit("-", 2)[-2])
        except (ValueError, IndexError):
            continue
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(path, ignore_errors=True)

