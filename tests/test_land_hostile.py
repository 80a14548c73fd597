"""Hostile and damaged extracts: each ends in one clear line naming the file (and line)."""

import zipfile
from pathlib import Path

import pytest

from tests.conftest import Workspace
from tests.test_land import CUSTOMERS_HEADER, assert_one_line_error, write_extracts


def _zip_bytes(tmp_path: Path) -> bytes:
    archive = tmp_path / "book.xlsx"
    with zipfile.ZipFile(archive, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    return archive.read_bytes()


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (f"{CUSTOMERS_HEADER}\nUS01,C\x001,,a\n".encode(), ("line 2", "NUL byte")),
        (
            f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n".encode("utf-16-le"),
            ("UTF-16 without a byte-order mark",),
        ),
        (
            f"{CUSTOMERS_HEADER}\r\nUS01,C1,,a\nUS01,C2,,b\rUS01,C3,,c\n".encode(),
            ("line 3", "carriage return"),
        ),
        (b"company,customer_number\n", ("bill_to_customer_number",)),
        (f'{CUSTOMERS_HEADER}\nUS01,C1,,"never closed\nUS01,C2,,b\n'.encode(), ("line 2",)),
        (
            f"{CUSTOMERS_HEADER}\nUS01,C1,,a,extra\n".encode(),
            ("line 2", "expected 4 fields as in the header, found 5"),
        ),
        (
            codecs_bom_then_cp1252 := b"\xef\xbb\xbf"
            + f"{CUSTOMERS_HEADER}\nDE01,M".encode()
            + b"\xfcller,,a\n",
            ("line 2", "not valid utf-8"),
        ),
    ],
    ids=[
        "nul",
        "utf16-no-bom",
        "lone-cr",
        "no-header-columns",
        "unbalanced-quote",
        "ragged",
        "bom-plus-cp1252",
    ],
)
def test_damaged_files_are_named_with_their_line(
    workspace: Workspace, tmp_path: Path, content: bytes, fragments: tuple[str, ...]
) -> None:
    proc = workspace.loader("land", str(write_extracts(tmp_path / "x", content)))
    assert_one_line_error(proc, "customers.csv", *fragments)


def test_a_workbook_saved_under_a_csv_name(workspace: Workspace, tmp_path: Path) -> None:
    proc = workspace.loader("land", str(write_extracts(tmp_path / "x", _zip_bytes(tmp_path))))
    assert_one_line_error(proc, "customers.csv", "not CSV text")


def test_a_symlinked_extract_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n")
    outside = tmp_path / "elsewhere.csv"
    (folder / "customers.csv").rename(outside)
    (folder / "customers.csv").symlink_to(outside)
    assert_one_line_error(workspace.loader("land", str(folder)), "not a regular file")


def test_a_hostile_column_name_is_data_not_sql(workspace: Workspace, tmp_path: Path) -> None:
    header = f'{CUSTOMERS_HEADER},"a""; drop table raw.customers; --"'
    folder = write_extracts(tmp_path / "x", f"{header}\nUS01,C1,,a,b\n")
    workspace.loader("land", str(folder), check=True)
    columns = workspace.query(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = 'customers'"
    )
    assert ('a"; drop table raw.customers; --',) in columns
    assert workspace.query("select count(*) from raw.customers") == [(1,)]
