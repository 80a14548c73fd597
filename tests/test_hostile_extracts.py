"""A corpus of hostile extracts: each lands and builds with the exact outcome, or ends in one line.

Damaged files already covered by tests/test_land_hostile.py and tests/test_land.py (not repeated
here): NUL byte, UTF-16 without BOM, lone CR, ragged rows, unbalanced quote, BOM + cp1252 byte,
a zip/xlsx under a .csv name, a symlinked extract, duplicate and blank header names, a hostile
column name, an empty file.

The records that must end as reject rows (or must not) share one land and one `dbt build`
(`corpus`): Unicode spellings that normalise alike, numbers Excel wrote in scientific
notation, blank keys, 10,000 copies of one key, an invoice-account chain 1,000 deep and a cycle
of 1,000.
"""

import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR, VENV_BIN, Workspace
from tests.test_land import (
    CUSTOMERS_HEADER,
    assert_one_line_error,
    land_ok,
    raw_rows,
    write_extracts,
)

DIMENSIONS_HEADER = "company,customer_number,dimension,value"
HOSTILE_NAME = "a'b\"; drop table raw.customers; --"
NFC_MULLER = "M\u00fcller"
NFD_MULLER = "Mu\u0308ller"
CHAIN = 1000
DUPLICATES = 10_000


