"""The `dsbuild` command: a thin Hydra entry point around `dsbuild.build.build`, plus argparse
subcommands (`review`, `compare`, `versions`, `show`, `verify`, `diff`, `rebuild`) that Hydra never sees.

User mistakes end with one line on stderr and exit code 2; set DSBUILD_DEBUG=1 to get the traceback.
Ctrl-C and SIGTERM end with one line and exit code 130 (LLM answers already paid for are in the cache).
No secret reaches a message or a file: an override that sets one is refused before Hydra writes its
run folder, and credentials inside a URL are masked in messages and in Hydra's saved config.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from pathlib import Path

import hydra
from hydra._internal import utils as hydra_utils
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from . import hydra_errors, sweep
from .config import CONF_DIR
from .errors import Interrupted, UserError, disk_error
from .secrets import mask_credentials, scrub, secret_override

DEBUG_ENV = "DSBUILD_DEBUG"
# `dsbuild <word> ...` runs these modules' main(argv) instead of a build. A module whose COMMANDS lists
# the word gets it as argv[0] (several commands in one parser); the others get only what follows it.
SUBCOMMANDS = {"review": "dsbuild.review.cli", "compare": "dsbuild.compare.cli",
               **dict.fromkeys(("versions", "show", "verify", "diff", "rebuild"), "dsbuild.versions.cli")}
USER_ERROR_EXIT = 2
_HYDRA_RUN_AND_REPORT = hydra_utils.run_and_report
INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for a job stopped by Ctrl-C


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> str | dict:
    from .build import build
    from .report import print_summary

    hydra_cfg = HydraConfig.get()
    _mask_saved_config(hydra_cfg)
    choices = {k: v for k, v in hydra_cfg.runtime.choices.items() if not k.startswith("hydra/")}
    try:
        try:
            result = build(cfg, overrides=list(hydra_cfg.overrides.task), choices=choices)
        except OSError as exc:
            problem = disk_error(exc)
            if problem is None:
                raise
            raise problem from exc
    except Interrupted as exc:  # Hydra would print a traceback for it: end here, the sweep too
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"dsbuild: {exc}", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
    except UserError as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        message = mask_credentials(str(exc))
        print(f"dsbuild: error: {message}", file=sys.stderr)
        if hydra_cfg.mode is not None and hydra_cfg.mode.name == "MULTIRUN":
            return {"error": message}  # the sweep goes on; its summary shows this, and main() exits 2 at the end
        sys.exit(USER_ERROR_EXIT)
    print_summary(result.stages, result.splits, str(result.path), existed=result.existed, llm=result.llm,
                  note=result.note)
    return str(result.path)


def _mask_saved_config(hydra_cfg) -> None:
    """Mask every secret (a secret key's value, URL credentials) in the config files Hydra saved for this run."""
    import yaml

    folders = [Path(hydra_cfg.runtime.output_dir) / str(hydra_cfg.output_subdir)] if hydra_cfg.output_subdir else []
    if hydra_cfg.mode is not None and hydra_cfg.mode.name == "MULTIRUN":
        folders.append(Path(hydra_cfg.sweep.dir))
    for folder in folders:
        for path in folder.glob("*.yaml"):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                masked = scrub(data)
                if masked != data:
                    path.write_text(yaml.safe_dump(masked, sort_keys=False, allow_unicode=True), encoding="utf-8")
            except (OSError, yaml.YAMLError):  # another job of the sweep is rewriting it; that job masks it
                continue


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` ends a build like Ctrl-C: cleanly, with one line
    try:
        _main()
    except KeyboardInterrupt:  # outside a build (composing the config, importing): nothing to save
        if os.environ.get(DEBUG_ENV):
            raise
        print("dsbuild: interrupted; nothing was published", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in SUBCOMMANDS:  # an argparse subcommand: Hydra never sees its arguments
        module = importlib.import_module(SUBCOMMANDS[command])
        sys.exit(module.main(sys.argv[1:] if command in module.COMMANDS else sys.argv[2:]))
    problem = _unknown_command(command) or _unparsable_override(sys.argv[1:]) or _secret_override(sys.argv[1:])
    if problem:
        print(f"dsbuild: error: {problem}", file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)
    sys.argv += _name_sweep_folders_by_swept_keys(sys.argv[1:])
    hydra_utils.run_and_report = _run_and_report  # Hydra's own errors as one line (it looks the name up here)
    _hydra_main()
    failed = sweep.failed_jobs()
    if failed:
        print(f"dsbuild: error: {failed} job(s) of the sweep failed; see sweep_summary.md", file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)


def _run_and_report(func):
    """Hydra's `run_and_report`, except that its composition and run-folder errors end in one line, exit 2."""
    try:
        return func()
    except Exception as exc:
        message = None if os.environ.get(DEBUG_ENV) else hydra_errors.one_line(exc)
        if message is None:
            return _HYDRA_RUN_AND_REPORT(lambda failed=exc: _reraise(failed))  # its own report, or the traceback
        print(f"dsbuild: error: {mask_credentials(message)}", file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)


def _reraise(exc: Exception):
    raise exc


def _unknown_command(word: str) -> str | None:
    """The refusal of a first argument that is neither a command, an override nor an option (`versoins`)."""
    if not word or word.startswith("-") or "=" in word or word.startswith(("~", "+")):
        return None
    guess = hydra_errors.closest(word, list(SUBCOMMANDS))
    return (f"unknown command {word!r}; " + (f"did you mean {guess}? " if guess else "")
            + f"commands: {', '.join(SUBCOMMANDS)}; a build takes overrides such as format=alpaca")


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


def _secret_override(argv: list[str]) -> str | None:
    """The refusal of the first override that sets a secret (Hydra would save it in its run folder)."""
    from hydra._internal.utils import get_args_parser

    known, _ = get_args_parser().parse_known_args(argv)
    for item in known.overrides or []:
        if secret_override(item):
            key = item.partition("=")[0].lstrip("+~")
            return (f"{key}: a secret never goes on the command line or in a config (it would be saved in "
                    "outputs/); export it in an environment variable and name that, e.g. llm.api_key_env=MY_KEY")
    return None


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
