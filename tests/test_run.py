"""`loader run`: the whole job on the demo sample, as `make demo` runs it."""

import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Workspace


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
    for path in zips:
        with zipfile.ZipFile(path) as package:
            data = package.read("Customer details V2.csv").decode("utf-16")
        rows_in_packages += len(data.split("\r\n")) - 2  # header and the final line break
    assert ws.query("select count(*) from main.customer_details_v2") == [(rows_in_packages,)]


def test_every_extracted_record_is_accounted_for(
    demo_run: tuple[Workspace, dict[str, object], Path],
) -> None:
    ws, _summary, _packages = demo_run
    unbalanced = ws.query(
        "select * from main.migration_reconciliation where extracted <> exported + rejected + skipped"
    )
    assert unbalanced == []
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
