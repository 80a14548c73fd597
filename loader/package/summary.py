"""The export summary: what was written, what was left out, and how to import it in F&O.

Printed as rich tables and written as JSON beside the packages.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from loader.package.csv_unicode import DELIMITER
from loader.package.entity import EntityDescription
from loader.package.manifest import SOURCE_FORMAT
from loader.package.writer import PackageFile, SplitLimits

SUMMARY_FILE = "export-summary.json"
RECONCILIATION_COUNTS = ("extracted", "exported", "rejected", "skipped")


@dataclass
class LegalEntityOutcome:
    legal_entity: str
    rows_in_packages: int = 0
    left_out_by_fields: int = 0
    packages: list[str] = field(default_factory=list)
    # Rows of the migration's reconciliation for this legal entity, one per source file.
    reconciliation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def note(self) -> str | None:
        if self.packages:
            return None
        if self.left_out_by_fields:
            return "no package: no row has a value for the chosen fields"
        return "no package: no rows to update"


@dataclass
class ExportSummary:
    entity: EntityDescription
    fields: tuple[str, ...]
    limits: SplitLimits
    compression_level: int
    exported_at: str
    database: str
    packages: list[PackageFile] = field(default_factory=list)
    legal_entities: list[LegalEntityOutcome] = field(default_factory=list)
    loads: list[dict[str, Any]] = field(default_factory=list)
    gate_forced: bool = False
    gate_problems: list[str] = field(default_factory=list)
    reconciliation_source: str | None = None  # None when the table is absent
    stale_removed: list[str] = field(default_factory=list)
    # Legal entities in the reconciliation with no row in the mart (e.g. an unknown company).
    unexported_reconciliation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def note(self) -> str | None:
        """Why no package was written, when none was (the export still succeeds)."""
        if self.packages:
            return None
        if not self.legal_entities:
            return (
                "no package written: the mart has no rows (every extracted record was rejected "
                "or skipped, or the extracts held none); the reconciliation says which"
            )
        return "no package written: no legal entity has rows to update (see the note of each)"

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.packages)

    def import_steps(self) -> list[str]:
        """What the person importing in F&O must do; the package cannot carry these settings."""
        entity = self.entity
        steps = []
        if entity.import_after:
            first = " and ".join(entity.import_after)
            steps.append(
                f"Import {first} into each legal entity first: {entity.label} only updates "
                "records that already exist."
            )
        if entity.import_threshold_record_count or entity.import_task_count:
            steps.append(
                "Data management > Framework parameters > Entity settings > Configure entity "
                f"execution parameters: for {entity.label} set Import threshold record count "
                f"{entity.import_threshold_record_count} and Import task count "
                f"{entity.import_task_count}."
            )
        steps.append(
            f"The source data format {SOURCE_FORMAT} (Unicode, delimiter "
            f"'{DELIMITER}') must exist in the target environment: the packages name it."
        )
        steps.append(
            "Import each package into the legal entity it names, one legal entity per import, "
            "one import at a time (never in parallel), parts in order:"
        )
        steps.extend(f"  {p.name} -> legal entity {p.legal_entity}" for p in self.packages)
        return steps

    def to_json(self) -> bytes:
        return (
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
        ).encode()

    def to_dict(self) -> dict[str, Any]:
        entity = self.entity
        return {
            "entity": {
                "label": entity.label,
                "target_entity": entity.target_entity,
                "fields": list(self.fields),
                "key_fields": list(entity.key_fields),
            },
            "exported_at": self.exported_at,
            "database": self.database,
            "gate": {"forced": self.gate_forced, "problems": self.gate_problems},
            "loads": self.loads,
            "limits": {
                "max_bytes": self.limits.max_bytes,
                "max_rows": self.limits.max_rows,
                "compression_level": self.compression_level,
            },
            "packages": [
                {
                    "file": p.name,
                    "legal_entity": p.legal_entity,
                    "part": p.part,
                    "rows": p.rows,
                    "bytes": p.bytes,
                    "sha256": p.sha256,
                }
                for p in self.packages
            ],
            "rows": self.rows,
            "note": self.note,
            "legal_entities": [
                {
                    "legal_entity": le.legal_entity,
                    "rows_in_packages": le.rows_in_packages,
                    "left_out_by_fields": le.left_out_by_fields,
                    "packages": le.packages,
                    "note": le.note,
                    "reconciliation": le.reconciliation,
                }
                for le in self.legal_entities
            ],
            "reconciliation": {
                "source": self.reconciliation_source,
                "note": None
                if self.reconciliation_source
                else "main.migration_reconciliation is absent: no extracted/rejected/skipped counts",
                "without_package": self.unexported_reconciliation,
            },
            "stale_packages_removed": self.stale_removed,
            "import": {
                "order": [*entity.import_after, entity.label],
                "source_data_format": SOURCE_FORMAT,
                "entity_execution_parameters": {
                    "entity": entity.label,
                    "import_threshold_record_count": entity.import_threshold_record_count,
                    "import_task_count": entity.import_task_count,
                },
                "one_legal_entity_per_import": [
                    {"file": p.name, "legal_entity": p.legal_entity} for p in self.packages
                ],
                "steps": self.import_steps(),
            },
        }

    def renderable(self) -> RenderableType:
        """Tables for people: packages, legal entities, reconciliation, then the import steps."""
        packages = Table(title=f"{self.entity.label} packages", title_justify="left")
        for column in ("file", "legal entity", "part", "rows", "bytes", "sha256"):
            packages.add_column(
                column, justify="right" if column in _NUMERIC else "left", no_wrap=column == "file"
            )
        for p in self.packages:
            packages.add_row(
                p.name, p.legal_entity, str(p.part), f"{p.rows:,}", f"{p.bytes:,}", p.sha256[:16]
            )
        entities = Table(title="Legal entities", title_justify="left")
        for column in ("legal entity", "rows", _LEFT_OUT, "packages", "note"):
            entities.add_column(column, justify="right" if column in _NUMERIC else "left")
        for le in self.legal_entities:
            entities.add_row(
                le.legal_entity,
                f"{le.rows_in_packages:,}",
                f"{le.left_out_by_fields:,}",
                str(len(le.packages)),
                le.note or "",
            )
        parts: list[RenderableType] = [packages, entities, self._reconciliation_table()]
        if self.note:
            parts.append(Text(self.note, style="yellow"))
        loads = ", ".join(sorted({str(load["load_id"]) for load in self.loads})) or "none recorded"
        parts.append(Text(f"Loads: {loads}"))
        if self.stale_removed:
            parts.append(
                Text(
                    f"Removed stale packages of an earlier export: {', '.join(self.stale_removed)}"
                )
            )
        if self.gate_forced:
            parts.append(
                Text(
                    "Exported with --force although the gate was closed: "
                    + "; ".join(self.gate_problems),
                    style="bold red",
                )
            )
        parts.append(Text("To import in F&O:", style="bold"))
        number = 0
        for step in self.import_steps():
            if not step.startswith("  "):
                number += 1
                step = f"{number}. {step}"
            parts.append(Text(step))
        return Group(*parts)

    def _reconciliation_table(self) -> RenderableType:
        if not self.reconciliation_source:
            return Text(
                "main.migration_reconciliation is absent: no extracted/exported/rejected/skipped counts",
                style="yellow",
            )
        table = Table(title="Reconciliation (from the mart build)", title_justify="left")
        for column in ("legal entity", "source file", *RECONCILIATION_COUNTS):
            table.add_column(column, justify="right" if column in _NUMERIC else "left")
        rows = [r for le in self.legal_entities for r in le.reconciliation]
        for row in [*rows, *self.unexported_reconciliation]:
            table.add_row(
                str(row.get("data_area_id") or "(none)"),
                str(row.get("source_file")),
                *(f"{int(row.get(c) or 0):,}" for c in RECONCILIATION_COUNTS),
            )
        return table


_LEFT_OUT = "left out: nothing to update"
_NUMERIC = {"part", "rows", "bytes", _LEFT_OUT, "packages", *RECONCILIATION_COUNTS}
