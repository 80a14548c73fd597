"""DuckDB expressions that build one data-file line per mart row, per source format.

The export lets DuckDB build every line (as UTF-8 text ending in CRLF) so that Python only
encodes and deflates; the package writer then checks each batch for what its format cannot
carry. NULL is an empty value in every format.
"""

import re
from collections.abc import Callable, Sequence

from loader.database import quote_ident, sql_literal
from loader.package.csv_unicode import CRLF, CSV_UNICODE, DELIMITER
from loader.package.entity import EntityDescription
from loader.package.xml_attribute import ATTRIBUTE_ESCAPES, XML_ATTRIBUTE, record_element


def _literal(text: str) -> str:
    """TEXT as a DuckDB string expression; control characters as chr() calls."""
    pieces = []
    for run in re.split("([\x00-\x1f])", text):
        if len(run) == 1 and ord(run) < 0x20:
            pieces.append(f"chr({ord(run)})")
        elif run:
            pieces.append(sql_literal(run))
    return " || ".join(pieces) if pieces else "''"


def _csv(entity: EntityDescription, fields: Sequence[str]) -> str:
    cells = f", {_literal(DELIMITER)}, ".join(f"coalesce({quote_ident(f)}, '')" for f in fields)
    return f"concat({cells}, {_literal(CRLF)})"


def _xml_escaped(column: str) -> str:
    value = f"coalesce({quote_ident(column)}, '')"
    expression = value
    for char, reference in ATTRIBUTE_ESCAPES:
        expression = f"replace({expression}, {_literal(char)}, {_literal(reference)})"
    # Nearly every value needs no escaping: seven one-character searches, and the seven copies
    # only where one finds something (one regexp_matches per value took twice as long).
    needs_escaping = " OR ".join(
        f"contains({quote_ident(column)}, {_literal(char)})" for char, _ in ATTRIBUTE_ESCAPES
    )
    return f"case when {needs_escaping} then {expression} else {value} end"


def _xml(entity: EntityDescription, fields: Sequence[str]) -> str:
    # The same text as XmlAttribute.line writes in Python.
    parts = [_literal(f"  <{record_element(entity)}")]
    for name in fields:
        parts.extend([_literal(f' {name}="'), _xml_escaped(name), _literal('"')])
    parts.append(_literal(" />" + CRLF))
    return f"concat({', '.join(parts)})"


_BUILDERS: dict[str, Callable[[EntityDescription, Sequence[str]], str]] = {
    CSV_UNICODE.source_format: _csv,
    XML_ATTRIBUTE.source_format: _xml,
}


def line_sql(entity: EntityDescription, fields: Sequence[str]) -> str:
    """The expression giving a row's line in ENTITY's data file with FIELDS as its columns."""
    return _BUILDERS[entity.data_format.source_format](entity, fields)
