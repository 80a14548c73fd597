"""The measured phases: the pipeline's four commands, the floor and the naive reference.

Every phase is a separate process run exactly as a user runs it, against a private
database, dbt target folder and log folder inside the benchmark's work folder.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from benchmarks import dbt_floor, nodes
from benchmarks.config import BENCH_DIR, PROJECT_DIR, Config
from benchmarks.measure import Run

PIPELINE = ("land", "dbt_build", "export", "verify", "keep_cycle", "report")
END_TO_END = ("land", "dbt_build", "export")  # what the floor does; verify is extra
# What cycles add to `loader run` (land + build + export, whose export keeps the cycle too):
# the cycle kept alone, and `loader report` (docs/cycles.md).
CYCLE_COST = ("keep_cycle", "report")
REFERENCES = ("floor", "naive")
# dbt's own fixed cost: a project of the dbt build's shape with trivial SQL (dbt_floor.py). It
# reads the shape from the manifest of the repeat's dbt build, so it runs after the pipeline.
DBT_FLOOR = "dbt_floor"
# The phase whose output each one reads: it runs only when that one can. Verify, the cycle
# kept again and the report each read what the export wrote, not each other, so skipping
# verify (BENCH_SKIP) still measures the other two.
NEEDS = {
    "dbt_build": "land",
    "export": "dbt_build",
    "verify": "export",
    "keep_cycle": "export",
    "report": "export",
    DBT_FLOOR: "dbt_build",
}
LABELS = {
    "floor": "floor (one DuckDB script)",
    "land": "loader land",
    "dbt_build": "dbt build",
    DBT_FLOOR: "dbt floor (trivial nodes)",
    "export": "loader export",
    "verify": "loader verify",
    "keep_cycle": "cycle kept (in export)",
    "report": "loader report",
    "naive": "naive (pandas)",
}
# What each phase's rows/s counts.
ROW_UNITS = {
    "land": "extract records landed",
    "dbt_build": "customer records built",
    DBT_FLOOR: "dbt nodes run",
    # Customer details V2 rows: the packages hold about as many Customer definitions rows again.
    "export": "Customer details V2 rows written",
    "verify": "Customer details V2 rows verified",
    "keep_cycle": "customer records kept",
    "report": "reject rows reported",
    "floor": "Customer details V2 rows written",
    "naive": "Customer details V2 rows written",
}
MART_MODEL = "customer_details_v2"
MARKER = ".bench-work"  # only a folder holding this is ever removed


@dataclass
class PhaseState:
    """A phase's outcome across the repeats."""

    name: str
    status: str = "ok"  # ok | not available | blocked | failed | skipped
    reason: str = ""
    runs: list[Run] = field(default_factory=list)
    rows: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)  # per repeat: dbt's slowest nodes

    @property
    def runnable(self) -> bool:
        return self.status == "ok"

    def stop(self, status: str, reason: str) -> None:
        self.status, self.reason = status, reason


def blocking_phase(name: str, states: dict[str, PhaseState]) -> str | None:
    """The phase NAME needs, directly or through another, that cannot run; None when none."""
    needed = NEEDS.get(name)
    while needed is not None:
        if not states[needed].runnable:
            return needed
        needed = NEEDS.get(needed)
    return None


@dataclass(frozen=True)
class Workspace:
    config: Config

    @property
    def root(self) -> Path:
        return self.config.work_dir

    @property
    def extracts(self) -> Path:
        return self.config.extracts or self.root / "extracts"

    @property
    def database(self) -> Path:
        return self.root / "migration.duckdb"

    @property
    def packages(self) -> Path:
        return self.root / "packages"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def dbt_target(self) -> Path:
        return self.root / "target"

    @property
    def dbt_floor(self) -> Path:
        return self.root / "dbt-floor"

    def tool(self, name: str) -> str:
        return str(self.config.bin_dir / name)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            MIGRATION_DB=str(self.database),
            DBT_TARGET_PATH=str(self.dbt_target),
            DBT_LOG_PATH=str(self.root / "dbt-logs"),
            DO_NOT_TRACK="1",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
            DBT_USE_COLORS="false",
            NO_COLOR="1",
            COLUMNS="120",
        )
        return env

    def phase_env(self, name: str) -> dict[str, str]:
        env = self.env
        if name == DBT_FLOOR:  # a target and logs of its own: the real build's stay as they are
            env.update(
                DBT_TARGET_PATH=str(self.dbt_floor / "target"),
                DBT_LOG_PATH=str(self.dbt_floor / "logs"),
            )
        return env

    def reset_database(self) -> None:
        """Each repeat lands into a new database, as a first land does."""
        for suffix in ("", ".wal"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)


