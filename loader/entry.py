"""The `loader` command's entry point: Ctrl-C is one line from the first moment, before the
CLI's imports (typer, rich, duckdb) take their tenth of a second; loader.cli then installs
the handler that lets a command undo what it started."""

import os
import signal
from types import FrameType


def _interrupted_before_the_command(signum: int, frame: FrameType | None) -> None:
    # Nothing was started yet: no undo to wait for, and no console to print through.
    os.write(2, b"error: interrupted (Ctrl-C) before the command started: nothing was done\n")
    os._exit(130)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted_before_the_command)
    from loader.cli import main as run_the_cli

    run_the_cli()
