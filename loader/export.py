"""`loader export`: read the mart and write one set of F&O packages per legal entity.

The mart is read read-only, one legal entity at a time, sorted by account in DuckDB and
streamed as Arrow record batches: DuckDB builds each CSV line and flags forbidden
characters, Python only encodes UTF-16 and deflates, so memory stays flat as the mart grows.
"""

import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loader import gate, parquet
from loader.database import configure, connect, quote_ident
from loader.errors import LoaderError, UsageError
from loader.failures import os_error
from loader.package.csv_unicode import FORBIDDEN_RE2, Lines, first_forbidden
from loader.package.entities import CUSTOMER_DETAILS_V2
from loader.package.entity import EntityDescription
from loader.package.staging import StagedFolder
from loader.package.summary import SUMMARY_FILE, ExportSummary, LegalEntityOutcome
from loader.package.writer import (
    DEFAULT_LEVEL,
    PackageWriter,
    SplitLimits,
    package_name_pattern,
)
from loader.settings import database_path, dbt_target_dir
from loader.status import record_export

BATCH_ROWS = 1 << 17  # ~10 MB of UTF-16 per batch: large enough for zlib, small for memory


@dataclass(frozen=True)
class Mart:
    """Where an entity's rows come from: a dbt model with one column per field."""

    entity: EntityDescription
    schema: str
    table: str
    legal_entity_column: str

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.table)}"

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.table}"


CUSTOMER_DETAILS_MART = Mart(CUSTOMER_DETAILS_V2, "main", "customer_details_v2", "DATAAREAID")


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path
    fields: list[str] | None = None
    limits: SplitLimits = field(default_factory=SplitLimits)
    force: bool = False
    level: int = DEFAULT_LEVEL
    # Read the mart from Parquet files (a Spark build) instead of the migration database.
    parquet_dir: Path | None = None


@dataclass(frozen=True)
class _Plan:
    """What the export will write, from one aggregate query over the mart."""

    fields: tuple[str, ...]
    update_fields: tuple[str, ...]  # the chosen fields that are not keys
    rows: dict[str, int]  # legal entity -> rows in the mart
    left_out: dict[str, int]  # legal entity -> rows with nothing to update


def export_packages(
    options: ExportOptions,
    console: Console,
    warn: Callable[[str], None],
    mart: Mart = CUSTOMER_DETAILS_MART,
) -> ExportSummary:
    """Run the gate, write the packages and the summary atomically into OPTIONS.out_dir.

    CONSOLE shows progress; WARN gets one line per gate problem that --force overrides.
    """
    entity = mart.entity
    if not 1 <= options.level <= 9:
        raise UsageError(f"the compression level must be 1 to 9, not {options.level}")
    try:
        fields = entity.select_fields(options.fields)
    except ValueError as exc:
        raise UsageError(f"--fields: {exc}") from exc
    update_fields = tuple(f for f in fields if f not in entity.key_fields)
    if not update_fields:
        raise UsageError(
            f"--fields: choose at least one field to update besides the key "
            f"({', '.join(entity.key_fields)})"
        )

    with _open_source(options.parquet_dir, mart) as con:
        problems = gate.blocking_problems(con, dbt_target_dir(), mart.table)
        if problems and not options.force:
            raise LoaderError(
                "export refused: " + "; ".join(problems) + " (--force exports anyway)"
            )
        for problem in problems:
            warn(f"--force: exporting although {problem}")
        plan = _plan(con, mart, fields, update_fields)
        summary = ExportSummary(
            entity=entity,
            fields=fields,
            limits=options.limits,
            compression_level=options.level,
            exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            database=str(options.parquet_dir.resolve() if options.parquet_dir else database_path()),
            loads=_loads(con),
            gate_forced=bool(problems),
            gate_problems=problems,
        )
        reconciliation = _reconciliation(con)
        summary.reconciliation_source = (
            "main.migration_reconciliation" if reconciliation is not None else None
        )

        try:
            staged = StagedFolder(options.out_dir)
        except OSError as exc:
            raise os_error(exc, f"cannot write into {options.out_dir}") from exc
        try:
            _write_all(con, mart, plan, options, staged, summary, console)
            _attach_reconciliation(summary, reconciliation or [])
            names = [p.name for p in summary.packages]
            stale = staged.stale(names, package_name_pattern(entity))
            summary.stale_removed = stale
            staged.write_bytes(SUMMARY_FILE, summary.to_json())
            staged.commit(names, SUMMARY_FILE, stale)
        except OSError as exc:
            staged.discard()
            raise os_error(exc, f"cannot write the packages into {options.out_dir}") from exc
        except BaseException:
            staged.discard()
            raise
    if unrecorded := record_export(options.out_dir, summary.to_dict()):
        warn(unrecorded)
    if summary.note:
        warn(f"{summary.note} ({mart.display})")
    return summary


