"""What differs between two versions' recipes: config keys (flattened), overrides and input fingerprints."""

from __future__ import annotations

import json
from collections.abc import Mapping

ABSENT = object()


def flatten(config, prefix: str = "") -> dict[str, object]:
    """Nested mappings as `a.b.c -> value`; lists and scalars are values (an empty mapping is a value too)."""
    if not isinstance(config, Mapping) or (prefix and not config):
        return {prefix: config}
    flat: dict[str, object] = {}
    for key, value in config.items():
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def config_changes(a: Mapping, b: Mapping) -> list[dict]:
    """Each flattened key whose value differs: {key, a, b}; a key only one side has is `added` or `removed`."""
    flat_a, flat_b = flatten(a), flatten(b)
    changes = []
    for key in sorted(set(flat_a) | set(flat_b)):
        old, new = flat_a.get(key, ABSENT), flat_b.get(key, ABSENT)
        if old is ABSENT:
            changes.append({"key": key, "change": "added", "b": new})
        elif new is ABSENT:
            changes.append({"key": key, "change": "removed", "a": old})
        elif old != new:
            changes.append({"key": key, "change": "changed", "a": old, "b": new})
    return changes


def override_changes(a: list[str], b: list[str]) -> dict[str, list[str]]:
    """Overrides only in `a` (removed) and only in `b` (added), in command-line order."""
    return {"removed": [o for o in a if o not in b], "added": [o for o in b if o not in a]}


def input_key(entry: Mapping) -> str:
    """What names an input across builds: its file name, URL, query or hub id."""
    for key in ("name", "url", "query", "handle", "path"):
        if entry.get(key):
            return str(entry[key])
    return json.dumps(dict(entry), sort_keys=True, default=str)


def input_changes(a: list[dict], b: list[dict]) -> list[dict]:
    """Inputs added, removed, or with another fingerprint (sha256, revision, ...), by `input_key`."""
    by_a, by_b = {input_key(e): e for e in a}, {input_key(e): e for e in b}
    changes = []
    for key in sorted(set(by_a) | set(by_b)):
        old, new = by_a.get(key), by_b.get(key)
        if old is None:
            changes.append({"input": key, "change": "added", "b": _fingerprint(new)})
        elif new is None:
            changes.append({"input": key, "change": "removed", "a": _fingerprint(old)})
        elif _fingerprint(old) != _fingerprint(new):
            changes.append({"input": key, "change": "changed", "a": _fingerprint(old), "b": _fingerprint(new)})
    return changes


def _fingerprint(entry: Mapping) -> str:
    for key in ("sha256", "fingerprint", "revision", "version"):
        if entry.get(key):
            return str(entry[key])
    return json.dumps({k: v for k, v in entry.items() if k not in ("path", "fetched_at")}, sort_keys=True,
                      default=str)


def show_value(value) -> str:
    """A config value as the command line would write it (JSON for lists, mappings and null)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
