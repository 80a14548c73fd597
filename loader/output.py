"""What the CLI prints, and where: messages and progress on stderr, results for scripts on stdout.

`--quiet` keeps only errors; `--json` prints one JSON document (the command's
summary) on stdout and nothing else there. NO_COLOR is honoured by rich.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, RenderableType
from rich.progress import Progress, ProgressColumn


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

    def result(self, renderable: RenderableType | None, data: dict[str, Any]) -> None:
        """Show a command's summary: a table for people, or JSON on stdout for scripts."""
        if self.as_json:
            print(json.dumps(data, indent=2, sort_keys=True, default=str))
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


def transient_progress(*columns: str | ProgressColumn, console: Console) -> Progress:
    """Progress on a terminal, gone when done (the summary follows, or a failure's one line).
    Not drawn elsewhere: in a log, rich would leave a blank line before that one line."""
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


OUTPUT = Output()
