"""`dsbuild review sample | apply`: the human spot-check round trip, as an argparse command.

`dsbuild.cli.main` hands `dsbuild review ...` here before Hydra sees the arguments. Mistakes, argparse's
included, end in one line on stderr and exit code 2, like the build's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..commands import OneLineParser, run
from .apply import DEFAULT_ROOT, apply_verdicts
from .pack import write_pack
from .sampling import draw_sample
from .verdict_files import read_verdicts
from .version_reader import locate, read_version

COMMANDS: tuple[str, ...] = ()  # `dsbuild review <sample|apply>`: dsbuild.cli passes what follows "review"
ROOT_HELP = f"the folder of datasets where a version id is looked up (default {DEFAULT_ROOT})"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="dsbuild review", description="Spot-check a dataset version by hand: draw a "
                           "review pack, then apply the verdicts to make a reviewed version.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{sample,apply}",
                                     parser_class=OneLineParser)
    sample = commands.add_parser("sample", help="write a review pack of a stratified random sample")
    sample.add_argument("version", help="version folder, or version id (looked up under --root)")
    sample.add_argument("--size", type=int, required=True, help="items to draw (all rows if fewer)")
    sample.add_argument("--stratify-by", metavar="FIELD", help="field whose values share the sample proportionally")
    sample.add_argument("--seed", type=int, default=0, help="the same seed draws the same items (default 0)")
    sample.add_argument("--out", type=Path, help="pack folder (default ./review-<version id>-<pack id>)")
    sample.add_argument("--root", default=DEFAULT_ROOT, help=ROOT_HELP)
    sample.set_defaults(run=_sample)
    apply = commands.add_parser("apply", help="make a new version with the verdicts applied")
    apply.add_argument("version", help="version folder, or version id (looked up under --root)")
    apply.add_argument("verdicts", type=Path, help="verdicts.json from the page, items.csv filled in, or a Label "
                       "Studio export (JSON, JSON_MIN or CSV)")
    apply.add_argument("--root", default=DEFAULT_ROOT, help=ROOT_HELP)
    apply.set_defaults(run=_apply)
    return parser


def main(argv: list[str]) -> int:
    """Run `dsbuild review` with `argv` (the words after `review`); the exit code."""
    return run(build_parser(), argv)


def _sample(args: argparse.Namespace) -> None:
    version = read_version(locate(args.version, Path(args.root)))
    sample = draw_sample(version.splits, args.size, args.seed, args.stratify_by)
    out, pid = write_pack(version, sample, args.size, args.out)
    per_split = ", ".join(f"{name} {sum(drawn.values())}" for name, drawn in sample.drawn.items())
    print(f"review pack written: {out}")
    print(f"  {len(sample.items)} items of version {version.id} ({per_split}), pack {pid}")
    print(f"  review them in {out / 'review.html'} (press ? for the keys), in items.csv, or in Label Studio "
          "(labelstudio.json with labelstudio.xml)")
    print(f"  then: dsbuild review apply {version.path} verdicts.json")


def _apply(args: argparse.Namespace) -> None:
    version = read_version(locate(args.version, Path(args.root)))
    result = apply_verdicts(version, read_verdicts(args.verdicts))
    s, est = result.summary, result.summary.estimate
    bad, low, high = est.bad_rows()
    print(f"dataset version {'already exists' if result.existed else 'written'}: {result.path}")
    print(f"  reviewed {s.reviewed}: {s.accepted} accepted, {s.rejected} rejected, {s.edited} edited; estimated "
          f"error rate {100 * est.rate:.1f}% (95% CI {100 * est.low:.1f}-{100 * est.high:.1f}%), about {bad} "
          f"({low}-{high}) bad rows of {est.rows}")
