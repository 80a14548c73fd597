"""`loader verify`: every crafted defect is reported on its own line, and good packages pass.

A good package is written with the package writer; each defect is made by rewriting one
part of it with zipfile, exactly as a broken or hostile package would arrive.
"""

import os
import resource
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from loader.package.entities import CUSTOMER_DETAILS_V2
from loader.package.lines import Lines
from loader.package.writer import Content, PackageWriter, SplitLimits
from tests.conftest import VENV_BIN, Workspace

DATA = "Customer details V2.csv"
HEADER = "CUSTOMERACCOUNT,INVOICEACCOUNT,DEFAULTDIMENSIONDISPLAYVALUE"
ROWS = ["C0001,,001-0101", "C0002,C0001,", "C0003,C0001,002-0102-022"]


def good_package(folder: Path, rows: list[str] = ROWS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    content = Content(CUSTOMER_DETAILS_V2, CUSTOMER_DETAILS_V2.field_names)
    writer = PackageWriter(folder, "CustomerDetailsV2", "USMF", [content], SplitLimits())
    writer.start(content)
    writer.write(Lines(pa.array([r + "\r\n" for r in rows])))
    (written,) = writer.close()
    return folder / written.name


def utf16(text: str) -> bytes:
    return b"\xff\xfe" + text.encode("utf-16-le")


def csv(rows: list[str], header: str = HEADER, end: str = "\r\n") -> bytes:
    return utf16(end.join([header, *rows]) + end)


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[dict[str, bytes]], dict[str, bytes]],
) -> Path:
    """Copy SOURCE to TARGET with its entries passed through CHANGE (name -> bytes, in order)."""
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in change(entries).items():
            archive.writestr(name, data)
    return target


def edit_xml(name: str, old: str, new: str) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries[name][2:].decode("utf-16-le")
        assert old in text, old
        return {**entries, name: utf16(text.replace(old, new, 1))}

    return change


def central_entry(data: bytes, name: str) -> int:
    """Where NAME's record starts in the zip's central directory."""
    start = data.find(b"PK\x01\x02")
    while start >= 0 and data[start + 46 : start + 46 + len(name.encode())] != name.encode():
        start = data.find(b"PK\x01\x02", start + 4)
    assert start >= 0, name
    return start


def run_verify(ws: Workspace, *paths: Path) -> tuple[int, list[str]]:
    proc = ws.loader("verify", *map(str, paths))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout.splitlines()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return good_package(tmp_path / "good")


def assert_reported(ws: Workspace, package: Path, where: str, what: str) -> list[str]:
    code, lines = run_verify(ws, package)
    assert code == 1, lines
    assert any(line.startswith(f"{package}: {where}") and what in line for line in lines), lines
    assert not any(": OK (" in line for line in lines)
    return lines


def test_a_good_package_passes(workspace: Workspace, good: Path) -> None:
    code, lines = run_verify(workspace, good)
    assert (code, lines) == (0, [f"{good}: OK (Customer details V2: 3 rows)"])


def test_folder_inside_the_zip(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {f"pkg/{n}": d for n, d in e.items()})
    lines = assert_reported(workspace, bad, "entry 'pkg/Manifest.xml'", "inside a folder")
    assert any("PackageHeader.xml: missing" in line for line in lines)


def test_missing_package_header(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(
        good,
        tmp_path / "bad.zip",
        lambda e: {n: d for n, d in e.items() if n != "PackageHeader.xml"},
    )
    assert_reported(workspace, bad, "PackageHeader.xml", "missing")


def test_data_file_in_utf8(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    data = ("\ufeff" + "\r\n".join([HEADER, *ROWS]) + "\r\n").encode("utf-8")
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: data})
    assert_reported(workspace, bad, DATA, "encoded UTF-8 (with BOM): CSV-Unicode needs UTF-16 LE")


