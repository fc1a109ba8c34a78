"""Which files a version's manifest.json vouches for, with the sha256 it records for each.

The split files and their lineage files (`splits`), rejects.jsonl (`rejects`), the card's figures
(`figures`) and the card and dataset_info.json (`files`). manifest.json itself is the list, so it is
never in it.
"""

from __future__ import annotations

MANIFEST = "manifest.json"


def listed_files(manifest: dict) -> dict[str, str | None]:
    """File name -> recorded sha256 for every file the manifest lists."""
    listed: dict[str, str | None] = {}
    for info in (manifest.get("splits") or {}).values():
        if info.get("file"):
            listed[info["file"]] = info.get("sha256")
        if info.get("lineage"):
            listed[info["lineage"]] = info.get("lineage_sha256")
    rejects = manifest.get("rejects") or {}
    if rejects.get("file"):
        listed[rejects["file"]] = rejects.get("sha256")
    for section in ("figures", "files"):
        for name, info in (manifest.get(section) or {}).items():
            listed[name] = info.get("sha256")
    return listed


def short(sha: str | None) -> str:
    """The first 12 hex digits of a sha256 (or '-')."""
    return sha[:12] if sha else "-"
