"""dbt's own floor: a generated dbt project of the same shape as the production build, with
trivial SQL, built by the same `dbt build`.

At 100 customers nearly all of `dbt build`'s time is dbt's fixed cost: Python start-up,
parsing, and a few tens of milliseconds per node whatever it computes. This project has as
many seeds, sources, views, tables, ephemeral models, data tests and exposures as the real
build (read from its manifest) and a profile with its thread count, but every node works on
two rows. What the real build takes beyond it is the project's own work: compiling its
Jinja, dbt parsing its SQL to inject ephemeral CTEs, and DuckDB planning and running its
queries.
"""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml  # type: ignore[import-untyped]  # no stubs installed: PyYAML comes with dbt

PROJECT_NAME = "dbt_floor"
# Materialisations that build a relation from their SQL; any other counts as a table.
_RELATIONS = ("view", "table")


@dataclass(frozen=True)
class Shape:
    """What a production `dbt build` of the real project runs, by kind."""

    seeds: int
    sources: int
    models: dict[str, int]  # view | table | ephemeral -> count
    data_tests: int
    exposures: int
    threads: int
    hooks: int = 0  # on-run-start and on-run-end statements

    @property
    def nodes(self) -> int:
        """The nodes `dbt build` reports: everything but ephemeral models and sources."""
        built = sum(n for kind, n in self.models.items() if kind != "ephemeral")
        return self.seeds + built + self.data_tests + self.exposures + self.hooks


def read_shape(manifest: Path, project: str, threads: int) -> Shape:
    """The shape of PROJECT's own resources in a dbt manifest (unit tests left out, as the
    production selector leaves them out)."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    own = [n for n in data["nodes"].values() if n.get("package_name") == project]
    models: Counter[str] = Counter()
    for node in own:
        if node["resource_type"] == "model":
            kind = node["config"].get("materialized", "table")
            models[kind if kind in (*_RELATIONS, "ephemeral") else "table"] += 1

    def count(resources: dict[str, dict[str, object]]) -> int:
        return sum(1 for r in resources.values() if r.get("package_name") == project)

    return Shape(
        seeds=sum(1 for n in own if n["resource_type"] == "seed"),
        sources=count(data.get("sources", {})),
        models=dict(models),
        data_tests=sum(1 for n in own if n["resource_type"] == "test"),
        exposures=count(data.get("exposures", {})),
        threads=threads,
        hooks=sum(1 for n in own if n["resource_type"] == "operation"),
    )


def project_shape(project_dir: Path, manifest: Path) -> Shape:
    """The shape of the dbt project in PROJECT_DIR, read from the MANIFEST of its build, with
    the thread count of its profile's default target."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    profiles = yaml.safe_load((project_dir / "profiles.yml").read_text(encoding="utf-8"))
    profile = profiles[project["profile"]]
    threads = int(profile["outputs"][profile["target"]].get("threads", 1))
    return read_shape(manifest, project["name"], threads)


def write_project(folder: Path, shape: Shape) -> None:
    """A dbt project of SHAPE in FOLDER, with its DuckDB file and source tables."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "models").mkdir(exist_ok=True)
    (folder / "seeds").mkdir(exist_ok=True)
    hooks = "".join(f"  - 'select {i + 1}'\n" for i in range(shape.hooks))
    (folder / "dbt_project.yml").write_text(
        f"name: {PROJECT_NAME}\nversion: '1.0'\nconfig-version: 2\nprofile: {PROJECT_NAME}\n"
        "flags:\n  send_anonymous_usage_stats: false\n"
        + (f"on-run-end:\n{hooks}" if hooks else ""),
        encoding="utf-8",
    )
    database = folder / f"{PROJECT_NAME}.duckdb"
    (folder / "profiles.yml").write_text(
        f"{PROJECT_NAME}:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {json.dumps(str(database))}\n      threads: {shape.threads}\n",
        encoding="utf-8",
    )
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        for i in range(1, shape.sources + 1):
            con.execute(
                f"CREATE OR REPLACE TABLE raw.r{i} AS "
                "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name)"
            )
    for i in range(1, shape.seeds + 1):
        (folder / "seeds" / f"s{i}.csv").write_text("id,name\n1,a\n2,b\n", encoding="utf-8")
    tested = _write_models(folder / "models", shape)
    tested += [("seeds", f"s{i}") for i in range(1, shape.seeds + 1)]
    (folder / "models" / "_floor.yml").write_text(
        yaml.safe_dump(_properties(shape, tested), sort_keys=False), encoding="utf-8"
    )


def _write_models(models: Path, shape: Shape) -> list[tuple[str, str]]:
    """Views read the sources (or a seed), each table reads a chain of ephemeral models on a
    view: the same kinds of node and of reference as the real project. Returns the models."""
    base = [f"source('raw', 'r{i}')" for i in range(1, shape.sources + 1)] or ["ref('s1')"]
    views = [f"v{i}" for i in range(1, shape.models.get("view", 0) + 1)]
    tables = [f"t{i}" for i in range(1, shape.models.get("table", 0) + 1)]
    ephemerals = [f"e{i}" for i in range(1, shape.models.get("ephemeral", 0) + 1)]
    for i, name in enumerate(views):
        _model(models, name, "view", base[i % len(base)])
    upstream = [f"ref('{v}')" for v in views] or base
    chains: list[list[str]] = [[] for _ in range(max(len(tables), 1))]
    for i, name in enumerate(ephemerals):
        chains[i % len(chains)].append(name)
    for i, chain in enumerate(chains):
        parent = upstream[i % len(upstream)]
        for name in chain:
            _model(models, name, "ephemeral", parent)
            parent = f"ref('{name}')"
        if tables:
            _model(models, tables[i], "table", parent)
    return [("models", m) for m in (*tables, *views)]


def _model(models: Path, name: str, materialized: str, parent: str) -> None:
    (models / f"{name}.sql").write_text(
        f"{{{{ config(materialized='{materialized}') }}}}\n"
        f"with parent as (select * from {{{{ {parent} }}}})\nselect id, name from parent\n",
        encoding="utf-8",
    )


def _properties(shape: Shape, tested: list[tuple[str, str]]) -> dict[str, object]:
    """The data tests, spread over the models and seeds (`not_null`, each under its own name),
    the exposures and the sources."""
    tests: dict[tuple[str, str], list[dict[str, object]]] = {t: [] for t in tested}
    for i in range(shape.data_tests if tested else 0):
        tests[tested[i % len(tested)]].append({"not_null": {"name": f"floor_test_{i + 1}"}})
    properties: dict[str, object] = {"version": 2}
    for section in ("models", "seeds"):
        properties[section] = [
            {"name": name, "columns": [{"name": "id", "data_tests": found}]}
            for (kind, name), found in tests.items()
            if kind == section and found
        ]
    if shape.sources:
        tables = [{"name": f"r{i}"} for i in range(1, shape.sources + 1)]
        properties["sources"] = [{"name": "raw", "schema": "raw", "tables": tables}]
    if shape.exposures:
        models = [name for kind, name in tested if kind == "models"] or ["s1"]
        properties["exposures"] = [
            {
                "name": f"x{i + 1}",
                "type": "application",
                "owner": {"name": "benchmark"},
                "depends_on": [f"ref('{models[i % len(models)]}')"],
            }
            for i in range(shape.exposures)
        ]
    return properties
