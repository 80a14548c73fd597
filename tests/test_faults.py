"""Faults: a killed land, a database held by dbt, a full disk, an unwritable folder.

Each ends in a clear error (or, for SIGKILL, in nothing at all), never in a half-written raw
table or package; and after each, `loader run` on good extracts succeeds and its
reconciliation holds. A SIGKILL during `loader export` is tests/test_export.py's
test_killed_export_leaves_the_earlier_export_untouched.
"""

import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pytest

from loader.package.entities import CUSTOMER_DETAILS_V2
from loader.package.lines import Lines
from loader.package.writer import Content, PackageWriter, SplitLimits
from tests.conftest import PROJECT_DIR, VENV_BIN, Workspace
from tests.test_export import make_mart, open_gate
from tests.test_land import assert_one_line_error, snapshot

LOCK_MESSAGE = "is in use by another process"


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


def open_files(pid: int) -> set[str]:
    """The files process PID holds open (what /proc says; empty once it has exited)."""
    found = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                found.add(str(fd.readlink()))
            except OSError:
                continue
    except OSError:
        return set()
    return found


def demo_extracts(ws: Workspace, folder: Path, customers: int = 300) -> Path:
    ws.loader(
        "demo-data", "--out", str(folder), "--customers", str(customers), "--seed", "11", check=True
    )
    return folder


