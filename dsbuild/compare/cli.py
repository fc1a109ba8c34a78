"""`dsbuild compare <sweep folder | version folders or ids ...>`: a table in the terminal and compare.html.

`dsbuild.cli.main` hands the words from "compare" on to `main` before Hydra sees them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..commands import OneLineParser, run
from ..errors import UserError
from ..review.apply import DEFAULT_ROOT
from .html_report import write_html
from .inputs import select
from .measures import measure
from .table import sections
from .terminal import print_table

COMMANDS = ("compare",)  # dsbuild.cli passes argv from "compare" on
REPORT = "compare.html"
SAMPLES = 5


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="dsbuild", description="Compare dataset versions side by side: rows per stage and "
                           "split, rejects per rule, tokens and cost, judge scores, field lengths, overlap, samples.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    compare = commands.add_parser("compare", help="compare versions: a terminal table and an HTML report")
    compare.add_argument("versions", nargs="+", metavar="SWEEP_OR_VERSION",
                         help="a sweep folder (outputs/multirun/<date>/<time>), or version folders or ids")
    compare.add_argument("--root", default=DEFAULT_ROOT,
                         help=f"the folder of datasets where a version id is looked up (default {DEFAULT_ROOT})")
    compare.add_argument("--html", type=Path, metavar="FILE",
                         help=f"where to write the report (default <sweep folder>/{REPORT}, else ./{REPORT})")
    compare.add_argument("--samples", type=int, default=SAMPLES, metavar="N",
                         help=f"inputs shown side by side in the report (default {SAMPLES})")
    compare.set_defaults(run=_compare)
    return parser


def main(argv: list[str]) -> int:
    """Run `dsbuild compare` with `argv` (starting with "compare"); the exit code."""
    return run(build_parser(), argv)


def _compare(args: argparse.Namespace) -> None:
    if args.samples < 0:
        raise UserError(f"--samples must be 0 or more, got {args.samples}")
    selection = select(args.versions, Path(args.root))
    measures = [measure(c.version) for c in selection.versions]
    print_table([c.label for c in selection.versions], sections(measures), selection.failed)
    out = args.html or (selection.sweep_dirs[0] / REPORT if len(selection.sweep_dirs) == 1 else Path(REPORT))
    try:
        write_html(out, selection, measures, args.samples)
    except OSError as exc:
        raise UserError(f"{out}: cannot write the report ({exc.strerror}); give another path with --html") from None
    print(f"report written: {out}")
