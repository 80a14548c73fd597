"""Each data test fails on a bad row: the mart's, the seeds', the grains' and reconciliation's.

The crafted extracts are built once; then the mart is replaced by its good rows plus rows that
each break one rule, and `dbt test` must report exactly those rows per test. Without this a
test that can never fail would pass unnoticed.
"""

import json

import duckdb
import pytest

from tests.conftest import Workspace
from tests.test_dbt_rules import FIXTURES

SUPPLEMENTARY = "\U0001d400"  # two UTF-16 code units

# Rows added to the good mart: (DATAAREAID, CUSTOMERACCOUNT, INVOICEACCOUNT, DEFAULTDIMENSIONDISPLAYVALUE)
BAD_ROWS = [
    ("USMF", "c0001 ", None, "002"),  # C0001 again, as F&O compares keys
    ("DEMF", "\uff2d\uff55\uff4c\uff4c\uff45\uff52", None, "002"),  # Muller in full width
    ("USMF", "ZREL1", "GB0001", None),  # GB0001 exists, in GBSI only
    ("USMF", "ZLEN3", "Y" * 21, None),  # exists nowhere
    ("USMF", "ZSELF1", "zself1", None),  # itself: exists nowhere
    ("USMF", "ZF2", "C0001\u200b", None),  # an invisible character: another key
    ("USMF", "ZFW1", "\uff23\uff10\uff10\uff10\uff12", None),  # C0002 in full width: exists
    ("USMF", "ZSEG1", None, "001-0101-022-X"),
    ("USMF", "ZSEG2", None, "001-" + "A" * 31),
    ("USMF", "ZSEG3", None, "001-" + SUPPLEMENTARY * 16),  # 32 code units
    ("USMF", "ZEMPTY1", None, None),
]

# (test name, column or None for a model-level test) -> (status, failing rows)
EXPECTED = {
    ("unique_key", None): ("fail", 2),
    ("invoice_account_exists", "INVOICEACCOUNT"): ("fail", 4),
    ("dimension_display_value_fits_format", "DEFAULTDIMENSIONDISPLAYVALUE"): ("fail", 3),
    ("at_least_one_not_null", None): ("fail", 1),
    # C-0010 in the good rows
    ("not_containing", "CUSTOMERACCOUNT"): ("warn", 1),
}


@pytest.fixture(scope="module")
def built(module_workspace: Workspace) -> Workspace:
    module_workspace.loader("land", str(FIXTURES), check=True)
    proc = module_workspace.dbt("build")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return module_workspace


def node_results(ws: Workspace) -> list[dict]:
    """dbt's latest results, but for its on-run-end hook (macros/build_results.sql)."""
    results = json.loads((ws.target_dir / "run_results.json").read_text())["results"]
    return [r for r in results if not r["unique_id"].startswith("operation.")]


def results_by_test(ws: Workspace) -> dict[tuple[str, str | None], tuple[str, int]]:
    nodes = json.loads((ws.target_dir / "manifest.json").read_text())["nodes"]
    by_test = {}
    for result in node_results(ws):
        node = nodes[result["unique_id"]]
        key = (node["test_metadata"]["name"], node.get("column_name"))
        assert key not in by_test, key
        by_test[key] = (result["status"], result["failures"])
    return by_test


def test_mart_tests_pass_on_the_good_rows(built: Workspace) -> None:
    proc = built.dbt("test", "--select", "customer_details_v2", "--exclude", "test_type:unit")
    assert proc.returncode == 0, proc.stdout
    got = results_by_test(built)
    assert set(got) == set(EXPECTED), "a test of the mart has no bad-row case here"
    for key, (status, failures) in got.items():
        if key == ("not_containing", "CUSTOMERACCOUNT"):
            assert (status, failures) == ("warn", 1), key
        else:
            assert (status, failures) == ("pass", 0), key


def test_every_mart_test_fails_on_its_bad_row(built: Workspace) -> None:
    with duckdb.connect(str(built.database)) as con:
        con.executemany("insert into main.customer_details_v2 values (?, ?, ?, ?)", BAD_ROWS)
    proc = built.dbt("test", "--select", "customer_details_v2", "--exclude", "test_type:unit")
    assert proc.returncode != 0
    assert results_by_test(built) == EXPECTED


