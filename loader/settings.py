"""Where things are: the project directory and the one DuckDB file shared with dbt."""

import os
import re
from pathlib import Path

from loader.errors import UsageError

# loader/ sits in the project root, beside dbt_project.yml and profiles.yml.
PROJECT_DIR = Path(__file__).resolve().parent.parent
DATABASE_ENV = "MIGRATION_DB"
DEFAULT_DATABASE = "migration.duckdb"


# dbt-duckdb names the catalog after the database file (up to its first dot) and pastes that
# name into SQL string literals and identifiers unescaped: a quote in it breaks every dbt run.
_UNSAFE_IN_CATALOG = re.compile("['\"\x00-\x1f\x7f]")


def database_path() -> Path:
    """The DuckDB file: $MIGRATION_DB (relative to the current directory) or the project default."""
    configured = os.environ.get(DATABASE_ENV)
    path = Path(configured).expanduser() if configured else PROJECT_DIR / DEFAULT_DATABASE
    catalog = path.name.lstrip(".").split(".")[0]
    if _UNSAFE_IN_CATALOG.search(catalog):
        raise UsageError(
            f"the database file name {path.name!r} holds a quote or a control character, which "
            f"dbt cannot use (it names the catalog {catalog!r}): set {DATABASE_ENV} to a file "
            "named with letters, digits, spaces, '_' or '-' (any folder will do)"
        )
    return path.resolve()


def dbt_target_dir() -> Path:
    """Where dbt writes run_results.json: $DBT_TARGET_PATH (dbt's own setting) or target/."""
    configured = os.environ.get("DBT_TARGET_PATH")
    if not configured:
        return PROJECT_DIR / "target"
    path = Path(configured).expanduser()
    return path if path.is_absolute() else PROJECT_DIR / path
