"""`loader demo-data`: real runs of the CLI, checked by reading the CSV files it writes.

Every planted problem is found again from the file contents alone, with the seeds of the
dbt project as the reference, so a generator that stops planting one kind fails here.
"""

import csv
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_DIR, Workspace

FILES = ("customers.csv", "customer_dimensions.csv", "target_customers.csv")
HEADERS = {
    "customers.csv": ["company", "customer_number", "bill_to_customer_number", "customer_name"],
    "customer_dimensions.csv": ["company", "customer_number", "dimension", "value"],
    "target_customers.csv": ["data_area_id", "customer_account"],
}
SMALL = 1000


def generate(workspace: Workspace, out: Path, customers: int, seed: int = 42) -> Path:
    workspace.loader(
        "demo-data", "--out", str(out), "--customers", str(customers), "--seed", str(seed),
        check=True,
    )  # fmt: skip
    return out


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def small(module_workspace: Workspace) -> Path:
    return generate(module_workspace, module_workspace.root / "small", SMALL)


def sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@pytest.fixture(scope="module")
def con(small: Path) -> duckdb.DuckDBPyConnection:
    """The small run's files and the dbt seeds as DuckDB tables, every column as text."""
    db = duckdb.connect()
    for name in FILES:
        db.execute(
            f"CREATE TABLE {name.removesuffix('.csv')} AS SELECT * FROM read_csv("
            f"{sql_path(small / name)}, header = true, all_varchar = true, delim = ',',"
            " quote = '\"', escape = '\"')"
        )
    for seed in ("legal_entities", "dimension_format", "dimension_values", "dimension_value_map"):
        path = PROJECT_DIR / "seeds" / f"{seed}.csv"
        db.execute(
            f"CREATE TABLE {seed} AS SELECT * FROM read_csv({sql_path(path)}, header = true,"
            " all_varchar = true)"
        )
    db.execute("""
        CREATE VIEW keyed AS
        SELECT *, upper(trim(customer_number)) AS account_key,
               upper(trim(bill_to_customer_number)) AS bill_to_key
        FROM customers
    """)
    return db


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
    assert row is not None
    return int(row[0])


def test_same_seed_gives_identical_bytes(workspace: Workspace) -> None:
    first = generate(workspace, workspace.root / "first", 20_000, seed=7)
    second = generate(workspace, workspace.root / "second", 20_000, seed=7)
    assert file_bytes(first) == file_bytes(second)


def test_another_seed_gives_other_customers(workspace: Workspace) -> None:
    first = generate(workspace, workspace.root / "first", SMALL, seed=1)
    second = generate(workspace, workspace.root / "second", SMALL, seed=2)
    assert (first / "customers.csv").read_bytes() != (second / "customers.csv").read_bytes()
    assert (first / "customer_dimensions.csv").read_bytes() != (
        second / "customer_dimensions.csv"
    ).read_bytes()


def test_only_the_three_files_are_left(small: Path) -> None:
    assert sorted(path.name for path in small.iterdir()) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_files_are_consistent_csv_with_the_contract_header(small: Path, name: str) -> None:
    raw = (small / name).read_bytes()
    assert b"\r\n" not in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = read_rows(small / name)
    assert rows[0] == HEADERS[name]
    assert {len(row) for row in rows} == {len(HEADERS[name])}


@pytest.mark.parametrize("customers", [1, 99, 100, 137, SMALL])
def test_customer_rows_match_the_requested_count(workspace: Workspace, customers: int) -> None:
    out = generate(workspace, workspace.root / f"n{customers}", customers)
    assert len(read_rows(out / "customers.csv")) == customers + 1


def test_every_customer_has_a_name_and_most_have_dimensions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert count(con, "SELECT * FROM customers WHERE trim(customer_name) = ''") == 0
    assert count(con, "SELECT * FROM customers WHERE customer_name IS NULL") == 0
    with_dimensions = count(
        con, "SELECT DISTINCT company, customer_number FROM customer_dimensions"
    )
    assert with_dimensions > 0.9 * SMALL


def test_most_bill_to_cells_are_blank_but_a_good_share_is_set(
    con: duckdb.DuckDBPyConnection,
) -> None:
    billed = count(con, "SELECT * FROM customers WHERE bill_to_customer_number IS NOT NULL")
    assert 0.1 * SMALL < billed < 0.4 * SMALL


