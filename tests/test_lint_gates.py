"""Every gate of `make lint` fails on a deliberately bad copy and passes on the project.

The gates run through scripts/lint.py, the script `make lint` runs (and `make test` runs lint
first), each on a copy of the project's files in a temporary folder with one thing broken.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

LINT = PROJECT_DIR / "scripts" / "lint.py"
# What the gates read: configuration, the dbt project and the dbt-score rules.
PROJECT_FILES = [
    "pyproject.toml",
    "dbt_project.yml",
    "profiles.yml",
    ".sqlfluff",
    ".sqlfluffignore",
    "models",
    "macros",
    "seeds",
    "tests/generic",
    "tests/singular",
    "scripts",
]


def copy_project(dest: Path, files: list[str] = PROJECT_FILES) -> Path:
    for name in files:
        source = PROJECT_DIR / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, dest / name, ignore=ignore)
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def lint(project_dir: Path, scratch: Path, *args: str) -> tuple[set[str], str]:
    """Run gates of scripts/lint.py; return the names of those that failed, and the output."""
    cmd = [sys.executable, str(LINT), "--project-dir", str(project_dir), "--scratch", str(scratch)]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    if proc.returncode == 0:
        assert last == "lint passed", output
        return set(), output
    assert proc.returncode == 1, output
    assert last.startswith("lint failed: "), output
    return set(last.removeprefix("lint failed: ").split()), output


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new))


def test_make_test_runs_every_lint_gate_before_pytest() -> None:
    proc = subprocess.run(
        ["make", "--dry-run", "test"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    lint_line = next(i for i, line in enumerate(lines) if "scripts/lint.py" in line)
    pytest_line = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert lint_line < pytest_line
    # The script runs every gate when none is named.
    assert "--only" not in lines[lint_line]


PYTHON_GATES = {
    # an unused import
    "ruff-check": "import os\n",
    # valid, but not as the formatter writes it
    "ruff-format": "values = [1,2,\n    3]\n",
    # strict mypy: a function without annotations
    "mypy": "def double(value):\n    return value * 2\n",
}


@pytest.mark.parametrize("gate", PYTHON_GATES)
def test_python_gate_fails_on_a_bad_file(tmp_path: Path, gate: str) -> None:
    project = copy_project(tmp_path / "project", ["pyproject.toml"])
    (project / "bad.py").write_text(PYTHON_GATES[gate])
    paths = ["--python", "bad.py", "--typed", "bad.py"]
    failed, output = lint(project, tmp_path / "scratch", "--only", gate, *paths)
    assert failed == {gate}, output


def test_python_gates_pass_on_the_project(tmp_path: Path) -> None:
    only = ["--only", "ruff-check", "--only", "ruff-format", "--only", "mypy"]
    failed, output = lint(PROJECT_DIR, tmp_path / "scratch", *only)
    assert failed == set(), output


def test_dbt_parse_fails_on_a_deprecation(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    # Test arguments outside `arguments:`: deprecated since dbt 1.10, only a warning by default.
    replace_once(
        project / "models/staging/loader/_loader__models.yml",
        "        description: Field delimiter of the file.\n",
        "        description: Field delimiter of the file.\n"
        "        data_tests:\n"
        "          - accepted_values:\n"
        "              values: [',', ';']\n",
    )
    failed, output = lint(project, tmp_path / "scratch", "--only", "dbt-parse")
    assert failed == {"dbt-parse"}, output
    assert "MissingArgumentsPropertyInGenericTestDeprecation" in output or (
        "should be nested under the `arguments` property" in output
    ), output


def test_dbt_score_fails_on_each_broken_convention(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    # A model without a properties file: no description, no primary-key test.
    (project / "models/staging/loader/stg_loader__undocumented.sql").write_text(
        "select load_id from {{ ref('stg_loader__loads') }}\n"
    )
    # A documented model whose primary-key test is gone.
    replace_once(
        project / "models/marts/_marts__models.yml",
        "    data_tests:\n"
        "      - unique_combination:\n"
        "          arguments:\n"
        "            combination_of_columns: [entity, source_file, data_area_id]\n",
        "",
    )
    # An exposure on a model that is neither public nor contracted.
    replace_once(
        project / "models/marts/_exposures.yml",
        "      - ref('customer_details_v2')\n",
        "      - ref('customer_details_v2')\n      - ref('int_customers')\n",
    )
    # A model longer than the 150 lines a reviewer reads in one sitting.
    loads = project / "models/staging/loader/stg_loader__loads.sql"
    loads.write_text("-- padding\n" * 150 + loads.read_text())
    failed, output = lint(
        project, tmp_path / "scratch", "--only", "dbt-parse", "--only", "dbt-score"
    )
    assert failed == {"dbt-score"}, output
    # Each broken item scores below fail_any_item_under on its own.
    below = set(re.findall(r"^(\w+ \w+) scored ", output, flags=re.MULTILINE))
    assert below == {
        "Model stg_loader__undocumented",
        "Model migration_reconciliation",
        "Model stg_loader__loads",
        "Exposure fo_customer_details_v2_package",
    }, output
    for rule in (
        "has_description",
        "sql_has_reasonable_number_of_lines",
        "scripts.dbt_score_rules.has_primary_key_test",
        "scripts.dbt_score_rules.exposure_depends_on_public_contracted_models",
    ):
        assert rule in output, output


def test_dbt_gates_pass_on_the_project(tmp_path: Path) -> None:
    failed, output = lint(
        PROJECT_DIR, tmp_path / "scratch", "--only", "dbt-parse", "--only", "dbt-score"
    )
    assert failed == set(), output
    assert "Project score: 10.0" in re.sub(r"\x1b\[[0-9;]*m", "", output), output


def test_sqlfluff_fails_on_bad_style(tmp_path: Path) -> None:
    # A tiny project: the configuration and two models.
    files = ["dbt_project.yml", "profiles.yml", ".sqlfluff", ".sqlfluffignore"]
    project = copy_project(tmp_path / "project", files)
    staging = project / "models" / "staging"
    staging.mkdir(parents=True)
    (staging / "stg_shouting.sql").write_text("SELECT 1 AS id\n")
    # The F&O field names may be quoted in models/marts/ only.
    (staging / "stg_entity_field.sql").write_text("select 'USMF' as \"DATAAREAID\"\n")
    sql = ["--sql", "models/staging/stg_shouting.sql", "models/staging/stg_entity_field.sql"]
    failed, output = lint(project, tmp_path / "scratch", "--only", "sqlfluff", *sql)
    assert failed == {"sqlfluff"}, output
    assert re.search(r"\| CP01 \|", output), output
    assert re.search(r"\| RF06 \|", output), output


def test_sqlfluff_passes_on_the_marts(tmp_path: Path) -> None:
    # `make lint` lints every model; here the marts, with their own folder configuration.
    failed, output = lint(
        PROJECT_DIR, tmp_path / "scratch", "--only", "sqlfluff", "--sql", "models/marts"
    )
    assert failed == set(), output
