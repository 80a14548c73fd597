"""The data file of an `XML-Attribute` entity, as F&O itself exports Customer definitions.

A UTF-8 XML document: root `Document`, one empty element per record named after the entity
(its AOT name in upper case), one attribute per mapped field. XML escaping carries commas,
quotes, apostrophes and line breaks exactly; only the control characters XML 1.0 forbids
cannot be carried at all, and a line holding one is refused.
"""

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loader.package.csv_unicode import describe_char
from loader.package.data_format import DataFormat

if TYPE_CHECKING:
    from loader.package.entity import EntityDescription
    from loader.package.lines import Lines

ROOT = "Document"
# What .NET's XmlWriter writes with its default UTF-8 encoding: a BOM and the declaration.
DECLARATION = '\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n'
# Replacements, in this order (& first), that make any legal text an attribute value which an
# XML parser reads back exactly: tab, LF and CR as character references, or attribute-value
# normalisation would turn them into spaces.
ATTRIBUTE_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\t", "&#x9;"),
    ("\n", "&#xA;"),
    ("\r", "&#xD;"),
)
FORBIDDEN_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# An escaped line holds no control byte but its CRLF: drop every other byte, keep the rest.
_DROP_ALLOWED = bytes(range(0x20, 256))


def escape_attribute(value: str) -> str:
    for char, reference in ATTRIBUTE_ESCAPES:
        value = value.replace(char, reference)
    return value


def record_element(entity: "EntityDescription") -> str:
    return entity.target_entity.upper()


class XmlAttribute(DataFormat):
    source_format = "XML-Attribute"
    expansion = 1  # the UTF-8 line is written as it is
    forbidden_re2 = FORBIDDEN_RE2

    def file_name(self, entity: "EntityDescription") -> str:
        return f"{record_element(entity)}.xml"  # as F&O names the file in its own export

    def header(self, entity: "EntityDescription", fields: Sequence[str]) -> bytes:
        return f"{DECLARATION}<{ROOT}>\r\n".encode()

    def footer(self, entity: "EntityDescription") -> bytes:
        return f"</{ROOT}>\r\n".encode()

    def encode(self, lines: "Lines", start: int, stop: int) -> bytes | memoryview:
        return lines.utf8(start, stop)  # the UTF-8 line as it is: no copy of the batch

    def holds_forbidden(self, lines: "Lines", columns: int) -> bool:
        return lines.holds_other_than(_DROP_ALLOWED, b"\r\n")

    def first_forbidden(self, value: str) -> str | None:
        match = FORBIDDEN.search(value)
        return describe_char(match.group()) if match else None

    def line(self, entity: "EntityDescription", values: dict[str, str | None]) -> str:
        """One record as the export's query builds it (the reference for tests)."""
        attributes = "".join(
            f' {name}="{escape_attribute(value or "")}"' for name, value in values.items()
        )
        return f"  <{record_element(entity)}{attributes} />\r\n"


XML_ATTRIBUTE = XmlAttribute()
