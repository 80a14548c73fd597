"""`loader export` of both customer entities: one ordered package per legal entity.

Marts built here with DuckDB (as in tests/test_export.py), the real CLI, packages read back
with zipfile and an XML parser: Customer definitions before Customer details V2 in every
package and across split parts, free text carried byte for byte, what cannot be carried
refused, and the summary the importer reads.
"""

import json
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import Workspace
from tests.test_export import (
    DEFINITION_FIELDS,
    DEFINITIONS_FILE,
    ROWS,
    definition_rows,
    details,
    export,
    make_mart,
    mart_rows,
    open_gate,
    packages,
    read_package,
    refused_export,
    summary,
)

# Names and streets as legacy systems hold them: delimiters, quotes, apostrophes, markup,
# line breaks of every kind, tabs, surrounding spaces, accents in both normal forms, and
# scripts other than Latin (one outside the BMP).
FREE_TEXT = [
    "Contoso, Inc.",
    '"Blue" Café',
    "O'Brien & Søn <Ltd> >",
    "Line one\r\nLine two",
    "lone\rCR and lone\nLF",
    "Tab\there",
    "  leading and trailing  ",
    "Müller",
    "Mu\u0308ller",
    "株式会社ﾄﾖﾀ",
    "شركة الأمل",
    "Ελληνική Εταιρεία",
    "\U0001d518nicode \U0001f600",
    "&amp; stays literal, ]]> too",
]


def _definition(legal_entity: str, account: str, name: str, street: str | None) -> tuple[Any, ...]:
    values: dict[str, str | None] = dict.fromkeys(DEFINITION_FIELDS)
    values.update(
        CUSTOMERACCOUNT=account,
        NAME=name,
        CUSTOMERGROUPID="DOM",
        SALESCURRENCYCODE="USD",
        PARTYTYPE="Organization",
        ADDRESSSTREET=street,
        ADDRESSCOUNTRYREGIONID="USA" if street else None,
    )
    return (legal_entity, *values.values())


def _records(path: Path) -> list[dict[str, str]]:
    package = read_package(path)
    assert package.definitions is not None, path
    return package.definitions


def test_free_text_comes_out_of_the_package_byte_for_byte(workspace: Workspace) -> None:
    definitions = [
        _definition("USMF", f"F{i:03d}", text, FREE_TEXT[-1 - i])
        for i, text in enumerate(FREE_TEXT)
    ]
    make_mart(
        workspace,
        [("USMF", f"F{i:03d}", None, "001") for i in range(len(FREE_TEXT))],
        definitions=definitions,
    )
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out)

    (path,) = packages(out)
    records = _records(path)
    assert [r["NAME"] for r in records] == FREE_TEXT
    assert [r["ADDRESSSTREET"] for r in records] == list(reversed(FREE_TEXT))
    for record in records:  # the exact code points, not a normalised or re-cased spelling
        assert record["NAME"].encode("utf-8") == FREE_TEXT[
            int(record["CUSTOMERACCOUNT"][1:])
        ].encode("utf-8")
    # In the file, line breaks and tabs are character references: an XML reader would turn
    # a literal one inside an attribute into a space.
    with zipfile.ZipFile(path) as archive:
        data = archive.read(DEFINITIONS_FILE)
    assert b'NAME="Line one&#xD;&#xA;Line two"' in data
    assert 'NAME="&quot;Blue&quot; Café"'.encode() in data
    # One line for the declaration, <Document>, each record and </Document>: none inside values.
    assert data.count(b"\r\n") == len(FREE_TEXT) + 3
    proc = workspace.loader("verify", str(path))
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    ("value", "named"),
    [("Bell\x07", "U+0007"), ("Form\x0cfeed", "U+000C"), ("Non\ufffechar", "U+FFFE")],
)
def test_free_text_a_package_cannot_carry_is_refused(
    workspace: Workspace, value: str, named: str
) -> None:
    def change() -> None:
        with duckdb.connect(str(workspace.database)) as con:
            con.execute(
                "UPDATE main.customer_definitions SET NAME = ? WHERE CUSTOMERACCOUNT = 'D0002'",
                [value],
            )

    message = refused_export(workspace, change)
    assert message.startswith(
        "error: Customer definitions, legal entity DEMF, CUSTOMERACCOUNT 'D0002'"
    )
    assert f"NAME holds the control character {named}" in message


