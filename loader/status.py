"""`loader status`: what is landed, whether dbt's results are current, what was last exported.

The last export is remembered in a small JSON file beside the database (the
export itself only reads the database), so each database has its own history.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType

from loader import cycles, gate, registry
from loader.database import connect, latest_load
from loader.errors import CannotRunError
from loader.fo_import import journal
from loader.fo_import.report import import_table
from loader.output import WordTable, hanging
from loader.settings import database_path, dbt_target_dir


def last_export_record() -> Path:
    database = database_path()
    return database.with_name(f"{database.stem}.last-export.json")


def record_export(out_dir: Path, summary: dict[str, Any]) -> str | None:
    """Remember where the latest export went (atomically: a crash leaves the previous record).

    The packages are complete before this runs: a record that cannot be written is a
    warning (returned), not a failed export.
    """
    try:
        _write_record(out_dir, summary)
    except OSError as exc:
        return (
            f"the packages are written, but the record of this export could not be saved "
            f"({exc.filename or last_export_record()}: {exc.strerror or exc}): "
            "`loader status` shows the export before it"
        )
    return None


def _write_record(out_dir: Path, summary: dict[str, Any]) -> None:
    record = {
        "out_dir": str(out_dir.resolve()),
        "exported_at": summary.get("exported_at"),
        "packages": [p.get("file") for p in summary.get("packages", [])],
        "rows": summary.get("rows"),
        "gate_forced": (summary.get("gate") or {}).get("forced"),
    }
    path = last_export_record()
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(record, stream, indent=2)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_export_record() -> dict[str, Any] | None:
    """The record of the last export, None when there is none; a damaged one stops `status`."""
    path = last_export_record()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CannotRunError(
            f"the record of the last export {path} cannot be read ({detail}): delete it "
            "(the next `loader export` writes it again), then run `loader status` again"
        ) from exc
    if not isinstance(record, dict):
        raise CannotRunError(
            f"the record of the last export {path} is not what `loader export` writes: "
            "delete it (the next `loader export` writes it again)"
        )
    return record


@dataclass
class Status:
    database: str
    loads: list[dict[str, Any]] = field(default_factory=list)
    dbt_problems: list[str] = field(default_factory=list)
    last_export: dict[str, Any] | None = None
    imports: list[dict[str, Any]] = field(default_factory=list)  # `loader import`'s journal
    current_cycle: cycles.Cycle | None = None
    last_exported_cycle: cycles.Cycle | None = None

    @property
    def dbt_current(self) -> bool:
        return bool(self.loads) and not self.dbt_problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "landed": self.loads,
            "dbt_results_current": self.dbt_current,
            "dbt_problems": self.dbt_problems,
            "last_export": self.last_export,
            "imports": self.imports,
            "current_cycle": self.current_cycle.to_dict() if self.current_cycle else None,
            "last_exported_cycle": self.last_exported_cycle.to_dict()
            if self.last_exported_cycle
            else None,
        }

    def renderable(self) -> RenderableType:
        load_id = self.loads[0]["load_id"] if self.loads else "none"
        landed = WordTable(
            f"Landed: load {load_id} in {self.database}",
            ("file", "rows", "finished (UTC)", "sha256"),
            [
                (
                    load["file_name"],
                    f"{load['rows']:,}",
                    str(load["finished_at"])[:19],
                    load["sha256"][:16],
                )
                for load in self.loads
            ],
            numeric={"rows"},
        )
        lines: list[RenderableType] = [landed, *self._cycle_lines()]
        if self.dbt_current:
            lines.append(
                "dbt results: current (the marts and their tests passed after the last land)"
            )
        else:
            lines.append("dbt results: NOT current; `loader export` will refuse:")
            lines.append(hanging([("-", problem) for problem in self.dbt_problems], indent=2))
        if self.last_export:
            export = self.last_export
            packages = len(export.get("packages") or [])
            lines.append(
                f"last export: {export.get('exported_at')} to {export.get('out_dir')} "
                f"({packages} package{'' if packages == 1 else 's'})"
            )
        else:
            lines.append("last export: none recorded for this database")
        lines.append(import_table(self.imports))
        return Group(*lines)

    def _cycle_lines(self) -> list[str]:
        current, exported = self.current_cycle, self.last_exported_cycle
        if current is None:
            return ["current cycle: none yet (the next `loader land` or `loader run` starts one)"]
        state = "exported" if current.exported_at else "landed, not exported yet"
        last = (
            f"last exported cycle: {exported.name} at {exported.exported_at:%Y-%m-%d %H:%M:%S} "
            f"to {exported.out_dir}"
            if exported
            else "last exported cycle: none"
        )
        return [f"current cycle: {current.name}, {state}", last]


def collect_status() -> Status:
    status = Status(database=str(database_path()))
    with connect(read_only=True) as con:
        status.loads = latest_load(con)
        status.dbt_problems = gate.blocking_problems(con, dbt_target_dir(), registry.NAMES)
        status.imports = journal.state(con)
        history = cycles.all_cycles(con)
    status.current_cycle = history[-1] if history else None
    status.last_exported_cycle = next((c for c in reversed(history) if c.exported_at), None)
    if not status.loads:
        status.dbt_problems = ["nothing is landed yet: run `loader land EXTRACTS_DIR`"]
    status.last_export = read_export_record()
    return status
