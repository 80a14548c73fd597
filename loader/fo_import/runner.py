"""`loader import`: every package of the plan into F&O, one at a time, resumably.

Per package: GetAzureWriteUrl, PUT the zip, ImportFromPackage with an execution id chosen
here and journaled first, then GetExecutionSummaryStatus until a final status. A legal
entity whose package fails stops there; the other legal entities go on (unless
--stop-on-error). "Execution details were not found" and `Unknown` mean "not registered yet"
for at most REGISTER_GRACE_POLLS polls in a row.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from loader.errors import LoaderError, UsageError
from loader.failures import first_line
from loader.fo_import import blob, failures, journal
from loader.fo_import.api import FINAL, DmfClient
from loader.fo_import.auth import TokenSource
from loader.fo_import.errors import (
    NotFoundYetError,
    RepeatedCallRefusedError,
    UnreachableError,
)
from loader.fo_import.plan import PlannedPackage, read_plan
from loader.fo_import.report import ImportSummary, PackageOutcome
from loader.fo_import.transport import new_session, safe_url

REGISTER_GRACE_POLLS = 24  # two minutes at the default interval
NOT_KNOWN = ("Unknown", "not found")
EXECUTION_ID_LENGTH = 60


@dataclass
class ImportOptions:
    packages_dir: Path
    environment: str | None
    timeout: float = 3600.0
    poll_interval: float = 5.0
    again: bool = False
    stop_on_error: bool = False
    dry_run: bool = False
    note: Callable[[str], None] = field(default=print)


_DEFAULT_PORTS = {"https": 443, "http": 80}


def environment_url(url: str | None) -> str:
    if not url or not url.strip():
        raise UsageError(
            "no F&O environment: pass --environment URL or set FO_ENVIRONMENT_URL "
            "(e.g. https://contoso.operations.dynamics.com)"
        )
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.query or parts.fragment or parts.path:
        raise UsageError(
            f"--environment {parts.scheme}://{parts.netloc}{parts.path}: give the environment's "
            "root URL, without a path or query"
        )
    try:
        safe_url(url, "the environment URL")
        port = parts.port
    except LoaderError as exc:  # the user's setting, not F&O's answer
        raise UsageError(str(exc)) from None
    except ValueError:  # not a port number
        raise UsageError(f"--environment {url}: the port is not a number") from None
    return _canonical(parts.scheme, parts.hostname or "", port)


def _canonical(scheme: str, host: str, port: int | None) -> str:
    """One spelling per environment, as the journal keys imports by it: the host in lower
    case (urlsplit's hostname), and no port when it is the scheme's own."""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def run_import(options: ImportOptions) -> ImportSummary:
    plan = read_plan(options.packages_dir)
    if options.dry_run:
        return _dry_run(plan, options)
    environment = environment_url(options.environment)
    summary = ImportSummary(environment=environment)
    if not plan:
        options.note(f"{options.packages_dir}: the export wrote no package: nothing to import")
        return summary
    session = new_session()
    # msal gets a session of its own: it sets its timeout on the session it is given.
    api = DmfClient(environment, session, TokenSource(environment, new_session()))
    importer = _Importer(api, session, options)
    stopped: set[str] = set()
    for package in plan:
        if package.legal_entity in stopped or (options.stop_on_error and summary.failures):
            reason = (
                f"an earlier package of {package.legal_entity} failed"
                if package.legal_entity in stopped
                else "--stop-on-error after an earlier failure"
            )
            summary.outcomes.append(PackageOutcome(package, "not run", note=reason))
            continue
        outcome = importer.run(package)
        summary.outcomes.append(outcome)
        if outcome.status != "Succeeded":
            stopped.add(package.legal_entity)
    return summary


def _dry_run(plan: list[PlannedPackage], options: ImportOptions) -> ImportSummary:
    environment = environment_url(options.environment) if options.environment else None
    summary = ImportSummary(environment=environment, dry_run=True)
    for package in plan:
        before = (
            journal.latest(environment, package.sha256, package.legal_entity)
            if environment
            else None
        )
        note = ""
        if before and before.status in FINAL and not options.again:
            note = f"skipped: {before.status} before (execution {before.execution_id})"
        elif before:
            note = f"resumes execution {before.execution_id} ({before.status})"
        summary.outcomes.append(PackageOutcome(package, "planned", note=note))
    return summary


class _RefusedError(Exception):
    """ImportFromPackage was refused: no execution started (a package F&O cannot read)."""


class _Importer:
    def __init__(self, api: DmfClient, session: requests.Session, options: ImportOptions) -> None:
        self.api = api
        self.session = session
        self.options = options
        self.note = options.note

    def run(self, package: PlannedPackage) -> PackageOutcome:
        label = f"{package.file} -> {package.legal_entity}"
        before = journal.latest(self.api.environment, package.sha256, package.legal_entity)
        if before and before.status in FINAL and not self.options.again:
            self.note(f"{label}: {before.status} before (execution {before.execution_id})")
            again = f"{before.status} before; --again imports it again"
            note = f"{before.note}; {again}" if before.note else again
            return PackageOutcome.from_entry(package, before, note=note)
        if before and before.status not in FINAL:
            entry = before
            self.note(f"{label}: resuming execution {entry.execution_id} ({entry.status})")
            restart = entry.status == journal.UPLOADING or (
                entry.status == journal.STARTING and not self._registers(entry.execution_id)
            )
        else:
            entry = self._new_entry(package)
            restart = True
        try:
            if restart:
                self._start(package, entry)
        except _RefusedError as exc:
            self.note(f"{label}: refused: {exc}")
            entry.status, entry.note = "Failed", str(exc)
            journal.save(entry, final=True)
            return PackageOutcome.from_entry(package, entry, note=str(exc))
        entry.status = self._poll(package, entry)
        self.note(f"{label}: {entry.status} (execution {entry.execution_id})")
        if entry.status != "Succeeded":
            self._bring_back(package, entry)
        journal.save(entry, final=True)
        return PackageOutcome.from_entry(package, entry)

    def _bring_back(self, package: PlannedPackage, entry: journal.Entry) -> None:
        """The error files, as far as F&O and the blob store give them. The package's status
        is final whatever they do: a call that fails leaves the failed counts unknown, and the
        run goes on with the other legal entities."""
        try:
            folder, failed = failures.bring_back(
                self.api,
                self.session,
                package,
                entry.execution_id,
                self.options.poll_interval,
                self.note,
            )
        except LoaderError as exc:
            self.note(
                f"{package.file}: the error files could not be brought back ({first_line(exc)}); "
                f"see execution {entry.execution_id} in Data management > Job history"
            )
            failed = {}
        else:
            entry.errors_dir = str(folder)
        for item in entry.entities:
            item["failed"] = failed.get(item["label"])

    def _new_entry(self, package: PlannedPackage) -> journal.Entry:
        # Chosen here, so a start whose answer was lost can be recognised by asking for it.
        execution_id = f"{package.definition_group[:40]}-{uuid.uuid4().hex[:16]}"
        return journal.Entry(
            execution_id=execution_id[:EXECUTION_ID_LENGTH],
            environment=self.api.environment,
            package_file=package.file,
            package_sha256=package.sha256,
            legal_entity=package.legal_entity,
            definition_group=package.definition_group,
            status=journal.UPLOADING,
            rows_expected=package.rows,
            entities=[{"label": e.label, "rows": e.rows} for e in package.entities],
        )

    def _start(self, package: PlannedPackage, entry: journal.Entry) -> None:
        entry.status = journal.UPLOADING
        journal.save(entry)
        write = self.api.azure_write_url(f"{entry.execution_id}.zip")
        self.note(f"{package.file}: uploading {package.path.stat().st_size:,} bytes")
        blob.upload(self.session, write.url, package.path)
        entry.status = journal.STARTING
        journal.save(entry)
        try:
            self.api.import_from_package(
                write.url, package.definition_group, entry.execution_id, package.legal_entity
            )
        except LoaderError as exc:
            # The call may have reached F&O before its answer was lost: ask before failing. A
            # repeat refused (the id exists) says the first got through, maybe not registered
            # yet: it has the grace polls a resumed start has.
            if isinstance(exc, RepeatedCallRefusedError):
                known = self._registers_or_unreachable(entry.execution_id)
            else:
                known = self._known(entry.execution_id)
            if known:
                pass
            elif isinstance(exc, UnreachableError):
                raise
            else:
                raise _RefusedError(str(exc)) from None  # F&O refused this package
        self.note(
            f"{package.file}: started execution {entry.execution_id} in {package.legal_entity}"
        )
        entry.status = "NotRun"
        journal.save(entry)

    def _status(self, execution_id: str) -> str:
        try:
            return self.api.status(execution_id)
        except NotFoundYetError:
            return "not found"

    def _known(self, execution_id: str) -> bool:
        try:
            return self._status(execution_id) not in NOT_KNOWN
        except LoaderError:
            return False

    def _registers_or_unreachable(self, execution_id: str) -> bool:
        """As _registers; a status F&O cannot give is no registration, but F&O out of reach
        stops the run (the journal keeps the start, which a rerun asks for again)."""
        try:
            return self._registers(execution_id)
        except UnreachableError:
            raise
        except LoaderError:
            return False

    def _registers(self, execution_id: str) -> bool:
        """Whether F&O comes to know EXECUTION_ID within the grace polls (a resumed start)."""
        for _ in range(REGISTER_GRACE_POLLS):
            if self._status(execution_id) not in NOT_KNOWN:
                return True
            time.sleep(self.options.poll_interval)
        return False

    def _poll(self, package: PlannedPackage, entry: journal.Entry) -> str:
        deadline = time.monotonic() + self.options.timeout
        not_known = 0
        while True:
            status = self._status(entry.execution_id)
            if status in FINAL:
                return status
            if status in NOT_KNOWN:
                not_known += 1
                if not_known > REGISTER_GRACE_POLLS:
                    raise UnreachableError(
                        f"{package.file}: F&O still answers {status!r} for execution "
                        f"{entry.execution_id} after {REGISTER_GRACE_POLLS} polls: look it up in "
                        "Data management > Job history; a rerun polls it again"
                    )
            elif status != entry.status:
                not_known = 0
                entry.status = status
                journal.save(entry)
                self.note(f"{package.file}: {status}")
            else:
                not_known = 0
            if time.monotonic() >= deadline:
                raise UnreachableError(
                    f"{package.file}: execution {entry.execution_id} is still {entry.status} "
                    f"after --timeout {self.options.timeout:g} s: a rerun keeps polling it "
                    "(Data management > Job history shows it)"
                )
            time.sleep(self.options.poll_interval)