def test_xml_without_bom(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["PackageHeader.xml"][2:].decode("utf-16-le")
        return {**entries, "PackageHeader.xml": text.encode("utf-8")}

    bad = rewrite(good, tmp_path / "bad.zip", change)
    assert_reported(workspace, bad, "PackageHeader.xml", "no UTF-16 LE byte-order mark")


def test_element_out_of_order(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    moved = "<SourceFormat>CSV-Unicode</SourceFormat>"
    bad = rewrite(
        good,
        tmp_path / "bad.zip",
        lambda e: edit_xml("Manifest.xml", "<RunBusinessLogic>", moved + "<RunBusinessLogic>")(
            edit_xml("Manifest.xml", moved, "")(e)
        ),
    )
    assert_reported(
        workspace, bad, "Manifest.xml", "RunBusinessLogic comes after SourceFormat: elements must"
    )


def test_missing_field_map(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        start = text.index("<EntityMap><ArrayIndex>0</ArrayIndex><EntityField>DEFAULTDIMENSION")
        end = text.index("</EntityMap>", start) + len("</EntityMap>")
        return {**entries, "Manifest.xml": utf16(text[:start] + text[end:])}

    bad = rewrite(good, tmp_path / "bad.zip", change)
    assert_reported(
        workspace,
        bad,
        f"{DATA} line 1",
        "DEFAULTDIMENSIONDISPLAYVALUE in the header but no field map in Manifest.xml",
    )


def test_no_field_maps_at_all(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        start = text.index("<EntityMapList>") + len("<EntityMapList>")
        end = text.index("</EntityMapList>")
        return {**entries, "Manifest.xml": utf16(text[:start] + text[end:])}

    bad = rewrite(good, tmp_path / "bad.zip", change)
    assert_reported(workspace, bad, "Manifest.xml Customer details V2", "no field maps")


def test_lf_line_ends(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(ROWS, end="\n")})
    assert_reported(workspace, bad, DATA, "lines do not end in CRLF")


def test_lf_inside_a_value(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    rows = [*ROWS, "C0004,,00\n1"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    assert_reported(workspace, bad, f"{DATA} line 5", "an LF without CR")


def test_duplicate_key_differing_only_by_case(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    rows = [*ROWS, "c0002 ,,001"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    assert_reported(workspace, bad, DATA, "key CUSTOMERACCOUNT 'C0002' appears 2 times")


def test_duplicate_key_differing_only_by_width(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    # F&O's collation is width-insensitive: C0002 in full-width forms is C0002.
    rows = [*ROWS, "\uff23\uff10\uff10\uff10\uff12,,001"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    assert_reported(workspace, bad, DATA, "appears 2 times")


def test_value_holding_the_delimiter_or_a_quote(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv([*ROWS, "C9,,1,2"])})
    assert_reported(workspace, bad, f"{DATA} line 5", "4 fields where the header has 3")
    quoted = rewrite(good, tmp_path / "q.zip", lambda e: {**e, DATA: csv([*ROWS, 'C9,,"1"'])})
    assert_reported(workspace, quoted, f"{DATA} line 5", "a double quote")


def test_every_line_a_package_cannot_carry_is_listed_in_line_order(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    rows = [*ROWS, 'C9,,"1"', "C10,,1,2", "C11,,001", 'C12,,"2"', "C13,,3,4"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    code, lines = run_verify(workspace, bad)
    assert code == 1
    fields = "4 fields where the header has 3 (a value holding the delimiter?)"
    assert lines == [
        f"{bad}: {DATA} line 5: holds a double quote, which a package cannot carry",
        f"{bad}: {DATA} line 6: {fields}",
        f"{bad}: {DATA} line 8: holds a double quote, which a package cannot carry",
        f"{bad}: {DATA} line 9: {fields}",
    ]


def test_account_longer_than_the_limit(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    rows = [*ROWS, "C" * 21 + ",,001"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    assert_reported(workspace, bad, f"{DATA} line 5", "is 21 characters, over 20")
    proc = workspace.loader("verify", "--max-account-length", "21", str(bad))
    assert proc.returncode == 0, proc.stdout


def test_every_row_over_a_limit_or_without_a_key_is_listed(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    long = "C" * 21
    rows = [*ROWS, f"{long}1,,001", ",,001", f"{long}2,C0001,", ",C0001,", f"C0009,{long}3,"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    code, lines = run_verify(workspace, bad)
    assert code == 1
    assert lines == [  # in line order, as the user fixes the file
        f"{bad}: {DATA} line 5: CUSTOMERACCOUNT '{long}1' is 22 characters, over 20",
        f"{bad}: {DATA} line 6: empty key (CUSTOMERACCOUNT)",
        f"{bad}: {DATA} line 7: CUSTOMERACCOUNT '{long}2' is 22 characters, over 20",
        f"{bad}: {DATA} line 8: empty key (CUSTOMERACCOUNT)",
        f"{bad}: {DATA} line 9: INVOICEACCOUNT '{long}3' is 22 characters, over 20",
    ]


def test_problems_past_the_listed_ones_are_counted(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    rows = [*ROWS, *(f"{n:021},,001" for n in range(120))]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    code, lines = run_verify(workspace, bad)
    assert code == 1
    assert len(lines) == 51
    assert lines[0] == f"{bad}: {DATA} line 5: CUSTOMERACCOUNT '{0:021}' is 21 characters, over 20"
    assert lines[-1] == f"{bad}: package: 70 more problems not listed"


def test_length_counts_utf16_code_units(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    # 11 characters outside the Basic Multilingual Plane: 22 code units, as nvarchar stores them.
    rows = [*ROWS, "\U0001d400" * 11 + ",,001"]
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv(rows)})
    assert_reported(workspace, bad, f"{DATA} line 5", "is 22 characters, over 20")


def test_header_only_data_file(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv([])})
    assert_reported(workspace, bad, DATA, "no data rows")


def test_wrong_header_constant(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(
        good,
        tmp_path / "bad.zip",
        edit_xml("PackageHeader.xml", "<PackageVersion>2<", "<PackageVersion>3<"),
    )
    assert_reported(
        workspace, bad, "PackageHeader.xml", "PackageVersion is '3', expected '2' or '1'"
    )


def test_package_version_1_of_older_f_and_o_exports_is_accepted(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    older = rewrite(
        good,
        tmp_path / "older.zip",
        edit_xml("PackageHeader.xml", "<PackageVersion>2<", "<PackageVersion>1<"),
    )
    code, lines = run_verify(workspace, older)
    assert (code, lines) == (
        0,
        [f"{older}: OK (Customer details V2: 3 rows; PackageVersion 1, an older F&O export)"],
    )
    # Everything else is still checked.
    rows = [*ROWS, "c0002,,001"]
    duplicate = rewrite(older, tmp_path / "dup.zip", lambda e: {**e, DATA: csv(rows)})
    assert_reported(workspace, duplicate, DATA, "key CUSTOMERACCOUNT 'C0002' appears 2 times")


def test_data_file_named_by_the_manifest_is_missing(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {n: d for n, d in e.items() if n != DATA})
    assert_reported(
        workspace, bad, DATA, "named by Manifest.xml (InputFilePath) but not in the zip"
    )


def test_parent_directory_entry_name(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, "../evil.csv": b"x"})
    assert_reported(workspace, bad, "entry '../evil.csv'", "unsafe path")
    assert not (tmp_path / "evil.csv").exists()


def test_entity_expansion_in_xml(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bomb = (
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<DataManagementPackageHeader"
    )
    bad = rewrite(
        good,
        tmp_path / "bad.zip",
        edit_xml("PackageHeader.xml", "<DataManagementPackageHeader", bomb),
    )
    assert_reported(
        workspace, bad, "PackageHeader.xml", "holds a DTD (<!DOCTYPE>): refused, not expanded"
    )


def test_zip_bomb_is_not_read(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    # 64 MiB that deflate to about 64 KiB: a ratio no CSV has.
    payload = utf16(HEADER + "\r\n") + b"\x00" * (64 << 20)
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: payload})
    assert_reported(workspace, bad, DATA, "looks like a zip bomb: not read")


def test_absurd_declared_size_is_not_read(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    data = bytearray(good.read_bytes())
    # Patch the manifest's uncompressed size in the central directory to 100 MB.
    start = central_entry(bytes(data), "Manifest.xml")
    data[start + 24 : start + 28] = (100_000_000).to_bytes(4, "little")
    bad.write_bytes(bytes(data))
    assert_reported(workspace, bad, "Manifest.xml", "declares 100,000,000 bytes, over 16,777,216")


def test_entry_that_lies_about_its_size(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    data = bytearray(good.read_bytes())
    start = central_entry(bytes(data), DATA)
    real = int.from_bytes(data[start + 24 : start + 28], "little")
    data[start + 24 : start + 28] = (real // 2).to_bytes(4, "little")  # declares half
    bad.write_bytes(bytes(data))
    lines = assert_reported(workspace, bad, DATA, "cannot be read")
    assert any(line.endswith(": copy the package again, or export it again") for line in lines)


def test_not_a_zip_is_one_line(workspace: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "notes.zip"
    bad.write_bytes(b"just text, " * 100)
    code, lines = run_verify(workspace, bad)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(f"{bad}: file: not a zip file")


def test_several_packages_one_report_each(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    other = good_package(tmp_path / "other", ["D1,,001"])
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv([])})
    code, lines = run_verify(workspace, good, other, bad)
    assert code == 1
    assert lines == [
        f"{good}: OK (Customer details V2: 3 rows)",
        f"{other}: OK (Customer details V2: 1 rows)",
        f"{bad}: {DATA}: no data rows: an empty data file breaks the field mapping in F&O",
    ]


def test_a_file_that_cannot_be_read_is_no_verdict(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """Exit code 3 (could not run), not 1: a script must not take it for a bad package."""
    missing = tmp_path / "nowhere.zip"
    proc = workspace.loader("verify", str(good), str(missing))
    assert proc.returncode == 3
    assert proc.stdout.splitlines() == [f"{good}: OK (Customer details V2: 3 rows)"]
    assert proc.stderr.strip() == (f"error: {missing}: No such file or directory: check the path")
    # A package with problems wins: do not import it, whatever else could not be read.
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, DATA: csv([])})
    assert workspace.loader("verify", str(bad), str(missing)).returncode == 1


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_path_that_is_not_a_regular_file_is_no_verdict(
    workspace: Workspace, good: Path, tmp_path: Path, kind: str
) -> None:
    """/dev/zero never ends and a FIFO blocks the reader: neither is read at all."""
    path = Path("/dev/zero")
    if kind == "fifo":
        path = tmp_path / "pipe.zip"
        os.mkfifo(path)
    workspace.root.mkdir(parents=True, exist_ok=True)
    try:  # a process, so that a verify that hangs fails the test instead
        proc = subprocess.run(
            [str(VENV_BIN / "loader"), "verify", str(good), str(path)],
            env=workspace.env,
            cwd=workspace.root,
            capture_output=True,
            text=True,
            timeout=30,
            preexec_fn=_bounded_memory,  # reading /dev/zero grows without end
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"loader verify {path} did not end")
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.splitlines() == [f"{good}: OK (Customer details V2: 3 rows)"]
    assert proc.stderr == f"error: {path}: not a regular file: name the package zip files\n"


def test_deflate_of_our_writer_is_standard(good: Path) -> None:
    """The writer's sync-flushed deflate streams are plain deflate to any reader."""
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo(DATA)
        raw = good.read_bytes()[info.header_offset :]
        offset = 30 + len(info.filename)
        compressed = raw[offset : offset + info.compress_size]
    text = zlib.decompress(compressed, -15)
    assert zlib.crc32(text) == info.CRC and len(text) == info.file_size


def test_a_folder_stands_for_the_packages_in_it(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """`loader verify packages/` checks what `loader export --out packages/` wrote."""
    bad = rewrite(good, good.parent / "bad.zip", lambda e: {**e, DATA: csv([])})
    (good.parent / "export-summary.json").write_text("{}")
    code, lines = run_verify(workspace, good.parent)
    assert code == 1
    assert sorted({line.split(": ")[0] for line in lines}) == sorted([str(bad), str(good)])
    assert f"{good}: OK (Customer details V2: 3 rows)" in lines
    assert any(line.startswith(f"{bad}: {DATA}: no data rows") for line in lines)


def test_a_folder_of_packages_named_in_capitals_is_checked(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """A copy through another system may name the files PACKAGE.ZIP: the folder stood for
    "no .zip file" (exit 3)."""
    folder = tmp_path / "copied"
    folder.mkdir()
    shutil.copy(good, folder / "PACKAGE.ZIP")
    code, lines = run_verify(workspace, folder)
    assert code == 0
    assert lines == [f"{folder / 'PACKAGE.ZIP'}: OK (Customer details V2: 3 rows)"]


def test_a_folder_without_packages_says_so(workspace: Workspace, tmp_path: Path) -> None:
    """Not "it is a folder: name a file": --help says a folder stands for its zip files."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "customers.csv").write_text("company,customer_number\n")
    proc = workspace.loader("verify", str(folder))
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: {folder}: no .zip file in this folder: name the packages, or the folder "
        "`loader export` wrote them to"
    )
