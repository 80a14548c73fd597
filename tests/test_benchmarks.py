"""The benchmark's bookkeeping (benchmarks/): dbt's slowest nodes, scale labels, the report,
and the dbt floor project.

No benchmark runs here: these check what is read from dbt's run_results.json, how
docs/benchmarks.md renders results, with or without the newer fields, and that the dbt floor
builds the nodes the project's production build does.
"""

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks import dbt_floor, nodes, report
from benchmarks.config import PROJECT_DIR, scale_label
from benchmarks.phases import DBT_FLOOR, PIPELINE, PhaseState, blocking_phase
from tests.conftest import VENV_BIN, Workspace


def _run_results(path: Path, times: dict[str, float], elapsed: float | None = 3.5) -> Path:
    results = [
        {"unique_id": uid, "status": "success", "execution_time": t} for uid, t in times.items()
    ]
    data: dict[str, Any] = {"results": results}
    if elapsed is not None:
        data["elapsed_time"] = elapsed
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _phase(wall_s: float) -> dict[str, Any]:
    return {"label": "", "status": "ok", "wall_s": wall_s, "cpu_s": wall_s, "repeats": 3,
            "peak_rss_bytes": 2**28, "rows": 1000, "rows_per_s": 1000 / wall_s,
            "wall_runs_s": [wall_s] * 3}  # fmt: skip


def _result(customers: int = 1_000_000, dbt_wall_s: float = 40.0) -> dict[str, Any]:
    """A results JSON as written before `dbt_slowest_nodes` existed."""
    phases = {name: _phase(1.0) for name in ("floor", "land", "export", "verify", "naive")}
    phases["dbt_build"] = _phase(dbt_wall_s)
    return {
        "scale": scale_label(customers),
        "customers": customers,
        "seed": 42,
        "repeat": 3,
        "measured_at": "2026-01-01T00:00:00Z",
        "machine": {"nproc": 2},
        "inputs": {"file_bytes": {"customers.csv": 4000}},
        "phases": phases,
        "end_to_end": {"status": "ok", "missing": [], "wall_s": dbt_wall_s + 2, "cpu_s": 0.0,
                       "peak_rss_bytes": 2**28, "customer_records_per_s": 1.0},
        "ratio_to_floor": {"end_to_end": dbt_wall_s + 2},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("customers", "label"),
    [(100, "100"), (1_000, "1k"), (100_000, "100k"), (1_000_000, "1M"), (2_500_000, "2.5M")],
)
def test_scale_label(customers: int, label: str) -> None:
    assert scale_label(customers) == label


def test_reads_the_slowest_nodes_in_order(tmp_path: Path) -> None:
    times = {f"model.proj.m{i}": float(i) for i in range(12)}
    times["test.proj.not_null_m1_id.ab12cd"] = 4.5
    times["unit_test.proj.m1.keeps_nulls"] = 0.25
    times["seed.proj.legal_entities"] = 0.5
    found = nodes.read(_run_results(tmp_path / "run_results.json", times), 5.0, repeat=2)

    assert found is not None
    assert found["repeat"] == 2
    assert found["node_count"] == 15
    assert found["node_time_s"] == pytest.approx(sum(times.values()))
    assert found["wall_s"] == 5.0 and found["elapsed_s"] == 3.5
    slowest = found["slowest"]
    assert len(slowest) == nodes.SLOWEST
    assert [n["execution_time_s"] for n in slowest] == sorted(
        (n["execution_time_s"] for n in slowest), reverse=True
    )
    assert slowest[0] == {
        "unique_id": "model.proj.m11",
        "type": "model",
        "status": "success",
        "execution_time_s": 11.0,
    }
    assert any(n["type"] == "test" for n in slowest)


def test_no_run_results_is_none(tmp_path: Path) -> None:
    assert nodes.read(tmp_path / "run_results.json", 1.0, repeat=1) is None
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert nodes.read(tmp_path / "broken.json", 1.0, repeat=1) is None


def test_names_and_types() -> None:
    assert nodes.node_type("unit_test.proj.customers.keeps_nulls") == "unit_test"
    assert nodes.short_name("test.proj.not_null_x_id.ab12") == "not_null_x_id.ab12"
    assert nodes.short_name("model.proj.customer_details_v2") == "customer_details_v2"


def test_median_repeat() -> None:
    repeats = [{"repeat": i, "wall_s": w} for i, w in ((1, 9.0), (2, 7.0), (3, 8.0))]
    assert nodes.median_repeat(repeats) == {"repeat": 3, "wall_s": 8.0}
    assert nodes.median_repeat(repeats[:2]) == {"repeat": 2, "wall_s": 7.0}
    assert nodes.median_repeat([]) is None


def test_result_without_the_field_still_renders() -> None:
    section = report.scale_section(_result())
    assert "Ten slowest dbt nodes (1M customers)" in section
    assert "Not recorded" in section
    assert "`customers.csv` 4 KiB" in section


