"""`loader export` end to end: marts built here with DuckDB, the real CLI, packages read back.

Each test builds `main.customer_details_v2` and `main.customer_definitions` (and
`raw._loads`, and when needed `main.migration_reconciliation`) in its own workspace database,
writes dbt artefacts shaped exactly like dbt 1.11's so the gate opens (or passes --force),
runs `loader export`, and reads every package back with zipfile and an XML parser.
"""

import json
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET  # only for the Element type
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from defusedxml.ElementTree import fromstring

from loader.collation import normalized_keys
from loader.package.entities import CUSTOMER_DEFINITIONS
from loader.package.staging import StagedFolder
from tests.conftest import VENV_BIN, Workspace

NS = "{http://schemas.microsoft.com/dynamics/2015/01/DataManagement}"
FIELDS = ["CUSTOMERACCOUNT", "INVOICEACCOUNT", "DEFAULTDIMENSIONDISPLAYVALUE"]
DATA_FILE = "Customer details V2.csv"
DEFINITIONS_FILE = "CUSTCUSTOMERBASEENTITY.xml"
DEFINITION_FIELDS = list(CUSTOMER_DEFINITIONS.field_names)
MODEL_ID = "model.d365_customer_migration.customer_details_v2"
DEFINITIONS_MODEL_ID = "model.d365_customer_migration.customer_definitions"
TEST_IDS = [
    "test.d365_customer_migration.not_null_customer_details_v2_CUSTOMERACCOUNT.13ce8db7f4",
    "test.d365_customer_migration.no_invoice_account_chains_customer_details_v2__CUSTOMERACCOUNT___INVOICEACCOUNT___DATAAREAID_.836c8f68fa",
]
MODELS = (MODEL_ID, DEFINITIONS_MODEL_ID)
DEFINITIONS_TEST_ID = "test.d365_customer_migration.not_null_customer_definitions_NAME.0a1b2c3d4e"

# A small mart with what matters: case-only ordering ties, NULLs, a row with nothing to update,
# several legal entities, one legal entity whose rows all have nothing to update.
ROWS = [
    ("USMF", "C0002", "C0001", "001-0101-022"),
    ("USMF", "c0001", None, "002-0102-023"),
    ("USMF", "C0001", None, "003"),
    ("USMF", "B0009", "C0002", None),
    ("USMF", "Müller", None, "001--Sales"),
    ("USMF", "A0001", None, None),  # nothing to update
    ("DEMF", "D0001", None, "004-0104"),
    ("DEMF", "D0002", "D0001", None),
    ("GBSI", "G0001", None, None),  # the only row of GBSI: no package for GBSI
]


# -- building a mart and dbt artefacts ------------------------------------------------------


def make_mart(
    ws: Workspace,
    rows: list[tuple[str | None, ...]] | None = None,
    *,
    sql: str | None = None,
    definitions: list[tuple[str | None, ...]] | None = None,
    reconciliation: bool = True,
    land_finished: datetime | None = None,
) -> None:
    """Create the tables `loader export` reads, as dbt and `loader land` would leave them.

    Customer definitions: DEFINITIONS (DATAAREAID and DEFINITION_FIELDS), or by default one
    row per details row outside GBSI (whose customers already exist in F&O), `c0001` being
    `C0001` for F&O.
    """
    land_finished = land_finished or datetime(2026, 1, 1, 12, 0, 0)
    ws.root.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(ws.database)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute(
            "CREATE OR REPLACE TABLE raw._loads (load_id VARCHAR, file_name VARCHAR, "
            "sha256 VARCHAR, rows BIGINT, encoding VARCHAR, delimiter VARCHAR, "
            "started_at TIMESTAMP, finished_at TIMESTAMP)"
        )
        con.execute(
            "INSERT INTO raw._loads VALUES "
            "('old-load', 'customers.csv', 'aa', 1, 'utf-8', ',', ?, ?), "
            "('load-2', 'customers.csv', 'bb', 9, 'utf-8', ',', ?, ?), "
            "('load-2', 'customer_dimensions.csv', 'cc', 9, 'utf-8', ',', ?, ?)",
            [land_finished - timedelta(days=1)] * 2 + [land_finished] * 4,
        )
        con.execute(
            "CREATE OR REPLACE TABLE main.customer_details_v2 (DATAAREAID VARCHAR, "
            "CUSTOMERACCOUNT VARCHAR, INVOICEACCOUNT VARCHAR, DEFAULTDIMENSIONDISPLAYVALUE VARCHAR)"
        )
        if sql:
            con.execute(f"INSERT INTO main.customer_details_v2 {sql}")
        else:
            con.executemany(
                "INSERT INTO main.customer_details_v2 VALUES (?, ?, ?, ?)", rows or ROWS
            )
        columns = ", ".join(f"{c} VARCHAR" for c in ["DATAAREAID", *DEFINITION_FIELDS])
        con.execute(f"CREATE OR REPLACE TABLE main.customer_definitions ({columns})")
        if definitions is not None:
            marks = ", ".join("?" * (len(DEFINITION_FIELDS) + 1))
            if definitions:
                con.executemany(
                    f"INSERT INTO main.customer_definitions VALUES ({marks})", definitions
                )
        else:
            nulls = ", ".join(["NULL"] * 13)
            con.execute(
                "INSERT INTO main.customer_definitions SELECT DATAAREAID, CUSTOMERACCOUNT, "
                "'Customer ' || CUSTOMERACCOUNT || ', Inc.', 'DOM', 'USD', 'Organization', "
                f"{nulls}, 'en-us' FROM main.customer_details_v2 "
                "WHERE DATAAREAID <> 'GBSI' AND CUSTOMERACCOUNT <> 'c0001'"
            )
        _keyed_customers(con)
        con.execute("DROP TABLE IF EXISTS main.migration_reconciliation")
        if reconciliation:
            con.execute(
                "CREATE TABLE main.migration_reconciliation AS SELECT * FROM (VALUES "
                "('customers.csv', 'USMF', 8, 6, 2, 0), ('customers.csv', 'DEMF', 2, 2, 0, 0), "
                "('customers.csv', 'GBSI', 1, 1, 0, 0), ('customers.csv', NULL, 1, 0, 1, 0)) "
                "t(source_file, data_area_id, extracted, exported, rejected, skipped)"
            )


