"""The data file of a `CSV-Unicode` entity: UTF-16 LE with a BOM, CRLF, comma, no quoting.

Values are never quoted: a value holding the delimiter, a quote, CR, LF or an XML-illegal
control character is an error to report, not something to escape and hope.
"""

import re
from collections.abc import Sequence

import pyarrow as pa

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
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())

_NAMES = {",": "the delimiter ','", '"': "a double quote", "\r": "a CR", "\n": "an LF"}


def describe_char(char: str) -> str:
    """A forbidden character, named so a person can find it."""
    return _NAMES.get(char) or f"the control character U+{ord(char):04X}"


def first_forbidden(value: str) -> str | None:
    """Why VALUE cannot go in a data file, or None when it can."""
    match = FORBIDDEN.search(value)
    return describe_char(match.group()) if match else None


def header_bytes(fields: Sequence[str]) -> bytes:
    """The first bytes of a data file: BOM and the upper-case field names."""
    return (BOM + DELIMITER.join(fields) + CRLF).encode("utf-16-le")


class Lines:
    """A batch of CSV lines (each ending in CRLF) held as one Arrow string array.

    Rows are sliced and encoded straight from the array's buffers: one UTF-8 decode and one
    UTF-16 encode per slice, no Python object per row.
    """

    def __init__(self, array: pa.Array) -> None:
        if pa.types.is_string_view(array.type):
            array = array.cast(pa.large_string())
        if array.null_count:
            raise ValueError("a CSV line is NULL")
        _, offsets, data = array.buffers()
        raw = memoryview(offsets).cast("B")
        wide = pa.types.is_large_string(array.type)
        self._offsets = (raw.cast("q") if wide else raw.cast("i"))[
            array.offset : array.offset + len(array) + 1
        ]
        self._data = memoryview(data) if data is not None else memoryview(b"")
        self.rows = len(array)

    def utf16_bound(self, start: int, stop: int) -> int:
        """An upper bound of the UTF-16 size of rows START..STOP (2 bytes per UTF-8 byte)."""
        return 2 * (self._offsets[stop] - self._offsets[start])

    def holds_forbidden(self, columns: int) -> bool:
        """Whether any value holds a forbidden character (which one: ask the source).

        One pass: drop every allowed byte; a valid batch leaves exactly COLUMNS - 1 delimiters
        and CRLF per line, so anything more means a value holds a forbidden character.
        """
        data = bytes(self._data[self._offsets[0] : self._offsets[self.rows]])
        line = (DELIMITER * (columns - 1) + CRLF).encode()
        if data.translate(None, _DROP_ALLOWED) != line * self.rows:
            return True
        return not data.isascii() and any(n in data for n in _NONCHARACTERS)

    def utf16(self, start: int, stop: int) -> bytes:
        chunk = self._data[self._offsets[start] : self._offsets[stop]]
        return str(chunk, "utf-8").encode("utf-16-le")
