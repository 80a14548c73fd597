"""`loader import` against a stand-in for F&O's package API, with Azurite as the blob store.

The packages are the demo sample's, exported as `make demo` does (in parts, so a legal
entity has several). Everything runs on loopback: the token endpoint and the DMF actions
over HTTPS with a CA made for this session, the blob leg over Azurite's HTTP.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from loader.fo_import.runner import environment_url
from tests.conftest import Workspace, make_workspace
from tests.fo_standin.azurite import Azurite, free_port, start_azurite
from tests.fo_standin.server import CLIENT_ID, CLIENT_SECRET, TENANT, Behaviour, StandIn
from tests.fo_standin.tls import ServerTls, make_tls

FAST = ("--poll-interval", "0.02")
WAIT_SECONDS = 120  # bound of the one test that waits for the stand-in to see polling


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> ServerTls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    server = start_azurite(tmp_path_factory.mktemp("azurite"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def standin(tls: ServerTls, azurite: Azurite) -> Iterator[StandIn]:
    server = StandIn(tls, azurite)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo sample's Customer details V2 packages, 60 rows a part: 6 packages over 3 legal
    entities (the tests below count on one entity a package; two entities: see
    add_customer_definitions)."""
    ws = make_workspace(tmp_path_factory.mktemp("export"))
    extracts = ws.root / "extracts"
    ws.loader("demo-data", "--out", str(extracts), "--customers", "300", "--seed", "42", check=True)
    out = ws.root / "packages"
    ws.loader(
        "run",
        str(extracts),
        "--out",
        str(out),
        "--max-rows",
        "60",
        "--entity",
        "customer_details_v2",
        check=True,
    )
    return out