@contextmanager
def _open_source(parquet_dir: Path | None, mart: Mart) -> Iterator[duckdb.DuckDBPyConnection]:
    """The migration database, read-only; or, with PARQUET_DIR, an in-memory database whose
    views read the same tables from Parquet files: the mart and the reconciliation from
    PARQUET_DIR/main/TABLE/ (written by a Spark build), raw._loads from PARQUET_DIR/raw/_loads/
    (written by `loader land --format parquet`). Every query of the export then runs as is.
    """
    if parquet_dir is None:
        with connect(read_only=True) as con:
            yield con
        return
    if not parquet.has_table(parquet_dir, parquet.MART_SCHEMA, mart.table):
        raise LoaderError(
            f"no Parquet files of the mart {mart.display} in "
            f"{parquet.table_dir(parquet_dir, parquet.MART_SCHEMA, mart.table)}: "
            "run `dbt build --target spark` with MIGRATION_PARQUET_DIR set to this folder"
        )
    wanted = [
        (parquet.MART_SCHEMA, mart.table),
        (parquet.MART_SCHEMA, "migration_reconciliation"),
        (parquet.RAW_SCHEMA, parquet.LOADS_TABLE),
    ]
    with tempfile.TemporaryDirectory(prefix="loader-export-") as spill:
        con = duckdb.connect(":memory:")
        try:
            configure(con)  # MIGRATION_DB_MEMORY_LIMIT: the sort spills past it
            con.execute(f"SET temp_directory = {parquet.sql_literal(spill)}")
            for schema, table in wanted:
                if not parquet.has_table(parquet_dir, schema, table):
                    continue
                files = parquet.sql_literal(parquet.table_glob(parquet_dir, schema, table))
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
                con.execute(
                    f"CREATE VIEW {quote_ident(schema)}.{quote_ident(table)} AS "
                    f"SELECT * FROM read_parquet({files})"
                )
            yield con
        finally:
            con.close()


def _write_all(
    con: duckdb.DuckDBPyConnection,
    mart: Mart,
    plan: _Plan,
    options: ExportOptions,
    staged: StagedFolder,
    summary: ExportSummary,
    console: Console,
) -> None:
    total = sum(plan.rows[le] - plan.left_out[le] for le in plan.rows)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,  # gone when done: the summary follows, or a failure's one line
    )
    with progress:
        task = progress.add_task(f"Writing {mart.entity.label}", total=total)
        for legal_entity in sorted(plan.rows):
            outcome = LegalEntityOutcome(
                legal_entity, left_out_by_fields=plan.left_out[legal_entity]
            )
            summary.legal_entities.append(outcome)
            if plan.rows[legal_entity] == plan.left_out[legal_entity]:
                continue  # never an empty data file: no rows, no package
            writer = PackageWriter(
                staged.path, mart.entity, plan.fields, legal_entity, options.limits, options.level
            )
            try:
                for lines in _lines(con, mart, plan, legal_entity):
                    writer.write(lines)
                    progress.advance(task, lines.rows)
                files = writer.close()
            except BaseException:
                writer.abort()
                raise
            summary.packages.extend(files)
            outcome.packages = [f.name for f in files]
            outcome.rows_in_packages = sum(f.rows for f in files)


def _plan(
    con: duckdb.DuckDBPyConnection,
    mart: Mart,
    fields: tuple[str, ...],
    update_fields: tuple[str, ...],
) -> _Plan:
    columns = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [mart.schema, mart.table],
        ).fetchall()
    }
    if not columns:
        raise LoaderError(
            f"the mart {mart.display} is not in the database {database_path()}: run `dbt build`"
        )
    missing = [c for c in (mart.legal_entity_column, *fields) if c not in columns]
    if missing:
        raise LoaderError(
            f"the mart {mart.display} has no column {', '.join(missing)}: "
            "the dbt model and the export disagree; run `dbt build` with this project's models"
        )
    le = quote_ident(mart.legal_entity_column)
    nothing = " AND ".join(f"{quote_ident(f)} IS NULL" for f in update_fields)
    no_key = " OR ".join(f"{quote_ident(k)} IS NULL" for k in mart.entity.key_fields)
    rows = con.execute(
        f"SELECT {le}, count(*), count(*) FILTER (WHERE {nothing}), "
        f"count(*) FILTER (WHERE {no_key}) FROM {mart.qualified} GROUP BY {le} ORDER BY {le}"
    ).fetchall()
    for legal_entity, _, _, null_keys in rows:
        if legal_entity is None:
            raise LoaderError(
                f"the mart {mart.display} has rows without {mart.legal_entity_column}: "
                "fix the dbt model and run `dbt build`"
            )
        if null_keys:
            raise LoaderError(
                f"the mart {mart.display} has {null_keys} rows in legal entity {legal_entity} "
                f"without {'/'.join(mart.entity.key_fields)}: fix the dbt model and run `dbt build`"
            )
    return _Plan(
        fields=fields,
        update_fields=update_fields,
        rows={r[0]: r[1] for r in rows},
        left_out={r[0]: r[2] for r in rows},
    )


