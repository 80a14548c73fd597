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
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
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

from loader.csv_read import PreparedExtract, diagnose_csv_error, read_csv_call
from loader.cycles import begin_cycle, cycle_name
from loader.database import connect, quote_ident, utc_now
from loader.errors import CannotRunError, LoaderError
from loader.extracts import EXTRACTS, ExtractSpec, read_header, resolve_delimiter
from loader.failures import duckdb_error, is_about_the_data, os_error
from loader.line_numbers import lines_add_up, number_in_place, number_lines
from loader.outcome import finish_uninterrupted
from loader.output import WordTable, transient_progress
from loader.source_scan import (
    Encodings,
    ScannedSource,
    choose_encoding,
    display_name,
    in_place,
    read_head,
    scan,
)

STAGE_TABLE = "_land_stage"
LANDING_PREFIX = "_landing_"  # raw._landing_customers becomes raw.customers when all landed
SCAN_THREADS = 2  # the files are hashed side by side
LAND_FINISHING = "the raw tables are being committed: the land finishes, with its migration cycle"
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
    read_as_other: list[tuple[str, str]] = field(default_factory=list)  # (file, encoding)
    cycle: dict[str, object] | None = None  # the migration cycle the land is part of

    def table(self) -> WordTable:
        return WordTable(
            f"Landed load {self.load_id} into the raw schema",
            ("file", "table", "rows", "encoding", "delimiter"),
            [
                (
                    landed.file_name,
                    landed.table,
                    f"{landed.rows:,}",
                    landed.encoding,
                    "tab" if landed.delimiter == "\t" else landed.delimiter,
                )
                for landed in self.files
            ],
            numeric={"rows"},
        )

    @property
    def warnings(self) -> list[str]:
        """What the land did but may not have been meant: printed, not part of the summary."""
        misread = [
            f"{name} is UTF-8 but was read as {encoding} (--encoding applies to every file it "
            f"does not name): check its values; give --encoding {name}=utf-8 and land again"
            for name, encoding in self.read_as_other
        ]
        empty = [
            f"{landed.file_name} holds no records, only its header: {landed.table} is now "
            "empty; check the extract, and land again if it is wrong"
            for landed in self.files
            if landed.rows == 0  # a header alone: most likely a failed extraction
        ]
        ignored = [
            f"{name} is not part of the extract contract and was not landed"
            for name in self.ignored
        ]
        return misread + empty + ignored

    @property
    def notes(self) -> list[str]:
        """What the land did as expected but a reader may want to know."""
        return [f"note: no {name} in the folder: its raw table is empty" for name in self.absent]

    def tell(self, note: Callable[[str], None], warn: Callable[[str], None]) -> None:
        """Pass the notes, then the warnings, to whoever prints them."""
        for message in self.notes:
            note(message)
        for warning in self.warnings:
            warn(warning)

    @property
    def cycle_name(self) -> str | None:
        """The cycle as loader.cycles names it: `cycle 3 (mock 2)`."""
        if self.cycle is None:
            return None
        return cycle_name(int(str(self.cycle["cycle_id"])), str(self.cycle["label"]))

    def to_dict(self) -> dict[str, object]:
        return {
            "load_id": self.load_id,
            "files": [asdict(landed) for landed in self.files],
            "absent": self.absent,
            "ignored": self.ignored,
            "cycle": self.cycle,
        }


