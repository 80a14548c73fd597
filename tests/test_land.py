"""`loader land`: real files in, real raw tables out, all or nothing."""

import codecs
import csv
import subprocess
import sys
from pathlib import Path

import pytest

from loader.extracts import EXTRACTS
from tests.conftest import Workspace, ctrl_c_on_return

CUSTOMERS_HEADER = "company,customer_number,bill_to_customer_number,customer_name"
DIMENSIONS = "company,customer_number,dimension,value\nUS01,000123,BusinessUnit,001\n"


def write_extracts(
    folder: Path, customers: bytes | str, dimensions: bytes | str = DIMENSIONS
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (("customers.csv", customers), ("customer_dimensions.csv", dimensions)):
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def raw_rows(ws: Workspace, table: str, columns: str) -> list[tuple[object, ...]]:
    return ws.query(f"select {columns} from raw.{table} order by _source_line")


def land_ok(ws: Workspace, folder: Path, *options: str) -> None:
    ws.loader("land", str(folder), *options, check=True)


def assert_one_line_error(
    proc: subprocess.CompletedProcess[str], *fragments: str, code: int = 1
) -> None:
    """Exit code CODE (1: the input has problems, 3: could not run) and one line on stderr."""
    assert proc.returncode == code, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def test_leading_zeros_and_lineage_are_kept(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_extracts(
        tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,000123,,Acme\nUS01,0042,000123,Beta\n"
    )
    land_ok(workspace, folder)
    rows = raw_rows(
        workspace,
        "customers",
        "customer_number, bill_to_customer_number, _source_file, _source_line",
    )
    assert rows == [("000123", None, "customers.csv", 2), ("0042", "000123", "customers.csv", 3)]
    types = dict(
        workspace.query(
            "select column_name, data_type from information_schema.columns where table_name = 'customers'"
        )
    )
    assert types["customer_number"] == "VARCHAR"
    assert types["_source_line"] == "BIGINT"


def test_embedded_newlines_give_the_lines_that_follow(workspace: Workspace, tmp_path: Path) -> None:
    customers = (
        f"{CUSTOMERS_HEADER}\r\n"
        'US01,C1,,"two\r\nlines"\r\n'
        'US01,C2,,"three\nline\nname"\r\n'
        "US01,C3,,plain\r\n"
    )
    folder = write_extracts(tmp_path / "x", customers)
    land_ok(workspace, folder)
    rows = raw_rows(workspace, "customers", "customer_number, customer_name, _source_line")
    assert rows == [("C1", "two\r\nlines", 2), ("C2", "three\nline\nname", 4), ("C3", "plain", 7)]
    line_type = workspace.query(
        "select data_type from information_schema.columns "
        "where table_name = 'customers' and column_name = '_source_line'"
    )
    assert line_type == [("BIGINT",)]


def test_blank_lines_between_records_keep_the_line_numbers_exact(
    workspace: Workspace, tmp_path: Path
) -> None:
    customers = f'{CUSTOMERS_HEADER}\nUS01,C1,,a\n\nUS01,C2,,"b\nc"\n\n\nUS01,C3,,d\n\n'
    folder = write_extracts(tmp_path / "x", customers)
    land_ok(workspace, folder)
    assert raw_rows(workspace, "customers", "customer_number, _source_line") == [
        ("C1", 2),
        ("C2", 4),
        ("C3", 8),
    ]


def test_blank_lines_and_a_field_longer_than_the_csv_modules_default_limit(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The exact numbering re-reads the file with Python's csv module, whose default field
    limit (131,072 characters) is far below the record length the loader accepts."""
    long_name = "x" * 200_000
    customers = f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n\nUS01,C2,,{long_name}\n"
    land_ok(workspace, write_extracts(tmp_path / "x", customers))
    assert raw_rows(
        workspace, "customers", "customer_number, length(customer_name), _source_line"
    ) == [
        ("C1", 1, 2),
        ("C2", 200_000, 4),
    ]


@pytest.mark.parametrize(
    ("encoding_name", "options", "reported"),
    [
        ("utf-8-sig", (), "utf-8 (BOM)"),
        ("utf-16", (), "utf-16 (LE)"),
        ("utf-32", (), "utf-32 (LE)"),  # its mark begins with UTF-16 LE's
        ("utf-32-be", (), "utf-32 (BE)"),  # written with its mark below
        ("cp1252", ("--encoding", "cp1252"), "cp1252"),
    ],
)
def test_encodings(
    workspace: Workspace,
    tmp_path: Path,
    encoding_name: str,
    options: tuple[str, ...],
    reported: str,
) -> None:
    text = f"{CUSTOMERS_HEADER}\r\nDE01,M\u00fcller1,,M\u00fcller GmbH \u20ac\r\n"
    if encoding_name.endswith("-be"):  # Python writes no mark for an explicit byte order
        text = "\ufeff" + text
    folder = write_extracts(tmp_path / "x", text.encode(encoding_name))
    land_ok(workspace, folder, *options)
    assert raw_rows(
        workspace, "customers", "company, customer_number, customer_name, _source_line"
    ) == [("DE01", "M\u00fcller1", "M\u00fcller GmbH \u20ac", 2)]
    assert workspace.query("select encoding from raw._loads where file_name = 'customers.csv'") == [
        (reported,)
    ]


@pytest.mark.parametrize(("delimiter", "name"), [(";", ";"), ("\t", "\t"), ("|", "|")])
def test_semicolon_tab_and_pipe_delimiters_are_detected(
    workspace: Workspace, tmp_path: Path, delimiter: str, name: str
) -> None:
    header = CUSTOMERS_HEADER.replace(",", delimiter)
    folder = write_extracts(
        tmp_path / "x", f"{header}\nUS01{delimiter}C,1{delimiter}{delimiter}Comma, Inc\n"
    )
    land_ok(workspace, folder)
    assert raw_rows(workspace, "customers", "customer_number, customer_name") == [
        ("C,1", "Comma, Inc")
    ]
    assert workspace.query(
        "select delimiter from raw._loads where file_name = 'customers.csv'"
    ) == [(name,)]


def test_header_names_match_case_insensitively_and_extras_are_kept(
    workspace: Workspace, tmp_path: Path
) -> None:
    customers = " Company ,CUSTOMER_NUMBER,Bill_To_Customer_Number,Region\nUS01,C1,,West\n"
    folder = write_extracts(tmp_path / "x", customers)
    land_ok(workspace, folder)
    columns = [
        row[0]
        for row in workspace.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'customers' order by ordinal_position"
        )
    ]
    # The contract's columns first (optional ones NULL when absent), then the extras.
    contract = next(spec for spec in EXTRACTS if spec.table == "customers").contract_columns
    assert columns[: len(contract) + 1] == [*contract, "region"]
    assert raw_rows(workspace, "customers", "customer_name, region") == [(None, "West")]


def test_a_column_named_rowid_lands_as_an_extra_column(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Oracle extracts carry ROWID; a real column of that name hides DuckDB's own rowid."""
    customers = (
        f"{CUSTOMERS_HEADER},ROWID\n"
        "US01,C1,,Acme,AAAR3sAAEAAAACXAAA\n"
        'US01,C2,,"two\nlines",AAAR3sAAEAAAACXAAB\n'  # a line break: the counting way
        "US01,C3,,Beta,AAAR3sAAEAAAACXAAC\n"
    )
    folder = write_extracts(tmp_path / "x", customers)
    # A blank line between records: the exact way, from the staged copy.
    (folder / "target_customers.csv").write_text(
        "data_area_id,customer_account,rowid\nUSMF,HQ1,AAAA\n\nUSMF,HQ2,AAAB\n"
    )
    land_ok(workspace, folder)
    assert raw_rows(workspace, "customers", "customer_number, rowid, _source_line") == [
        ("C1", "AAAR3sAAEAAAACXAAA", 2),
        ("C2", "AAAR3sAAEAAAACXAAB", 3),
        ("C3", "AAAR3sAAEAAAACXAAC", 5),
    ]
    assert raw_rows(workspace, "target_customers", "customer_account, rowid, _source_line") == [
        ("HQ1", "AAAA", 2),
        ("HQ2", "AAAB", 4),
    ]


def test_an_extract_without_the_definitions_columns_lands_them_as_null(
    workspace: Workspace, tmp_path: Path
) -> None:
    """An extract of the previous contract (no Customer definitions columns) still lands."""
    land_ok(workspace, write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n"))
    optional = EXTRACTS[0].optional
    assert raw_rows(workspace, "customers", f"customer_name, {', '.join(optional[1:])}") == [
        ("Acme", *(None,) * (len(optional) - 1))
    ]


def test_the_definitions_columns_land_in_any_order(workspace: Workspace, tmp_path: Path) -> None:
    customers = (
        "Country,Street,company,customer_number,bill_to_customer_number,Party_Type\n"
        'DE,"Hinterhaus\nMühlenweg 4",DE01,000123,,Person\n'
    )
    land_ok(workspace, write_extracts(tmp_path / "x", customers))
    assert raw_rows(workspace, "customers", "country, street, party_type, city, _source_line") == [
        ("DE", "Hinterhaus\nMühlenweg 4", "Person", None, 2)
    ]


def test_missing_target_customers_gives_an_empty_table(
    workspace: Workspace, tmp_path: Path
) -> None:
    land_ok(workspace, write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n"))
    assert workspace.query("select count(*) from raw.target_customers") == [(0,)]
    (tmp_path / "x" / "target_customers.csv").write_text(
        "data_area_id,customer_account\nUSMF,HQ1\n"
    )
    land_ok(workspace, tmp_path / "x")
    assert raw_rows(workspace, "target_customers", "data_area_id, customer_account") == [
        ("USMF", "HQ1")
    ]


def snapshot(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: ws.query(f"select * from raw.{table} order by _source_line")
        for table in ("customers", "customer_dimensions", "target_customers")
    }


def test_missing_required_column_is_one_line_and_changes_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    land_ok(workspace, write_extracts(tmp_path / "good", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n"))
    before = snapshot(workspace)
    bad = write_extracts(tmp_path / "bad", "company,customer_number\nUS01,C9\n")
    proc = workspace.loader("land", str(bad))
    assert_one_line_error(proc, "customers.csv", "bill_to_customer_number")
    assert snapshot(workspace) == before


def test_undecodable_byte_names_file_and_line(workspace: Workspace, tmp_path: Path) -> None:
    customers = f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n".encode() + b"US01,M\xfcller,,b\n"
    proc = workspace.loader("land", str(write_extracts(tmp_path / "x", customers)))
    assert_one_line_error(proc, "customers.csv", "line 3", "--encoding")


def test_ragged_record_names_file_and_physical_line(workspace: Workspace, tmp_path: Path) -> None:
    customers = f'{CUSTOMERS_HEADER}\nUS01,C1,,"a\nb"\nUS01,C2\n'
    proc = workspace.loader("land", str(write_extracts(tmp_path / "x", customers)))
    assert_one_line_error(proc, "customers.csv", "line 4", "expected 4 fields")


def test_landing_twice_gives_the_same_raw_content(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_extracts(
        tmp_path / "x", f'{CUSTOMERS_HEADER}\nUS01,000123,,"x\ny"\nGB01,C2,000123,b\n'
    )
    land_ok(workspace, folder)
    first = snapshot(workspace)
    land_ok(workspace, folder)
    second = snapshot(workspace)

    def without_load(
        rows: dict[str, list[tuple[object, ...]]],
    ) -> dict[str, list[tuple[object, ...]]]:
        return {table: [row[:-2] for row in content] for table, content in rows.items()}

    assert without_load(first) == without_load(second)
    loads = workspace.query(
        "select load_id, file_name, sha256, rows from raw._loads order by started_at, file_name"
    )
    assert len({row[0] for row in loads}) == 2
    assert [row[1:] for row in loads[:2]] == [row[1:] for row in loads[2:]]


def test_a_failing_file_leaves_every_earlier_raw_table_untouched(
    workspace: Workspace, tmp_path: Path
) -> None:
    land_ok(workspace, write_extracts(tmp_path / "good", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n"))
    before = snapshot(workspace)
    loads_before = workspace.query("select count(*) from raw._loads")
    # customers.csv is new and valid; the dimensions file breaks only when DuckDB parses it.
    bad = write_extracts(
        tmp_path / "bad",
        f"{CUSTOMERS_HEADER}\nUS01,C7,,new\n",
        "company,customer_number,dimension,value\nUS01,C7,BusinessUnit,001\nUS01,C7,Department\n",
    )
    proc = workspace.loader("land", str(bad))
    assert_one_line_error(proc, "customer_dimensions.csv", "line 3")
    assert snapshot(workspace) == before
    assert workspace.query("select count(*) from raw._loads") == loads_before


def test_a_locked_database_fails_at_once_with_a_clear_message(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(workspace.database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        proc = workspace.loader("land", str(folder))
        assert_one_line_error(proc, "in use by another process", code=3)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "empty"),
        ("company,company,customer_number,bill_to_customer_number\n", "appears twice"),
        ("company,,customer_number,bill_to_customer_number\n", "has no name"),
        (f"\n{CUSTOMERS_HEADER}\nUS01,C1,,a\n", "line 1 is blank: the header must be the first"),
        (f"  \r\n{CUSTOMERS_HEADER}\r\nUS01,C1,,a\r\n", "line 1 is blank"),
    ],
)
def test_bad_headers(workspace: Workspace, tmp_path: Path, content: str, fragment: str) -> None:
    proc = workspace.loader("land", str(write_extracts(tmp_path / "x", content)))
    assert_one_line_error(proc, "customers.csv", fragment)


def test_missing_required_file(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "customers.csv").write_text(f"{CUSTOMERS_HEADER}\n")
    assert_one_line_error(
        workspace.loader("land", str(folder)), "customer_dimensions.csv is missing"
    )


def test_database_setting_is_shared_from_any_directory(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A relative MIGRATION_DB resolves against the current directory, for loader and dbt alike."""
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n")
    workspace.env["MIGRATION_DB"] = "relative.duckdb"
    land_ok(workspace, folder)
    assert (workspace.root / "relative.duckdb").exists()


def test_lines_stay_exact_across_row_groups_with_breaks_anywhere(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Records past many row groups, with line breaks in values near every lookup boundary."""
    breaking = {0, 1, 4094, 4095, 4096, 4097, 8191, 122_879, 122_880, 200_000, 299_999}
    records = []
    for i in range(300_000):
        name = f"N{i}"
        if i in breaking:
            name = f'"{name}\nsecond\r\nthird"' if i % 2 else f'"{name}\nsecond"'
        records.append(f"US01,C{i},,{name}")
    folder = write_extracts(tmp_path / "x", CUSTOMERS_HEADER + "\n" + "\n".join(records) + "\n")
    land_ok(workspace, folder)
    expected = []
    with (folder / "customers.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        previous_end = 1
        next(reader)
        for record in reader:
            expected.append((record[1], previous_end + 1))
            previous_end = reader.line_num
    assert raw_rows(workspace, "customers", "customer_number, _source_line") == expected


@pytest.mark.parametrize(
    ("bad", "line"), [(b"US01,M\xfcller,,b\n", 400_002), (b"US01,C,,\xe2\x82", 400_002)]
)
def test_undecodable_bytes_past_the_head_name_their_line(
    workspace: Workspace, tmp_path: Path, bad: bytes, line: int
) -> None:
    """Far into a large file (past the part the scan decodes) DuckDB finds them; the line is exact."""
    records = "".join(f"US01,C{i},,\u00e4\n" for i in range(400_000))
    customers = f"{CUSTOMERS_HEADER}\n{records}".encode() + bad
    proc = workspace.loader("land", str(write_extracts(tmp_path / "x", customers)))
    assert_one_line_error(proc, "customers.csv", f"line {line}", "not valid utf-8", "--encoding")


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "Ko\u010dka".encode(),
            "bytes 8d are not valid cp1252, but they are UTF-8: pass "
            "--encoding customers.csv=utf-8",
        ),  # a UTF-8 file beside cp1252 ones
        (
            b"Ko\x81ka",
            "bytes 81 are not valid cp1252: pass its real encoding, "
            "--encoding customers.csv=ENCODING",
        ),
    ],
)
def test_bytes_the_given_encoding_cannot_read_say_what_to_pass_instead(
    workspace: Workspace, tmp_path: Path, name: bytes, said: str
) -> None:
    customers = f"{CUSTOMERS_HEADER}\nUS01,C1,,".encode() + name + b"\n"
    folder = write_extracts(tmp_path / "x", customers)
    proc = workspace.loader("land", str(folder), "--encoding", "cp1252")
    assert_one_line_error(proc, f"customers.csv: line 2: {said}")


def test_cp1252_bytes_after_a_utf8_mark_land_when_the_file_names_its_encoding(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A tool added a UTF-8 byte-order mark to cp1252 bytes: the mark won over every
    --encoding, so the advice to pass --encoding customers.csv=cp1252 gave the same error."""
    customers = codecs.BOM_UTF8 + f"{CUSTOMERS_HEADER}\r\nUS01,C1,,M".encode() + b"\xfcller\r\n"
    folder = write_extracts(tmp_path / "x", customers)
    for given in ([], ["--encoding", "cp1252"]):  # a mark still wins over the default
        proc = workspace.loader("land", str(folder), *given)
        assert_one_line_error(
            proc,
            "customers.csv: line 2: bytes fc are not valid utf-8, though the file starts with "
            "a UTF-8 byte-order mark: if it is cp1252, pass --encoding customers.csv=cp1252",
        )
    land_ok(workspace, folder, "--encoding", "customers.csv=cp1252")
    assert raw_rows(workspace, "customers", "company, customer_name, _source_line") == [
        ("US01", "M\u00fcller", 2)
    ]


def test_a_line_break_in_a_value_far_past_the_head_keeps_the_lines_exact(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The first quote comes after the part of the file read before landing starts."""
    plain = "".join(f"US01,C{i},,name {i}\n" for i in range(400_000))
    customers = f'{CUSTOMERS_HEADER}\n{plain}US01,Q1,,"two\nlines"\nUS01,Q2,,after\n'
    land_ok(workspace, write_extracts(tmp_path / "x", customers))
    rows = workspace.query(
        "select customer_number, _source_line from raw.customers "
        "where customer_number in ('C0', 'C399999', 'Q1', 'Q2') order by _source_line"
    )
    assert rows == [("C0", 2), ("C399999", 400_001), ("Q1", 400_002), ("Q2", 400_004)]


def test_an_extract_with_only_its_header_lands_with_a_warning(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\n")
    proc = workspace.loader("land", str(folder))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: customers.csv holds no records, only its header: customers is now empty; "
        "check the extract, and land again if it is wrong"
    ]
    assert workspace.query("select count(*) from raw.customers") == [(0,)]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (("cp1252", "latin-1"), "--encoding cp1252 and --encoding latin-1: give one encoding"),
        (
            ("customers.csv=cp1252", "CUSTOMERS.CSV=utf-8"),
            "--encoding customers.csv=cp1252 and --encoding CUSTOMERS.CSV=utf-8: both name "
            "customers.csv: give one",
        ),
        (("=utf-8",), "--encoding =utf-8: give FILE=ENCODING, e.g. customers.csv=cp1252"),
        (("customers.csv=",), "--encoding customers.csv=: give FILE=ENCODING"),
        (("ORDERS.csv=utf-8",), "'ORDERS.csv' is not an extract; name one of customer_dimensions"),
        (("customers.csv=nope",), "unknown encoding 'nope'"),
        (("rot13",), "unknown encoding 'rot13'"),  # a codec, but not of text
        (("punycode",), "encoding 'punycode' is not an encoding of text files"),
        (("customers.csv=idna",), "encoding 'idna' is not an encoding of text files"),
        (
            ("utf-16",),
            "encoding 'utf-16' does not say the byte order of a file without a byte-order mark: "
            "use utf-16-le (most likely) or utf-16-be",
        ),
        (("customers.csv=UTF32",), "use utf-32-le (most likely) or utf-32-be"),
    ],
)
def test_an_encoding_choice_that_cannot_hold_is_a_usage_error(
    workspace: Workspace, tmp_path: Path, given: tuple[str, ...], said: str
) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    options = [part for value in given for part in ("--encoding", value)]
    assert_one_line_error(workspace.loader("land", str(folder), *options), said, code=2)
    assert not workspace.database.exists()  # refused before anything was read or written


def test_two_files_with_one_extract_name_in_another_case_are_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    """On a case-sensitive file system both can be there: landing either is a guess."""
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    (folder / "Customers.csv").write_text(f"{CUSTOMERS_HEADER}\nUS01,OLD,,Old copy\n")
    proc = workspace.loader("land", str(folder))
    assert_one_line_error(
        proc,
        "Customers.csv and customers.csv are both customers.csv: keep only the extract to land",
    )
    assert not workspace.database.exists()


@pytest.mark.parametrize(("given", "held", "shown"), [("|", ",", "','"), (",", "\t", "'tab'")])
def test_a_delimiter_the_header_does_not_use_names_the_one_it_does(
    workspace: Workspace, tmp_path: Path, given: str, held: str, shown: str
) -> None:
    header = CUSTOMERS_HEADER.replace(",", held)
    folder = write_extracts(tmp_path / "x", f"{header}\nUS01{held}C1{held}{held}Acme\n")
    proc = workspace.loader("land", str(folder), "--delimiter", given)
    assert_one_line_error(
        proc,
        f"customers.csv: line 1: the header is one column with the delimiter {given!r}, but it "
        f"holds {shown}: give --delimiter {shown}, or leave it out to detect it",
    )


def test_a_failed_land_prints_its_error_line_and_nothing_before_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    """In a log (stderr not a terminal) no progress is drawn: not even the blank line a
    finished progress display leaves."""
    folder = write_extracts(tmp_path / "x", "company,customer\nUS01,1\n")
    proc = workspace.loader_process("land", str(folder))  # stderr is a pipe, as in a log
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: customers.csv: required column 'customer_number'")
    assert proc.stderr.count("\n") == 1


def test_a_utf8_file_read_in_the_encoding_of_another_is_warned_about(
    workspace: Workspace, tmp_path: Path
) -> None:
    """--encoding applies to every file: a UTF-8 file beside cp1252 ones would be misread."""
    customers = f"{CUSTOMERS_HEADER}\r\nDE01,M\u00fcller1,,M\u00fcller GmbH\r\n".encode("cp1252")
    dimensions = (
        "company,customer_number,dimension,value\nDE01,M\u00fcller1,Department,Vertrieb \u00c4\n"
    )
    folder = write_extracts(tmp_path / "x", customers, dimensions.encode("utf-8"))
    proc = workspace.loader("land", str(folder), "--encoding", "cp1252")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: customer_dimensions.csv is UTF-8 but was read as cp1252 (--encoding applies "
        "to every file it does not name): check its values; give --encoding "
        "customer_dimensions.csv=utf-8 and land again"
    ]
    # As the warning says: each file in its own encoding, every value as it was written.
    mixed = workspace.loader(
        "land", str(folder), "--encoding", "cp1252", "--encoding", "Customer_Dimensions.csv=utf-8"
    )
    assert mixed.returncode == 0, mixed.stderr
    assert "warning: " not in mixed.stderr
    assert workspace.query(
        "select c.customer_name, d.value from raw.customers as c, raw.customer_dimensions as d"
    ) == [("M\u00fcller GmbH", "Vertrieb \u00c4")]
    # Plain ASCII is the same in both: no warning for a file without a byte beyond it.
    (folder / "customer_dimensions.csv").write_text(DIMENSIONS)
    quiet = workspace.loader("land", str(folder), "--encoding", "cp1252")
    assert "warning: " not in quiet.stderr


def test_ctrl_c_once_the_land_has_committed_lets_it_finish(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Ctrl-C right after the commit said the land was undone (exit 130) while its raw
    tables and its new cycle were kept: the land now finishes, and says so."""
    first = write_extracts(tmp_path / "first", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    second = write_extracts(tmp_path / "second", f"{CUSTOMERS_HEADER}\nUS01,C2,,Beta\n")
    land_ok(workspace, first, "--cycle", "mock 1")
    where = ("loader/landing.py", "_write_raw_tables", "land_extracts")
    proc = ctrl_c_on_return(workspace, where, "land", str(second), "--cycle", "mock 2")
    assert proc.returncode == 0, proc.stderr
    assert "Ctrl-C: the raw tables are being committed: the land finishes" in proc.stderr
    assert "undone" not in proc.stderr and "Traceback" not in proc.stderr
    assert raw_rows(workspace, "customers", "customer_number") == [("C2",)]
    # The cycle was not exported: the land continues it, under its new label.
    assert workspace.query("select cycle_id, label from cycles.cycles") == [(1, "mock 2")]
