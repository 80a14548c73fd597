"""The `loader` command line: land extracts, build, export and verify F&O packages.

Commands stay thin: they parse options, call one module that does the work, and
print its summary. Heavy imports (dbt, pyarrow) happen inside commands so that
`--help` stays fast.
"""

import inspect
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loader import __version__
from loader.errors import InterruptError
from loader.outcome import (
    EXIT_CODES_HELP,
    OneLineErrors,
    catch_interrupts,
    enable_debug,
    ignore_interrupts,
)
from loader.outcome import report as report_outcome
from loader.output import OUTPUT
from loader.registry import NAMES

if TYPE_CHECKING:
    from loader.export import ExportOptions
    from loader.source_scan import Encodings

app = typer.Typer(
    name="loader",
    help=(
        "Move legacy customer master data into Dynamics 365 F&O.\n\n"
        "The usual path: `loader land EXTRACTS_DIR`, then `dbt build`, then "
        "`loader export --out DIR` (or all three with `loader run`): one migration cycle; "
        "`loader report --out DIR` then tells the data owners what to fix.\n\n" + EXIT_CODES_HELP
    ),
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
)
# Messages and progress go to stderr; stdout is kept for results a script reads.
console = OUTPUT.console


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loader {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing but errors and warnings.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the command's summary as JSON on stdout (messages stay on stderr).",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Print the traceback of an error too (as LOADER_DEBUG=1 does)."
        ),
    ] = False,
) -> None:
    """Move legacy customer master data into Dynamics 365 F&O."""
    OUTPUT.configure(quiet=quiet, as_json=as_json)
    if debug:
        enable_debug()


def _path(value: str) -> Path:
    """Every path argument and option: an empty one would silently mean the current folder.

    Nothing else is checked here: a path that cannot be read or written is the command's
    exit code 3 with loader's line (Click's readable check would make it a usage error).
    """
    if value == "":
        raise typer.BadParameter("the path is empty: give a file or folder (. for this folder)")
    return Path(value)


ExtractsDirArgument = Annotated[
    Path,
    typer.Argument(
        parser=_path,
        metavar="EXTRACTS_DIR",
        help="Folder holding customers.csv, customer_dimensions.csv and optionally target_customers.csv.",
    ),
]
EncodingOption = Annotated[
    list[str] | None,
    typer.Option(
        metavar="[FILE=]ENCODING",
        help="Encoding of files without a byte-order mark, e.g. cp1252 or latin-1 (default: "
        "UTF-8). FILE=ENCODING for one file, e.g. target_customers.csv=utf-8 (it also wins "
        "over a UTF-8 mark a tool put before cp1252 bytes); repeatable.",
    ),
]
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        metavar="CHAR",
        help="Field delimiter: ',', ';', 'tab' or '|' (default: detected from the header line).",
    ),
]


def _cycle_label(value: str | None) -> str | None:
    """A label --changed-since can name: not blank, and not a number, which names a cycle id."""
    if value is None:
        return None
    if not value.strip():
        raise typer.BadParameter('give the cycle a label, e.g. "mock 2", or leave it out')
    if any(not c.isprintable() for c in value):  # a line break would split status, the report
        raise typer.BadParameter('a label is one line of text, e.g. "mock 2"')
    if value.strip().isdigit():
        raise typer.BadParameter(
            f"{value.strip()} would read as a cycle id in --changed-since: give a label with a "
            f'word, e.g. "mock {value.strip()}"'
        )
    return value.strip()


CycleOption = Annotated[
    str | None,
    typer.Option(
        "--cycle",
        callback=_cycle_label,
        metavar="LABEL",
        help='The label of this migration cycle, e.g. "mock 2" (default: "cycle N"). A cycle '
        "starts at a land and ends at its export (docs/cycles.md).",
    ),
]


class LandFormat(StrEnum):
    duckdb = "duckdb"
    parquet = "parquet"