def _keyed_customers(con: duckdb.DuckDBPyConnection) -> None:
    """main.int_customers as far as the export's cycle reads it: the stored key of each
    exported account (the models' fold, which loader.collation equals)."""
    accounts = con.sql(
        "SELECT DATAAREAID AS data_area_id, CUSTOMERACCOUNT AS customer_number "
        "FROM main.customer_details_v2 UNION "
        "SELECT DATAAREAID, CUSTOMERACCOUNT FROM main.customer_definitions"
    ).to_arrow_table()
    # In Arrow, not row by row: a mart of a few hundred thousand rows takes seconds.
    keyed = accounts.append_column(
        "customer_key", normalized_keys(accounts["customer_number"].combine_chunks())
    )
    con.register("keyed", keyed)
    con.execute(
        "CREATE OR REPLACE TABLE main.int_customers AS "
        "SELECT *, false AS is_account_rejected FROM keyed"
    )
    con.unregister("keyed")


def _timing(started: datetime) -> list[dict[str, str]]:
    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    return [
        {"name": "compile", "started_at": iso(started), "completed_at": iso(started)},
        {
            "name": "execute",
            "started_at": iso(started),
            "completed_at": iso(started + timedelta(seconds=1)),
        },
    ]


def dbt_artifacts(
    statuses: dict[str, str] | None = None, started: datetime | None = None
) -> tuple[dict[str, object], dict[str, object]]:
    """run_results.json and manifest.json as dbt 1.11 writes them (only the keys that matter
    here, with dbt's own shapes): the mart model, one error-severity and one warn test."""
    started = started or datetime(2026, 1, 2, 8, 0, 0, tzinfo=UTC)
    statuses = {
        MODEL_ID: "success",
        TEST_IDS[0]: "pass",
        TEST_IDS[1]: "warn",
        DEFINITIONS_MODEL_ID: "success",
        DEFINITIONS_TEST_ID: "pass",
        **(statuses or {}),
    }
    results = [
        {
            "status": status,
            "timing": _timing(started),
            "thread_id": "Thread-1 (worker)",
            "execution_time": 0.1,
            "adapter_response": {},
            "message": None if status in ("pass", "success") else f"Got 5 results, {status}",
            "failures": 5 if status in ("fail", "warn") else (None if uid in MODELS else 0),
            "unique_id": uid,
            "compiled": True,
            "compiled_code": "select 1",
            "relation_name": None,
            "batch_results": None,
        }
        for uid, status in statuses.items()
        if status != "absent"
    ]
    run_results = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
            "dbt_version": "1.11.16",
            "generated_at": started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "invocation_id": "3b0f6c1e-0000-4000-8000-000000000000",
            "invocation_started_at": started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "env": {},
        },
        "results": results,
        "elapsed_time": 2.5,
        "args": {"which": "build"},
    }
    nodes: dict[str, object] = {
        model: {
            "resource_type": "model",
            "name": model.split(".")[-1],
            "unique_id": model,
            "depends_on": {"macros": [], "nodes": []},
        }
        for model in MODELS
    }
    for uid, model in [
        *((t, MODEL_ID) for t in TEST_IDS),
        (DEFINITIONS_TEST_ID, DEFINITIONS_MODEL_ID),
    ]:
        nodes[uid] = {
            "resource_type": "test",
            "name": uid.split(".")[2],
            "unique_id": uid,
            "attached_node": model,
            "depends_on": {"macros": [], "nodes": [model]},
        }
    manifest = {"metadata": {"dbt_version": "1.11.16"}, "nodes": nodes, "unit_tests": {}}
    return run_results, manifest


