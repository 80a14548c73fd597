"""`loader verify` on packages holding both customer entities.

A good package is written with the package writer (Customer definitions as XML-Attribute,
Customer details V2 as CSV-Unicode); each defect is made by rewriting one entry with zipfile.
Single-entity packages of the previous layout are covered by tests/test_verify.py.
"""

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from loader.package.entities import CUSTOMER_DEFINITIONS, CUSTOMER_DETAILS_V2
from loader.package.lines import Lines
from loader.package.writer import Content, PackageWriter, SplitLimits
from loader.package.xml_attribute import XML_ATTRIBUTE
from tests.conftest import Workspace
from tests.test_verify import edit_xml, rewrite, run_verify

XML = "CUSTCUSTOMERBASEENTITY.xml"
DEFINITIONS = Content(CUSTOMER_DEFINITIONS, CUSTOMER_DEFINITIONS.field_names)
DETAILS = Content(CUSTOMER_DETAILS_V2, CUSTOMER_DETAILS_V2.field_names)


def record(account: str, name: str) -> str:
    values: dict[str, str | None] = dict.fromkeys(CUSTOMER_DEFINITIONS.field_names)
    values.update(
        CUSTOMERACCOUNT=account, NAME=name, CUSTOMERGROUPID="DOM", SALESCURRENCYCODE="USD"
    )
    return XML_ATTRIBUTE.line(CUSTOMER_DEFINITIONS, values)


def combined(folder: Path, names: tuple[str, ...] = ("Contoso, Inc.", '"Blue" Café')) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    writer = PackageWriter(folder, "Customers", "USMF", [DEFINITIONS, DETAILS], SplitLimits())
    writer.start(DEFINITIONS)
    writer.write(Lines(pa.array([record(f"C{i:04d}", n) for i, n in enumerate(names, 1)])))
    writer.start(DETAILS)
    writer.write(Lines(pa.array(["C0001,,001\r\n", "C0002,C0001,\r\n"])))
    (written,) = writer.close()
    return folder / written.name


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return combined(tmp_path / "good")


def edit_data(old: str, new: str) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries[XML].decode("utf-8")
        assert old in text, old
        return {**entries, XML: text.replace(old, new, 1).encode("utf-8")}

    return change


def assert_reported(ws: Workspace, package: Path, where: str, what: str) -> None:
    code, lines = run_verify(ws, package)
    assert code == 1, lines
    assert any(line.startswith(f"{package}: {where}") and what in line for line in lines), lines


def test_a_package_with_both_entities_passes(workspace: Workspace, good: Path) -> None:
    code, lines = run_verify(workspace, good)
    assert (code, lines) == (
        0,
        [f"{good}: OK (Customer definitions: 2 rows, Customer details V2: 2 rows)"],
    )


