"""Two migration cycles on demo extracts, end to end: the second extract fixes some rejects,
breaks some customers, changes some, drops some and adds some (edited with the csv module).
The delta export must hold exactly the new and changed customers, the report's fixed / new /
still-open counts exactly the rejects those edits fixed and made, the workbooks every reject
once, and the page must show its charts and counts in a real headless Chromium.
"""

import csv
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from loader import cycles, delta, registry
from loader.collation import normalized_key
from loader.database import connect
from loader.report.data import NO_LEGAL_ENTITY
from tests.browser.chromium import chromium_context
from tests.conftest import PROJECT_DIR, Workspace, ctrl_c, make_workspace
from tests.test_export import read_package

ARTIFACTS = PROJECT_DIR / "build" / "test-artifacts"
REPORT_SCREENSHOT = ARTIFACTS / "cycle-report.png"
MARTS = ("customer_definitions", "customer_details_v2")
REJECTS = ("customer_definitions_rejects", "customer_details_v2_rejects")
Key = tuple[str, str]  # legacy company, customer number


@dataclass
class Scenario:
    ws: Workspace
    changed: set[Key]
    dropped: set[Key]
    broken: set[Key]
    fixed: set[Key]
    added: set[Key]
    issues_before: set[tuple[Any, ...]]
    issues_after: set[tuple[Any, ...]]
    delta_summary: dict[str, Any]
    delta_output: str  # what `loader export --changed-since` printed
    report: dict[str, Any]

    @property
    def delta_dir(self) -> Path:
        return self.ws.root / "delta"

    @property
    def report_dir(self) -> Path:
        return self.ws.root / "report"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fields)
        writer.writeheader()
        writer.writerows(rows)


def _issues(ws: Workspace) -> set[tuple[Any, ...]]:
    """Each reject as the report compares them: entity, company, folded account and rule;
    rejects without an account by their order."""
    issues: set[tuple[Any, ...]] = set()
    for name in REJECTS:
        rows = ws.query(
            f"select company, customer_number, rule from main.{name} order by source_file, source_line"
        )
        keyless: dict[tuple[Any, ...], int] = {}
        for company, number, rule in rows:
            key = normalized_key(number) if isinstance(number, str) else None
            if key is None:
                where = (name, normalized_key(company) if isinstance(company, str) else None, rule)
                keyless[where] = keyless.get(where, 0) + 1
                key = f"#{keyless[where]}"
            company_key = normalized_key(company) if isinstance(company, str) else None
            issues.add((name, company_key, key, rule))
    return issues


def _customers_of(issues: set[tuple[Any, ...]]) -> set[Key]:
    return {(company, key) for _, company, key, _ in issues}


def _eligible(ws: Workspace) -> list[Key]:
    """Customers exported in both entities with a plain name, billed to themselves and no
    one's invoice account: editing them touches nobody else."""
    rows = ws.query(
        """
        select c.company, c.customer_number
        from raw.customers c
        join main.legal_entities le on le.legacy_company = c.company
        join main.customer_definitions d
            on d."DATAAREAID" = le.data_area_id and d."CUSTOMERACCOUNT" = c.customer_number
        join main.customer_details_v2 v
            on v."DATAAREAID" = le.data_area_id and v."CUSTOMERACCOUNT" = c.customer_number
        where coalesce(trim(c.bill_to_customer_number), '') = ''
            and c.customer_number ~ '^[A-Z0-9]+$'
            and coalesce(c.party_type, '') in ('', 'Organization')
            and length(c.customer_name) between 3 and 60
            and upper(c.customer_number) not in (
                select upper(trim(bill_to_customer_number)) from raw.customers
                where bill_to_customer_number is not null)
        order by c.company, c.customer_number
        """
    )
    return [(str(company), str(number)) for company, number in rows]


def _fixable(ws: Workspace) -> list[Key]:
    """Customers rejected in Customer definitions for their email alone, and no one's
    invoice account: clearing the email makes them whole."""
    rows = ws.query(
        """
        select r.company, r.customer_number
        from main.customer_definitions_rejects r
        join raw.customers c on c._source_line = r.source_line
        where r.customer_number ~ '^[A-Z0-9]+$'
            and coalesce(trim(c.bill_to_customer_number), '') = ''
            and upper(r.customer_number) not in (
                select upper(trim(bill_to_customer_number)) from raw.customers
                where bill_to_customer_number is not null)
        group by all
        having bool_and(r.rule = 'INVALID_EMAIL') and count(*) = 1
        order by 1, 2
        """
    )
    return [(str(company), str(number)) for company, number in rows]


