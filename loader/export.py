"""`loader export`: read the marts and write one set of F&O packages per legal entity.

By default every registered entity goes into the same packages, in import order (Customer
definitions, then Customer details V2); `--entity` exports one alone. Each mart is read
read-only, one legal entity at a time, sorted by key in DuckDB and streamed as Arrow record
batches: DuckDB builds each data-file line, Python only checks, encodes and deflates, so
memory stays flat as the marts grow.
"""

import queue
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loader import cycles, delta, gate, parquet, registry
from loader.database import (
    configure,
    connect,
    dicts,
    latest_load,
    quote_ident,
    sql_literal,
    table_columns,
)
from loader.errors import CannotRunError, LoaderError, UsageError
from loader.line_sql import line_sql
from loader.outcome import finish_uninterrupted
from loader.output import transient_progress
from loader.package.lines import Lines
from loader.package.staging import StagedFolder, staged_folder
from loader.package.summary import (
    SUMMARY_FILE,
    EntityOutcome,
    ExportedEntity,
    ExportSummary,
    LegalEntityOutcome,
)
from loader.package.writer import (
    DEFAULT_LEVEL,
    Content,
    PackageWriter,
    SplitLimits,
    UncarriableValueError,
    package_name_pattern,
)
from loader.registry import RegisteredEntity
from loader.settings import database_path, dbt_target_dir
from loader.status import record_export

BATCH_ROWS = 1 << 17  # ~10 MB of UTF-16 per batch: large enough for zlib, small for memory
# DuckDB hands the rows over in smaller batches: what waits in the read-ahead is one
# BATCH_ROWS' worth (~70 MB of XML at 10M), not two of DuckDB's own ~120,000-row batches.
READ_ROWS = 1 << 14


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path
    fields: list[str] | None = None
    limits: SplitLimits = field(default_factory=SplitLimits)
    force: bool = False
    level: int = DEFAULT_LEVEL
    # Read the marts from Parquet files (a Spark build) instead of the migration database.
    parquet_dir: Path | None = None
    entity: str | None = None  # one registered entity alone; None: all, in one package
    cycle: str | None = None  # the label of the cycle this export ends (loader.cycles)
    changed_since: str | None = None  # a cycle's id or label: only what changed since it


@dataclass(frozen=True)
class _Plan:
    """What the export will write of one entity, from one aggregate query over its mart."""

    entity: RegisteredEntity
    fields: tuple[str, ...]
    update_fields: tuple[str, ...]  # the chosen fields that are not keys
    rows: dict[str, int]  # legal entity -> rows in the mart (or its delta view)
    left_out: dict[str, int]  # legal entity -> rows with nothing to update
    relation: str  # what the rows are read from: the mart, or its delta view
    # legal entity -> rows of the mart a delta leaves out: the same as in the compared cycle
    unchanged: dict[str, int]