def test_split_parts_create_every_customer_before_any_update(workspace: Workspace) -> None:
    make_mart(
        workspace,
        sql="SELECT 'USMF', 'C' || lpad(i::VARCHAR, 6, '0'), NULL, md5(i::VARCHAR) FROM range(3000) t(i)",
    )
    with duckdb.connect(str(workspace.database)) as con:
        con.execute(
            "UPDATE main.customer_definitions SET ADDRESSSTREET = md5(CUSTOMERACCOUNT) || ', Suite \"1\"'"
        )
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--max-mb", "0.05")

    files = packages(out)
    assert len(files) > 4
    assert all(p.stat().st_size <= 50_000 for p in files)
    held = [[e["EntityName"] for e in read_package(p).entities] for p in files]
    # Definitions parts, then (at most one part holding both, definitions first) details parts.
    flat = [label for labels in held for label in labels]
    first_details = flat.index("Customer details V2")
    assert set(flat[:first_details]) == {"Customer definitions"}
    assert set(flat[first_details:]) == {"Customer details V2"}
    assert all(
        labels
        in (
            ["Customer definitions"],
            ["Customer details V2"],
            ["Customer definitions", "Customer details V2"],
        )
        for labels in held
    )
    records = [r for p in files if (d := read_package(p).definitions) for r in d]
    assert records == definition_rows(workspace, "USMF")
    rows = [r for p in files if (d := read_package(p).details) for r in d[1]]
    assert rows == mart_rows(workspace, "USMF")

    data = summary(out)
    listed = data["packages"]
    assert [p["file"] for p in listed] == [p.name for p in files]  # import order
    for entry, labels in zip(listed, held, strict=True):
        assert set(entry) == {"file", "legal_entity", "part", "rows", "bytes", "sha256", "entities"}
        assert [e["label"] for e in entry["entities"]] == labels
        assert sum(e["rows"] for e in entry["entities"]) == entry["rows"]
    proc = workspace.loader("verify", *map(str, files))
    assert proc.returncode == 0, proc.stdout


def test_packages_are_listed_in_import_order_legal_entity_by_legal_entity(
    workspace: Workspace,
) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    proc = export(workspace, out, "--max-rows", "3")
    listed = summary(out)["packages"]
    order = [(p["legal_entity"], p["part"]) for p in listed]
    assert order == sorted(order)
    assert [p["file"] for p in listed] == [f.name for f in packages(out)]
    steps = summary(out)["import"]["steps"]
    assert any(step.startswith("One legal entity at a time") for step in steps)
    assert (
        "Customers_DEMF_part001.zip -> legal entity DEMF: Customer definitions 2 rows"
        in proc.stderr
    )


@pytest.mark.parametrize(
    ("entity", "stem", "label"),
    [
        ("customer_definitions", "CustomerDefinitions", "Customer definitions"),
        ("Customer details V2", "CustomerDetailsV2", "Customer details V2"),
    ],
)
def test_entity_exports_one_entity_alone(
    workspace: Workspace, entity: str, stem: str, label: str
) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--entity", entity)
    files = packages(out)
    assert [f.name for f in files] == [f"{stem}_DEMF_part001.zip", f"{stem}_USMF_part001.zip"]
    for path in files:
        assert [e["EntityName"] for e in read_package(path).entities] == [label]
    data = summary(out)
    assert [e["label"] for e in data["entities"]] == [label]
    # Details alone still tell the importer to create the customers first.
    assert (
        data["import"]["order"]
        == ["Customer definitions", label][: 1 + (label != "Customer definitions")]
    )
    first = data["import"]["steps"][0]
    assert first.startswith("Import Customer definitions") == (label == "Customer details V2")