def _edit_extracts(source: Path, target: Path, plan: dict[str, set[Key]]) -> None:
    shutil.copytree(source, target)
    fields, customers = _read(source / "customers.csv")
    dim_fields, dimensions = _read(source / "customer_dimensions.csv")
    edited = []
    for row in customers:
        key = (row["company"], row["customer_number"])
        if key in plan["dropped"]:
            continue
        if key in plan["changed"]:
            row["customer_name"] += " Holdings"
        if key in plan["broken"]:
            row["currency"] = "XXX"
        if key in plan["fixed"]:
            row["email"] = ""
        edited.append(row)
    kept = [d for d in dimensions if (d["company"], d["customer_number"]) not in plan["dropped"]]
    template = next(iter(sorted(plan["template"])))
    for _, number in sorted(plan["added"]):
        copy = dict(next(r for r in customers if (r["company"], r["customer_number"]) == template))
        edited.append({**copy, "customer_number": number})
        for dim in dimensions:
            if (dim["company"], dim["customer_number"]) == template:
                kept.append({**dim, "customer_number": number})
    _write(target / "customers.csv", fields, edited)
    _write(target / "customer_dimensions.csv", dim_fields, kept)


@pytest.fixture(scope="module")
def scenario(module_workspace: Workspace) -> Scenario:
    ws = module_workspace
    first, second = ws.root / "extracts-1", ws.root / "extracts-2"
    ws.loader("demo-data", "--out", str(first), "--customers", "2000", "--seed", "11", check=True)
    ws.loader(
        "run", str(first), "--out", str(ws.root / "packages-1"), "--cycle", "mock 1", check=True
    )
    eligible, fixable = _eligible(ws), _fixable(ws)
    assert len(eligible) >= 13 and len(fixable) >= 3, (len(eligible), len(fixable))
    plan = {
        "changed": set(eligible[0:5]),
        "dropped": set(eligible[5:8]),
        "broken": set(eligible[8:12]),
        "template": {eligible[12]},
        "fixed": set(fixable[0:3]),
        "added": {(eligible[12][0], "C14NEW1"), (eligible[12][0], "C14NEW2")},
    }
    issues_before = _issues(ws)
    _edit_extracts(first, second, plan)
    ws.loader(
        "run", str(second), "--out", str(ws.root / "packages-2"), "--cycle", "mock 2", check=True
    )
    delta = ws.root / "delta"
    export = ws.loader("export", "--out", str(delta), "--changed-since", "mock 1", check=True)
    report = ws.loader("--json", "report", "--out", str(ws.root / "report"), check=True)
    return Scenario(
        ws=ws,
        changed=plan["changed"],
        dropped=plan["dropped"],
        broken=plan["broken"],
        fixed=plan["fixed"],
        added=plan["added"],
        issues_before=issues_before,
        issues_after=_issues(ws),
        delta_summary=json.loads((delta / "export-summary.json").read_text(encoding="utf-8")),
        delta_output=export.stdout + export.stderr,
        report=json.loads(report.stdout),
    )


def _package_accounts(folder: Path) -> dict[str, set[str]]:
    """The accounts each entity's data file holds, over every package in FOLDER, read by the
    export tests' reader (which also checks each package's format)."""
    accounts: dict[str, set[str]] = {"customer_definitions": set(), "customer_details_v2": set()}
    for path in sorted(folder.glob("*.zip")):
        package = read_package(path)
        for record in package.definitions or []:
            accounts["customer_definitions"].add(record["CUSTOMERACCOUNT"])
        if package.details is not None:
            header, rows = package.details
            column = header.index("CUSTOMERACCOUNT")
            accounts["customer_details_v2"].update(row[column] for row in rows)
    return accounts


def _numbers(keys: set[Key]) -> set[str]:
    return {number for _, number in keys}


def _folded(keys: set[Key]) -> set[tuple[str | None, str | None]]:
    return {(normalized_key(company), normalized_key(number)) for company, number in keys}


# -- delta export ---------------------------------------------------------------------------


def test_the_delta_holds_exactly_the_new_and_changed_customers(scenario: Scenario) -> None:
    accounts = _package_accounts(scenario.delta_dir)
    assert accounts["customer_definitions"] == _numbers(
        scenario.changed | scenario.fixed | scenario.added
    )
    # A new name is not a field of Customer details V2: the changed customers are not in it.
    details_now = {
        str(a)
        for (a,) in scenario.ws.query('select "CUSTOMERACCOUNT" from main.customer_details_v2')
    }
    assert (
        accounts["customer_details_v2"] == _numbers(scenario.fixed | scenario.added) & details_now
    )
    assert _numbers(scenario.added) <= accounts["customer_details_v2"]
    assert scenario.delta_summary["cycle"]["changed_since"]["label"] == "mock 1"


