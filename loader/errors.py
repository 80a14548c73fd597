"""Errors a user can act on: one line on stderr, a documented exit code, no traceback."""


class LoaderError(Exception):
    """A problem with the user's input, files or environment (exit code 1).

    The message is one line: what is wrong, where, and what to do about it.
    """

    exit_code = 1