def land_extracts(
    extracts_dir: Path,
    *,
    encodings: Encodings | None = None,
    delimiter: str | None = None,
    console: Console | None = None,
    parquet_dir: Path | None = None,
    cycle_label: str | None = None,
) -> LandResult:
    """Land every extract of EXTRACTS_DIR into the raw schema in one transaction, which also
    starts the migration cycle (loader.cycles.begin_cycle, labelled CYCLE_LABEL).

    With PARQUET_DIR the migration database is not touched: the extracts are landed into a
    scratch database (continuing the landing history of PARQUET_DIR/raw/_loads) and the raw
    tables are written as Parquet to PARQUET_DIR/raw/TABLE/ (loader.parquet).
    """
    console = console or Console(stderr=True)
    directory = _check_directory(extracts_dir)
    found = _find_files(directory)
    started_at = utc_now()
    result = LandResult(load_id=f"{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}")
    result.ignored = sorted(
        p.name
        for p in directory.iterdir()
        if p.suffix.lower() == ".csv" and p not in found.values()
    )
    result.absent = [spec.file_name for spec in EXTRACTS if found.get(spec.table) is None]
    with (
        tempfile.TemporaryDirectory(prefix="loader-land-") as temp,
        _progress(console) as progress,
        ThreadPoolExecutor(max_workers=SCAN_THREADS) as scans,
    ):
        encodings = encodings or Encodings()
        prepared = _prepare_all(found, encodings, delimiter, Path(temp), progress, scans)
        result.read_as_other = [  # unless --encoding named the file: then it was meant
            (p.source.path.name, p.source.encoding)
            for p in prepared
            if p.source.utf8_read_as_other and not encodings.names_file(p.spec.file_name)
        ]
        target = f" to {parquet_dir}" if parquet_dir is not None else ""
        progress.add_task(f"Writing the raw tables{target}", total=None)
        if parquet_dir is not None:
            result.files = _land_parquet(
                prepared, result.load_id, started_at, parquet_dir, Path(temp)
            )
            return result

        def start_the_cycle(con: duckdb.DuckDBPyConnection) -> None:
            result.cycle = begin_cycle(con, cycle_label).to_dict()
            # The commit is next: Ctrl-C from here would say "undone" of a kept land and cycle.
            finish_uninterrupted(LAND_FINISHING)

        with connect() as con:
            result.files = _write_raw_tables(
                con, prepared, result.load_id, started_at, before_commit=start_the_cycle
            )
    return result


def _progress(console: Console) -> Progress:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    return transient_progress(*columns, console=console)


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
        doing = f"cannot write the raw tables into {parquet_dir}"
        try:
            parquet.write_raw_tables(con, parquet_dir)
        except OSError as exc:
            raise os_error(exc, doing) from exc
        except duckdb.Error as exc:
            raise (duckdb_error(exc, doing) or exc) from exc
    return files


def _check_directory(extracts_dir: Path) -> Path:
    if not extracts_dir.exists():
        raise CannotRunError(f"extracts folder {extracts_dir} does not exist: check the path")
    if not extracts_dir.is_dir():
        raise CannotRunError(
            f"{extracts_dir} is not a folder: pass the folder that holds customers.csv"
        )
    return extracts_dir.resolve()


_CONTRACT_NAMES = {spec.file_name for spec in EXTRACTS}


def _find_files(directory: Path) -> dict[str, Path | None]:
    """Match each contract file by name, case-insensitively; a required one must be there."""
    by_name: dict[str, Path] = {}
    for entry in sorted(directory.iterdir()):
        other = by_name.setdefault(entry.name.lower(), entry)
        if other != entry and entry.name.lower() in _CONTRACT_NAMES:
            # Which one is the extract is a guess either way: never land one of them silently.
            raise LoaderError(
                f"{directory}: {other.name} and {entry.name} are both {entry.name.lower()}: "
                "keep only the extract to land in the folder"
            )
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
    encodings: Encodings,
    delimiter: str | None,
    temp_dir: Path,
    progress: Progress,
    scans: ThreadPoolExecutor,
) -> list[PreparedExtract]:
    """Check every header before the database is touched; scan the files in the background.

    A UTF-8 file's head is read and checked here, and its full scan (hash, line ends) runs in
    SCANS while DuckDB lands it. A file in another encoding is scanned and transcoded here.
    """
    prepared: list[PreparedExtract] = []
    for spec in EXTRACTS:
        path = found[spec.table]
        if path is None:
            continue
        task = progress.add_task(f"Reading {path.name}", total=path.stat().st_size)

        def advance(n: int, task: TaskID = task) -> None:
            progress.advance(task, n)

        encoding = encodings.for_file(spec.file_name)
        named = encodings.names_file(spec.file_name)
        scan_file = partial(
            scan,
            path,
            requested_encoding=encoding,
            temp_dir=temp_dir,
            advance=advance,
            named=named,
        )

        chosen, bom_length = choose_encoding(path, encoding, named)
        if in_place(chosen):
            head, quoted = read_head(path, bom_length)
            source = ScannedSource(
                path=path,
                readable_path=path,
                encoding=display_name(chosen),
                sha256="",
                head=head,
                decoded=False,
                quoted=quoted,
                physical_lines=-1,
            )
            pending: Future[ScannedSource] | None = scans.submit(scan_file)
        else:
            source, pending = scan_file(), None
        header = read_header(
            spec, path.name, source.head, resolve_delimiter(delimiter, source.head)
        )
        prepared.append(PreparedExtract(spec=spec, source=source, header=header, pending=pending))
    return prepared