def test_a_delta_summary_adds_up_to_what_the_marts_export(scenario: Scenario) -> None:
    """The customers a delta leaves out as unchanged were counted nowhere: the summary said
    4 exported and the package held 1."""
    marts = {
        "Customer definitions": "customer_definitions",
        "Customer details V2": "customer_details_v2",
    }
    in_marts = {
        (str(le), mart): int(n)  # type: ignore[call-overload]
        for mart in marts.values()
        for le, n in scenario.ws.query(f'select "DATAAREAID", count(*) from main.{mart} group by 1')
    }
    unchanged = 0
    for le in scenario.delta_summary["legal_entities"]:
        for entity in le["entities"]:
            counted = (
                entity["rows_in_packages"]
                + entity["left_out_by_fields"]
                + entity["left_out_unchanged"]
            )
            assert counted == in_marts[(le["legal_entity"], marts[entity["label"]])], entity
            unchanged += entity["left_out_unchanged"]
    assert unchanged > 0


def test_each_kept_customer_has_the_key_the_models_stored(scenario: Scenario) -> None:
    # The cycle folds each mart's account itself rather than joining back to int_customers:
    # right only while the account is the record's customer_number, which this holds.
    kept, unmatched = scenario.ws.query(
        "select count(*), count(*) filter (where keyed.customer_key is null)"
        " from cycles.customers as kept"
        " left join main.int_customers as keyed on not keyed.is_account_rejected"
        " and keyed.data_area_id = kept.data_area_id"
        " and keyed.customer_number = kept.customer_account"
        " and keyed.customer_key = coalesce(kept.account_key, kept.customer_account)"
        " where kept.cycle_id = (select max(cycle_id) from cycles.customers)"
    )[0]
    assert kept > 0
    assert unmatched == 0


def test_customers_no_longer_exported_are_listed_not_deleted(scenario: Scenario) -> None:
    cycle = scenario.delta_summary["cycle"]
    listed = {
        (g["entity"], g["customer_account"], g["reason"]) for g in cycle["no_longer_exported"]
    }
    expected = {
        (entity, number, reason)
        for entity in ("customer_definitions", "customer_details_v2")
        for keys, reason in (
            (scenario.dropped, "not in the extract"),
            (scenario.broken, "rejected"),
        )
        for number in _numbers(keys)
    }
    assert listed == expected
    assert cycle["no_longer_exported_count"] == len(expected)
    accounts = _package_accounts(scenario.delta_dir)
    assert not _numbers(scenario.dropped | scenario.broken) & (
        accounts["customer_definitions"] | accounts["customer_details_v2"]
    )
    for number in _numbers(scenario.dropped | scenario.broken):
        assert number in scenario.delta_output, number


def test_delta_packages_verify_like_full_ones(scenario: Scenario) -> None:
    for folder in (scenario.delta_dir, scenario.ws.root / "packages-2"):
        zips = sorted(str(p) for p in folder.glob("*.zip"))
        assert zips, folder
        proc = scenario.ws.loader("verify", *zips)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "partial",
    [("--entity", "customer_definitions"), ("--fields", "INVOICEACCOUNT")],
    ids=["entity", "fields"],
)
def test_a_delta_since_a_partial_export_writes_what_it_left_out(
    scenario: Scenario, tmp_path: Path, partial: tuple[str, str]
) -> None:
    """An entity or a field that cycle did not export is not in F&O: the delta writes it."""
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(scenario.ws.database, ws.database)
    shutil.copytree(scenario.ws.target_dir, ws.target_dir)  # dbt's results: the gate opens
    ws.loader(
        "export", "--out", str(tmp_path / "partial"), *partial, "--cycle", "partial", check=True
    )
    # The next cycle, of the same extracts: nothing changed but what that cycle left out.
    ws.loader("land", str(scenario.ws.root / "extracts-2"), check=True)
    ws.dbt("build", check=True)
    delta = tmp_path / "delta"
    ws.loader("export", "--out", str(delta), "--changed-since", "partial", check=True)
    accounts = _package_accounts(delta)
    full = _package_accounts(scenario.ws.root / "packages-2")  # these marts, every field
    assert accounts["customer_details_v2"] == full["customer_details_v2"]
    assert accounts["customer_definitions"] == set()  # exported whole by that cycle


def test_a_delta_of_other_fields_than_the_cycle_exported_writes_every_customer(
    scenario: Scenario, tmp_path: Path
) -> None:
    """The row hash covered the values only: with other --fields, equal values under other
    names (a city that is also the county) were taken as unchanged, and the field that never
    reached F&O was never written."""
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(scenario.ws.database, ws.database)
    shutil.copytree(scenario.ws.target_dir, ws.target_dir)  # dbt's results: the gate opens
    only = ("--entity", "customer_definitions", "--fields")
    ws.loader(
        "export",
        "--out",
        str(tmp_path / "city"),
        *only,
        "ADDRESSCITY",
        "--cycle",
        "m",
        check=True,
    )
    ws.loader("land", str(scenario.ws.root / "extracts-2"), check=True)
    ws.dbt("build", check=True)
    delta = tmp_path / "delta"
    ws.loader(
        "export",
        "--out",
        str(delta),
        *only,
        "ADDRESSCOUNTY",
        "--changed-since",
        "m",
        check=True,
    )
    whole = tmp_path / "whole"
    ws.loader("export", "--out", str(whole), *only, "ADDRESSCOUNTY", check=True)
    assert _package_accounts(delta) == _package_accounts(whole)


