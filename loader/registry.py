"""The entities the loader exports: one entry each drives export, gate, status, the summary,
verify and the command line.

Adding an entity is one entry here (its description in `loader.package.entities`) plus its dbt
models: the mart, its rejects, and its rows in `main.migration_reconciliation`.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from loader.errors import LoaderError, UsageError
from loader.package.entities import CUSTOMER_DEFINITIONS, CUSTOMER_DETAILS_V2
from loader.package.entity import EntityDescription
from loader.settings import PROJECT_DIR

# The dbt seed both the models and the loader take field lengths from (entity,field,max_length).
FIELD_LENGTHS_SEED = PROJECT_DIR / "seeds" / "field_lengths.csv"
# A package that holds several entities is named after what they move together.
COMBINED_STEM = "Customers"


@dataclass(frozen=True)
class RegisteredEntity:
    """An entity the loader exports, and where its rows come from."""

    # The dbt mart model: also the value of `entity` in the reconciliation and of --entity.
    name: str
    description: EntityDescription
    rejects: str  # the rejects mart, with the columns every rejects mart has
    # The extracts whose every landed record its rows of main.migration_reconciliation count.
    reconciles: tuple[str, ...]
    legal_entity_column: str = "DATAAREAID"
    schema: str = "main"

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.name}"


# In import order: an entity comes after the ones it must be imported after.
_ENTRIES = (
    RegisteredEntity(
        "customer_definitions",
        CUSTOMER_DEFINITIONS,
        "customer_definitions_rejects",
        ("customers.csv",),
    ),
    RegisteredEntity(
        "customer_details_v2",
        CUSTOMER_DETAILS_V2,
        "customer_details_v2_rejects",
        ("customers.csv", "customer_dimensions.csv"),
    ),
)
NAMES = tuple(e.name for e in _ENTRIES)


@cache
def entities() -> tuple[RegisteredEntity, ...]:
    """Every registered entity, in import order, with its field lengths from the seed."""
    lengths = read_field_lengths(FIELD_LENGTHS_SEED)
    unknown = sorted(set(lengths) - set(NAMES))
    if unknown:
        raise LoaderError(
            f"{FIELD_LENGTHS_SEED}: entity {', '.join(unknown)} is not one the loader exports "
            f"({', '.join(NAMES)})"
        )
    registered = []
    for entry in _ENTRIES:
        try:
            description = entry.description.with_lengths(lengths.get(entry.name, {}))
        except ValueError as exc:
            raise LoaderError(f"{FIELD_LENGTHS_SEED}: {exc}") from exc
        registered.append(replace(entry, description=description))
    return tuple(registered)


def select(name: str | None) -> tuple[RegisteredEntity, ...]:
    """The entities to export: NAME alone (a mart name or an entity label), or all of them."""
    if name is None:
        return entities()
    wanted = name.strip().lower()
    for entry in entities():
        if wanted in (entry.name, entry.description.label.lower()):
            return (entry,)
    raise UsageError(f"--entity {name!r}: not an entity the loader exports; choose {_choices()}")


def descriptions() -> tuple[EntityDescription, ...]:
    return tuple(e.description for e in entities())


def package_stem(chosen: Sequence[RegisteredEntity]) -> str:
    return chosen[0].description.file_stem if len(chosen) == 1 else COMBINED_STEM


def package_stems() -> tuple[str, ...]:
    """Every stem an export may name packages with: the stale ones of any earlier export."""
    return (*(e.description.file_stem for e in _ENTRIES), COMBINED_STEM)


def _choices() -> str:
    return " or ".join(NAMES)


def read_field_lengths(path: Path) -> dict[str, dict[str, int]]:
    """entity -> field -> max_length from the seed file PATH."""
    try:
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
    except OSError as exc:
        raise LoaderError(f"cannot read the field lengths {path}: {exc.strerror or exc}") from exc
    lengths: dict[str, dict[str, int]] = {}
    for line, row in enumerate(rows, 2):
        entity, field, limit = (row.get(c) for c in ("entity", "field", "max_length"))
        if not entity or not field or not limit or not limit.strip().isdigit():
            raise LoaderError(
                f"{path}: line {line}: expected entity,field,max_length with a whole number"
            )
        lengths.setdefault(entity.strip(), {})[field.strip().upper()] = int(limit)
    return lengths
