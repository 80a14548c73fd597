"""`loader demo-data`: real runs of the CLI, checked by reading the CSV files it writes.

Every planted problem is found again from the file contents alone, with the seeds of the
dbt project as the reference, so a generator that stops planting one kind fails here.
"""

import csv
import json
import re
import time
from pathlib import Path

import duckdb
import pytest

from loader.cli import MAX_DEMO_CUSTOMERS
from loader.demo_data import MARKER
from loader.demo_data_plan import PROBLEM_KINDS, ProblemKind, planned_counts
from loader.extracts import EXTRACTS
from tests.conftest import PROJECT_DIR, Workspace, ctrl_c, ctrl_c_on_return
from tests.test_land import assert_one_line_error

FILES = ("customers.csv", "customer_dimensions.csv", "target_customers.csv")
HEADERS = {spec.file_name: list(spec.contract_columns) for spec in EXTRACTS}
SMALL = 1000
# Large enough that every Customer definitions kind has tens of instances.
SHARES = 20_000


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


def test_only_the_three_files_and_the_marker_are_left(small: Path) -> None:
    assert sorted(path.name for path in small.iterdir()) == sorted([*FILES, MARKER])


def test_real_extracts_in_out_are_never_replaced(workspace: Workspace, tmp_path: Path) -> None:
    """A mistyped --out replaced a real extract with synthetic customers, silently."""
    out = tmp_path / "extracts"
    out.mkdir()
    real = "company,customer_number,bill_to_customer_number\nUS01,REAL1,\n"
    (out / "Customers.csv").write_text(real)
    proc = workspace.loader("demo-data", "--out", str(out), "--customers", "10")
    assert proc.returncode == 2
    assert "already holds Customers.csv, not written by demo-data" in " ".join(proc.stderr.split())
    assert sorted(p.name for p in out.iterdir()) == ["Customers.csv"]
    assert (out / "Customers.csv").read_text() == real
    sample = generate(workspace, tmp_path / "sample", 10)
    generate(workspace, sample, 20)  # a sample is written again over a sample
    assert len(read_rows(sample / "customers.csv")) == 21
    # A real extract copied later into a sample's folder is not the sample any more.
    (sample / "customers.csv").write_text(real)
    proc = workspace.loader("demo-data", "--out", str(sample), "--customers", "10")
    assert proc.returncode == 2
    assert "already holds customers.csv, not written by demo-data" in " ".join(proc.stderr.split())
    assert (sample / "customers.csv").read_text() == real


