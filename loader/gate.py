"""The export gate: export only marts that dbt built and tested after the last land.

`check` is a pure function over dbt's results, its manifest and the time of the last `loader
land`; `blocking_problems` gathers those. The results are the ones dbt keeps in the database it
ran against (`dbt_results.latest`, written by the project's on-run-end hook): the latest of
every node, whatever dbt command ran since (`dbt docs generate` rewrites run_results.json with
compile results) and whichever database target/run_results.json was written for. An export
from Parquet (a Spark build) has no such table and reads run_results.json.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from loader import registry
from loader.database import as_utc, latest_load, table_columns, table_exists
from loader.project_files import changed_after_build
from loader.settings import PROJECT_DIR

# A model is fine when it built; a test when it passed or only warned.
_MODEL_OK = {"success"}
_TEST_OK = {"pass", "warn"}
_STORED = {"table", "incremental"}  # what a later land leaves behind until dbt builds it again
# The summary's extracted/exported/rejected/skipped counts come from this mart: it is checked
# with the exported marts, or a build that skipped it reports the previous extract's counts.
RECONCILIATION = "migration_reconciliation"


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _started(result: Mapping[str, Any], run_started: datetime | None) -> datetime | None:
    """When dbt started executing a node (the run's start when the node has no timing)."""
    for timing in result.get("timing") or []:
        if timing.get("name") == "execute":
            return _parse_time(timing.get("started_at")) or run_started
    return run_started


def _model_id(manifest: Mapping[str, Any], model: str) -> str | None:
    for unique_id, node in (manifest.get("nodes") or {}).items():
        if node.get("resource_type") == "model" and node.get("name") == model:
            return str(unique_id)
    return None


def _tests_of(manifest: Mapping[str, Any], model_id: str, section: str, kind: str) -> list[str]:
    """The tests of KIND in the manifest's SECTION that read the model."""
    tests = []
    for unique_id, node in (manifest.get(section) or {}).items():
        if node.get("resource_type") != kind:
            continue
        parents = (node.get("depends_on") or {}).get("nodes") or []
        if node.get("attached_node") == model_id or model_id in parents:
            tests.append(str(unique_id))
    return sorted(tests)


def _short(unique_id: str) -> str:
    """`test.project.not_null_x.abc123` -> `not_null_x` (what dbt prints)."""
    parts = unique_id.split(".")
    if parts[0] == "unit_test" and len(parts) >= 4:
        return f"unit test {parts[-2]}.{parts[-1]}"
    if parts[0] == "test" and len(parts) >= 3:
        return f"test {parts[2]}"
    return f"{parts[0]} {parts[-1]}"


def check(
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    last_land: datetime | None,
    model: str,
) -> list[str]:
    """What stops an export of MODEL, given dbt's latest artefacts and the last land's end.

    Empty when the model built, every data test on it passed (or only warned), and all of
    that happened after the last land. Unit tests vouch for the code, not for the data: a
    production `dbt build` leaves them out (selectors.yml), so one need not have run, but one
    that ran and failed blocks.
    """
    problems = _result_problems(run_results, manifest, model)
    if _model_id(manifest, model) is None:
        return problems  # nothing to date against the land
    return (
        problems
        + _land_problems(run_results, manifest, last_land, [model])
        + _order_problems(run_results, manifest, [model])
    )


def _wanted(manifest: Mapping[str, Any], model_id: str) -> list[tuple[str, set[str]]]:
    """The model and its data tests, each with the statuses that let an export through."""
    data_tests = _tests_of(manifest, model_id, "nodes", "test")
    return [(model_id, _MODEL_OK), *((t, _TEST_OK) for t in data_tests)]


def _stored_upstream(
    manifest: Mapping[str, Any], model_id: str, *, seeds: bool = False
) -> list[str]:
    """The models MODEL_ID reads, directly or through views and ephemeral models, that dbt
    stores as tables (and with SEEDS the seeds): a mart built after the land from one built
    before it (`dbt build --select` the marts alone) holds the previous extract, whatever its
    own result says."""
    nodes = manifest.get("nodes") or {}
    seen: set[str] = set()
    todo = [model_id]
    while todo:
        node = nodes.get(todo.pop()) or {}
        parents = (node.get("depends_on") or {}).get("nodes") or []
        todo.extend(p for p in parents if p.startswith("model.") and p not in seen)
        seen.update(parents)
    return sorted(
        uid
        for uid in seen
        if (seeds and uid.startswith("seed."))
        or (
            uid.startswith("model.")
            and ((nodes.get(uid) or {}).get("config") or {}).get("materialized") in _STORED
        )
    )


def _result_problems(
    run_results: Mapping[str, Any], manifest: Mapping[str, Any], model: str
) -> list[str]:
    """What dbt's latest results say against exporting MODEL, whenever they were made."""
    model_id = _model_id(manifest, model)
    if model_id is None:
        return [f"dbt's manifest has no model {model}: run `dbt build`"]
    results = _results(run_results)
    problems: list[str] = []
    wanted = _wanted(manifest, model_id)
    unit_tests = _tests_of(manifest, model_id, "unit_tests", "unit_test")
    if len(wanted) == 1:
        problems.append(f"model {model} has no tests in dbt's manifest: nothing vouches for it")
    not_run = [_short(uid) for uid, _ in wanted if uid not in results]
    if not_run:
        problems.append(
            f"dbt's latest run has no result for {_listed(not_run)}: run `dbt build` (not only "
            "`dbt run`)"
        )
    for uid, ok in [*wanted, *((t, _TEST_OK) for t in unit_tests if t in results)]:
        result = results.get(uid)
        if result is None or result.get("status") in ok:
            continue
        status = result.get("status")
        failures = result.get("failures")
        detail = f" ({failures} failing rows)" if isinstance(failures, int) and failures else ""
        # A plain `dbt build` leaves unit tests out (selectors.yml): it would never clear one.
        rerun = "`dbt build --selector ci`" if uid.startswith("unit_test.") else "`dbt build`"
        problems.append(
            f"{_short(uid)} {status}{detail} in dbt's latest run: fix it and run {rerun}"
        )
    return problems


def _land_problems(
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    last_land: datetime | None,
    models: Sequence[str],
) -> list[str]:
    """Whether dbt's results for MODELS come after the last land: one problem for them all
    (the same land, the same `dbt build` to run)."""
    if last_land is None:
        return ["no `loader land` is recorded (raw._loads is empty or missing)"]
    land = as_utc(last_land)
    results = _results(run_results)
    started = _start_of(run_results)

    def stale(model_id: str) -> bool:
        checked = [uid for uid, _ in _wanted(manifest, model_id)]
        return any(
            uid in results and ((moment := started(uid)) is None or moment < land)
            for uid in [*checked, *_stored_upstream(manifest, model_id)]
        )

    ids = {model: _model_id(manifest, model) for model in models}
    names = [model for model, model_id in ids.items() if model_id and stale(model_id)]
    if not names:
        return []
    shown = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return [
        f"dbt's latest results for {shown} (or a model {'it reads' if len(names) == 1 else 'they read'}) "
        f"are older than the last `loader land` (finished {land:%Y-%m-%d %H:%M:%S} UTC): run "
        "`dbt build`"
    ]


def _order_problems(
    run_results: Mapping[str, Any], manifest: Mapping[str, Any], models: Sequence[str]
) -> list[str]:
    """Whether each of MODELS was built after every seed and table it reads, and its data
    tests ran after it: a seed or table rebuilt alone (`dbt seed`) leaves a mart built from
    the old one; a mart rebuilt alone (`dbt run -s`) leaves tests that vouched for the old."""
    started = _start_of(run_results)
    problems = []
    for model in models:
        model_id = _model_id(manifest, model)
        built = started(model_id) if model_id else None
        if model_id is None or built is None:
            continue
        upstream = _stored_upstream(manifest, model_id, seeds=True)
        newer = [u for u in upstream if (s := started(u)) is not None and s > built]
        if newer:
            problems.append(
                f"{_listed([_short(u) for u in newer])} {'was' if len(newer) == 1 else 'were'} "
                f"rebuilt after model {model}, which reads {'it' if len(newer) == 1 else 'them'}: "
                "run `dbt build`"
            )
        tests = _tests_of(manifest, model_id, "nodes", "test")
        older = [t for t in tests if (s := started(t)) is not None and s < built]
        if older:
            problems.append(
                f"{_listed([_short(t) for t in older])} ran before model {model} was last "
                f"built, and {'vouches' if len(older) == 1 else 'vouch'} for the one before: "
                "run `dbt build`"
            )
    return problems


def _project_problems(
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    models: Sequence[str],
    project_dir: Path,
) -> list[str]:
    """Whether a project file MODELS (their tests, all they read) were built from changed
    since, or is dated in the future: one problem for each, naming the first files."""
    roots = [
        uid
        for model in models
        if (model_id := _model_id(manifest, model)) is not None
        for uid, _ in _wanted(manifest, model_id)
    ]
    changes = changed_after_build(manifest, roots, _start_of(run_results), project_dir)
    problems = []
    if changes.changed:
        them = "it" if len(changes.changed) == 1 else "them"
        problems.append(
            f"{_listed(changes.changed)} changed after dbt last built from {them}: run `dbt build`"
        )
    if changes.in_the_future:
        problems.append(
            f"{_listed(changes.in_the_future)}: modified in the future by this machine's clock, "
            "so no build can be newer: set the clock right or `touch` the files, then run "
            "`dbt build`"
        )
    return problems


def _unreconciled(con: duckdb.DuckDBPyConnection, models: Sequence[str]) -> list[str]:
    """Whether the reconciliation counts, per exported entity and extract it reconciles, as
    many records as the last land recorded. dbt's own test of it passes on a build of part of
    them (`dbt build --empty`, `--sample`), whose tests read the same part."""
    if "entity" not in table_columns(con, "main", RECONCILIATION):
        return []  # none (the export says so), or one of a build before it had entities
    landed = {row["file_name"]: int(row["rows"]) for row in latest_load(con)}
    counted = {
        (entity, source_file): int(extracted or 0)
        for entity, source_file, extracted in con.execute(
            f"SELECT entity, source_file, sum(extracted) FROM main.{RECONCILIATION} GROUP BY ALL"
        ).fetchall()
    }
    short = [
        f"{counted.get((entry.name, file), 0):,} of the {landed.get(file, 0):,} of {file} "
        f"for {entry.name}"
        for entry in registry.entities()
        if entry.name in models
        for file in entry.reconciles
        if counted.get((entry.name, file), 0) != landed.get(file, 0)
    ]
    if not short:
        return []
    return [
        f"main.{RECONCILIATION} does not count every record the last land recorded "
        f"({'; '.join(short)}): run `dbt build` (not `--empty` or `--sample`)"
    ]


def _listed(names: Sequence[str]) -> str:
    """The first three NAMES, and how many more."""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def _start_of(run_results: Mapping[str, Any]) -> Callable[[str], datetime | None]:
    """When dbt started a node's latest result (None when it has none)."""
    results = _results(run_results)
    run_started = _run_started(run_results)
    return lambda uid: _started(results[uid], run_started) if uid in results else None


def _run_started(run_results: Mapping[str, Any]) -> datetime | None:
    """When the run began: the start of a node dbt gave no timing."""
    metadata = run_results.get("metadata") or {}
    return _parse_time(metadata.get("invocation_started_at") or metadata.get("generated_at"))


def _results(run_results: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(r.get("unique_id")): r for r in run_results.get("results") or []}


# What the gate reads of each artefact: sections of entries, each a JSON object.
_MANIFEST_SHAPE = {"nodes": dict, "macros": dict, "sources": dict, "unit_tests": dict}
_RESULTS_SHAPE = {"results": list}


def _read_json(path: Path, shape: Mapping[str, type]) -> tuple[dict[str, Any] | None, str | None]:
    """The artefact at PATH, or why the gate cannot read it: missing, not JSON, or not of
    the SHAPE dbt writes (a section of another type, an entry that is not an object)."""
    if not path.is_file():
        return None, f"no dbt artefact at {path}: run `dbt build`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"cannot read {path} ({exc}): run `dbt build` again"
    if not isinstance(data, dict) or not all(
        _entries_are_objects(data.get(k), t) for k, t in shape.items()
    ):
        return None, f"{path} is not a dbt artefact: run `dbt build` again"
    return data, None


def _entries_are_objects(section: object, kind: type) -> bool:
    if section is None:
        return True
    if not isinstance(section, kind):
        return False
    entries = section.values() if isinstance(section, dict) else section
    return all(isinstance(entry, dict) for entry in entries)  # type: ignore[attr-defined]


def last_land(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the last `loader land` finished, or None when none is recorded."""
    if not table_exists(con, "raw", "_loads"):
        return None
    ((finished,),) = con.execute("SELECT max(finished_at) FROM raw._loads").fetchall()
    return finished if isinstance(finished, datetime) else None


# Written by macros/build_results.sql.
BUILD_RESULTS = "dbt_results.latest"


def recorded_results(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The node results dbt kept in this database, shaped as run_results.json has them; None
    when dbt never ran against it (or ran before it kept them)."""
    if not table_exists(con, *BUILD_RESULTS.split(".")):
        return None
    rows = con.execute(
        f"SELECT unique_id, status, failures, started_at FROM {BUILD_RESULTS}"
    ).fetchall()
    return {
        "metadata": {},
        "results": [
            {
                "unique_id": unique_id,
                "status": status,
                "failures": failures,
                "timing": [{"name": "execute", "started_at": _iso(started_at)}],
            }
            for unique_id, status, failures, started_at in rows
        ],
    }


def latest_build(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When dbt last started a node in this database (None before it kept any result)."""
    if not table_exists(con, *BUILD_RESULTS.split(".")):
        return None
    ((started,),) = con.execute(f"SELECT max(started_at) FROM {BUILD_RESULTS}").fetchall()
    return started if isinstance(started, datetime) else None


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def blocking_problems(
    con: duckdb.DuckDBPyConnection,
    target_dir: Path,
    models: Sequence[str],
    *,
    from_database: bool = True,
) -> list[str]:
    """Everything that stops an export of MODELS now, each problem once; empty when open.
    The reconciliation mart, when the manifest has it, is checked as MODELS are.

    FROM_DATABASE: the marts are the migration database's, so are the results (else the marts
    are a Spark build's Parquet folders and the results are run_results.json)."""
    if from_database:
        run_results = recorded_results(con)
        if run_results is None:
            return ["dbt has not built this database: run `dbt build`"]
    else:
        run_results, error = _read_json(target_dir / "run_results.json", _RESULTS_SHAPE)
        if run_results is None:
            return [str(error)]
    manifest, error = _read_json(target_dir / "manifest.json", _MANIFEST_SHAPE)
    if manifest is None:
        return [str(error)]
    adapter = (manifest.get("metadata") or {}).get("adapter_type")
    if not from_database and adapter not in (None, "spark"):
        # The Parquet marts are a Spark build's; these results are of another build.
        return [
            f"{target_dir / 'manifest.json'} is of a {adapter} build, not of the Spark build "
            "that wrote the Parquet marts: run `dbt build --target spark`"
        ]
    checked = [*models, *([RECONCILIATION] if _model_id(manifest, RECONCILIATION) else [])]
    found = [
        problem for model in checked for problem in _result_problems(run_results, manifest, model)
    ]
    found += _land_problems(run_results, manifest, last_land(con), checked)
    found += _order_problems(run_results, manifest, checked)
    found += _project_problems(run_results, manifest, checked, PROJECT_DIR)
    found += _unreconciled(con, models)
    return list(dict.fromkeys(found))
