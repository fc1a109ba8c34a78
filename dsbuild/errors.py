"""Errors a user can fix: the CLI prints them as one line and exits 2, without a traceback."""


class UserError(Exception):
    """A mistake in the config or the input that the user can fix.

    The message is one line that names the file / line / field / key and says what to do.
    """


class AccountingError(RuntimeError):
    """A stage lost or invented rows: rows_in + added != kept + rejected. Always a bug, never input."""