@app.command()
def land(
    extracts_dir: ExtractsDirArgument,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    output_format: Annotated[
        LandFormat,
        typer.Option(
            "--format",
            help="duckdb: the raw schema of the migration database. parquet: Parquet files "
            "in --to, for the Spark target (docs/scaling.md).",
        ),
    ] = LandFormat.duckdb,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            parser=_path,
            metavar="DIR",
            help="With --format parquet: the Parquet folder; the raw tables go to TO/raw/TABLE/.",
        ),
    ] = None,
    cycle: CycleOption = None,
) -> None:
    """Land the legacy CSV extracts in the raw schema of the migration database.

    Every column is kept as text, with the source file and line of each record.
    All files replace the previous raw tables in one transaction: on any error
    the previous raw tables stay exactly as they were. With --format parquet the
    raw tables are written as Parquet files to --to instead, all replaced at once.
    A land starts a migration cycle, or continues the current one until it is exported.
    """
    from loader.landing import land_extracts

    if (output_format is LandFormat.parquet) != (to is not None):
        raise typer.BadParameter(
            "--format parquet and --to DIR go together", param_hint="--format/--to"
        )
    result = land_extracts(
        extracts_dir,
        encodings=_encodings(encoding),
        delimiter=delimiter,
        console=console,
        parquet_dir=to,
        cycle_label=cycle,
    )
    OUTPUT.result(result.table(), result.to_dict(), done=f"the land {result.load_id} is done")
    if to is not None:
        OUTPUT.note(f"the raw tables are Parquet files in {to / 'raw'}")
    elif result.cycle_name:
        OUTPUT.note(result.cycle_name)
    result.tell(OUTPUT.note, OUTPUT.warn)


def _encodings(values: list[str] | None) -> "Encodings":
    from loader.extracts import EXTRACTS
    from loader.source_scan import Encodings

    return Encodings.parse(values or [], [spec.file_name for spec in EXTRACTS])


# Ten times the largest benchmark run (10,000,000): beyond it a run takes hours, or fails.
MAX_DEMO_CUSTOMERS = 100_000_000


@app.command("demo-data")
def demo_data(
    out: Annotated[
        Path,
        typer.Option(
            "--out", parser=_path, metavar="DIR", help="Folder to write the sample extracts into."
        ),
    ],
    customers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_DEMO_CUSTOMERS,
            metavar="N",
            help=f"Number of customer records to generate (at most {MAX_DEMO_CUSTOMERS:,}).",
        ),
    ] = 5000,
    seed: Annotated[
        int, typer.Option(metavar="N", help="Random seed: the same seed gives the same bytes.")
    ] = 42,
) -> None:
    """Write realistic synthetic extracts, with a small share of typical problem records."""
    from loader.demo_data import write_demo_extracts

    summary = write_demo_extracts(out, customers=customers, seed=seed)
    OUTPUT.result(summary.renderable(), summary.to_dict(), done=f"the sample extracts are in {out}")


# Options shared by `export` and `run`.
OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        parser=_path,
        metavar="DIR",
        help="Folder to write the packages and export-summary.json into.",
    ),
]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        metavar="FIELD,...",
        help="Comma-separated fields to write (keys are always in), e.g. "
        "INVOICEACCOUNT. An entity that has none of them is written whole. Default: every "
        "field.",
    ),
]


