"""MIGRATION_DB_MEMORY_LIMIT holds for every DuckDB connection loader opens, and for dbt's."""

import json
from pathlib import Path

import duckdb

from loader.errors import ExitCode
from tests.conftest import Workspace
from tests.test_export import make_mart, open_gate
from tests.test_failures import assert_one_line
from tests.test_land import CUSTOMERS_HEADER, write_extracts


def test_every_duckdb_connection_of_loader_takes_the_limit(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A limit DuckDB refuses stops each command that opens DuckDB: each one applies it."""
    make_mart(workspace)
    open_gate(workspace)
    parquet = tmp_path / "parquet"
    with duckdb.connect(str(workspace.database), read_only=True) as con:
        for mart in ("customer_definitions", "customer_details_v2"):  # what export reads
            (parquet / "main" / mart).mkdir(parents=True)
            con.execute(
                f"copy main.{mart} to ? (format parquet)",
                [str(parquet / "main" / mart / "part-0.parquet")],
            )
    extracts = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    workspace.env["MIGRATION_DB_MEMORY_LIMIT"] = "lots"
    for args in (
        ["land", str(extracts)],
        ["land", str(extracts), "--format", "parquet", "--to", str(tmp_path / "raw")],
        ["status"],
        ["export", "--out", str(tmp_path / "out")],
        ["export", "--from-parquet", str(parquet), "--out", str(tmp_path / "out"), "--force"],
        ["demo-data", "--out", str(tmp_path / "demo"), "--customers", "10"],
    ):
        proc = workspace.loader(*args)
        assert_one_line(
            proc, ExitCode.USAGE, "MIGRATION_DB_MEMORY_LIMIT='lots' is not a memory size", "2GB"
        )
    assert not (tmp_path / "out").exists()
    # A size DuckDB takes (export forced 1GB before, whatever the setting).
    workspace.env["MIGRATION_DB_MEMORY_LIMIT"] = "345MB"
    workspace.loader("export", "--out", str(tmp_path / "out"), check=True)


def test_dbt_takes_the_limit(workspace: Workspace) -> None:
    workspace.env["MIGRATION_DB_MEMORY_LIMIT"] = "345MB"
    proc = workspace.dbt(
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory_limit",
        "--output",
        "json",
        "--quiet",
        check=True,
    )
    shown = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert shown["show"] == [{"memory_limit": "329.0 MiB"}]  # 345,000,000 bytes
