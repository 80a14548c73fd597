"""The migration lead's page: one self-contained HTML file (inline CSS and SVG, no script,
no URL), so it opens from disk or a mail attachment with no network."""

from html import escape
from pathlib import Path
from typing import Any

from loader.registry import entities
from loader.report.chart import PALETTE, Series, stacked_bars
from loader.report.data import CHANGES, COUNTS, ReportData

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px 32px; color: #1b1b1b; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #c8c8c8; padding: 3px 10px; text-align: right; }
th { background: #eef3f8; } td.text, th.text { text-align: left; }
.muted { color: #5a5a5a; }
.cards { display: flex; gap: 16px; margin: 8px 0 12px; }
.card { border: 1px solid #c8c8c8; border-radius: 6px; padding: 10px 18px; min-width: 120px; }
.card .number { font-size: 28px; font-weight: 600; } .card .name { color: #5a5a5a; }
.charts { display: flex; flex-wrap: wrap; gap: 32px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #1b1b1b; }
svg.chart text.total { font-weight: 600; } svg.chart line.grid { stroke: #e3e3e3; }
"""
_CHANGE_LABELS = {"fixed": "fixed", "new": "new", "still_open": "still open"}


def _cell(value: Any, *, text: bool = False) -> str:
    if text:
        return f'<td class="text">{escape(str(value))}</td>'
    return f"<td>{int(value or 0):,}</td>"


def _labels() -> dict[str, str]:
    return {e.name: e.description.label for e in entities()}


def render(data: ReportData) -> str:
    last, previous = data.last, data.previous
    bars = [f"{c.cycle_id}: {c.label}" for c in data.cycles]
    body = [
        f"<h1>Migration cycle report: {escape(last.name)}</h1>",
        f'<p class="muted">Exported {last.exported_at:%Y-%m-%d %H:%M} UTC into the folder '
        f"{escape(Path(last.out_dir or '').name)}. "
        + (
            f"Compared with {escape(previous.name)}."
            if previous
            else "The first exported cycle: every reject is new."
        )
        + "</p>",
        _changes(data),
        '<h2>Rejected records across cycles</h2><div class="charts">',
        _rule_chart(data, bars),
        _legal_entity_chart(data, bars),
        "</div>",
        _outcomes(data),
        _cycles(data),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Migration cycle report: {escape(last.name)}</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _changes(data: ReportData) -> str:
    totals = data.change_totals()
    cards = "".join(
        f'<div class="card" id="{name}"><div class="number">{totals[name]:,}</div>'
        f'<div class="name">{_CHANGE_LABELS[name]}</div></div>'
        for name in CHANGES
    )
    labels = _labels()
    rows = "".join(
        "<tr>"
        + _cell(row["legal_entity"], text=True)
        + _cell(labels.get(row["entity"], row["entity"]), text=True)
        + "".join(_cell(row[name]) for name in CHANGES)
        + "</tr>"
        for row in data.changes
    )
    head = "".join(f"<th>{_CHANGE_LABELS[name]}</th>" for name in CHANGES)
    return (
        "<h2>Rejects since the cycle before</h2>"
        '<p class="muted">A reject is one entity, legal entity, customer account and rule: '
        "fixed when it was rejected then and is not now, new when it is rejected now only.</p>"
        f'<div class="cards">{cards}</div>'
        f'<table id="changes"><tr><th class="text">legal entity</th><th class="text">entity</th>'
        f"{head}</tr>{rows}</table>"
    )


def _rule_chart(data: ReportData, bars: list[str]) -> str:
    index = {c.cycle_id: i for i, c in enumerate(data.cycles)}
    counts: dict[str, list[int]] = {}
    for row in data.rule_counts:
        counts.setdefault(row["rule"], [0] * len(bars))[index[row["cycle_id"]]] = row["records"]
    return stacked_bars("Rejected records by rule, per cycle", bars, _largest(counts))


def _legal_entity_chart(data: ReportData, bars: list[str]) -> str:
    index = {c.cycle_id: i for i, c in enumerate(data.cycles)}
    counts: dict[str, list[int]] = {}
    for row in data.outcomes:
        name = f"{row['legal_entity']} {_labels().get(row['entity'], row['entity'])}"
        counts.setdefault(name, [0] * len(bars))[index[row["cycle_id"]]] = row["rejected"]
    return stacked_bars("Rejected, per legal entity and entity", bars, _largest(counts))


def _largest(counts: dict[str, list[int]]) -> list[Series]:
    """The series with most records, each its own colour; the rest summed as one."""
    ranked = sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0]))
    shown = [Series(name, values) for name, values in ranked[: len(PALETTE) - 1]]
    rest = ranked[len(PALETTE) - 1 :]
    if rest:
        summed = [sum(values[i] for _, values in rest) for i in range(len(rest[0][1]))]
        shown.append(Series(f"{len(rest)} other rules", summed))
    return shown


def _outcomes(data: ReportData) -> str:
    names = {c.cycle_id: f"{c.cycle_id}: {c.label}" for c in data.cycles}
    labels = _labels()
    rows = "".join(
        "<tr>"
        + _cell(row["legal_entity"], text=True)
        + _cell(labels.get(row["entity"], row["entity"]), text=True)
        + _cell(names.get(row["cycle_id"], row["cycle_id"]), text=True)
        + "".join(_cell(row[c]) for c in COUNTS)
        + "</tr>"
        for row in data.outcomes
        if row["cycle_id"] in names
    )
    head = "".join(f"<th>{c}</th>" for c in COUNTS)
    return (
        "<h2>Per legal entity and entity, each cycle</h2>"
        '<p class="muted">Extract records (customers and dimension rows): extracted = exported '
        "+ rejected + skipped.</p>"
        '<table id="outcomes"><tr><th class="text">legal entity</th><th class="text">entity</th>'
        f'<th class="text">cycle</th>{head}</tr>{rows}</table>'
    )


def _cycles(data: ReportData) -> str:
    rows = "".join(
        "<tr>"
        + _cell(c.cycle_id)
        + _cell(c.label, text=True)
        + _cell(f"{c.started_at:%Y-%m-%d %H:%M}", text=True)
        + _cell(f"{c.exported_at:%Y-%m-%d %H:%M}" if c.exported_at else "", text=True)
        + _cell(c.rows_exported)
        + _cell(f"changes since {c.changed_since}" if c.changed_since else "full", text=True)
        + "</tr>"
        for c in data.cycles
    )
    return (
        "<h2>Cycles</h2><table><tr><th>id</th><th class='text'>label</th>"
        "<th class='text'>started (UTC)</th><th class='text'>exported (UTC)</th>"
        f"<th>rows exported</th><th class='text'>export</th></tr>{rows}</table>"
    )