class Run:
    """One test's workspace: its own database (the journal), packages and environment."""

    def __init__(self, ws: Workspace, standin: StandIn, packages: Path) -> None:
        self.ws = ws
        self.standin = standin
        self.packages = packages
        self.outputs: list[str] = []
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"):
            ws.env.pop(name, None)
        ws.env.update(
            AZURE_TENANT_ID=TENANT,
            AZURE_CLIENT_ID=CLIENT_ID,
            AZURE_CLIENT_SECRET=CLIENT_SECRET,
            AZURE_AUTHORITY_HOST=standin.url,
            FO_ENVIRONMENT_URL=standin.url,
            NO_PROXY="127.0.0.1,localhost",
        )
        ws.env["SSL_CERT_FILE"] = str(standin_ca(standin))

    def loader(self, *args: str) -> subprocess.CompletedProcess[str]:
        # Its own process, as a user runs it: TLS trust and the token cache start fresh.
        proc = self.ws.loader_process(*args)
        self.outputs += [proc.stdout, proc.stderr]
        return proc

    def import_(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`loader import` of this run's packages; --json is a global option, put first."""
        options = [a for a in args if a != "--json"]
        first = ["--json"] if "--json" in args else []
        return self.loader(*first, "import", str(self.packages), *FAST, *options)

    def plan(self) -> list[tuple[str, str]]:
        summary = json.loads((self.packages / "export-summary.json").read_text())
        return [(p["file"], p["legal_entity"]) for p in summary["packages"]]

    def journal(self) -> list[tuple[object, ...]]:
        return self.ws.query(
            "select package_file, legal_entity, status, execution_id from fo_import.journal "
            "order by started_at"
        )


_CA: dict[int, Path] = {}


def standin_ca(standin: StandIn) -> Path:
    return _CA[id(standin)]


@pytest.fixture
def run(standin: StandIn, tls: ServerTls, exported: Path, tmp_path: Path) -> Run:
    _CA[id(standin)] = tls.ca_file
    standin.reset()
    packages = tmp_path / "packages"
    shutil.copytree(exported, packages)
    return Run(make_workspace(tmp_path / "ws"), standin, packages)


def started(standin: StandIn) -> list[tuple[str, str]]:
    """What ImportFromPackage started, in order: (package stem as data project, legal entity)."""
    return [(e.definition_group, e.legal_entity) for e in standin.started]


def as_started(plan: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(Path(f).stem, le) for f, le in plan]


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def assert_no_secret_anywhere(run: Run) -> None:
    """No secret, token or SAS signature in any output, file or the database."""
    hidden = run.standin.secrets_to_hide()
    # The secret, a token, a signature at least: the grep below has something to find.
    assert len(hidden) >= 3
    needles = {s for h in hidden for s in (h, unquote(h))}
    texts = list(run.outputs)
    blobs = [p.read_bytes() for p in run.ws.root.rglob("*") if p.is_file()]
    blobs += [p.read_bytes() for p in run.packages.rglob("*") if p.is_file()]
    for needle in needles:
        assert not any(needle in text for text in texts), "a secret in the output"
        encoded = [needle.encode(), needle.encode("utf-16-le")]
        assert not any(e in b for b in blobs for e in encoded), "a secret in a file"
    dump = json.dumps(run.ws.query("select * from fo_import.journal"), default=str)
    assert not any(needle in dump for needle in needles)


def test_dry_run_prints_the_plan_and_calls_nothing(run: Run) -> None:
    proc = run.import_("--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    planned = [(p["file"], p["legal_entity"]) for p in json.loads(proc.stdout)["packages"]]
    assert planned == run.plan()
    assert run.standin.calls == []
    assert not run.ws.database.exists()


@pytest.mark.parametrize(
    "spelled",
    [
        "https://contoso.operations.dynamics.com",
        "https://Contoso.Operations.Dynamics.com/",
        "HTTPS://contoso.operations.dynamics.com:443",
        " https://contoso.operations.dynamics.com// ",
    ],
)
def test_one_environment_has_one_spelling(spelled: str) -> None:
    """The journal keys imports by the environment: every spelling of one is one key."""
    assert environment_url(spelled) == "https://contoso.operations.dynamics.com"


@pytest.mark.parametrize(
    ("summary", "said", "code"),
    [
        ("[]", "export-summary.json: not an export summary (not a JSON object): export again", 1),
        ('{"entity": "x"}', "export-summary.json: not an export summary (missing or bad", 1),
        ("{", "export-summary.json: cannot be read as JSON", 1),
        (None, "export-summary.json: Is a directory", 3),  # cannot be read: no verdict
    ],
)
def test_a_summary_that_is_not_one_is_a_one_line_error(
    workspace: Workspace, summary: str | None, said: str, code: int
) -> None:
    folder = workspace.root / "packages"
    folder.mkdir(parents=True)
    if summary is None:
        (folder / "export-summary.json").mkdir()
    else:
        (folder / "export-summary.json").write_text(summary)
    proc = workspace.loader("import", str(folder), "--dry-run", "--environment", "https://fo.test")
    assert proc.returncode == code
    assert said in one_error_line(proc)


def test_full_import_in_order_one_at_a_time_then_a_rerun_imports_nothing(run: Run) -> None:
    plan = run.plan()
    assert len(plan) > len({le for _, le in plan}) > 1  # several parts and legal entities
    proc = run.import_()
    assert proc.returncode == 0, proc.stderr
    assert started(run.standin) == as_started(plan)
    assert run.standin.in_flight_violations == []
    rows = {e.definition_group: sum(x.rows for x in e.entities) for e in run.standin.started}
    summary = json.loads((run.packages / "export-summary.json").read_text())
    assert rows == {Path(p["file"]).stem: p["rows"] for p in summary["packages"]}
    assert [(f, le, s) for f, le, s, _ in run.journal()] == [(f, le, "Succeeded") for f, le in plan]

    run.standin.reset()
    again = run.import_("--json")
    assert again.returncode == 0, again.stderr
    assert "ImportFromPackage" not in run.standin.calls
    assert [p["status"] for p in json.loads(again.stdout)["packages"]] == ["Succeeded"] * len(plan)

    # The same environment spelled another way is the same journal: nothing imported twice.
    scheme, rest = run.standin.url.split("://")
    host, port = rest.split(":")
    respelled = run.import_("--environment", f"{scheme.upper()}://{host}:{port}/")
    assert respelled.returncode == 0, respelled.stderr
    assert "ImportFromPackage" not in run.standin.calls

    status = run.loader("--json", "status")
    imports = json.loads(status.stdout)["imports"]
    assert [(i["package_file"], i["status"]) for i in imports] == [
        (f, "Succeeded") for f, _ in plan
    ]
    assert_no_secret_anywhere(run)


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(
            faults={"GetAzureWriteUrl": ["429", "429"], "GetExecutionSummaryStatus": ["429"]}
        ),
        Behaviour(
            faults={"ImportFromPackage": ["500"], "GetExecutionSummaryStatus": ["500", "500"]}
        ),
        Behaviour(faults={"GetAzureWriteUrl": ["reset"], "GetExecutionSummaryStatus": ["reset"]}),
        Behaviour(faults={"ImportFromPackage": ["reset_after", "reset"]}),
        # The start got through, its answer was lost, the repeat is refused ("already exists")
        # while F&O does not know the execution yet: it was journaled as refused, and failed.
        Behaviour(faults={"ImportFromPackage": ["reset_after"]}, not_found_polls=2),
        Behaviour(
            faults={"GetExecutionSummaryStatus": ["expire"], "ImportFromPackage": ["expire"]}
        ),
        Behaviour(not_found_polls=5),
        Behaviour(unknown_polls=5),
        Behaviour(executing_polls=10),
    ],
    ids=[
        "429",
        "500",
        "reset",
        "reset-after-start",
        "reset-after-start-not-registered-yet",
        "expired-token",
        "not-found-yet",
        "unknown",
        "slow",
    ],
)
def test_each_fault_is_survived_and_nothing_is_imported_twice(
    run: Run, behaviour: Behaviour
) -> None:
    run.standin.reset(behaviour)
    proc = run.import_()
    assert proc.returncode == 0, proc.stderr
    assert started(run.standin) == as_started(run.plan())
    assert run.standin.in_flight_violations == []
    assert not any(behaviour.faults.values())  # every planted fault was met


