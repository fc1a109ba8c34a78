"""Fingerprints of what decides a build's content: files, code, and the version id built from them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from ..secrets import is_secret_key

VERSION_ID_CHARS = 12
# Config keys that say *where* things are, not *what* they are: inputs are fingerprinted by content
# instead, and output locations never change content.
LOCATION_KEYS = frozenset({"path", "data_dir", "data_files", "output_dir", "cache_path", "cache_dir", "eval_path",
                           "sounds_path", "ir_path"})
# llm settings that decide how fast a build runs (or whether it stops) and where the server is, never what it
# writes: the answers decide that, and a version's id covers them (version_id).
LLM_RUNTIME_KEYS = frozenset({"concurrency", "workers", "rpm", "tpm", "cache", "max_cost_usd", "max_failed_share",
                              "preflight", "api_key_env", "api_key_required", "timeout", "api_base"})
RUNTIME_KEYS = {"llm": LLM_RUNTIME_KEYS, "augment": frozenset({"workers"})}  # per section: speed, not content
# top-level groups and keys that say where a build runs, or whether it publishes, never what it writes
RUNTIME_SECTIONS = frozenset({"executor", "allow_empty", "warn_share"})


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


def recipe_id(config: Mapping, inputs: list[dict], templates: Mapping[str, str]) -> str:
    """Hash of everything a build is made from: config, inputs, templates, code (the version id of a build
    that asks no LLM; see `version_id`)."""
    payload = {
        "config": content_config({k: v for k, v in config.items() if k not in RUNTIME_SECTIONS}),
        "inputs": strip_locations(inputs),
        "templates": dict(sorted(templates.items())),
        "code": code_hash(),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:VERSION_ID_CHARS]


def version_id(recipe: str, answers_digest: str | None) -> str:
    """The id a version is published under: its recipe's id, plus the digest of the LLM answers it holds
    when it asked an LLM (the same recipe with other answers, or with calls that failed, is other content)."""
    if answers_digest is None:
        return recipe
    return hashlib.sha256(f"{recipe}\0{answers_digest}".encode()).hexdigest()[:VERSION_ID_CHARS]