def test_names_exercise_csv_quoting(con: duckdb.DuckDBPyConnection) -> None:
    for pattern in (",", '"', "\n"):
        assert count(con, f"SELECT * FROM customers WHERE contains(customer_name, '{pattern}')")
    assert count(con, "SELECT * FROM customers WHERE regexp_matches(customer_name, '[ÀÄ-ÿ]')")


def test_leading_zeros_survive_as_text(small: Path) -> None:
    accounts = [row[1] for row in read_rows(small / "customers.csv")[1:]]
    assert sum(account.startswith("0") for account in accounts) > 0.1 * SMALL
    values = [row[3] for row in read_rows(small / "customer_dimensions.csv")[1:]]
    assert "001" in values
    assert "0101" in values or "0110" in values


def test_targets_are_head_offices_in_the_demo_legal_entities(
    con: duckdb.DuckDBPyConnection,
) -> None:
    entities = {row[0] for row in con.execute("SELECT data_area_id FROM legal_entities").fetchall()}
    targets = con.execute("SELECT data_area_id, customer_account FROM target_customers").fetchall()
    assert targets
    assert {entity for entity, _ in targets} == entities
    referenced = """
        SELECT * FROM customers c JOIN legal_entities l ON l.legacy_company = c.company
        JOIN target_customers t
          ON t.data_area_id = l.data_area_id AND t.customer_account = c.bill_to_customer_number
    """
    assert count(con, referenced) > 0


def test_ordinary_dimension_values_fit_the_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """Far most rows are valid values or mapped legacy codes of a formatted dimension."""
    valid = """
        SELECT * FROM customer_dimensions d
        WHERE (d.dimension, d.value) IN (SELECT (dimension, value) FROM dimension_values)
           OR (d.dimension, d.value) IN
              (SELECT (dimension, legacy_value) FROM dimension_value_map)
    """
    legacy = """
        SELECT * FROM customer_dimensions d
        WHERE (d.dimension, d.value) IN
              (SELECT (dimension, legacy_value) FROM dimension_value_map)
    """
    total = count(con, "SELECT * FROM customer_dimensions")
    assert count(con, valid) > 0.98 * total
    assert count(con, legacy) > 0.1 * total