def test_duckdb_refuses_a_null_that_only_spark_tests_for(built: Workspace) -> None:
    # The marts' not_null_columns tests run on Spark only: on DuckDB the contract's NOT NULL
    # refuses the row when the table is built. Each column they name must be NOT NULL here.
    manifest = json.loads((built.target_dir / "manifest.json").read_text())
    spark_only = [
        (node["attached_node"].split(".")[-1], column)
        for nodes in manifest["disabled"].values()
        for node in nodes
        if node.get("test_metadata", {}).get("name") == "not_null_columns"
        for column in node["test_metadata"]["kwargs"]["columns"]
    ]
    assert {table for table, _ in spark_only} == {
        "customer_details_v2_rejects",
        "customer_definitions_rejects",
    }
    with duckdb.connect(str(built.database)) as con:
        for table, column in spark_only:
            row = con.sql(f"select * from main.{table} limit 1").fetchall()[0]
            names = [c[0] for c in con.sql(f"describe main.{table}").fetchall()]
            values = [
                None if name == column else value for name, value in zip(names, row, strict=True)
            ]
            marks = ", ".join("?" * len(values))
            with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
                con.execute(f"insert into main.{table} values ({marks})", values)


# Rows added to the seeds, each breaking one of its checks (macros/seed_checks.sql):
# seed -> (rows, the problems `assert_seeds_are_valid` reports for the seed).
BAD_SEED_ROWS: dict[str, tuple[list[tuple[object, ...]], list[str]]] = {
    "legal_entities": (
        [
            (" us01 ", "USMF"),  # US01 again, as F&O compares keys
            ("ZZNOAREA", None),
            ("ZZLONG", "ABCDE"),
            ("ZZBAD", "U\u00a0S"),
        ],
        [
            "the key legacy_company repeats as F&O compares keys",
            "a row leaves one of legacy_company, data_area_id empty",
            "data_area_id is longer than 4 characters as F&O counts them (UTF-16 code units)",
            "data_area_id holds a character a package cannot carry",
        ],
    ),
    "dimension_format": (
        [(1, "Cost-Area")],  # position 1 again; the delimiter in the name
        ["position repeats", "dimension contains -"],
    ),
    "dimension_values": (
        [("Region", "EU"), ("Department", SUPPLEMENTARY * 16)],
        [
            "dimension is not a dimension of dimension_format",
            "value is longer than 30 characters as F&O counts them (UTF-16 code units)",
        ],
    ),
    "customer_groups": (
        [("USMF", "LONGGROUP11")],  # 11 units: CUSTOMERGROUPID holds 10
        [
            "customer_group_id is longer than CUSTOMERGROUPID holds in field_lengths (UTF-16 code units)"
        ],
    ),
    "customer_group_map": (
        [("DEMF", "ZZ", "90")],  # group 90 exists in USMF only
        ["customer_group_id is not a customer_group_id of customer_groups in its legal entity"],
    ),
    "currencies": (
        [("USMF", "EURO"), ("USMF", "U\u0001D")],
        [
            "currency_code is longer than SALESCURRENCYCODE holds in field_lengths (UTF-16 code units)",
            "currency_code holds a character a package cannot carry",
        ],
    ),
    "countries": (
        [("ATLANTIS-11",)],
        [
            "country_region_id is longer than ADDRESSCOUNTRYREGIONID holds in field_lengths "
            "(UTF-16 code units)"
        ],
    ),
    "legal_entity_defaults": (
        [("ZZMF", None, "XXX", "en-us"), ("ZZMG", None, None, "en-us-x1")],
        [
            "currency_code is not a currency_code of currencies in its legal entity",
            "language_id is longer than LANGUAGEID holds in field_lengths (UTF-16 code units)",
        ],
    ),
    "country_map": (
        [("Atlantis", "ATL")],
        ["country_region_id is not a country_region_id of countries"],
    ),
}