def _exits_zero(cmd: list[str], env: dict[str, str]) -> bool:
    proc = subprocess.run(cmd, env=env, capture_output=True, check=False)  # noqa: S603
    return proc.returncode == 0


def unavailable_reason(ws: Workspace, name: str) -> str:
    """Why a phase cannot run on this checkout, or '' when it can."""
    if name in ("land", "export", "verify", "report"):
        if not _exits_zero([ws.tool("loader"), name, "--help"], ws.env):
            return f"`loader {name}` does not exist yet"
    elif name in ("dbt_build", DBT_FLOOR):
        if not Path(ws.tool("dbt")).exists():
            return "dbt is not installed"
        if not any((PROJECT_DIR / "models").rglob(f"{MART_MODEL}.sql")):
            return f"the dbt model {MART_MODEL} does not exist yet"
    elif name == "naive" and not _exits_zero([sys.executable, "-c", "import pandas"], ws.env):
        return "pandas is not installed: install the `bench` extra"
    return ""


def command(ws: Workspace, name: str) -> list[str]:
    seeds = str(PROJECT_DIR / "seeds")
    match name:
        case "land":
            return [ws.tool("loader"), "land", str(ws.extracts)]
        case "dbt_build":
            project = str(PROJECT_DIR)
            return [ws.tool("dbt"), "build", "--project-dir", project, "--profiles-dir", project]
        case "dbt_floor":
            floor = str(ws.dbt_floor)
            return [ws.tool("dbt"), "build", "--project-dir", floor, "--profiles-dir", floor]
        case "export":
            return [ws.tool("loader"), "export", "--out", str(ws.packages)]
        case "verify":
            return [ws.tool("loader"), "verify", *map(str, sorted(ws.packages.glob("*.zip")))]
        case "keep_cycle":
            return [sys.executable, "-m", "benchmarks.keep_cycle"]
        case "report":
            return [ws.tool("loader"), "report", "--out", str(ws.root / "report")]
        case "floor" | "naive":
            out = ws.root / name / f"{name}.zip"
            return [
                sys.executable,
                str(BENCH_DIR / f"{name}.py"),
                str(ws.extracts),
                seeds,
                str(out),
            ]
    raise ValueError(name)


def prepare_output(ws: Workspace, name: str) -> None:
    """Remove what the previous repeat wrote, so every repeat writes from scratch."""
    if name == "dbt_build":  # a failed build must not leave the previous repeat's node times
        (ws.dbt_target / "run_results.json").unlink(missing_ok=True)
        return
    if name == DBT_FLOOR:  # written once, from the first build's manifest, and kept (as the
        # real project keeps its target folder, so both parse in full once)
        if not (ws.dbt_floor / "dbt_project.yml").exists():
            shape = dbt_floor.project_shape(PROJECT_DIR, ws.dbt_target / "manifest.json")
            dbt_floor.write_project(ws.dbt_floor, shape)
        (ws.dbt_floor / "target" / "run_results.json").unlink(missing_ok=True)
        return
    folder = {"export": ws.packages, "floor": ws.root / "floor", "naive": ws.root / "naive"}.get(
        name
    )
    if folder is None:
        return
    for path in folder.glob("*") if folder.exists() else ():
        path.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _count(ws: Workspace, sql: str) -> int:
    with duckdb.connect(str(ws.database), read_only=True) as con:
        row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def pipeline_rows(ws: Workspace, name: str) -> int:
    """The rows a pipeline phase handled, read from the database once it has finished."""
    if name == "land":
        tables = ("customers", "customer_dimensions", "target_customers")
        return _count(ws, "select " + " + ".join(f"(select count(*) from raw.{t})" for t in tables))
    if name in ("dbt_build", "keep_cycle"):
        return _count(ws, "select count(*) from raw.customers")
    if name == DBT_FLOOR:
        found = nodes.read(ws.dbt_floor / "target" / "run_results.json", 0.0, 0)
        return found["node_count"] if found else 0
    if name == "report":
        return _count(ws, "select count(*) from cycles.rejects")
    return _count(ws, f"select count(*) from main.{MART_MODEL}")