def test_ctrl_c_once_the_packages_are_in_place_lets_the_export_finish(
    scenario: Scenario, tmp_path: Path
) -> None:
    """Stopping then would leave packages to import that no cycle records, and say that
    what was not finished was undone: the export says so and finishes instead."""
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(scenario.ws.database, ws.database)
    shutil.copytree(scenario.ws.target_dir, ws.target_dir)
    out = tmp_path / "out"
    with ws.started("export", "--out", str(out), "--cycle", "ctrl-c") as proc:
        # The summary is the commit's last rename: keeping the cycle is next.
        while not (out / "export-summary.json").exists() and proc.poll() is None:
            time.sleep(0.002)
        done = ctrl_c(proc)
    assert done.returncode == 0, done.stderr
    assert "undone" not in done.stderr and "Traceback" not in done.stderr
    ((label,),) = ws.query(
        "select label from cycles.cycles where exported_at is not null order by cycle_id desc "
        "limit 1"
    )
    assert label == "ctrl-c"


@contextmanager
def read_by_another_process(database: Path) -> Iterator[Callable[[], None]]:
    """DATABASE held open read-only by another process (as `loader status` holds it): others
    read, none writes. Yields what closes it."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('ready', flush=True); sys.stdin.readline()",
            str(database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    stdin = holder.stdin

    def close() -> None:
        stdin.write("\n")
        stdin.flush()

    try:
        assert holder.stdout.readline() == "ready\n"
        yield close
    finally:
        holder.kill()
        holder.wait()


WAITING = "the database is in use by another process: waiting up to 120 s for it"


def test_keeping_the_cycle_waits_for_a_database_another_process_holds(
    scenario: Scenario, tmp_path: Path
) -> None:
    """A `loader status` (or a dbt build) opening the database while the packages are written
    took the cycle's place: the next --changed-since compared with an older cycle."""
    ws = make_workspace(tmp_path / "ws")
    ws.env["COLUMNS"] = "200"  # the waiting line on one line
    shutil.copy(scenario.ws.database, ws.database)
    shutil.copytree(scenario.ws.target_dir, ws.target_dir)
    export = ("export", "--out", str(tmp_path / "out"), "--cycle", "held")
    # A reader: the export reads too, but cannot write.
    with read_by_another_process(ws.database) as close, ws.started(*export) as proc:
        assert proc.stderr is not None
        lines = iter(proc.stderr.readline, "")  # up to the first line that says it waits
        told = next((line for line in lines if "waiting" in line), None)
        if told is None:  # the pipe ended: the export gave up at once, and said why
            pytest.fail(f"the export did not wait: {proc.communicate()}")
        close()  # while the export waits
        done = proc.communicate(timeout=120)
    assert proc.returncode == 0, done
    assert told == f"warning: {WAITING}\n"
    assert "could not be kept" not in done[1]
    ((label,),) = ws.query(
        "select label from cycles.cycles where exported_at is not null order by cycle_id desc "
        "limit 1"
    )
    assert label == "held"


@pytest.mark.parametrize("between", ["a land", "a dbt build"])
def test_a_cycle_is_not_kept_from_a_database_changed_since_the_export_read_it(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, between: str
) -> None:
    """The kept customers and rejects are queries run when the cycle is kept: after a land or
    a dbt build that came in between, they would hold what those made, and the next
    --changed-since would skip customers the packages never held."""
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(scenario.ws.database, ws.database)
    monkeypatch.setenv("MIGRATION_DB", str(ws.database))
    exported = {e.name: e.description.field_names for e in registry.entities()}
    with connect(read_only=True) as con:
        state, cycle, _ = delta.for_export(con, True, "between", None, exported, print)
    assert state is not None and cycle is not None
    history = ws.query("select * from cycles.cycles order by cycle_id")
    with duckdb.connect(str(ws.database)) as con:
        if between == "a land":
            con.execute(
                "insert into raw._loads select 'a-later-load', file_name, sha256, rows, "
                "encoding, delimiter, started_at, finished_at + interval 1 minute from raw._loads "
                "where load_id = (select load_id from raw._loads order by finished_at desc limit 1)"
            )
        else:
            con.execute("update dbt_results.latest set started_at = started_at + interval 1 minute")
    unkept = cycles.keep(cycle, state.tables(), tmp_path / "out", None, 1, state.built_at)
    assert unkept is not None
    assert "a land or a dbt build changed the database while the packages were written" in unkept
    assert ws.query("select * from cycles.cycles order by cycle_id") == history


