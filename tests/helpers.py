"""Small helpers the tests share (importable because pytest puts tests/ on the path)."""

from __future__ import annotations

import json
from pathlib import Path


def write_jsonl(path: Path, rows) -> Path:
    """Write rows as JSON lines (UTF-8) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
REPO = Path(__file__).resolve().parent.parent
