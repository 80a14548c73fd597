"""Every failure ends in one line on stderr and an exit code a script can trust.

One test per kind of failure: a file that cannot be read, a folder where a file should be, a
file-size limit (a full disk) during land and export, a database held by another process, a
damaged record of the last export, permission denied on --out and --to, Ctrl-C. Each asserts
the exit code (README: 1 the input has problems, 3 could not run, 130 interrupted), exactly
one line on stderr, no traceback, and that what the last good run left is intact. A file-size
limit during export, and a dbt build holding the database, are in tests/test_faults.py.

The tests run as root in CI, and root reads and writes anything: `as_a_user` drops that
power in the loader's process, so that file permissions apply to it as to anyone.
"""

import ctypes
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from loader.errors import ExitCode
from tests.conftest import Workspace, ctrl_c
from tests.test_export import make_mart, open_gate
from tests.test_faults import landing_inside_its_transaction
from tests.test_land import CUSTOMERS_HEADER, snapshot, write_extracts

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def as_a_user() -> None:
    """In the child, before loader starts: without root's power to override permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def limited_to(size: int) -> Callable[[], None]:
    """A file-size limit: a write past it fails with EFBIG (SIGXFSZ ignored), as a full disk."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def assert_one_line(proc: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """Exit code CODE, one line on stderr holding every fragment, no traceback."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def landed(workspace: Workspace, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """A good land in the workspace; returns its raw tables, to compare after a failure."""
    folder = write_extracts(tmp_path / "good", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    workspace.loader("land", str(folder), check=True)
    return snapshot(workspace)


def exported(ws: Workspace, out: Path) -> dict[str, bytes]:
    """A good export into OUT; returns its files, to compare after a failure."""
    make_mart(ws)
    open_gate(ws)
    ws.loader("export", "--out", str(out), check=True)
    return files_in(out)


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- a file that cannot be read ----------------------------------------------------------------


def test_an_extract_that_cannot_be_read(
    workspace: Workspace, tmp_path: Path, landed: dict[str, list[tuple[object, ...]]]
) -> None:
    folder = write_extracts(tmp_path / "locked", f"{CUSTOMERS_HEADER}\nUS01,C2,,Beta\n")
    (folder / "customers.csv").chmod(0)
    proc = workspace.loader_process("land", str(folder), preexec_fn=as_a_user)
    assert_one_line(
        proc, ExitCode.CANNOT_RUN, f"{folder / 'customers.csv'}: Permission denied", "permissions"
    )
    assert snapshot(workspace) == landed


def test_a_package_that_cannot_be_read_is_no_verdict(workspace: Workspace, tmp_path: Path) -> None:
    from tests.test_verify import good_package

    package = good_package(tmp_path / "packages")
    package.chmod(0)
    proc = workspace.loader_process("verify", str(package), preexec_fn=as_a_user)
    assert_one_line(proc, ExitCode.CANNOT_RUN, f"{package}: Permission denied")
    assert proc.stdout == ""


# -- a folder where a file should be ---------------------------------------------------------


def test_a_folder_as_the_database(workspace: Workspace, tmp_path: Path) -> None:
    workspace.database.mkdir(parents=True)
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    for args in (["land", str(folder)], ["status"], ["export", "--out", str(tmp_path / "out")]):
        proc = workspace.loader(*args)
        assert_one_line(proc, ExitCode.CANNOT_RUN, f"the database {workspace.database}")
    assert list(workspace.database.iterdir()) == []
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_data_file_as_the_database(workspace: Workspace, tmp_path: Path, suffix: str) -> None:
    """DuckDB opens an existing data file as an in-memory database: a land would report
    success and keep nothing."""
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    data = tmp_path / f"extract{suffix}"
    data.write_bytes((folder / "customers.csv").read_bytes())
    workspace.env["MIGRATION_DB"] = str(data)
    for args in (["land", str(folder)], ["status"], ["export", "--out", str(tmp_path / "out")]):
        proc = workspace.loader(*args)
        assert_one_line(proc, ExitCode.CANNOT_RUN, f"{data} is a data file, not a DuckDB database")
    assert data.read_bytes() == (folder / "customers.csv").read_bytes()


def test_a_folder_as_a_package(workspace: Workspace, tmp_path: Path) -> None:
    proc = workspace.loader("verify", str(tmp_path))
    assert_one_line(proc, ExitCode.CANNOT_RUN, f"{tmp_path}: no .zip file in this folder")


def test_a_folder_as_an_extract_is_a_problem_of_the_input(
    workspace: Workspace, tmp_path: Path, landed: dict[str, list[tuple[object, ...]]]
) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    (folder / "customer_dimensions.csv").unlink()
    (folder / "customer_dimensions.csv").mkdir()
    proc = workspace.loader("land", str(folder))
    assert_one_line(proc, ExitCode.PROBLEMS, "customer_dimensions.csv: not a regular file")
    assert snapshot(workspace) == landed


# -- a full disk: a file-size limit ----------------------------------------------------------


def test_a_file_size_limit_during_land(
    workspace: Workspace, tmp_path: Path, landed: dict[str, list[tuple[object, ...]]]
) -> None:
    rows = "".join(f"US01,K{i:07d},,Name {i}\n" for i in range(100_000))
    folder = write_extracts(tmp_path / "big", f"{CUSTOMERS_HEADER}\n{rows}")
    size = workspace.database.stat().st_size
    proc = workspace.loader_process("land", str(folder), preexec_fn=limited_to(size + (64 << 10)))
    assert_one_line(proc, ExitCode.CANNOT_RUN, "File too large", "ulimit -f")
    assert snapshot(workspace) == landed
    # Nothing is left half-done: the next land (without the limit) goes through.
    workspace.loader("land", str(folder), check=True)


def test_a_file_size_limit_during_land_to_parquet(workspace: Workspace, tmp_path: Path) -> None:
    parquet = tmp_path / "parquet"
    small = write_extracts(tmp_path / "small", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    workspace.loader("land", str(small), "--format", "parquet", "--to", str(parquet), check=True)
    before = {p.relative_to(parquet): p.read_bytes() for p in parquet.rglob("*.parquet")}
    rows = "".join(f"US01,K{i:07d},,{'n' * 40}{i}\n" for i in range(100_000))
    big = write_extracts(tmp_path / "big", f"{CUSTOMERS_HEADER}\n{rows}")
    proc = workspace.loader_process(
        "land",
        str(big),
        "--format",
        "parquet",
        "--to",
        str(parquet),
        preexec_fn=limited_to(1 << 20),
    )
    assert_one_line(proc, ExitCode.CANNOT_RUN, "File too large")
    after = {p.relative_to(parquet): p.read_bytes() for p in parquet.rglob("*.parquet")}
    assert after == before


# -- the database held by another process ----------------------------------------------------


def test_a_database_in_use(
    workspace: Workspace, tmp_path: Path, landed: dict[str, list[tuple[object, ...]]]
) -> None:
    folder = write_extracts(tmp_path / "next", f"{CUSTOMERS_HEADER}\nUS01,C9,,Other\n")
    open_gate(workspace)
    # DuckDB's lock is per process: the holder is this test, the loader another process.
    with duckdb.connect(str(workspace.database)):
        for args in (["land", str(folder)], ["status"], ["export", "--out", str(tmp_path / "o")]):
            proc = workspace.loader_process(*args)
            assert_one_line(
                proc,
                ExitCode.CANNOT_RUN,
                f"the database {workspace.database} is in use by another process",
                "wait for it",
            )
    assert snapshot(workspace) == landed
    assert not (tmp_path / "o").exists()


# -- the record of the last export, damaged --------------------------------------------------


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", "folder"])
def test_a_damaged_record_of_the_last_export(
    workspace: Workspace,
    tmp_path: Path,
    landed: dict[str, list[tuple[object, ...]]],
    damage: str,
) -> None:
    record = workspace.database.with_name(f"{workspace.database.stem}.last-export.json")
    if damage == "folder":
        record.mkdir()
    else:
        record.write_text(damage)
    proc = workspace.loader("status")
    assert_one_line(
        proc, ExitCode.CANNOT_RUN, f"the record of the last export {record}", "delete it"
    )
    assert record.is_dir() if damage == "folder" else record.read_text() == damage
    assert snapshot(workspace) == landed
    # What the line says to do works.
    if damage == "folder":
        record.rmdir()
    else:
        record.unlink()
    assert workspace.loader("status").returncode == 0


def test_an_export_record_that_cannot_be_written_is_a_warning(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The packages are complete when the record is written: the export succeeded."""
    record = workspace.database.with_name(f"{workspace.database.stem}.last-export.json")
    make_mart(workspace)
    open_gate(workspace)
    record.mkdir()  # a folder where the record goes: it cannot be replaced
    out = tmp_path / "out"
    proc = workspace.loader("export", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "warning: the packages are written, but the record of this export" in proc.stderr
    assert (out / "export-summary.json").is_file()


# -- permission denied on --out and --to -----------------------------------------------------


def test_permission_denied_on_out(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    earlier = exported(workspace, out)
    out.chmod(0o555)
    try:
        proc = workspace.loader_process("export", "--out", str(out), preexec_fn=as_a_user)
    finally:
        out.chmod(0o755)
    assert_one_line(
        proc, ExitCode.CANNOT_RUN, f"cannot write into {out}: Permission denied", "permissions"
    )
    assert files_in(out) == earlier


def test_permission_denied_on_to(workspace: Workspace, tmp_path: Path) -> None:
    parquet = tmp_path / "parquet"
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    workspace.loader("land", str(folder), "--format", "parquet", "--to", str(parquet), check=True)
    before = {p.relative_to(parquet): p.read_bytes() for p in parquet.rglob("*") if p.is_file()}
    parquet.chmod(0o555)
    try:
        proc = workspace.loader_process(
            "land", str(folder), "--format", "parquet", "--to", str(parquet), preexec_fn=as_a_user
        )
    finally:
        parquet.chmod(0o755)
    assert_one_line(
        proc,
        ExitCode.CANNOT_RUN,
        f"cannot write the raw tables into {parquet}",
        "Permission denied",
    )
    after = {p.relative_to(parquet): p.read_bytes() for p in parquet.rglob("*") if p.is_file()}
    assert after == before


def test_to_in_a_place_no_one_can_write(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_extracts(tmp_path / "x", f"{CUSTOMERS_HEADER}\nUS01,C1,,Acme\n")
    proc = workspace.loader("land", str(folder), "--format", "parquet", "--to", "/proc/nope")
    assert_one_line(proc, ExitCode.CANNOT_RUN, "cannot write the raw tables into /proc/nope")


# -- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_during_land_keeps_the_previous_raw_tables(
    workspace: Workspace, tmp_path: Path, landed: dict[str, list[tuple[object, ...]]]
) -> None:
    with landing_inside_its_transaction(workspace, tmp_path / "big") as proc:
        done = ctrl_c(proc)
    assert_one_line(done, ExitCode.INTERRUPTED, "interrupted (Ctrl-C)", "run the command again")
    assert snapshot(workspace) == landed
    assert (
        workspace.query(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name like '\\_landing\\_%' escape '\\'"
        )
        == []
    )


# -- debugging and bugs ------------------------------------------------------------------------


@pytest.mark.parametrize("after", [0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3])
def test_ctrl_c_while_loader_starts_is_one_line(workspace: Workspace, after: float) -> None:
    """Ctrl-C while the CLI's modules are imported and Typer builds the command printed a
    KeyboardInterrupt traceback (only Python's own start-up, the first few hundredths of a
    second, is left to Python)."""
    with workspace.started("status") as proc:
        time.sleep(after)
        done = ctrl_c(proc)
    assert "Traceback" not in done.stderr, done.stderr
    if "interrupted (Ctrl-C)" in done.stderr:
        assert done.returncode == ExitCode.INTERRUPTED, done.stderr
        assert done.stderr.startswith("error: interrupted (Ctrl-C)"), done.stderr
    else:  # `status` ended first, with its own outcome: there is no database here
        assert done.returncode == ExitCode.CANNOT_RUN, done.stderr
        assert "no database" in done.stderr, done.stderr


def test_loader_debug_adds_the_traceback(workspace: Workspace) -> None:
    plain = workspace.loader("status")
    assert_one_line(plain, ExitCode.CANNOT_RUN, "no database at")
    workspace.env["LOADER_DEBUG"] = "1"
    debug = workspace.loader("status")
    assert debug.returncode == ExitCode.CANNOT_RUN
    assert "Traceback" in debug.stderr
    assert debug.stderr.rstrip().splitlines()[-1] == plain.stderr.strip()
    del workspace.env["LOADER_DEBUG"]
    option = workspace.loader("--debug", "status")
    assert option.stderr == debug.stderr


def test_a_bug_shows_its_traceback_and_how_to_report_it(workspace: Workspace) -> None:
    # A raw._loads that loader did not write: status's query cannot run on it.
    with duckdb.connect(str(workspace.database)) as con:
        con.execute("create schema raw")
        con.execute("create table raw._loads (finished_at timestamp)")
        con.execute("insert into raw._loads values (now())")
    proc = workspace.loader("status")
    assert proc.returncode == ExitCode.CANNOT_RUN
    assert "Traceback" in proc.stderr
    last = proc.stderr.rstrip().splitlines()[-1]
    assert last.startswith("error: loader status stopped on a bug (BinderException:"), last
    assert "please report it" in last