def run_timed(
    ws: Workspace, cmd: list[str], timeout: float
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run CMD in the workspace; a hang fails the test at TIMEOUT instead of blocking the suite."""
    started = time.monotonic()
    proc = subprocess.run(
        cmd, env=ws.env, cwd=ws.root, capture_output=True, text=True, timeout=timeout
    )
    return proc, time.monotonic() - started


# -- files that never reach the raw tables, or land exactly ----------------------------------


def test_no_header_line_names_the_missing_column(workspace: Workspace, tmp_path: Path) -> None:
    """The first line is a record: its values are taken as names, and a required one is missing."""
    folder = write_extracts(tmp_path / "x", "US01,C0001,C0002,Acme\nUS01,C0002,,Beta\n")
    proc = workspace.loader("land", str(folder))
    assert_one_line_error(
        proc,
        "customers.csv: required column 'company' is missing from the header",
        "(found: us01, c0001, c0002, acme)",
    )
    assert not workspace.database.exists()  # refused before the database is opened


def test_mixed_crlf_and_lf_line_ends_land_with_exact_lines(
    workspace: Workspace, tmp_path: Path
) -> None:
    customers = (
        f"{CUSTOMERS_HEADER}\r\n"
        "US01,C1,,a\n"
        "US01,C2,,b\r\n"
        'US01,C3,,"two\r\nlines"\n'
        'US01,C4,,"lf\nonly"\r\n'
        "US01,C5,,e\n"
    )
    land_ok(workspace, write_extracts(tmp_path / "x", customers))
    assert raw_rows(workspace, "customers", "customer_number, customer_name, _source_line") == [
        ("C1", "a", 2),
        ("C2", "b", 3),
        ("C3", "two\r\nlines", 4),
        ("C4", "lf\nonly", 6),
        ("C5", "e", 8),
    ]


def test_a_100_mb_field_is_refused_quickly_with_its_line(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    with (folder / "customers.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"{CUSTOMERS_HEADER}\nUS01,C1,,a\nUS01,C2,,")
        chunk = "x" * (1 << 20)
        for _ in range(100):
            handle.write(chunk)
        handle.write("\nUS01,C3,,c\n")
    (folder / "customer_dimensions.csv").write_text(f"{DIMENSIONS_HEADER}\n")
    proc, _ = run_timed(workspace, [str(VENV_BIN / "loader"), "land", str(folder)], timeout=180)
    assert_one_line_error(proc, "customers.csv: line 3: the record is longer than 8 MB")
    # Only the audit table exists (created before the transaction); nothing was landed.
    assert workspace.query(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ) == [("_loads",)]
    assert workspace.query("select count(*) from raw._loads") == [(0,)]


def test_a_100_mb_header_name_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    with (folder / "customers.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write("company,customer_number,bill_to_customer_number,")
        for _ in range(100):
            handle.write("n" * (1 << 20))
        handle.write("\nUS01,C1,,a\n")
    (folder / "customer_dimensions.csv").write_text(f"{DIMENSIONS_HEADER}\n")
    proc, _ = run_timed(workspace, [str(VENV_BIN / "loader"), "land", str(folder)], timeout=180)
    assert_one_line_error(proc, "customers.csv: line 1: the header cannot be read as CSV")


def test_header_only_extracts_land_build_and_export_no_package(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\r\n", f"{DIMENSIONS_HEADER}\r\n")
    land_ok(workspace, folder)
    assert workspace.query("select count(*) from raw.customers") == [(0,)]
    assert workspace.query("select count(*) from raw.customer_dimensions") == [(0,)]
    assert workspace.query("select file_name, rows from raw._loads order by file_name") == [
        ("customer_dimensions.csv", 0),
        ("customers.csv", 0),
    ]

    build = workspace.dbt("build")
    assert build.returncode == 0, build.stdout
    assert workspace.query("select count(*) from main.customer_details_v2") == [(0,)]
    assert workspace.query("select count(*) from main.customer_details_v2_rejects") == [(0,)]
    assert workspace.query("select count(*) from main.migration_reconciliation") == [(0,)]

    out = workspace.root / "out"
    export = workspace.loader("export", "--out", str(out))
    assert export.returncode == 0, export.stderr
    assert "warning: no package written: the marts have no rows" in export.stderr
    assert sorted(p.name for p in out.iterdir()) == ["export-summary.json"]
    summary = json.loads((out / "export-summary.json").read_text(encoding="utf-8"))
    assert summary["packages"] == [] and summary["rows"] == 0
    assert summary["note"].startswith("no package written: the marts have no rows")


def test_hostile_folder_and_file_names_are_data_not_sql(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Quotes, SQL and `..` in every path a user gives: extracts, database, dbt target, output."""
    hostile = tmp_path / HOSTILE_NAME
    (hostile / "side").mkdir(parents=True)
    extracts = hostile / "side" / ".." / f"extracts {HOSTILE_NAME}"  # a `..` in the path itself
    # The database's folder may be named anything; its file name is the catalog dbt pastes into
    # SQL (test_a_quote_in_the_database_file_name_is_refused_up_front).
    workspace.env["MIGRATION_DB"] = str(hostile / "migration.duckdb")
    workspace.env["DBT_TARGET_PATH"] = str(hostile / f"target {HOSTILE_NAME}")
    workspace.loader(
        "demo-data", "--out", str(extracts), "--customers", "60", "--seed", "5", check=True
    )
    # Files whose names hold `..`: not part of the contract, reported and left alone.
    (extracts / "..customers.csv").write_text(f"{CUSTOMERS_HEADER}\nUS01,EVIL,,x\n")
    (extracts / "customers..csv").write_text(f"{CUSTOMERS_HEADER}\nUS01,EVIL,,x\n")
    out = hostile / f"out {HOSTILE_NAME}"

    land = workspace.loader("land", str(extracts), check=True)
    assert "..customers.csv is not part of the extract contract and was not landed" in land.stderr
    assert "customers..csv is not part of the extract contract and was not landed" in land.stderr
    proc = workspace.loader("--json", "run", str(extracts), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert Path(workspace.env["MIGRATION_DB"]).is_file()
    landed = json.loads(proc.stdout)["land"]
    assert sorted(landed["ignored"]) == ["..customers.csv", "customers..csv"]
    assert workspace.query("select count(*) from raw.customers where customer_number = 'EVIL'") == [
        (0,)
    ]
    assert workspace.query("select distinct _source_file from raw.customers") == [
        ("customers.csv",)
    ]
    assert_reconciliation_holds(workspace)
    zips = sorted(out.glob("*.zip"))
    assert zips
    workspace.loader("verify", *map(str, zips), check=True)
    # Nothing was written beside the hostile folders, and nothing named after the SQL.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([HOSTILE_NAME, "ws"])
    assert sorted(p.name for p in hostile.iterdir()) == sorted(
        [
            "side",
            extracts.name,
            "migration.duckdb",
            "migration.last-export.json",
            f"target {HOSTILE_NAME}",
            out.name,
        ]
    )


def test_a_quote_in_the_database_file_name_is_refused_up_front(
    workspace: Workspace, tmp_path: Path
) -> None:
    """dbt-duckdb pastes the catalog name (the file name up to its first dot) into SQL
    unescaped; `loader` refuses such a name before it creates anything."""
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n")
    workspace.env["MIGRATION_DB"] = str(tmp_path / f"{HOSTILE_NAME}.duckdb")
    for command in (["land", str(folder)], ["export", "--out", str(tmp_path / "out")]):
        assert_one_line_error(
            workspace.loader(*command),
            "holds a quote or a control character, which dbt cannot use",
            "set MIGRATION_DB to a file named with letters",
            code=2,  # a setting out of range: a usage error
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws", "x"]
    assert list(workspace.root.iterdir()) == []


def assert_reconciliation_holds(ws: Workspace) -> None:
    assert (
        ws.query(
            "select * from main.migration_reconciliation "
            "where extracted <> exported + rejected + skipped"
        )
        == []
    )
    landed = ws.query(
        "select (select count(*) from raw.customers) + (select count(*) from raw.customer_dimensions)"
    )
    assert (
        ws.query(
            "select sum(extracted) from main.migration_reconciliation"
            " where entity = 'customer_details_v2'"
        )
        == landed
    )


# -- records that end as reject rows, or must not: one land, one build ------------------------


class Corpus:
    """The crafted customers.csv: each record's line, by a name the tests use."""

    def __init__(self) -> None:
        self.lines: list[str] = [
            f"{CUSTOMERS_HEADER},email,party_type,first_name,last_name,customer_group,currency,language"
        ]
        self.at: dict[str, int] = {}
        self.next_line = 2  # a record's first line in the file: a value may hold line breaks

    def add(
        self,
        name: str,
        company: str,
        account: str,
        bill_to: str = "",
        email: str = "",
        person: tuple[str, str, str] = ("", "", ""),  # party type, first and last name
        group_currency_language: tuple[str, str, str] = ("", "", ""),
    ) -> None:
        def cell(value: str) -> str:
            return f'"{value}"' if any(c in value for c in ',"\r\n') else value

        # Every record has a name: Customer definitions would reject a nameless customer.
        cells = [company, account, bill_to, f"Customer {name}", email, *person]
        cells += group_currency_language
        record = ",".join(cell(value) for value in cells)
        self.lines.append(record)
        self.at[name] = self.next_line
        self.next_line += 1 + len(re.findall(r"\r\n|\r|\n", record))

    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"


def corpus_extracts() -> tuple[str, str, Corpus]:
    c = Corpus()
    # Unicode: NFC and NFD spellings of one account are one key in F&O.
    c.add("nfc", "DE01", NFC_MULLER)
    c.add("nfd", "DE01", NFD_MULLER)
    c.add("no_accent", "DE01", "Muller")  # accent-sensitive: another customer
    c.add("schoen", "DE01", "Sch\u00f6n")
    c.add("bills_nfd", "DE01", "K0001", "Scho\u0308n")  # NFD bill-to finds the NFC customer
    # Excel: long numbers written back in scientific notation.
    c.add("excel", "US01", "1.23E+05")
    c.add("excel_comma", "US01", "1,23457E+15")
    c.add("excel_lower", "US01", "4.5e-03")
    c.add("not_excel", "US01", "12E4")  # no exponent sign: a plausible real code
    c.add("bills_excel", "US01", "X0001", "1.23E+05")
    # Blank keys: spaces are trimmed; a tab or no-break space is a character F&O cannot find.
    c.add("spaces", "US01", "   ")
    c.add("empty", "US01", "")
    c.add("tab", "US01", "\t")
    c.add("nbsp", "US01", "\u00a0")
    c.add("blank_company", "", "BC01")  # its dimension row is its, not an orphan
    # Noncharacters XML cannot carry, and marks and isolates that hide in a lookup.
    c.add("nonchar", "US01", "NC\uffff1")
    c.add("isolate", "US01", "IS01\u2066")
    c.add("arabic_mark", "US01", "AM\u061c01")
    c.add("vowel_separator", "US01", "MV\u180e01")
    c.add("bills_nonchar", "US01", "X0002", "T\ufffe1")
    # An email holding a blank other than a space is no address either.
    c.add("email_ok", "US01", "E0001", email="john.doe@example.com")
    c.add("email_tab", "US01", "E0002", email="john\tdoe@example.com")
    c.add("email_nbsp", "US01", "E0003", email="john\u00a0doe@example.com")
    c.add("email_ideographic", "US01", "E0004", email="john@example\u3000.com")
    c.add("email_line_break", "US01", "E0005", email="john@example.com\nx")
    # A cycle through a target customer whose own record Customer definitions rejects: its
    # details still go out, with its invoice account (target_customers.csv names TA01).
    c.add("cycle_target_a", "US01", "TA01", "TB01", email="not-an-email")
    c.add("cycle_target_b", "US01", "TB01", "TA01")
    # A bill-to whose key is in another legal entity, but not created there: no hint to it.
    c.add("not_created_elsewhere", "GB01", "NC0001", email="not-an-email")
    c.add("bills_not_created_elsewhere", "US01", "U0001", "NC0001")
    # Name parts are carried for a person only: an organization's are never too long or
    # uncarriable, as F&O never gets them.
    long_first = "Alexandra-Katharina-Mariella-Jo"  # 31 characters, PERSONFIRSTNAME holds 25
    c.add("org_long_first_name", "US01", "P0001", person=("Organization", long_first, ""))
    c.add("org_control_in_last_name", "US01", "P0002", person=("", "", "Smith\x01"))
    c.add("person_long_first_name", "US01", "P0003", person=("Person", long_first, "Smith"))
    c.add("person_control_in_last_name", "US01", "P0004", person=("Person", "", "Smith\x01"))
    # A group or currency found in the seeds goes out in the seed's spelling, however long the
    # extract's (U+3000 is no space to trim, but F&O's comparison ignores it at the end).
    c.add("group_padded", "US01", "G0001", group_currency_language=("10" + "\u3000" * 9, "", ""))
    c.add("currency_padded", "US01", "G0002", group_currency_language=("", "usd\u3000", ""))
    c.add("language_control", "US01", "G0003", group_currency_language=("", "", "en\x01"))
    # A chain 1,000 deep (not a cycle) and a cycle of 1,000.
    for i in range(CHAIN):
        c.add(f"chain{i}", "US01", f"CH{i:04d}", f"CH{i + 1:04d}" if i < CHAIN - 1 else "")
    for i in range(CHAIN):
        c.add(f"cycle{i}", "US01", f"CY{i:04d}", f"CY{(i + 1) % CHAIN:04d}")
    # 10,000 records with one key, spelled as F&O would still compare them equal.
    spellings = ["DUP", "dup", " Dup  ", "dUP "]
    for i in range(DUPLICATES):
        c.add(f"dup{i}", "GB01", spellings[i % len(spellings)])
    dimensions = f"{DIMENSIONS_HEADER}\r\nDE01,Muller,BusinessUnit,001\r\n,BC01,Department,022\r\n"
    return c.text(), dimensions, c


@pytest.fixture(scope="module")
def corpus(
    module_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, Corpus, float]:
    ws = module_workspace
    customers, dimensions, c = corpus_extracts()
    folder = write_extracts(tmp_path_factory.mktemp("corpus"), customers, dimensions)
    (folder / "target_customers.csv").write_text("data_area_id,customer_account\nUSMF,TA01\n")
    ws.loader("land", str(folder), check=True)
    cmd = [str(VENV_BIN / "dbt"), "build", "--project-dir", str(PROJECT_DIR)]
    proc, seconds = run_timed(ws, [*cmd, "--profiles-dir", str(PROJECT_DIR)], timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return ws, c, seconds


def rejects_at(ws: Workspace, line: int, entity: str = "customer_details_v2") -> set[str]:
    rows = ws.query(
        f"select rule from main.{entity}_rejects "
        "where source_file = 'customers.csv' and source_line = ?",
        [line],
    )
    return {str(r[0]) for r in rows}


def detail_at(ws: Workspace, line: int, rule: str) -> str:
    ((detail,),) = ws.query(
        "select detail from main.customer_details_v2_rejects "
        "where source_file = 'customers.csv' and source_line = ? and rule = ?",
        [line, rule],
    )
    return str(detail)


def mart_row(ws: Workspace, account: str) -> tuple[object, ...] | None:
    rows = ws.query("select * from main.customer_details_v2 where CUSTOMERACCOUNT = ?", [account])
    assert len(rows) <= 1
    return rows[0] if rows else None


def test_nfc_and_nfd_spellings_are_one_key(corpus: tuple[Workspace, Corpus, float]) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at["nfc"]) == {"DUPLICATE_ACCOUNT"}
    assert rejects_at(ws, c.at["nfd"]) == {"DUPLICATE_ACCOUNT"}
    detail = detail_at(ws, c.at["nfd"], "DUPLICATE_ACCOUNT")
    assert f"(lines {c.at['nfc']}, {c.at['nfd']})" in detail
    # Accent-sensitive: Muller is another customer, exported with its dimension.
    assert rejects_at(ws, c.at["no_accent"]) == set()
    assert mart_row(ws, "Muller") == ("DEMF", "Muller", None, "001")
    # A bill-to spelled NFD finds the NFC customer and is written as that customer's spelling.
    assert mart_row(ws, "K0001") == ("DEMF", "K0001", "Sch\u00f6n", None)


def test_numbers_excel_wrote_in_scientific_notation_are_rejected(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at["excel"]) == {"ACCOUNT_IN_SCIENTIFIC_NOTATION"}
    assert rejects_at(ws, c.at["excel_lower"]) == {"ACCOUNT_IN_SCIENTIFIC_NOTATION"}
    # A comma is also a character no package can carry: both rules, one row each.
    assert rejects_at(ws, c.at["excel_comma"]) == {
        "ACCOUNT_IN_SCIENTIFIC_NOTATION",
        "INVALID_ACCOUNT",
    }
    detail = detail_at(ws, c.at["excel"], "ACCOUNT_IN_SCIENTIFIC_NOTATION")
    assert detail.startswith("Customer account '1.23E+05' is a number in scientific notation")
    assert "without opening it in Excel" in detail
    assert rejects_at(ws, c.at["not_excel"]) == set()
    # A customer billed to the mangled account waits for it.
    assert rejects_at(ws, c.at["bills_excel"]) == {"INVOICE_ACCOUNT_REJECTED"}


def test_blank_and_whitespace_only_accounts(corpus: tuple[Workspace, Corpus, float]) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at["spaces"]) == {"BLANK_ACCOUNT"}
    assert rejects_at(ws, c.at["empty"]) == {"BLANK_ACCOUNT"}
    # Only spaces are trimmed: a tab or a no-break space is reported by its code point.
    assert rejects_at(ws, c.at["tab"]) == {"INVALID_ACCOUNT"}
    assert "contains U+0009," in detail_at(ws, c.at["tab"], "INVALID_ACCOUNT")
    assert rejects_at(ws, c.at["nbsp"]) == {"INVALID_ACCOUNT"}
    assert "contains U+00A0," in detail_at(ws, c.at["nbsp"], "INVALID_ACCOUNT")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("nonchar", "U+FFFF"),
        ("isolate", "U+2066"),
        ("arabic_mark", "U+061C"),
        ("vowel_separator", "U+180E"),
    ],
)
def test_characters_a_package_cannot_carry_or_fo_cannot_find_are_rejected(
    corpus: tuple[Workspace, Corpus, float], name: str, code: str
) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at[name]) == {"INVALID_ACCOUNT"}
    assert f"contains {code}," in detail_at(ws, c.at[name], "INVALID_ACCOUNT")


