"""Opening the shared DuckDB file, with a clear message when another process holds it."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from loader.errors import LoaderError
from loader.settings import database_path

MEMORY_LIMIT = os.environ.get("MIGRATION_DB_MEMORY_LIMIT", "2GB")


def quote_ident(name: str) -> str:
    """Quote an SQL identifier so any column or table name is data, never SQL."""
    return '"' + name.replace('"', '""') + '"'


def _in_use_error(path: Path, exc: duckdb.Error) -> LoaderError | None:
    text = str(exc)
    if "lock" not in text.lower():
        return None
    pid = re.search(r"PID (\d+)", text)
    holder = f" (PID {pid.group(1)})" if pid else ""
    return LoaderError(
        f"the database {path} is in use by another process{holder}: "
        "wait for it (a dbt build or another loader) to finish, then try again"
    )


@contextmanager
def connect(
    *, read_only: bool = False, path: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the migration database; fail at once, never wait, if another process holds it."""
    path = path or database_path()
    if read_only and not path.exists():
        raise LoaderError(f"no database at {path}: run `loader land EXTRACTS_DIR` first")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise (
            _in_use_error(path, exc) or LoaderError(f"cannot open the database {path}: {exc}")
        ) from exc
    try:
        con.execute("set enable_progress_bar = false")  # loader draws its own progress
        # Bounded memory whatever the data size: past the limit DuckDB spills to disk
        # (beside the database), so a 10-million-row land needs no more RAM than a small one.
        con.execute("set memory_limit = ?", [MEMORY_LIMIT])
        yield con
    finally:
        con.close()
