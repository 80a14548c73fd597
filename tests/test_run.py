"""`loader run`: the whole job on the demo sample, as `make demo` runs it."""

import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from defusedxml.ElementTree import fromstring
from rich.console import Console

from loader.errors import LoaderError
from loader.package.entities import CUSTOMER_DEFINITIONS
from loader.pipeline import _step
from tests.conftest import Workspace, ctrl_c, ctrl_c_on_return, make_workspace
from tests.test_dbt_rules import EXPECTED_DEFINITIONS, FIXTURES
from tests.test_export import read_package


@pytest.fixture(scope="module")
def demo_run(module_workspace: Workspace) -> tuple[Workspace, dict[str, object], Path]:
    ws = module_workspace
    extracts = ws.root / "extracts"
    ws.loader("demo-data", "--out", str(extracts), "--customers", "1500", "--seed", "7", check=True)
    proc = ws.loader("--json", "run", str(extracts), "--out", str(ws.root / "packages"), check=True)
    return ws, json.loads(proc.stdout), ws.root / "packages"


def test_json_summary_on_stdout_matches_the_summary_file(
    demo_run: tuple[Workspace, dict[str, object], Path],
) -> None:
    _ws, summary, packages = demo_run
    assert summary["export"] == json.loads((packages / "export-summary.json").read_text())
    assert set(summary) == {"land", "build", "export"}


def test_every_package_verifies_and_holds_the_mart(
    demo_run: tuple[Workspace, dict[str, object], Path],
) -> None:
    ws, _summary, packages = demo_run
    zips = sorted(packages.glob("*.zip"))
    assert zips
    ws.loader("verify", *map(str, zips), check=True)
    rows_in_packages = 0
    records: list[dict[str, str]] = []
    for path in zips:
        with zipfile.ZipFile(path) as package:
            data = package.read("Customer details V2.csv").decode("utf-16")
            records.extend(definitions(package))
        rows_in_packages += len(data.split("\r\n")) - 2  # header and the final line break
    assert ws.query("select count(*) from main.customer_details_v2") == [(rows_in_packages,)]
    assert ws.query("select count(*) from main.customer_definitions") == [(len(records),)]


def definitions(package: zipfile.ZipFile) -> list[dict[str, str]]:
    """The records of a package's Customer definitions data file, read back with an XML parser."""
    return [dict(r.attrib) for r in fromstring(package.read("CUSTCUSTOMERBASEENTITY.xml"))]


def test_the_summary_reconciles_per_entity_as_the_build_does(
    demo_run: tuple[Workspace, dict[str, object], Path],
) -> None:
    ws, summary, _packages = demo_run
    expected = ws.query(
        "select entity, sum(extracted), sum(exported), sum(rejected), sum(skipped), "
        "sum(unaccounted) from main.migration_reconciliation group by entity order by entity"
    )
    per_entity = summary["export"]["reconciliation"]["per_entity"]  # type: ignore[index]
    assert [
        tuple(
            row[c]
            for c in ("entity", "extracted", "exported", "rejected", "skipped", "unaccounted")
        )
        for row in per_entity
    ] == expected
    assert all(row[-1] == 0 for row in expected)
    # What the job log must show: the rows of each entity per legal entity, as the marts hold.
    counts = summary["export"]["import"]["expected_counts"]  # type: ignore[index]
    for name, label in (
        ("customer_definitions", "Customer definitions"),
        ("customer_details_v2", "Customer details V2"),
    ):
        by_le = dict(ws.query(f'select "DATAAREAID", count(*) from main.{name} group by all'))
        assert {c["legal_entity"]: c["rows"] for c in counts if c["entity"] == label} == by_le