def open_gate(ws: Workspace, **kwargs: object) -> None:
    """dbt's artefacts, and the results dbt keeps in the database (macros/build_results.sql)."""
    run_results, manifest = dbt_artifacts(**kwargs)  # type: ignore[arg-type]
    ws.target_dir.mkdir(parents=True, exist_ok=True)
    (ws.target_dir / "run_results.json").write_text(json.dumps(run_results))
    (ws.target_dir / "manifest.json").write_text(json.dumps(manifest))
    record_results(ws.database, run_results)


def record_results(database: Path, run_results: dict[str, object]) -> None:
    """What the project's on-run-end hook keeps of RUN_RESULTS, as it keeps it."""
    rows = [
        (
            r["unique_id"],
            r["status"],
            r["failures"],
            datetime.fromisoformat(r["timing"][-1]["started_at"].replace("Z", "+00:00"))
            .astimezone(UTC)
            .replace(tzinfo=None),
        )
        for r in run_results["results"]  # type: ignore[attr-defined]
    ]
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists dbt_results")
        con.execute(
            "create or replace table dbt_results.latest (unique_id varchar primary key, "
            "status varchar not null, failures bigint, started_at timestamp, "
            "invocation_id varchar not null)"
        )
        con.executemany(
            "insert into dbt_results.latest values (?, ?, ?, ?, 'written-by-the-test')", rows
        )