def test_an_unknown_entity_is_one_line(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    proc = export(workspace, workspace.root / "out", "--entity", "vendors", ok=False)
    assert proc.returncode == 2  # a usage error
    assert proc.stderr.strip() == (
        "error: --entity 'vendors': not an entity the loader exports; choose "
        "customer_definitions or customer_details_v2"
    )


def test_the_gate_covers_every_entity_exported(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(
        workspace,
        statuses={
            "test.d365_customer_migration.not_null_customer_definitions_NAME.0a1b2c3d4e": "fail"
        },
    )
    proc = export(workspace, workspace.root / "out", ok=False)
    assert (
        "export refused" in proc.stderr and "not_null_customer_definitions_NAME fail" in proc.stderr
    )
    # Customer details V2 alone does not depend on the definitions' tests.
    export(workspace, workspace.root / "out", "--entity", "customer_details_v2")


def test_a_legal_entity_with_only_one_entity_gets_only_that_data_file(workspace: Workspace) -> None:
    # DEMF customers are created but have nothing to update; GBSI ones only updated.
    rows = [*ROWS, ("GBSI", "G0002", "G0001", "009")]
    make_mart(workspace, rows)
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("DELETE FROM main.customer_details_v2 WHERE DATAAREAID = 'DEMF'")
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out)
    held = {p.name: [e["EntityName"] for e in read_package(p).entities] for p in packages(out)}
    assert held == {
        "Customers_DEMF_part001.zip": ["Customer definitions"],
        "Customers_GBSI_part001.zip": ["Customer details V2"],
        "Customers_USMF_part001.zip": ["Customer definitions", "Customer details V2"],
    }
    assert details(out / "Customers_GBSI_part001.zip")[1] == [["G0002", "G0001", "009"]]


def test_reconciliation_is_shown_per_entity(workspace: Workspace) -> None:
    make_mart(workspace)
    with duckdb.connect(str(workspace.database)) as con:
        con.execute(
            "CREATE OR REPLACE TABLE main.migration_reconciliation AS SELECT * FROM (VALUES "
            "('customer_definitions', 'customers.csv', 'USMF', 8, 5, 3, 0, 0), "
            "('customer_details_v2', 'customers.csv', 'USMF', 8, 4, 2, 2, 0), "
            "('customer_details_v2', 'customer_dimensions.csv', 'USMF', 9, 9, 0, 0, 0), "
            "('customer_definitions', 'customers.csv', NULL, 1, 0, 1, 0, 0), "
            "('customer_details_v2', 'customers.csv', NULL, 1, 0, 1, 0, 0)) "
            "t(entity, source_file, data_area_id, extracted, exported, rejected, skipped, unaccounted)"
        )
    open_gate(workspace)
    out = workspace.root / "out"
    proc = export(workspace, out)
    data = summary(out)
    assert data["reconciliation"]["per_entity"] == [
        {
            "entity": "customer_definitions",
            "extracted": 9,
            "exported": 5,
            "rejected": 4,
            "skipped": 0,
            "unaccounted": 0,
        },
        {
            "entity": "customer_details_v2",
            "extracted": 18,
            "exported": 13,
            "rejected": 3,
            "skipped": 2,
            "unaccounted": 0,
        },
    ]
    usmf = next(le for le in data["legal_entities"] if le["legal_entity"] == "USMF")
    assert {(r["entity"], r["source_file"]) for r in usmf["reconciliation"]} == {
        ("customer_definitions", "customers.csv"),
        ("customer_details_v2", "customers.csv"),
        ("customer_details_v2", "customer_dimensions.csv"),
    }
    for entity in ("customer_definitions", "customer_details_v2"):
        assert f"Reconciliation of {entity} (from the mart build)" in proc.stderr
    assert "Every extracted record is exported, rejected or skipped." in proc.stderr
    assert "unaccounted" not in proc.stderr  # a column of zeros only when one is not zero
    # One entity alone: only its own reconciliation.
    export(workspace, out, "--entity", "customer_details_v2")
    assert [r["entity"] for r in summary(out)["reconciliation"]["per_entity"]] == [
        "customer_details_v2"
    ]


def test_an_unaccounted_record_is_shown_loudly(workspace: Workspace) -> None:
    """0 unless the build lost a record (its dbt test would then have failed): then the
    column is shown, and a line says what to do."""
    make_mart(workspace)
    with duckdb.connect(str(workspace.database)) as con:
        con.execute(
            "CREATE OR REPLACE TABLE main.migration_reconciliation AS SELECT * FROM (VALUES "
            "('customer_definitions', 'customers.csv', 'USMF', 9, 5, 3, 0, 1), "
            "('customer_details_v2', 'customers.csv', 'USMF', 9, 9, 0, 0, 0), "
            "('customer_details_v2', 'customer_dimensions.csv', 'USMF', 9, 9, 0, 0, 0)) "
            "t(entity, source_file, data_area_id, extracted, exported, rejected, skipped, unaccounted)"
        )
    open_gate(workspace)
    proc = export(workspace, workspace.root / "out")
    header = next(line for line in proc.stderr.splitlines() if "extracted" in line)
    assert header.split("\u2503")[-2].strip() == "unaccounted"  # the last column
    assert "1 record is unaccounted for: lost between the land and the marts" in proc.stderr


def test_an_empty_reconciliation_is_not_an_all_clear(workspace: Workspace) -> None:
    make_mart(workspace)
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("DELETE FROM main.migration_reconciliation")
    open_gate(workspace)
    proc = export(workspace, workspace.root / "out")
    assert "migration_reconciliation has no rows for the exported entities" in proc.stderr
    assert "Every extracted record" not in proc.stderr


def test_the_json_summary_keeps_the_import_contract(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    proc = workspace.loader("--json", "export", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == summary(out)
    assert data["packages"][0]["entities"] == [
        {"label": "Customer definitions", "rows": 2},
        {"label": "Customer details V2", "rows": 2},
    ]


def test_from_parquet_gives_the_same_packages_for_both_marts(workspace: Workspace) -> None:
    """The marts as a Spark build leaves them (Parquet in DIR/main/TABLE/, the land in
    DIR/raw/_loads/) export to the same bytes as from the database."""
    make_mart(workspace, [r for r in ROWS if r[1] != "c0001"])
    open_gate(workspace)
    parquet_dir = workspace.root / "parquet"
    with duckdb.connect(str(workspace.database)) as con:
        for schema, table in (
            ("main", "customer_definitions"),
            ("main", "customer_details_v2"),
            ("main", "migration_reconciliation"),
            ("raw", "_loads"),
        ):
            folder = parquet_dir / schema / table
            folder.mkdir(parents=True)
            con.execute(f"COPY {schema}.{table} TO '{folder / 'part-0.parquet'}' (FORMAT parquet)")
    from_db, from_parquet = workspace.root / "db", workspace.root / "pq"
    export(workspace, from_db)
    export(workspace, from_parquet, "--from-parquet", str(parquet_dir))
    names = [p.name for p in packages(from_db)]
    assert (
        names
        == [p.name for p in packages(from_parquet)]
        == [
            "Customers_DEMF_part001.zip",
            "Customers_USMF_part001.zip",
        ]
    )
    for name in names:
        assert (from_db / name).read_bytes() == (from_parquet / name).read_bytes()
    # Without the definitions' Parquet files: one line that says where they should be.
    (parquet_dir / "main" / "customer_definitions" / "part-0.parquet").unlink()
    proc = export(workspace, workspace.root / "none", "--from-parquet", str(parquet_dir), ok=False)
    assert proc.stderr.strip().startswith(
        "error: no Parquet files of the mart main.customer_definitions in "
    )