def test_crafted_free_text_reaches_the_package_exactly(workspace: Workspace) -> None:
    """From the extract through land, dbt and export to the data file: names and streets with
    commas, quotes, apostrophes, accents, a line break and non-Latin scripts, read back."""
    out = workspace.root / "packages"
    workspace.loader("run", str(FIXTURES), "--out", str(out), check=True)
    records = {}
    for path in sorted(out.glob("*.zip")):
        with zipfile.ZipFile(path) as package:
            records.update({r["CUSTOMERACCOUNT"]: r for r in definitions(package)})
    fields = CUSTOMER_DEFINITIONS.field_names
    mart = workspace.query(
        f"select {', '.join(fields)} from main.customer_definitions where CUSTOMERACCOUNT like 'P%'"
    )
    assert mart
    for row in mart:  # every field exactly as the mart holds it, NULL as empty
        assert records[str(row[0])] == {f: v or "" for f, v in zip(fields, row, strict=True)}
    for account, expected in EXPECTED_DEFINITIONS.items():  # the free text as extracted
        name, street = expected[0], expected[8]
        assert (records[account]["NAME"], records[account]["ADDRESSSTREET"]) == (name, street or "")
    street = records["P0002"]["ADDRESSSTREET"]
    assert street == 'Rue de l\'Église 5, Bât. "B"\nCour intérieure'
    workspace.loader("verify", *map(str, sorted(out.glob("*.zip"))), check=True)


def test_every_extracted_record_is_accounted_for(
    demo_run: tuple[Workspace, dict[str, object], Path],
) -> None:
    ws, _summary, _packages = demo_run
    unbalanced = ws.query(
        "select * from main.migration_reconciliation "
        "where extracted <> exported + rejected + skipped or unaccounted <> 0"
    )
    assert unbalanced == []
    # Per entity: a customer record has an outcome in each entity, a dimension row in details.
    customers, dimensions = ws.query(
        "select (select count(*) from raw.customers), (select count(*) from raw.customer_dimensions)"
    )[0]
    assert ws.query(
        "select entity, sum(extracted) from main.migration_reconciliation group by all order by all"
    ) == [("customer_definitions", customers), ("customer_details_v2", customers + dimensions)]