def test_details_at_the_level_of_definitions(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    # The second LevelInExecutionUnit is Customer details V2's: put it at 1, beside definitions.
    def swap(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        at = text.index("<LevelInExecutionUnit>2</LevelInExecutionUnit>")
        fixed = text[:at] + text[at:].replace(">2<", ">1<", 1)
        return {**entries, "Manifest.xml": b"\xff\xfe" + fixed.encode("utf-16-le")}

    bad = rewrite(good, tmp_path / "bad.zip", swap)
    assert_reported(
        workspace,
        bad,
        "Manifest.xml",
        "Customer details V2 is at LevelInExecutionUnit 1 and Customer definitions at 1: "
        "Customer details V2 must be at a higher level",
    )


def test_a_level_that_is_not_a_number_is_named(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """Not "LevelInExecutionUnit None": the value F&O could not read, once."""

    def garble(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        fixed = text.replace("<LevelInExecutionUnit>2<", "<LevelInExecutionUnit>x<", 1)
        return {**entries, "Manifest.xml": b"\xff\xfe" + fixed.encode("utf-16-le")}

    bad = rewrite(good, tmp_path / "bad.zip", garble)
    code, lines = run_verify(workspace, bad)
    assert code == 1
    assert [line for line in lines if "LevelInExecutionUnit" in line] == [
        f"{bad}: Manifest.xml Customer details V2: LevelInExecutionUnit is 'x', not a whole number"
    ]


def test_details_in_another_execution_unit(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    def move(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        head, tail = text.rsplit("<ExecutionUnit>1</ExecutionUnit>", 1)
        fixed = head + "<ExecutionUnit>2</ExecutionUnit>" + tail
        return {**entries, "Manifest.xml": b"\xff\xfe" + fixed.encode("utf-16-le")}

    bad = rewrite(good, tmp_path / "bad.zip", move)
    assert_reported(workspace, bad, "Manifest.xml", "units run in parallel")


def test_each_data_file_is_checked_against_its_own_field_maps(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    # Drop INVOICEACCOUNT's map: the CSV header no longer matches; the XML file is still fine.
    def drop(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        start = text.index("<EntityMap><ArrayIndex>0</ArrayIndex><EntityField>INVOICEACCOUNT")
        end = text.index("</EntityMap>", start) + len("</EntityMap>")
        fixed = text[:start] + text[end:]
        return {**entries, "Manifest.xml": b"\xff\xfe" + fixed.encode("utf-16-le")}

    bad = rewrite(good, tmp_path / "bad.zip", drop)
    code, lines = run_verify(workspace, bad)
    assert code == 1
    assert lines == [
        f"{bad}: Customer details V2.csv line 1: INVOICEACCOUNT in the header but no field map "
        "in Manifest.xml"
    ]


def manifest_edit(old: str, new: str) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        assert old in text, old
        return {
            **entries,
            "Manifest.xml": b"\xff\xfe" + text.replace(old, new, 1).encode("utf-16-le"),
        }

    return change


def test_an_entity_named_by_its_aot_name_is_a_problem(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """Passed as OK, an unknown entity whose keys and order went unchecked."""
    aot = "<EntityName>CustCustomerDetailV2Entity<"
    bad = rewrite(
        good, tmp_path / "bad.zip", manifest_edit("<EntityName>Customer details V2<", aot)
    )
    assert_reported(
        workspace,
        bad,
        "Manifest.xml CustCustomerDetailV2Entity",
        "EntityName is 'CustCustomerDetailV2Entity', not 'Customer details V2', the name Data "
        "management shows for CustCustomerDetailV2Entity: F&O answers that the entity does not exist",
    )


def test_a_disabled_entity_is_a_problem(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", manifest_edit("<Disable>false<", "<Disable>true<"))
    assert_reported(
        workspace, bad, "Manifest.xml Customer definitions", "Disable is 'true': F&O skips"
    )


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('NAME="Contoso, Inc."', 'NAME=" "', "NAME"),
        (' CUSTOMERGROUPID="DOM"', "", "CUSTOMERGROUPID"),
        (' SALESCURRENCYCODE="USD"', "", "SALESCURRENCYCODE"),
    ],
)
def test_a_record_without_a_required_field_is_a_problem(
    workspace: Workspace, good: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", edit_data(old, new))
    assert_reported(workspace, bad, f"{XML} record 1", f"{field} is empty: F&O requires it")


def test_a_package_of_chosen_fields_needs_no_required_field(
    workspace: Workspace, tmp_path: Path
) -> None:
    """`--fields PRIMARYCONTACTEMAIL` leaves NAME and the rest untouched in F&O: its package
    holds no NAME, and is no problem for that."""
    chosen = ("CUSTOMERACCOUNT", "PRIMARYCONTACTEMAIL")
    folder = tmp_path / "chosen"
    folder.mkdir()
    writer = PackageWriter(
        folder, "Customers", "USMF", [Content(CUSTOMER_DEFINITIONS, chosen)], SplitLimits()
    )
    writer.start(Content(CUSTOMER_DEFINITIONS, chosen))
    line = XML_ATTRIBUTE.line(
        CUSTOMER_DEFINITIONS, {"CUSTOMERACCOUNT": "C0001", "PRIMARYCONTACTEMAIL": "a@b.com"}
    )
    writer.write(Lines(pa.array([line])))
    (written,) = writer.close()
    code, lines = run_verify(workspace, folder / written.name)
    assert (code, lines) == (0, [f"{folder / written.name}: OK (Customer definitions: 1 rows)"])


def test_xml_duplicate_key_differing_only_by_case(workspace: Workspace, tmp_path: Path) -> None:
    package = combined(tmp_path / "dup")
    bad = rewrite(package, tmp_path / "bad.zip", edit_data('"C0002"', '"c0001"'))
    assert_reported(workspace, bad, XML, "appears 2 times")


def test_xml_name_over_the_seed_length(workspace: Workspace, tmp_path: Path) -> None:
    from loader import registry

    limit = registry.entities()[0].description.field("NAME").max_length
    assert limit == 100  # seeds/field_lengths.csv
    package = combined(tmp_path / "long", ("Contoso", "x" * 101))
    code, lines = run_verify(workspace, package)
    assert code == 1
    assert any(
        line.startswith(f"{package}: {XML} record 2: NAME ")
        and "is 101 characters, over 100" in line
        for line in lines
    ), lines


def test_xml_attribute_without_a_field_map(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", edit_data(' NAME="', ' EXTRA="1" NAME="'))
    assert_reported(workspace, bad, f"{XML} record 1", "attribute EXTRA has no field map")


def test_xml_control_character(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", edit_data("Contoso", "Con&#x7;toso"))
    assert_reported(workspace, bad, XML, "not well-formed XML")


def test_xml_with_no_records(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    def empty(entries: dict[str, bytes]) -> dict[str, bytes]:
        return {**entries, XML: b"<?xml version='1.0'?><Document></Document>"}

    bad = rewrite(good, tmp_path / "bad.zip", empty)
    assert_reported(workspace, bad, XML, "no records")


def test_xml_record_of_another_entity(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", edit_data("<CUSTCUSTOMERBASEENTITY ", "<VENDOR "))
    assert_reported(workspace, bad, f"{XML} record 1", "expected CUSTCUSTOMERBASEENTITY")


def test_xml_dtd_is_refused(workspace: Workspace, good: Path, tmp_path: Path) -> None:
    bad = rewrite(
        good,
        tmp_path / "bad.zip",
        edit_data("<Document>", '<!DOCTYPE d [<!ENTITY e "x">]><Document>'),
    )
    assert_reported(workspace, bad, XML, "refused, not expanded or followed")


def test_wrong_source_format_for_a_known_entity(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    bad = rewrite(
        good, tmp_path / "bad.zip", edit_xml("Manifest.xml", "XML-Attribute", "CSV-Unicode")
    )
    assert_reported(
        workspace, bad, "Manifest.xml Customer definitions", "SourceFormat is 'CSV-Unicode'"
    )