def export(
    ws: Workspace, out: Path, *args: str, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = ws.loader("export", "--out", str(out), *args)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


# -- reading packages back ------------------------------------------------------------------


def assert_sorted_children(element: ET.Element, path: str = "") -> None:
    names = [child.tag for child in element]
    assert names == sorted(names), f"{path}/{element.tag}: {names}"
    for child in element:
        assert child.tag.startswith(NS), child.tag
        assert_sorted_children(child, f"{path}/{element.tag}")


@dataclass
class Package:
    """What a package holds, read back with the standard library."""

    entities: list[dict[str, str | None]]  # per manifest entry: the elements that matter
    details: tuple[list[str], list[list[str]]] | None  # header and rows of the CSV file
    definitions: list[dict[str, str]] | None  # one dict of attributes per record


def read_package(path: Path) -> Package:
    """Check a package's structure; returns what each data file holds."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert all("/" not in n and "\\" not in n for n in names)
        files = {n: archive.read(n) for n in names}
        infos = archive.infolist()
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    for name in ("Manifest.xml", "PackageHeader.xml"):
        assert files[name][:2] == b"\xff\xfe", name
        assert not files[name][2:].decode("utf-16-le").startswith("<?xml"), name

    header = fromstring(files["PackageHeader.xml"])
    assert header.tag == NS + "DataManagementPackageHeader"
    assert_sorted_children(header)
    assert {c.tag[len(NS) :]: c.text for c in header if c.tag != NS + "Description"} == {
        "ManifestType": "Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest",
        "PackageType": "DefinitionGroup",
        "PackageVersion": "2",
    }
    assert (
        b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'
        in files["PackageHeader.xml"].decode("utf-16").encode()
    )

    manifest = fromstring(files["Manifest.xml"])
    assert manifest.tag == NS + "DataManagementPackageManifest"
    assert_sorted_children(manifest)
    assert [c.tag[len(NS) :] for c in manifest] == [
        "DefinitionGroupName",
        "Description",
        "PackageEntityList",
        "ProjectCategory",
        "RulesData",
    ]
    entities = []
    details = definitions = None
    for entity in manifest.find(NS + "PackageEntityList"):  # type: ignore[union-attr]
        assert entity.tag == NS + "DataManagementPackageEntityData"
        entities.append(
            {
                tag: entity.findtext(NS + tag)
                for tag in (
                    "EntityName",
                    "TargetEntity",
                    "InputFilePath",
                    "SourceFormat",
                    "ExecutionUnit",
                    "LevelInExecutionUnit",
                )
            }
        )
        map_list = entity.find(NS + "EntityMapList")
        maps = [m.findtext(NS + "XMLField") for m in map_list]  # type: ignore[union-attr]
        assert maps == [m.findtext(NS + "EntityField") for m in map_list]  # type: ignore[union-attr]
        data = files[entity.findtext(NS + "InputFilePath")]  # type: ignore[index]
        if entity.findtext(NS + "EntityName") == "Customer details V2":
            assert entities[-1]["TargetEntity"] == "CustCustomerDetailV2Entity"
            assert entities[-1]["InputFilePath"] == DATA_FILE
            assert entities[-1]["SourceFormat"] == "CSV-Unicode"
            assert entities[-1]["LevelInExecutionUnit"] == "2"
            details = _csv_rows(data, maps)  # type: ignore[arg-type]
        else:
            assert entity.findtext(NS + "EntityName") == "Customer definitions"
            assert entities[-1]["TargetEntity"] == "CustCustomerBaseEntity"
            assert entities[-1]["InputFilePath"] == DEFINITIONS_FILE
            assert entities[-1]["SourceFormat"] == "XML-Attribute"
            assert entities[-1]["LevelInExecutionUnit"] == "1"
            definitions = _xml_records(data, maps)  # type: ignore[arg-type]
    assert sorted(names) == sorted(
        ["Manifest.xml", "PackageHeader.xml", *(e["InputFilePath"] for e in entities)]
    )
    return Package(entities, details, definitions)


def _csv_rows(data: bytes, maps: list[str]) -> tuple[list[str], list[list[str]]]:
    assert data[:2] == b"\xff\xfe"
    text = data[2:].decode("utf-16-le")
    assert text.endswith("\r\n")
    assert text.count("\n") == text.count("\r") == text.count("\r\n")
    lines = text.removesuffix("\r\n").split("\r\n")
    assert lines[0].split(",") == maps
    assert lines[0] == lines[0].upper()
    rows = [line.split(",") for line in lines[1:]]
    assert rows, "never an empty data file"
    return maps, rows


def _xml_records(data: bytes, maps: list[str]) -> list[dict[str, str]]:
    assert data.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>')
    document = fromstring(data)
    assert document.tag == "Document"
    records = [dict(r.attrib) for r in document]
    assert all(r.tag == "CUSTCUSTOMERBASEENTITY" for r in document)
    assert all(list(r) == maps for r in records)  # every field, in the field maps' order
    assert records, "never an empty data file"
    return records


def details(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a package's Customer details V2 file."""
    package = read_package(path)
    assert package.details is not None, path
    return package.details


def mart_rows(ws: Workspace, legal_entity: str, fields: list[str] = FIELDS) -> list[list[str]]:
    """What the package of LEGAL_ENTITY must hold: rows with something to update, in order."""
    cols = ", ".join(f"coalesce(\"{f}\", '')" for f in fields)
    something = " OR ".join(f'"{f}" IS NOT NULL' for f in fields if f != "CUSTOMERACCOUNT")
    rows = ws.query(
        f"SELECT {cols} FROM main.customer_details_v2 WHERE DATAAREAID = ? AND ({something})",
        [legal_entity],
    )
    # The order the issue asks for, computed here independently of the export's SQL.
    return sorted(([str(v) for v in r] for r in rows), key=lambda r: (r[0].lower(), r[0]))


def definition_rows(ws: Workspace, legal_entity: str) -> list[dict[str, str]]:
    """What the Customer definitions file of LEGAL_ENTITY must hold, in order."""
    cols = ", ".join(f"coalesce(\"{f}\", '')" for f in DEFINITION_FIELDS)
    rows = ws.query(
        f"SELECT {cols} FROM main.customer_definitions WHERE DATAAREAID = ?", [legal_entity]
    )
    records = [dict(zip(DEFINITION_FIELDS, map(str, r), strict=True)) for r in rows]
    return sorted(records, key=lambda r: (r["CUSTOMERACCOUNT"].lower(), r["CUSTOMERACCOUNT"]))


def packages(out: Path) -> list[Path]:
    return sorted(out.glob("*.zip"))


def summary(out: Path) -> dict[str, object]:
    return json.loads((out / "export-summary.json").read_text(encoding="utf-8"))


# -- tests ----------------------------------------------------------------------------------


def test_every_package_is_well_formed_and_holds_its_legal_entity(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    proc = export(workspace, out)

    files = packages(out)
    assert [f.name for f in files] == ["Customers_DEMF_part001.zip", "Customers_USMF_part001.zip"]
    for path in files:
        legal_entity = path.name.split("_")[1]
        package = read_package(path)
        # Both entities, definitions first, at a lower level of the same execution unit.
        assert [
            (e["EntityName"], e["ExecutionUnit"], e["LevelInExecutionUnit"])
            for e in package.entities
        ] == [
            ("Customer definitions", "1", "1"),
            ("Customer details V2", "1", "2"),
        ]
        header, rows = details(path)
        assert header == FIELDS
        assert rows == mart_rows(workspace, legal_entity)
        assert package.definitions == definition_rows(workspace, legal_entity)
    # Case-insensitive order, exact value as the tie-break; NULL is an empty cell.
    _, usmf = details(out / "Customers_USMF_part001.zip")
    assert [r[0] for r in usmf] == ["B0009", "C0001", "c0001", "C0002", "Müller"]
    assert usmf[0] == ["B0009", "C0002", ""]

    data = summary(out)
    assert data["gate"] == {"forced": False, "problems": []}
    by_le = {le["legal_entity"]: le for le in data["legal_entities"]}  # type: ignore[union-attr]
    assert by_le["GBSI"]["packages"] == [] and by_le["GBSI"]["note"].startswith("no package")
    assert by_le["USMF"]["left_out_by_fields"] == 1
    assert by_le["USMF"]["rows_in_packages"] == 10
    assert by_le["USMF"]["entities"] == [
        {
            "label": "Customer definitions",
            "rows_in_packages": 5,
            "left_out_by_fields": 0,
            "left_out_unchanged": 0,  # no --changed-since
        },
        {
            "label": "Customer details V2",
            "rows_in_packages": 5,
            "left_out_by_fields": 1,
            "left_out_unchanged": 0,
        },
    ]
    assert by_le["USMF"]["reconciliation"] == [
        {
            "data_area_id": "USMF",
            "source_file": "customers.csv",
            "extracted": 8,
            "exported": 6,
            "rejected": 2,
            "skipped": 0,
        }
    ]
    assert {load["load_id"] for load in data["loads"]} == {"load-2"}  # type: ignore[union-attr]
    for entry in data["packages"]:  # type: ignore[union-attr]
        path = out / entry["file"]
        assert entry["bytes"] == path.stat().st_size
        import hashlib

        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    steps = data["import"]  # type: ignore[index]
    assert steps["order"] == ["Customer definitions", "Customer details V2"]
    assert steps["source_data_formats"] == ["XML-Attribute", "CSV-Unicode"]
    assert steps["entity_execution_parameters"] == [
        {
            "entity": label,
            "import_threshold_record_count": 1000,
            "import_task_count": 8,
        }
        for label in ("Customer definitions", "Customer details V2")
    ]
    assert {"file": "Customers_USMF_part001.zip", "legal_entity": "USMF"} in steps[
        "one_legal_entity_per_import"
    ]
    assert steps["expected_counts"] == [
        {"legal_entity": "DEMF", "entity": "Customer definitions", "rows": 2},
        {"legal_entity": "DEMF", "entity": "Customer details V2", "rows": 2},
        {"legal_entity": "USMF", "entity": "Customer definitions", "rows": 5},
        {"legal_entity": "USMF", "entity": "Customer details V2", "rows": 5},
    ]
    assert any("number sequence" in note for note in steps["notes"])
    assert "GBSI" in proc.stderr and "no package" in proc.stderr
    assert "Import threshold record count 1000" in proc.stderr


def test_same_mart_gives_identical_bytes(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    first, second = workspace.root / "a", workspace.root / "b"
    export(workspace, first)
    # Insert order must not matter either: rebuild the mart with the rows reversed.
    make_mart(workspace, list(reversed(ROWS)))
    export(workspace, second)
    assert [p.name for p in packages(first)] == [p.name for p in packages(second)]
    for a in packages(first):
        assert a.read_bytes() == (second / a.name).read_bytes()


def test_a_key_exported_twice_keeps_one_order(workspace: Workspace) -> None:
    """A key the mart holds more than once (which only --force exports past the gate) still
    comes out in one order, whatever order the mart's rows were written in."""
    rows = [("USMF", "C0001", None, f"00{n}") for n in range(1, 6)]
    rows.append(("USMF", "C0002", "C0001", None))
    make_mart(workspace, rows)
    open_gate(workspace)
    first, second = workspace.root / "a", workspace.root / "b"
    export(workspace, first)
    make_mart(workspace, list(reversed(rows)))
    export(workspace, second)
    (package,) = packages(first)
    assert package.read_bytes() == (second / package.name).read_bytes()


def test_a_mart_of_many_row_groups_comes_out_in_key_order(workspace: Workspace) -> None:
    """Sorted and streamed by several DuckDB threads (300,000 rows, written in a scrambled
    order, are three row groups), every line of both data files still comes in key order."""
    make_mart(
        workspace,
        sql="SELECT 'USMF', CASE WHEN i % 3 = 0 THEN 'c' ELSE 'C' END || lpad(i::VARCHAR, 7, '0'), "
        "NULL, '001-' || (i % 7) FROM range(300000) t(i) ORDER BY hash(i)",
    )
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out)
    (package,) = packages(out)
    assert details(package)[1] == mart_rows(workspace, "USMF")
    assert read_package(package).definitions == definition_rows(workspace, "USMF")


def test_max_rows_splits_into_parts_whose_union_is_the_mart(workspace: Workspace) -> None:
    make_mart(
        workspace,
        sql="SELECT 'USMF', 'C' || lpad(i::VARCHAR, 5, '0'), NULL, '001-' || (i % 7) FROM range(25) t(i)",
    )
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--max-rows", "10", "--entity", "customer_details_v2")
    names = [p.name for p in packages(out)]
    assert names == [f"CustomerDetailsV2_USMF_part00{n}.zip" for n in (1, 2, 3)]
    parts = [details(p)[1] for p in packages(out)]
    assert [len(p) for p in parts] == [10, 10, 5]
    assert [r for part in parts for r in part] == mart_rows(workspace, "USMF")
    assert [(p["part"], p["rows"]) for p in summary(out)["packages"]] == [(1, 10), (2, 10), (3, 5)]  # type: ignore[union-attr]


def test_size_limit_splits_on_the_zip_size(workspace: Workspace) -> None:
    make_mart(
        workspace,
        sql="SELECT 'USMF', 'C' || lpad(i::VARCHAR, 6, '0'), NULL, md5(i::VARCHAR) FROM range(3000) t(i)",
    )
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--max-mb", "0.03", "--entity", "Customer details V2")
    files = packages(out)
    assert len(files) > 2
    assert all(p.stat().st_size <= 30_000 for p in files)
    assert [r for p in files for r in details(p)[1]] == mart_rows(workspace, "USMF")


def test_a_size_limit_no_row_fits_in_is_a_usage_error(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    proc = export(workspace, out, "--max-mb", "0.001", ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: Customer definitions, legal entity ")
    assert "does not fit in a package of 1000 bytes: raise the size limit" in proc.stderr
    assert proc.stderr.rstrip().endswith("(`loader export --max-mb`)")
    assert not out.exists()  # made for the export, removed with nothing in it


def test_fields_choose_columns_and_leave_out_rows_with_nothing_to_update(
    workspace: Workspace,
) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--fields", "invoiceaccount")
    assert [p.name for p in packages(out)] == [
        "Customers_DEMF_part001.zip",
        "Customers_USMF_part001.zip",
    ]
    package = read_package(out / "Customers_USMF_part001.zip")
    # Customer definitions has no such field: it is written whole.
    assert package.definitions == definition_rows(workspace, "USMF")
    header, rows = details(out / "Customers_USMF_part001.zip")
    assert header == ["CUSTOMERACCOUNT", "INVOICEACCOUNT"]
    assert rows == [["B0009", "C0002"], ["C0002", "C0001"]]
    assert rows == mart_rows(workspace, "USMF", header)
    by_le = {le["legal_entity"]: le for le in summary(out)["legal_entities"]}  # type: ignore[union-attr]
    assert by_le["USMF"]["left_out_by_fields"] == 4
    assert by_le["DEMF"]["left_out_by_fields"] == 1

    bad = export(workspace, out, "--fields", "NOSUCH", ok=False)
    assert bad.returncode == 2
    assert "NOSUCH not a field of Customer definitions or Customer details V2" in bad.stderr
    alone = export(workspace, out, "--entity", "customer_details_v2", "--fields", "NAME", ok=False)
    assert alone.returncode == 2 and "NAME not a field of Customer details V2" in alone.stderr
    # `--fields "$FIELDS"` with FIELDS unset is not "every field", which would overwrite them all.
    for empty in ("", ",,"):
        none = export(workspace, out, f"--fields={empty}", ok=False)
        assert none.returncode == 2 and "--fields names no field" in none.stderr


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("001,002", "the delimiter ','"),
        ('say "hi"', "a double quote"),
        ("a\nb", "an LF"),
        ("x\x07", "U+0007"),
    ],
)
def test_a_value_a_package_cannot_carry_is_refused(
    workspace: Workspace, value: str, named: str
) -> None:
    message = refused_export(
        workspace, lambda: make_mart(workspace, [*ROWS, ("DEMF", "D0003", None, value)])
    )
    assert "legal entity DEMF" in message and "'D0003'" in message and named in message


def refused_export(ws: Workspace, change: Callable[[], None]) -> str:
    """Export, CHANGE the marts, export again: the second is refused with one line and leaves
    the first export's files exactly as they were. Returns that line."""
    make_mart(ws)
    open_gate(ws)
    out = ws.root / "out"
    export(ws, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    change()
    proc = export(ws, out, ok=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    return proc.stderr.strip().splitlines()[-1]


def test_stale_parts_of_an_earlier_export_are_removed(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    (out).mkdir(parents=True)
    (out / "notes.txt").write_text("not ours")
    export(workspace, out, "--max-rows", "4")
    assert len(list(out.glob("Customers_USMF_part*.zip"))) == 3
    export(workspace, out)
    assert [p.name for p in sorted(out.iterdir())] == [
        "Customers_DEMF_part001.zip",
        "Customers_USMF_part001.zip",
        "export-summary.json",
        "notes.txt",
    ]
    assert summary(out)["stale_packages_removed"] == [
        "Customers_USMF_part002.zip",
        "Customers_USMF_part003.zip",
    ]
    # Packages of another layout (one entity alone) replace the combined ones, not sit beside.
    export(workspace, out, "--entity", "customer_details_v2")
    assert [p.name for p in sorted(out.glob("*.zip"))] == [
        "CustomerDetailsV2_DEMF_part001.zip",
        "CustomerDetailsV2_USMF_part001.zip",
    ]


def test_a_folder_in_the_way_of_a_package_leaves_the_earlier_export_whole(
    workspace: Workspace,
) -> None:
    """The commit removed the old summary, then renamed package after package: a folder with
    a new package's name stopped it half-way, leaving old and new packages and no summary."""
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--entity", "customer_definitions")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "Customers_USMF_part001.zip").mkdir()
    proc = export(workspace, out, ok=False)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{out / 'Customers_USMF_part001.zip'} is not a file" in lines[0], lines[0]
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not list(out.glob(".loader-export-*"))


def test_a_commit_that_fails_part_way_moves_every_file_back(tmp_path: Path) -> None:
    """A rename that fails after others succeeded (here the third staged file is gone):
    the files moved aside come back, the new ones go, and the error is raised."""
    out = tmp_path / "out"
    out.mkdir()
    for name, data in (("a.zip", "old a"), ("stale.zip", "old stale"), ("summary.json", "old")):
        (out / name).write_text(data)
    staged = StagedFolder(out)
    for name in ("a.zip", "b.zip", "c.zip", "summary.json"):
        staged.write_bytes(name, b"new " + name.encode())
    (staged.path / "c.zip").unlink()
    with pytest.raises(FileNotFoundError):
        staged.commit(["a.zip", "b.zip", "c.zip"], "summary.json", ["stale.zip"])
    assert {p.name: p.read_text() for p in out.iterdir() if p.is_file()} == {
        "a.zip": "old a",
        "stale.zip": "old stale",
        "summary.json": "old",
    }


def test_a_delta_with_nothing_changed_names_a_default_cycle_once(workspace: Workspace) -> None:
    """The note built the name by hand: `since cycle 1 (cycle 1)`."""
    make_mart(workspace, [r for r in ROWS if r[1] != "c0001"])  # no key twice: all unchanged
    open_gate(workspace)
    export(workspace, workspace.root / "full")
    with duckdb.connect(str(workspace.database)) as con:  # the same extract landed again
        con.execute(
            "INSERT INTO raw._loads SELECT 'load-3', file_name, sha256, rows, encoding, "
            "delimiter, started_at + INTERVAL 2 DAY, finished_at + INTERVAL 2 DAY "
            "FROM raw._loads WHERE load_id = 'load-2'"
        )
    open_gate(workspace, started=datetime(2026, 1, 4, 8, 0, 0, tzinfo=UTC))
    proc = export(workspace, workspace.root / "delta", "--changed-since", "1")
    told = " ".join(proc.stderr.split())
    assert "no package written: no customer is new or changed since cycle 1 " in told, told
    assert "cycle 1 (cycle 1)" not in told, told


def test_a_summary_standard_output_cannot_take_says_the_export_is_done(
    workspace: Workspace,
) -> None:
    """`--json` into a full disk: the line named "a file", and did not say that the packages
    were in place all the same."""
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    with Path("/dev/full").open("w") as full:
        proc = subprocess.run(
            [str(VENV_BIN / "loader"), "--json", "export", "--out", str(out)],
            env=workspace.env,
            cwd=workspace.root,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # no "Exception ignored" as Python exits
    assert lines[0].startswith("error: cannot write to standard output (No space left"), lines[0]
    assert f"the export is done: its packages and export-summary.json are in {out}" in lines[0]
    assert summary(out)["packages"] and packages(out)


def test_missing_reconciliation_is_said_not_crashed_on(workspace: Workspace) -> None:
    make_mart(workspace, reconciliation=False)
    open_gate(workspace)
    out = workspace.root / "out"
    proc = export(workspace, out)
    assert "main.migration_reconciliation is absent" in proc.stderr
    assert summary(out)["reconciliation"]["source"] is None  # type: ignore[index]


def test_the_summary_fits_80_columns_without_cutting_a_name(workspace: Workspace) -> None:
    """A log (stderr not a terminal) and a default terminal are 80 columns wide: every file
    name and count of the summary is printed whole, none cut short with an ellipsis."""
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    narrow = replace(workspace, env={**workspace.env, "COLUMNS": "80"})
    proc = export(narrow, out)
    lines = proc.stderr.splitlines()
    assert "\u2026" not in proc.stderr
    assert max(map(len, lines)) <= 80
    cells = [line.replace("\u2502", " ").split() for line in lines]  # a table row's cells
    for entry in summary(out)["packages"]:  # type: ignore[attr-defined]
        assert [entry["file"], entry["legal_entity"]] in (row[:2] for row in cells), entry
    for legal_entity in summary(out)["legal_entities"]:  # type: ignore[attr-defined]
        for counts in legal_entity["reconciliation"]:
            shown = [counts["data_area_id"], counts["source_file"], f"{counts['extracted']:,}"]
            assert shown in (row[:3] for row in cells), counts
    # The steps wrap under their own text, so that each number stands out.
    steps = lines[lines.index("To import in F&O:") + 1 :]
    numbered = [line for line in steps if not line.startswith(" ")]
    assert [line.split(".")[0] for line in numbered] == [
        str(n) for n in range(1, len(numbered) + 1)
    ]
    assert len(steps) > len(numbered)  # some steps took more than a line


def test_no_mart_is_one_clear_line(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("DROP TABLE main.customer_details_v2")
    proc = export(workspace, workspace.root / "out", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error: the mart main.customer_details_v2 is not in")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_gate_refuses_a_failed_test_and_force_exports_loudly(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace, statuses={TEST_IDS[0]: "fail"})
    out = workspace.root / "out"
    proc = export(workspace, out, ok=False)
    assert proc.returncode == 1
    assert (
        "export refused" in proc.stderr
        and "not_null_customer_details_v2_CUSTOMERACCOUNT fail" in proc.stderr
    )
    assert not out.exists() or not any(out.iterdir())

    forced = export(workspace, out, "--force")
    assert "warning: --force: exporting although test not_null_customer_details_v2" in forced.stderr
    data = summary(out)
    assert data["gate"]["forced"] is True  # type: ignore[index]
    assert any("fail" in p for p in data["gate"]["problems"])  # type: ignore[index]
    assert "Exported with --force" in forced.stderr


def test_gate_refuses_results_older_than_the_last_land(workspace: Workspace) -> None:
    make_mart(workspace, land_finished=datetime(2026, 1, 3, 9, 0, 0))  # after the dbt run
    open_gate(workspace)
    proc = export(workspace, workspace.root / "out", ok=False)
    assert proc.returncode == 1
    assert "older than the last `loader land` (finished 2026-01-03 09:00:00 UTC)" in proc.stderr


def _wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


def test_killed_export_leaves_the_earlier_export_untouched(workspace: Workspace) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    make_mart(
        workspace,
        sql="SELECT (['USMF', 'DEMF', 'GBSI'])[1 + i % 3], 'C' || lpad(i::VARCHAR, 9, '0'), "
        "NULL, '001-0101-' || (i % 97) FROM range(600000) t(i)",
    )
    proc = subprocess.Popen(
        [str(VENV_BIN / "loader"), "export", "--out", str(out), "--max-rows", "20000"],
        env=workspace.env,
        cwd=workspace.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(lambda: any(out.glob(".loader-export-*/*.zip")), 60)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    final = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert final == before
    # The next export clears what the killed one left behind.
    export(workspace, out)
    assert not list(out.glob(".loader-export-*"))


def test_verify_passes_what_export_writes(workspace: Workspace) -> None:
    # Without `c0001` beside `C0001`: verify rightly reports keys F&O takes for one.
    make_mart(workspace, [r for r in ROWS if r[1] != "c0001"])
    open_gate(workspace)
    out = workspace.root / "out"
    export(workspace, out, "--max-rows", "2")
    files = packages(out)
    proc = workspace.loader("verify", *map(str, files))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count(": OK (") == len(files) == 7