def _select(mart: Mart, plan: _Plan, *, lines: bool) -> str:
    """The rows of one legal entity (parameter 1) with something to update, in package order."""
    keys = [quote_ident(k) for k in mart.entity.key_fields]
    cols = [quote_ident(f) for f in plan.fields]
    something = " OR ".join(f"{quote_ident(f)} IS NOT NULL" for f in plan.update_fields)
    # Accounts compare case-insensitively in F&O; the exact value breaks ties, then the other
    # fields, so the order is total and the output deterministic.
    order = ", ".join([*(f"lower({k})" for k in keys), *keys, *(c for c in cols if c not in keys)])
    if lines:
        cells = ", ',', ".join(f"coalesce({c}, '')" for c in cols)
        select, where = f"concat({cells}, chr(13), chr(10)) AS line", ""
    else:  # the first row that holds a forbidden character, to name it
        forbidden = "'" + FORBIDDEN_RE2.replace("'", "''") + "'"
        select = ", ".join(cols)
        where = f" AND regexp_matches(concat({', '.join(cols)}), {forbidden})"
    return (
        f"SELECT {select} FROM {mart.qualified} "
        f"WHERE {quote_ident(mart.legal_entity_column)} = $1 AND ({something}){where} "
        f"ORDER BY {order}"
    )


def _lines(
    con: duckdb.DuckDBPyConnection, mart: Mart, plan: _Plan, legal_entity: str
) -> Iterator[Lines]:
    """CSV lines of one legal entity, BATCH_ROWS at a time; refuses a forbidden character."""
    refused = False
    # A cursor of its own: the stream may be abandoned half-read (an error, a refusal).
    with con.cursor() as cursor:
        query = cursor.sql(_select(mart, plan, lines=True), params=[legal_entity])
        with _prefetch(query.to_arrow_reader(BATCH_ROWS)) as batches:
            for array in _rebatch(batches, BATCH_ROWS):
                lines = Lines(array)
                if lines.holds_forbidden(len(plan.fields)):
                    refused = True
                    break
                yield lines
    if refused:  # the reader is done with the connection: look up the row to name it
        raise _forbidden_error(con, mart, plan, legal_entity)


def _rebatch(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Array]:
    """The first column in slices of exactly ROWS rows (the last may be shorter).

    Deflate pieces and part boundaries follow the slices, so fixing them here makes the
    output independent of how DuckDB happens to cut its batches.
    """
    held: list[pa.Array] = []
    count = 0
    for batch in batches:
        held.append(batch.column(0))
        count += batch.num_rows
        while count >= rows:
            joined = pa.concat_arrays(held) if len(held) > 1 else held[0]
            yield joined.slice(0, rows)
            held, count = [joined.slice(rows)], count - rows
    if count:
        yield pa.concat_arrays(held) if len(held) > 1 else held[0]


def _forbidden_error(
    con: duckdb.DuckDBPyConnection, mart: Mart, plan: _Plan, legal_entity: str
) -> LoaderError:
    (row,) = con.execute(_select(mart, plan, lines=False) + " LIMIT 1", [legal_entity]).fetchall()
    values = dict(zip(plan.fields, row, strict=True))
    key = ", ".join(f"{k} {values[k]!r}" for k in mart.entity.key_fields)
    what = next(
        f"{name} holds {reason}"
        for name, value in values.items()
        if value is not None and (reason := first_forbidden(value))
    )
    return LoaderError(
        f"{mart.entity.label}, legal entity {legal_entity}, {key}: {what}, which a package "
        f"cannot carry; the mart {mart.display} must never hold one: fix the dbt model or "
        "the extract and run `dbt build`"
    )


@contextmanager
def _prefetch(reader: pa.RecordBatchReader, depth: int = 2) -> Iterator[Iterator[pa.RecordBatch]]:
    """Read the next batches in a thread while the caller deflates (both release the GIL)."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        slots.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    def consume() -> Iterator[pa.RecordBatch]:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=produce, name="mart-reader", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting for room
            with suppress(queue.Empty):
                slots.get(timeout=0.1)
        thread.join()
        reader.close()


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    ((count,),) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(count)


def _dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _loads(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The raw._loads rows of the land the mart was built from (the latest one)."""
    if not _table_exists(con, "raw", "_loads"):
        return []
    return _dicts(
        con,
        "SELECT load_id, file_name, sha256, rows, finished_at FROM raw._loads "
        "WHERE load_id IN (SELECT load_id FROM raw._loads "
        "  WHERE finished_at = (SELECT max(finished_at) FROM raw._loads)) "
        "ORDER BY load_id, file_name",
    )


def _reconciliation(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]] | None:
    if not _table_exists(con, "main", "migration_reconciliation"):
        return None
    return _dicts(
        con,
        "SELECT data_area_id, source_file, extracted, exported, rejected, skipped "
        "FROM main.migration_reconciliation ORDER BY data_area_id NULLS LAST, source_file",
    )


def _attach_reconciliation(summary: ExportSummary, rows: list[dict[str, Any]]) -> None:
    by_le = {le.legal_entity: le for le in summary.legal_entities}
    for row in rows:
        outcome = by_le.get(row["data_area_id"])
        if outcome is None:
            summary.unexported_reconciliation.append(row)
        else:
            outcome.reconciliation.append(row)