def test_ctrl_c_once_the_files_are_renamed_lets_demo_data_finish(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Ctrl-C after the first rename said the sample was undone (exit 130), and left a new
    customers.csv beside the old other files, and a marker that no longer matched it."""
    out = generate(workspace, tmp_path / "sample", 10)
    where = ("pathlib.py", "replace", "_staged")
    proc = ctrl_c_on_return(workspace, where, "demo-data", "--out", str(out), "--customers", "20")
    assert proc.returncode == 0, proc.stderr
    assert "Ctrl-C: the sample extracts are being put in place: demo-data finishes" in proc.stderr
    assert "undone" not in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(path.name for path in out.iterdir()) == sorted([*FILES, MARKER])
    assert file_bytes(out) == file_bytes(generate(workspace, tmp_path / "again", 20))
    generate(workspace, out, 10)  # the marker names what was written: a sample again


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


def test_every_customer_has_a_name_but_the_planted_blank_ones_and_most_have_dimensions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    blank = count(con, "SELECT * FROM customers WHERE coalesce(trim(customer_name), '') = ''")
    assert blank == planned_counts(SMALL)["blank_name"]
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


def test_json_gives_each_file_its_records_and_planted_problems(workspace: Workspace) -> None:
    out = workspace.root / "json"
    proc = workspace.loader(
        "--json", "demo-data", "--out", str(out), "--customers", "500", check=True
    )
    summary = json.loads(proc.stdout)
    files = {file["file"]: file for file in summary["files"]}
    assert summary["folder"] == str(out)
    assert set(files) == {"customers.csv", "customer_dimensions.csv", "target_customers.csv"}
    for name, file in files.items():
        assert file["records"] == len(read_rows(out / name)) - 1  # the header
    planted = {p["kind"]: p for p in files["customer_dimensions.csv"]["planted"]}
    assert planted["orphan_dimension"]["rule"] == "ORPHAN_DIMENSION"
    assert planted["orphan_dimension"]["records"] >= 1


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
    assert sorted(path.name for path in out.iterdir()) == sorted([*FILES, MARKER])


def test_a_customer_count_beyond_the_maximum_is_refused_before_any_folder_is_made(
    workspace: Workspace,
) -> None:
    """10**20 once crashed after creating --out, and 3e9 ran for hours."""
    out = workspace.root / "new" / "extracts"
    proc = workspace.loader("demo-data", "--out", str(out), "--customers", str(10**20))
    assert_one_line_error(proc, "--customers", f"{MAX_DEMO_CUSTOMERS}", code=2)
    assert not (workspace.root / "new").exists()


def test_an_interrupted_run_leaves_no_folder_it_created(workspace: Workspace) -> None:
    workspace.root.mkdir(parents=True, exist_ok=True)
    out = workspace.root / "new" / "extracts"
    with workspace.started("demo-data", "--out", str(out), "--customers", "3000000") as proc:
        deadline = time.monotonic() + 60
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.exists(), "demo-data did not create --out"
        time.sleep(0.5)  # into the generation
        done = ctrl_c(proc)
    assert done.returncode == 130, done.stderr
    assert not (workspace.root / "new").exists()


def documented_shares() -> dict[str, float]:
    """Kind -> share in percent, from the table of planted problems in docs/demo-data.md."""
    doc = (PROJECT_DIR / "docs" / "demo-data.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([0-9.]+) %", doc, flags=re.MULTILINE)
    return {kind: float(share) for kind, share in rows}


def test_the_documentation_covers_every_kind_and_rule_with_its_share() -> None:
    doc = (PROJECT_DIR / "docs" / "demo-data.md").read_text(encoding="utf-8")
    shares = documented_shares()
    for kind in PROBLEM_KINDS:
        assert f"`{kind.name}`" in doc
        assert kind.rule.split()[0] in doc
        assert shares[kind.name] == pytest.approx(kind.per_million / 10_000), kind.name


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


def rejects_by_rule(workspace: Workspace, mart: str) -> dict[tuple[str, str], int]:
    return {
        (str(file), str(rule)): int(n)
        for file, rule, n in workspace.query(
            f"SELECT source_file, rule, count(*) FROM main.{mart} GROUP BY ALL"
        )
    }


# The rules that hold a record back from both entities: its account cannot be a key.
ACCOUNT_RULES = ("UNKNOWN_LEGAL_ENTITY", "BLANK_ACCOUNT", "ACCOUNT_TOO_LONG", "DUPLICATE_ACCOUNT")


def test_the_dbt_project_rejects_exactly_the_planted_problems(
    module_workspace: Workspace, small: Path, con: duckdb.DuckDBPyConnection
) -> None:
    module_workspace.loader("land", str(small), check=True)
    module_workspace.dbt("build", check=True)
    planned = planned_counts(SMALL)
    definitions_kinds = [kind for kind in PROBLEM_KINDS if kind.rule in DEFINITIONS_RULES]
    expected = {
        key: sum(planned[kind] * per for kind, per in kinds)
        for key, kinds in EXPECTED_REJECTS.items()
    }
    expected[("customer_dimensions.csv", "ORPHAN_DIMENSION")] = count(
        con, PLANTED["orphan dimension"]
    )
    # A customer whose Customer definitions record is rejected will not exist in F&O.
    expected[("customers.csv", "CUSTOMER_NOT_CREATED")] = sum(
        planned[kind.name] for kind in definitions_kinds
    )
    rejects = rejects_by_rule(module_workspace, "customer_details_v2_rejects")
    customer_rejected = rejects.pop(("customer_dimensions.csv", "CUSTOMER_REJECTED"), 0)
    assert rejects == expected
    assert customer_rejected > 0
    # Customer definitions: its own rules once per planted customer, and the account rules.
    expected_definitions = {key: n for key, n in expected.items() if key[1] in ACCOUNT_RULES} | {
        ("customers.csv", kind.rule): planned[kind.name] for kind in definitions_kinds
    }
    assert rejects_by_rule(module_workspace, "customer_definitions_rejects") == expected_definitions
    extracted = module_workspace.query(
        "SELECT entity, sum(extracted) FROM main.migration_reconciliation"
        " WHERE source_file = 'customers.csv' GROUP BY ALL ORDER BY ALL"
    )
    assert extracted == [("customer_definitions", SMALL), ("customer_details_v2", SMALL)]


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
    assert sorted(path.name for path in out.iterdir()) == sorted([*FILES, MARKER])


# Customer definitions: the rules of seeds/rules.csv, written again here from their meaning,
# with the seeds as the reference, so that the files alone show what the models must reject.
DEFINITIONS_RULES = {kind.rule for kind in PROBLEM_KINDS if kind.name in {
    "blank_name", "name_too_long", "unknown_party_type", "person_without_name",
    "unknown_customer_group", "customer_group_too_long", "unknown_currency",
    "currency_too_long", "address_without_country", "unknown_country", "invalid_email",
    "field_too_long", "uncarriable_character",
}}  # fmt: skip
ADDRESS = ("street", "city", "zip_code", "state", "county")
LENGTH_FIELDS = {
    "search_name": "NAMEALIAS", "first_name": "PERSONFIRSTNAME",
    "middle_name": "PERSONMIDDLENAME", "last_name": "PERSONLASTNAME", "street": "ADDRESSSTREET",
    "city": "ADDRESSCITY", "zip_code": "ADDRESSZIPCODE", "state": "ADDRESSSTATE",
    "county": "ADDRESSCOUNTY", "email": "PRIMARYCONTACTEMAIL", "phone": "PRIMARYCONTACTPHONE",
    "language": "LANGUAGEID",
}  # fmt: skip
TEXT_FIELDS = HEADERS["customers.csv"][3:]
UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def seed_rows(name: str) -> list[dict[str, str]]:
    with (PROJECT_DIR / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Seeds:
    def __init__(self) -> None:
        self.entity = {r["legacy_company"]: r["data_area_id"] for r in seed_rows("legal_entities")}
        self.group_map = {
            (r["data_area_id"], r["legacy_customer_group"]): r["customer_group_id"]
            for r in seed_rows("customer_group_map")
        }
        self.groups = {
            (r["data_area_id"], r["customer_group_id"]) for r in seed_rows("customer_groups")
        }
        self.currencies = {(r["data_area_id"], r["currency_code"]) for r in seed_rows("currencies")}
        self.defaults = {r["data_area_id"]: r for r in seed_rows("legal_entity_defaults")}
        self.countries = {r["country_region_id"] for r in seed_rows("countries")}
        self.country_map = {
            r["legacy_country"]: r["country_region_id"] for r in seed_rows("country_map")
        }
        self.lengths = {
            r["field"]: int(r["max_length"])
            for r in seed_rows("field_lengths")
            if r["entity"] == "customer_definitions"
        }


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clean(value: str) -> str | None:
    """As staging reads a cell: spaces trimmed, blank is NULL."""
    return value.strip(" ") or None


def broken_rules(row: dict[str, str], seeds: Seeds) -> set[str]:
    """The Customer definitions rules a record of a mapped company breaks."""
    entity = seeds.entity[row["company"]]
    value = {name: clean(row[name]) for name in TEXT_FIELDS}
    broken = set()
    name = value["customer_name"]
    if name is None:
        broken.add("BLANK_NAME")
    elif units(name) > seeds.lengths["NAME"]:
        broken.add("NAME_TOO_LONG")
    party = (value["party_type"] or "organization").lower()
    if party not in {"organization", "person"}:
        broken.add("UNKNOWN_PARTY_TYPE")
    if party == "person" and not any(value[n] for n in ("first_name", "middle_name", "last_name")):
        broken.add("PERSON_WITHOUT_NAME")
    group = value["customer_group"]
    group = seeds.defaults[entity]["customer_group_id"] if group is None else group
    group = seeds.group_map.get((entity, group), group)
    if units(group) > seeds.lengths["CUSTOMERGROUPID"]:
        broken.add("CUSTOMER_GROUP_TOO_LONG")
    elif (entity, group) not in seeds.groups:
        broken.add("UNKNOWN_CUSTOMER_GROUP")
    currency = value["currency"] or seeds.defaults[entity]["currency_code"]
    if units(currency) > seeds.lengths["SALESCURRENCYCODE"]:
        broken.add("CURRENCY_TOO_LONG")
    elif (entity, currency) not in seeds.currencies:
        broken.add("UNKNOWN_CURRENCY")
    country = value["country"]
    if country is None and any(value[n] for n in ADDRESS):
        broken.add("ADDRESS_WITHOUT_COUNTRY")
    if country is not None and seeds.country_map.get(country, country) not in seeds.countries:
        broken.add("UNKNOWN_COUNTRY")
    email = value["email"]
    if email is not None and not EMAIL.fullmatch(email):
        broken.add("INVALID_EMAIL")
    if any(value[n] and units(value[n]) > seeds.lengths[f] for n, f in LENGTH_FIELDS.items()):
        broken.add("FIELD_TOO_LONG")
    if any(UNCARRIABLE.search(value[n] or "") for n in TEXT_FIELDS):
        broken.add("UNCARRIABLE_CHARACTER")
    return broken


@pytest.fixture(scope="module")
def shares_run(module_workspace: Workspace) -> list[dict[str, str]]:
    out = generate(module_workspace, module_workspace.root / "shares", SHARES, seed=3)
    with (out / "customers.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def rules_found(shares_run: list[dict[str, str]]) -> list[set[str]]:
    """The rules each record of a mapped company breaks, in file order."""
    seeds = Seeds()
    return [broken_rules(row, seeds) for row in shares_run if row["company"] in seeds.entity]


@pytest.mark.parametrize(
    "kind",
    [kind for kind in PROBLEM_KINDS if kind.rule in DEFINITIONS_RULES],
    ids=lambda kind: kind.name,
)
def test_every_definitions_kind_is_planted_at_its_documented_share(
    rules_found: list[set[str]], kind: ProblemKind
) -> None:
    found = sum(kind.rule in rules for rules in rules_found)
    assert found == kind.count(SHARES)
    assert 100 * found / SHARES == pytest.approx(documented_shares()[kind.name], abs=0.01)


def test_no_record_breaks_two_definitions_rules_and_ordinary_ones_break_none(
    rules_found: list[set[str]],
) -> None:
    assert max(len(rules) for rules in rules_found) == 1
    planted = sum(kind.count(SHARES) for kind in PROBLEM_KINDS if kind.rule in DEFINITIONS_RULES)
    assert sum(bool(rules) for rules in rules_found) == planted


def test_customer_definitions_columns_look_real(shares_run: list[dict[str, str]]) -> None:
    """Shares of the ordinary values: persons, blanks that take the defaults, legacy spellings."""
    rows = [row for row in shares_run if row["company"] != "ZZ99"]
    share = {
        name: sum(bool(predicate(row)) for row in rows) / len(rows)
        for name, predicate in {
            "person": lambda r: r["party_type"].lower() == "person" and r["last_name"],
            "middle name": lambda r: r["middle_name"],
            "blank group": lambda r: not r["customer_group"],
            "blank currency": lambda r: not r["currency"],
            "legacy group": lambda r: r["customer_group"] in {"WHOLESALE", "MAJOR", "RETAIL"},
            "mapped country": lambda r: r["country"] in {"US", "United States", "DE", "Germany",
                                                         "Deutschland", "GB", "UK", "United Kingdom"},
            "address": lambda r: r["city"],
            "email": lambda r: r["email"],
            "phone": lambda r: r["phone"],
            "search name": lambda r: r["search_name"],
            "blank language": lambda r: not r["language"],
        }.items()
    }  # fmt: skip
    assert 0.15 < share["person"] < 0.22
    assert 0.02 < share["middle name"] < 0.08
    assert 0.15 < share["blank group"] < 0.3
    assert 0.1 < share["blank currency"] < 0.2
    assert share["legacy group"] > 0.5
    assert share["mapped country"] > 0.6
    assert share["address"] > 0.9
    assert 0.6 < share["email"] < 0.9
    assert 0.6 < share["phone"] < 0.8
    assert 0.6 < share["search name"] < 0.8
    assert 0.5 < share["blank language"] < 0.7
    own = {"US01": "USD", "DE01": "EUR", "GB01": "GBP"}
    foreign = [r for r in rows if r["currency"] and r["currency"] != own[r["company"]]]
    assert 0.03 < len(foreign) / len(rows) < 0.12


FREE_TEXT = {
    "comma": ",",
    "double quote": '"',
    "apostrophe": "'",
    "accent": "[áéíóúäöüßñçøÀ-ÿ]",
    "line break": "\n",
    "Japanese kana": "[\u3040-\u30ff]",
    "Han (Chinese, Japanese)": "[\u4e00-\u9fff]",
    "Greek": "[\u0370-\u03ff]",
    "Cyrillic": "[\u0400-\u04ff]",
    "outside the Basic Multilingual Plane": "[\U00010000-\U0010ffff]",
}


# What streets never hold: Greek and Cyrillic names are of customers at home, whose streets are
# local; only a name holds a character outside the Basic Multilingual Plane.
STREETS_WITHOUT = {"Greek", "Cyrillic", "outside the Basic Multilingual Plane"}


@pytest.mark.parametrize(
    ("field", "what"),
    [
        (field, what)
        for field in ("customer_name", "street")
        for what in FREE_TEXT
        if not (field == "street" and what in STREETS_WITHOUT)
    ],
)
def test_valid_free_text_exercises_exact_carriage(
    shares_run: list[dict[str, str]], rules_found: list[set[str]], field: str, what: str
) -> None:
    """Names and streets that no rule rejects hold commas, quotes, scripts and line breaks."""
    mapped = [row for row in shares_run if row["company"] != "ZZ99"]
    valid = [row[field] for row, rules in zip(mapped, rules_found, strict=True) if not rules]
    assert sum(bool(re.search(FREE_TEXT[what], text)) for text in valid) >= 3


def test_landing_keeps_every_column_and_value_exactly(workspace: Workspace, small: Path) -> None:
    """Every contract column lands, every value as it is in the file (empty cells as NULL)."""
    workspace.loader("land", str(small), check=True)
    columns = HEADERS["customers.csv"]
    landed = workspace.query(
        f"SELECT {', '.join(columns)} FROM raw.customers ORDER BY _source_line"
    )
    in_file = [
        tuple(cell or None for cell in row) for row in read_rows(small / "customers.csv")[1:]
    ]
    assert landed == in_file
    assert any("\n" in (row[columns.index("street")] or "") for row in landed)
