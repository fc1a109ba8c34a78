"""The `dsbuild` command: a thin Hydra entry point around `dsbuild.build.build`, plus argparse
subcommands (`review`, `compare`, `versions`, `show`, `verify`, `diff`, `rebuild`) that Hydra never sees.

User mistakes end with one line on stderr and exit code 2; set DSBUILD_DEBUG=1 to get the traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from . import sweep
from .config import CONF_DIR
from .errors import UserError

DEBUG_ENV = "DSBUILD_DEBUG"
# `dsbuild <word> ...` runs these modules' main(argv) instead of a build. A module whose COMMANDS lists
# the word gets it as argv[0] (several commands in one parser); the others get only what follows it.
SUBCOMMANDS = {"review": "dsbuild.review.cli", "compare": "dsbuild.compare.cli",
               **dict.fromkeys(("versions", "show", "verify", "diff", "rebuild"), "dsbuild.versions.cli")}
USER_ERROR_EXIT = 2


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> str | dict:
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
        if hydra_cfg.mode is not None and hydra_cfg.mode.name == "MULTIRUN":
            return {"error": str(exc)}  # the sweep goes on; its summary shows this, and main() exits 2 at the end
        sys.exit(USER_ERROR_EXIT)
    print_summary(result.stages, result.splits, str(result.path), existed=result.existed)
    return str(result.path)


def main() -> None:
    """Console-script entry point."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in SUBCOMMANDS:  # an argparse subcommand: Hydra never sees its arguments
        module = importlib.import_module(SUBCOMMANDS[command])
        sys.exit(module.main(sys.argv[1:] if command in module.COMMANDS else sys.argv[2:]))
    problem = _unparsable_override(sys.argv[1:])
    if problem:
        print(f"dsbuild: error: {problem}", file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)
    sys.argv += _name_sweep_folders_by_swept_keys(sys.argv[1:])
    _hydra_main()
    failed = sweep.failed_jobs()
    if failed:
        print(f"dsbuild: error: {failed} job(s) of the sweep failed; see sweep_summary.md", file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)


ALWAYS_UNNAMED = ("output_dir", "hydra.run.dir", "hydra.sweep.dir")  # never part of a sweep folder's name


def _name_sweep_folders_by_swept_keys(argv: list[str]) -> list[str]:
    """For a multirun, the override that names each job's folder after the swept keys only.

    `dsbuild -m llm=a,b source.path=/long/path` makes folders `llm=a`, `llm=b`: the fixed overrides are
    the same for every job and would only make names long (past the 255-byte limit of a file name).
    """
    from hydra._internal.utils import get_args_parser
    from hydra.core.override_parser.overrides_parser import OverridesParser

    known, _ = get_args_parser().parse_known_args(argv)
    if not known.multirun:
        return []
    overrides = OverridesParser.create().parse_overrides(known.overrides or [])
    fixed = [o.key_or_group for o in overrides if not o.is_sweep_override()]
    keys = ",".join(dict.fromkeys([*ALWAYS_UNNAMED, *fixed]))
    return [f"hydra.job.config.override_dirname.exclude_keys=[{keys}]"]


def _unparsable_override(argv: list[str]) -> str | None:
    """A one-line message for the first override Hydra's grammar cannot read (Hydra's own is several lines)."""
    from hydra._internal.utils import get_args_parser
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    known, _ = get_args_parser().parse_known_args(argv)
    parser = OverridesParser.create()
    for item in known.overrides or []:
        try:
            parser.parse_overrides([item])
        except OverrideParseException as exc:
            lines = [line for line in str(exc).splitlines()
                     if line.strip() and not line.startswith(("Error parsing override", "See https://"))]
            detail = (lines[0] if lines else "not valid override syntax").split(" expecting ")[0]
            key, _, value = item.partition("=")
            return (f"the override {item!r} cannot be read ({detail}); quote a value with special characters, "
                    f"e.g. \"{key}='{value}'\"")
    return None


if __name__ == "__main__":
    main()
