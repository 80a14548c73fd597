"""The command line as scripts and people use it: help, JSON, quiet, colour, completion, exit codes."""

import json
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from loader.cli import app
from loader.cycles import cycle_name
from tests.conftest import VENV_BIN, Workspace
from tests.test_land import CUSTOMERS_HEADER, write_extracts

COMMANDS = ["land", "demo-data", "export", "verify", "run", "import", "report", "status"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself(workspace: Workspace, command: str) -> None:
    proc = workspace.loader(command, "--help", check=True)
    assert "Usage: loader" in proc.stdout
    assert len(proc.stdout.split()) > 20
    # Every value an option takes is named for what it is (DIR, CHAR, MB), not its type.
    assert not any(f"<{kind}" in proc.stdout for kind in ("str", "int", "float")), proc.stdout
    # The usage line says "repeatable" once: `{PACKAGE}...`, not `{PACKAGE...}...`.
    assert "......" not in proc.stdout.replace("}", "").replace("]", "")


def test_help_paragraphs_wrap_to_the_terminal(workspace: Workspace) -> None:
    """A docstring's line breaks are not kept: a paragraph fills the width it is given."""
    wide = workspace.loader("export", "--help", check=True).stdout  # COLUMNS=200
    assert "Refuses unless dbt built and tested the marts after the last `loader land`. Every" in (
        wide
    )


def test_version(workspace: Workspace) -> None:
    proc = workspace.loader("--version", check=True)
    assert proc.stdout.startswith("loader ")


def test_usage_error_is_exit_code_2(workspace: Workspace) -> None:
    proc = workspace.loader_process("land")  # the installed entry point, not only the app
    assert proc.returncode == 2
    assert proc.stderr == "error: Missing argument 'EXTRACTS_DIR': see `loader land --help`\n"


def test_a_package_size_over_what_a_zip_holds_names_the_option_in_mb(
    workspace: Workspace,
) -> None:
    proc = workspace.loader("export", "--out", "packages", "--max-mb", "5000")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        "error: --max-mb must be above 0 and at most 4,294.967 (MB: 4 GiB), not 5,000: "
        "give a size such as the default 200\n"
    )


# Every path argument and option of every command, given empty (the value after the name).
EMPTY_PATHS = [
    ("land", "EXTRACTS_DIR", ("land", "")),
    ("land", "--to", ("land", "x", "--format", "parquet", "--to", "")),
    ("demo-data", "--out", ("demo-data", "--out", "")),
    ("export", "--out", ("export", "--out", "")),
    ("export", "--from-parquet", ("export", "--out", "x", "--from-parquet", "")),
    ("run", "EXTRACTS_DIR", ("run", "", "--out", "x")),
    ("run", "--out", ("run", "x", "--out", "")),
    ("verify", "PACKAGE", ("verify", "a.zip", "")),
    ("import", "PACKAGES_DIR", ("import", "", "--dry-run")),
    ("report", "--out", ("report", "--out", "")),
]


@pytest.mark.parametrize(("command", "name", "args"), EMPTY_PATHS)
def test_an_empty_path_is_a_usage_error_not_the_current_folder(
    workspace: Workspace, command: str, name: str, args: tuple[str, ...]
) -> None:
    workspace.root.mkdir(parents=True, exist_ok=True)
    proc = workspace.loader(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: Invalid value for '{name}': the path is empty"), (
        proc.stderr
    )
    assert proc.stderr.count("\n") == 1
    assert list(workspace.root.iterdir()) == []  # nothing was read or written here


def test_every_path_parameter_is_in_the_empty_path_cases() -> None:
    for command in app.registered_commands:
        hints = get_type_hints(command.callback)
        paths = [n for n, t in hints.items() if Path in (t, *get_args(t))]
        name = command.name or command.callback.__name__
        cases = [case for case in EMPTY_PATHS if case[0] == name]
        assert len(cases) == len(paths), (name, paths)


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--out", "packages", "--max-mb", "inf"),
        ("export", "--out", "packages", "--max-mb", "nan"),
        ("import", "packages", "--dry-run", "--environment", "https://fo.test", "--timeout", "inf"),
        ("import", "packages", "--environment", "https://fo.test", "--poll-interval", "1e999"),
    ],
)
def test_a_size_or_time_that_is_not_a_number_is_a_usage_error(
    workspace: Workspace, args: tuple[str, ...]
) -> None:
    proc = workspace.loader(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: Invalid value for '{args[-2]}'")
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("12", "12 would read as a cycle id in --changed-since"),
        (" ", "give the cycle a label"),
        ("mock\n2", "a label is one line of text"),
    ],
)
@pytest.mark.parametrize("command", [("land", "extracts"), ("export", "--out", "packages")])
def test_a_cycle_label_changed_since_could_not_name_is_a_usage_error(
    workspace: Workspace, command: tuple[str, ...], label: str, said: str
) -> None:
    proc = workspace.loader(*command, "--cycle", label)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: Invalid value for '--cycle': {said}")


def test_a_cycle_is_named_by_its_label_once() -> None:
    assert cycle_name(3, "mock 2") == "cycle 3 (mock 2)"
    assert cycle_name(3, "cycle 3") == "cycle 3"  # the default label, not "cycle 3 (cycle 3)"


def test_json_export_matches_the_summary_file(workspace: Workspace) -> None:
    extracts = workspace.root / "extracts"
    workspace.loader(
        "demo-data", "--out", str(extracts), "--customers", "300", "--seed", "5", check=True
    )
    workspace.loader("land", str(extracts), check=True)
    workspace.dbt("build", check=True)
    out = workspace.root / "packages"
    proc = workspace.loader("--json", "export", "--out", str(out), check=True)
    assert json.loads(proc.stdout) == json.loads((out / "export-summary.json").read_text())


def test_quiet_prints_nothing_on_success(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,a\n")
    proc = workspace.loader("--quiet", "land", str(folder), check=True)
    assert proc.stdout == ""
    assert proc.stderr.strip() == ""


def test_no_color_is_honoured(workspace: Workspace) -> None:
    workspace.env["FORCE_COLOR"] = "1"
    workspace.env.pop("NO_COLOR", None)
    coloured = workspace.loader("land", "/nonexistent")
    assert "\x1b[1;31m" in coloured.stderr
    workspace.env["NO_COLOR"] = "1"
    plain = workspace.loader("land", "/nonexistent")
    assert "31m" not in plain.stderr
    assert "error: extracts folder /nonexistent does not exist" in plain.stderr


def test_shell_completion_script(workspace: Workspace) -> None:
    # Typer takes the shell from the processes above loader, not from an argument: loader runs
    # under bash here, as it does for a user in bash, whatever shell started the tests (the
    # `exit` after it keeps bash from replacing itself with loader).
    proc = workspace.run(
        ["bash", "-c", '"$0" --show-completion; exit $?', str(VENV_BIN / "loader")]
    )
    assert proc.returncode == 0, proc.stderr
    assert "_loader_completion" in proc.stdout


@pytest.mark.parametrize(
    ("args", "option"), [(["status", "--json"], "--json"), (["land", "-q"], "-q")]
)
def test_an_option_of_loader_after_the_command_says_where_it_goes(
    workspace: Workspace, args: list[str], option: str
) -> None:
    proc = workspace.loader(*args)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {option} is an option of loader itself, not of `loader {args[0]}`: put it "
        f"before the command (`loader {option} {args[0]} ...`)"
    )