def test_the_run_tells_what_the_land_and_dbt_noticed(workspace: Workspace, tmp_path: Path) -> None:
    """The notes and warnings `loader land` prints reach a `loader run` user too; a test that
    warns is told in its own words, from its description in the models' yml."""
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    for name in ("customers.csv", "customer_dimensions.csv"):
        shutil.copy(FIXTURES / name, extracts / name)
    (extracts / "customers_old.csv").write_text("not an extract\n")
    proc = workspace.loader("run", str(extracts), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    land_says = proc.stderr.split("1/3 land", 1)[1].split("2/3 dbt build", 1)[0]
    assert "note: no target_customers.csv in the folder: its raw table is empty" in land_says
    assert (
        "warning: customers_old.csv is not part of the extract contract and was not landed"
        in land_says
    )
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: dbt: ")]
    assert (
        "warning: dbt: not_self_invoicing on int_customers.bill_to_key: 1 row: Customers that "
        "name themselves as their invoice account: exported without one (and skipped when they "
        "have nothing else to update), as F&O keeps a customer that pays its own invoices; "
        "nothing to fix."
    ) in warnings
    assert len(warnings) == 3
    assert not any("configured to warn" in line for line in warnings)


def test_a_failing_step_stops_the_run_with_its_message(
    workspace: Workspace, tmp_path: Path
) -> None:
    extracts = tmp_path / "broken"
    extracts.mkdir()
    (extracts / "customers.csv").write_text("company,customer_number\nUS01,C1\n")
    (extracts / "customer_dimensions.csv").write_text("company,customer_number,dimension,value\n")
    proc = workspace.loader("run", str(extracts), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert (
        "error: land failed: customers.csv: required column 'bill_to_customer_number'"
        in proc.stderr
    )
    assert "2/3" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_failed_test_is_named_with_its_rows_and_what_was_skipped_after_it(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each model skipped after a failed test was listed with dbt's skip message, which for
    an ephemeral model reads "Compilation Error": a user took the project for broken."""
    from loader.dbt_runner import build

    extracts = workspace.root / "extracts"
    workspace.loader("demo-data", "--out", str(extracts), "--customers", "30", check=True)
    workspace.loader("land", str(extracts), check=True)
    with duckdb.connect(str(workspace.database)) as con:  # one record twice: a grain test fails
        con.execute("insert into raw.target_customers select * from raw.target_customers limit 1")
    for name in ("MIGRATION_DB", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
        monkeypatch.setenv(name, workspace.env[name])
    with pytest.raises(LoaderError) as failed:
        build()
    said = str(failed.value)
    test = "unique_combination_stg_fo__target_customers_source_file__source_line"
    assert said.startswith(f"dbt build failed: {test}: Got 1 result, configured to fail if != 0")
    assert " nodes skipped after it; " in said
    assert f"its rows: `dbt test --select {test} --store-failures`" in said
    assert "Compilation Error" not in said


def test_a_customers_extract_of_only_its_header_stops_the_run_before_the_export(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A failed extraction leaves the header alone: `run` exported nothing with exit 0,
    removed the previous good packages and kept an empty cycle as exported."""
    good, empty, out = tmp_path / "good", tmp_path / "empty", tmp_path / "out"
    workspace.loader("demo-data", "--out", str(good), "--customers", "50", check=True)
    workspace.loader("run", str(good), "--out", str(out), check=True)
    packages = sorted(p.name for p in out.glob("*.zip"))
    empty.mkdir()
    for name in ("customers.csv", "customer_dimensions.csv"):
        header = (good / name).read_text(encoding="utf-8").splitlines(keepends=True)[0]
        (empty / name).write_text(header, encoding="utf-8")
    proc = workspace.loader("run", str(empty), "--out", str(out))
    assert proc.returncode == 1
    assert "error: customers.csv holds no records, only its header: the run stops" in (
        " ".join(proc.stderr.split())
    )
    assert "2/3" not in proc.stderr
    assert packages and sorted(p.name for p in out.glob("*.zip")) == packages
    assert workspace.query("select count(*) from cycles.cycles where exported_at is not null") == [
        (1,)
    ]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--fields", "NOPE"], 2, "error: --fields: NOPE not a field of"),
        (["--entity", "nope"], 2, "error: --entity 'nope': not an entity the loader exports"),
        (["--out", "{file}/out"], 3, "error: cannot write into {file}/out: Not a directory"),
    ],
    ids=["fields", "entity", "out"],
)
def test_options_the_export_would_refuse_stop_the_run_before_it_lands(
    demo_run: tuple[Workspace, dict[str, object], Path],
    tmp_path: Path,
    args: list[str],
    code: int,
    said: str,
) -> None:
    """Not after a land that replaced the raw tables and opened a cycle, and a dbt build."""
    ws = make_workspace(tmp_path / "ws")
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    args = [a.format(file=a_file) for a in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "out")]
    proc = ws.loader("run", str(demo_run[0].root / "extracts"), *out, *args)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.startswith(said.format(file=a_file)), proc.stderr
    assert proc.stderr.count("\n") == 1 and "1/3" not in proc.stdout + proc.stderr
    assert not ws.database.exists()


