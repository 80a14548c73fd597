"""How an entity's data file is laid out: the part of a package that differs per source format.

The export builds each row as one line of UTF-8 text (in DuckDB); a format says what comes
before and after the rows, how a line is encoded in the file, and what a line must not hold.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loader.package.entity import EntityDescription
    from loader.package.lines import Lines


class DataFormat(ABC):
    """A source data format of F&O's Data management, as the manifest's SourceFormat names it."""

    source_format: str
    # The most bytes one UTF-8 byte of a line becomes in the file (UTF-16: 2).
    expansion: int
    # What a value must not hold, as an RE2 pattern (DuckDB finds the row to name with it).
    forbidden_re2: str

    @abstractmethod
    def file_name(self, entity: "EntityDescription") -> str:
        """The data file's name in the zip."""

    @abstractmethod
    def header(self, entity: "EntityDescription", fields: Sequence[str]) -> bytes:
        """The bytes before the first row."""

    @abstractmethod
    def footer(self, entity: "EntityDescription") -> bytes:
        """The bytes after the last row."""

    @abstractmethod
    def encode(self, lines: "Lines", start: int, stop: int) -> bytes | memoryview:
        """Rows START..STOP as they go into the file."""

    @abstractmethod
    def holds_forbidden(self, lines: "Lines", columns: int) -> bool:
        """Whether any value in LINES holds a character the format cannot carry."""

    @abstractmethod
    def first_forbidden(self, value: str) -> str | None:
        """Why VALUE cannot go in the data file, or None when it can."""
