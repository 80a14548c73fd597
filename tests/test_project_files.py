"""Which project files changed after dbt built from them (loader.project_files), over a small
project on disk and a manifest shaped as dbt 1.11 writes it."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loader.project_files import Changes, changed_after_build

EARLY = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)  # the seed and the intermediate table built
LATE = EARLY + timedelta(hours=1)  # the mart and its test built
BETWEEN = EARLY + timedelta(minutes=30)
AFTER = LATE + timedelta(minutes=30)
NOW = AFTER + timedelta(hours=1)  # the export

P = "proj"
MANIFEST: dict[str, Any] = {
    "metadata": {"project_name": P},
    "nodes": {
        "model.proj.mart": {
            "package_name": P,
            "original_file_path": "models/mart.sql",
            "patch_path": "proj://models/_models.yml",
            "depends_on": {
                "nodes": ["model.proj.eph", "seed.proj.map"],
                "macros": ["macro.proj.fmt", "macro.dbt.type_string"],
            },
        },
        "model.proj.eph": {  # ephemeral: built into the mart
            "package_name": P,
            "original_file_path": "models/eph.sql",
            "depends_on": {"nodes": ["model.proj.int"], "macros": []},
        },
        "model.proj.int": {
            "package_name": P,
            "original_file_path": "models/int.sql",
            "depends_on": {"nodes": ["source.proj.raw.customers"], "macros": []},
        },
        "seed.proj.map": {
            "package_name": P,
            "original_file_path": "seeds/map.csv",
            "patch_path": "proj://seeds/_seeds.yml",
            "depends_on": {"macros": []},
        },
        "test.proj.unique_mart": {
            "package_name": P,
            "original_file_path": "models/_models.yml",
            "depends_on": {"nodes": ["model.proj.mart"], "macros": ["macro.proj.test_unique"]},
        },
        "model.proj.other": {  # not read by the mart
            "package_name": P,
            "original_file_path": "models/other.sql",
            "depends_on": {"nodes": [], "macros": []},
        },
    },
    "sources": {
        "source.proj.raw.customers": {
            "package_name": P,
            "original_file_path": "models/staging/_sources.yml",
        },
    },
    "macros": {
        "macro.proj.fmt": {
            "package_name": P,
            "original_file_path": "macros/fmt.sql",
            "depends_on": {"macros": ["macro.proj.helper"]},
        },
        "macro.proj.helper": {
            "package_name": P,
            "original_file_path": "macros/helper.sql",
            "depends_on": {"macros": []},
        },
        "macro.proj.test_unique": {
            "package_name": P,
            "original_file_path": "tests/generic/unique.sql",
            "depends_on": {"macros": []},
        },
        "macro.dbt.type_string": {  # dbt's own: its path is inside the installed dbt
            "package_name": "dbt",
            "original_file_path": "macros/utils/data_types.sql",
            "depends_on": {"macros": []},
        },
    },
}
STARTED = {
    "model.proj.int": EARLY,
    "seed.proj.map": EARLY,
    "model.proj.mart": LATE,
    "test.proj.unique_mart": LATE,
    "model.proj.other": EARLY,
}
FILES = [
    "dbt_project.yml",
    "models/mart.sql",
    "models/_models.yml",
    "models/eph.sql",
    "models/int.sql",
    "models/other.sql",
    "seeds/map.csv",
    "seeds/_seeds.yml",
    "macros/fmt.sql",
    "macros/helper.sql",
    "macros/utils/data_types.sql",
    "tests/generic/unique.sql",
    "models/staging/_sources.yml",
]


def project(root: Path, touched: dict[str, datetime | None]) -> Path:
    """Every file written before the first build; TOUCHED modified at its time (None: deleted)."""
    for name in FILES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("-- a file of the project\n")
        when = touched.get(name, EARLY - timedelta(days=1))
        if when is None:
            path.unlink()
        else:
            os.utime(path, (when.timestamp(), when.timestamp()))
    return root


def changes(
    tmp_path: Path, touched: dict[str, datetime | None], manifest: dict[str, Any] = MANIFEST
) -> Changes:
    roots = ["model.proj.mart", "test.proj.unique_mart"]
    root = project(tmp_path, touched)
    return changed_after_build(manifest, roots, STARTED.get, root, now=NOW)


def changed(tmp_path: Path, touched: dict[str, datetime | None]) -> list[str]:
    found = changes(tmp_path, touched)
    assert found.in_the_future == []
    return found.changed


@pytest.mark.parametrize(
    ("name", "when", "found"),
    [
        # The mart's own files, its YAML, its test and the macros it calls, directly or not.
        ("models/mart.sql", AFTER, True),
        ("models/mart.sql", BETWEEN, False),
        ("models/_models.yml", AFTER, True),
        ("tests/generic/unique.sql", AFTER, True),
        ("macros/helper.sql", AFTER, True),
        # Every macro of the project (dbt dispatches to one without naming it), dated by the
        # earliest build of what the mart reads, as are vars and configs.
        ("macros/fmt.sql", BETWEEN, True),
        ("dbt_project.yml", BETWEEN, True),
        # An ephemeral model is built into the mart: dated by the mart's start.
        ("models/eph.sql", BETWEEN, False),
        ("models/eph.sql", AFTER, True),
        # A table the mart reads through it, and a seed: dated by their own start.
        ("models/int.sql", BETWEEN, True),
        ("seeds/map.csv", BETWEEN, True),
        ("seeds/_seeds.yml", BETWEEN, True),
        ("seeds/map.csv", None, True),  # deleted
        ("models/staging/_sources.yml", BETWEEN, True),  # a source the table reads
        # Not what the mart is built from.
        ("models/other.sql", AFTER, False),
        ("macros/utils/data_types.sql", AFTER, False),
    ],
)
def test_a_file_changed_after_the_build_it_went_into(
    tmp_path: Path, name: str, when: datetime | None, found: bool
) -> None:
    assert changed(tmp_path, {name: when}) == ([name] if found else [])


def test_nothing_changed_since_the_build(tmp_path: Path) -> None:
    assert changed(tmp_path, {}) == []


def test_a_mart_never_built_has_no_files_to_date(tmp_path: Path) -> None:
    root = project(tmp_path, {"models/mart.sql": AFTER})
    assert changed_after_build(MANIFEST, ["model.proj.mart"], lambda _: None, root) == Changes()


def test_a_file_dated_in_the_future_is_told_apart(tmp_path: Path) -> None:
    """No build can be newer than a file a clock behind (or a copy) dated in the future."""
    found = changes(tmp_path, {"seeds/map.csv": NOW + timedelta(days=1)})
    assert (found.changed, found.in_the_future) == ([], ["seeds/map.csv"])


def test_a_manifest_without_its_project_names_no_project_wide_file(tmp_path: Path) -> None:
    anonymous = {**MANIFEST, "metadata": {}}
    found = changes(tmp_path, {"dbt_project.yml": AFTER, "macros/fmt.sql": AFTER}, anonymous)
    assert found.changed == []
