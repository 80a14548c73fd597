"""What to import, in which order: export-summary.json's `packages`, which is the import order.

Each entry names its file, legal entity, part, rows and sha256; an entry may list its
`entities` (label and rows each), otherwise the package holds the summary's one entity.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loader.errors import LoaderError
from loader.failures import os_error
from loader.package.summary import SUMMARY_FILE

DEFINITION_GROUP_LENGTH = 60  # DMFDefinitionGroupName: longer names are refused


@dataclass(frozen=True)
class EntityRows:
    label: str
    rows: int


@dataclass(frozen=True)
class PlannedPackage:
    order: int
    path: Path
    legal_entity: str
    part: int
    rows: int
    sha256: str
    entities: tuple[EntityRows, ...]

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def definition_group(self) -> str:
        """The data project F&O creates for the import, named after the package."""
        return self.path.stem[:DEFINITION_GROUP_LENGTH]


def read_plan(packages_dir: Path) -> list[PlannedPackage]:
    """The packages in import order, each checked against the sha256 the export wrote."""
    summary_path = packages_dir / SUMMARY_FILE
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoaderError(
            f"no {SUMMARY_FILE} in {packages_dir}: import what `loader export --out DIR` wrote"
        ) from None
    except OSError as exc:  # a folder, no permission: no verdict on the summary
        raise os_error(exc) from None
    except ValueError as exc:
        raise LoaderError(f"{summary_path}: cannot be read as JSON: {exc}") from None
    if not isinstance(summary, dict):
        raise LoaderError(
            f"{summary_path}: not an export summary (not a JSON object): export again"
        )
    # Summaries before the two-entity export named their one entity at the top.
    entity = summary.get("entity")
    default_label = entity.get("label") if isinstance(entity, dict) else None
    try:
        return [
            _planned(packages_dir, i, p, default_label)
            for i, p in enumerate(summary["packages"], 1)
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise LoaderError(
            f"{summary_path}: not an export summary (missing or bad {exc}): export again"
        ) from None


def _planned(
    packages_dir: Path, order: int, entry: dict[str, Any], label: str | None
) -> PlannedPackage:
    name = str(entry["file"])
    path = packages_dir / name
    if Path(name).name != name or not path.is_file():
        raise LoaderError(f"{packages_dir}: {name} is listed in {SUMMARY_FILE} but not there")
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    if sha256 != entry["sha256"]:
        raise LoaderError(
            f"{path}: its sha256 differs from {SUMMARY_FILE}: the file changed after the "
            "export; export again"
        )
    listed = entry.get("entities")
    entities = (
        tuple(EntityRows(str(e["label"]), int(e["rows"])) for e in listed)
        if listed
        else (EntityRows(str(_required(label, "entity")), int(entry["rows"])),)
    )
    return PlannedPackage(
        order=order,
        path=path,
        legal_entity=str(entry["legal_entity"]),
        part=int(entry["part"]),
        rows=int(entry["rows"]),
        sha256=sha256,
        entities=entities,
    )


def _required(value: str | None, key: str) -> str:
    if value is None:
        raise KeyError(key)
    return value