def test_a_bill_to_holding_a_noncharacter_is_an_invalid_invoice_account(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at["bills_nonchar"]) == {"INVALID_INVOICE_ACCOUNT"}
    assert "contains U+FFFE," in detail_at(ws, c.at["bills_nonchar"], "INVALID_INVOICE_ACCOUNT")


@pytest.mark.parametrize(
    "name", ["email_tab", "email_nbsp", "email_ideographic", "email_line_break"]
)
def test_an_email_with_a_blank_of_any_kind_is_not_an_address(
    corpus: tuple[Workspace, Corpus, float], name: str
) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at[name], "customer_definitions") == {"INVALID_EMAIL"}
    assert rejects_at(ws, c.at["email_ok"], "customer_definitions") == set()


def test_a_cycle_through_a_target_customer_not_created_is_a_cycle(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    """TA01 exists in F&O and its details go out (TA01 -> TB01) although its own record is
    rejected for Customer definitions: the walk stopped at it, and both were exported."""
    ws, c, _ = corpus
    assert rejects_at(ws, c.at["cycle_target_a"], "customer_definitions") == {"INVALID_EMAIL"}
    for name in ("cycle_target_a", "cycle_target_b"):
        assert rejects_at(ws, c.at[name]) == {"INVOICE_ACCOUNT_CYCLE"}, name
    assert mart_row(ws, "TA01") is None and mart_row(ws, "TB01") is None


def test_a_not_found_hint_names_only_legal_entities_where_the_account_will_exist(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    line = c.at["bills_not_created_elsewhere"]
    assert rejects_at(ws, line) == {"INVOICE_ACCOUNT_NOT_FOUND"}
    assert "it exists in" not in detail_at(ws, line, "INVOICE_ACCOUNT_NOT_FOUND")


def test_name_parts_are_checked_for_a_person_only(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    for name in ("org_long_first_name", "org_control_in_last_name"):
        assert rejects_at(ws, c.at[name], "customer_definitions") == set(), name
        assert rejects_at(ws, c.at[name]) == set(), name  # created, so its details go too
    line = c.at["person_long_first_name"]
    assert rejects_at(ws, line, "customer_definitions") == {"FIELD_TOO_LONG"}
    line = c.at["person_control_in_last_name"]
    assert rejects_at(ws, line, "customer_definitions") == {"UNCARRIABLE_CHARACTER"}
    ((detail,),) = ws.query(
        "select detail from main.customer_definitions_rejects where source_line = ?", [line]
    )
    assert str(detail).startswith("Column 'last_name' holds U+0001")


def test_a_group_or_currency_found_in_the_seeds_is_never_too_long(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    for name in ("group_padded", "currency_padded"):
        assert rejects_at(ws, c.at[name], "customer_definitions") == set(), name
    rows = ws.query(
        "select CUSTOMERACCOUNT, CUSTOMERGROUPID, SALESCURRENCYCODE from main.customer_definitions"
        " where CUSTOMERACCOUNT in ('G0001', 'G0002') order by 1"
    )
    assert rows == [("G0001", "10", "USD"), ("G0002", "30", "USD")]


def test_an_uncarriable_character_is_named_by_the_extract_column(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    line = c.at["language_control"]
    assert rejects_at(ws, line, "customer_definitions") == {"UNCARRIABLE_CHARACTER"}
    ((detail,),) = ws.query(
        "select detail from main.customer_definitions_rejects where source_line = ?", [line]
    )
    assert str(detail).startswith("Column 'language' holds U+0001"), detail


def test_the_corpus_exports_what_passed(
    corpus: tuple[Workspace, Corpus, float], tmp_path: Path
) -> None:
    """A noncharacter that passed the rules stopped the whole export at the writer's check."""
    ws, _c, _ = corpus
    proc = ws.loader("export", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr


def test_a_blank_company_is_said_blank_and_keeps_its_dimension_rows(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    assert rejects_at(ws, c.at["blank_company"]) == {"UNKNOWN_LEGAL_ENTITY"}
    assert detail_at(ws, c.at["blank_company"], "UNKNOWN_LEGAL_ENTITY").startswith(
        "The company is blank: fill it in"
    )
    ((rule, detail),) = ws.query(
        "select rule, detail from main.customer_details_v2_rejects "
        "where source_file = 'customer_dimensions.csv' and source_line = 3"
    )
    assert rule == "CUSTOMER_REJECTED"
    assert f"(customers.csv line {c.at['blank_company']})" in str(detail)


def test_ten_thousand_copies_of_one_key_are_all_rejected_with_a_short_detail(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, seconds = corpus
    rows = ws.query(
        "select rule, max(length(detail)), count(*) from main.customer_details_v2_rejects "
        "where source_line between ? and ? group by rule",
        [c.at["dup0"], c.at[f"dup{DUPLICATES - 1}"]],
    )
    ((rule, longest, count),) = rows
    assert (rule, count) == ("DUPLICATE_ACCOUNT", DUPLICATES)
    assert int(longest) < 400  # type: ignore[call-overload]
    detail = detail_at(ws, c.at["dup0"], "DUPLICATE_ACCOUNT")
    first_ten = ", ".join(str(c.at[f"dup{i}"]) for i in range(10))
    assert f"is on 10000 records of legal entity GBSI (lines {first_ten}, …)" in detail
    assert ws.query("select count(*) from main.customer_details_v2 where DATAAREAID = 'GBSI'") == [
        (0,)
    ]
    assert seconds < 900  # the whole build, corpus included, within the run_timed bound


def test_a_chain_1000_deep_is_exported_with_a_warning_not_called_a_cycle(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    chain_lines = [c.at[f"chain{i}"] for i in range(CHAIN)]
    rejected = ws.query(
        "select count(*) from main.customer_details_v2_rejects where source_line between ? and ?",
        [chain_lines[0], chain_lines[-1]],
    )
    assert rejected == [(0,)]
    exported = ws.query(
        "select CUSTOMERACCOUNT, INVOICEACCOUNT from main.customer_details_v2 "
        "where CUSTOMERACCOUNT like 'CH%' order by 1"
    )
    assert exported == [(f"CH{i:04d}", f"CH{i + 1:04d}") for i in range(CHAIN - 1)]
    statuses = {
        r["unique_id"].split(".")[2]: r["status"]
        for r in json.loads((ws.target_dir / "run_results.json").read_text())["results"]
    }
    chains = [name for name in statuses if name.startswith("no_invoice_account_chains")]
    assert chains and all(statuses[name] == "warn" for name in chains)


def test_a_cycle_of_1000_rejects_every_member_as_one_cycle(
    corpus: tuple[Workspace, Corpus, float],
) -> None:
    ws, c, _ = corpus
    rows = ws.query(
        "select rule, detail, count(*) from main.customer_details_v2_rejects "
        "where source_line between ? and ? group by rule, detail",
        [c.at["cycle0"], c.at[f"cycle{CHAIN - 1}"]],
    )
    ((rule, detail, count),) = rows  # one rule, one detail: the same cycle for every member
    assert (rule, count) == ("INVOICE_ACCOUNT_CYCLE", CHAIN)
    assert str(detail).startswith(
        "The invoice accounts of 1000 customers of USMF lead round in a cycle (CY0000, CY0001"
    )


def test_the_corpus_reconciles(corpus: tuple[Workspace, Corpus, float]) -> None:
    ws, _c, _ = corpus
    assert_reconciliation_holds(ws)
    outcomes = Counter(
        {
            str(r[0]): int(r[1])  # type: ignore[call-overload]
            for r in ws.query(
                "select data_area_id, sum(rejected) from main.migration_reconciliation "
                "where source_file = 'customers.csv' and entity = 'customer_details_v2' "
                "group by data_area_id"
            )
        }
    )
    assert outcomes["GBSI"] == DUPLICATES + 1  # and NC0001, not created (invalid email)
    assert outcomes["DEMF"] == 2  # the NFC and NFD Müller
