"""How an extract is parsed: DuckDB's CSV reader, strict, every column text.

A parse error is turned into one line naming the file and the physical line of
the bad record (or the first bytes that are not UTF-8, in a file read in place): DuckDB's own line count is a record count, so the line is
recomputed from the byte position DuckDB's rejects table reports.
"""

import re
from concurrent.futures import Future
from dataclasses import dataclass, replace

import duckdb

from loader.database import configure
from loader.errors import LoaderError
from loader.extracts import ExtractSpec, Header
from loader.source_scan import ScannedSource, find_invalid_utf8

LONE_CR = re.compile(rb"\r(?=[^\n])")
MAX_RECORD_BYTES = 8 * 1024 * 1024  # a record this long is a broken file, not a customer


@dataclass(frozen=True)
class PreparedExtract:
    """An extract file whose header matches the contract, ready to land.

    A UTF-8 file is landed while its scan still runs (PENDING): until then its SOURCE knows
    the head only (no sha256, physical_lines -1, `quoted` from the head); `scanned()` waits.
    """

    spec: ExtractSpec
    source: ScannedSource
    header: Header
    pending: "Future[ScannedSource] | None" = None

    def scanned(self) -> "PreparedExtract":
        """This extract once its scan has finished; the scan's error is raised here."""
        if self.pending is None:
            return self
        return replace(self, source=self.pending.result(), pending=None)


def read_csv_call(extract: PreparedExtract, **extra: str) -> tuple[str, list[object]]:
    """The read_csv table function call for an extract, with its bound parameters."""
    struct = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(extract.header.columns)))
    options = "".join(f", {name}={value}" for name, value in extra.items())
    sql = (
        "read_csv(?, header=false, skip=?, delim=?, quote='\"', escape='\"', "
        f"columns={{{struct}}}, auto_detect=false, strict_mode=true, max_line_size=?{options})"
    )
    params: list[object] = [
        str(extract.source.readable_path),
        extract.header.lines,
        extract.header.delimiter,
        MAX_RECORD_BYTES,
    ]
    return sql, params


def diagnose_csv_error(extract: PreparedExtract, error: duckdb.Error) -> LoaderError:
    """Re-read the file on a private connection, collecting rejects, to name the first bad line."""
    name = extract.source.path.name
    if not extract.source.decoded and (invalid := find_invalid_utf8(extract.source.path)):
        return invalid
    sql, params = read_csv_call(
        extract, store_rejects="true", rejects_table="'errors'", rejects_scan="'scans'"
    )
    try:
        with configure(duckdb.connect()) as con:
            con.execute(f"create table parsed as select * from {sql}", params)
            first = con.execute(
                "select line_byte_position, error_type, error_message from errors "
                "order by line_byte_position limit 1"
            ).fetchall()
    except duckdb.Error:
        first = []
    if not first:
        lone_cr = _first_lone_carriage_return(extract)
        if lone_cr:
            return LoaderError(
                f"{name}: line {lone_cr}: a carriage return without a line feed ends a line "
                "(old Mac line endings); save the file with CRLF or LF line endings"
            )
        reason = str(error).strip().splitlines()[0]
        return LoaderError(f"{name}: cannot be read as CSV: {reason}")
    byte_position, error_type, message = first[0]
    line = _line_at(extract, int(byte_position))
    return LoaderError(
        f"{name}: line {line}: {_describe(str(error_type), str(message), len(extract.header.columns))}; "
        "fix the record in the extract and land again"
    )


def _describe(error_type: str, message: str, expected: int) -> str:
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = message.rsplit("Found:", 1)[-1].strip()
        return f"expected {expected} fields as in the header, found {found}"
    if error_type == "UNQUOTED VALUE":
        return "a quote appears inside an unquoted field, or a quoted field is not closed"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return f"the record is longer than {MAX_RECORD_BYTES // (1024 * 1024)} MB"
    return message.strip().splitlines()[0]


def _first_lone_carriage_return(extract: PreparedExtract) -> int | None:
    """The line of the first CR not followed by LF, which DuckDB cannot read as a line end."""
    lines = 1
    with extract.source.readable_path.open("rb") as handle:
        previous_cr = False
        while chunk := handle.read(1 << 20):
            if previous_cr and not chunk.startswith(b"\n"):
                return lines
            match = LONE_CR.search(chunk)
            if match:
                return lines + chunk.count(b"\n", 0, match.start())
            lines += chunk.count(b"\n")
            previous_cr = chunk.endswith(b"\r")
    return None


def _line_at(extract: PreparedExtract, byte_position: int) -> int:
    """Physical line number of a 1-based byte position in the UTF-8 file DuckDB read."""
    remaining = max(byte_position - 1, 0)
    newlines = 0
    with extract.source.readable_path.open("rb") as handle:
        while remaining > 0:
            chunk = handle.read(min(remaining, 1 << 20))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            remaining -= len(chunk)
    return newlines + 1
