"""Running `dbt build` in-process for `loader run`, with the same settings a user's dbt has.

dbt-duckdb keeps its DuckDB instance open in a class attribute after a run and
holds the file's lock until it is closed: `build()` closes it before returning,
so the export that follows can open the file.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loader.errors import CannotRunError, LoaderError
from loader.settings import PROJECT_DIR, database_path, dbt_target_dir

FAILED_STATUSES = {"error", "fail", "runtime error"}


@dataclass
class BuildOutcome:
    """What a build did, counted by status, and the nodes that did not pass."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0  # nodes not run because a node before them failed
    failed_tests: list[str] = field(default_factory=list)

    def failure(self) -> str:
        """The problems in one line: the first three, how many more, what was skipped after
        them (dbt's skip message of an ephemeral model reads like a compilation error), and
        how to see the rows of a failed test."""
        shown = "; ".join(self.problems[:3])
        more = f" and {len(self.problems) - 3} more" if len(self.problems) > 3 else ""
        skipped = (
            f"; {self.skipped} node{'' if self.skipped == 1 else 's'} skipped after "
            f"{'it' if len(self.problems) == 1 else 'them'}"
            if self.skipped
            else ""
        )
        rows = (
            f"; its rows: `dbt test --select {self.failed_tests[0]} --store-failures`"
            if len(self.failed_tests) == 1
            else ""
        )
        said = f"{shown}{more}{skipped}{rows}".removeprefix("; ")  # only skipped: no lead
        return (
            f"dbt build failed: {said}; see "
            f"{dbt_target_dir() / 'run_results.json'} or run `dbt build` for details"
        )


def _prepare_environment() -> None:
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["MIGRATION_DB"] = str(database_path())
    os.environ.setdefault("DBT_TARGET_PATH", str(dbt_target_dir()))


def _close_dbt_connections() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import cleanup_connections, reset_adapters

    cleanup_connections()
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
    reset_adapters()


def build(on_node_done: Callable[[str, str], None] = lambda _name, _status: None) -> BuildOutcome:
    """Run `dbt build` on the project; raise LoaderError when any model, seed or test failed."""
    _prepare_environment()
    from dbt.cli.main import dbtRunner

    def callback(event: Any) -> None:
        if event.info.name == "NodeFinished":
            node = event.data.node_info
            on_node_done(node.unique_id, node.node_status)

    args = [
        "build",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        # Nothing on the console, not even the traceback dbt prints when Ctrl-C cancels it:
        # the results come back through the callback and the result, and dbt.log has it all.
        "--log-level",
        "none",
        "--log-level-file",  # else `none` applies to dbt.log too
        os.environ.get("DBT_LOG_LEVEL_FILE") or "debug",
    ]
    try:
        result = dbtRunner(callbacks=[callback]).invoke(args)
    finally:
        _close_dbt_connections()
    if result.exception is not None:
        raise CannotRunError(
            f"dbt build could not run: {str(result.exception).strip().splitlines()[0]}"
        )
    outcome = _summarise(result.result)
    if outcome.problems or outcome.skipped:
        raise LoaderError(outcome.failure())
    return outcome


def _summarise(execution: Any) -> BuildOutcome:
    outcome = BuildOutcome()
    for node_result in getattr(execution, "results", []) or []:
        status = str(node_result.status)
        outcome.counts[status] = outcome.counts.get(status, 0) + 1
        name = node_result.node.name
        message = (node_result.message or status).strip().splitlines()[0]
        if status in FAILED_STATUSES:
            outcome.problems.append(f"{name}: {message}")
            if status == "fail" and node_result.node.resource_type == "test":
                outcome.failed_tests.append(name)
        elif status == "skipped":
            outcome.skipped += 1
        elif status == "warn":
            outcome.warnings.append(_warning(node_result.node, message, node_result.failures))
    return outcome


def _warning(node: Any, message: str, failures: int | None) -> str:
    """A warn-severity test in its own words (its description) when it has them, else dbt's."""
    description = " ".join((getattr(node, "description", "") or "").split())
    if not description:
        return f"{node.name}: {message}"
    metadata = getattr(node, "test_metadata", None)
    attached = getattr(node, "attached_node", None)
    column = getattr(node, "column_name", None)
    test = metadata.name if metadata else node.name
    test += f" on {attached.split('.')[-1]}" if attached else ""
    test += f".{column}" if attached and column else ""
    rows = (
        f"{failures:,} row{'' if failures == 1 else 's'}" if isinstance(failures, int) else message
    )
    return f"{test}: {rows}: {description}"
