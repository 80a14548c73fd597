"""The export gate: a pure function over dbt's artefacts, and the same gate after a real dbt run."""

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from loader.gate import blocking_problems, check
from tests.conftest import PROJECT_DIR, Workspace
from tests.test_export import MODEL_ID, TEST_IDS, dbt_artifacts, make_mart, open_gate, read_package

RUN = datetime(2026, 1, 2, 8, 0, 0, tzinfo=UTC)
LAND = datetime(2026, 1, 2, 7, 0, 0)  # naive UTC, as raw._loads holds it


def problems(statuses: dict[str, str] | None = None, land: datetime | None = LAND) -> list[str]:
    run_results, manifest = dbt_artifacts(statuses, RUN)
    return check(run_results, manifest, land, "customer_details_v2")


def test_built_and_tested_after_the_land_opens_the_gate() -> None:
    assert problems() == []


def test_a_warning_does_not_block() -> None:
    assert problems({TEST_IDS[0]: "warn", TEST_IDS[1]: "warn"}) == []


@pytest.mark.parametrize("status", ["fail", "error", "skipped"])
def test_a_test_that_did_not_pass_blocks(status: str) -> None:
    (problem,) = problems({TEST_IDS[0]: status})
    assert problem.startswith(f"test not_null_customer_details_v2_CUSTOMERACCOUNT {status}")
    if status == "fail":
        assert "(5 failing rows)" in problem


@pytest.mark.parametrize("status", ["error", "skipped"])
def test_a_model_that_did_not_build_blocks(status: str) -> None:
    (problem,) = problems({MODEL_ID: status})
    assert problem.startswith(f"model customer_details_v2 {status}")


def test_tests_that_did_not_run_block() -> None:
    # `dbt run` only: the model built, no test ran.
    (problem,) = problems({TEST_IDS[0]: "absent", TEST_IDS[1]: "absent"})
    assert problem.startswith("dbt's latest run has no result for test ")
    assert "test not_null_customer_details_v2_CUSTOMERACCOUNT" in problem
    assert "run `dbt build` (not only `dbt run`)" in problem


def test_a_run_without_the_model_blocks() -> None:
    (problem,) = problems({MODEL_ID: "absent"})
    assert "no result for model customer_details_v2" in problem


def test_results_older_than_the_last_land_block() -> None:
    (problem,) = problems(land=datetime(2026, 1, 2, 9, 0, 0))
    assert "older than the last `loader land` (finished 2026-01-02 09:00:00 UTC)" in problem
    # A land at the very moment the build started is not newer than it.
    assert problems(land=RUN.replace(tzinfo=None)) == []


def _started_at(run_results: dict[str, object], unique_id: str, moment: datetime) -> None:
    """The result of UNIQUE_ID started at MOMENT (a new success when it has none)."""
    timing = [{"name": "execute", "started_at": moment.isoformat()}]
    results: list[dict[str, object]] = run_results["results"]  # type: ignore[assignment]
    for result in results:
        if result["unique_id"] == unique_id:
            result["timing"] = timing
            return
    results.append({"unique_id": unique_id, "status": "success", "timing": timing})


def test_tests_that_ran_before_the_mart_was_rebuilt_block() -> None:
    """`dbt run -s` the mart after a build: its tests vouch for the mart before."""
    run_results, manifest = dbt_artifacts(None, RUN)
    _started_at(run_results, MODEL_ID, RUN + timedelta(minutes=5))
    (problem,) = check(run_results, manifest, LAND, "customer_details_v2")
    assert problem == (
        "test no_invoice_account_chains_customer_details_v2__CUSTOMERACCOUNT___INVOICEACCOUNT___DATAAREAID_, "
        "test not_null_customer_details_v2_CUSTOMERACCOUNT ran before model customer_details_v2 was last built, and vouch for the one before: "
        "run `dbt build`"
    )


@pytest.mark.parametrize(("minutes", "blocks"), [(5, True), (-5, False)])
def test_a_seed_reloaded_after_the_mart_blocks(minutes: int, blocks: bool) -> None:
    run_results, manifest = dbt_artifacts(None, RUN)
    seed = "seed.d365_customer_migration.legal_entities"
    manifest["nodes"][MODEL_ID]["depends_on"]["nodes"] = [seed]  # type: ignore[index]
    manifest["nodes"][seed] = {"resource_type": "seed"}  # type: ignore[index]
    _started_at(run_results, seed, RUN + timedelta(minutes=minutes))
    found = check(run_results, manifest, LAND, "customer_details_v2")
    assert found == (
        [
            "seed legal_entities was rebuilt after model customer_details_v2, which reads it: "
            "run `dbt build`"
        ]
        if blocks
        else []
    )