def export_packages(
    options: ExportOptions,
    console: Console,
    warn: Callable[[str], None],
) -> ExportSummary:
    """Run the gate, write the packages and the summary atomically into OPTIONS.out_dir.

    CONSOLE shows progress; WARN gets one line per gate problem that --force overrides.
    """
    chosen, fields = check_options(options)

    with _open_source(options.parquet_dir, chosen) as con:
        problems = gate.blocking_problems(
            con,
            dbt_target_dir(),
            [e.name for e in chosen],
            from_database=options.parquet_dir is None,
        )
        if problems and not options.force:
            raise LoaderError(
                "export refused: " + "; ".join(problems) + " (--force exports anyway)"
            )
        for problem in problems:
            warn(f"--force: exporting although {problem}")
        state, cycle, changes = delta.for_export(
            con,
            options.parquet_dir is None,
            options.cycle,
            options.changed_since,
            {e.name: fields[e.name][0] for e in chosen},
            warn,
        )
        relations = changes.relations if changes else {}
        plans = [_plan(con, e, *fields[e.name], relations.get(e.name)) for e in chosen]
        summary = ExportSummary(
            entities=[ExportedEntity(p.entity.name, _content(p)) for p in plans],
            limits=options.limits,
            compression_level=options.level,
            exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            database=str(options.parquet_dir.resolve() if options.parquet_dir else database_path()),
            loads=latest_load(con),
            gate_forced=bool(problems),
            gate_problems=problems,
            cycle=(
                {"cycle_id": cycle.cycle_id, "label": cycle.label, "kept": not problems}
                if cycle
                else None
            ),
        )
        if changes is not None:
            summary.cycle = {**(summary.cycle or {}), **changes.to_dict()}
            summary.cycle_notes = changes.lines()
        reconciliation = _reconciliation(con, chosen)
        summary.reconciliation_source = (
            "main.migration_reconciliation" if reconciliation is not None else None
        )

        with staged_folder(options.out_dir, "the packages") as staged:
            _write_all(con, plans, registry.package_stem(chosen), options, staged, summary, console)
            _attach_reconciliation(summary, reconciliation or [])
            names = [p.name for p in summary.packages]
            stale = staged.stale(names, package_name_pattern(registry.package_stems()))
            summary.stale_removed = stale
            staged.write_bytes(SUMMARY_FILE, summary.to_json())
            finish_uninterrupted(
                "the packages are being put in place: the export finishes"
                + ("" if problems else ", and keeps its cycle")
            )
            staged.commit(names, SUMMARY_FILE, stale)
    if unrecorded := record_export(options.out_dir, summary.to_dict()):
        warn(unrecorded)
    if cycle is not None and problems:
        # Past the gate the marts may be older than the land: kept, they would pair customers
        # and rejects of the previous extract with this cycle's raw tables.
        warn(
            f"--force: {cycle.name} is not kept and stays open: an export past the gate does "
            "not end its cycle; run `dbt build`, then export without --force to end it"
        )
    elif cycle is not None and state is not None:
        since = changes.since.cycle_id if changes else None
        if unkept := cycles.keep(
            cycle, state.tables(), options.out_dir, since, summary.rows, state.built_at, tell=warn
        ):
            warn(unkept)
    if summary.note:
        warn(f"{summary.note} ({', '.join(e.display for e in chosen)})")
    return summary


