"""`loader land`: the legacy CSV extracts become the raw tables, all or nothing.

Each file is scanned once (hash, line ends, header), then DuckDB's CSV reader
writes it, lineage columns and all, into a landing table beside the raw tables;
the files are landed side by side. Every raw table of one land is then replaced
by its landing table inside one transaction, so a failure anywhere leaves the
previous raw tables exactly as they were.
"""

import contextlib
import os
import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from loader.csv_read import PreparedExtract, diagnose_csv_error, read_csv_call
from loader.database import connect, quote_ident
from loader.errors import LoaderError
from loader.extracts import EXTRACTS, ExtractSpec, read_header, resolve_delimiter
from loader.line_numbers import lines_add_up, number_lines, streaming_source_line
from loader.source_scan import scan

STAGE_TABLE = "_land_stage"
LANDING_PREFIX = "_landing_"  # raw._landing_customers becomes raw.customers when all landed
SCAN_THREADS = 2  # the files are hashed side by side
LOADS_DDL = """
create table if not exists raw._loads (
    load_id varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    rows bigint not null,
    encoding varchar not null,
    delimiter varchar not null,
    started_at timestamp not null,
    finished_at timestamp not null
)
"""


@dataclass(frozen=True)
class LandedFile:
    file_name: str
    table: str
    rows: int
    encoding: str
    delimiter: str
    sha256: str


@dataclass
class LandResult:
    load_id: str
    files: list[LandedFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)

    def table(self) -> Table:
        table = Table(title=f"Landed load {self.load_id}")
        for column in ("file", "raw table", "rows", "encoding", "delimiter"):
            table.add_column(column, justify="right" if column == "rows" else "left")
        for landed in self.files:
            delimiter = "tab" if landed.delimiter == "\t" else landed.delimiter
            table.add_row(
                landed.file_name,
                f"raw.{landed.table}",
                f"{landed.rows:,}",
                landed.encoding,
                delimiter,
            )
        return table

    def to_dict(self) -> dict[str, object]:
        return {
            "load_id": self.load_id,
            "files": [asdict(landed) for landed in self.files],
            "absent": self.absent,
            "ignored": self.ignored,
        }


def land_extracts(
    extracts_dir: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    console: Console | None = None,
    parquet_dir: Path | None = None,
) -> LandResult:
    """Land every extract of EXTRACTS_DIR into the raw schema in one transaction.

    With PARQUET_DIR the migration database is not touched: the extracts are landed into a
    scratch database (continuing the landing history of PARQUET_DIR/raw/_loads) and the raw
    tables are written as Parquet to PARQUET_DIR/raw/TABLE/ (loader.parquet).
    """
    console = console or Console(stderr=True)
    directory = _check_directory(extracts_dir)
    found = _find_files(directory)
    started_at = _utc_now()
    result = LandResult(load_id=f"{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}")
    result.ignored = sorted(
        p.name
        for p in directory.iterdir()
        if p.suffix.lower() == ".csv" and p not in found.values()
    )
    result.absent = [spec.file_name for spec in EXTRACTS if found.get(spec.table) is None]
    with tempfile.TemporaryDirectory(prefix="loader-land-") as temp:
        prepared = _prepare_all(found, encoding, delimiter, Path(temp), console)
        if parquet_dir is not None:
            with console.status(f"Writing the raw tables to {parquet_dir}"):
                result.files = _land_parquet(
                    prepared, result.load_id, started_at, parquet_dir, Path(temp)
                )
            return result
        with connect() as con, console.status("Writing the raw tables"):
            result.files = _write_raw_tables(con, prepared, result.load_id, started_at)
    return result


def _land_parquet(
    prepared: list[PreparedExtract],
    load_id: str,
    started_at: datetime,
    parquet_dir: Path,
    temp_dir: Path,
) -> list[LandedFile]:
    """Land into a scratch database in TEMP_DIR, then write its raw tables as Parquet."""
    from loader import parquet

    with connect(path=temp_dir / "land.duckdb") as con:
        con.execute("create schema if not exists raw")
        con.execute(LOADS_DDL)
        parquet.load_history(con, parquet_dir)
        files = _write_raw_tables(con, prepared, load_id, started_at)
        parquet.write_raw_tables(con, parquet_dir)
    return files


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_directory(extracts_dir: Path) -> Path:
    if not extracts_dir.exists():
        raise LoaderError(f"extracts folder {extracts_dir} does not exist")
    if not extracts_dir.is_dir():
        raise LoaderError(
            f"{extracts_dir} is not a folder: pass the folder that holds customers.csv"
        )
    return extracts_dir.resolve()


