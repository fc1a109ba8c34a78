"""Every version on disk, newest first: one summary per `<root>/<name>/<version id>/manifest.json`.

A manifest that cannot be read still gets an entry, with the problem, so no version is silently left
out of the list.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UserError
from ..split_order import split_rank
from .manifest_files import MANIFEST

OVERRIDES_WIDTH = 60


def find_versions(root: Path, name: str | None = None) -> list[dict]:
    """A summary of each version under `root` (only dataset `name` when given), newest first."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder of datasets; give --root DIR (where builds wrote "
                        "<name>/<version id>/, output_dir in the config)")
    if name is not None and not (root / name).is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        raise UserError(f"no dataset {name!r} under {root}; known: {', '.join(known) or 'none'}")
    pattern = f"{name}/*/{MANIFEST}" if name is not None else f"*/*/{MANIFEST}"
    entries = [summarize(path.parent) for path in root.glob(pattern) if not path.parent.name.startswith(".")]
    return sorted(entries, key=lambda e: (e["created_at"] or "", e["name"], e["version_id"]), reverse=True)


def summarize(folder: Path) -> dict:
    """What the list shows of one version folder (JSON-ready)."""
    entry = {"name": folder.parent.name, "version_id": folder.name, "path": str(folder), "created_at": None,
             "overrides": [], "rows": {}, "rejects": None, "cost_usd": None, "parent": None, "problem": None}
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        llm = manifest.get("llm") or {}
        entry.update(
            name=manifest.get("name", entry["name"]), version_id=manifest.get("version_id", entry["version_id"]),
            created_at=manifest.get("created_at"), overrides=list(manifest.get("overrides") or []),
            rows={split: info.get("rows", 0) for split, info in in_split_order(manifest.get("splits") or {})},
            rejects=(manifest.get("rejects") or {}).get("rows"), parent=manifest.get("parent"),
            cost_usd=round(sum(task.get("cost_usd", 0.0) for task in llm.values()), 6) if llm else None,
        )
    except (OSError, ValueError, AttributeError) as exc:
        entry["problem"] = f"{MANIFEST} cannot be read ({exc})"
    return entry


def in_split_order(splits: dict) -> list[tuple[str, dict]]:
    """A manifest's splits as (name, info), in `split_rank` order."""
    return sorted(splits.items(), key=lambda item: split_rank(item[0]))


def short_overrides(overrides: list[str], width: int = OVERRIDES_WIDTH) -> str:
    """The overrides on one line, cut to `width` characters (output_dir, a location, left out)."""
    text = " ".join(o for o in overrides if not o.startswith("output_dir="))
    return text if len(text) <= width else text[: width - 1] + "…"
