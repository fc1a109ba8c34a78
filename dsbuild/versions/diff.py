"""`dsbuild diff`: two versions side by side, as data (for --json) and as lines for the terminal."""

from __future__ import annotations

from pathlib import Path

from ..review.version_reader import read_version
from .config_diff import config_changes, input_changes, override_changes, show_value
from .row_diff import row_changes


def diff_versions(a: Path, b: Path) -> dict:
    """Config, override, input and row differences from version folder `a` to `b` (JSON-ready)."""
    va, vb = read_version(a), read_version(b)
    return {
        "a": {"name": va.name, "version_id": va.id, "path": str(va.path)},
        "b": {"name": vb.name, "version_id": vb.id, "path": str(vb.path)},
        "config": config_changes(va.manifest.get("config") or {}, vb.manifest.get("config") or {}),
        "overrides": override_changes(va.manifest.get("overrides") or [], vb.manifest.get("overrides") or []),
        "inputs": input_changes(va.manifest.get("inputs") or [], vb.manifest.get("inputs") or []),
        "rows": row_changes(va.splits, vb.splits),
    }


def diff_lines(diff: dict) -> list[str]:
    """The diff as plain lines: `split.seed: 1 -> 2`, overrides, inputs, then rows per split and moves."""
    a, b = diff["a"], diff["b"]
    lines = [f"{a['name']}/{a['version_id']} -> {b['name']}/{b['version_id']}", "", "config:"]
    for c in diff["config"]:
        if c["change"] == "changed":
            lines.append(f"  {c['key']}: {show_value(c['a'])} -> {show_value(c['b'])}")
        elif c["change"] == "added":
            lines.append(f"  + {c['key']}: {show_value(c['b'])}")
        else:
            lines.append(f"  - {c['key']}: {show_value(c['a'])}")
    if not diff["config"]:
        lines.append("  (same)")
    overrides = diff["overrides"]
    lines.append("overrides:")
    lines += [f"  - {o}" for o in overrides["removed"]] + [f"  + {o}" for o in overrides["added"]]
    if not overrides["removed"] and not overrides["added"]:
        lines.append("  (same)")
    lines.append("inputs:")
    for c in diff["inputs"]:
        if c["change"] == "changed":
            lines.append(f"  {c['input']}: {c['a'][:12]} -> {c['b'][:12]}")
        else:
            lines.append(f"  {'+' if c['change'] == 'added' else '-'} {c['input']}")
    if not diff["inputs"]:
        lines.append("  (same)")
    lines.append("rows (by id):")
    for name, s in diff["rows"]["splits"].items():
        counts = f"{s['rows_a']} -> {s['rows_b']} rows: +{s['added']} added, -{s['removed']} removed, " \
                 f"{s['changed']} changed"
        lines.append(f"  {name}: {counts}")
        lines += [f"    {kind} e.g. {', '.join(ids)}" for kind, ids in s["examples"].items() if ids]
    for m in diff["rows"]["moved"]:
        lines.append(f"  moved {m['from']} -> {m['to']}: {m['rows']} rows, e.g. {', '.join(m['examples'])}")
    return lines
