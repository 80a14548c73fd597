"""The data file of a `CSV-Unicode` entity: UTF-16 LE with a BOM, CRLF, comma, no quoting.

Values are never quoted: a value holding the delimiter, a quote, CR, LF or an XML-illegal
control character is an error to report, not something to escape and hope.
"""

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loader.package.data_format import DataFormat

if TYPE_CHECKING:
    from loader.package.entity import EntityDescription
    from loader.package.lines import Lines

BOM = "\ufeff"
CRLF = "\r\n"
DELIMITER = ","

# What a value must not hold, as an RE2 character class (DuckDB) and as a Python pattern.
FORBIDDEN_RE2 = r'[,"\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]'
FORBIDDEN = re.compile('[,"\r\n\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')
# In a whole data file the delimiter and line ends are structure, so only these are forbidden.
FORBIDDEN_IN_FILE = re.compile('["\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')

# Of a CSV line's UTF-8 bytes, keep only the structural and forbidden ones (controls but tab,
# CR, LF, delimiter, quote); what is left of a valid batch is exactly its delimiters and line
# ends. Tab is XML-legal and no structure here, as FORBIDDEN says.
_DROP_ALLOWED = bytes(b for b in range(256) if (b >= 0x20 or b == 0x09) and b not in b',"')

_NAMES = {",": "the delimiter ','", '"': "a double quote", "\r": "a CR", "\n": "an LF"}


def describe_char(char: str) -> str:
    """A forbidden character, named so a person can find it."""
    return _NAMES.get(char) or f"the control character U+{ord(char):04X}"


def first_forbidden(value: str) -> str | None:
    """Why VALUE cannot go in a CSV data file, or None when it can."""
    match = FORBIDDEN.search(value)
    return describe_char(match.group()) if match else None


def header_bytes(fields: Sequence[str]) -> bytes:
    """The first bytes of a data file: BOM and the upper-case field names."""
    return (BOM + DELIMITER.join(fields) + CRLF).encode("utf-16-le")


class CsvUnicode(DataFormat):
    source_format = "CSV-Unicode"
    expansion = 2  # UTF-16: at most 2 bytes per UTF-8 byte
    forbidden_re2 = FORBIDDEN_RE2

    def file_name(self, entity: "EntityDescription") -> str:
        return f"{entity.label}.csv"  # named after the label, as F&O names its exports

    def header(self, entity: "EntityDescription", fields: Sequence[str]) -> bytes:
        return header_bytes(fields)

    def footer(self, entity: "EntityDescription") -> bytes:
        return b""

    def encode(self, lines: "Lines", start: int, stop: int) -> bytes | memoryview:
        return lines.utf16(start, stop)

    def holds_forbidden(self, lines: "Lines", columns: int) -> bool:
        """One pass: drop every allowed byte; a valid batch leaves exactly COLUMNS - 1
        delimiters and CRLF per line, so anything more means a value holds a forbidden one."""
        line = (DELIMITER * (columns - 1) + CRLF).encode()
        return lines.holds_other_than(_DROP_ALLOWED, line)

    def first_forbidden(self, value: str) -> str | None:
        return first_forbidden(value)


CSV_UNICODE = CsvUnicode()