def _find_files(directory: Path) -> dict[str, Path | None]:
    """Match each contract file by name, case-insensitively; a required one must be there."""
    by_name: dict[str, Path] = {}
    for entry in directory.iterdir():
        by_name.setdefault(entry.name.lower(), entry)
    found: dict[str, Path | None] = {}
    for spec in EXTRACTS:
        path = by_name.get(spec.file_name)
        if path is None and spec.file_required:
            raise LoaderError(f"{directory}: {spec.file_name} is missing; it is a required extract")
        if path is not None and (path.is_symlink() or not path.is_file()):
            raise LoaderError(f"{path}: not a regular file; copy the real extract into the folder")
        found[spec.table] = path
    return found


def _prepare_all(
    found: dict[str, Path | None],
    encoding: str | None,
    delimiter: str | None,
    temp_dir: Path,
    console: Console,
) -> list[PreparedExtract]:
    """Scan every file before the database is touched: most mistakes are found here.

    The files are scanned side by side (hashing releases the GIL), and their mistakes are
    reported in contract order, as if they had been scanned one after the other.
    """
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    present = [(spec, path) for spec in EXTRACTS if (path := found[spec.table]) is not None]
    prepared: list[PreparedExtract] = []
    with (
        Progress(*columns, console=console, transient=True) as progress,
        ThreadPoolExecutor(max_workers=SCAN_THREADS) as pool,
    ):
        scans = []
        for _spec, path in present:
            task = progress.add_task(f"Reading {path.name}", total=path.stat().st_size)

            def advance(n: int, task: TaskID = task) -> None:
                progress.advance(task, n)

            scans.append(
                pool.submit(
                    scan, path, requested_encoding=encoding, temp_dir=temp_dir, advance=advance
                )
            )
        try:
            for (spec, path), pending in zip(present, scans, strict=True):
                source = pending.result()
                header = read_header(
                    spec, path.name, source.head, resolve_delimiter(delimiter, source.head)
                )
                prepared.append(PreparedExtract(spec=spec, source=source, header=header))
        finally:
            for pending in scans:
                pending.cancel()
    return prepared


def _write_raw_tables(
    con: duckdb.DuckDBPyConnection,
    prepared: list[PreparedExtract],
    load_id: str,
    started_at: datetime,
) -> list[LandedFile]:
    """Write every file to a landing table side by side, then swap them in in one transaction.

    The raw tables stay as they were until that last transaction commits, so a failure (or a
    kill) anywhere before leaves the previous land in place; landing tables left by a killed
    land are dropped by the next one.
    """
    con.execute("create schema if not exists raw")
    con.execute(LOADS_DDL)
    _drop_landing_tables(con)
    try:
        rows = _land_side_by_side(con, prepared, load_id, started_at)
        landed: list[LandedFile] = []
        con.begin()
        try:
            present = {p.spec.table for p in prepared}
            for spec in EXTRACTS:
                if spec.table not in present:
                    _create_empty(con, spec)
            for extract in prepared:
                table = quote_ident(extract.spec.table)
                con.execute(f"drop table if exists raw.{table}")
                con.execute(f"alter table {_landing_table(extract.spec)} rename to {table}")
                landed.append(
                    _record_load(con, extract, rows[extract.spec.table], load_id, started_at)
                )
            con.commit()
        except BaseException:
            con.rollback()
            raise
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            _drop_landing_tables(con)
        raise
    return landed


def _landing_table(spec: ExtractSpec) -> str:
    return f"raw.{quote_ident(LANDING_PREFIX + spec.table)}"


def _drop_landing_tables(con: duckdb.DuckDBPyConnection) -> None:
    names = con.execute(
        "select table_name from duckdb_tables() "
        "where database_name = current_database() and schema_name = 'raw' "
        "and starts_with(table_name, ?)",
        [LANDING_PREFIX],
    ).fetchall()
    for (name,) in names:
        con.execute(f"drop table if exists raw.{quote_ident(name)}")


def _land_side_by_side(
    con: duckdb.DuckDBPyConnection,
    prepared: list[PreparedExtract],
    load_id: str,
    loaded_at: datetime,
) -> dict[str, int]:
    """Land each file on its own connection and thread; errors come in contract order.

    Numbering the records in file order keeps each file's query on one thread, so the files
    are what runs in parallel (customers.csv beside customer_dimensions.csv).
    """
    workers = max(1, min(len(prepared), os.cpu_count() or 1))
    cursors = [con.cursor() for _ in prepared]
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = [
                pool.submit(_land_one, cursor, extract, load_id, loaded_at)
                for cursor, extract in zip(cursors, prepared, strict=True)
            ]
            wait(pending)
        return {
            extract.spec.table: landing.result()
            for extract, landing in zip(prepared, pending, strict=True)
        }
    finally:
        for cursor in cursors:
            cursor.close()


