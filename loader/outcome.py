"""How a command ends: every outcome is an exit code and, when it failed, one line on stderr.

`OneLineErrors` is the CLI's Typer group: it runs the command (in the `loader` process or in
a test's CliRunner alike) and turns whatever escapes it into the line and the exit code the
README documents. A traceback is printed only with LOADER_DEBUG=1 or --debug, and for a bug,
where the line says how to report it.
"""

import os
import signal
import sys
import traceback
from collections.abc import Sequence
from types import FrameType
from typing import Any

import duckdb
import typer
from typer.core import TyperGroup

from loader import __version__
from loader.errors import ExitCode, InterruptError
from loader.failures import as_loader_error
from loader.output import OUTPUT

DEBUG_ENV = "LOADER_DEBUG"
# `loader --help` repeats the README's table.
EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 the input or the data has problems (listed on stderr, or by "
    "`verify` on stdout); 2 usage error; 3 could not run (a file or folder that cannot be read "
    "or written, a full disk, the database missing, damaged or in use); 130 interrupted "
    "(Ctrl-C). A failure ends in one line on stderr; LOADER_DEBUG=1 or --debug adds the "
    "traceback."
)
INTERRUPTED = (
    "interrupted (Ctrl-C): what was not finished was undone; the database and the output "
    "folders are as the last complete step left them: run the command again to finish"
)


class _State:
    debug = False  # --debug was given
    interrupted = False  # Ctrl-C was pressed (DuckDB may report it as its own error)
    # Set once the command has committed its work: what Ctrl-C prints instead of stopping it.
    finishing: str | None = None
    deferred = False  # Ctrl-C was pressed while finishing: `resume_interrupts` stops then


STATE = _State()


def enable_debug() -> None:
    STATE.debug = True


def _debugging() -> bool:
    return STATE.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    """The first Ctrl-C stops the command (as KeyboardInterrupt); later ones are ignored so
    that the command can undo what it started: the previous good state stays. Once the command
    has committed (`finish_uninterrupted`), it is told so and goes on."""
    if STATE.finishing is not None:
        # os.write, not the console: the main thread may be in the middle of printing.
        os.write(2, f"Ctrl-C: {STATE.finishing}\n".encode())
        STATE.deferred = True
        return
    if STATE.interrupted:
        return
    STATE.interrupted = True
    raise KeyboardInterrupt


def finish_uninterrupted(why: str) -> None:
    """From here the command finishes instead of stopping on Ctrl-C, which would leave its
    work committed but not recorded, and claim it was undone; WHY is what Ctrl-C then prints."""
    STATE.finishing = why


def resume_interrupts() -> None:
    """Ctrl-C stops the command again: for one that goes on after a step that committed (the
    land of `loader run`). A Ctrl-C pressed while that step finished stops it here, with what
    the step committed kept."""
    STATE.finishing = None
    if STATE.deferred:
        STATE.deferred = False
        STATE.interrupted = True
        raise KeyboardInterrupt


def catch_interrupts() -> None:
    """Install the Ctrl-C handler (the `loader` process only: tests keep their own)."""
    signal.signal(signal.SIGINT, _on_sigint)


def ignore_interrupts() -> None:
    """Once the command has ended: a Ctrl-C while the process exits has nothing to stop, and
    Python's exit would otherwise restore the default handler and die of it (exit 130 after
    a command that finished)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class OneLineErrors(TyperGroup):
    """Typer's group, with every failure reported as one line and a documented exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        STATE.debug = False
        STATE.interrupted = False
        STATE.finishing = None
        STATE.deferred = False
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else ExitCode.DONE
            if code == ExitCode.INTERRUPTED:  # Typer turned a KeyboardInterrupt into 130
                OUTPUT.error(INTERRUPTED)
        except BaseException as exc:
            code = report(exc, self._command_name(args))
        if standalone_mode:
            sys.exit(code)
        return code

    @staticmethod
    def _command_name(args: Sequence[str] | None) -> str:
        words = list(sys.argv[1:] if args is None else args)
        command = next((w for w in words if not w.startswith("-")), "")
        return f"loader {command}".strip()


def report(exc: BaseException, command: str) -> int:
    """Print EXC as one line (and a traceback when debugging or for a bug); its exit code."""
    if isinstance(exc, SystemExit):  # sys.exit() in a command: its code stands
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or ExitCode.DONE
        OUTPUT.error(str(exc.code))
        return ExitCode.PROBLEMS
    if isinstance(exc, InterruptError):  # the command's own words
        _traceback_if_debugging(exc)
        OUTPUT.error(str(exc))
        return ExitCode.INTERRUPTED
    if STATE.interrupted or isinstance(
        exc, KeyboardInterrupt | typer.Abort | duckdb.InterruptException
    ):
        _traceback_if_debugging(exc)
        OUTPUT.error(INTERRUPTED)
        return ExitCode.INTERRUPTED
    if isinstance(exc, typer.TyperException):  # Click's usage errors, as Typer vendors them
        return _usage(exc)
    error = as_loader_error(exc, command)
    if error is not None:
        _traceback_if_debugging(exc)
        OUTPUT.error(str(error))
        return error.exit_code
    traceback.print_exception(exc)
    OUTPUT.error(
        f"{command} stopped on a bug ({type(exc).__name__}: {' '.join(str(exc).split())}): "
        f"please report it to the migration team with the command you ran, the traceback "
        f"above and the version (loader {__version__})"
    )
    return ExitCode.CANNOT_RUN


def _usage(exc: typer.TyperException) -> int:
    """A usage error in one line, naming the help to read (`loader` alone shows the help)."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        text = ctx.get_help()  # Typer's rich help prints itself and returns ""
        if text:
            typer.echo(text)
        return ExitCode.USAGE
    misplaced = _misplaced_global_option(exc, ctx)
    if misplaced:
        OUTPUT.error(misplaced)
        return exc.exit_code
    message = " ".join(exc.format_message().split()).rstrip(".")
    command = ctx.command_path if ctx is not None else "loader"
    OUTPUT.error(f"{message}: see `{command} --help`")
    return exc.exit_code


def _misplaced_global_option(exc: typer.TyperException, ctx: Any) -> str:
    """For `loader status --json`: an option of `loader` itself given after the command."""
    name = getattr(exc, "option_name", None)
    if type(exc).__name__ != "NoSuchOption" or ctx is None or not name:
        return ""
    root = ctx.find_root()
    if ctx is root or not any(name in p.opts + p.secondary_opts for p in root.command.params):
        return ""
    return (
        f"{name} is an option of loader itself, not of `{ctx.command_path}`: put it before "
        f"the command (`loader {name} {ctx.info_name} ...`)"
    )


def _traceback_if_debugging(exc: BaseException) -> None:
    if _debugging():
        traceback.print_exception(exc)
