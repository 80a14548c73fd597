"""The `loader` command line: land extracts, build, export and verify F&O packages.

Commands stay thin: they parse options, call one module that does the work, and
print its summary. Heavy imports (dbt, pyarrow) happen inside commands so that
`--help` stays fast.
"""

import sys
from pathlib import Path
from typing import Annotated

import typer

from loader import __version__
from loader.errors import LoaderError
from loader.output import OUTPUT

app = typer.Typer(
    name="loader",
    help=(
        "Move legacy customer master data into Dynamics 365 F&O.\n\n"
        "The usual path: `loader land EXTRACTS_DIR`, then `dbt build`, then "
        "`loader export --out DIR` (or all three with `loader run`)."
    ),
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
) -> None:
    """Move legacy customer master data into Dynamics 365 F&O."""
    OUTPUT.configure(quiet=quiet, as_json=as_json)


@app.command()
def land(
    extracts_dir: Annotated[
        Path,
        typer.Argument(
            metavar="EXTRACTS_DIR",
            help="Folder holding customers.csv, customer_dimensions.csv and optionally target_customers.csv.",
        ),
    ],
    encoding: Annotated[
        str | None,
        typer.Option(
            help="Encoding of files without a byte-order mark, e.g. cp1252 or latin-1 (default: UTF-8)."
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(
            help="Field delimiter: ',', ';' or 'tab' (default: detected from the header line)."
        ),
    ] = None,
) -> None:
    """Land the legacy CSV extracts in the raw schema of the migration database.

    Every column is kept as text, with the source file and line of each record.
    All files replace the previous raw tables in one transaction: on any error
    the previous raw tables stay exactly as they were.
    """
    from loader.landing import land_extracts

    result = land_extracts(extracts_dir, encoding=encoding, delimiter=delimiter, console=console)
    OUTPUT.result(result.table(), result.to_dict())
    for name in result.absent:
        OUTPUT.note(f"note: no {name} in the folder: its raw table is empty")
    for name in result.ignored:
        OUTPUT.warn(f"{name} is not part of the extract contract and was not landed")


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample extracts into.")],
    customers: Annotated[
        int, typer.Option(min=1, help="Number of customer records to generate.")
    ] = 5000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same bytes.")
    ] = 42,
) -> None:
    """Write realistic synthetic extracts, with a small share of typical problem records."""
    from loader.demo_data import write_demo_extracts

    summary = write_demo_extracts(out, customers=customers, seed=seed)
    console.print(summary)


def main() -> None:
    """Run the CLI: user mistakes end as one line on stderr, never a traceback.

    Typer reports usage errors itself (exit code 2); a LoaderError raised by a
    command escapes it and is printed here (exit code 1).
    """
    try:
        app()
    except LoaderError as exc:
        console.print(
            f"error: {exc}", style="bold red", markup=False, highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
