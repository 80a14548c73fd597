"""`loader demo-data`: write realistic synthetic legacy extracts with planted problems.

The rows are built in an in-memory DuckDB database (`loader.demo_data_sql`) and copied
to CSV in a fixed order, so the same customer count and seed give the same bytes. Each
file is written under a temporary name in the output folder and renamed when complete:
an interrupted run never leaves a half-written file under a final name.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from loader.database import configure
from loader.demo_data_plan import CUSTOMERS, DIMENSIONS, PROBLEM_KINDS, TARGETS
from loader.demo_data_sql import DEFINITION_COLUMNS, build_tables
from loader.errors import CannotRunError, UsageError
from loader.outcome import finish_uninterrupted
from loader.output import WordTable

# The file order mirrors the source: company, then account as the collation sees it
# (case- and space-insensitive, so duplicates sit together), then a unique row id.
_OUTPUTS: dict[str, str] = {
    CUSTOMERS: f"""
        SELECT company, customer_number, bill_to AS bill_to_customer_number, customer_name,
               {", ".join(DEFINITION_COLUMNS)}
        FROM customers_all
        ORDER BY company, upper(trim(customer_number)) NULLS FIRST, customer_number, rid
    """,
    DIMENSIONS: """
        SELECT company, customer_number, dimension, value
        FROM dimensions_all
        ORDER BY company, upper(trim(customer_number)), customer_number, rid, pos, dimension,
                 value
    """,
    TARGETS: """
        SELECT data_area_id, customer_account FROM targets
        ORDER BY data_area_id, customer_account
    """,
}


@dataclass(frozen=True)
class Planted:
    """Records of one file that carry one kind of problem (or trait), and the rule that
    should reject them: a rule code, `warning`, `none`, or empty for a mere count."""

    kind: str
    records: int
    rule: str


@dataclass(frozen=True)
class DemoFile:
    name: str
    records: int
    planted: tuple[Planted, ...]


@dataclass(frozen=True)
class DemoSummary:
    folder: Path
    files: tuple[DemoFile, ...]

    def renderable(self) -> WordTable:
        """Per file: its record count (bold), then the records of each planted kind, indented."""
        rows: list[tuple[str, str, str]] = []
        bold: list[int] = []
        for file in self.files:
            bold.append(len(rows))
            rows.append((file.name, f"{file.records:,}", ""))
            rows.extend((f"  {p.kind}", f"{p.records:,}", p.rule) for p in file.planted)
        return WordTable(
            f"Demo extracts in {self.folder}",
            ("File / planted problem", "Records", "Expected rule"),
            rows,
            numeric={"Records"},
            bold_rows=bold,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "files": [
                {
                    "file": file.name,
                    "records": file.records,
                    "planted": [
                        {"kind": p.kind, "records": p.records, "rule": p.rule or None}
                        for p in file.planted
                    ],
                }
                for file in self.files
            ],
        }


def write_demo_extracts(out: Path, *, customers: int, seed: int) -> DemoSummary:
    """Write customers.csv, customer_dimensions.csv and target_customers.csv into `out`.

    Returns a summary of the files and of the planted problems.
    """
    created = _make_folder(out)
    try:
        with configure(duckdb.connect(":memory:")) as con:
            # Ordered output needs insertion order kept by COPY; it is the default, but the
            # byte-identical promise depends on it, so it is set, not assumed.
            con.execute("SET preserve_insertion_order = true")
            build_tables(con, customers=customers, seed=seed)
            with _staged(out) as staged:
                for name, query in _OUTPUTS.items():
                    _copy_csv(con, query, staged[name])
            return _summary(con, out)
    except BaseException:
        _remove_empty(created)  # a failed or interrupted run leaves no folder it made behind
        raise


def _make_folder(out: Path) -> list[Path]:
    """Create OUT and its missing parents; returns those it created, the deepest first."""
    if out.exists() and not out.is_dir():
        raise CannotRunError(
            f"--out {out} is a file, not a folder: choose a folder for the extracts"
        )
    target = out.absolute()
    missing = [folder for folder in (target, *target.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(missing)
        raise CannotRunError(f"cannot create the folder {out}: {exc.strerror or exc}") from exc
    # Checked before any work, so that a rename cannot fail after another file was replaced.
    for name in _OUTPUTS:
        if (out / name).is_dir():
            raise CannotRunError(f"{out / name} is a folder: remove it or choose another --out")
    _refuse_real_extracts(out)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove FOLDERS, the deepest first, as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (something was written there meanwhile), or gone
            return


# Written beside the sample: the size and time of each file it wrote. Those files, unchanged,
# may be replaced by the next sample; no other file is.
MARKER = ".loader-demo-data"


def _refuse_real_extracts(out: Path) -> None:
    """A mistyped --out must not replace a real extract with synthetic customers, which the
    next land would then migrate: a file is replaced only if it is the sample written there."""
    written = _written_before(out)
    names = {name.lower() for name in _OUTPUTS}
    found = sorted(
        p.name
        for p in out.iterdir()
        if p.name.lower() in names and written.get(p.name) != _fingerprint(p)
    )
    if found:
        raise UsageError(
            f"--out {out} already holds {', '.join(found)}, not written by demo-data: "
            "choose another folder for the sample, or remove them if they are not needed"
        )


def _fingerprint(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _written_before(out: Path) -> dict[str, list[int]]:
    """The files the marker says demo-data wrote in OUT; none when it is absent or unreadable."""
    try:
        files = json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


def _mark(out: Path) -> None:
    files = {name: _fingerprint(out / name) for name in _OUTPUTS}
    marker = {"written_by": "loader demo-data: synthetic extracts, not real data", "files": files}
    (out / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


@contextmanager
def _staged(out: Path) -> Iterator[dict[str, Path]]:
    """Temporary paths in `out` for every file; renamed to their names only if all succeed."""
    staged = {name: out / f".{name}.{os.getpid()}.tmp" for name in _OUTPUTS}
    try:
        yield staged
        # The renames and the marker are the commit: stopped half-way, they would leave a mix
        # of old and new files that the marker does not name, after saying "undone".
        finish_uninterrupted("the sample extracts are being put in place: demo-data finishes")
        for name, temp in staged.items():
            temp.replace(out / name)
        _mark(out)
    except OSError as exc:
        raise CannotRunError(
            f"cannot write the extracts into {out}: {exc.strerror or exc}"
        ) from exc
    finally:
        for temp in staged.values():
            temp.unlink(missing_ok=True)


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    try:  # the path is a parameter, never SQL text: a folder may be named anything
        con.execute(f"COPY ({query}) TO ? (FORMAT csv, HEADER true, DELIMITER ',')", [str(path)])
    except duckdb.IOException as exc:
        raise CannotRunError(f"cannot write {path.name} into {path.parent}: {exc}") from exc


def _summary(con: duckdb.DuckDBPyConnection, out: Path) -> DemoSummary:
    counts = _planted_counts(con)
    files = []
    for name, source in (
        (CUSTOMERS, "customers_all"),
        (DIMENSIONS, "dimensions_all"),
        (TARGETS, "targets"),
    ):
        planted = [
            Planted(kind.name, counts.get(kind.name, 0), kind.rule)
            for kind in PROBLEM_KINDS
            if kind.file == name
        ]
        if name == CUSTOMERS:
            zeros = _count(con, source, "customer_number LIKE '0%'")
            billed = _count(con, source, "bill_to IS NOT NULL")
            planted.append(Planted("(accounts with leading zeros)", zeros, "none"))
            planted.append(Planted("(customers with a bill-to)", billed, ""))
        files.append(DemoFile(name, _count(con, source), tuple(planted)))
    return DemoSummary(out, tuple(files))


def _count(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> int:
    row = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    return int(row[0]) if row else 0


def _planted_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("""
        SELECT plant, count(*) FROM customers_all WHERE plant IS NOT NULL GROUP BY plant
        UNION ALL
        SELECT plant, count(*) FROM dimensions_all WHERE plant IS NOT NULL GROUP BY plant
    """).fetchall()
    return {str(kind): int(n) for kind, n in rows}
