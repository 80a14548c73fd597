"""What an exception no command turned into a LoaderError means to the user.

The file system and the database raise OSError and DuckDB's errors from anywhere: a full
disk, a file-size limit, a permission, a lock, a damaged file. None of them says anything
about the extracts or the mart, so each becomes a CannotRunError (exit code 3) whose one
line names the file and what to do. Anything else is a bug in loader (None here).
"""

import errno
import re

import duckdb

from loader.errors import CannotRunError, LoaderError

_AGAIN = "then run again"
# errno -> what to do about it
_OS_ADVICE = {
    errno.ENOENT: "check the path",
    errno.EACCES: "check its permissions, or choose a path you can read and write",
    errno.EPERM: "choose a path you can read and write",
    errno.EROFS: "the file system is read-only: choose a folder you can write to",
    errno.ENOSPC: f"free space on the disk, {_AGAIN}",
    errno.EDQUOT: f"free space (the disk quota is full), {_AGAIN}",
    errno.EFBIG: f"lift the file size limit (`ulimit -f`) or free space, {_AGAIN}",
    errno.EISDIR: "it is a folder: name a file",
    errno.ENOTDIR: "part of the path is a file, not a folder: choose another path",
    errno.EIO: "the disk or the file is damaged: copy the file again or check the disk",
    errno.EMFILE: f"too many open files: raise `ulimit -n`, {_AGAIN}",
    errno.ENAMETOOLONG: "choose a shorter path",
    errno.EEXIST: "a file already has that name: choose a folder",
}
# DuckDB reports the OS error as text: what it says -> the errno whose advice applies
_DUCKDB_OS_TEXT = {
    "no space left on device": errno.ENOSPC,
    "file too large": errno.EFBIG,
    "disk quota exceeded": errno.EDQUOT,
    "permission denied": errno.EACCES,
    "read-only file system": errno.EROFS,
    "no such file or directory": errno.ENOENT,
    "not a directory": errno.ENOTDIR,
    "is a directory": errno.EISDIR,
    "input/output error": errno.EIO,
}
_DAMAGED_DATABASE = "not a valid duckdb database file"
_DEFAULT_ADVICE = f"check the file system, {_AGAIN}"
# Errors of DuckDB's own storage: the file, the disk, memory. A binder or parser error, by
# contrast, is a query loader got wrong (a bug).
_DUCKDB_ENVIRONMENT = (
    duckdb.IOException,
    duckdb.OutOfMemoryException,
    duckdb.FatalException,
    duckdb.TransactionException,
    duckdb.SerializationException,
    duckdb.PermissionException,
)


def is_about_the_data(exc: duckdb.Error) -> bool:
    """Whether a DuckDB error may be about what a query read (a CSV it cannot parse), not
    about the machine it ran on (the disk, memory, a lock, an interrupt)."""
    return not isinstance(exc, (*_DUCKDB_ENVIRONMENT, duckdb.InterruptException))


def os_error(exc: OSError, doing: str | None = None) -> CannotRunError:
    """One line for an OSError: the file, what the system said, what to do.

    DOING (e.g. "cannot write the packages into DIR") replaces the file name when the
    caller knows better what was being done.
    """
    where = doing or _filenames(exc) or "a file"
    what = exc.strerror or str(exc) or type(exc).__name__
    advice = _OS_ADVICE.get(exc.errno or 0, _DEFAULT_ADVICE)
    return CannotRunError(f"{where}: {what}: {advice}")


def stdout_error(exc: OSError, done: str | None = None) -> CannotRunError:
    """One line for standard output that cannot take the command's result (a full disk, a
    closed pipe); DONE says what the command did all the same, when it did something."""
    what = exc.strerror or str(exc) or type(exc).__name__
    if done:
        return CannotRunError(
            f"cannot write to standard output ({what}), but {done}: only the summary printed "
            "there is missing"
        )
    advice = _OS_ADVICE.get(exc.errno or 0, _DEFAULT_ADVICE)
    return CannotRunError(f"cannot write to standard output ({what}): {advice}")


def _filenames(exc: OSError) -> str:
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return " -> ".join(names)


def duckdb_error(exc: duckdb.Error, doing: str) -> CannotRunError | None:
    """One line for an error of DuckDB's storage (I/O, memory, a damaged or locked file);
    None for any other DuckDB error, which is a bug. DOING says what was being done."""
    text = first_line(exc)
    if isinstance(exc, duckdb.OutOfMemoryException):
        from loader.database import memory_limit

        return CannotRunError(
            f"{doing}: DuckDB ran out of memory ({text}): raise MIGRATION_DB_MEMORY_LIMIT "
            f"(now {memory_limit()}) or free memory and disk space for spilling, {_AGAIN}"
        )
    if not isinstance(exc, _DUCKDB_ENVIRONMENT):
        return None
    lowered = text.lower()
    code = next((c for words, c in _DUCKDB_OS_TEXT.items() if words in lowered), None)
    if code is not None:
        advice = _OS_ADVICE[code]
    elif _DAMAGED_DATABASE in lowered:
        advice = "restore it from a copy, or set MIGRATION_DB to a new file and land again"
    else:
        advice = _DEFAULT_ADVICE
    return CannotRunError(f"{doing}: {text}: {advice}")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, without DuckDB's "IO Error: " style prefix."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return re.sub(r"^[A-Za-z ]*(Error|Exception): ", "", text)


def as_loader_error(exc: BaseException, doing: str) -> LoaderError | None:
    """EXC as the error a user can act on, or None when it is a bug (or an interrupt)."""
    if isinstance(exc, LoaderError):
        return exc
    if isinstance(exc, OSError):
        return os_error(exc)
    if isinstance(exc, duckdb.Error):
        return duckdb_error(exc, doing)
    if isinstance(exc, MemoryError):
        return CannotRunError(f"{doing}: out of memory: free memory, {_AGAIN}")
    return None
