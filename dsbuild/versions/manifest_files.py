"""Which files a version's manifest.json vouches for, with the sha256 it records for each.

The split files, their lineage files and LLaMA-Factory views (`splits`), rejects.jsonl (`rejects`), the card's figures
(`figures`), the card, dataset_info.json and media.sha256 (`files`), and the augmented media files that
media.sha256 lists. manifest.json itself is the list, so it is
never in it.
"""

from __future__ import annotations

from pathlib import Path

from ..augment.base import MEDIA_INDEX

MANIFEST = "manifest.json"


def listed_files(manifest: dict) -> dict[str, str | None]:
    """File name -> recorded sha256 for every file the manifest lists."""
    listed: dict[str, str | None] = {}
    for info in (manifest.get("splits") or {}).values():
        if info.get("file"):
            listed[info["file"]] = info.get("sha256")
        if info.get("lineage"):
            listed[info["lineage"]] = info.get("lineage_sha256")
        if info.get("llamafactory"):
            listed[info["llamafactory"]] = info.get("llamafactory_sha256")
    rejects = manifest.get("rejects") or {}
    if rejects.get("file"):
        listed[rejects["file"]] = rejects.get("sha256")
    for section in ("figures", "files"):
        for name, info in (manifest.get(section) or {}).items():
            listed[name] = info.get("sha256")
    return listed


def media_files(folder: Path, manifest: dict) -> dict[str, str | None]:
    """File name -> sha256 for the augmented media `media.sha256` lists (that file is itself in `files`)."""
    if MEDIA_INDEX not in (manifest.get("files") or {}) or not (folder / MEDIA_INDEX).is_file():
        return {}
    entries = {}
    for line in (folder / MEDIA_INDEX).read_text(encoding="utf-8").splitlines():
        sha, _, name = line.partition("  ")
        entries[name] = sha
    return entries


def short(sha: str | None) -> str:
    """The first 12 hex digits of a sha256 (or '-')."""
    return sha[:12] if sha else "-"