def check_options(
    options: ExportOptions,
) -> tuple[tuple[RegisteredEntity, ...], dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
    """The entities OPTIONS export and their fields (as `_fields`), or the error the export
    would stop on: checked before any work, so that `loader run` stops before it lands."""
    if not 1 <= options.level <= 9:
        raise UsageError(f"the compression level must be 1 to 9, not {options.level}")
    chosen = registry.select(options.entity)
    fields = _fields(chosen, options.fields)
    if options.changed_since is not None and options.parquet_dir is not None:
        raise UsageError(
            "--changed-since compares with the cycles kept in the migration database: it "
            "cannot be used with --from-parquet; export from the database instead"
        )
    existing = next(p for p in (options.out_dir, *options.out_dir.parents) if p.exists())
    if not existing.is_dir():  # --out a file, or a folder under one
        raise CannotRunError(f"cannot write into {options.out_dir}: Not a directory")
    return chosen, fields


def _fields(
    chosen: Sequence[RegisteredEntity], wanted: list[str] | None
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per entity, the fields to write and those of them that are not keys.

    --fields names fields of any exported entity; an entity that has none of them is written
    whole (its keys are always written).
    """
    names = {n.strip().upper() for n in wanted or [] if n.strip()}
    if wanted is not None and not names:  # `--fields "$UNSET"`: not "every field"
        raise UsageError("--fields names no field: name one, e.g. INVOICEACCOUNT, or leave it out")
    every = {f for entry in chosen for f in entry.description.field_names}
    unknown = sorted(names - every)
    if unknown:
        labels = " or ".join(e.description.label for e in chosen)
        raise UsageError(
            f"--fields: {', '.join(unknown)} not a field of {labels}: choose from "
            f"{', '.join(dict.fromkeys(f for e in chosen for f in e.description.field_names))}"
        )
    chosen_fields = {}
    for entry in chosen:
        entity = entry.description
        own = sorted(names & set(entity.field_names))
        fields = entity.select_fields(own or None)
        update_fields = tuple(f for f in fields if f not in entity.key_fields)
        if not update_fields:
            raise UsageError(
                f"--fields: choose at least one field of {entity.label} besides the key "
                f"({', '.join(entity.key_fields)})"
            )
        chosen_fields[entry.name] = (fields, update_fields)
    return chosen_fields


def _content(plan: _Plan) -> Content:
    return Content(plan.entity.description, plan.fields)


def _qualified(entry: RegisteredEntity) -> str:
    return f"{quote_ident(entry.schema)}.{quote_ident(entry.name)}"


@contextmanager
def _open_source(
    parquet_dir: Path | None, chosen: Sequence[RegisteredEntity]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The migration database, read-only; or, with PARQUET_DIR, an in-memory database whose
    views read the same tables from Parquet files: the marts and the reconciliation from
    PARQUET_DIR/main/TABLE/ (written by a Spark build), raw._loads from PARQUET_DIR/raw/_loads/
    (written by `loader land --format parquet`). Every query of the export then runs as is.
    """
    if parquet_dir is None:
        with connect(read_only=True) as con:
            yield con
        return
    for entry in chosen:
        if not parquet.has_table(parquet_dir, parquet.MART_SCHEMA, entry.name):
            raise LoaderError(
                f"no Parquet files of the mart {entry.display} in "
                f"{parquet.table_dir(parquet_dir, parquet.MART_SCHEMA, entry.name)}: "
                "run `dbt build --target spark` with MIGRATION_PARQUET_DIR set to this folder"
            )
    wanted = [
        *((parquet.MART_SCHEMA, entry.name) for entry in chosen),
        (parquet.MART_SCHEMA, "migration_reconciliation"),
        (parquet.RAW_SCHEMA, parquet.LOADS_TABLE),
    ]
    with tempfile.TemporaryDirectory(prefix="loader-export-") as spill:
        con = duckdb.connect(":memory:")
        try:
            configure(con)  # MIGRATION_DB_MEMORY_LIMIT: the sort spills past it
            con.execute(f"SET temp_directory = {sql_literal(spill)}")
            for schema, table in wanted:
                if not parquet.has_table(parquet_dir, schema, table):
                    continue
                files = sql_literal(parquet.table_glob(parquet_dir, schema, table))
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
    plans: list[_Plan],
    stem: str,
    options: ExportOptions,
    staged: StagedFolder,
    summary: ExportSummary,
    console: Console,
) -> None:
    """Per legal entity, one writer for every entity in import order: each part that creates
    records comes before each part that updates them."""
    total = sum(p.rows[le] - p.left_out[le] for p in plans for le in p.rows)
    progress = transient_progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
    )
    legal_entities = sorted({le for plan in plans for le in (*plan.rows, *plan.unchanged)})
    with progress:
        labels = " and ".join(p.entity.description.label for p in plans)
        task = progress.add_task(f"Writing {labels}", total=total)
        for legal_entity in legal_entities:
            outcome = LegalEntityOutcome(legal_entity)
            summary.legal_entities.append(outcome)
            to_write = []
            for plan in plans:
                rows, left_out = plan.rows.get(legal_entity, 0), plan.left_out.get(legal_entity, 0)
                outcome.entities.append(
                    EntityOutcome(
                        plan.entity.description.label,
                        left_out_by_fields=left_out,
                        left_out_unchanged=plan.unchanged.get(legal_entity, 0),
                    )
                )
                if rows > left_out:  # never an empty data file: no rows, no data file
                    to_write.append(plan)
            if not to_write:
                continue
            contents = [_content(p) for p in to_write]
            writer = PackageWriter(
                staged.path, stem, legal_entity, contents, options.limits, options.level
            )
            try:
                for plan, content in zip(to_write, contents, strict=True):
                    writer.start(content)
                    _write_entity(con, plan, legal_entity, writer, progress, task)
                files = writer.close()
            except BaseException:
                writer.abort()
                raise
            summary.packages.extend(files)
            outcome.packages = [f.name for f in files]
            for entity_outcome in outcome.entities:
                entity_outcome.rows_in_packages = sum(
                    e.rows for f in files for e in f.entities if e.label == entity_outcome.label
                )


def _write_entity(
    con: duckdb.DuckDBPyConnection,
    plan: _Plan,
    legal_entity: str,
    writer: PackageWriter,
    progress: Progress,
    task: Any,
) -> None:
    try:
        with closing(_lines(con, plan, legal_entity)) as batches:
            for lines in batches:
                writer.write(lines)
                progress.advance(task, lines.rows)
    except UncarriableValueError:
        # The reader is done with the connection: look up the row to name it.
        raise _forbidden_error(con, plan, legal_entity) from None


