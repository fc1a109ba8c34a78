"""The `augment` config group as a checked policy: which splits get copies, how many, and how much noise.

    splits: [train]        # splits whose rows get augmented copies, kept in the same split
    copies: 1              # copies per row (each with its own seed)
    max_fraction: 0.5      # augmented rows at most this share of a split (originals are never drowned)
    noisy:                 # optional robustness splits: noisy copies of validation/test rows, kept apart
      splits: []           #   e.g. [validation, test] -> validation_noisy, test_noisy
      fraction: 1.0        #   share of those splits' rows that get one noisy copy
    class_field: null      # field counted per class in the card (null: `label` when the rows have it)
    workers: auto          # processes for media transforms (auto: one per CPU)
    image / audio / text:  # the modalities (see images.py, audio.py, text.py); null = not augmented
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import UserError
from ..split_order import SPLITS
from .base import Modality

MODALITIES = ("image", "audio", "text")
NOISY_SUFFIX = "_noisy"
_KEYS = {"splits", "copies", "max_fraction", "noisy", "class_field", "workers", *MODALITIES}


@dataclass
class AugmentPolicy:
    """A checked `augment` config, with its modalities already built."""

    splits: list[str] = field(default_factory=list)
    copies: int = 1
    max_fraction: float = 0.5
    noisy_splits: list[str] = field(default_factory=list)
    noisy_fraction: float = 1.0
    class_field: str | None = None
    workers: int = 1
    modalities: list[Modality] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """True when the policy makes any copy at all."""
        return bool(self.modalities) and bool(self.splits or self.noisy_splits)

    def noisy_name(self, split: str) -> str:
        return f"{split}{NOISY_SUFFIX}"


def augment_policy(plain: Mapping | None, modalities: Mapping[str, Modality | None]) -> AugmentPolicy:
    """Check the plain `augment` config; `modalities` are its image/audio/text nodes built by Hydra."""
    plain = dict(plain or {})
    unknown = sorted(set(plain) - _KEYS)
    if unknown:
        raise UserError(f"augment.{unknown[0]} is not an augment setting; known: {', '.join(sorted(_KEYS))}")
    noisy = dict(plain.get("noisy") or {})
    if set(noisy) - {"splits", "fraction"}:
        bad = sorted(set(noisy) - {"splits", "fraction"})[0]
        raise UserError(f"augment.noisy.{bad} is not a setting; use augment.noisy.splits and augment.noisy.fraction")
    built = [m for key in MODALITIES if (m := modalities.get(key)) is not None]
    for key, node in modalities.items():
        if node is not None and not isinstance(node, Modality):
            raise UserError(f"augment.{key} is not an augmentation: its `_target_` must name a dsbuild.augment class")
    policy = AugmentPolicy(
        splits=_split_names(plain.get("splits"), "augment.splits"),
        copies=_number(plain.get("copies", 1), "augment.copies", int, 1),
        max_fraction=_fraction(plain.get("max_fraction", 0.5), "augment.max_fraction"),
        noisy_splits=_split_names(noisy.get("splits"), "augment.noisy.splits"),
        noisy_fraction=_fraction(noisy.get("fraction", 1.0), "augment.noisy.fraction"),
        class_field=plain.get("class_field"),
        workers=_workers(plain.get("workers", "auto")),
        modalities=built,
    )
    if (policy.splits or policy.noisy_splits) and not built:
        raise UserError("augment.splits is set but no modality is: set augment.image, augment.audio or augment.text, "
                        "e.g. augment=images")
    return policy


def _split_names(value, key: str) -> list[str]:
    names = [str(v) for v in (value or [])]
    for name in names:
        if name not in SPLITS:
            raise UserError(f"{key} has {name!r}; splits are {', '.join(SPLITS)}")
    if len(set(names)) != len(names):
        raise UserError(f"{key} names a split twice: {names}")
    return names


def _number(value, key: str, kind, minimum):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UserError(f"{key} must be a number, got {value!r}") from None
    if number < minimum or (kind is int and number != value):
        raise UserError(f"{key} must be a whole number >= {minimum}, got {value!r}")
    return number


def _fraction(value, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{key} must be a number between 0 and 1, got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise UserError(f"{key} must be between 0 and 1, got {value!r}")
    return number


def _workers(value) -> int:
    if value in (None, "auto"):
        return max(1, os.cpu_count() or 1)
    return _number(value, "augment.workers", int, 1)
