"""`_source_line`: the physical line where each record starts (the header is line 1).

A raw table is written straight from the CSV reader on every core, then numbered in
place (`number_in_place`): DuckDB keeps file order in a fresh table's rowids (consecutive,
from an offset inside a transaction), so a record's line is its position plus the line
breaks inside quoted values of the records before it. Such breaks are rare: only the
records holding one are summed, and each record takes the sum of the last one before it.
`lines_add_up` checks the last record ends on the file's last line.

Files with blank lines between records are staged first (`number_lines`), the same way.
The result is checked against the file's own line count; where they differ
(DuckDB skips blank lines between records), Python's csv module, which counts
physical lines, numbers the records instead.
"""

from __future__ import annotations

import array
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from loader.csv_read import MAX_RECORD_BYTES
from loader.database import quote_ident
from loader.errors import LoaderError
from loader.extracts import Header
from loader.source_scan import ScannedSource

BREAKS_TABLE = "_land_breaks"
LINES_TABLE = "_land_lines"


@dataclass(frozen=True)
class LineNumbers:
    """An SQL expression for `_source_line` over the staging table `s`, and the join it needs."""

    expression: str
    join: str
    rows: int

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"drop table if exists {BREAKS_TABLE}")
        con.execute(f"drop table if exists {LINES_TABLE}")


def _breaks(columns: list[str]) -> str:
    """The line breaks inside the values of one record (most records: none)."""
    return " + ".join(
        f"(case when contains({c}, chr(10)) then length({c}) - length(replace({c}, chr(10), '')) "
        "else 0 end)"
        for c in columns
    )


def _create_breaks_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    """The records of TABLE holding a line break in a value: their rowid, and the breaks in
    them and in every record before them."""
    has_break = " or ".join(f"contains({c}, chr(10))" for c in columns)
    con.execute(
        f"create or replace temp table {BREAKS_TABLE} as "
        f"select rowid as row_id, sum({_breaks(columns)}) over (order by rowid) as breaks_through "
        f"from {table} where {has_break}"
    )


def number_in_place(
    con: duckdb.DuckDBPyConnection, table: str, header: Header, *, breaks: bool
) -> None:
    """Set `_source_line` of TABLE, just written from the CSV reader in file order.

    The record's position, plus (with BREAKS) the line breaks inside the values of the
    records before it. A window function over the reader would number the records as they
    stream by, but it keeps the whole write on one thread: at 10M customers that took twice
    as long as writing on every core and numbering afterwards.
    """
    with _rowid_visible(con, table, header) as columns:
        _number_in_place(con, table, header, columns, breaks=breaks)


@contextmanager
def _rowid_visible(
    con: duckdb.DuckDBPyConnection, table: str, header: Header
) -> Iterator[list[str]]:
    """The data columns of TABLE, quoted, while DuckDB's rowid pseudo-column can be read.

    A column named rowid (Oracle extracts carry ROWID) hides the pseudo-column the numbering
    needs, so it is renamed aside meanwhile, and back afterwards.
    """
    if "rowid" not in header.columns:
        yield [quote_ident(name) for name in header.columns]
        return
    aside = "_rowid_column"
    while aside in header.columns:
        aside += "_"
    con.execute(f"alter table {table} rename column rowid to {aside}")
    try:
        yield [quote_ident(aside if name == "rowid" else name) for name in header.columns]
    finally:
        con.execute(f"alter table {table} rename column {aside} to rowid")


def _number_in_place(
    con: duckdb.DuckDBPyConnection, table: str, header: Header, columns: list[str], *, breaks: bool
) -> None:
    ((first_rowid,),) = con.execute(f"select coalesce(min(rowid), 0) from {table}").fetchall()
    offset = header.lines + 1 - int(first_rowid)  # a record's rowid + offset: its position
    if not breaks:
        con.execute(f"update {table} set _source_line = rowid + {offset}")
        return
    _create_breaks_table(con, table, columns)
    try:
        con.execute(
            f"update {table} as t "
            f"set _source_line = before.row_id + {offset} + coalesce(before.breaks_through, 0) "
            f"from (select r.rowid as row_id, b.breaks_through from {table} as r "
            f"asof left join {BREAKS_TABLE} as b on r.rowid > b.row_id) as before "
            "where t.rowid = before.row_id"
        )
    finally:
        con.execute(f"drop table if exists {BREAKS_TABLE}")


def lines_add_up(
    con: duckdb.DuckDBPyConnection, table: str, header: Header, source: ScannedSource
) -> bool:
    """Whether the last record of TABLE ends on the file's last line.

    Records are numbered from their position and the line breaks before them, so the last
    one ends on the last line only when no blank line stands between records (and when no
    line break before the last record went uncounted).
    """
    (last,) = con.execute(f"select max(_source_line) from {table}").fetchall()[0]
    if last is None:
        return True
    count = _breaks([quote_ident(name) for name in header.columns])
    (last_breaks,) = con.execute(
        f"select {count} from {table} where _source_line = ?", [last]
    ).fetchall()[0]
    return bool(last + last_breaks == source.physical_lines)


def number_lines(
    con: duckdb.DuckDBPyConnection, stage: str, header: Header, source: ScannedSource
) -> LineNumbers:
    first = header.lines + 1
    _create_breaks_table(con, stage, [f"c{i}" for i in range(len(header.columns))])
    rows, first_rowid, total_breaks = con.execute(
        f"select count(*), coalesce(min(rowid), 0), "
        f"(select coalesce(max(breaks_through), 0) from {BREAKS_TABLE}) from {stage}"
    ).fetchall()[0]
    position = f"s.rowid - {int(first_rowid)}"
    last_line = header.lines + rows + total_breaks if rows else header.lines
    if last_line == source.physical_lines:
        if not total_breaks:
            return LineNumbers(f"{position} + {first}", "", rows)
        return LineNumbers(
            f"{position} + {first} + coalesce(b.breaks_through, 0)",
            f"asof left join {BREAKS_TABLE} as b on s.rowid > b.row_id",
            rows,
        )
    starts = _record_start_lines(source, header)
    if len(starts) != rows:
        raise LoaderError(
            f"{source.path.name}: DuckDB read {rows} records but the file holds {len(starts)}; "
            "check the file for stray quotes or line breaks"
        )
    lines = pa.table(
        {
            "row_id": pa.array(range(first_rowid, first_rowid + rows), pa.int64()),
            "line": pa.array(starts, pa.int64()),
        }
    )
    con.register("_land_lines_arrow", lines)
    con.execute(f"create or replace temp table {LINES_TABLE} as select * from _land_lines_arrow")
    con.unregister("_land_lines_arrow")
    return LineNumbers("l.line", f"join {LINES_TABLE} as l on l.row_id = s.rowid", rows)


def _record_start_lines(source: ScannedSource, header: Header) -> array.array[int]:
    """The start line of every record after the header, skipping blank lines as DuckDB does."""
    starts: array.array[int] = array.array("q")
    # The csv module refuses fields over 131,072 characters by default, far below the record
    # DuckDB has just read (up to MAX_RECORD_BYTES, never fewer bytes than characters). The
    # limit is the module's, not the reader's: raising it is the same for every thread.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))
    with source.readable_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=header.delimiter)
        previous_end = 0
        for record in reader:
            if record and previous_end >= header.lines:
                starts.append(previous_end + 1)
            previous_end = reader.line_num
    return starts
