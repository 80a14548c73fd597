"""Migration cycles: their history in the schema `cycles` of the migration database.

A cycle starts at a land (`loader land` or `loader run`) and ends when it is exported; landing
again before the export stays in the same cycle. The export appends what each entity held
(legal entity, folded account key and a hash of the exported fields) and what was rejected,
keyed by legal entity and account, never by file line (lines move between extracts).
Every write is one transaction: an interrupted command leaves the previous history.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from loader.database import (
    as_utc,
    connect,
    latest_load,
    table_exists,
    utc_now,
    waiting_for_the_database,
)
from loader.errors import LoaderError, UsageError
from loader.failures import first_line
from loader.gate import latest_build

SCHEMA = "cycles"
_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.cycles (
        cycle_id INTEGER PRIMARY KEY, label VARCHAR NOT NULL, load_id VARCHAR,
        started_at TIMESTAMP NOT NULL, exported_at TIMESTAMP, out_dir VARCHAR,
        changed_since INTEGER, rows_exported BIGINT)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.customers (
        cycle_id INTEGER NOT NULL, entity VARCHAR NOT NULL, data_area_id VARCHAR NOT NULL,
        account_key VARCHAR, customer_account VARCHAR NOT NULL, row_hash UBIGINT NOT NULL)""",
    # account_key is kept only where folding changed the account (loader.cycle_state); a
    # database from before that has it NOT NULL.
    f"ALTER TABLE {SCHEMA}.customers ALTER COLUMN account_key DROP NOT NULL",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.rejects (
        cycle_id INTEGER NOT NULL, entity VARCHAR NOT NULL, data_area_id VARCHAR,
        company VARCHAR, customer_number VARCHAR, account_key VARCHAR, source_file VARCHAR,
        source_line BIGINT, rule VARCHAR NOT NULL, value VARCHAR, detail VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.outcomes (
        cycle_id INTEGER NOT NULL, entity VARCHAR, data_area_id VARCHAR, source_file VARCHAR,
        extracted BIGINT, exported BIGINT, rejected BIGINT, skipped BIGINT)""",
)
SNAPSHOT_TABLES = ("customers", "rejects", "outcomes")


@dataclass(frozen=True)
class Cycle:
    cycle_id: int
    label: str
    load_id: str | None
    started_at: datetime
    exported_at: datetime | None = None
    out_dir: str | None = None
    changed_since: int | None = None
    rows_exported: int | None = None

    @property
    def name(self) -> str:
        return cycle_name(self.cycle_id, self.label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cycle_id": self.cycle_id,
            "label": self.label,
            "load_id": self.load_id,
            "started_at": _iso_utc(self.started_at),
            "exported_at": _iso_utc(self.exported_at) if self.exported_at else None,
            "out_dir": self.out_dir,
            "changed_since": self.changed_since,
            "rows_exported": self.rows_exported,
        }


def default_label(cycle_id: int) -> str:
    return f"cycle {cycle_id}"


def _iso_utc(moment: datetime) -> str:
    """A time of the history (naive UTC) as ISO 8601 that says it is UTC."""
    return as_utc(moment).isoformat(timespec="seconds")


def cycle_name(cycle_id: int, label: str) -> str:
    """`cycle 3 (mock 2)`, or `cycle 3` when that is its label."""
    if label == default_label(cycle_id):
        return label
    return f"cycle {cycle_id} ({label})"


def has_history(con: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(con, SCHEMA, "cycles")


def all_cycles(con: duckdb.DuckDBPyConnection) -> list[Cycle]:
    """Every cycle, oldest first; none when the history was never written."""
    if not has_history(con):
        return []
    rows = con.execute(
        f"SELECT cycle_id, label, load_id, started_at, exported_at, out_dir, changed_since, "
        f"rows_exported FROM {SCHEMA}.cycles ORDER BY cycle_id"
    ).fetchall()
    return [Cycle(*row) for row in rows]


def exported_cycles(con: duckdb.DuckDBPyConnection) -> list[Cycle]:
    return [c for c in all_cycles(con) if c.exported_at is not None]


def resolve(con: duckdb.DuckDBPyConnection, ref: str, option: str) -> Cycle:
    """The exported cycle REF names: its id, or its label (the latest cycle with that label)."""
    exported = exported_cycles(con)
    wanted = ref.strip()
    by_id = [c for c in exported if wanted.isdigit() and c.cycle_id == int(wanted)]
    by_label = [c for c in exported if c.label.casefold() == wanted.casefold()]
    if by_id or by_label:
        return (by_id or by_label)[-1]
    known = ", ".join(f"{c.cycle_id} ({c.label!r})" for c in exported)
    raise UsageError(
        f"{option} {ref!r}: no exported cycle has this id or label in the database; "
        + (f"choose one of {known}" if known else "export a cycle first (`loader export`)")
    )


def latest_load_id(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = latest_load(con)
    return str(rows[0]["load_id"]) if rows else None


def upcoming(con: duckdb.DuckDBPyConnection, label: str | None) -> Cycle:
    """The cycle an export of the landed data belongs to: the current one when it holds the
    latest land, else a new one (landed before cycles were kept, or by another tool)."""
    cycles = all_cycles(con)
    load_id = latest_load_id(con)
    current = cycles[-1] if cycles else None
    if current is not None and current.load_id == load_id:
        return Cycle(current.cycle_id, label or current.label, load_id, current.started_at)
    cycle_id = current.cycle_id + 1 if current else 1
    return Cycle(cycle_id, label or default_label(cycle_id), load_id, utc_now())


@contextmanager
def _transaction() -> Iterator[duckdb.DuckDBPyConnection]:
    with connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in _DDL:
                con.execute(statement)
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


# An export has done its work when it keeps what the cycle holds: a `loader status` or a dbt
# build holding the database then must not cost it the cycle.
KEEP_WAIT = 120.0


def begin_cycle(con: duckdb.DuckDBPyConnection, label: str | None) -> Cycle:
    """In the land's own transaction (CON), after its raw tables: a new cycle, unless the
    current one was not exported yet (a land again, after fixing a file, belongs to the same
    cycle). The land and its cycle commit together: an interrupted land leaves neither."""
    for statement in _DDL:
        con.execute(statement)
    cycles = all_cycles(con)
    load_id = latest_load_id(con)
    current = cycles[-1] if cycles else None
    if current is not None and current.exported_at is None:
        cycle = Cycle(current.cycle_id, label or current.label, load_id, current.started_at)
        con.execute(
            f"UPDATE {SCHEMA}.cycles SET label = ?, load_id = ? WHERE cycle_id = ?",
            [cycle.label, load_id, cycle.cycle_id],
        )
        return cycle
    cycle_id = current.cycle_id + 1 if current else 1
    cycle = Cycle(cycle_id, label or default_label(cycle_id), load_id, utc_now())
    con.execute(
        f"INSERT INTO {SCHEMA}.cycles (cycle_id, label, load_id, started_at) VALUES (?, ?, ?, ?)",
        [cycle.cycle_id, cycle.label, load_id, cycle.started_at],
    )
    return cycle


def record_export(
    cycle: Cycle,
    tables: dict[str, Any],
    *,
    out_dir: str,
    changed_since: int | None,
    rows_exported: int,
    built_at: datetime | None = None,
) -> None:
    """Keep what CYCLE exported and rejected (TABLES: per snapshot table, an Arrow table or a
    query of the marts, built by dbt at BUILT_AT), replacing an earlier export of the same
    cycle, in one transaction; refused when a land or a dbt build came since the export read
    the database: the queries would read what they made, not what the packages hold."""
    with _transaction() as con:
        if latest_load_id(con) != cycle.load_id or latest_build(con) != built_at:
            raise LoaderError(
                "a land or a dbt build changed the database while the packages were written"
            )
        exported_at = utc_now()
        known = {c.cycle_id for c in all_cycles(con)}
        if cycle.cycle_id not in known:
            con.execute(
                f"INSERT INTO {SCHEMA}.cycles (cycle_id, label, load_id, started_at) "
                "VALUES (?, ?, ?, ?)",
                [cycle.cycle_id, cycle.label, cycle.load_id, cycle.started_at],
            )
        con.execute(
            f"UPDATE {SCHEMA}.cycles SET label = ?, exported_at = ?, out_dir = ?, "
            "changed_since = ?, rows_exported = ? WHERE cycle_id = ?",
            [cycle.label, exported_at, out_dir, changed_since, rows_exported, cycle.cycle_id],
        )
        for table in SNAPSHOT_TABLES:
            con.execute(f"DELETE FROM {SCHEMA}.{table} WHERE cycle_id = ?", [cycle.cycle_id])
            rows = tables[table]
            if isinstance(rows, str):  # a query of the marts, run here by DuckDB
                source = f"({rows})"
            else:
                con.register("_snapshot", rows)
                source = "_snapshot"
            con.execute(
                f"INSERT INTO {SCHEMA}.{table} BY NAME "
                f"SELECT {int(cycle.cycle_id)} AS cycle_id, * FROM {source}"
            )
            if source == "_snapshot":
                con.unregister("_snapshot")


def keep(
    cycle: Cycle,
    tables: dict[str, Any],
    out_dir: Path,
    changed_since: int | None,
    rows_exported: int,
    built_at: datetime | None,
    tell: Callable[[str], None] | None = None,
) -> str | None:
    """Record the export of CYCLE, waiting for a database another process holds (TELL hears
    it once); the packages are complete before this runs, so a history that cannot be written
    is a warning (returned), not a failed export."""
    try:
        waiting_for_the_database(KEEP_WAIT, tell)(
            record_export,
            cycle,
            tables,
            out_dir=str(out_dir.resolve()),
            changed_since=changed_since,
            rows_exported=rows_exported,
            built_at=built_at,
        )
    except (OSError, duckdb.Error, LoaderError) as exc:
        return (
            f"the packages are written, but {cycle.name} could not be kept in the database "
            f"({first_line(exc)}): export again, or a later --changed-since compares with an "
            "older cycle"
        )
    return None
