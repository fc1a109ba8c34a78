"""The recipe index: which versions were built from one recipe, oldest first, and how many calls failed.

A version's id covers its recipe (config, inputs, templates, code) and, when it asked an LLM, the
digest of the answers it holds, so the id of an LLM build is known only once its calls are done. The
index lets the next run of the same command find the latest version of its recipe before doing any
work: one with no failed call "already exists"; one with failed calls is healed (those calls are
retried and the result is a new version that supersedes it).

`<output_dir>/.recipes/<name>/<recipe id>.jsonl` (beside the dataset folders, so a dataset folder holds
only its versions), one JSON line per published version, appended (a line this short is written in
one piece, so concurrent builds do not interleave).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

INDEX_FOLDER = ".recipes"
MANIFEST = "manifest.json"


def record(dataset_dir: Path, recipe: str, version_id: str, failed_calls: int) -> None:
    """Note that `version_id` was published from `recipe` with `failed_calls` failed LLM calls."""
    folder = _index(dataset_dir)
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"version_id": version_id, "failed_calls": failed_calls}, sort_keys=True) + "\n"
    fd = os.open(folder / f"{recipe}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def latest(dataset_dir: Path, recipe: str) -> dict | None:
    """The newest version of `recipe` that is still on disk ({"version_id", "failed_calls"}), or None.

    A build without LLM calls is published under its recipe id itself, so a folder of that name counts
    (also when the index was deleted, or the version came from an older dsbuild).
    """
    path = _index(dataset_dir) / f"{recipe}.jsonl"
    entries = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:  # a line cut short by a crash: the versions before it still count
                continue
    for entry in reversed(entries):
        if (dataset_dir / str(entry.get("version_id")) / MANIFEST).is_file():
            return {"version_id": str(entry["version_id"]), "failed_calls": int(entry.get("failed_calls") or 0)}
    if (dataset_dir / recipe / MANIFEST).is_file():
        return {"version_id": recipe, "failed_calls": 0}
    return None


def _index(dataset_dir: Path) -> Path:
    return dataset_dir.parent / INDEX_FOLDER / dataset_dir.name
