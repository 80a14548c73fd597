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

TOO_LONG = "Z" * 21

# Rows added to the good mart: (DATAAREAID, CUSTOMERACCOUNT, INVOICEACCOUNT, DEFAULTDIMENSIONDISPLAYVALUE)
BAD_ROWS = [
    (None, "ZNULL1", None, "001"),
    ("USMF", None, None, "001"),
    ("USMFX", "ZLEN1", None, "001"),
    ("USMF", TOO_LONG, None, "001"),
    ("USMF", "ZLEN3", "Y" * 21, None),  # also not an existing customer
    ("USMF", "c0001 ", None, "002"),  # C0001 again, as F&O compares keys
    ("USMF", "ZREL1", "GB0001", None),  # GB0001 exists, in GBSI only
    ("USMF", "ZSELF1", "zself1", None),  # also not an existing customer
    ("USMF", "ZCH1", "c0002", None),  # c0002 invoices to C0001
    ("USMF", "ZSEG1", None, "001-0101-022-X"),
    ("USMF", "ZSEG2", None, "001-" + "A" * 31),
    ("USMF", "Z\u00a0F1", None, "001"),
    ("USMF", "ZF2", "C0001\u200b", None),  # also not an existing customer
    ("USMF", "ZF3", None, "001,2"),
    ("USMF", "ZEMPTY1", None, None),
]

# (test name, column or None for a model-level test) -> (status, failing rows)
EXPECTED = {
    ("not_null", "DATAAREAID"): ("fail", 1),
    ("not_null", "CUSTOMERACCOUNT"): ("fail", 1),
    ("max_length", "DATAAREAID"): ("fail", 1),
    ("max_length", "CUSTOMERACCOUNT"): ("fail", 1),
    ("max_length", "INVOICEACCOUNT"): ("fail", 1),
    ("unique_normalized_combination", None): ("fail", 1),
    ("relationships_in_legal_entity", "INVOICEACCOUNT"): ("fail", 4),
    ("not_self_invoicing", "INVOICEACCOUNT"): ("fail", 1),
    # one planted chain in the good rows, one added
    ("no_invoice_account_chains", "INVOICEACCOUNT"): ("warn", 2),
    ("dimension_display_value_fits_format", "DEFAULTDIMENSIONDISPLAYVALUE"): ("fail", 2),
    ("no_forbidden_characters", "CUSTOMERACCOUNT"): ("fail", 1),
    ("no_forbidden_characters", "INVOICEACCOUNT"): ("fail", 1),
    ("no_forbidden_characters", "DEFAULTDIMENSIONDISPLAYVALUE"): ("fail", 1),
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
    proc = built.dbt("test", "--select", "customer_details_v2")
    assert proc.returncode == 0, proc.stdout
    got = results_by_test(built)
    assert set(got) == set(EXPECTED), "a test of the mart has no bad-row case here"
    for key, (status, failures) in got.items():
        if key in {
            ("no_invoice_account_chains", "INVOICEACCOUNT"),
            ("not_containing", "CUSTOMERACCOUNT"),
        }:
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
    proc = built.dbt("test", "--select", "customer_details_v2")
    assert proc.returncode != 0
    assert results_by_test(built) == EXPECTED


def test_reconciliation_test_fails_when_a_record_is_lost(built: Workspace) -> None:
    selector = ("--select", "assert_reconciliation_balances")
    assert built.dbt("test", *selector).returncode == 0
    with duckdb.connect(str(built.database)) as con:
        con.execute(
            "update main.migration_reconciliation set exported = exported - 1"
            " where source_file = 'customers.csv' and data_area_id = 'USMF'"
        )
    proc = built.dbt("test", *selector)
    assert proc.returncode != 0
    results = json.loads((built.target_dir / "run_results.json").read_text())["results"]
    assert [(r["status"], r["failures"]) for r in results] == [("fail", 1)]
