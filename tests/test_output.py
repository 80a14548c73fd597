"""loader.output's tables as a terminal or a log 80 columns wide shows them."""

import io

from rich.console import Console

from loader.output import WordTable

COUNTS = ("extracted", "exported", "rejected", "skipped")


def rendered(table: WordTable, width: int = 80) -> list[str]:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(table)
    return console.export_text().splitlines()


def cells(lines: list[str]) -> list[list[str]]:
    """Each line of the table's body as its cells, stripped."""
    body = (line for line in lines if line.startswith("\u2502"))
    return [[cell.strip() for cell in line.split("\u2502")[1:-1]] for line in body]


def test_million_scale_counts_and_a_long_file_name_stay_whole() -> None:
    rows = [
        ("USMF", "customers.csv", "9,400,000", "9,000,000", "400,000", "0"),
        ("all", "all [old].csv", "9,400,000", "9,000,000", "400,000", "0"),
    ]
    table = WordTable(
        "Reconciliation", ("legal entity", "source file", *COUNTS), rows, numeric=COUNTS
    )
    lines = rendered(table)
    assert max(map(len, lines)) <= 80
    assert "\u2026" not in "".join(lines)
    shown = cells(lines)
    assert ["USMF", "customers.csv", "9,400,000", "9,000,000", "400,000", "0"] in shown
    assert ["all", "all [old].csv", "9,400,000", "9,000,000", "400,000", "0"] in shown  # text


def test_when_the_words_do_not_fit_text_folds_and_counts_stay_whole() -> None:
    columns = ("legal entity", "source file", *COUNTS, "unaccounted")
    counts = ("12,400,000", "12,000,000", "400,000", "0", "2,400,000")
    table = WordTable(
        "Reconciliation",
        columns,
        [("USMF", "customer_dimensions.csv", *counts)],
        numeric={*COUNTS, "unaccounted"},
    )
    lines = rendered(table)
    assert max(map(len, lines)) <= 80
    first = cells(lines)[0]
    assert first[0] == "USMF" and first[-5:] == list(counts)  # every count on one line
    assert "".join(row[1] for row in cells(lines)) == "customer_dimensions.csv"  # folded, whole


def test_a_title_is_shown_as_written_not_read_as_markup() -> None:
    title = "Landed: load 3 in /data/[old]/migration.duckdb"
    wide = "customers exported from the legacy system in the first mock cycle.csv"
    table = WordTable(title, ("file", "rows"), [(wide, "1")], numeric={"rows"})
    assert rendered(table, width=120)[0].strip() == title  # the table is wider than its title
