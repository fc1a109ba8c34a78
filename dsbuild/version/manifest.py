"""manifest.json: what was built, from what, by which code, and how every row was accounted for."""

from __future__ import annotations

import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .. import __version__
from .fingerprint import code_hash

KEY_PACKAGES = (
    "datasets", "pyarrow", "hydra-core", "omegaconf", "litellm", "jinja2", "scikit-learn",
    "audiomentations", "albumentations", "numpy", "matplotlib",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that can change a build's output."""
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> dict[str, str | bool | None]:
    """The dsbuild source checkout's commit and whether it had local changes (None when not a checkout)."""
    root = Path(__file__).resolve().parent.parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "dsbuild"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(dirty)}


def build_manifest(
    *,
    version_id: str,
    name: str,
    config: dict,
    overrides: list[str],
    choices: dict,
    inputs: list[dict],
    templates: dict[str, str],
    stages: list[dict],
    splits: dict[str, dict],
    seed: int,
    format_name: str,
) -> dict:
    """The manifest as a plain dict (written with sorted keys)."""
    return {
        "version_id": version_id,
        "name": name,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dsbuild": {"version": __version__, "code_sha256": code_hash(), "git": git_commit()},
        "python": platform.python_version(),
        "packages": package_versions(),
        "config": config,
        "overrides": overrides,
        "choices": choices,
        "inputs": inputs,
        "templates": templates,
        "stages": stages,
        "splits": splits,
        "format": format_name,
        "seed": seed,
    }