def test_cycle_times_are_kept_in_utc_whatever_the_machine_zone(
    scenario: Scenario, tmp_path: Path
) -> None:
    """The history, the report and status say UTC: a zone-aware time written to a TIMESTAMP
    was converted to the machine's zone (an hour off in Berlin in winter)."""
    ws = make_workspace(tmp_path / "ws")
    ws.env["TZ"] = "Europe/Berlin"
    shutil.copy(scenario.ws.database, ws.database)
    shutil.copytree(scenario.ws.target_dir, ws.target_dir)
    before = datetime.now(UTC).replace(tzinfo=None)
    # The copied build is current: the export ends cycle 2 again; the land then starts cycle 3
    # (an export with --force after it would keep no cycle).
    ws.loader_process("export", "--out", str(tmp_path / "out"), check=True)
    landed = ws.loader_process("--json", "land", str(scenario.ws.root / "extracts-2"), check=True)
    after = datetime.now(UTC).replace(tzinfo=None)
    ((exported,),) = ws.query("select exported_at from cycles.cycles where cycle_id = 2")
    ((started,),) = ws.query("select started_at from cycles.cycles where cycle_id = 3")
    assert before <= exported <= started <= after
    said = json.loads(landed.stdout)["cycle"]["started_at"]
    assert datetime.fromisoformat(said) == started.replace(tzinfo=UTC, microsecond=0)


def test_a_customer_left_with_nothing_to_update_is_not_said_gone_from_the_extract(
    workspace: Workspace,
) -> None:
    """A2's bill-to removed: still in the extract, created by Customer definitions, its
    details row has nothing to update, and F&O keeps the invoice account it has."""
    header = "company,customer_number,bill_to_customer_number,customer_name\n"
    for name, bill_to in (("one", "A1"), ("two", "")):
        folder = workspace.root / name
        folder.mkdir()
        (folder / "customers.csv").write_text(
            f"{header}US01,A1,,Alpha\nUS01,A2,{bill_to},Beta\nUS01,A3,A1,Gamma\n"
        )
        (folder / "customer_dimensions.csv").write_text("company,customer_number,dimension,value\n")
        out = workspace.root / f"packages-{name}"
        workspace.loader("run", str(folder), "--out", str(out), "--cycle", name, check=True)
    # One legal entity: one package, said in the singular.
    assert "(1 package)" in workspace.loader("status", check=True).stderr
    delta = workspace.root / "delta"
    proc = workspace.loader("export", "--out", str(delta), "--changed-since", "one", check=True)
    gone = json.loads((delta / "export-summary.json").read_text())["cycle"]["no_longer_exported"]
    assert [(g["entity"], g["customer_account"], g["reason"]) for g in gone] == [
        ("customer_details_v2", "A2", "nothing to update")
    ]
    told = " ".join(proc.stderr.split())
    assert "(0 rejected now, 1 with nothing to update now, 0 gone from the extract)" in told
    assert (
        "customer_details_v2 USMF A2: in the extract with nothing to update now (its fields are "
        "empty): F&O keeps the values it has" in told
    )