def test_throttling_that_never_ends_is_one_line_and_exit_3(run: Run) -> None:
    run.standin.reset(Behaviour(retry_after=0, faults={"GetAzureWriteUrl": ["429"] * 20}))
    proc = run.import_()
    assert proc.returncode == 3
    line = one_error_line(proc)
    assert "GetAzureWriteUrl" in line and "HTTP 429" in line and "attempts" in line


def test_an_unreachable_blob_store_is_one_line_and_exit_3(run: Run) -> None:
    run.standin.reset(Behaviour(blob_port=free_port()))  # nothing listens there
    proc = run.import_()
    assert proc.returncode == 3
    line = one_error_line(proc)
    assert "upload of" in line and "refused" in line and "attempts" in line
    assert "ImportFromPackage" not in run.standin.calls
    assert_no_secret_anywhere(run)


def test_unknown_for_ever_is_one_line_and_a_rerun_polls_the_same_execution(run: Run) -> None:
    run.standin.reset(Behaviour(unknown_polls=10_000))
    proc = run.import_()
    assert proc.returncode == 3
    assert "Unknown" in one_error_line(proc)
    first = run.standin.started[0]
    first.unknown_polls = first.polls  # F&O comes to know it
    run.standin.behaviour.unknown_polls = 0
    again = run.import_()
    assert again.returncode == 0, again.stderr
    assert started(run.standin) == as_started(run.plan())


def test_timeout_names_the_execution_and_a_rerun_keeps_polling_it(run: Run) -> None:
    run.standin.reset(Behaviour(executing_polls=10**9))
    proc = run.import_("--timeout", "1")
    assert proc.returncode == 3
    execution = run.standin.started[0].execution_id
    line = one_error_line(proc)
    assert execution in line and "--timeout" in line
    run.standin.started[0].executing_polls = 1
    run.standin.behaviour.executing_polls = 1
    again = run.import_()
    assert again.returncode == 0, again.stderr
    assert started(run.standin) == as_started(run.plan())
    assert run.standin.started[0].execution_id == execution


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_killed_while_polling_then_a_rerun_does_not_import_again(
    run: Run, sig: signal.Signals
) -> None:
    run.standin.reset(Behaviour(executing_polls=10**9))
    with run.ws.started("import", str(run.packages), *FAST) as process:
        deadline = time.monotonic() + WAIT_SECONDS
        while not (run.standin.started and run.standin.started[0].polls >= 5):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the stand-in never saw the execution polled"
            time.sleep(0.05)
        os.kill(process.pid, sig)
        out, err = process.communicate(timeout=60)
    run.outputs += [out, err]
    if sig == signal.SIGINT:
        assert process.returncode == 130
        # One line, and not the general one: F&O goes on with what it started.
        assert err.splitlines()[-1].startswith("error: interrupted (Ctrl-C): an import F&O")
        assert "undone" not in err and "Traceback" not in err
    else:
        assert process.returncode == -signal.SIGKILL
    assert run.journal()[0][2] == "Executing"
    run.standin.started[0].executing_polls = 1
    run.standin.behaviour.executing_polls = 1
    proc = run.import_()
    assert proc.returncode == 0, proc.stderr
    assert started(run.standin) == as_started(run.plan())  # the first package once


