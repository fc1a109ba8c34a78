"""What every argparse subcommand of `dsbuild` shares: one-line parse errors and the exit-code contract.

`dsbuild review ...`, `dsbuild versions ...` and the like run outside Hydra. Their mistakes, argparse's
included, end like the build's: one line `dsbuild: error: ...` on stderr and exit code 2 (a traceback
with DSBUILD_DEBUG=1).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .cli import DEBUG_ENV, USER_ERROR_EXIT
from .errors import UserError


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage and the message on two lines and exits; dsbuild's errors are one line."""

    def error(self, message: str):
        raise UserError(f"{self.prog}: {message}; see {self.prog} --help")


def run(parser: argparse.ArgumentParser, argv: Sequence[str]) -> int:
    """Parse `argv` and call the chosen command's `run(args) -> int | None`; the exit code (2 on a UserError)."""
    try:
        args = parser.parse_args(list(argv))
        return args.run(args) or 0
    except UserError as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"dsbuild: error: {exc}", file=sys.stderr)
        return USER_ERROR_EXIT
