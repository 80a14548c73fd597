"""Where things are: the project directory and the one DuckDB file shared with dbt."""

import os
from pathlib import Path

# loader/ sits in the project root, beside dbt_project.yml and profiles.yml.
PROJECT_DIR = Path(__file__).resolve().parent.parent
DATABASE_ENV = "MIGRATION_DB"
DEFAULT_DATABASE = "migration.duckdb"


def database_path() -> Path:
    """The DuckDB file: $MIGRATION_DB (relative to the current directory) or the project default."""
    configured = os.environ.get(DATABASE_ENV)
    path = Path(configured).expanduser() if configured else PROJECT_DIR / DEFAULT_DATABASE
    return path.resolve()


def dbt_target_dir() -> Path:
    """Where dbt writes run_results.json: $DBT_TARGET_PATH (dbt's own setting) or target/."""
    configured = os.environ.get("DBT_TARGET_PATH")
    if not configured:
        return PROJECT_DIR / "target"
    path = Path(configured).expanduser()
    return path if path.is_absolute() else PROJECT_DIR / path
