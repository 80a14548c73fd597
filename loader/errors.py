"""Errors a user can act on: one line on stderr, a documented exit code, no traceback.

The exit codes are a promise to scripts (README, `loader --help`): 0 done; 1 the input or the
data has problems (what was found is listed); 2 a usage error; 3 the command could not run
(a file or folder it cannot read or write, a full disk, the database, a lock); 130 interrupted.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    DONE = 0
    PROBLEMS = 1
    USAGE = 2
    CANNOT_RUN = 3
    INTERRUPTED = 130  # 128 + SIGINT, what shells expect of a program stopped by Ctrl-C


class LoaderError(Exception):
    """A problem with the user's input or data (exit code 1).

    The message is one line: what is wrong, where, and what to do about it.
    """

    exit_code: int = ExitCode.PROBLEMS

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class CannotRunError(LoaderError):
    """The command could not do its work, whatever the input (exit code 3): a file or folder
    it cannot read or write, a full disk or a file-size limit, the database missing, damaged
    or held by another process. Running again once that is fixed gives the answer."""

    exit_code = ExitCode.CANNOT_RUN


class DatabaseInUseError(CannotRunError):
    """Another process (a dbt build, another loader) holds the migration database."""


class UsageError(LoaderError):
    """The command was called in a way it cannot work with (exit code 2): an option or a
    setting (an environment variable) out of its range."""

    exit_code = ExitCode.USAGE


class InterruptError(LoaderError):
    """Ctrl-C, told by the command in its own words where the general line (what was not
    finished was undone) is not true: e.g. an import F&O goes on with (exit code 130)."""

    exit_code = ExitCode.INTERRUPTED
