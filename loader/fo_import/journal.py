"""The import journal: one row per execution started, in the migration database.

What makes `loader import` resumable: the execution id is chosen and written here before
ImportFromPackage is called, so a run killed at any point is resumed by polling that id,
and a package is never imported twice into the same legal entity of the same environment
unless --again says so. No URL with a SAS signature and no token is ever stored.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from loader.database import connect, dicts, table_exists, utc_now, waiting_for_the_database
from loader.settings import database_path

SCHEMA = "fo_import"
TABLE = f"{SCHEMA}.journal"
UPLOADING = "uploading"  # before the package is uploaded: nothing started in F&O
STARTING = "starting"  # ImportFromPackage is being called: F&O may or may not know the id

_DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {TABLE} (
    execution_id varchar primary key,
    environment varchar not null,
    package_file varchar not null,
    package_sha256 varchar not null,
    legal_entity varchar not null,
    definition_group varchar not null,
    status varchar not null,
    started_at timestamp not null,
    updated_at timestamp not null,
    finished_at timestamp,
    rows_expected bigint not null,
    entities varchar not null,
    errors_dir varchar,
    note varchar
)
"""
_COLUMNS = (
    "execution_id",
    "environment",
    "package_file",
    "package_sha256",
    "legal_entity",
    "definition_group",
    "status",
    "started_at",
    "updated_at",
    "finished_at",
    "rows_expected",
    "entities",
    "errors_dir",
    "note",
)


@dataclass
class Entry:
    execution_id: str
    environment: str
    package_file: str
    package_sha256: str
    legal_entity: str
    definition_group: str
    status: str
    rows_expected: int
    # [{"label", "rows", "failed"}]: rows from the export summary, failed from the error files
    entities: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    errors_dir: str | None = None
    note: str | None = None


def _entry(row: tuple[Any, ...]) -> Entry:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["entities"] = json.loads(values["entities"])
    return Entry(**values)


# An import runs for hours; a `dbt build` or `loader status` holding the database for a while
# must not end it. Each journal access waits for the database up to LOCK_WAIT seconds.
LOCK_WAIT = 120.0
_waiting = waiting_for_the_database(LOCK_WAIT)


def latest(environment: str, sha256: str, legal_entity: str) -> Entry | None:
    """The newest execution of this package in this legal entity, if any."""
    if not database_path().exists():
        return None
    return _waiting(_latest, environment, sha256, legal_entity)


def _latest(environment: str, sha256: str, legal_entity: str) -> Entry | None:
    with connect(read_only=True) as con:
        if not _exists(con):
            return None
        row = con.execute(
            f"select {', '.join(_COLUMNS)} from {TABLE} where environment = ? "
            "and package_sha256 = ? and legal_entity = ? order by started_at desc limit 1",
            [environment, sha256, legal_entity],
        ).fetchone()
    return _entry(row) if row else None


def save(entry: Entry, *, final: bool = False) -> None:
    """Insert or update ENTRY (opened and closed per write: status may read in between)."""
    now = utc_now()
    entry.started_at = entry.started_at or now
    entry.updated_at = now
    if final:
        entry.finished_at = now
    values = [getattr(entry, c) for c in _COLUMNS]
    values[_COLUMNS.index("entities")] = json.dumps(entry.entities)
    _waiting(_write, values)


def _write(values: list[Any]) -> None:
    with connect() as con:
        con.execute(_DDL)
        con.execute(
            f"insert or replace into {TABLE} ({', '.join(_COLUMNS)}) "
            f"values ({', '.join('?' for _ in _COLUMNS)})",
            values,
        )


def state(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The newest execution per environment, package and legal entity (for `loader status`)."""
    if not _exists(con):
        return []
    return dicts(
        con,
        f"select environment, package_file, legal_entity, status, execution_id, updated_at, "
        f"rows_expected, entities, errors_dir from {TABLE} qualify row_number() over ("
        "partition by environment, package_sha256, legal_entity order by started_at desc) = 1 "
        "order by environment, started_at",
    )


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(con, SCHEMA, "journal")
