"""Errors a user can act on: one line on stderr, a documented exit code, no traceback."""

import sys

import click


class LoaderError(click.ClickException):
    """A problem with the user's input, files or environment (exit code 1).

    The message is one line: what is wrong, where, and what to do about it.
    """

    exit_code = 1

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file or sys.stderr)  # type: ignore[arg-type]