def test_an_unknown_cycle_is_one_usage_line(scenario: Scenario) -> None:
    proc = scenario.ws.loader(
        "export", "--out", str(scenario.ws.root / "x"), "--changed-since", "mock 9"
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "mock 9" in lines[0] and "'mock 1'" in lines[0], proc.stderr


def test_a_delta_with_nothing_changed_says_so(scenario: Scenario, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(scenario.ws.database, ws.database)
    shutil.copytree(scenario.ws.target_dir, ws.target_dir)  # dbt's results: the gate opens
    # Since the cycle being exported: that export would replace what the cycle recorded.
    refused = ws.loader("export", "--out", str(tmp_path / "x"), "--changed-since", "mock 2")
    assert refused.returncode == 2
    told = " ".join(refused.stderr.split())
    assert "cycle 2 (mock 2) is the cycle this export belongs to" in told, told
    assert not (tmp_path / "x").exists()
    # The same extracts landed again: a new cycle, where nothing changed since mock 2.
    ws.loader("land", str(scenario.ws.root / "extracts-2"), check=True)
    ws.dbt("build", check=True)
    out = tmp_path / "delta-none"
    proc = ws.loader("export", "--out", str(out), "--changed-since", "mock 2", check=True)
    assert not list(out.glob("*.zip"))
    assert "no customer is new or changed since cycle 2 (mock 2)" in " ".join(proc.stderr.split())


# -- report ---------------------------------------------------------------------------------


def test_the_report_counts_what_the_second_extract_fixed_and_broke(scenario: Scenario) -> None:
    fixed = scenario.issues_before - scenario.issues_after
    new = scenario.issues_after - scenario.issues_before
    still_open = scenario.issues_before & scenario.issues_after
    assert _customers_of(fixed) == _folded(scenario.fixed)
    assert _customers_of(new) == _folded(scenario.broken)
    assert scenario.report["since_previous_cycle"] == {
        "fixed": len(fixed),
        "new": len(new),
        "still_open": len(still_open),
    }
    assert scenario.report["cycle"]["label"] == "mock 2"


def test_a_report_removes_only_the_workbooks_it_wrote_that_are_now_empty(
    scenario: Scenario, tmp_path: Path
) -> None:
    """A legal entity whose rejects are all fixed loses its workbook; a file the owners put
    in the folder (a reviewed copy) stays, however it is named."""
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(scenario.ws.database, ws.database)
    out = tmp_path / "report"
    shutil.copytree(scenario.report_dir, out)
    reviewed = out / "rejects-USMF-reviewed-by-the-owner.xlsx"
    reviewed.write_bytes(b"the owner's notes")
    fixed = next(w for w in scenario.report["workbooks"] if w["legal_entity"] != NO_LEGAL_ENTITY)
    with duckdb.connect(str(ws.database)) as con:  # every reject of that legal entity fixed
        con.execute(
            "delete from cycles.rejects where data_area_id = ? "
            "and cycle_id = (select max(cycle_id) from cycles.rejects)",
            [fixed["legal_entity"]],
        )
    ws.loader("report", "--out", str(out), check=True)
    kept = {w["file"] for w in scenario.report["workbooks"]} - {fixed["file"]}
    assert {p.name for p in out.glob("*.xlsx")} == kept | {reviewed.name}
    assert reviewed.read_bytes() == b"the owner's notes"


def test_a_cycle_without_rejects_is_reported_as_such(workspace: Workspace) -> None:
    extracts = workspace.root / "clean"
    extracts.mkdir(parents=True)
    (extracts / "customers.csv").write_text(
        "company,customer_number,bill_to_customer_number,customer_name\nUS01,C1,,Acme\n"
    )
    (extracts / "customer_dimensions.csv").write_text("company,customer_number,dimension,value\n")
    workspace.loader("run", str(extracts), "--out", str(workspace.root / "packages"), check=True)
    report = workspace.root / "report"
    proc = workspace.loader("report", "--out", str(report), check=True)
    assert f"No rejects in this cycle: no workbook in {report}" in proc.stderr
    assert "Cycle 1; since the cycle before: fixed 0, new 0, still open 0" in proc.stderr
    assert [p.name for p in report.iterdir()] == ["cycle-report.html"]


def test_each_workbook_holds_every_reject_of_its_legal_entity_once(scenario: Scenario) -> None:
    ws = scenario.ws
    expected = set()
    for name in REJECTS:
        expected |= {
            (str(f), int(line), str(rule), str(company))
            for f, line, rule, company in ws.query(
                f"select source_file, source_line, rule, company from main.{name}"
            )
        }
    legal_entities = dict(ws.query("select legacy_company, data_area_id from main.legal_entities"))
    books = sorted(scenario.report_dir.glob("rejects-*.xlsx"))
    assert {b.name for b in books} == {w["file"] for w in scenario.report["workbooks"]}
    seen = []
    for book in books:
        workbook = openpyxl.load_workbook(book)
        summary = workbook["Summary"]
        assert summary.freeze_panes == "A5" and summary.auto_filter.ref
        counts = {
            row[0]: row[1] for row in summary.iter_rows(min_row=5, values_only=True) if row[0]
        }
        assert list(counts) == workbook.sheetnames[1:]
        for sheet in workbook.worksheets[1:]:
            assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref, sheet.title
            header = [c.value for c in sheet[1]]
            assert header[:6] == [
                "Legacy company",
                "Customer number",
                "File",
                "Line",
                "Value at fault",
                "Detail",
            ]
            rows = list(sheet.iter_rows(min_row=2, values_only=True))
            assert counts[sheet.title] == len(rows)
            for row in rows:
                company = str(row[0])
                seen.append((row[2], row[3], sheet.title, company))
                assert book.name == f"rejects-{legal_entities.get(company, 'no-legal-entity')}.xlsx"
                if (company, row[1]) in scenario.broken and sheet.title == "UNKNOWN_CURRENCY":
                    assert row[4] == "XXX"
    assert len(seen) == len(set(seen))
    assert set(seen) == expected


def test_the_page_shows_the_charts_and_counts_offline(scenario: Scenario, tmp_path: Path) -> None:
    html = (scenario.report_dir / "cycle-report.html").read_text(encoding="utf-8")
    for needle in ("<script", "src=", "href=", "url(", "@import"):
        assert needle not in html, needle
    alone = tmp_path / "alone"
    alone.mkdir()
    page_file = alone / "cycle-report.html"
    shutil.copy(scenario.report_dir / "cycle-report.html", page_file)
    changes = scenario.report["since_previous_cycle"]
    with chromium_context(tmp_path / "profile", width=1400, height=900, scale=1) as context:
        page = context.new_page()
        page.goto(page_file.as_uri())
        charts = page.locator("svg.chart")
        assert charts.count() >= 2
        assert charts.first.is_visible()
        assert charts.first.locator("rect").count() > 0
        for name in ("fixed", "new", "still_open"):
            assert page.locator(f"#{name} .number").inner_text() == f"{changes[name]:,}"
        text = page.locator("body").inner_text()
        assert "1: mock 1" in text and "2: mock 2" in text
        for row in scenario.report["workbooks"]:
            assert row["legal_entity"] in text
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=REPORT_SCREENSHOT, full_page=True)


# -- status (last: it lands again) ----------------------------------------------------------


def test_status_names_the_current_cycle_and_the_last_exported(scenario: Scenario) -> None:
    ws = scenario.ws
    status = json.loads(ws.loader("--json", "status", check=True).stdout)
    assert status["current_cycle"]["label"] == "mock 2"
    assert status["last_exported_cycle"]["label"] == "mock 2"
    ws.loader("land", str(ws.root / "extracts-1"), "--cycle", "mock 3", check=True)
    status = json.loads(ws.loader("--json", "status", check=True).stdout)
    assert status["current_cycle"]["cycle_id"] == 3
    assert status["current_cycle"]["exported_at"] is None
    assert status["last_exported_cycle"]["label"] == "mock 2"
    shown = ws.loader("status", check=True).stderr
    assert "current cycle: cycle 3 (mock 3), landed, not exported yet" in " ".join(shown.split())


# -- the history itself ----------------------------------------------------------------------


def test_a_land_before_the_export_stays_in_the_same_cycle(workspace: Workspace) -> None:
    extracts = workspace.root / "extracts"
    workspace.loader("demo-data", "--out", str(extracts), "--customers", "50", check=True)
    workspace.loader("land", str(extracts), "--cycle", "mock 1", check=True)
    workspace.loader("land", str(extracts), check=True)
    cycles = workspace.query("select cycle_id, label, load_id from cycles.cycles")
    loads = workspace.query("select load_id from raw._loads order by finished_at desc limit 1")
    assert [(c[0], c[1]) for c in cycles] == [(1, "mock 1")]
    assert cycles[0][2] == loads[0][0]  # the cycle holds the latest land


def test_a_land_and_its_cycle_commit_together(workspace: Workspace) -> None:
    """A land whose cycle cannot be started keeps nothing: the land and the cycle start were
    two commits, so a failure (or a Ctrl-C) between them left the new raw tables without their
    cycle, after saying the land was undone."""
    first, second = workspace.root / "extracts-1", workspace.root / "extracts-2"
    workspace.loader("demo-data", "--out", str(first), "--customers", "50", check=True)
    workspace.loader("demo-data", "--out", str(second), "--customers", "60", check=True)
    workspace.loader("land", str(first), "--cycle", "mock 1", check=True)
    before = {
        table: workspace.query(f"select * from {table} order by all")
        for table in ("raw._loads", "raw.customers", "cycles.cycles")
    }
    # The cycle's table is now a view: the land's last write, the cycle's, fails.
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("alter table cycles.cycles rename to kept")
        con.execute("create view cycles.cycles as select * from cycles.kept")
    proc = workspace.loader("land", str(second), "--cycle", "mock 2")
    assert proc.returncode != 0, proc.stdout
    after = {table: workspace.query(f"select * from {table} order by all") for table in before}
    assert after["raw._loads"] == before["raw._loads"]
    assert after["raw.customers"] == before["raw.customers"]


def test_an_export_past_the_gate_leaves_its_cycle_open(workspace: Workspace) -> None:
    """--force reads marts dbt built before the last land: kept as the cycle, they named
    customers the land dropped and paired the old rejects' details with the new raw values.
    Such an export keeps nothing, leaves the cycle open and says so."""
    first, second = workspace.root / "extracts-1", workspace.root / "extracts-2"
    workspace.loader("demo-data", "--out", str(first), "--customers", "50", check=True)
    workspace.loader("demo-data", "--out", str(second), "--customers", "60", check=True)
    workspace.loader("run", str(first), "--out", str(workspace.root / "p1"), check=True)
    history = {
        table: workspace.query(f"select * from cycles.{table} order by all")
        for table in ("customers", "rejects", "outcomes")
    }
    workspace.loader("land", str(second), "--cycle", "f3", check=True)  # no dbt build
    out = workspace.root / "forced"
    proc = workspace.loader("--json", "export", "--force", "--out", str(out), check=True)
    told = " ".join(proc.stderr.split())
    assert "cycle 2 (f3) is not kept and stays open" in told, told
    said = json.loads(proc.stdout)["cycle"]
    assert said["cycle_id"] == 2 and said["kept"] is False, said
    written = json.loads((out / "export-summary.json").read_text(encoding="utf-8"))
    assert written["cycle"]["kept"] is False
    assert workspace.query("select cycle_id, label, exported_at from cycles.cycles order by 1")[
        1:
    ] == [(2, "f3", None)]
    assert {
        table: workspace.query(f"select * from cycles.{table} order by all") for table in history
    } == history
    status = json.loads(workspace.loader("--json", "status", check=True).stdout)
    assert status["last_exported_cycle"]["cycle_id"] == 1
    assert status["current_cycle"]["exported_at"] is None


def test_a_cycle_that_cannot_be_kept_leaves_the_previous_history(workspace: Workspace) -> None:
    extracts = workspace.root / "extracts"
    workspace.loader("demo-data", "--out", str(extracts), "--customers", "200", check=True)
    workspace.loader("run", str(extracts), "--out", str(workspace.root / "full"), check=True)
    before = {
        table: workspace.query(f"select * from cycles.{table} order by all")
        for table in ("cycles", "customers", "rejects", "outcomes")
    }
    # The last table the export writes now refuses its rows: everything before it in the same
    # transaction must be undone.
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("alter table cycles.outcomes add column refusing varchar default 'kept'")
        con.execute("alter table cycles.outcomes alter column refusing set not null")
        con.execute("alter table cycles.outcomes alter column refusing drop default")
    proc = workspace.loader("export", "--out", str(workspace.root / "again"), "--cycle", "x")
    assert proc.returncode == 0, proc.stderr
    assert "cycle 1 (x) could not be kept" in " ".join(proc.stderr.split())
    after = {
        table: workspace.query(f"select * from cycles.{table} order by all")
        for table in ("cycles", "customers", "rejects")
    }
    assert after == {table: before[table] for table in after}


def test_an_account_that_folds_is_matched_across_cycles(workspace: Workspace) -> None:
    # cycles.customers keeps account_key only where folding changes the account: the delta
    # must still find these customers unchanged, and list the one that is gone.
    first, second = workspace.root / "extracts-1", workspace.root / "extracts-2"
    workspace.loader("demo-data", "--out", str(first), "--customers", "100", check=True)
    fields, rows = _read(first / "customers.csv")
    dim_fields, dims = _read(first / "customer_dimensions.csv")
    number = next(d["customer_number"] for d in dims if d["company"] == "DE01")
    template = next(r for r in rows if r["company"] == "DE01" and r["customer_number"] == number)
    template_dims = [d for d in dims if d["company"] == "DE01" and d["customer_number"] == number]
    folding = {"ab-901": "AB-901", "\uff26\uff37\uff19\uff10\uff12": "FW902"}  # full-width FW902
    _write(
        first / "customers.csv",
        fields,
        [*rows, *({**template, "customer_number": n} for n in folding)],
    )
    _write(
        first / "customer_dimensions.csv",
        dim_fields,
        [*dims, *({**d, "customer_number": n} for n in folding for d in template_dims)],
    )
    # A history written before the key was kept this way has it NOT NULL.
    workspace.loader("land", str(first), "--cycle", "one", check=True)
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("alter table cycles.customers alter column account_key set not null")
    proc = workspace.loader("run", str(first), "--out", str(workspace.root / "p1"), check=True)
    assert "could not be kept" not in proc.stderr
    kept = workspace.query(
        "select entity, customer_account, account_key from cycles.customers"
        " where account_key is not null order by all"
    )
    assert kept == sorted((m, n, k) for m in MARTS for n, k in folding.items())

    shutil.copytree(first, second)
    _, rows = _read(second / "customers.csv")
    _write(second / "customers.csv", fields, [r for r in rows if r["customer_number"] != "ab-901"])
    workspace.loader("run", str(second), "--out", str(workspace.root / "p2"), check=True)
    delta = workspace.root / "delta"
    workspace.loader("export", "--out", str(delta), "--changed-since", "one", check=True)
    summary = json.loads((delta / "export-summary.json").read_text(encoding="utf-8"))
    assert not list(delta.glob("*.zip"))
    gone = {
        (g["entity"], g["customer_account"], g["reason"])
        for g in summary["cycle"]["no_longer_exported"]
    }
    # Its dimension rows are still extracted: orphans now, so Details V2 lists it as rejected.
    assert gone == {
        ("customer_definitions", "ab-901", "not in the extract"),
        ("customer_details_v2", "ab-901", "rejected"),
    }
