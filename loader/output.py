"""What the CLI prints, and where: messages and progress on stderr, results for scripts on stdout.

`--quiet` keeps only errors; `--json` prints one JSON document (the command's
summary) on stdout and nothing else there. NO_COLOR is honoured by rich.
"""

import json
import os
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.padding import Padding
from rich.progress import Progress, ProgressColumn
from rich.table import Table
from rich.text import Text

from loader.failures import stdout_error


@dataclass
class Output:
    quiet: bool = False
    as_json: bool = False
    console: Console = field(default_factory=lambda: Console(stderr=True))

    def configure(self, *, quiet: bool, as_json: bool) -> None:
        self.quiet = quiet
        self.as_json = as_json
        # Progress and notes are noise in a pipeline that asked for JSON or quiet.
        self.console.quiet = quiet or as_json

    def result(
        self, renderable: RenderableType | None, data: dict[str, Any], done: str | None = None
    ) -> None:
        """Show a command's summary: a table for people, or JSON on stdout for scripts. DONE
        says what the command committed, for the line when stdout cannot take the JSON."""
        if self.as_json:
            try:
                print(json.dumps(data, indent=2, sort_keys=True, default=str))
                sys.stdout.flush()  # a full disk or a closed pipe said here, not at exit
            except OSError as exc:
                _discard_stdout()
                raise stdout_error(exc, done) from exc
        elif renderable is not None and not self.quiet:
            self.console.print(renderable)

    def note(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False)

    def warn(self, message: str) -> None:
        """Warnings reach stderr even under --quiet and --json: a script's log should see them,
        one line each (never wrapped), as errors."""
        Console(stderr=True).print(
            f"warning: {message}", style="yellow", markup=False, highlight=False, soft_wrap=True
        )

    def error(self, message: str) -> None:
        """The one line a failed command ends with, whatever --quiet and --json say; never
        wrapped, so that a script's log keeps it on one line."""
        Console(stderr=True).print(
            f"error: {message}", style="bold red", markup=False, highlight=False, soft_wrap=True
        )


def _discard_stdout() -> None:
    """Point stdout at the null device: what is still buffered would fail again when Python
    flushes it at exit, with a second message and exit code 120."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file descriptor (a test's captured stdout)
        pass


def transient_progress(*columns: str | ProgressColumn, console: Console) -> Progress:
    """Progress on a terminal, gone when done (the summary follows, or a failure's one line).
    Not drawn elsewhere: in a log, rich would leave a blank line before that one line."""
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


def hanging(items: Sequence[tuple[str, str]], indent: int = 0) -> RenderableType:
    """Lines led by a marker (`1.`, `-`), each wrapping under its own text (a hanging
    indent), not back under the marker; spaces that start a text indent it further."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    for marker, text in items:
        words = text.lstrip(" ")
        grid.add_row(marker, Padding(Text(words), (0, 0, 0, len(text) - len(words))))
    return Padding(grid, (0, 0, 0, indent))


@dataclass(frozen=True)
class WordTable:
    """A table that keeps every word whole in a narrow terminal (or a log: 80 columns). A
    column is never narrower than its longest word, header or cell, so a file name or a
    count wraps between words or not at all, never cut short with an ellipsis (rich alone
    shrinks the widest columns, whatever they hold). When even the words do not fit, a
    count's header folds, then the widest text column; a count never does. Cells are plain
    text, not rich markup.
    NUMERIC columns are right-aligned; BOLD_ROWS (indexes) set off headings, BOLD_LAST a
    totals row."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Collection[str] = field(default=(), kw_only=True)
    bold_rows: Collection[int] = field(default=(), kw_only=True)
    bold_last: bool = field(default=False, kw_only=True)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths(options.max_width - 3 * len(self.columns) - 1)  # borders, padding
        table = Table(title=Text(self.title), title_justify="left")  # a path is not markup
        for index, name in enumerate(self.columns):
            table.add_column(
                name,
                justify="right" if name in self.numeric else "left",
                width=widths[index] if widths else None,
                overflow="fold",  # a column that must: wrapped, never cut
            )
        bold = {*self.bold_rows, *([len(self.rows) - 1] if self.bold_last else [])}
        for index, row in enumerate(self.rows):
            table.add_row(*map(Text, row), style="bold" if index in bold else None)
        yield table

    def _widths(self, available: int) -> list[int] | None:
        """Each column's width within AVAILABLE; None when the table fits as it is."""
        texts = [
            [name, *(row[index] for row in self.rows)] for index, name in enumerate(self.columns)
        ]
        natural = [
            max(cell_len(line) for text in column for line in text.splitlines() or [""])
            for column in texts
        ]
        if sum(natural) <= available:
            return None
        shortest = [
            max((cell_len(word) for text in column for word in text.split()), default=1)
            for column in texts
        ]
        spare = available - sum(shortest)
        if spare < 0:
            return self._folded(shortest, texts, -spare)
        wanted = [n - m for n, m in zip(natural, shortest, strict=True)]
        total = sum(wanted)
        return [m + spare * w // total for m, w in zip(shortest, wanted, strict=True)]

    def _folded(self, widths: list[int], texts: list[list[str]], excess: int) -> list[int]:
        """WIDTHS less EXCESS, a character at a time from the column with the most to give: a
        text column down to _NARROWEST_FOLD, a count's column down to its longest count (its
        header folds). What a terminal that narrow still cannot hold, rich crops."""
        widths = list(widths)
        floors = [
            max((cell_len(text) for text in column[1:]), default=1)
            if name in self.numeric
            else min(widths[index], _NARROWEST_FOLD)
            for index, (name, column) in enumerate(zip(self.columns, texts, strict=True))
        ]
        for _ in range(excess):
            giving = max(range(len(widths)), key=lambda i: widths[i] - floors[i])
            if widths[giving] <= floors[giving]:
                break
            widths[giving] -= 1
        return widths


_NARROWEST_FOLD = 8  # a folded column narrower than this is harder to read than a cropped table


OUTPUT = Output()