UPSTREAM = "model.d365_customer_migration.int_customers"
THROUGH = "model.d365_customer_migration.int_customers__outcome"


@pytest.mark.parametrize(
    ("stored", "blocks"), [("table", True), ("incremental", True), ("view", False)]
)
def test_a_table_the_mart_reads_built_before_the_land_blocks(stored: str, blocks: bool) -> None:
    """The mart built after the land, from a table (read through an ephemeral model) built
    before it: the mart holds the previous extract. A view reads the land as it is."""
    run_results, manifest = dbt_artifacts(None, RUN)
    nodes = manifest["nodes"]
    assert isinstance(nodes, dict)
    nodes[MODEL_ID]["depends_on"]["nodes"] = [THROUGH]
    nodes[THROUGH] = {
        "resource_type": "model",
        "config": {"materialized": "ephemeral"},
        "depends_on": {"nodes": [UPSTREAM]},
    }
    nodes[UPSTREAM] = {"resource_type": "model", "config": {"materialized": stored}}
    _started_at(run_results, UPSTREAM, LAND.replace(hour=6, tzinfo=UTC))
    found = check(run_results, manifest, LAND, "customer_details_v2")
    assert found == (
        [
            "dbt's latest results for customer_details_v2 (or a model it reads) are older than "
            "the last `loader land` (finished 2026-01-02 07:00:00 UTC): run `dbt build`"
        ]
        if blocks
        else []
    )


def test_no_land_recorded_blocks() -> None:
    assert problems(land=None) == ["no `loader land` is recorded (raw._loads is empty or missing)"]


UNIT_TEST = "unit_test.d365_customer_migration.customer_details_v2.keeps_empty_cells"


def with_unit_test(status: str) -> list[str]:
    """The gate's problems when the mart has a unit test that ended with STATUS."""
    run_results, manifest = dbt_artifacts({UNIT_TEST: status}, RUN)
    manifest["unit_tests"] = {  # type: ignore[index]
        UNIT_TEST: {"resource_type": "unit_test", "depends_on": {"nodes": [MODEL_ID]}}
    }
    return check(run_results, manifest, LAND, "customer_details_v2")


def test_a_production_build_without_the_unit_tests_opens_the_gate() -> None:
    # selectors.yml leaves unit tests out of `dbt build`: they vouch for the code, not the data.
    assert with_unit_test("absent") == []
    assert with_unit_test("pass") == []


@pytest.mark.parametrize("status", ["fail", "error"])
def test_a_unit_test_that_ran_and_failed_blocks(status: str) -> None:
    (problem,) = with_unit_test(status)
    assert problem.startswith(f"unit test customer_details_v2.keeps_empty_cells {status}")
    # The advice clears it: a plain `dbt build` leaves unit tests out, and never would.
    assert problem.endswith("fix it and run `dbt build --selector ci`")


def test_a_manifest_without_the_model_blocks() -> None:
    run_results, manifest = dbt_artifacts(None, RUN)
    manifest["nodes"] = {}
    assert check(run_results, manifest, LAND, "customer_details_v2") == [
        "dbt's manifest has no model customer_details_v2: run `dbt build`"
    ]


# -- the gate after a real `loader land` + `dbt build` ---------------------------------------

MART_SQL = PROJECT_DIR / "models" / "marts" / "customer_details_v2.sql"


