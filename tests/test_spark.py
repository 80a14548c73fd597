"""The dbt project on Apache Spark (target `spark`, a local PySpark session): same packages.

The demo sample is landed twice: into DuckDB as usual, and as Parquet for Spark (`loader land
--format parquet`). Each is built by `dbt build` on its own engine and exported (`loader export`,
from the database or `--from-parquet`); the packages must be byte-identical, and so must the
rejects and the reconciliation. Spark needs the `spark` extra and Java 17: `make test-spark`
installs the one and checks the other (docs/scaling.md); without them this module is skipped.
"""

import json
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_DIR, Workspace, make_workspace
from tests.test_dbt_rules import (
    EXPECTED_DEFINITION_REJECTS,
    EXPECTED_DEFINITIONS,
    EXPECTED_MART,
    EXPECTED_REJECTS,
    FIXTURES,
)

pytestmark = pytest.mark.spark

CUSTOMERS = 2000
SEED = 42
MART_TABLES = (
    "customer_definitions",
    "customer_definitions_rejects",
    "customer_details_v2",
    "customer_details_v2_rejects",
    "migration_reconciliation",
)
# Unit tests of what Spark does not do (NFC before Spark 4.4: docs/rules.md, Known limits).
DUCKDB_ONLY = {
    "unit_test.d365_customer_migration.int_customers__accounts_checked"
    ".canonically_equivalent_keys_are_one_key"
}
# Steps that are ephemeral on DuckDB but a table on Spark (which inlines every read of a CTE).
SPARK_TABLES = {"model.d365_customer_migration.int_customers__definitions_checked"}
# The rejects marts' NOT NULL columns, tested on Spark only: DuckDB enforces the contract.
SPARK_ONLY_TESTS = "test.d365_customer_migration.not_null_columns_"


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
        from dbt.adapters import spark  # noqa: F401
    except ImportError:
        return "the spark extra is not installed: run `make test-spark`"
    if shutil.which("java") is None:
        return "Java 17 is needed for Spark: run `make test-spark` to see how to get it"
    return None


@dataclass
class Runs:
    duckdb: Workspace
    spark: Workspace
    parquet_dir: Path
    spark_build: subprocess.CompletedProcess[str]

    def packages(self, ws: Workspace) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((ws.root / "packages").glob("*.zip"))}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    if reason := _spark_missing():
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("spark")
    extracts = root / "extracts"
    duck = make_workspace(root / "duckdb")
    spark = make_workspace(root / "spark")
    parquet_dir = root / "parquet"
    spark.env.update(
        MIGRATION_PARQUET_DIR=str(parquet_dir),
        MIGRATION_SPARK_DIR=str(root / "spark-warehouse"),
        # A short run on few cores: the JIT's first tier is enough (profiles.yml).
        # A larger code cache: the two-entity models generate more code than the default holds
        # ("Out of space in CodeCache" ended a run).
        MIGRATION_SPARK_JAVA_OPTIONS=(
            "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=512m"
        ),
    )
    duck.loader(
        "demo-data",
        "--out",
        str(extracts),
        "--customers",
        str(CUSTOMERS),
        "--seed",
        str(SEED),
        check=True,
    )

    duck.loader("land", str(extracts), check=True)
    proc = duck.dbt("build", "--selector", "ci")  # the unit tests too
    assert proc.returncode == 0, proc.stdout + proc.stderr
    duck.loader("export", "--out", str(duck.root / "packages"), check=True)

    spark.loader("land", str(extracts), "--format", "parquet", "--to", str(parquet_dir), check=True)
    spark_build = spark.dbt("build", "--target", "spark", "--selector", "ci")
    assert spark_build.returncode == 0, spark_build.stdout[-20000:] + spark_build.stderr[-5000:]
    spark.loader(
        "export",
        "--from-parquet",
        str(parquet_dir),
        "--out",
        str(spark.root / "packages"),
        check=True,
    )
    return Runs(duck, spark, parquet_dir, spark_build)


def _results(ws: Workspace) -> list[dict]:
    return json.loads((ws.target_dir / "run_results.json").read_text())["results"]


