"""The import's summary: per package its status, execution and failed records; the exit code."""

from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from loader.fo_import.errors import PackageFailedError
from loader.fo_import.journal import Entry
from loader.fo_import.plan import PlannedPackage
from loader.output import WordTable


@dataclass
class PackageOutcome:
    package: PlannedPackage
    status: str  # F&O's final status, "not run", or "planned" (--dry-run)
    execution_id: str | None = None
    errors_dir: str | None = None
    # Records per entity label; None when an error file could not be fetched.
    failed: dict[str, int | None] = field(default_factory=dict)
    note: str = ""

    @classmethod
    def from_entry(cls, package: PlannedPackage, entry: Entry, note: str = "") -> "PackageOutcome":
        return cls(
            package,
            entry.status,
            execution_id=entry.execution_id,
            errors_dir=entry.errors_dir,
            failed={
                e["label"]: None if e["failed"] is None else int(e["failed"])
                for e in entry.entities
                if "failed" in e
            },
            note=note,
        )

    @property
    def failure(self) -> str | None:
        """One line on what failed and where its files are, when F&O did not succeed."""
        if self.status in ("Succeeded", "planned", "not run"):
            return None
        counts = (
            ", ".join(self._failed_of(e.label, e.rows) for e in self.package.entities)
            if self.failed or not self.note
            else self.note
        )
        where = f"; error files in {self.errors_dir}" if self.errors_dir else ""
        return (
            f"{self.package.file} ({self.package.legal_entity}, execution {self.execution_id}): "
            f"{self.status}; {counts}{where}"
        )

    def _failed_of(self, label: str, rows: int) -> str:
        if label in self.failed and self.failed[label] is None:
            return (
                f"{label}: records of {rows:,} failed, how many is unknown (an error file "
                "could not be fetched: see the job's execution log in F&O)"
            )
        return f"{label}: {self.failed.get(label) or 0:,} of {rows:,} records failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.package.order,
            "file": self.package.file,
            "legal_entity": self.package.legal_entity,
            "part": self.package.part,
            "status": self.status,
            "execution_id": self.execution_id,
            "entities": [
                {"label": e.label, "rows": e.rows, "failed": self.failed.get(e.label)}
                for e in self.package.entities
            ],
            "errors_dir": self.errors_dir,
            "note": self.note or None,
        }


@dataclass
class ImportSummary:
    environment: str | None
    outcomes: list[PackageOutcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def failures(self) -> list[str]:
        return [line for o in self.outcomes if (line := o.failure)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "dry_run": self.dry_run,
            "packages": [o.to_dict() for o in self.outcomes],
            "failures": self.failures,
        }

    def renderable(self) -> RenderableType:
        kind = "Import plan (--dry-run: nothing called)" if self.dry_run else "Import"
        title = f"{kind}: {self.environment or 'no environment given'}"
        columns = ["#", "package", "legal entity", "part", "rows", "status"]
        columns += ["note"] if self.dry_run else ["execution", "note"]
        rows = []
        for o in self.outcomes:
            p = o.package
            cells = [str(p.order), p.file, p.legal_entity, str(p.part), f"{p.rows:,}", o.status]
            cells += [o.note] if self.dry_run else [o.execution_id or "", o.note]
            rows.append(cells)
        parts: list[RenderableType] = [
            WordTable(title, columns, rows, numeric={"#", "part", "rows"})
        ]
        parts.extend(Text(line, style="bold red") for line in self.failures)
        return Group(*parts)

    def raise_for_failures(self) -> None:
        """Exit code 1 unless every package Succeeded (PartiallySucceeded is a failure)."""
        failures = self.failures
        if failures:
            more = f" (and {len(failures) - 1} more above)" if len(failures) > 1 else ""
            raise PackageFailedError(f"{failures[0]}{more}")


def import_table(rows: list[dict[str, Any]]) -> RenderableType:
    """`loader status`: the newest execution of each package per legal entity and environment."""
    if not rows:
        return Text("imports: none recorded for this database")
    return WordTable(
        "Imports (loader import's journal)",
        ("environment", "package", "legal entity", "status", "execution", "updated (UTC)"),
        [
            (
                row["environment"],
                row["package_file"],
                row["legal_entity"],
                row["status"],
                row["execution_id"],
                str(row["updated_at"])[:19],
            )
            for row in rows
        ],
    )