def _plan(
    con: duckdb.DuckDBPyConnection,
    entry: RegisteredEntity,
    fields: tuple[str, ...],
    update_fields: tuple[str, ...],
    relation: str | None = None,
) -> _Plan:
    columns = table_columns(con, entry.schema, entry.name)
    if not columns:
        raise LoaderError(
            f"the mart {entry.display} is not in the database {database_path()}: run `dbt build`"
        )
    missing = [c for c in (entry.legal_entity_column, *fields) if c not in columns]
    if missing:
        raise LoaderError(
            f"the mart {entry.display} has no column {', '.join(missing)}: "
            "the dbt model and the export disagree; run `dbt build` with this project's models"
        )
    keys = entry.description.key_fields
    le = quote_ident(entry.legal_entity_column)
    nothing = " AND ".join(f"{quote_ident(f)} IS NULL" for f in update_fields)
    no_key = " OR ".join(f"{quote_ident(k)} IS NULL" for k in keys)
    rows = con.execute(
        f"SELECT {le}, count(*), count(*) FILTER (WHERE {nothing}), "
        f"count(*) FILTER (WHERE {no_key}) FROM {relation or _qualified(entry)} "
        f"GROUP BY {le} ORDER BY {le}"
    ).fetchall()
    for legal_entity, _, _, null_keys in rows:
        if legal_entity is None:
            raise LoaderError(
                f"the mart {entry.display} has rows without {entry.legal_entity_column}: "
                "fix the dbt model and run `dbt build`"
            )
        if null_keys:
            raise LoaderError(
                f"the mart {entry.display} has {null_keys} rows in legal entity {legal_entity} "
                f"without {'/'.join(keys)}: fix the dbt model and run `dbt build`"
            )
    return _Plan(
        entity=entry,
        fields=fields,
        update_fields=update_fields,
        rows={r[0]: r[1] for r in rows},
        left_out={r[0]: r[2] for r in rows},
        relation=relation or _qualified(entry),
        unchanged=_unchanged(con, entry, {r[0]: r[1] for r in rows}) if relation else {},
    )


def _unchanged(
    con: duckdb.DuckDBPyConnection, entry: RegisteredEntity, changed: dict[str, int]
) -> dict[str, int]:
    """Per legal entity, the rows of ENTRY's mart that its delta view (CHANGED rows) leaves
    out: with them, a delta's summary adds up to what the mart exports."""
    le = quote_ident(entry.legal_entity_column)
    counts = con.execute(
        f"SELECT {le}, count(*) FROM {_qualified(entry)} GROUP BY {le} ORDER BY {le}"
    ).fetchall()
    return {str(name): total - changed.get(name, 0) for name, total in counts if name is not None}


def _select(plan: _Plan, *, lines: bool) -> str:
    """The rows of one legal entity (parameter 1) with something to write, in package order."""
    entry = plan.entity
    entity = entry.description
    keys = [quote_ident(k) for k in entity.key_fields]
    cols = [quote_ident(f) for f in plan.fields]
    listed = ", ".join(cols)
    something = " OR ".join(f"{quote_ident(f)} IS NOT NULL" for f in plan.update_fields)
    rows = (
        f"FROM {plan.relation} "
        f"WHERE {quote_ident(entry.legal_entity_column)} = $1 AND ({something})"
    )
    # Accounts compare case-insensitively in F&O; the exact value breaks ties, then the hash of
    # the fields (or the fields themselves), so the output is deterministic: rows that tie on
    # all three are the same line (barring a 64-bit collision). Keys are unique in a tested
    # mart: the tie-break only orders duplicates exported with --force.
    order = ", ".join([*(f"lower({k})" for k in keys), *keys])
    if lines:
        # Sorted on the fields, the lines built after the sort: DuckDB copies every column the
        # sort carries, and carrying whole lines made the sort of Customer definitions take 2.5x
        # as long at 10M customers. A projection over an ORDER BY keeps its order (DuckDB
        # projects a top-level ORDER BY's hidden sort columns away the same way).
        sorted_rows = f"SELECT {listed} {rows} ORDER BY {order}, hash({listed})"
        return f"SELECT {line_sql(entity, plan.fields)} AS line FROM ({sorted_rows}) AS sorted"
    # The first row that holds a forbidden character, to name it.
    order = ", ".join([order, *(c for c in cols if c not in keys)])
    forbidden = sql_literal(entity.data_format.forbidden_re2)
    return (
        f"SELECT {listed} {rows} AND regexp_matches(concat({listed}), {forbidden}) ORDER BY {order}"
    )


