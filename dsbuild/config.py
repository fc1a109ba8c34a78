"""Where dsbuild's configs, prompts and examples live, and the OmegaConf resolvers configs use.

Works from a checkout (editable install: `conf/` next to the package) and from a wheel (`conf/` is
packed inside the package as `dsbuild/conf`), whatever the working directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from omegaconf import OmegaConf

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


CONF_DIR = _shipped("conf")
PROMPTS_DIR = _shipped("prompts")
EXAMPLES_DIR = PACKAGE_DIR / "examples"


def example_path(name: str) -> str:
    """Absolute path of a bundled example file: `${dsbuild.example:doctor_qa.jsonl}` in a config."""
    return str(EXAMPLES_DIR / name)


def slug(text: str) -> str:
    """A folder name from override text (`${dsbuild.slug:…}`): path separators become '_'; a name past
    MAX_SLUG characters keeps its start and ends in a hash of the whole, so it stays a valid, unique name."""
    name = str(text).replace("/", "_").replace("\\", "_") or "default"
    if len(name.encode()) <= MAX_SLUG:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return name.encode()[: MAX_SLUG - 13].decode(errors="ignore") + "-" + digest


MAX_SLUG = 200  # bytes; file names may have 255


def register_resolvers() -> None:
    """Register dsbuild's resolvers once (safe to call again)."""
    for name, func in (("dsbuild.example", example_path), ("dsbuild.slug", slug)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, func)


register_resolvers()