def test_each_seed_check_fails_on_its_bad_row(built: Workspace) -> None:
    with duckdb.connect(str(built.database)) as con:
        for seed, (rows, _) in BAD_SEED_ROWS.items():
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"insert into main.{seed} values ({marks})", rows)
    proc = built.dbt("test", "--select", "assert_seeds_are_valid", "--store-failures")
    assert proc.returncode != 0
    failed = [r["unique_id"] for r in node_results(built) if r["status"] == "fail"]
    assert [uid.split(".")[2] for uid in failed] == ["assert_seeds_are_valid"]
    with duckdb.connect(str(built.database), read_only=True) as con:
        stored = con.sql(
            "select seed, problem from main_dbt_test__audit.assert_seeds_are_valid"
        ).fetchall()
    found: dict[str, list[str]] = {}
    for seed, problem in stored:
        found.setdefault(seed, []).append(problem)
    assert {seed: sorted(p) for seed, p in found.items()} == {
        seed: sorted(problems) for seed, (_, problems) in BAD_SEED_ROWS.items()
    }
    assert built.dbt("seed").returncode == 0


def test_grain_test_fails_on_a_repeated_and_a_missing_line(built: Workspace) -> None:
    grains = ("int_customers", "int_customer_dimensions")
    with duckdb.connect(str(built.database)) as con:
        for table in grains:
            con.execute(f"create table main.{table}__kept as select * from main.{table}")
            con.execute(f"insert into main.{table} select * from main.{table} limit 1")
            con.execute(
                f"insert into main.{table} select * replace (null as source_line)"
                f" from main.{table} limit 1"
            )
    proc = built.dbt("test", "--select", "test_name:primary_key")
    assert proc.returncode != 0
    results = node_results(built)
    # One failing row for the repeated line, one for the rows without a line.
    assert sorted((r["unique_id"].split(".")[2], r["failures"]) for r in results) == [
        (f"primary_key_{table}_source_line", 2) for table in sorted(grains)
    ]
    with duckdb.connect(str(built.database)) as con:
        for table in grains:
            con.execute(f"create or replace table main.{table} as select * from main.{table}__kept")
            con.execute(f"drop table main.{table}__kept")


def test_reconciliation_test_fails_when_a_record_is_lost(built: Workspace) -> None:
    selector = ("--select", "assert_reconciliation_balances")
    assert built.dbt("test", *selector).returncode == 0
    with duckdb.connect(str(built.database)) as con:
        con.execute(
            "update main.migration_reconciliation set exported = exported - 1"
            " where entity = 'customer_details_v2' and source_file = 'customers.csv'"
            " and data_area_id = 'USMF'"
        )
    proc = built.dbt("test", *selector)
    assert proc.returncode != 0
    results = node_results(built)
    assert [(r["status"], r["failures"]) for r in results] == [("fail", 1)]


def test_reconciliation_names_a_record_with_two_outcomes(built: Workspace) -> None:
    # A record exported and rejected at once, with a lost record beside it: the per-file sums
    # still balance, the per-record count does not.
    with duckdb.connect(str(built.database)) as con:
        con.execute(
            "insert into main.customer_details_v2_rejects"
            " select 'customers.csv', source_line, company, customer_number, 'BLANK_ACCOUNT', 'x'"
            " from main.int_customers where customer_number = 'C0001'"
        )
    assert built.dbt("run", "--select", "migration_reconciliation").returncode == 0
    assert built.query(
        "select sum(unaccounted) from main.migration_reconciliation"
        " where entity = 'customer_details_v2' and source_file = 'customers.csv'"
        " and data_area_id = 'USMF'"
    ) == [(1,)]
    proc = built.dbt("test", "--select", "assert_reconciliation_balances")
    assert proc.returncode != 0


def test_landed_count_test_fails_when_errors_cancel_out(built: Workspace) -> None:
    selector = ("--select", "assert_every_landed_record_is_reconciled")
    # Rebuilt from the landed records: the earlier tests tampered with the marts.
    assert built.dbt("build").returncode == 0
    assert built.dbt("test", *selector).returncode == 0
    with duckdb.connect(str(built.database)) as con:
        # One record less, counted nowhere: the sums still balance.
        con.execute(
            "update main.migration_reconciliation set extracted = extracted - 1,"
            " exported = exported - 1 where source_file = 'customer_dimensions.csv'"
            " and data_area_id = 'USMF'"
        )
    assert built.dbt("test", "--select", "assert_reconciliation_balances").returncode == 0
    proc = built.dbt("test", *selector)
    assert proc.returncode != 0
    results = node_results(built)
    assert [(r["status"], r["failures"]) for r in results] == [("fail", 1)]
