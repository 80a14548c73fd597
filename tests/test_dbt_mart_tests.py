"""Each data test of customer_details_v2 (and the reconciliation test) fails on a bad row.

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
    (None, "ZNULL1", None, "001"),
    ("USMF", None, None, "001"),
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
    ("not_null_columns", None): ("fail", 2),
    ("unique_normalized_combination", None): ("fail", 2),
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


def results_by_test(ws: Workspace) -> dict[tuple[str, str | None], tuple[str, int]]:
    nodes = json.loads((ws.target_dir / "manifest.json").read_text())["nodes"]
    results = json.loads((ws.target_dir / "run_results.json").read_text())["results"]
    by_test = {}
    for result in results:
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
        # A plain copy without the contract's NOT NULL constraints, so bad rows go in.
        con.execute(
            "create or replace table main.customer_details_v2 as"
            " select * from main.customer_details_v2"
        )
        con.executemany("insert into main.customer_details_v2 values (?, ?, ?, ?)", BAD_ROWS)
    proc = built.dbt("test", "--select", "customer_details_v2", "--exclude", "test_type:unit")
    assert proc.returncode != 0
    assert results_by_test(built) == EXPECTED


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
    results = json.loads((built.target_dir / "run_results.json").read_text())["results"]
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
    results = json.loads((built.target_dir / "run_results.json").read_text())["results"]
    assert [(r["status"], r["failures"]) for r in results] == [("fail", 1)]
