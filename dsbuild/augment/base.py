"""The contract between the augment stage and one modality's transforms (image, audio or text).

The stage decides which rows get copies and derives each copy's seed; a modality turns the original
rows into new field values with the same seed always giving the same bytes. It never sees splits,
so it cannot move a copy away from its original's split.
"""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

MEDIA_FOLDER = "media"
MEDIA_INDEX = "media.sha256"  # in the version folder: sha256 and path of each media file, as sha256sum writes


@dataclass
class Copies:
    """The copies to make: the original row of each copy (repeated once per copy) and its seed."""

    rows: pa.Table
    seeds: np.ndarray  # uint32, one per row of `rows`, from (global seed, original id, copy index)


@dataclass
class Augmented:
    """What a modality made of each copy, in the order of `Copies.rows`.

    `columns` holds the new value of every field it rewrote (e.g. `image`, `image_sha256`, `width`,
    `boxes`), one per copy; `applied` the transforms that ran with their sampled parameters, as
    JSON-ready dicts `{"transform": name, **params}`; `changed` is False where the copy came out equal
    to its original (the stage does not keep those); `failed` holds a reason where no copy could be
    made (e.g. the back-translation call failed), else None.
    """

    columns: dict[str, list]
    applied: list[list[dict]]
    changed: list[bool]
    failed: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.failed:
            self.failed = [None] * len(self.applied)


@dataclass
class AugmentContext:
    """What the stage lends a modality: where media files go, the LLM backend, how many processes."""

    media: MediaFolder
    workers: int = 1
    llm: object | None = None  # the build's dsbuild.llm.session.LLMSession when it configures a backend
    progress: object | None = None  # progress(label) callable, or None


class Modality(ABC):
    """One modality's pipeline, built by Hydra from `augment.image` / `augment.audio` / `augment.text`."""

    name: str

    @abstractmethod
    def check(self, schema: pa.Schema) -> None:
        """Raise UserError (naming the augment key and the missing field) if the rows cannot be augmented."""

    @property
    def uses_llm(self) -> bool:
        """True when a transform calls the LLM backend (back-translation): its settings then count in the version id."""
        return False

    def fingerprint(self) -> list[dict]:
        """Files the transforms read (noise clips, a synonym dictionary) as version inputs:
        `{"path": ..., "sha256": ...}` each, so editing one makes a new version."""
        return []

    @abstractmethod
    def augment(self, copies: Copies, context: AugmentContext) -> Augmented:
        """Transform every copy; equal seeds give equal output bytes."""


class MediaFolder:
    """Augmented media files of a version: `<version>/media/<sha256><suffix>`, named by their content.

    Picklable (only a path), so worker processes write their files directly.
    """

    def __init__(self, version_root: Path):
        self.version_root = Path(version_root)

    def write(self, data: bytes, suffix: str) -> tuple[str, str]:
        """Store `data`; return (path relative to the version folder, sha256). Same bytes, same file."""
        sha = hashlib.sha256(data).hexdigest()
        relative = f"{MEDIA_FOLDER}/{sha}{suffix}"
        path = self.version_root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(path)
        return relative, sha

    def resolve(self, relative: str) -> Path:
        """The file a row's relative media path names."""
        return self.version_root / relative