def _write_raw_tables(
    con: duckdb.DuckDBPyConnection,
    prepared: list[PreparedExtract],
    load_id: str,
    started_at: datetime,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> list[LandedFile]:
    """Write every file to a landing table side by side, then swap them in in one transaction
    (with BEFORE_COMMIT's writes).

    The raw tables stay as they were until that last transaction commits, so a failure (or a
    kill) anywhere before leaves the previous land in place; landing tables left by a killed
    land are dropped by the next one.
    """
    con.execute("create schema if not exists raw")
    con.execute(LOADS_DDL)
    _drop_landing_tables(con)
    try:
        landings = _land_side_by_side(con, prepared, load_id, started_at)
        landed: list[LandedFile] = []
        con.begin()
        try:
            present = {p.spec.table for p in prepared}
            for spec in EXTRACTS:
                if spec.table not in present:
                    _create_empty(con, spec)
            for rows, extract in landings:
                table = quote_ident(extract.spec.table)
                con.execute(f"drop table if exists raw.{table}")
                con.execute(f"alter table {_landing_table(extract.spec)} rename to {table}")
                landed.append(_record_load(con, extract, rows, load_id, started_at))
            if before_commit is not None:
                before_commit(con)
            con.commit()
        except BaseException:
            # DuckDB may have rolled back itself (a failed write): the first error is the news.
            with contextlib.suppress(duckdb.Error):
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
) -> list[tuple[int, PreparedExtract]]:
    """Land each file on its own connection and thread; errors come in contract order.

    Each file's write runs on every core too: the files share them (customers.csv beside
    customer_dimensions.csv), and the larger one has them all once the smaller is done.
    """
    workers = max(1, min(len(prepared), os.cpu_count() or 1))
    cursors = [con.cursor() for _ in prepared]
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = [
                pool.submit(_land_one, cursor, extract, load_id, loaded_at)
                for cursor, extract in zip(cursors, prepared, strict=True)
            ]
            try:
                wait(pending)
            except BaseException:  # Ctrl-C: stop the other threads' queries too
                for cursor in cursors:
                    cursor.interrupt()
                raise
        return [landing.result() for landing in pending]
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
) -> tuple[int, PreparedExtract]:
    """Write the landing table straight from the CSV reader, lines numbered as it reads.

    One copy of the data, written while the file's scan finishes; line breaks in values are
    counted when the head holds a quote. Then the scan decides: its error wins over DuckDB's;
    a file with mixed line ends is read again from its unified copy, and one with a line break
    in a value past a quoteless head is read again counting them; blank lines between records
    take the exact, slower way.
    """
    table = _landing_table(extract.spec)
    lineage = (load_id, loaded_at)
    breaks = extract.source.quoted
    rows, error = _write_landing(con, extract, lineage, breaks=breaks)
    final = extract.scanned()
    again = final.source.readable_path != extract.source.readable_path
    if error is None and not again and not breaks and final.source.quoted:
        again = not lines_add_up(con, table, final.header, final.source)
    if again:
        breaks = final.source.quoted
        rows, error = _write_landing(con, final, lineage, breaks=breaks)
    if error is not None:
        raise diagnose_csv_error(final, error) from None
    if not lines_add_up(con, table, final.header, final.source):
        return _land_one_exactly(con, final, load_id, loaded_at), final
    return rows, final


def _write_landing(
    con: duckdb.DuckDBPyConnection,
    extract: PreparedExtract,
    lineage: tuple[str, datetime],
    *,
    breaks: bool,
) -> tuple[int, duckdb.Error | None]:
    """The landing table from the CSV reader: its row count, or DuckDB's error."""
    sql, params = read_csv_call(extract)
    table = _landing_table(extract.spec)
    select_list = ", ".join(
        [
            *_data_columns(extract, prefix=""),
            "?::varchar as _source_file",
            "null::bigint as _source_line",  # numbered once written: number_in_place
            "?::varchar as _load_id",
            "?::timestamp as _loaded_at",
        ]
    )
    try:
        row = con.execute(
            f"create or replace table {table} as select {select_list} from {sql}",
            [extract.source.path.name, *lineage, *params],
        ).fetchone()
    except duckdb.Error as exc:
        if not is_about_the_data(exc):  # the disk, memory, an interrupt: not the CSV's fault
            raise
        return 0, exc
    number_in_place(con, table, extract.header, breaks=breaks)
    return (int(row[0]) if row else 0), None


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
        if not is_about_the_data(exc):
            raise
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
            utc_now(),
        ],
    )
    return landed
