"""What a package writer needs to know about a data entity, as plain data."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from loader.package.csv_unicode import CSV_UNICODE
from loader.package.data_format import DataFormat

# Staging field names in F&O are upper-case identifiers.
_FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_FILE_STEM = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class EntityField:
    """One column of the entity's data file."""

    name: str
    max_length: int | None = None  # longest value F&O keeps; longer ones are truncated by F&O
    required: bool = False  # F&O refuses a record without a value (loader verify checks it)


@dataclass(frozen=True)
class EntityDescription:
    """A data entity as Data management sees it, and how a package file is named for it."""

    label: str  # the entity name Data management shows, e.g. "Customer details V2"
    target_entity: str  # the AOT name, e.g. "CustCustomerDetailV2Entity"
    file_stem: str  # start of package file names, e.g. "CustomerDetailsV2"
    fields: tuple[EntityField, ...]
    key_fields: tuple[str, ...]
    data_format: DataFormat = CSV_UNICODE
    level: int = 1  # LevelInExecutionUnit: higher levels run after lower ones
    sequence: int = 1  # SequenceInLevel
    execution_unit: int = 1
    # What the person importing must know; the package cannot carry it.
    import_after: tuple[str, ...] = ()  # labels of entities to import first
    import_threshold_record_count: int | None = None
    import_task_count: int | None = None
    import_notes: tuple[str, ...] = ()  # what else to check in F&O before importing

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        bad = [n for n in names if not _FIELD_NAME.fullmatch(n)]
        if bad:
            raise ValueError(f"{self.label}: field names must be upper-case identifiers: {bad}")
        if len(set(names)) != len(names):
            raise ValueError(f"{self.label}: duplicate field names in {names}")
        if not self.key_fields or not set(self.key_fields) <= set(names):
            raise ValueError(f"{self.label}: key fields {self.key_fields} must be among {names}")
        if not _FILE_STEM.fullmatch(self.file_stem):
            raise ValueError(
                f"{self.label}: file stem {self.file_stem!r} must be letters and digits"
            )
        if any(c in self.label for c in '/\\:*?"<>|') or self.label != self.label.strip():
            raise ValueError(f"{self.label!r}: a label names a file in the zip: no path characters")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def data_file_name(self) -> str:
        """The data file in the zip, named as F&O names it in its own exports."""
        return self.data_format.file_name(self)

    def with_lengths(self, lengths: Mapping[str, int]) -> "EntityDescription":
        """This description with the field lengths LENGTHS sets (others keep theirs).

        Raises ValueError naming a field the entity does not have.
        """
        unknown = sorted(set(lengths) - set(self.field_names))
        if unknown:
            raise ValueError(f"{', '.join(unknown)} not a field of {self.label}")
        fields = tuple(
            replace(f, max_length=lengths.get(f.name, f.max_length)) for f in self.fields
        )
        return replace(self, fields=fields)

    def field(self, name: str) -> EntityField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def select_fields(self, chosen: list[str] | None) -> tuple[str, ...]:
        """The columns to write: the keys always, then the chosen fields in description order.

        Raises ValueError naming any chosen field the entity does not have.
        """
        if not chosen:
            return self.field_names
        wanted = {name.strip().upper() for name in chosen if name.strip()}
        unknown = sorted(wanted - set(self.field_names))
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} not a field of {self.label}: choose from "
                f"{', '.join(self.field_names)}"
            )
        wanted |= set(self.key_fields)
        return tuple(n for n in self.field_names if n in wanted)
