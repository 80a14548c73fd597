"""Stacked bar charts as inline SVG: the report page needs no script and no network."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colour-blind-safe hues first (Okabe-Ito), then lighter ones for long rule lists.
# Okabe-Ito's colour-blind-safe hues, then four more that stay apart from them; a chart shows
# at most this many series (loader.report.page sums the rest).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8C6D31",
    "#9467BD",
    "#7F7F7F",
    "#BCBD22",
)
_BAR, _GAP, _LEFT, _TOP, _HEIGHT, _LEGEND_ROW = 56, 28, 64, 24, 220, 18


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]  # one per bar


def _ticks(top: int) -> list[int]:
    """About five round steps from 0 to at least TOP."""
    step = 1
    while top / step > 5:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50…
    return list(range(0, top + step, step))


def stacked_bars(title: str, bars: Sequence[str], series: Sequence[Series]) -> str:
    """One bar per BARS label, each SERIES a coloured segment; a legend below names them."""
    totals = [sum(s.values[i] for s in series) for i in range(len(bars))]
    ticks = _ticks(max([*totals, 1]))
    scale = _HEIGHT / ticks[-1]
    width = _LEFT + len(bars) * (_BAR + _GAP) + _GAP
    legend_top = _TOP + _HEIGHT + 40
    height = legend_top + _LEGEND_ROW * len(series) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'width="{max(width, 360)}" height="{height}" viewBox="0 0 {max(width, 360)} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    base = _TOP + _HEIGHT
    for tick in ticks:
        y = base - tick * scale
        parts.append(
            f'<line x1="{_LEFT - 4}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{tick:,}</text>'
        )
    for index, label in enumerate(bars):
        x = _LEFT + _GAP + index * (_BAR + _GAP)
        y = float(base)
        for number, serie in enumerate(series):
            value = serie.values[index]
            if not value:
                continue
            h = value * scale
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{_BAR}" height="{h:.1f}" '
                f'fill="{PALETTE[number % len(PALETTE)]}">'
                f"<title>{escape(label)}: {escape(serie.name)} {value:,}</title></rect>"
            )
        parts.append(
            f'<text x="{x + _BAR / 2}" y="{y - 4:.1f}" text-anchor="middle" class="total">'
            f"{totals[index]:,}</text>"
            f'<text x="{x + _BAR / 2}" y="{base + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    for number, serie in enumerate(series):
        y = legend_top + number * _LEGEND_ROW
        parts.append(
            f'<rect x="{_LEFT}" y="{y}" width="12" height="12" '
            f'fill="{PALETTE[number % len(PALETTE)]}"/>'
            f'<text x="{_LEFT + 18}" y="{y + 10}">{escape(serie.name)} '
            f"({', '.join(f'{v:,}' for v in serie.values)})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
