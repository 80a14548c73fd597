"""`loader run`: land, build and export in one command, stopping at the first failing step.

Each step is the same code its own command runs; this module only sequences
them and keeps one progress display. dbt runs in-process and its DuckDB
connection is closed before the export opens the file.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from rich.console import Console, Group, RenderableType
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from loader.dbt_runner import BuildOutcome, build
from loader.errors import LoaderError
from loader.export import ExportOptions, check_options, export_packages
from loader.failures import as_loader_error
from loader.landing import LandResult, land_extracts
from loader.outcome import resume_interrupts
from loader.output import transient_progress
from loader.package.summary import ExportSummary
from loader.source_scan import Encodings

T = TypeVar("T")


@dataclass
class RunResult:
    land: LandResult
    build: BuildOutcome
    export: ExportSummary
    steps: list[str] = field(default_factory=list)

    def renderable(self) -> RenderableType:
        return Group(self.land.table(), self.export.renderable())

    def to_dict(self) -> dict[str, Any]:
        return {
            "land": self.land.to_dict(),
            "build": {"counts": self.build.counts, "warnings": self.build.warnings},
            "export": self.export.to_dict(),
        }


def run_pipeline(
    extracts_dir: Path,
    export_options: ExportOptions,
    *,
    console: Console,
    warn: Callable[[str], None],
    note: Callable[[str], None],
    encodings: Encodings | None = None,
    delimiter: str | None = None,
) -> RunResult:
    check_options(export_options)  # a usage error stops the run before it lands
    land = _step(
        console,
        "1/3 land",
        lambda: land_extracts(  # starts the cycle too, or continues the one not exported yet
            extracts_dir,
            encodings=encodings,
            delimiter=delimiter,
            console=console,
            cycle_label=export_options.cycle,
        ),
    )
    # The land has committed: Ctrl-C stops the run again (one pressed while the land finished
    # stops it now, the land kept, as "the last complete step left" it).
    resume_interrupts()
    land.tell(note, warn)  # as `loader land` does: the run goes on
    _stop_without_customers(land)
    outcome = _step(console, "2/3 dbt build", lambda: _build_with_progress(console))
    for warning in outcome.warnings:
        warn(f"dbt: {warning}")
    summary = _step(console, "3/3 export", lambda: export_packages(export_options, console, warn))
    return RunResult(land=land, build=outcome, export=summary)


def _stop_without_customers(land: LandResult) -> None:
    """A customers.csv of only its header is most likely a failed extraction: exporting it
    would replace the packages in --out with none and keep an empty cycle as exported."""
    if any(f.table == "customers" and f.rows == 0 for f in land.files):
        raise LoaderError(
            "customers.csv holds no records, only its header: the run stops after the land, "
            "before the export would replace the packages with none; check the extract and "
            "run again (to export an empty cycle on purpose: dbt build, then loader export)"
        )


def _step(console: Console, name: str, work: Callable[[], T]) -> T:
    console.print(f"[bold]{name}[/bold]")
    step = name.split(" ", 1)[1]
    try:
        return work()
    except (LoaderError, OSError, duckdb.Error) as exc:
        error = as_loader_error(exc, "DuckDB")
        if error is None:  # a bug: reported as such, with its traceback
            raise
        said = str(error)  # "dbt build failed: …" names its step already
        told = said if said.startswith(step) else f"{step} failed: {said}"
        raise LoaderError(told, exit_code=error.exit_code) from exc


def _build_with_progress(console: Console) -> BuildOutcome:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with transient_progress(*columns, console=console) as progress:
        task = progress.add_task("dbt build", total=None)
        done = 0

        def on_node_done(unique_id: str, status: str) -> None:
            nonlocal done
            done += 1
            progress.update(
                task, description=f"dbt build: {done} nodes done, last {unique_id} ({status})"
            )

        return build(on_node_done)
