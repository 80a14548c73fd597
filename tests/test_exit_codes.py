"""The README's exit-code table is what each command returns: a case of each code it lists.

Each command with each exit code the table gives it, and no command returns a code the table
does not give it here. 130 (Ctrl-C) needs a process interrupted while it works:
tests/test_failures.py interrupts a land.
"""

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR, Workspace
from tests.test_export import make_mart, open_gate
from tests.test_land import CUSTOMERS_HEADER, write_extracts
from tests.test_verify import ROWS, csv, good_package, rewrite

DATA = "Customer details V2.csv"


def readme_table() -> dict[int, set[str]]:
    """exit code -> the commands the README says return it."""
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| exit code | meaning | commands |") :].split("\n\n", 1)[0]
    codes = {}
    for row in table.splitlines()[2:]:
        code, _meaning, commands = (cell.strip() for cell in row.strip("|").rsplit("|", 2))
        codes[int(code)] = set(re.split(r",\s*", commands))
    return codes


def good_extracts(tmp: Path) -> Path:
    return write_extracts(tmp / "good", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")


def bad_extracts(tmp: Path) -> Path:
    return write_extracts(tmp / "bad", "company,customer_number\nUS01,C1\n")


def landed(ws: Workspace, tmp: Path) -> None:
    ws.loader("land", str(good_extracts(tmp)), check=True)


def mart(ws: Workspace, tmp: Path) -> None:
    make_mart(ws)
    open_gate(ws)


def mart_without_dbt_results(ws: Workspace, tmp: Path) -> None:
    make_mart(ws)


def nothing(ws: Workspace, tmp: Path) -> None:
    pass


def file_named_out(ws: Workspace, tmp: Path) -> None:
    (tmp / "a-file").write_text("not a folder")


def exported(ws: Workspace, tmp: Path) -> None:
    mart(ws, tmp)
    ws.loader("export", "--out", str(tmp / "out"), check=True)


def exported_then_a_package_lost(ws: Workspace, tmp: Path) -> None:
    exported(ws, tmp)
    next((tmp / "out").glob("*.zip")).unlink()


def exported_with_an_unreachable_authority(ws: Workspace, tmp: Path) -> None:
    exported(ws, tmp)
    # Nothing listens on port 9 of the loopback: the token call fails at once.
    ws.env.update(
        AZURE_TENANT_ID="tenant",
        AZURE_CLIENT_ID="client",
        AZURE_CLIENT_SECRET="secret",  # noqa: S106
        AZURE_AUTHORITY_HOST="https://127.0.0.1:9",
    )


def import_args(*extra: str) -> Callable[[Path], list[str]]:
    return lambda t: [str(t / "out"), *extra]


Case = tuple[str, int, Callable[[Workspace, Path], None], Callable[[Path], list[str]]]

CASES: list[Case] = [
    ("land", 0, nothing, lambda t: [str(good_extracts(t))]),
    ("land", 1, nothing, lambda t: [str(bad_extracts(t))]),
    ("land", 2, nothing, lambda t: [str(good_extracts(t)), "--format", "parquet"]),
    ("land", 3, nothing, lambda t: [str(t / "nowhere")]),
    ("demo-data", 0, nothing, lambda t: ["--out", str(t / "x"), "--customers", "20"]),
    ("demo-data", 2, nothing, lambda t: ["--out", str(t / "x"), "--customers", "0"]),
    ("demo-data", 3, file_named_out, lambda t: ["--out", str(t / "a-file")]),
    ("export", 0, mart, lambda t: ["--out", str(t / "out")]),
    ("export", 1, mart_without_dbt_results, lambda t: ["--out", str(t / "out")]),
    ("export", 2, mart, lambda t: ["--out", str(t / "out"), "--fields", "NOPE"]),
    ("export", 3, nothing, lambda t: ["--out", str(t / "out")]),  # no database
    # one customer: land, dbt build, export in one run
    ("run", 0, nothing, lambda t: [str(good_extracts(t)), "--out", str(t / "out")]),
    ("run", 1, nothing, lambda t: [str(bad_extracts(t)), "--out", str(t / "out")]),
    ("run", 2, nothing, lambda t: [str(good_extracts(t))]),
    ("run", 3, nothing, lambda t: [str(t / "nowhere"), "--out", str(t / "out")]),
    ("verify", 0, nothing, lambda t: [str(good_package(t / "p"))]),
    (
        "verify",
        1,
        nothing,
        lambda t: [
            str(
                rewrite(
                    good_package(t / "p"), t / "bad.zip", lambda e: {**e, DATA: csv(ROWS[:1] * 2)}
                )
            )
        ],
    ),
    ("verify", 2, nothing, lambda t: []),
    ("verify", 3, nothing, lambda t: [str(t / "nowhere.zip")]),
    ("import", 0, exported, import_args("--dry-run", "--environment", "https://fo.example.com")),
    (
        "import",
        1,
        exported_then_a_package_lost,
        import_args("--dry-run", "--environment", "https://fo.example.com"),
    ),
    ("import", 2, exported, import_args("--dry-run", "--timeout", "-1")),
    (
        "import",
        3,
        exported_with_an_unreachable_authority,
        import_args("--environment", "https://127.0.0.1:9"),
    ),
    ("report", 0, exported, lambda t: ["--out", str(t / "report")]),
    ("report", 1, mart, lambda t: ["--out", str(t / "report")]),  # no exported cycle yet
    ("report", 2, exported, lambda t: []),  # no --out
    ("report", 3, nothing, lambda t: ["--out", str(t / "report")]),  # no database
    ("status", 0, landed, lambda t: []),
    ("status", 2, landed, lambda t: ["extra"]),
    ("status", 3, nothing, lambda t: []),  # no database
]


def test_the_cases_are_the_readme_table() -> None:
    table = readme_table()
    assert set(table) == {0, 1, 2, 3, 130}
    assert table[130] == {"any"}
    cases = {(command, code) for command, code, _, _ in CASES}
    assert cases == {(c, code) for code in (0, 1, 2, 3) for c in table[code]}


@pytest.mark.parametrize(
    ("command", "code", "prepare", "args"),
    CASES,
    ids=[f"{command}-{code}" for command, code, _, _ in CASES],
)
def test_each_command_returns_the_documented_code(
    workspace: Workspace,
    tmp_path: Path,
    command: str,
    code: int,
    prepare: Callable[[Workspace, Path], None],
    args: Callable[[Path], list[str]],
) -> None:
    prepare(workspace, tmp_path)
    proc = workspace.loader(command, *args(tmp_path))
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    if code:
        # the failure's one line; verify lists the problems of a package on stdout instead
        lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
        assert len(lines) == (0 if (command, code) == ("verify", 1) else 1), proc.stderr


def test_a_ctrl_c_as_the_process_exits_keeps_the_exit_code(workspace: Workspace) -> None:
    """A command that finished, hit by Ctrl-C while Python exits: Python restores the default
    handler as it exits and the process died of it, exit 130 with nothing said."""
    late_ctrl_c = (
        "import os, signal\n"
        "from loader.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    raise\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", late_ctrl_c, "--help"],
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
