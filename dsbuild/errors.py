"""Errors a user can fix: the CLI prints them as one line and exits 2, without a traceback."""

import errno
import re


class UserError(Exception):
    """A mistake in the config or the input that the user can fix.

    The message is one line that names the file / line / field / key and says what to do.
    """


class AccountingError(RuntimeError):
    """A stage lost or invented rows: rows_in + added != kept + rejected. Always a bug, never input."""


class Interrupted(Exception):
    """The user stopped the build (Ctrl-C, SIGTERM): nothing was published; paid LLM answers are in the cache."""

    def __init__(self, answers_saved: int):
        super().__init__(f"interrupted: {answers_saved} LLM answer(s) saved; run the same command to resume")
        self.answers_saved = answers_saved


DISK_ERRORS = {errno.ENOSPC: "no space left on the disk", errno.EDQUOT: "the disk quota is used up",
               errno.EFBIG: "the file is over the size limit", errno.EROFS: "the file system is read-only",
               errno.EACCES: "permission denied"}


def disk_error(exc: OSError) -> UserError | None:
    """The one-line error for a write the disk refused (full, read-only, no permission); None for other errors.
    A build stopped this way publishes nothing: its temp folders are removed."""
    code = exc.errno
    if code is None:  # pyarrow's IO errors carry the errno only in their text: "[Errno 28] ..."
        found = re.search(r"\[Errno (\d+)\]", str(exc))
        code = int(found.group(1)) if found else None
    why = DISK_ERRORS.get(code)
    if why is None:
        return None
    where = f" {exc.filename}" if exc.filename else ""
    return UserError(f"cannot write{where}: {why}; free space or fix the permissions (or set output_dir / "
                     "llm.cache_path to another disk) and run the same command again")