def test_partially_succeeded_brings_back_its_error_files_and_exits_1(run: Run) -> None:
    plan = run.plan()
    usmf = [f for f, le in plan if le == "USMF"]
    run.standin.reset(Behaviour(failing_rows={("USMF", "Customer details V2"): 5}))
    proc = run.import_()
    assert proc.returncode == 1
    line = one_error_line(proc)
    first = Path(usmf[0]).stem
    assert usmf[0] in line and "PartiallySucceeded" in line and "5 of 60 records failed" in line
    folder = run.packages / "import-errors" / first
    assert str(folder) in line
    files = sorted(p.name for p in folder.iterdir())
    assert files == [
        "Customer details V2 staging errors.csv",
        "Customer details V2 target error keys.csv",
        "execution-errors.json",
    ]
    staging = (folder / files[0]).read_bytes().decode("utf-16").splitlines()
    keys = (folder / files[1]).read_text().splitlines()
    assert len(staging) - 1 + len(keys) - 1 == 5
    assert json.loads((folder / "execution-errors.json").read_text())
    # USMF stops at its failed part; the other legal entities are imported in full.
    expected = [(f, le) for f, le in plan if le != "USMF" or f == usmf[0]]
    assert started(run.standin) == as_started(expected)
    statuses = {f: s for f, _le, s, _id in run.journal()}
    assert statuses[usmf[0]] == "PartiallySucceeded"
    assert all(statuses[f] == "Succeeded" for f, le in plan if le != "USMF")

    run.standin.reset()
    rerun = run.import_()
    assert rerun.returncode == 1  # still failed; not imported again without --again
    assert started(run.standin) == []
    fixed = run.import_("--again")
    assert fixed.returncode == 0, fixed.stderr
    assert_no_secret_anywhere(run)


def test_stop_on_error_stops_every_legal_entity(run: Run) -> None:
    plan = run.plan()
    first_le = plan[0][1]
    run.standin.reset(Behaviour(failing_rows={(first_le, "Customer details V2"): 10_000}))
    proc = run.import_("--stop-on-error")
    assert proc.returncode == 1
    assert "Failed" in one_error_line(proc)
    assert started(run.standin) == as_started(plan[:1])
    assert [status for _f, _le, status, _id in run.journal()] == ["Failed"]


def test_error_files_that_cannot_be_fetched_leave_the_count_unknown(run: Run) -> None:
    """An expired SAS on the error files: the package still failed, and how many records did
    is not known; it was reported as 0 failed."""
    run.standin.reset(
        Behaviour(failing_rows={("USMF", "Customer details V2"): 5}, expired_error_files=True)
    )
    proc = run.import_()
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "PartiallySucceeded" in line
    assert (
        "Customer details V2: records of 60 failed, how many is unknown (an error file could "
        "not be fetched: see the job's execution log in F&O)" in line
    )
    assert "0 of 60 records failed" not in line


def test_error_files_fo_cannot_give_keep_the_status_and_the_run_goes_on(run: Run) -> None:
    """F&O failing to make the target error keys file: the exception escaped, the known
    final status was never journaled, the exit was 3 and no other legal entity was imported."""
    plan = run.plan()
    first_le = plan[0][1]
    run.standin.reset(
        Behaviour(
            failing_rows={(first_le, "Customer details V2"): 3},
            faults={"GenerateImportTargetErrorKeysFile": ["500"] * 6},
        )
    )
    proc = run.import_()
    assert proc.returncode == 1, proc.stderr
    assert {le for _, le in started(run.standin)} == {le for _, le in plan}
    statuses = {(f, le): status for f, le, status, _ in run.journal()}
    assert statuses[plan[0]] == "PartiallySucceeded"
    assert "the error files could not be brought back" in " ".join(proc.stderr.split())
    assert "how many is unknown" in one_error_line(proc)


