"""`_source_line`: the physical line where each record starts (the header is line 1).

A raw table written straight from the CSV reader gets its lines in place
(`fill_source_lines`): its row ids follow the file's record order, so a record's
line is its position plus the line breaks inside quoted values of the records
before it, looked up per row from a short list passed with the UPDATE.

Files with blank lines between records are staged first (`number_lines`). DuckDB keeps file order in a fresh staging table's rowids (consecutive, from
an offset inside a transaction), so a record's line is its position plus the line breaks inside quoted fields of the records before it.
Such breaks are rare: only the records holding one are summed and joined back.
The result is checked against the file's own line count; where they differ
(DuckDB skips blank lines between records), Python's csv module, which counts
physical lines, numbers the records instead.
"""

from __future__ import annotations

import array
import csv
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from loader.database import quote_ident
from loader.errors import LoaderError
from loader.extracts import Header
from loader.source_scan import ScannedSource

BREAKS_TABLE = "_land_breaks"
BUCKET_ROWS = 4096  # records per entry of the per-row lookup of line breaks before a record
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


def fill_source_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    header: Header,
    source: ScannedSource,
    rows: int,
) -> bool:
    """Set `_source_line` of TABLE, written from SOURCE in this transaction, from its row ids.

    False (and nothing changed) when the records do not add up to the file's lines: blank
    lines stand between records, which only a reading of the file itself can place.
    """
    if not rows:
        return True
    ids = f"select min(rowid), max(rowid) from {table}"
    first_rowid, last_rowid = con.execute(ids).fetchall()[0]
    if last_rowid - first_rowid + 1 != rows:
        return False
    position = f"(rowid - {int(first_rowid)})"
    columns = [quote_ident(name) for name in header.columns]
    breaks = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in columns
    )
    has_break = " or ".join(f"contains({c}, chr(10))" for c in columns)
    spans = con.execute(
        f"select {position}, {breaks} from {table} where {has_break} order by 1"
    ).fetchall()
    if header.lines + rows + sum(n for _, n in spans) != source.physical_lines:
        return False
    first = header.lines + 1
    if not spans:
        con.execute(f"update {table} set _source_line = {position} + {first}")
        return True
    # The breaks before record k: cumulative[i] sums the first i breaking records; which i
    # holds for k is the count of breaking records in the buckets before k's bucket, plus
    # those before k in its own bucket (a short list, empty in almost every bucket).
    cumulative = [0]
    before_bucket = [0] * (rows // BUCKET_ROWS + 1)
    in_bucket: list[list[int]] = [[] for _ in before_bucket]
    for record, count in spans:
        cumulative.append(cumulative[-1] + count)
        in_bucket[record // BUCKET_ROWS].append(record)
    total = 0
    for bucket, records in enumerate(in_bucket):
        before_bucket[bucket] = total
        total += len(records)
    bucket_of = f"({position} // {BUCKET_ROWS} + 1)"
    con.execute(
        f"update {table} set _source_line = {position} + {first} + $cumulative["
        f"$before_bucket[{bucket_of}] + len(list_filter($in_bucket[{bucket_of}], "
        f"lambda r: r < {position})) + 1]",
        {"cumulative": cumulative, "before_bucket": before_bucket, "in_bucket": in_bucket},
    )
    return True


def number_lines(
    con: duckdb.DuckDBPyConnection, stage: str, header: Header, source: ScannedSource
) -> LineNumbers:
    first = header.lines + 1
    columns = [f"c{i}" for i in range(len(header.columns))]
    breaks = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in columns
    )
    has_break = " or ".join(f"contains({c}, chr(10))" for c in columns)
    con.execute(
        f"create or replace temp table {BREAKS_TABLE} as "
        f"select rowid as row_id, sum({breaks}) over (order by rowid) as breaks_through "
        f"from {stage} where {has_break}"
    )
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
    with source.readable_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=header.delimiter)
        previous_end = 0
        for record in reader:
            if record and previous_end >= header.lines:
                starts.append(previous_end + 1)
            previous_end = reader.line_num
    return starts