def test_ctrl_c_during_the_build_ends_in_one_line_and_nothing_from_dbt(
    demo_run: tuple[Workspace, dict[str, object], Path], tmp_path: Path
) -> None:
    """dbt printed its cancelled queries and a traceback on stdout, where --json scripts
    read the summary."""
    ws = make_workspace(tmp_path / "ws")
    extracts = str(demo_run[0].root / "extracts")
    with ws.started("run", extracts, "--out", str(tmp_path / "out")) as proc:
        assert proc.stderr is not None
        seen = [proc.stderr.readline() for _ in range(2)]
        assert seen == ["1/3 land\n", "2/3 dbt build\n"]
        time.sleep(2)  # dbt is running its nodes: a build takes several seconds
        done = ctrl_c(proc)
    rest = done.stderr  # what followed the two lines read above
    assert done.returncode == 130, rest
    assert done.stdout == ""
    assert rest.startswith("error: interrupted (Ctrl-C)") and rest.count("\n") == 1, rest
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("said", "told"),
    [
        ("dbt build failed: test x fail", "dbt build failed: test x fail"),
        ("dbt build could not run: no profile", "dbt build could not run: no profile"),
        ("the database is in use", "dbt build failed: the database is in use"),
    ],
)
def test_a_step_is_named_once_in_its_failure(said: str, told: str) -> None:
    def fail() -> None:
        raise LoaderError(said)

    with pytest.raises(LoaderError) as raised:
        _step(Console(file=io.StringIO()), "2/3 dbt build", fail)
    assert str(raised.value) == told


def test_status_shows_the_load_the_dbt_results_and_the_last_export(
    demo_run: tuple[Workspace, dict[str, object], Path],
) -> None:
    ws, summary, packages = demo_run
    status = json.loads(ws.loader("--json", "status", check=True).stdout)
    load_ids = {row["load_id"] for row in status["landed"]}
    assert load_ids == {summary["land"]["load_id"]}  # type: ignore[index]
    assert status["dbt_results_current"] is True
    assert status["last_export"]["out_dir"] == str(packages.resolve())
    # A newer land makes the dbt results stale, and status says so.
    ws.loader("land", str(ws.root / "extracts"), check=True)
    stale = json.loads(ws.loader("--json", "status", check=True).stdout)
    assert stale["dbt_results_current"] is False
    assert stale["dbt_problems"]


def test_ctrl_c_as_the_land_commits_stops_the_run_after_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The land finishes uninterrupted from its commit on; the run does not: it stops before
    dbt, with the land (the last complete step) kept."""
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    (extracts / "customers.csv").write_text(
        "company,customer_number,bill_to_customer_number,customer_name\nUS01,C1,,Acme\n"
    )
    (extracts / "customer_dimensions.csv").write_text("company,customer_number,dimension,value\n")
    where = ("loader/landing.py", "_write_raw_tables", "land_extracts")
    out = tmp_path / "out"
    proc = ctrl_c_on_return(workspace, where, "run", str(extracts), "--out", str(out))
    assert proc.returncode == 130, proc.stderr
    assert "Ctrl-C: the raw tables are being committed" in proc.stderr
    assert "2/3 dbt build" not in proc.stderr and not out.exists()
    assert workspace.query("select customer_number from raw.customers") == [("C1",)]


def test_an_extract_of_the_earlier_contract_runs_on_the_legal_entitys_defaults(
    workspace: Workspace, tmp_path: Path
) -> None:
    """customers.csv as it was before the Customer definitions columns: its customers are
    created with their legal entity's defaults, and one without a name is rejected for it."""
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    (extracts / "customers.csv").write_text(
        "company,customer_number,bill_to_customer_number,customer_name\nUS01,C1,,Acme\nUS01,C2,,\n"
    )
    (extracts / "customer_dimensions.csv").write_text("company,customer_number,dimension,value\n")
    out = tmp_path / "out"
    workspace.loader("run", str(extracts), "--out", str(out), check=True)

    (package,) = out.glob("*.zip")
    (created,) = read_package(package).definitions or []
    # USMF's row of seeds/legal_entity_defaults.csv.
    expected = {
        "CUSTOMERACCOUNT": "C1",
        "NAME": "Acme",
        "CUSTOMERGROUPID": "30",
        "SALESCURRENCYCODE": "USD",
        "LANGUAGEID": "en-us",
    }
    assert {field: created.get(field) for field in expected} == expected
    assert workspace.query(
        "select source_file, source_line, rule from main.customer_definitions_rejects"
    ) == [("customers.csv", 3, "BLANK_NAME")]
