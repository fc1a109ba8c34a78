"""What `dsbuild compare` compares: the versions named on the command line, each with a readable label.

A sweep folder stands for its jobs' versions, labelled by their swept values (read from
`sweep_summary.json`, or from the jobs' own `dsbuild_job.json` while the sweep is still running); a
version folder or id stands for itself, labelled by its id. Failed jobs are kept as notes, never dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..review.version_reader import MANIFEST, Version, locate, read_version
from ..sweep import JOB_FILE, SUMMARY_JSON, collect


@dataclass
class Compared:
    """One column of the comparison: a label and the version read back."""

    label: str
    version: Version


@dataclass
class Selection:
    """The versions to compare, in command-line (and job) order, and the sweep jobs that have none."""

    versions: list[Compared]
    failed: list[str] = field(default_factory=list)  # "<swept values>: <error>" per failed sweep job
    sweep_dirs: list[Path] = field(default_factory=list)


def select(refs: list[str], root: Path) -> Selection:
    """Resolve every sweep folder, version folder or version id in `refs` (looked up under `root`)."""
    entries: list[tuple[str, Path]] = []
    selection = Selection(versions=[])
    for ref in refs:
        path = Path(ref).expanduser()
        if path.is_dir() and not (path / MANIFEST).is_file():
            rows = _sweep_rows(path)
            selection.sweep_dirs.append(path.resolve())
            for row in rows:
                label = " ".join(row.get("swept") or []) or row.get("version_id") or f"job {row.get('job')}"
                if "error" in row:
                    selection.failed.append(f"{label}: {row['error']}")
                else:
                    entries.append((label, _job_version(path, row)))
        else:
            found = locate(ref, root)
            entries.append((found.name, found))
    if not entries:
        raise UserError(f"no built version to compare in {', '.join(refs)}: every sweep job failed; fix the "
                        "errors in sweep_summary.md and run the sweep again")
    read: dict[Path, Version] = {}  # a version two jobs share (their sweep changed nothing it depends on) is read once
    for label, (_, path) in zip(_unique([label for label, _ in entries]), entries):
        if path not in read:
            read[path] = read_version(path)
        selection.versions.append(Compared(label=label, version=read[path]))
    return selection


def _sweep_rows(folder: Path) -> list[dict]:
    summary = folder / SUMMARY_JSON
    if summary.is_file():
        try:
            rows = json.loads(summary.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserError(f"{summary}: not valid JSON ({exc}); run the sweep again to rewrite it") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise UserError(f"{summary}: not a list of job rows; run the sweep again to rewrite it")
        return rows
    rows = collect(folder)  # a sweep still running (or stopped) has its jobs' rows but no summary yet
    if not rows:
        raise UserError(f"{folder}: neither a sweep folder ({SUMMARY_JSON} or */{JOB_FILE}) nor a version folder "
                        f"({MANIFEST}); give one of those, or a version id")
    return rows


def _job_version(sweep_dir: Path, row: dict) -> Path:
    path = Path(row.get("path") or "")
    if not row.get("path") or not (path / MANIFEST).is_file():
        raise UserError(f"{sweep_dir / SUMMARY_JSON}: job {row.get('job')} names the version {path}, which is not "
                        "there any more; rebuild it (run the sweep again) or compare the versions you have")
    return path.resolve()


def _unique(labels: list[str]) -> list[str]:
    """The labels, with ' (2)', ' (3)' added to repeats so every column has its own name."""
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique
