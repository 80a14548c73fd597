"""The import's failures and the exit code of each, kept in one place."""

from loader.errors import LoaderError


class PackageFailedError(LoaderError):
    """F&O ran a package and did not succeed with every record (PartiallySucceeded, Failed,
    Canceled): the error files say why."""

    exit_code = 1


class UnreachableError(LoaderError):
    """F&O, its token authority or the blob store could not be reached, or --timeout ran out;
    the journal keeps what was started, so a rerun resumes."""

    exit_code = 3


class RepeatedCallRefusedError(LoaderError):
    """F&O refused a call sent again after the answer to an earlier attempt was lost: the
    earlier attempt may have done the work (an execution started under the same id)."""


class NotFoundYetError(Exception):
    """F&O answered "Execution details were not found": a just-started execution is not
    registered yet (or never was)."""