def test_the_error_folder_holds_the_latest_execution_only(run: Run) -> None:
    """import --again after a failure: the first execution's target error keys file stayed
    beside the second's files, and passed for its."""
    first_file, first_le = run.plan()[0]
    run.standin.reset(Behaviour(failing_rows={(first_le, "Customer details V2"): 3}))
    assert run.import_("--stop-on-error").returncode == 1
    folder = run.packages / "import-errors" / Path(first_file).stem
    assert any("target error keys" in p.name for p in folder.iterdir())
    run.standin.reset(Behaviour(failing_rows={(first_le, "Customer details V2"): 1}))
    assert run.import_("--again", "--stop-on-error").returncode == 1
    names = sorted(p.name for p in folder.iterdir())
    assert not any("target error keys" in name for name in names), names
    assert "execution-errors.json" in names


def without_package_header(run: Run) -> None:
    """The plan's first package without PackageHeader.xml (a package F&O cannot read), its
    sha256 in the summary updated to match."""
    victim = run.packages / run.plan()[0][0]
    with zipfile.ZipFile(victim) as z:
        kept = {n: z.read(n) for n in z.namelist() if n != "PackageHeader.xml"}
    with zipfile.ZipFile(victim, "w") as z:
        for name, data in kept.items():
            z.writestr(name, data)
    summary_path = run.packages / "export-summary.json"
    summary = json.loads(summary_path.read_text())
    summary["packages"][0]["sha256"] = hashlib.sha256(victim.read_bytes()).hexdigest()
    summary_path.write_text(json.dumps(summary))


def test_a_package_fo_cannot_read_fails_that_legal_entity_only(run: Run) -> None:
    plan = run.plan()
    without_package_header(run)
    proc = run.import_()
    assert proc.returncode == 1
    assert "PackageHeader.xml" in one_error_line(proc)
    assert started(run.standin) == as_started([(f, le) for f, le in plan if le != plan[0][1]])


def test_a_refusal_after_a_new_token_is_a_refusal_at_once(run: Run) -> None:
    """A 401 (token expired) and then F&O's refusal of a package it cannot read: counted as
    a repeat of a start that may have got through, which waited the 24 grace polls."""
    without_package_header(run)
    run.standin.reset(Behaviour(faults={"ImportFromPackage": ["expire"]}))
    proc = run.import_("--stop-on-error")
    assert proc.returncode == 1
    assert "PackageHeader.xml" in one_error_line(proc)
    assert run.standin.calls.count("GetExecutionSummaryStatus") <= 1


def test_configuration_mistakes_are_one_line(run: Run) -> None:
    run.ws.env["AZURE_CLIENT_SECRET"] = "not-the-secret"  # noqa: S105
    proc = run.import_()
    assert proc.returncode == 3 and "invalid_client" in one_error_line(proc)
    run.ws.env["AZURE_CLIENT_SECRET"] = CLIENT_SECRET

    del run.ws.env["AZURE_CLIENT_ID"]
    proc = run.import_()
    assert proc.returncode == 2 and "AZURE_CLIENT_ID" in one_error_line(proc)
    run.ws.env["AZURE_CLIENT_ID"] = CLIENT_ID

    proc = run.import_("--environment", "http://fo.example.com")
    assert proc.returncode == 2 and "not https" in one_error_line(proc)

    run.ws.env.pop("SSL_CERT_FILE")  # the test CA is not trusted
    proc = run.import_()
    assert proc.returncode == 3 and "SSL_CERT_FILE" in one_error_line(proc)

    run.ws.env["REQUESTS_CA_BUNDLE"] = str(standin_ca(run.standin))
    proc = run.import_()
    assert proc.returncode == 0, proc.stderr


