"""The `dsbuild` command: a thin Hydra entry point around `dsbuild.build.build`.

User mistakes end with one line on stderr and exit code 2; set DSBUILD_DEBUG=1 to get the traceback.
"""

from __future__ import annotations

import os
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config import CONF_DIR
from .errors import UserError

DEBUG_ENV = "DSBUILD_DEBUG"
USER_ERROR_EXIT = 2


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> str:
    from .build import build
    from .report import print_summary

    hydra_cfg = HydraConfig.get()
    choices = {k: v for k, v in hydra_cfg.runtime.choices.items() if not k.startswith("hydra/")}
    try:
        result = build(cfg, overrides=list(hydra_cfg.overrides.task), choices=choices)
    except UserError as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"dsbuild: error: {exc}", file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)
    print_summary(result.stages, result.splits, str(result.path), existed=result.existed)
    return str(result.path)


def main() -> None:
    """Console-script entry point."""
    _hydra_main()


if __name__ == "__main__":
    main()