def test_result_with_nodes_renders_the_table(tmp_path: Path) -> None:
    result = _result()
    times = {"model.proj.customer_details_v2": 2.0, "test.proj.unique_x|y.ab": 1.0}
    run_results = _run_results(tmp_path / "run_results.json", times)
    result["dbt_slowest_nodes"] = [
        nodes.read(run_results, wall, repeat) for repeat, wall in ((1, 9.0), (2, 7.5), (3, 8.0))
    ]
    section = report.scale_section(result)
    assert "| `customer_details_v2` | model | 2.00 |" in section
    assert "`unique_x\\|y.ab`" in section  # a pipe in a name does not break the table
    assert "repeat 3 of 3" in section
    assert "8.00 s wall" in section and "4.50 s (56%)" in section  # wall minus elapsed_time


def test_target_at_100_customers() -> None:
    large = _result()
    assert "dbt build on 100 customers ≤ 8 s | not measured" in report.targets_section([large])
    met = report.targets_section([_result(100, 6.25), large])
    assert "| dbt build on 100 customers ≤ 8 s | 6.25 s (median of 3, 2 cores) | met |" in met
    missed = report.targets_section([_result(100, 9.5), large])
    assert "| 9.50 s (median of 3, 2 cores) | **not met** |" in missed


def test_scales_on_the_same_machine_are_not_flagged_for_their_load() -> None:
    machine = {"nproc": 2, "memory_bytes": 2**34, "cpu_model": "x", "os": "y",
               "versions": {"duckdb": "2.0.1"}}  # fmt: skip
    small, large, other = _result(100), _result(1_000_000), _result(10_000_000)
    small["machine"] = {**machine, "load_average_at_end": [0.5, 0.5, 0.5]}
    large["machine"] = {**machine, "load_average_at_end": [1.5, 1.2, 1.0]}
    other["machine"] = {**machine, "versions": {"duckdb": "1.4.0"}}
    large["measured_at"] = "2026-01-02T00:00:00Z"

    assert "another machine" not in report.machine_section([small, large])
    assert "another machine or stack: 10M." in report.machine_section([small, large, other])


def test_a_skipped_verify_still_measures_the_cycle_and_the_report() -> None:
    states = {name: PhaseState(name) for name in PIPELINE}
    states["verify"].stop("skipped", "BENCH_SKIP")
    assert blocking_phase("keep_cycle", states) is None
    assert blocking_phase("report", states) is None
    states["dbt_build"].stop("failed", "exit 1")
    assert blocking_phase("report", states) == "dbt_build"
    assert blocking_phase("land", states) is None


def test_the_dbt_floor_waits_for_the_dbt_build() -> None:
    states = {name: PhaseState(name) for name in (*PIPELINE, DBT_FLOOR)}
    assert blocking_phase(DBT_FLOOR, states) is None
    states["land"].stop("failed", "exit 1")
    assert blocking_phase(DBT_FLOOR, states) == "land"


def test_target_at_100_customers_names_dbts_floor() -> None:
    small = _result(100, 9.5)
    small["phases"][DBT_FLOOR] = {**_phase(7.25), "rows": 64}
    line = report.targets_section([small, _result()])
    assert "| 9.50 s (median of 3, 2 cores); dbt's floor for the same 64 nodes: 7.25 s |" in line
    assert "dbt floor (trivial nodes)" in report.scale_section(small)


def _types(run_results: Path) -> Counter[str]:
    data = json.loads(run_results.read_text(encoding="utf-8"))
    return Counter(nodes.node_type(r["unique_id"]) for r in data["results"])


def test_the_dbt_floor_builds_the_nodes_of_the_production_build(workspace: Workspace) -> None:
    """Real dbt, both projects: the floor's `dbt build` runs as many seeds, models, data tests
    and exposures as the project's default selection holds (no unit test), and its hooks."""
    listed = workspace.dbt("ls", "--output", "json", "--output-keys", "resource_type config")
    assert listed.returncode == 0, listed.stdout
    selected: Counter[str] = Counter()
    for line in listed.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            ephemeral = item.get("config", {}).get("materialized") == "ephemeral"
            if item["resource_type"] not in ("source", "unit_test") and not ephemeral:
                selected[item["resource_type"]] += 1
    # The on-run-end hooks are no resource `dbt ls` lists, but each is a result of the run.
    manifest = json.loads((workspace.target_dir / "manifest.json").read_text())
    selected["operation"] = sum(
        1 for n in manifest["nodes"].values() if n["resource_type"] == "operation"
    )
    assert selected["operation"] == 1  # macros/build_results.sql
    shape = dbt_floor.project_shape(PROJECT_DIR, workspace.target_dir / "manifest.json")
    assert shape.nodes == sum(selected.values())
    assert shape.models["ephemeral"] > 0 and shape.sources > 0  # the project has both kinds

    floor = workspace.root / "dbt-floor"
    dbt_floor.write_project(floor, shape)
    env = {**workspace.env, "DBT_TARGET_PATH": str(floor / "target")}
    env["DBT_LOG_PATH"] = str(floor / "logs")
    built = subprocess.run(
        [str(VENV_BIN / "dbt"), "build", "--project-dir", str(floor),
         "--profiles-dir", str(floor)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:]
    assert _types(floor / "target" / "run_results.json") == selected