def assert_a_good_run_succeeds(ws: Workspace, tmp_path: Path) -> None:
    """After the fault: `loader run` on good extracts works and every record is accounted for."""
    extracts = demo_extracts(ws, tmp_path / "after-extracts")
    out = tmp_path / "after-packages"
    proc = ws.loader("run", str(extracts), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (
        ws.query(
            "select * from main.migration_reconciliation "
            "where extracted <> exported + rejected + skipped"
        )
        == []
    )
    landed = ws.query(
        "select (select count(*) from raw.customers) + (select count(*) from raw.customer_dimensions)"
    )
    assert (
        ws.query(
            "select sum(extracted) from main.migration_reconciliation"
            " where entity = 'customer_details_v2'"
        )
        == landed
    )
    packages = sorted(out.glob("*.zip"))
    assert packages
    ws.loader("verify", *map(str, packages), check=True)


def run_limited(
    ws: Workspace, args: list[str], file_size_limit: int
) -> subprocess.CompletedProcess[str]:
    """Run `loader ARGS` with RLIMIT_FSIZE set and SIGXFSZ ignored, so a write past the limit
    fails with EFBIG (File too large) instead of killing the process."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return ws.loader_process(*args, preexec_fn=limit)


@contextmanager
def landing_inside_its_transaction(ws: Workspace, big: Path) -> Iterator[subprocess.Popen[str]]:
    """`loader land` on large extracts written to BIG, once it is landing; killed at the end
    of the block if it still runs.

    A small customers.csv, then a large customer_dimensions.csv: while DuckDB reads the
    second file, the first raw table has already been replaced inside the transaction.
    """
    big.mkdir()
    (big / "customers.csv").write_text(
        "company,customer_number,bill_to_customer_number\n"
        + "".join(f"US01,K{i:06d},\n" for i in range(1000))
    )
    with (big / "customer_dimensions.csv").open("w") as handle:
        handle.write("company,customer_number,dimension,value\n")
        block = "".join(f"US01,K{i % 1000:06d},Department,V{i:07d}\n" for i in range(100_000))
        for _ in range(40):  # 4,000,000 rows, about 150 MB
            handle.write(block)
    dimensions = str((big / "customer_dimensions.csv").resolve())
    database = str(ws.database.resolve())
    with ws.started("land", str(big)) as proc:
        # The scan reads the file before the database is opened; DuckDB reads it with the
        # database open and customers.csv already landed, inside the transaction.
        wait_for(
            lambda: {database, dimensions} <= open_files(proc.pid),
            120,
            "loader land to read customer_dimensions.csv with the database open",
        )
        yield proc


# -- SIGKILL inside the land transaction -----------------------------------------------------


def test_sigkill_inside_the_land_transaction_leaves_the_previous_raw_tables(
    workspace: Workspace, tmp_path: Path
) -> None:
    first = demo_extracts(workspace, tmp_path / "first")
    workspace.loader("land", str(first), check=True)
    before = snapshot(workspace)
    loads_before = workspace.query("select * from raw._loads order by file_name")

    with landing_inside_its_transaction(workspace, tmp_path / "big") as proc:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    assert snapshot(workspace) == before
    assert workspace.query("select * from raw._loads order by file_name") == loads_before
    # The next land works, and the database is whole: no landing table is left behind.
    workspace.loader("land", str(first), check=True)
    assert (
        workspace.query(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name like '\\_landing\\_%' escape '\\'"
        )
        == []
    )
    assert_a_good_run_succeeds(workspace, tmp_path)


# -- dbt holds the database ------------------------------------------------------------------


def test_loader_started_while_dbt_build_runs_fails_at_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    extracts = demo_extracts(workspace, tmp_path / "extracts", customers=5000)
    workspace.loader("land", str(extracts), check=True)
    database = str(workspace.database.resolve())
    dbt = subprocess.Popen(
        [
            str(VENV_BIN / "dbt"),
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
        ],
        env=workspace.env,
        cwd=workspace.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: database in open_files(dbt.pid), 300, "dbt to open the database")
        for args in (["land", str(extracts)], ["export", "--out", str(tmp_path / "out")]):
            started = time.monotonic()
            proc = subprocess.run(
                [str(VENV_BIN / "loader"), *args],
                env=workspace.env,
                cwd=workspace.root,
                capture_output=True,
                text=True,
                timeout=60,  # fails at once: never waits for the lock
            )
            assert database in open_files(dbt.pid), "dbt finished first: use a larger sample"
            assert_one_line_error(proc, f"the database {database} {LOCK_MESSAGE}", code=3)
            assert time.monotonic() - started < 60
        output, _ = dbt.communicate(timeout=600)
    finally:
        if dbt.poll() is None:
            dbt.kill()
            dbt.wait()
    assert dbt.returncode == 0, output  # the build was not disturbed
    assert not (tmp_path / "out").exists()
    # Now that dbt is done, the same export goes through.
    export = workspace.loader("export", "--out", str(tmp_path / "out"))
    assert export.returncode == 0, export.stderr
    assert_a_good_run_succeeds(workspace, tmp_path)


# -- a full disk (a file size limit) during export -------------------------------------------


def test_a_file_size_limit_during_export_is_one_line_and_no_final_file(
    workspace: Workspace, tmp_path: Path
) -> None:
    make_mart(workspace)
    open_gate(workspace)
    out = tmp_path / "out"
    workspace.loader("export", "--out", str(out), check=True)
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}

    make_mart(
        workspace,
        sql="SELECT 'USMF', 'C' || lpad(i::VARCHAR, 9, '0'), NULL, "
        "'001-0101-' || md5(i::VARCHAR)[:8] FROM range(200000) t(i)",
    )
    proc = run_limited(workspace, ["export", "--out", str(out)], file_size_limit=256 << 10)
    assert_one_line_error(
        proc,
        f"cannot write the packages into {out}: File too large: lift the file size limit",
        code=3,
    )
    # The earlier export is untouched; nothing of the failed one has a final name or remains.
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    assert_a_good_run_succeeds(workspace, tmp_path)


# -- an output folder that even root cannot write --------------------------------------------


def test_an_unwritable_output_folder_is_one_line(workspace: Workspace, tmp_path: Path) -> None:
    """Tests run as root, and chmod does not stop root. These do:
    - a folder under a regular file: no one can create it (ENOTDIR);
    - /sys: sysfs refuses to create files or folders for anyone, root included (EPERM).
    """
    make_mart(workspace)
    open_gate(workspace)
    regular = tmp_path / "a-file"
    regular.write_text("not a folder")
    proc = workspace.loader("export", "--out", str(regular / "out"))
    assert_one_line_error(proc, f"cannot write into {regular / 'out'}: Not a directory", code=3)
    assert regular.read_text() == "not a folder"

    sys_before = sorted(p.name for p in Path("/sys").iterdir())
    proc = workspace.loader("export", "--out", "/sys")
    assert_one_line_error(proc, "cannot write into /sys: Operation not permitted", code=3)
    assert sorted(p.name for p in Path("/sys").iterdir()) == sys_before
    assert_a_good_run_succeeds(workspace, tmp_path)


# -- a package part that fails while it is closed ---------------------------------------------


def test_a_part_that_fails_to_close_is_released_by_abort(tmp_path: Path) -> None:
    """A write error while a part is finished (its manifest, the zip's end) leaves the part
    to `abort()`: its file is closed, so the export's staged folder can be removed (on
    Windows an open file would keep it)."""
    content = Content(CUSTOMER_DETAILS_V2, CUSTOMER_DETAILS_V2.field_names)
    writer = PackageWriter(tmp_path, "CustomerDetailsV2", "USMF", [content], SplitLimits())
    writer.start(content)
    writer.write(Lines(pa.array([f"C{i:05d},,001-0101\r\n" for i in range(5000)])))
    (part,) = [p for p in tmp_path.iterdir() if p.suffix == ".zip"]
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # Any write that would grow a file past its current size now fails with EFBIG.
    resource.setrlimit(resource.RLIMIT_FSIZE, (part.stat().st_size, hard))
    try:
        with pytest.raises(OSError, match="File too large") as raised:
            writer.close()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    # As in the export's error handling: the error (and its traceback) is alive during abort.
    writer.abort()
    assert str(part) not in open_files(os.getpid()), raised.value