@pytest.mark.skipif(not MART_SQL.exists(), reason="the mart model is not written yet")
def test_gate_on_a_real_dbt_run(workspace: Workspace) -> None:
    extracts = workspace.root / "extracts"
    workspace.loader("demo-data", "--out", str(extracts), "--customers", "200", check=True)
    workspace.loader("land", str(extracts), check=True)
    workspace.dbt("build", check=True)
    out = workspace.root / "out"

    # Built and tested after the land: the gate is open, packages verify.
    opened = workspace.loader("export", "--out", str(out))
    assert opened.returncode == 0, opened.stderr
    files = sorted(out.glob("*.zip"))
    assert files
    for path in files:
        read_package(path)
    assert workspace.loader("verify", *map(str, files)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # A newer land: dbt's results are stale.
    workspace.loader("land", str(extracts), check=True)
    stale = workspace.loader("export", "--out", str(out))
    assert stale.returncode == 1
    # One problem for every mart the land made stale: the same land, the same remedy.
    assert stale.stderr.count("older than the last `loader land`") == 1
    assert (
        "results for customer_definitions, customer_details_v2 and migration_reconciliation "
        "(or a model they read) are older" in stale.stderr
    )
    # `loader status` lists it, wrapped under its own text in an 80-column terminal.
    narrow = replace(workspace, env={**workspace.env, "COLUMNS": "80"})
    shown = narrow.loader("status", check=True).stderr.splitlines()
    first = next(n for n, line in enumerate(shown) if line.startswith("  - dbt's latest results"))
    assert shown[first + 1].startswith("    ") and shown[first + 1].strip()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    # The marts alone rebuilt, from the tables the build before the land left: still stale.
    workspace.dbt("build", "--select", "customer_definitions", "customer_details_v2", check=True)
    partial = workspace.loader("export", "--out", str(out))
    assert partial.returncode == 1
    assert "(or a model they read) are older than the last `loader land`" in partial.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    # Both marts and all they read rebuilt, the reconciliation left behind: the summary would
    # give the previous extract's counts under "every extracted record is accounted for".
    workspace.dbt("build", "--select", "+customer_definitions", "+customer_details_v2", check=True)
    counts = workspace.loader("export", "--out", str(out))
    assert counts.returncode == 1
    assert (
        "dbt's latest results for migration_reconciliation (or a model it reads) are older"
        in counts.stderr
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    # Failing dbt tests: a duplicate account (differing by case) slipped into the mart, and a
    # record the reconciliation counts twice.
    with duckdb.connect(str(workspace.database)) as con:
        con.execute(
            'INSERT INTO main.customer_details_v2 SELECT "DATAAREAID", lower("CUSTOMERACCOUNT"), '
            '"INVOICEACCOUNT", "DEFAULTDIMENSIONDISPLAYVALUE" FROM main.customer_details_v2 LIMIT 1'
        )
        con.execute(
            "UPDATE main.migration_reconciliation SET exported = exported + 1"
            " WHERE entity = 'customer_definitions' AND data_area_id = 'USMF'"
        )
    failed_test = workspace.dbt(
        "test", "--select", "customer_details_v2", "assert_reconciliation_balances"
    )
    assert failed_test.returncode != 0
    run_results = json.loads((workspace.target_dir / "run_results.json").read_text())
    assert any(r["status"] == "fail" for r in run_results["results"])
    refused = workspace.loader("export", "--out", str(out))
    assert refused.returncode == 1
    assert "export refused" in refused.stderr
    assert "unique_key_customer_details_v2" in refused.stderr
    assert " fail (1 failing rows)" in refused.stderr
    assert "test assert_reconciliation_balances fail (1 failing rows)" in refused.stderr

    # --force exports anyway, loudly, and the summary records it.
    forced = workspace.loader("export", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "warning: --force: exporting although" in forced.stderr
    summary = json.loads((out / "export-summary.json").read_text())
    assert summary["gate"]["forced"] is True
    assert any("unique_key_customer_details_v2" in p for p in summary["gate"]["problems"])


def test_a_partial_rebuild_or_a_changed_file_after_the_build_blocks(workspace: Workspace) -> None:
    """Every result newer than the land, and still not what the marts would be now: a build
    of no record, a seed reloaded alone, a mart rebuilt without its tests, a seed corrected
    without a build."""
    extracts = workspace.root / "extracts"
    workspace.loader("demo-data", "--out", str(extracts), "--customers", "100", check=True)
    workspace.loader("land", str(extracts), check=True)
    workspace.dbt("build", check=True)

    def refused(*said: str) -> None:
        proc = workspace.loader("export", "--out", str(workspace.root / "out"))
        assert proc.returncode == 1
        told = " ".join(proc.stderr.split())
        for words in said:
            assert words in told, told

    # A build of none of the records (`dbt build --empty`): its own tests pass on nothing.
    workspace.dbt("build", "--empty", check=True)
    refused(
        "main.migration_reconciliation does not count every record the last land recorded "
        "(0 of the ",
        "run `dbt build` (not `--empty` or `--sample`)",
    )
    workspace.dbt("build", check=True)
    # A mapping reloaded (`dbt seed`): the marts were built from the one before.
    workspace.dbt("seed", "--select", "legal_entities", check=True)
    refused(
        "seed legal_entities was rebuilt after model customer_details_v2, which reads it",
        "seed legal_entities was rebuilt after model customer_definitions, which reads it",
    )
    workspace.dbt("build", check=True)
    # A mart rebuilt alone (`dbt run -s`): its tests vouched for the one before.
    workspace.dbt("run", "--select", "customer_details_v2", check=True)
    refused("ran before model customer_details_v2 was last built, and vouch for the one before")

    # A mapping corrected in the seed file, and nothing run since.
    workspace.dbt("build", check=True)
    seed = PROJECT_DIR / "seeds" / "legal_entities.csv"
    kept = seed.stat()
    try:
        os.utime(seed)  # saved now, as an editor would
        refused("seeds/legal_entities.csv changed after dbt last built from it: run `dbt build`")
        workspace.dbt("build", check=True)
        opened = workspace.loader("export", "--out", str(workspace.root / "out"))
        assert opened.returncode == 0, opened.stderr
    finally:
        os.utime(seed, ns=(kept.st_atime_ns, kept.st_mtime_ns))


@pytest.mark.skipif(not MART_SQL.exists(), reason="the mart model is not written yet")
def test_the_gate_reads_the_results_dbt_kept_in_the_database(workspace: Workspace) -> None:
    """run_results.json is rewritten by any dbt command and shared by every database built with
    the same target folder: the gate reads what dbt kept in the exported database instead."""
    extracts = workspace.root / "extracts"
    workspace.loader("demo-data", "--out", str(extracts), "--customers", "100", check=True)
    workspace.loader("land", str(extracts), check=True)
    workspace.dbt("build", check=True)

    # The README's path: `dbt docs generate` after the build leaves compile results in
    # run_results.json (nothing ran); the build's results still open the gate.
    workspace.dbt("docs", "generate", check=True)
    compiled = json.loads((workspace.target_dir / "run_results.json").read_text())
    assert compiled["args"]["which"] == "generate"
    opened = workspace.loader("export", "--out", str(workspace.root / "out"))
    assert opened.returncode == 0, opened.stderr

    # A newer land here, then a build of another database with the same target folder: its
    # run_results.json is newer than this land, but this database's marts are stale.
    workspace.loader("land", str(extracts), check=True)
    other = replace(
        workspace, env={**workspace.env, "MIGRATION_DB": str(workspace.root / "o.duckdb")}
    )
    other.loader("land", str(extracts), check=True)
    other.dbt("build", check=True)
    stale = workspace.loader("export", "--out", str(workspace.root / "stale"))
    assert stale.returncode == 1
    assert "older than the last `loader land`" in stale.stderr
    assert not (workspace.root / "stale").exists()

    # A database dbt never built.
    never = replace(
        workspace, env={**workspace.env, "MIGRATION_DB": str(workspace.root / "n.duckdb")}
    )
    never.loader("land", str(extracts), check=True)
    refused = never.loader("export", "--out", str(workspace.root / "never"))
    assert refused.returncode == 1
    assert "dbt has not built this database: run `dbt build`" in refused.stderr


@pytest.mark.parametrize(
    "manifest",
    ['{"nodes": {"a": 1}}', '{"nodes": []}', '{"macros": {"m": "x"}}', "[]", "{not json"],
)
def test_a_manifest_of_another_shape_is_one_line(workspace: Workspace, manifest: str) -> None:
    """Not "stopped on a bug": the gate reads only the manifest dbt writes."""
    make_mart(workspace)
    open_gate(workspace)
    (workspace.target_dir / "manifest.json").write_text(manifest)
    for command in (["export", "--out", str(workspace.root / "out")], ["status"]):
        proc = workspace.loader(*command)
        assert "Traceback" not in proc.stderr and "bug" not in proc.stderr, proc.stderr
        told = " ".join(proc.stderr.split())  # status wraps its lines
        assert "manifest.json" in told and "run `dbt build` again" in told, told
    assert not (workspace.root / "out").exists()


@pytest.mark.parametrize(("adapter", "refused"), [("duckdb", True), ("spark", False)])
def test_parquet_marts_need_the_results_of_a_spark_build(
    tmp_path: Path, adapter: str, refused: bool
) -> None:
    """`--from-parquet` reads run_results.json: one a DuckDB build wrote says nothing of the
    Parquet marts a Spark build wrote."""
    run_results, manifest = dbt_artifacts(None, RUN)
    manifest["metadata"] = {"dbt_version": "1.11.16", "adapter_type": adapter}
    (tmp_path / "run_results.json").write_text(json.dumps(run_results))
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with duckdb.connect(":memory:") as con:
        found = blocking_problems(con, tmp_path, ["customer_details_v2"], from_database=False)
    said = (
        f"{tmp_path / 'manifest.json'} is of a duckdb build, not of the Spark build that wrote "
        "the Parquet marts: run `dbt build --target spark`"
    )
    assert (said in found) == refused, found
