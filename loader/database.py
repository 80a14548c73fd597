"""Opening the shared DuckDB file, with a clear message when another process holds it."""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from loader.errors import CannotRunError, DatabaseInUseError, UsageError
from loader.failures import duckdb_error, first_line
from loader.settings import database_path

MEMORY_LIMIT_ENV = "MIGRATION_DB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"


def memory_limit() -> str:
    """DuckDB's memory cap for every connection loader opens (dbt's profile reads it too)."""
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Settings every DuckDB connection of loader has, the file's or an in-memory one."""
    con.execute("set enable_progress_bar = false")  # loader draws its own progress
    # Bounded memory whatever the data size: past the limit DuckDB spills to disk (beside
    # the database, or in the temporary folder), so a 10-million-row land needs no more RAM
    # than a small one.
    try:
        con.execute("set memory_limit = ?", [memory_limit()])
    except duckdb.Error as exc:
        raise UsageError(
            f"{MEMORY_LIMIT_ENV}={memory_limit()!r} is not a memory size DuckDB accepts "
            f"({first_line(exc)}): set it to e.g. 2GB or 512MB, or unset it for {DEFAULT_MEMORY_LIMIT}"
        ) from exc
    return con


def utc_now() -> datetime:
    """Now, as the TIMESTAMP columns of loader's tables hold time: naive UTC. An aware value
    would be converted to the session's TimeZone, the machine's local one."""
    return datetime.now(UTC).replace(tzinfo=None)


def quote_ident(name: str) -> str:
    """Quote an SQL identifier so any column or table name is data, never SQL."""
    return '"' + name.replace('"', '""') + '"'


def as_utc(moment: datetime) -> datetime:
    """MOMENT with its zone; a naive one is UTC, as loader's TIMESTAMP columns hold time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sql_literal(text: str) -> str:
    """TEXT as an SQL string literal, for the few places a parameter cannot go (DDL, views)."""
    return "'" + text.replace("'", "''") + "'"


def dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """The rows of SQL, each a dict by column name."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def latest_load(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The raw._loads rows (one per file) of the last `loader land`; none before the first."""
    if not table_exists(con, "raw", "_loads"):
        return []
    return dicts(
        con,
        "SELECT load_id, file_name, sha256, rows, finished_at FROM raw._loads "
        "WHERE load_id = (SELECT load_id FROM raw._loads ORDER BY finished_at DESC, load_id DESC "
        "LIMIT 1) ORDER BY file_name",
    )


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether SCHEMA.TABLE (or a view of that name) exists."""
    # fetchall, not fetchone: DuckDB keeps a half-read result open on the connection.
    ((count,),) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(count)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The column names of SCHEMA.TABLE; empty when there is no such table."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows}


def _in_use_error(path: Path, exc: duckdb.Error) -> DatabaseInUseError | None:
    text = str(exc)
    if "lock" not in text.lower():
        return None
    pid = re.search(r"PID (\d+)", text)
    holder = f" (PID {pid.group(1)})" if pid else ""
    return DatabaseInUseError(
        f"the database {path} is in use by another process{holder}: "
        "wait for it (a dbt build or another loader) to finish, then try again"
    )


def waiting_for_the_database(seconds: float, tell: Callable[[str], None] | None = None) -> Retrying:
    """Retries a call that opens the database while another process holds it, for up to
    SECONDS, then raises its DatabaseInUseError. For work that must not be lost to a `loader
    status` or a dbt build started meanwhile (`connect` itself never waits). TELL hears once
    that it waits."""
    told: list[bool] = []

    def before_sleep(_: RetryCallState) -> None:
        if tell is not None and not told:
            told.append(True)
            tell(f"the database is in use by another process: waiting up to {seconds:g} s for it")

    return Retrying(
        stop=stop_after_delay(seconds),
        wait=wait_fixed(0.5),
        retry=retry_if_exception_type(DatabaseInUseError),
        before_sleep=before_sleep,
        reraise=True,
    )


@contextmanager
def connect(
    *, read_only: bool = False, path: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the migration database; fail at once, never wait, if another process holds it."""
    path = path or database_path()
    if read_only and not path.exists():
        raise CannotRunError(f"no database at {path}: run `loader land EXTRACTS_DIR` first")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        doing = f"cannot open the database {path}"
        if "in-memory database" in str(exc):  # read-only, over a data file
            raise _data_file_error(path) from exc
        raise (
            _in_use_error(path, exc)
            or duckdb_error(exc, doing)
            or CannotRunError(f"{doing}: {first_line(exc)}")
        ) from exc
    try:
        if _opened_as_data(con):
            raise _data_file_error(path)
        yield configure(con)
    finally:
        con.close()


def _data_file_error(path: Path) -> CannotRunError:
    return CannotRunError(
        f"{path} is a data file, not a DuckDB database: DuckDB would read it and keep "
        "nothing; set MIGRATION_DB to a database file, e.g. migration.duckdb"
    )


def _opened_as_data(con: duckdb.DuckDBPyConnection) -> bool:
    """DuckDB opens an existing .csv, .parquet or .json file as an in-memory database over
    it, where every write is lost at the end."""
    ((path,),) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return path is None
