"""Fingerprints of what decides a build's content: files, code, and the version id built from them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

VERSION_ID_CHARS = 12
# Config keys that say *where* things are, not *what* they are: inputs are fingerprinted by content
# instead, and output locations never change content.
LOCATION_KEYS = frozenset({"path", "data_dir", "data_files", "output_dir", "cache_path", "cache_dir", "eval_path",
                           "sounds_path", "ir_path"})
# llm settings that decide how fast a build runs (or whether it stops), never what it writes.
LLM_RUNTIME_KEYS = frozenset({"concurrency", "workers", "rpm", "tpm", "cache", "max_cost_usd"})
RUNTIME_KEYS = {"llm": LLM_RUNTIME_KEYS, "augment": frozenset({"workers"})}  # per section: speed, not content
RUNTIME_SECTIONS = frozenset({"executor"})  # top-level groups that say where a build runs, never what it writes
SECRET_MARKERS = ("api_key", "apikey", "token", "secret", "password", "passwd", "credential")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 over the package's Python sources: any code change makes a new version id."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_secret_key(key: str) -> bool:
    """True for config keys that may hold credentials (they never reach a hash or a file)."""
    lowered = key.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def redact(config):
    """A copy of a plain config with secret-looking keys replaced by '***'."""
    if isinstance(config, Mapping):
        return {k: ("***" if is_secret_key(str(k)) and v is not None else redact(v)) for k, v in config.items()}
    if isinstance(config, list):
        return [redact(v) for v in config]
    return config


def redact_overrides(overrides: list[str]) -> list[str]:
    """Command-line overrides with the values of secret-looking keys replaced by '***'."""
    redacted = []
    for item in overrides:
        key, sep, _ = item.partition("=")
        redacted.append(f"{key}=***" if sep and is_secret_key(key.rsplit(".", 1)[-1]) else item)
    return redacted


def content_config(config):
    """The part of a plain config that decides content: no secrets, no locations, no llm speed settings."""
    if isinstance(config, Mapping):
        kept = {
            k: content_config(v) for k, v in config.items()
            if not is_secret_key(str(k)) and str(k) not in LOCATION_KEYS
        }
        for section, runtime in RUNTIME_KEYS.items():
            if isinstance(kept.get(section), Mapping):
                kept[section] = {k: v for k, v in kept[section].items() if k not in runtime}
        return kept
    if isinstance(config, list):
        return [content_config(v) for v in config]
    return config


def strip_locations(inputs: list[dict]) -> list[dict]:
    """Input fingerprints without absolute locations (content, names and sizes stay)."""
    return [{k: v for k, v in item.items() if k not in LOCATION_KEYS} for item in inputs]


def version_id(config: Mapping, inputs: list[dict], templates: Mapping[str, str]) -> str:
    """Hash of everything that decides the content of a version."""
    payload = {
        "config": content_config({k: v for k, v in config.items() if k not in RUNTIME_SECTIONS}),
        "inputs": strip_locations(inputs),
        "templates": dict(sorted(templates.items())),
        "code": code_hash(),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:VERSION_ID_CHARS]