def _lines(
    con: duckdb.DuckDBPyConnection, plan: _Plan, legal_entity: str
) -> Generator[Lines, None, None]:
    """Data-file lines of one legal entity, BATCH_ROWS at a time."""
    # A cursor of its own: the stream may be abandoned half-read (an error, a refusal).
    with con.cursor() as cursor:
        query = cursor.sql(_select(plan, lines=True), params=[legal_entity])
        reader = query.to_arrow_reader(READ_ROWS)
        with _prefetch(reader, BATCH_ROWS // READ_ROWS) as batches:
            for array in _rebatch(batches, BATCH_ROWS):
                yield Lines(array)


def _rebatch(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Array]:
    """The first column in slices of exactly ROWS rows (the last may be shorter).

    Deflate pieces and part boundaries follow the slices, so fixing them here makes the
    output independent of how DuckDB happens to cut its batches. Only the rows of a slice are
    copied, and what is held back is a slice of DuckDB's batch: one batch's worth, not two.
    """
    held: list[pa.Array] = []
    count = 0
    for batch in batches:
        column = batch.column(0)
        while count + len(column) >= rows:
            need = rows - count
            yield _joined([*held, column.slice(0, need)])
            held, count, column = [], 0, column.slice(need)
        if len(column):
            held.append(column)
            count += len(column)
    if count:
        yield _joined(held)


def _joined(arrays: list[pa.Array]) -> pa.Array:
    return pa.concat_arrays(arrays) if len(arrays) > 1 else arrays[0]


def _forbidden_error(con: duckdb.DuckDBPyConnection, plan: _Plan, legal_entity: str) -> LoaderError:
    entity = plan.entity.description
    rows = con.execute(_select(plan, lines=False) + " LIMIT 1", [legal_entity]).fetchall()
    if not rows:  # cannot happen: the batch held one; still say what is known
        return LoaderError(
            f"{entity.label}, legal entity {legal_entity}: a value holds a character that "
            f"{entity.data_format.source_format} cannot carry: fix the dbt model and run `dbt build`"
        )
    values = dict(zip(plan.fields, rows[0], strict=True))
    key = ", ".join(f"{k} {values[k]!r}" for k in entity.key_fields)
    what = next(
        f"{name} holds {reason}"
        for name, value in values.items()
        if value is not None and (reason := entity.data_format.first_forbidden(value))
    )
    return LoaderError(
        f"{entity.label}, legal entity {legal_entity}, {key}: {what}, which a package "
        f"cannot carry; the mart {plan.entity.display} must never hold one: fix the dbt model "
        "or the extract and run `dbt build`"
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


# Columns of main.migration_reconciliation, in display order; older builds lack some.
_RECONCILIATION_COLUMNS = (
    "entity",
    "data_area_id",
    "source_file",
    "extracted",
    "exported",
    "rejected",
    "skipped",
    "unaccounted",
)


def _reconciliation(
    con: duckdb.DuckDBPyConnection, chosen: Sequence[RegisteredEntity]
) -> list[dict[str, Any]] | None:
    """The reconciliation rows of the exported entities (all rows when it has no entity)."""
    present = table_columns(con, "main", "migration_reconciliation")
    if not present:  # no such table
        return None
    columns = [c for c in _RECONCILIATION_COLUMNS if c in present]
    where = ""
    if "entity" in present:
        names = ", ".join(sql_literal(e.name) for e in chosen)
        where = f" WHERE entity IN ({names})"
    order = ", ".join(
        f"{c} NULLS LAST" if c == "data_area_id" else c
        for c in ("data_area_id", "entity", "source_file")
        if c in present
    )
    return dicts(
        con,
        f"SELECT {', '.join(columns)} FROM main.migration_reconciliation{where} ORDER BY {order}",
    )


def _attach_reconciliation(summary: ExportSummary, rows: list[dict[str, Any]]) -> None:
    by_le = {le.legal_entity: le for le in summary.legal_entities}
    for row in rows:
        outcome = by_le.get(row["data_area_id"])
        if outcome is None:
            summary.unexported_reconciliation.append(row)
        else:
            outcome.reconciliation.append(row)
