"""The raw and mart tables as Parquet files, for engines that read files (Spark).

A Parquet folder mirrors the DuckDB file's schemas: `DIR/raw/TABLE/` holds what
`loader land --format parquet --to DIR` wrote (the same tables, columns and lineage as
`raw.*`), `DIR/main/TABLE/` what a Spark build wrote (dbt's `location_root`). Every table is
a folder of `*.parquet` files, which DuckDB and Spark both read as one table.
"""

import secrets
import shutil
from pathlib import Path

import duckdb

from loader.database import quote_ident, sql_literal
from loader.errors import CannotRunError
from loader.outcome import finish_uninterrupted

RAW_SCHEMA = "raw"
MART_SCHEMA = "main"
LOADS_TABLE = "_loads"


def table_dir(root: Path, schema: str, table: str) -> Path:
    """The folder of one table: ROOT/SCHEMA/TABLE."""
    return root / schema / table


def table_glob(root: Path, schema: str, table: str) -> str:
    """The files of one table, as DuckDB's read_parquet takes them."""
    return str(table_dir(root, schema, table) / "*.parquet")


def has_table(root: Path, schema: str, table: str) -> bool:
    folder = table_dir(root, schema, table)
    return folder.is_dir() and any(folder.glob("*.parquet"))


def load_history(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Copy the audit trail of earlier lands (ROOT/raw/_loads) into raw._loads of CON.

    raw._loads is kept across lands; a land into a fresh database continues the history
    that the Parquet folder holds.
    """
    if not has_table(root, RAW_SCHEMA, LOADS_TABLE):
        return
    files = sql_literal(table_glob(root, RAW_SCHEMA, LOADS_TABLE))
    try:
        con.execute(f"insert into raw._loads select * from read_parquet({files})")
    except duckdb.Error as exc:
        raise CannotRunError(
            f"cannot read the landing history {table_dir(root, RAW_SCHEMA, LOADS_TABLE)}: {exc}"
        ) from exc


def write_raw_tables(con: duckdb.DuckDBPyConnection, root: Path) -> Path:
    """Write every raw.* table of CON to ROOT/raw/TABLE/part-0.parquet, all at once.

    The new raw folder is written beside the old one and swapped in by two renames, so a
    reader sees either the previous land or this one, never a mix. Returns ROOT/raw.
    """
    root.mkdir(parents=True, exist_ok=True)
    final = root / RAW_SCHEMA
    token = secrets.token_hex(4)
    staged = root / f".{RAW_SCHEMA}.{token}.tmp"
    retired = root / f".{RAW_SCHEMA}.{token}.old"
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? order by table_name",
            [RAW_SCHEMA],
        ).fetchall()
    ]
    try:
        for table in tables:
            folder = staged / table
            folder.mkdir(parents=True)
            con.execute(
                f"copy ({_select_with_contract_types(con, table)}) "
                f"to {sql_literal(str(folder / 'part-0.parquet'))} (format parquet)"
            )
        # The swap is the land's commit: Ctrl-C from here would say "undone" of a kept land.
        finish_uninterrupted("the raw tables are being put in place: the land finishes")
        if final.exists():
            final.rename(retired)
        staged.rename(final)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        if retired.exists() and not final.exists():
            retired.rename(final)
        raise
    shutil.rmtree(retired, ignore_errors=True)
    return final


def _select_with_contract_types(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table's rows, with integer columns as BIGINT whatever DuckDB inferred."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [RAW_SCHEMA, table],
    ).fetchall()
    select = [
        f"cast({quote_ident(name)} as bigint) as {quote_ident(name)}"
        if data_type in {"HUGEINT", "INTEGER", "UBIGINT"}
        else quote_ident(name)
        for name, data_type in columns
    ]
    return f"select {', '.join(select)} from {RAW_SCHEMA}.{quote_ident(table)}"