def add_customer_definitions(package: Path) -> int:
    """Make PACKAGE hold two entities as the export will: Customer definitions at level 1,
    then its Customer details V2; returns the rows of each."""
    with zipfile.ZipFile(package) as z:
        files = {n: z.read(n) for n in z.namelist()}
    manifest = files["Manifest.xml"].decode("utf-16")
    start = manifest.index("<DataManagementPackageEntityData>")
    end = manifest.index("</DataManagementPackageEntityData>") + len(
        "</DataManagementPackageEntityData>"
    )
    details = manifest[start:end]
    definitions = (
        details.replace("<EntityName>Customer details V2<", "<EntityName>Customer definitions<")
        .replace(
            "<InputFilePath>Customer details V2.csv<", "<InputFilePath>Customer definitions.csv<"
        )
        .replace("<LevelInExecutionUnit>2<", "<LevelInExecutionUnit>1<")
        .replace("CustCustomerDetailV2Entity", "CustCustomerBaseEntity")
    )
    assert definitions.count("Customer definitions") == 2
    files["Manifest.xml"] = b"\xff\xfe" + (
        manifest[:start] + definitions + manifest[start:]
    ).encode("utf-16-le")
    files["Customer definitions.csv"] = files["Customer details V2.csv"]
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return len(files["Customer details V2.csv"].decode("utf-16").split("\r\n")) - 2


def test_packages_of_two_entities_are_counted_and_reported_per_entity(run: Run) -> None:
    summary_path = run.packages / "export-summary.json"
    summary = json.loads(summary_path.read_text())
    for entry in summary["packages"]:
        rows = add_customer_definitions(run.packages / entry["file"])
        assert rows == entry["rows"]
        entry["sha256"] = hashlib.sha256((run.packages / entry["file"]).read_bytes()).hexdigest()
        entry["entities"] = [
            {"label": "Customer definitions", "rows": rows},
            {"label": "Customer details V2", "rows": rows},
        ]
    summary_path.write_text(json.dumps(summary))
    first = summary["packages"][0]
    le = first["legal_entity"]
    run.standin.reset(Behaviour(failing_rows={(le, "Customer definitions"): 4}))
    proc = run.import_()
    assert proc.returncode == 1
    line = one_error_line(proc)
    rows = first["rows"]
    assert f"Customer definitions: 4 of {rows} records failed" in line
    assert f"Customer details V2: 0 of {rows} records failed" in line
    folder = run.packages / "import-errors" / Path(first["file"]).stem
    assert sorted(p.name for p in folder.iterdir()) == [
        "Customer definitions staging errors.csv",
        "Customer definitions target error keys.csv",
        "execution-errors.json",
    ]
    counted = {
        e.definition_group: {x.label: x.rows for x in e.entities} for e in run.standin.started
    }
    assert counted == {
        Path(p["file"]).stem: {e["label"]: e["rows"] for e in p["entities"]}
        for p in summary["packages"]
        if p["legal_entity"] != le or p["file"] == first["file"]
    }


def test_the_exports_two_entity_packages_import_in_their_order(
    standin: StandIn, tls: ServerTls, tmp_path: Path
) -> None:
    """What `loader export` writes by default (Customer definitions and Customer details V2 in
    each package, split into parts) is imported in the summary's order, each entity counted."""
    _CA[id(standin)] = tls.ca_file
    standin.reset()
    ws = make_workspace(tmp_path / "export")
    extracts = ws.root / "extracts"
    ws.loader("demo-data", "--out", str(extracts), "--customers", "120", "--seed", "7", check=True)
    packages = tmp_path / "packages"
    ws.loader("run", str(extracts), "--out", str(packages), "--max-rows", "50", check=True)
    run = Run(make_workspace(tmp_path / "ws"), standin, packages)
    proc = run.import_()
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((packages / "export-summary.json").read_text())
    assert started(standin) == as_started(run.plan())
    counted = [(e.definition_group, {x.label: x.rows for x in e.entities}) for e in standin.started]
    assert counted == [
        (Path(p["file"]).stem, {e["label"]: e["rows"] for e in p["entities"]})
        for p in summary["packages"]
    ]
    labels = {label for _, rows in counted for label in rows}
    assert labels == {"Customer definitions", "Customer details V2"}