# Every planted kind, found from the file contents alone.
PLANTED: dict[str, str] = {
    "unknown company": """
        SELECT * FROM customers WHERE company NOT IN (SELECT legacy_company FROM legal_entities)
    """,
    "blank account": "SELECT * FROM customers WHERE coalesce(trim(customer_number), '') = ''",
    "whitespace-only account": "SELECT * FROM customers WHERE customer_number LIKE ' %'"
    " AND trim(customer_number) = ''",
    "account too long": "SELECT * FROM customers WHERE length(customer_number) > 20",
    "duplicate by case": """
        SELECT company, account_key FROM keyed WHERE account_key <> ''
        GROUP BY ALL HAVING count(DISTINCT trim(customer_number)) > 1
    """,
    "duplicate by surrounding spaces": """
        SELECT company, trim(customer_number) FROM keyed WHERE account_key <> ''
        GROUP BY ALL HAVING count(DISTINCT customer_number) > 1
    """,
    "bill-to not found anywhere": """
        SELECT * FROM keyed c
        WHERE c.bill_to_key IS NOT NULL
          AND c.bill_to_key NOT IN (SELECT account_key FROM keyed WHERE account_key IS NOT NULL)
          AND c.bill_to_key NOT IN (SELECT upper(customer_account) FROM target_customers)
    """,
    "bill-to in another company": """
        SELECT * FROM keyed c
        WHERE c.bill_to_key NOT IN (
                SELECT account_key FROM keyed o WHERE o.company = c.company
                AND o.account_key IS NOT NULL)
          AND c.bill_to_key IN (
                SELECT account_key FROM keyed o WHERE o.company <> c.company)
    """,
    "self invoice": "SELECT * FROM keyed WHERE bill_to_key = account_key",
    "invoice chain": """
        SELECT * FROM keyed a
        JOIN keyed b ON b.company = a.company AND b.account_key = a.bill_to_key
        JOIN keyed c ON c.company = b.company AND c.account_key = b.bill_to_key
        WHERE c.account_key NOT IN (a.account_key, b.account_key)
    """,
    "invoice cycle": """
        SELECT * FROM keyed a
        JOIN keyed b ON b.company = a.company AND b.account_key = a.bill_to_key
        WHERE b.bill_to_key = a.account_key AND a.account_key <> b.account_key
    """,
    "bill-to customer rejected for its account": """
        WITH rejected AS (
            SELECT company, account_key FROM keyed GROUP BY ALL HAVING count(*) > 1
        )
        SELECT * FROM keyed a JOIN rejected r USING (company)
        WHERE r.account_key = a.bill_to_key
    """,
    "name with a line break": "SELECT * FROM customers WHERE contains(customer_name, chr(10))",
    "unknown dimension": """
        SELECT * FROM customer_dimensions
        WHERE dimension NOT IN (SELECT dimension FROM dimension_format)
    """,
    "unknown dimension value": """
        SELECT * FROM customer_dimensions d
        WHERE d.dimension IN (SELECT dimension FROM dimension_format)
          AND regexp_matches(d.value, '^[A-Za-z0-9]{1,30}$')
          AND (d.dimension, d.value) NOT IN (SELECT (dimension, value) FROM dimension_values)
          AND (d.dimension, d.value) NOT IN
              (SELECT (dimension, legacy_value) FROM dimension_value_map)
    """,
    "conflicting dimension values": """
        SELECT company, customer_number, dimension FROM customer_dimensions
        GROUP BY ALL HAVING count(DISTINCT value) > 1
    """,
    "value holding the delimiter": "SELECT * FROM customer_dimensions WHERE contains(value, '-')",
    "value holding a non-breaking space": """
        SELECT * FROM customer_dimensions WHERE contains(value, chr(160))
    """,
    "value holding a zero-width space": """
        SELECT * FROM customer_dimensions WHERE contains(value, chr(8203))
    """,
    "value too long": "SELECT * FROM customer_dimensions WHERE length(value) > 30",
    "orphan dimension": """
        SELECT * FROM customer_dimensions d
        WHERE NOT EXISTS (SELECT 1 FROM keyed c WHERE c.company = d.company
                          AND c.account_key = upper(trim(d.customer_number)))
    """,
}


@pytest.mark.parametrize("kind", PLANTED)
def test_every_problem_kind_is_planted_at_least_once(
    con: duckdb.DuckDBPyConnection, kind: str
) -> None:
    found = count(con, PLANTED[kind])
    assert found >= 1
    assert found <= 0.01 * SMALL + 4, "a planted problem should stay a small share"


def test_a_tiny_run_is_clean(workspace: Workspace) -> None:
    out = generate(workspace, workspace.root / "tiny", 20)
    rows = read_rows(out / "customers.csv")[1:]
    assert len(rows) == 20
    assert all(row[0] in {"US01", "DE01", "GB01"} and row[1].strip() == row[1] for row in rows)


def test_the_summary_lists_files_and_planted_problems(workspace: Workspace) -> None:
    proc = workspace.loader(
        "demo-data", "--out", str(workspace.root / "out"), "--customers", "500", check=True
    )
    for text in (
        "customers.csv",
        "customer_dimensions.csv",
        "orphan_dimension",
        "ORPHAN_DIMENSION",
    ):
        assert text in proc.stderr


