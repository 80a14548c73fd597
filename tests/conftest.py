"""Shared fixtures: every test gets its own database and dbt target folder.

Tests run the real `loader` command line and the real dbt against a DuckDB file in a
temporary folder; nothing touches the project's own migration.duckdb or target/. `loader`
runs in-process (Typer's CliRunner: the same commands, options, output and exit codes,
without starting Python again), `loader_process` as a subprocess for what needs one: a
signal, a lock held by another process, a resource limit, the installed entry point.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from loader.cli import app

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass
class Workspace:
    """A private migration database and dbt target folder, with helpers to run the tools."""

    root: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        return Path(self.env["MIGRATION_DB"])

    @property
    def target_dir(self) -> Path:
        return Path(self.env["DBT_TARGET_PATH"])

    def loader(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run `loader ARGS` in this process, with this workspace's environment and folder."""
        cwd = Path.cwd()
        os.chdir(self.root)
        try:
            result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)
        finally:
            os.chdir(cwd)
        proc = subprocess.CompletedProcess(
            ["loader", *args], result.exit_code, result.stdout, result.stderr
        )
        return self._checked(proc, check=check)

    def loader_process(
        self,
        *args: str,
        check: bool = False,
        preexec_fn: Callable[[], None] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `loader ARGS` as a user would, as its own process (PREEXEC_FN runs in it before
        loader starts: a resource limit, fewer privileges); returns the finished process."""
        return self.run([str(VENV_BIN / "loader"), *args], check=check, preexec_fn=preexec_fn)

    @contextmanager
    def started(self, *args: str) -> Iterator[subprocess.Popen[str]]:
        """`loader ARGS` started as its own process, for the block to signal while it runs;
        killed when the block ends with it still running (a failed wait, a hung process)."""
        proc = subprocess.Popen(
            [str(VENV_BIN / "loader"), *args],
            env=self.env,
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    def dbt(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run `dbt ARGS` against the project with this workspace's database."""
        cmd = [str(VENV_BIN / "dbt"), *args, "--project-dir", str(PROJECT_DIR)]
        return self.run([*cmd, "--profiles-dir", str(PROJECT_DIR)], check=check)

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
        """Read the workspace database (read-only, closed straight after)."""
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def run(
        self, cmd: list[str], *, check: bool = False, preexec_fn: Callable[[], None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run CMD as its own process in this workspace's folder and environment."""
        proc = subprocess.run(
            cmd,
            env=self.env,
            capture_output=True,
            text=True,
            cwd=self.root,
            preexec_fn=preexec_fn,  # the test process starts no threads of its own
        )
        return self._checked(proc, check=check)

    @staticmethod
    def _checked(
        proc: subprocess.CompletedProcess[str], *, check: bool
    ) -> subprocess.CompletedProcess[str]:
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(proc.args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc


def ctrl_c(proc: subprocess.Popen[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Press Ctrl-C on PROC (unless it has already ended) and wait for it to finish."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


# `loader` run by its own entry point, with a real Ctrl-C (SIGINT) sent to itself the moment
# a function of loader returns: argv[1:4] name the function's file, its name and its caller
# (or ""). Nothing is replaced; the trace only watches for that moment.
_CTRL_C_ON_RETURN = """
import os, signal, sys
from loader.cli import main

FILE, NAME, CALLER = sys.argv[1:4]
sys.argv[:4] = ["loader"]


def on_return(frame, event, arg):
    if event == "return":
        sys.settrace(None)
        os.kill(os.getpid(), signal.SIGINT)
    return on_return


def watch(frame, event, arg):
    code = frame.f_code
    if code.co_name == NAME and code.co_filename.endswith(FILE):
        if not CALLER or frame.f_back.f_code.co_name == CALLER:
            return on_return
    return None


sys.settrace(watch)
main()
"""


def ctrl_c_on_return(
    ws: "Workspace", where: tuple[str, str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """`loader ARGS`, pressed Ctrl-C as the function WHERE (file suffix, name, caller or "")
    first returns: a moment too short to hit with a signal from outside."""
    return ws.run([sys.executable, "-c", _CTRL_C_ON_RETURN, *where, *args])


def make_workspace(root: Path) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        MIGRATION_DB=str(root / "migration.duckdb"),
        DBT_TARGET_PATH=str(root / "target"),
        DBT_LOG_PATH=str(root / "logs"),
        DO_NOT_TRACK="1",
        NO_COLOR="1",
        COLUMNS="200",
    )
    return Workspace(root=root, env=env)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    yield make_workspace(tmp_path / "ws")


@pytest.fixture(scope="module")
def module_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One workspace shared by a module's tests (for an expensive dbt build done once)."""
    yield make_workspace(tmp_path_factory.mktemp("module-ws"))
