"""The export summary: what was written, what was left out, and how to import it in F&O.

Printed as rich tables and written as JSON beside the packages. `packages` is in import
order: legal entity by legal entity, each one's parts in order (every part that creates
customers before every part that updates them).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from loader.cycles import cycle_name
from loader.output import WordTable, hanging
from loader.package.writer import Content, PackageFile, SplitLimits

SUMMARY_FILE = "export-summary.json"
RECONCILIATION_COUNTS = ("extracted", "exported", "rejected", "skipped", "unaccounted")


@dataclass(frozen=True)
class ExportedEntity:
    name: str  # the mart it comes from; `entity` in the reconciliation
    content: Content


@dataclass
class EntityOutcome:
    """One entity in one legal entity."""

    label: str
    rows_in_packages: int = 0
    left_out_by_fields: int = 0
    left_out_unchanged: int = 0  # a --changed-since export: the same as the compared cycle

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rows_in_packages": self.rows_in_packages,
            "left_out_by_fields": self.left_out_by_fields,
            "left_out_unchanged": self.left_out_unchanged,
        }


@dataclass
class LegalEntityOutcome:
    legal_entity: str
    entities: list[EntityOutcome] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    # Rows of the migration's reconciliation for this legal entity, per entity and source file.
    reconciliation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows_in_packages(self) -> int:
        return sum(e.rows_in_packages for e in self.entities)

    @property
    def left_out_by_fields(self) -> int:
        return sum(e.left_out_by_fields for e in self.entities)

    @property
    def left_out_unchanged(self) -> int:
        return sum(e.left_out_unchanged for e in self.entities)

    @property
    def note(self) -> str | None:
        if self.packages:
            return None
        if self.left_out_by_fields:
            return "no package: no row has a value for the chosen fields"
        if self.left_out_unchanged:
            return "no package: nothing changed since the compared cycle"
        return "no package: no rows to write"


@dataclass
class ExportSummary:
    entities: Sequence[ExportedEntity]  # in import order
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
    # Legal entities in the reconciliation with no row in a mart (e.g. an unknown company).
    unexported_reconciliation: list[dict[str, Any]] = field(default_factory=list)
    # The migration cycle this export ends and, for a delta, what it compared with.
    cycle: dict[str, Any] | None = None
    cycle_notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str | None:
        """Why no package was written, when none was (the export still succeeds)."""
        if self.packages:
            return None
        since = (self.cycle or {}).get("changed_since")
        if since and not self.rows:
            name = cycle_name(since["cycle_id"], since["label"])
            return f"no package written: no customer is new or changed since {name}"
        if not self.legal_entities:
            return (
                "no package written: the marts have no rows (every extracted record was "
                "rejected or skipped, or the extracts held none); the reconciliation says which"
            )
        return "no package written: no legal entity has rows to write (see the note of each)"

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.packages)

    @property
    def _labels(self) -> list[str]:
        return [e.content.entity.label for e in self.entities]

    def import_order(self) -> list[str]:
        """Entity labels in the order F&O must import them, those not exported here too."""
        order: list[str] = []
        for exported in self.entities:
            entity = exported.content.entity
            order.extend(label for label in entity.import_after if label not in order)
            order.append(entity.label)
        return order

    def expected_counts(self) -> list[dict[str, Any]]:
        """Rows per legal entity and entity: what F&O's job log must show (staging, target)."""
        counts: dict[tuple[str, str], int] = {}
        for package in self.packages:
            for rows in package.entities:
                key = (package.legal_entity, rows.label)
                counts[key] = counts.get(key, 0) + rows.rows
        return [
            {"legal_entity": le, "entity": label, "rows": n} for (le, label), n in counts.items()
        ]

    def import_steps(self) -> list[str]:
        """What the person importing in F&O must do; the package cannot carry these settings."""
        exported = [e.content.entity for e in self.entities]
        steps = []
        missing = [label for label in self.import_order() if label not in self._labels]
        if missing:
            steps.append(
                f"Import {' and '.join(missing)} into each legal entity first: "
                f"{' and '.join(self._labels)} only update records that already exist."
            )
        parameters = "; ".join(
            f"for {e.label} set Import threshold record count "
            f"{e.import_threshold_record_count} and Import task count {e.import_task_count}"
            for e in exported
            if e.import_threshold_record_count or e.import_task_count
        )
        if parameters:
            steps.append(
                "Once per environment, Data management > Framework parameters > Entity "
                f"settings > Configure entity execution parameters: {parameters}."
            )
        steps.extend(note for e in exported for note in e.import_notes)
        formats = " and ".join(self._source_formats())
        steps.append(
            f"The source data formats {formats} must exist in the target environment (they do "
            "out of the box): the manifests name them."
        )
        if self.packages:
            steps.append(
                "One legal entity at a time: switch F&O to the legal entity a package names "
                "(the package carries no company), import its packages one after another in "
                "this order (never in parallel; within a package the manifest runs the entities "
                "in order), then go on to the next legal entity:"
            )
            steps.extend(
                f"  {p.name} -> legal entity {p.legal_entity}: {_entity_rows(p)}"
                for p in self.packages
            )
            steps.append(
                "Check each job's execution log: per entity, the staging and target counts must "
                "equal these rows:"
            )
            by_le: dict[str, list[str]] = {}
            for count in self.expected_counts():
                by_le.setdefault(count["legal_entity"], []).append(
                    f"{count['entity']} {count['rows']:,}"
                )
            steps.extend(f"  {le}: {', '.join(counts)}" for le, counts in by_le.items())
        return steps

    def _source_formats(self) -> list[str]:
        formats = [e.content.entity.data_format.source_format for e in self.entities]
        return list(dict.fromkeys(formats))

    def to_json(self) -> bytes:
        return (
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
        ).encode()

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": [
                {
                    "name": e.name,
                    "label": e.content.entity.label,
                    "target_entity": e.content.entity.target_entity,
                    "source_format": e.content.entity.data_format.source_format,
                    "data_file": e.content.entity.data_file_name,
                    "level_in_execution_unit": e.content.entity.level,
                    "fields": list(e.content.fields),
                    "key_fields": list(e.content.entity.key_fields),
                    "rows": sum(
                        c["rows"]
                        for c in self.expected_counts()
                        if c["entity"] == e.content.entity.label
                    ),
                }
                for e in self.entities
            ],
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
                    "entities": [{"label": e.label, "rows": e.rows} for e in p.entities],
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
                    "left_out_unchanged": le.left_out_unchanged,
                    "entities": [e.to_dict() for e in le.entities],
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
                "per_entity": self.reconciliation_per_entity(),
                "without_package": self.unexported_reconciliation,
            },
            "stale_packages_removed": self.stale_removed,
            "cycle": self.cycle,
            "import": {
                "order": self.import_order(),
                "source_data_formats": self._source_formats(),
                "entity_execution_parameters": [
                    {
                        "entity": e.content.entity.label,
                        "import_threshold_record_count": e.content.entity.import_threshold_record_count,
                        "import_task_count": e.content.entity.import_task_count,
                    }
                    for e in self.entities
                ],
                "notes": [n for e in self.entities for n in e.content.entity.import_notes],
                "one_legal_entity_per_import": [
                    {"file": p.name, "legal_entity": p.legal_entity} for p in self.packages
                ],
                "expected_counts": self.expected_counts(),
                "steps": self.import_steps(),
            },
        }

    def _reconciliation_rows(self) -> list[dict[str, Any]]:
        return [
            *(r for le in self.legal_entities for r in le.reconciliation),
            *self.unexported_reconciliation,
        ]

    def reconciliation_per_entity(self) -> list[dict[str, Any]]:
        """The reconciliation's counts summed per entity (all legal entities and files)."""
        totals: dict[str | None, dict[str, Any]] = {}
        for row in self._reconciliation_rows():
            total = totals.setdefault(row.get("entity"), {"entity": row.get("entity")})
            for column in RECONCILIATION_COUNTS:
                if column in row:
                    total[column] = total.get(column, 0) + int(row[column] or 0)
        return list(totals.values())

    def renderable(self) -> RenderableType:
        """Tables for people: packages, legal entities, reconciliation, then the import steps."""
        # Each package's rows per entity are in the import steps below, its sha256 in
        # export-summary.json: the table fits 80 columns with a single-entity file name.
        packages = WordTable(
            "Packages, in import order",
            ("file", "legal entity", "part", "rows", "bytes"),
            [
                (p.name, p.legal_entity, str(p.part), f"{p.rows:,}", f"{p.bytes:,}")
                for p in self.packages
            ],
            numeric=_NUMERIC,
        )
        # A delta's rows that are the same as in the compared cycle: a column of their own.
        delta = any(le.left_out_unchanged for le in self.legal_entities)
        entities = WordTable(
            "Legal entities",
            (
                "legal entity",
                "entity",
                "rows",
                _LEFT_OUT,
                *([_UNCHANGED] if delta else []),
                "packages",
                "note",
            ),
            [
                (
                    le.legal_entity if number == 0 else "",
                    outcome.label,
                    f"{outcome.rows_in_packages:,}",
                    f"{outcome.left_out_by_fields:,}",
                    *([f"{outcome.left_out_unchanged:,}"] if delta else []),
                    str(len(le.packages)) if number == 0 else "",
                    (le.note or "") if number == 0 else "",
                )
                for le in self.legal_entities
                for number, outcome in enumerate(le.entities)
            ],
            numeric=_NUMERIC,
        )
        parts: list[RenderableType] = [packages, entities, *self._reconciliation_tables()]
        if self.note:
            parts.append(Text(self.note, style="yellow"))
        loads = ", ".join(sorted({str(load["load_id"]) for load in self.loads})) or "none recorded"
        parts.append(Text(f"Loads: {loads}"))
        if self.cycle:
            name = cycle_name(self.cycle["cycle_id"], self.cycle["label"])
            if self.cycle.get("kept", True):
                parts.append(Text(f"Cycle: {name}"))
            else:
                parts.append(
                    Text(f"Cycle: {name}, not kept (exported with --force): it stays open")
                )
        parts.extend(Text(line) for line in self.cycle_notes)
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
        parts.append(_numbered(self.import_steps()))
        return Group(*parts)

    def _reconciliation_tables(self) -> list[RenderableType]:
        """One table per entity; the unaccounted count (0 unless the build lost a record) is
        a column only when it is not 0, so that the tables fit 80 columns."""
        if not self.reconciliation_source:
            return [
                Text(
                    "main.migration_reconciliation is absent: no "
                    "extracted/exported/rejected/skipped counts",
                    style="yellow",
                )
            ]
        rows = self._reconciliation_rows()
        totals = self.reconciliation_per_entity()
        if not totals:
            return [
                Text(
                    "main.migration_reconciliation has no rows for the exported entities: "
                    "run `dbt build` again",
                    style="yellow",
                )
            ]
        lost = sum(int(total.get("unaccounted") or 0) for total in totals)
        counts = [c for c in RECONCILIATION_COUNTS if lost or c != "unaccounted"]
        parts: list[RenderableType] = []
        for total in totals:
            entity = total.get("entity")
            cells = [
                (
                    str(row.get("data_area_id") or "(none)"),
                    str(row.get("source_file")),
                    *(f"{int(row[c] or 0):,}" if c in row else "" for c in counts),
                )
                for row in rows
                if row.get("entity") == entity
            ]
            cells.append(("all", "all", *(f"{total[c]:,}" if c in total else "" for c in counts)))
            parts.append(
                WordTable(
                    f"Reconciliation of {entity or 'records'} (from the mart build)",
                    ("legal entity", "source file", *counts),
                    cells,
                    numeric=_NUMERIC,
                    bold_last=True,
                )
            )
        if lost:
            parts.append(
                Text(
                    f"{lost:,} {'record is' if lost == 1 else 'records are'} unaccounted for: "
                    "lost between the land and the marts; report it with "
                    "main.migration_reconciliation",
                    style="bold red",
                )
            )
        else:
            parts.append(Text("Every extracted record is exported, rejected or skipped."))
        return parts


def _numbered(steps: list[str]) -> RenderableType:
    """STEPS numbered; a line indented by two spaces belongs to the step before it."""
    items: list[tuple[str, str]] = []
    number = 0
    for step in steps:
        if step.startswith("  "):
            items.append(("", step))
        else:
            number += 1
            items.append((f"{number}.", step))
    return hanging(items)


def _entity_rows(package: PackageFile) -> str:
    return ", ".join(f"{e.label} {e.rows:,} rows" for e in package.entities)


_LEFT_OUT = "left out: nothing to update"
_UNCHANGED = "unchanged"
_NUMERIC = {"part", "rows", "bytes", _LEFT_OUT, _UNCHANGED, "packages", *RECONCILIATION_COUNTS}