def _spark_table(runs: Runs, table: str, columns: str) -> list[tuple[object, ...]]:
    files = runs.parquet_dir / "main" / table / "*.parquet"
    return duckdb.sql(f"select {columns} from read_parquet('{files}')").fetchall()


def test_packages_are_byte_identical(runs: Runs) -> None:
    duck, spark = runs.packages(runs.duckdb), runs.packages(runs.spark)
    assert duck, "the DuckDB run wrote no package"
    assert list(spark) == list(duck)
    for name in duck:
        assert spark[name] == duck[name], name


def test_export_summaries_agree_but_for_time_and_source(runs: Runs) -> None:
    def summary(ws: Workspace) -> dict:
        data = json.loads((ws.root / "packages" / "export-summary.json").read_text())
        # The cycle history lives in the migration database: an export from Parquet keeps none.
        for key in ("exported_at", "database", "loads", "cycle"):
            data.pop(key)
        return data

    assert summary(runs.spark) == summary(runs.duckdb)


def test_every_node_passes_on_spark_with_the_same_warnings(runs: Runs) -> None:
    def outcome(ws: Workspace) -> tuple[Counter[str], dict[str, int]]:
        results = [
            r
            for r in _results(ws)
            if r["unique_id"] not in DUCKDB_ONLY | SPARK_TABLES
            and not r["unique_id"].startswith(SPARK_ONLY_TESTS)
        ]
        statuses = Counter(r["status"] for r in results)
        warned = {r["unique_id"]: r["failures"] for r in results if r["status"] == "warn"}
        return statuses, warned

    (spark_statuses, spark_warned), (duck_statuses, duck_warned) = (
        outcome(runs.spark),
        outcome(runs.duckdb),
    )
    assert set(spark_statuses) <= {"success", "pass", "warn", "no-op"}, spark_statuses
    assert spark_statuses == duck_statuses
    assert spark_warned == duck_warned
    unit_tests = [r for r in _results(runs.spark) if r["unique_id"].startswith("unit_test.")]
    assert unit_tests
    assert not DUCKDB_ONLY & {r["unique_id"] for r in unit_tests}
    assert {r["unique_id"] for r in _results(runs.duckdb)} >= DUCKDB_ONLY
    assert all(r["status"] == "pass" for r in unit_tests)
    built = {r["unique_id"]: r["status"] for r in _results(runs.spark)}
    assert all(built[node] == "success" for node in SPARK_TABLES)
    spark_only = [status for node, status in built.items() if node.startswith(SPARK_ONLY_TESTS)]
    assert spark_only == ["pass", "pass"]
    assert not [r for r in _results(runs.duckdb) if r["unique_id"].startswith(SPARK_ONLY_TESTS)]


def test_rejects_and_reconciliation_are_the_same_rows(runs: Runs) -> None:
    rejects = "source_file, source_line, company, customer_number, rule, detail"
    reconciliation = "entity, source_file, data_area_id, extracted, exported, rejected, skipped"
    for table, columns in (
        ("customer_details_v2_rejects", rejects),
        ("customer_definitions_rejects", rejects),
        ("customer_definitions", "*"),
        ("migration_reconciliation", reconciliation),
        (
            "customer_details_v2",
            '"DATAAREAID", "CUSTOMERACCOUNT", "INVOICEACCOUNT", "DEFAULTDIMENSIONDISPLAYVALUE"',
        ),
    ):
        spark_rows = _spark_table(runs, table, columns)
        duck_rows = runs.duckdb.query(f"select {columns} from main.{table}")
        assert spark_rows, table
        assert Counter(spark_rows) == Counter(duck_rows), table


def test_raw_parquet_tables_keep_the_lineage(runs: Runs) -> None:
    raw = runs.parquet_dir / "raw"
    assert sorted(p.name for p in raw.iterdir()) == [
        "_loads",
        "customer_dimensions",
        "customers",
        "target_customers",
    ]
    for table in ("customers", "customer_dimensions", "target_customers"):
        landed = duckdb.sql(
            f"select _source_file, _source_line, _load_id, _loaded_at "
            f"from read_parquet('{raw / table / '*.parquet'}') order by _source_line"
        ).fetchall()
        in_duckdb = runs.duckdb.query(
            f"select _source_file, _source_line from raw.{table} order by _source_line"
        )
        assert [row[:2] for row in landed] == in_duckdb, table
    types = dict(
        duckdb.sql(
            f"select column_name, column_type from (describe select * from "
            f"read_parquet('{raw / 'customers' / '*.parquet'}'))"
        ).fetchall()
    )
    assert types["_source_line"] == "BIGINT"
    assert types["_loaded_at"] == "TIMESTAMP"


