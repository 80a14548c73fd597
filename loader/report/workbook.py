"""One Excel workbook of rejects per legal entity, for its data owners (written by XlsxWriter).

A summary sheet lists the rules with their record counts and what to do (from the seed
`rules`); then one sheet per rule holds its records: legacy company, customer number, file and
line, the value at fault and the detail. Every sheet has filters and a frozen header.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

# XlsxWriter ships no type information.
import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from loader.cycles import Cycle
from loader.registry import entities
from loader.rules import rules, what_to_do

EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
RECORD_COLUMNS = (
    ("Legacy company", "company", 16),
    ("Customer number", "customer_number", 22),
    ("File", "source_file", 24),
    ("Line", "source_line", 8),
    ("Value at fault", "value", 28),
    ("Detail", "detail", 90),
)
SUMMARY_COLUMNS = (
    ("Rule", 32),
    ("Records", 10),
    ("Rejects the record for", 28),
    ("Meaning", 70),
    ("What to do", 90),
)


def _text(value: object) -> str:
    return "" if value is None else str(value)[:EXCEL_CELL_LIMIT]


def write_workbook(
    path: Path, legal_entity: str, cycle: Cycle, rows: Sequence[dict[str, Any]]
) -> None:
    """The workbook of LEGAL_ENTITY: ROWS are its rejects in CYCLE, each record and rule once."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_rule.setdefault(row["rule"], []).append(row)
    known = list(rules())
    ordered = sorted(by_rule, key=lambda r: (known.index(r) if r in known else len(known), r))
    # constant_memory: rows go to disk as written, so a large legal entity needs little RAM.
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    try:
        header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        summary = book.add_worksheet("Summary")
        summary.write_string(0, 0, f"Rejected records of legal entity {legal_entity}", header)
        summary.write_string(1, 0, f"{cycle.name}, exported {cycle.exported_at:%Y-%m-%d %H:%M}")
        _header(summary, 3, [(name, width) for name, width in SUMMARY_COLUMNS], header)
        for number, rule in enumerate(ordered, start=4):
            known_rule = rules().get(rule)
            summary.write_url(number, 0, f"internal:'{rule}'!A1", string=rule)
            summary.write_number(number, 1, len(by_rule[rule]))
            summary.write_string(number, 2, _rejects_for(known_rule.entity if known_rule else ""))
            summary.write_string(number, 3, known_rule.meaning if known_rule else "", wrap)
            summary.write_string(number, 4, what_to_do(rule), wrap)
        summary.autofilter(3, 0, 3 + len(ordered), len(SUMMARY_COLUMNS) - 1)
        summary.freeze_panes(4, 0)
        for rule in ordered:
            _rule_sheet(book.add_worksheet(rule[:31]), by_rule[rule], header)
    finally:
        book.close()


def _rejects_for(entity: str) -> str:
    """The seed's `entity` of a rule as labels: `all` is every entity (an account rule)."""
    labels = {e.name: e.description.label for e in entities()}
    return ", ".join(labels.values()) if entity == "all" else labels.get(entity, entity)


def _header(sheet: Worksheet, row: int, columns: list[tuple[str, int]], style: Any) -> None:
    for number, (name, width) in enumerate(columns):
        sheet.set_column(number, number, width)
        sheet.write_string(row, number, name, style)


def _rule_sheet(sheet: Worksheet, records: list[dict[str, Any]], header: Any) -> None:
    _header(sheet, 0, [(name, width) for name, _, width in RECORD_COLUMNS], header)
    line = next(n for n, (_, key, _) in enumerate(RECORD_COLUMNS) if key == "source_line")
    for number, record in enumerate(records, start=1):
        for column, (_, key, _) in enumerate(RECORD_COLUMNS):
            value = record.get(key)
            if value is None or value == "":
                continue  # an empty cell costs nothing: most rules have no value at fault
            if column == line:
                sheet.write_number(number, column, int(value))
            else:
                sheet.write_string(number, column, _text(value))
    sheet.autofilter(0, 0, len(records), len(RECORD_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