def _finite(value: float | None) -> float | None:
    """Click's ranges let `inf` and `nan` through: neither is a size or a time."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number this option can use")
    return value


MaxMbOption = Annotated[
    float,
    typer.Option(
        min=0.001,
        callback=_finite,
        metavar="MB",
        help="Split a legal entity's package into parts so no zip is larger than this "
        "(MB of 1,000,000 bytes; the package API's documented limit is 256).",
    ),
]
MaxRowsOption = Annotated[
    int | None,
    typer.Option(min=1, metavar="ROWS", help="Also split after this many rows per part."),
]
EntityOption = Annotated[
    str | None,
    typer.Option(
        "--entity",
        metavar="MART",
        help=f"Export this entity alone, named by its mart ({', '.join(NAMES)}) or its label. "
        "Default: every entity, in one package per legal entity, in import order.",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Export even when dbt's latest results are missing, failed or stale, only to "
        "inspect: such an export does not end the migration cycle, which stays open.",
    ),
]


def _export_options(
    out: Path,
    fields: str | None,
    max_mb: float,
    max_rows: int | None,
    force: bool,
    parquet_dir: Path | None = None,
    entity: str | None = None,
    cycle: str | None = None,
    changed_since: str | None = None,
) -> "ExportOptions":
    from loader.export import ExportOptions
    from loader.package.writer import SplitLimits

    return ExportOptions(
        out_dir=out,
        fields=fields.split(",") if fields is not None else None,
        limits=SplitLimits(max_bytes=int(max_mb * 1_000_000), max_rows=max_rows),
        force=force,
        parquet_dir=parquet_dir,
        entity=entity,
        cycle=cycle,
        changed_since=changed_since,
    )


@app.command()
def export(
    out: OutOption,
    fields: FieldsOption = None,
    max_mb: MaxMbOption = 200.0,
    max_rows: MaxRowsOption = None,
    entity: EntityOption = None,
    force: ForceOption = False,
    from_parquet: Annotated[
        Path | None,
        typer.Option(
            "--from-parquet",
            parser=_path,
            metavar="DIR",
            help="Read the mart from the Parquet folder a Spark build wrote (DIR/main/TABLE/, "
            "with DIR/raw/_loads/ from `loader land --format parquet --to DIR`) instead of "
            "the migration database.",
        ),
    ] = None,
    cycle: CycleOption = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since",
            metavar="CYCLE",
            help="Write only the customers new or with changed exported fields since this "
            "exported cycle (its id or label), both entities; customers no longer exported "
            "are listed in the summary, never deleted.",
        ),
    ] = None,
) -> None:
    """Write one F&O data package per legal entity from the marts, every entity in import order.

    Refuses unless dbt built and tested the marts after the last `loader land`.
    Everything is written under temporary names and moved into place at the end.
    The export ends the current migration cycle: what the marts hold and reject is kept
    in the database for `--changed-since` and `loader report` (not with --force: the cycle
    stays open).
    """
    from loader.export import export_packages

    options = _export_options(
        out, fields, max_mb, max_rows, force, from_parquet, entity, cycle, changed_since
    )
    summary = export_packages(options, console, OUTPUT.warn)
    OUTPUT.result(summary.renderable(), summary.to_dict(), done=_exported(out))


@app.command()
def run(
    extracts_dir: ExtractsDirArgument,
    out: OutOption,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    fields: FieldsOption = None,
    max_mb: MaxMbOption = 200.0,
    max_rows: MaxRowsOption = None,
    entity: EntityOption = None,
    cycle: CycleOption = None,
) -> None:
    """Land the extracts, run `dbt build` and export the packages: the whole job, one cycle.

    Stops at the first failing step with its message; a failing dbt test stops
    the export (run `dbt build` and read the failing test, or the rejects model).
    """
    from loader.pipeline import run_pipeline

    options = _export_options(
        out, fields, max_mb, max_rows, force=False, entity=entity, cycle=cycle
    )
    result = run_pipeline(
        extracts_dir,
        options,
        console=console,
        warn=OUTPUT.warn,
        note=OUTPUT.note,
        encodings=_encodings(encoding),
        delimiter=delimiter,
    )
    OUTPUT.result(result.renderable(), result.to_dict(), done=_exported(out))


def _exported(out: Path) -> str:
    from loader.package.summary import SUMMARY_FILE

    return f"the export is done: its packages and {SUMMARY_FILE} are in {out}"


@app.command()
def verify(
    packages: Annotated[
        list[Path],
        typer.Argument(
            parser=_path,
            metavar="PACKAGE",
            help="Package zip files to check; a folder stands for the zip files in it.",
        ),
    ],
    max_account_length: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Longest customer account the target accepts (default 20, CustAccount).",
        ),
    ] = None,
) -> None:
    """Check data packages, ours or not, without extracting them: one line per problem.

    Exits 1 when any package has a problem (do not import it); else 3 when a file could not
    be read at all (no such file, a folder, a device or FIFO, no permission: no verdict);
    else 0, with one OK line per package.
    """
    from loader import registry
    from loader.errors import ExitCode
    from loader.package.entities import ACCOUNT_FIELDS
    from loader.package.verify import verify_package

    lengths = dict.fromkeys(ACCOUNT_FIELDS, max_account_length) if max_account_length else None
    known = registry.descriptions()
    reports = [verify_package(path, lengths, known=known) for path in _package_files(packages)]
    unreadable = [r.unreadable for r in reports if r.unreadable]
    if OUTPUT.as_json:
        OUTPUT.result(None, {"packages": [r.to_dict() for r in reports]})
    else:
        for report in reports:
            if not report.unreadable and (not report.ok or not OUTPUT.quiet):
                for line in report.lines():
                    typer.echo(line)
    for message in unreadable:
        OUTPUT.error(message)
    if any(not r.ok and not r.unreadable for r in reports):
        raise typer.Exit(ExitCode.PROBLEMS)
    if unreadable:
        raise typer.Exit(ExitCode.CANNOT_RUN)


def _package_files(paths: list[Path]) -> list[Path]:
    """PATHS with each folder that holds zip files (the one `loader export` wrote) replaced by
    them, in name order; a folder without any stays, and is reported as one."""
    files: list[Path] = []
    for path in paths:
        zips = (
            sorted(p for p in path.glob("*.[zZ][iI][pP]") if p.is_file()) if path.is_dir() else []
        )
        files.extend(zips or [path])
    return files


@app.command("import")
def import_packages(
    packages_dir: Annotated[
        Path,
        typer.Argument(
            parser=_path,
            metavar="PACKAGES_DIR",
            help="The folder `loader export` wrote (with export-summary.json).",
        ),
    ],
    environment: Annotated[
        str | None,
        typer.Option(
            envvar="FO_ENVIRONMENT_URL",
            metavar="URL",
            help="The F&O environment URL, e.g. https://contoso.operations.dynamics.com.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and call nothing.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            min=1,
            callback=_finite,
            metavar="SECONDS",
            help="Seconds to wait for one package's execution to end.",
        ),
    ] = 3600.0,
    poll_interval: Annotated[
        float,
        typer.Option(
            min=0.01,
            callback=_finite,
            metavar="SECONDS",
            help="Seconds between two status requests.",
        ),
    ] = 5.0,
    again: Annotated[
        bool,
        typer.Option("--again", help="Import packages the journal says were imported before."),
    ] = False,
    stop_on_error: Annotated[
        bool,
        typer.Option("--stop-on-error", help="Stop every legal entity at the first failure."),
    ] = False,
) -> None:
    """Import the packages into F&O through its package REST API, in the export's order.

    Credentials come from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET
    (docs/import.md). Resumable: a rerun polls what was started and never imports a package
    into a legal entity twice. Exits 1 when F&O failed a package (its error files are saved
    under PACKAGES_DIR/import-errors/), 3 when F&O or the blob store could not be reached or
    --timeout ran out.
    """
    from loader.fo_import.runner import ImportOptions, run_import

    options = ImportOptions(
        packages_dir=packages_dir,
        environment=environment,
        timeout=timeout,
        poll_interval=poll_interval,
        again=again,
        stop_on_error=stop_on_error,
        dry_run=dry_run,
        note=OUTPUT.note,
    )
    try:
        summary = run_import(options)
    except KeyboardInterrupt:
        # Not "what was not finished was undone": F&O goes on with an execution it started.
        raise InterruptError(
            "interrupted (Ctrl-C): an import F&O started goes on there, and the journal keeps "
            "it: run the same command again to resume (nothing is imported twice)"
        ) from None
    OUTPUT.result(
        summary.renderable(),
        summary.to_dict(),
        done="the import has run, and its journal in the database keeps what it did",
    )
    summary.raise_for_failures()


@app.command()
def report(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            parser=_path,
            metavar="DIR",
            help="Folder to write the workbooks and the page into.",
        ),
    ],
) -> None:
    """Write the cycle report: one Excel workbook of rejects per legal entity for the data
    owners, and one HTML page (cycle-report.html) for the migration lead.

    Reads the cycles `loader export` kept: the last exported cycle's rejects, and per cycle
    what was extracted, exported, rejected and skipped, with what was fixed, is new and is
    still open since the cycle before. Files are written under temporary names, then renamed.
    """
    from loader.report.writer import write_report

    summary = write_report(out)
    OUTPUT.result(summary.renderable(), summary.to_dict(), done=f"the report is in {out}")


@app.command()
def status() -> None:
    """Show what is landed, whether dbt's results are current, the current migration cycle and
    the last one exported, what was exported and imported."""
    from loader.status import collect_status

    current = collect_status()
    OUTPUT.result(current.renderable(), current.to_dict())


def _reflow_help() -> None:
    """Each command's help rewrapped to the terminal, paragraph by paragraph: Typer keeps the
    line breaks of a docstring, which break mid-sentence in a narrower terminal."""
    for command in app.registered_commands:
        text = command.help or inspect.getdoc(command.callback) or ""
        command.help = "\n\n".join(" ".join(part.split()) for part in text.split("\n\n"))


_reflow_help()


def main() -> None:
    """Run the CLI: every failure ends as one line on stderr and a documented exit code
    (loader.outcome); Ctrl-C stops the command, which undoes what it had not finished."""
    catch_interrupts()
    try:
        app()
    except KeyboardInterrupt as exc:  # while Typer builds the command, before it runs
        sys.exit(report_outcome(exc, "loader"))
    finally:
        ignore_interrupts()