def test_the_gate_reads_spark_results_and_refuses_after_a_new_land(
    runs: Runs, tmp_path: Path
) -> None:
    extracts = runs.spark.root.parent / "extracts"
    runs.spark.loader("land", str(extracts), "--format", "parquet", "--to", str(runs.parquet_dir))
    loads = duckdb.sql(
        f"select count(distinct load_id) from "
        f"read_parquet('{runs.parquet_dir / 'raw' / '_loads' / '*.parquet'}')"
    ).fetchall()
    assert loads == [(2,)]  # the landing history is kept across lands
    proc = runs.spark.loader(
        "export", "--from-parquet", str(runs.parquet_dir), "--out", str(tmp_path / "out")
    )
    assert proc.returncode == 1
    assert "export refused" in proc.stderr
    assert "older than the last `loader land`" in proc.stderr


def test_spark_leaves_nothing_in_the_project_folder(runs: Runs) -> None:
    for name in ("spark-warehouse", "metastore_db", "derby.log"):
        assert not (PROJECT_DIR / name).exists(), name
    assert (runs.spark.root.parent / "spark-warehouse" / "metastore_db").is_dir()


@pytest.fixture(scope="module")
def crafted_on_spark(runs: Runs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crafted extracts of tests/fixtures/dbt/rules built on Spark; their Parquet folder."""
    root = tmp_path_factory.mktemp("spark-crafted")
    parquet_dir = root / "parquet"
    spark = make_workspace(root / "spark")
    spark.env.update(runs.spark.env)
    spark.env.update(
        MIGRATION_DB=str(root / "spark" / "migration.duckdb"),
        DBT_TARGET_PATH=str(root / "spark" / "target"),
        DBT_LOG_PATH=str(root / "spark" / "logs"),
        MIGRATION_PARQUET_DIR=str(parquet_dir),
    )
    spark.loader("land", str(FIXTURES), "--format", "parquet", "--to", str(parquet_dir), check=True)
    build = spark.dbt("build", "--target", "spark")
    assert build.returncode == 0, build.stdout[-20000:] + build.stderr[-5000:]
    return parquet_dir


def test_crafted_rules_give_the_same_verdicts_on_spark(crafted_on_spark: Path) -> None:
    # Every rule, F&O's collation included (full-width keys, UTF-16 lengths), as on DuckDB.
    def table(name: str, columns: str) -> list[tuple[object, ...]]:
        files = crafted_on_spark / "main" / name / "*.parquet"
        return duckdb.sql(f"select {columns} from read_parquet('{files}')").fetchall()

    rejects = table("customer_details_v2_rejects", "source_file, source_line, rule")
    assert len(rejects) == len(set(rejects))
    assert set(rejects) == EXPECTED_REJECTS
    mart = table(
        "customer_details_v2",
        '"DATAAREAID", "CUSTOMERACCOUNT", "INVOICEACCOUNT", "DEFAULTDIMENSIONDISPLAYVALUE"',
    )
    assert set(mart) == EXPECTED_MART
    definition_rejects = table("customer_definitions_rejects", "source_file, source_line, rule")
    assert set(definition_rejects) == EXPECTED_DEFINITION_REJECTS
    definitions = table(
        "customer_definitions",
        '"CUSTOMERACCOUNT", "NAME", "CUSTOMERGROUPID", "SALESCURRENCYCODE", "PARTYTYPE",'
        ' "PERSONFIRSTNAME", "PERSONMIDDLENAME", "PERSONLASTNAME", "ADDRESSDESCRIPTION",'
        ' "ADDRESSSTREET", "ADDRESSCOUNTRYREGIONID"',
    )
    free_text = {
        account: tuple(rest) for account, *rest in definitions if account in EXPECTED_DEFINITIONS
    }
    assert free_text == EXPECTED_DEFINITIONS
