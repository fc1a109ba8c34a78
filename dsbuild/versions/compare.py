"""Compare a rebuilt version folder with the original, file by file.

Every file must have the same bytes, except manifest.json, which is compared without what a rebuild
changes by design: `created_at`, each stage's `seconds`, the LLM usage counters (a rebuild answers from
the cache: `sent`, `cached`, cost and tokens differ; the `model` must not), and the config's
`output_dir` and LLM speed settings (they never change content; see `version.fingerprint`); and the
pilot's LLaMA-Factory config, which names where its version lives: it is compared with the rebuild's
location replaced by the original's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..export.pilot import PILOT_CONFIG
from ..version.fingerprint import LLM_RUNTIME_KEYS, file_sha256
from .config_diff import ABSENT, flatten
from .manifest_files import MANIFEST, short

SHOWN_KEYS = 5


@dataclass
class Comparison:
    """Files with the same bytes (manifest: same content), and one line per file that differs."""

    identical: int = 0
    differing: list[str] = field(default_factory=list)


def compare_folders(original: Path, rebuilt: Path) -> Comparison:
    """Every file of both folders, compared; a file only one side has is a difference."""
    names_a, names_b = _files(original), _files(rebuilt)
    result = Comparison()
    for name in sorted(names_a | names_b):
        if name not in names_b:
            result.differing.append(f"{name}: not in the rebuild")
        elif name not in names_a:
            result.differing.append(f"{name}: only in the rebuild")
        elif name == PILOT_CONFIG:
            moved = (rebuilt / name).read_text(encoding="utf-8").replace(str(rebuilt.parent), str(original.parent))
            if moved == (original / name).read_text(encoding="utf-8"):
                result.identical += 1
            else:
                result.differing.append(f"{name}: differs (beyond the folder it names)")
        elif name == MANIFEST:
            keys = _manifest_differences(original / name, rebuilt / name)
            if keys:
                shown = ", ".join(keys[:SHOWN_KEYS]) + (f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS
                                                        else "")
                result.differing.append(f"{name}: differs in {shown}")
            else:
                result.identical += 1
        else:
            sha_a, sha_b = file_sha256(original / name), file_sha256(rebuilt / name)
            if sha_a == sha_b:
                result.identical += 1
            else:
                result.differing.append(f"{name}: sha256 {short(sha_a)} -> {short(sha_b)}")
    return result


def stable_manifest(manifest: dict) -> dict:
    """The manifest without the keys a rebuild changes by design (see the module docstring)."""
    kept = {k: v for k, v in manifest.items() if k != "created_at"}
    kept["files"] = {k: v for k, v in (manifest.get("files") or {}).items() if k != PILOT_CONFIG}  # compared itself
    kept["stages"] = [{k: v for k, v in stage.items() if k != "seconds"} for stage in manifest.get("stages") or []]
    if "llm" in manifest:
        kept["llm"] = {task: {"model": usage.get("model")} for task, usage in (manifest["llm"] or {}).items()}
    config = dict(manifest.get("config") or {})
    config.pop("output_dir", None)
    if isinstance(config.get("llm"), dict):
        config["llm"] = {k: v for k, v in config["llm"].items() if k not in LLM_RUNTIME_KEYS}
    kept["config"] = config
    return kept


def _manifest_differences(a: Path, b: Path) -> list[str]:
    flat_a = flatten(stable_manifest(json.loads(a.read_text(encoding="utf-8"))))
    flat_b = flatten(stable_manifest(json.loads(b.read_text(encoding="utf-8"))))
    return [key for key in sorted(set(flat_a) | set(flat_b)) if flat_a.get(key, ABSENT) != flat_b.get(key, ABSENT)]


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
