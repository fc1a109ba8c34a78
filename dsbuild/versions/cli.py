"""`dsbuild versions | show | verify | diff | rebuild`: look after built versions, as argparse commands.

`dsbuild.cli.main` hands these words here (as argv[0]) before Hydra sees the arguments. A version is
named by its folder or by its id, looked up under --root. Mistakes end in one line and exit code 2;
`verify` and `rebuild` exit 1 when files differ.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..commands import OneLineParser, run
from ..review.apply import DEFAULT_ROOT
from ..review.version_reader import locate
from .catalog import find_versions
from .diff import diff_lines, diff_versions
from .listing import print_versions
from .rebuild import rebuild
from .show import print_version
from .verify import verify

COMMANDS = ("versions", "show", "verify", "diff", "rebuild")
DIFFERENT = 1
VERSION_HELP = "version folder, or version id (looked up under --root)"
ROOT_HELP = f"the folder of datasets (default {DEFAULT_ROOT})"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="dsbuild", description="Look after built dataset versions.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}",
                                     parser_class=OneLineParser)
    listing = commands.add_parser("versions", help="every version on disk, newest first")
    listing.add_argument("name", nargs="?", help="only this dataset")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(run=_versions)
    show = commands.add_parser("show", help="one version's summary")
    show.add_argument("version", help=VERSION_HELP)
    show.set_defaults(run=_show)
    check = commands.add_parser("verify", help="check every file against the sha256 in manifest.json")
    check.add_argument("version", help=VERSION_HELP)
    check.set_defaults(run=_verify)
    diff = commands.add_parser("diff", help="config, inputs and rows (by id) from version a to version b")
    diff.add_argument("a", help=VERSION_HELP)
    diff.add_argument("b", help=VERSION_HELP)
    diff.add_argument("--json", action="store_true", help="print JSON instead of lines")
    diff.set_defaults(run=_diff)
    again = commands.add_parser("rebuild", help="build the version again and compare every file")
    again.add_argument("version", help=VERSION_HELP)
    again.add_argument("--output-dir", type=Path, help="build into this folder and keep it (default: a temporary "
                       "folder, removed afterwards)")
    again.add_argument("--config-dir", type=Path, help="the config folder the build used with --config-dir, if any")
    again.set_defaults(run=_rebuild)
    for sub in (listing, show, check, diff, again):
        sub.add_argument("--root", default=DEFAULT_ROOT, help=ROOT_HELP)
    return parser


def main(argv: list[str]) -> int:
    """Run `dsbuild <command> ...` with `argv` (argv[0] is the command word); the exit code."""
    return run(build_parser(), argv)


def _versions(args: argparse.Namespace) -> int:
    entries = find_versions(Path(args.root), args.name)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        print_versions(entries, args.root)
    return 0


def _show(args: argparse.Namespace) -> int:
    print_version(locate(args.version, Path(args.root)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    folder = locate(args.version, Path(args.root))
    result = verify(folder)
    if result.ok:
        print(f"verified: {result.matched} files match {folder / 'manifest.json'}")
        return 0
    for line in result.problems:
        print(line)
    print(f"{len(result.problems)} file(s) differ from {folder / 'manifest.json'} ({result.matched} match)")
    return DIFFERENT


def _diff(args: argparse.Namespace) -> int:
    diff = diff_versions(locate(args.a, Path(args.root)), locate(args.b, Path(args.root)))
    print(json.dumps(diff, ensure_ascii=False, indent=2, default=str) if args.json else "\n".join(diff_lines(diff)))
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    folder = locate(args.version, Path(args.root))
    print(f"rebuilding {folder} ...", flush=True)
    result = rebuild(folder, args.output_dir, args.config_dir)
    where = f" ({result.path})" if result.path else ""
    if result.version_id != folder.name:
        print(f"version id differs: {folder.name} -> {result.version_id}{where} (code, config or inputs changed)")
    if not result.comparison.differing:
        print(f"byte-identical: {result.comparison.identical} files{where}")
        return 0
    for line in result.comparison.differing:
        print(line)
    print(f"{len(result.comparison.differing)} file(s) differ, {result.comparison.identical} identical{where}")
    return DIFFERENT
