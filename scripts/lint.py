"""The lint and convention gates of `make lint` (and so of `make test`).

Every selected gate runs, even after one has failed; the exit status is 1 when any failed, and
the last line names them. dbt compiles against a scratch database and target folder, build/lint/
or --scratch (nothing is built and no landed data is needed): the project's migration.duckdb and
target/ are never touched.

    python scripts/lint.py                      # every gate on the project
    python scripts/lint.py --only sqlfluff      # one gate
    python scripts/lint.py --project-dir DIR --sql models/x.sql --python bad.py

tests/test_lint_gates.py runs these same gates on deliberately bad copies of the project.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The tools of the environment that runs this script (the project's .venv under make).
BIN = Path(sys.executable).parent
# dbt deprecations (a renamed YAML key, test arguments outside `arguments:`) fail the parse.
DBT_WARN_ERROR_OPTIONS = '{"error": ["Deprecations"]}'


@dataclass(frozen=True)
class Target:
    """What the gates check: a project folder and the paths inside it."""

    project_dir: Path
    python_paths: Sequence[str]
    typed_paths: Sequence[str]
    sql_paths: Sequence[str]
    # Emptied first: the dbt database, target and logs of this run.
    scratch: Path


@dataclass(frozen=True)
class Gate:
    name: str
    command: Callable[[Target], list[str]]


GATES = (
    Gate("ruff-check", lambda t: [str(BIN / "ruff"), "check", *t.python_paths]),
    Gate("ruff-format", lambda t: [str(BIN / "ruff"), "format", "--check", *t.python_paths]),
    Gate("mypy", lambda t: [str(BIN / "mypy"), *t.typed_paths]),
    Gate(
        "dbt-parse",
        lambda t: [
            str(BIN / "dbt"),
            "parse",
            "--quiet",
            "--no-partial-parse",
            "--project-dir",
            ".",
            "--profiles-dir",
            ".",
            "--warn-error-options",
            DBT_WARN_ERROR_OPTIONS,
        ],
    ),
    # Scores the manifest the dbt-parse gate just wrote (run it first).
    Gate(
        "dbt-score",
        lambda t: [
            str(BIN / "dbt-score"),
            "lint",
            "--manifest",
            str(t.scratch / "target" / "manifest.json"),
        ],
    ),
    Gate("sqlfluff", lambda t: [str(BIN / "sqlfluff"), "lint", "--processes", "2", *t.sql_paths]),
)
GATE_NAMES = [gate.name for gate in GATES]


def run_gates(target: Target, only: Sequence[str] = ()) -> list[str]:
    """Run the gates (all, or those named in `only`, in their fixed order); return the failed."""
    shutil.rmtree(target.scratch, ignore_errors=True)
    target.scratch.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        MIGRATION_DB=str(target.scratch / "lint.duckdb"),
        DBT_TARGET_PATH=str(target.scratch / "target"),
        DBT_LOG_PATH=str(target.scratch / "logs"),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        # sqlfluff's worker processes leave semaphores that Python reports at exit: noise.
        PYTHONWARNINGS="ignore::UserWarning:multiprocessing.resource_tracker",
    )
    failed = []
    for gate in GATES:
        if only and gate.name not in only:
            continue
        print(f"== {gate.name}", flush=True)
        # A fixed tool of this environment with the caller's paths as arguments, no shell.
        command = gate.command(target)
        proc = subprocess.run(command, cwd=target.project_dir, env=env, check=False)  # noqa: S603
        if proc.returncode != 0:
            failed.append(gate.name)
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--only", action="append", choices=GATE_NAMES, default=[])
    parser.add_argument("--python", nargs="+", default=["loader", "tests", "scripts"])
    parser.add_argument("--typed", nargs="+", default=["loader", "scripts", "benchmarks"])
    parser.add_argument("--sql", nargs="+", default=["models", "tests/singular"])
    parser.add_argument("--scratch", type=Path, help="default: PROJECT_DIR/build/lint")
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    scratch = (args.scratch or project_dir / "build" / "lint").resolve()
    target = Target(project_dir, args.python, args.typed, args.sql, scratch)
    failed = run_gates(target, args.only)
    if failed:
        print(f"lint failed: {' '.join(failed)}", flush=True)
        return 1
    print("lint passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