def test_an_out_path_that_is_a_file_is_a_one_line_error(workspace: Workspace) -> None:
    workspace.root.mkdir(parents=True, exist_ok=True)
    blocker = workspace.root / "extracts"
    blocker.write_text("not a folder")
    proc = workspace.loader("demo-data", "--out", str(blocker), "--customers", "10")
    assert proc.returncode == 3  # could not run: nothing to do with the data
    assert proc.stderr.startswith("error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert blocker.read_text() == "not a folder"


def test_missing_parent_folders_are_created(workspace: Workspace) -> None:
    out = generate(workspace, workspace.root / "a" / "b" / "c", 10)
    assert sorted(path.name for path in out.iterdir()) == sorted(FILES)


def test_the_documentation_covers_every_kind_and_rule() -> None:
    from loader.demo_data_plan import PROBLEM_KINDS

    doc = (PROJECT_DIR / "docs" / "demo-data.md").read_text(encoding="utf-8")
    for kind in PROBLEM_KINDS:
        assert f"`{kind.name}`" in doc
        assert kind.rule.split()[0] in doc


# Rejects the dbt project must give a demo run: rule -> (planted kind, records per instance).
EXPECTED_REJECTS: dict[tuple[str, str], list[tuple[str, int]]] = {
    ("customers.csv", "UNKNOWN_LEGAL_ENTITY"): [("unknown_company", 1)],
    ("customers.csv", "BLANK_ACCOUNT"): [("blank_account", 1)],
    ("customers.csv", "ACCOUNT_TOO_LONG"): [("account_too_long", 1)],
    ("customers.csv", "DUPLICATE_ACCOUNT"): [
        ("duplicate_case", 2),
        ("duplicate_spaces", 2),
        ("bill_to_rejected", 2),
    ],
    ("customers.csv", "INVOICE_ACCOUNT_NOT_FOUND"): [
        ("bill_to_not_found", 1),
        ("bill_to_other_company", 1),
    ],
    ("customers.csv", "INVOICE_ACCOUNT_REJECTED"): [("bill_to_rejected", 1)],
    ("customers.csv", "INVOICE_ACCOUNT_CYCLE"): [("invoice_cycle", 2)],
    ("customers.csv", "DIMENSION_REJECTED"): [
        ("unknown_dimension", 1),
        ("unknown_dimension_value", 1),
        ("conflicting_dimension_values", 1),
        ("value_with_delimiter", 1),
        ("value_with_nbsp", 1),
        ("value_with_zero_width", 1),
        ("value_too_long", 1),
    ],
    ("customer_dimensions.csv", "UNKNOWN_DIMENSION"): [("unknown_dimension", 1)],
    ("customer_dimensions.csv", "UNKNOWN_DIMENSION_VALUE"): [("unknown_dimension_value", 1)],
    ("customer_dimensions.csv", "CONFLICTING_DIMENSION_VALUES"): [
        ("conflicting_dimension_values", 2)
    ],
    ("customer_dimensions.csv", "INVALID_DIMENSION_VALUE"): [
        ("value_with_delimiter", 1),
        ("value_with_nbsp", 1),
        ("value_with_zero_width", 1),
        ("value_too_long", 1),
    ],
}


def test_the_dbt_project_rejects_exactly_the_planted_problems(
    module_workspace: Workspace, small: Path, con: duckdb.DuckDBPyConnection
) -> None:
    from loader.demo_data_plan import planned_counts

    module_workspace.loader("land", str(small), check=True)
    module_workspace.dbt("build", check=True)
    rejects = {
        (str(file), str(rule)): int(n)
        for file, rule, n in module_workspace.query(
            "SELECT source_file, rule, count(*) FROM main.customer_details_v2_rejects GROUP BY ALL"
        )
    }
    planned = planned_counts(SMALL)
    expected = {
        key: sum(planned[kind] * per for kind, per in kinds)
        for key, kinds in EXPECTED_REJECTS.items()
    }
    expected[("customer_dimensions.csv", "ORPHAN_DIMENSION")] = count(
        con, PLANTED["orphan dimension"]
    )
    customer_rejected = rejects.pop(("customer_dimensions.csv", "CUSTOMER_REJECTED"), 0)
    assert rejects == expected
    assert customer_rejected > 0
    extracted = module_workspace.query(
        "SELECT sum(extracted) FROM main.migration_reconciliation"
        " WHERE source_file = 'customers.csv'"
    )
    assert extracted == [(SMALL,)]


def test_a_folder_under_a_file_name_fails_before_anything_is_replaced(
    workspace: Workspace,
) -> None:
    out = generate(workspace, workspace.root / "out", 200, seed=1)
    before = file_bytes(out)
    (out / "customer_dimensions.csv").unlink()
    (out / "customer_dimensions.csv").mkdir()
    proc = workspace.loader("demo-data", "--out", str(out), "--customers", "300", "--seed", "2")
    assert proc.returncode == 3
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "customer_dimensions.csv" in proc.stderr
    assert (out / "customers.csv").read_bytes() == before["customers.csv"]
    assert sorted(path.name for path in out.iterdir()) == sorted(FILES)
