"""What a tracker is, and how a build's config hands one over.

The `tracking` option says where a version is reported, not what it holds, so `without_tracking` takes
it out of the config before the build fingerprints it: `dsbuild tracking=mlflow` finds the version
that plain `dsbuild` built, and logs it.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from ..errors import UserError

TRACKING_KEY = "tracking"


class Tracker(ABC):
    """Logs a finished version folder (its manifest, card, rejects and splits) somewhere to compare runs."""

    @abstractmethod
    def log(self, version: Path) -> str:
        """Report the version at `version`; return one line saying where it went."""


def without_tracking(cfg: DictConfig) -> tuple[DictConfig, DictConfig | None]:
    """(a copy of `cfg` without `tracking`, the tracking node resolved, or None when no tracker is chosen)."""
    if TRACKING_KEY not in cfg:
        return cfg, None
    try:
        node = OmegaConf.to_container(cfg[TRACKING_KEY], resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as exc:
        raise UserError(f"{exc.full_key or TRACKING_KEY}: {str(exc).strip().splitlines()[0]}; fix the tracking "
                        "option's value (or tracking=none)") from None
    rest = copy.deepcopy(cfg)
    with open_dict(rest):
        del rest[TRACKING_KEY]
    if not isinstance(node, dict) or not node.get("_target_"):
        return rest, None
    return rest, OmegaConf.create(node)