def _create_empty(con: duckdb.DuckDBPyConnection, spec: ExtractSpec) -> None:
    """An optional extract that was not supplied still has its (empty) raw table."""
    columns = [f"{quote_ident(name)} varchar" for name in spec.contract_columns]
    lineage = "_source_file varchar, _source_line bigint, _load_id varchar, _loaded_at timestamp"
    con.execute(
        f"create or replace table raw.{quote_ident(spec.table)} ({', '.join(columns)}, {lineage})"
    )


def _land_one(
    con: duckdb.DuckDBPyConnection, extract: PreparedExtract, load_id: str, loaded_at: datetime
) -> int:
    """Write the landing table straight from the CSV reader, lines numbered as it reads.

    One copy of the data. When the records do not add up to the file's lines (blank lines
    between records), the table is written again the exact, slower way.
    """
    table = _landing_table(extract.spec)
    sql, params = read_csv_call(extract)
    select_list = ", ".join(
        [
            *_data_columns(extract, prefix=""),
            "?::varchar as _source_file",
            f"({streaming_source_line(extract.header, extract.source)})::bigint as _source_line",
            "?::varchar as _load_id",
            "?::timestamp as _loaded_at",
        ]
    )
    try:
        row = con.execute(
            f"create or replace table {table} as select {select_list} from {sql}",
            [extract.source.path.name, load_id, loaded_at, *params],
        ).fetchone()
    except duckdb.Error as exc:
        raise diagnose_csv_error(extract, exc) from None
    rows = int(row[0]) if row else 0
    if lines_add_up(con, table, extract.header, extract.source):
        return rows
    return _land_one_exactly(con, extract, load_id, loaded_at)


def _land_one_exactly(
    con: duckdb.DuckDBPyConnection, extract: PreparedExtract, load_id: str, loaded_at: datetime
) -> int:
    """Stage the parsed file, number its records line by line (loader.line_numbers), then copy."""
    _stage(con, extract)
    lines = number_lines(con, STAGE_TABLE, extract.header, extract.source)
    select_list = ", ".join(
        [
            *_data_columns(extract),
            "? as _source_file",
            f"({lines.expression})::bigint as _source_line",
            "? as _load_id",
            "?::timestamp as _loaded_at",
        ]
    )
    # No ORDER BY: `_source_line` carries the file order, so the rows need not.
    con.execute(
        f"create or replace table {_landing_table(extract.spec)} as "
        f"select {select_list} from {STAGE_TABLE} as s {lines.join}",
        [extract.source.path.name, load_id, loaded_at],
    )
    con.execute(f"drop table {STAGE_TABLE}")
    lines.drop(con)
    return lines.rows


def _stage(con: duckdb.DuckDBPyConnection, extract: PreparedExtract) -> None:
    """Parse the file with DuckDB into positional text columns c0..cN."""
    sql, params = read_csv_call(extract)
    try:
        con.execute(f"create or replace temp table {STAGE_TABLE} as select * from {sql}", params)
    except duckdb.Error as exc:
        raise diagnose_csv_error(extract, exc) from None


def _data_columns(extract: PreparedExtract, prefix: str = "s.") -> list[str]:
    """Contract columns first (a missing optional one as NULL), then the file's extra columns."""
    position = {name: i for i, name in enumerate(extract.header.columns)}
    selected = [
        f"{prefix}c{position[name]} as {quote_ident(name)}"
        if name in position
        else f"null::varchar as {quote_ident(name)}"
        for name in extract.spec.contract_columns
    ]
    extras = [
        f"{prefix}c{i} as {quote_ident(name)}"
        for i, name in enumerate(extract.header.columns)
        if name not in extract.spec.contract_columns
    ]
    return selected + extras


def _record_load(
    con: duckdb.DuckDBPyConnection,
    extract: PreparedExtract,
    rows: int,
    load_id: str,
    started_at: datetime,
) -> LandedFile:
    landed = LandedFile(
        file_name=extract.source.path.name,
        table=extract.spec.table,
        rows=rows,
        encoding=extract.source.encoding,
        delimiter=extract.header.delimiter,
        sha256=extract.source.sha256,
    )
    con.execute(
        "insert into raw._loads values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            landed.file_name,
            landed.sha256,
            rows,
            landed.encoding,
            landed.delimiter,
            started_at,
            _utc_now(),
        ],
    )
    return landed
