"""Charts drawn on the server as inline SVG: a heatmap, a line chart and a bar chart.

No JavaScript, no external asset: every chart is an `<svg role="img">` with a title and a
description, drawn with presentation attributes only (the Content-Security-Policy forbids inline
styles). Values are written on the chart as text, lines differ by dash pattern and marker as well
as by colour, and the pages put the same numbers in a table, so a chart reads in black and white
print and by screen reader. Callers pass text already translated and numbers already formatted:
this module knows nothing of languages or locales.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

INK = "#1d2733"
MUTED = "#5b6573"
GRID = "#d5dbe3"
NO_VALUE_FILL = "#ffffff"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
FONT_SIZE = 13
"""Every text on a chart: a chart is scaled down on a phone, never below what reads on paper."""
SERIES_COLORS = ("#005ea2", "#b50909", "#2e7d32", "#6f3fa0", "#b26a00", "#00707a", "#5b6573")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4")
MARKERS = ("circle", "square", "triangle", "diamond")

_ids = count(1)


def _chart_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def lighten(color: str, amount: float = 0.45) -> str:
    """The colour mixed with white, so dark text on it stays readable (and prints lighter)."""
    text = color.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        red, green, blue = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return NO_VALUE_FILL
    mixed = (round(c + (255 - c) * amount) for c in (red, green, blue))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _text(
    x: float, y: float, content: str, anchor: str = "start", size: int = FONT_SIZE, **attrs
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}"{extra}>{escape(content)}</text>'
    )


def _open_svg(prefix: str, width: float, height: float, title: str, description: str) -> list[str]:
    chart_id = _chart_id(prefix)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="{FONT}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


WIDE_LETTERS = frozenset("MWmw@%ÀÁÂÄÉÈÊ")
NARROW_LETTERS = frozenset("iljIft.,:;'|!() ")


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """A generous estimate of the text's width in a sans-serif font (no font metrics on the
    server): charts are sized from it so that no label is cut or overflows."""
    units = sum(0.95 if c in WIDE_LETTERS else 0.34 if c in NARROW_LETTERS else 0.62 for c in text)
    return units * size


def _fit(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def content_extent(svg: str) -> tuple[float, float]:
    """The right-most and bottom-most point any rectangle or text of a chart reaches (for tests
    and callers that lay charts out): texts by their estimated width and anchor."""
    right = bottom = 0.0
    for match in re.finditer(r"<rect ([^>]*)/?>", svg):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', match.group(1)))
        if "x" in attrs and "width" in attrs and not attrs["width"].endswith("%"):
            right = max(right, float(attrs["x"]) + float(attrs["width"]))
            bottom = max(bottom, float(attrs.get("y", 0)) + float(attrs.get("height", 0)))
    for match in re.finditer(r"<text ([^>]*)>([^<]*)</text>", svg):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', match.group(1)))
        width = text_width(html.unescape(match.group(2)), int(attrs.get("font-size", FONT_SIZE)))
        x = float(attrs["x"])
        anchor = attrs.get("text-anchor", "start")
        end = x + width if anchor == "start" else x + width / 2 if anchor == "middle" else x
        right = max(right, end)
        bottom = max(bottom, float(attrs["y"]) + 4)
    return right, bottom


# --- Heatmap -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    text: str
    """What is written in the cell (a formatted number, or a short "insufficient" mark)."""
    color: str | None
    """The band colour; None for a cell without a number (drawn white and hatched)."""
    detail: str = ""
    """A second, smaller line under the text (e.g. the coverage behind the number)."""


def heatmap_svg(
    row_labels: Sequence[str],
    column_keys: Sequence[str],
    cells: Sequence[Sequence[HeatCell]],
    title: str,
    description: str,
    column_names: Sequence[str] = (),
) -> Markup:
    """Rows × columns of coloured cells, each with its value written in it.

    Columns are headed by short keys ("1", "2"…) that the page explains in a key beside the
    chart, with the full names (`column_names` become each key's tooltip): full area names do not
    fit above a cell, and cut names are unreadable. The chart is as wide as its content.
    """
    padding, cell_height, header = 8, 28, 26
    with_detail = any(cell.detail for line in cells for cell in line)
    if with_detail:
        cell_height = 40
    widest_cell = max(
        (text_width(t) for line in cells for c in line for t in (c.text, c.detail or "")),
        default=0,
    )
    widest_key = max((text_width(k, FONT_SIZE) for k in column_keys), default=0)
    cell_width = round(max(widest_cell, widest_key) + 2 * padding, 0)
    label_width = round(max((text_width(label) for label in row_labels), default=0) + padding)
    width = label_width + padding + cell_width * max(len(column_keys), 1)
    height = header + cell_height * len(row_labels) + 2
    parts = _open_svg("heatmap", width, height, title, description)
    hatch = _chart_id("hatch")
    parts.append(
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" '
        'stroke-width="2"/></pattern></defs>'
    )
    left = label_width + padding
    for column, key in enumerate(column_keys):
        x = left + column * cell_width + cell_width / 2
        name = column_names[column] if column < len(column_names) else ""
        tooltip = f"<title>{escape(name)}</title>" if name else ""
        parts.append(
            f"<g>{tooltip}{_text(x, header - 9, key, 'middle', FONT_SIZE, font_weight='bold')}</g>"
        )
    for row, label in enumerate(row_labels):
        y = header + row * cell_height
        parts.append(_text(label_width, y + cell_height / 2 + 5, label, "end"))
        for column, cell in enumerate(cells[row]):
            x = left + column * cell_width
            fill = lighten(cell.color) if cell.color else f"url(#{hatch})"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_width}" height="{cell_height}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="2"/>'
            )
            if with_detail:
                parts.append(_text(x + cell_width / 2, y + 17, cell.text, "middle"))
                parts.append(_text(x + cell_width / 2, y + 33, cell.detail, "middle"))
            else:
                parts.append(
                    _text(x + cell_width / 2, y + cell_height / 2 + 5, cell.text, "middle")
                )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part was escaped above


# --- Line chart ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    """One per x label; None leaves a gap (no number that round)."""


def _marker(kind: str, x: float, y: float, color: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{color}"/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{color}"/>'
    if kind == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>'


def _legend_entry(x: float, y: float, name: str, number: int) -> str:
    """A sample of the series' line, dash and marker, then its name."""
    color = SERIES_COLORS[number % len(SERIES_COLORS)]
    dash = DASHES[number % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x:.1f}" x2="{x + 28:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" '
        f'stroke-width="2"{dash_attr}/>'
        + _marker(MARKERS[number % len(MARKERS)], x + 14, y, color)
        + _text(x + 36, y + 4, name, "start", 12)
    )


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points: a missing value breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def line_chart_svg(
    x_labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    description: str,
    y_max: float = 100,
) -> Markup:
    """Indices across rounds: one line per series on a 0..y_max scale, labelled at its end."""
    left, top, bottom = 44, 16, 40
    right = 24 + 36 + max((text_width(s.name, 12) for s in series), default=0) + 4
    step = max((text_width(label, 12) for label in x_labels), default=0) + 24
    plot_width = max(max(step, 120) * max(len(x_labels) - 1, 1), 240)
    plot_height = 240
    legend_height = 18 * len(series) + top
    width = left + plot_width + right
    height = max(top + plot_height + bottom, legend_height)

    def x_at(position: int) -> float:
        if len(x_labels) == 1:
            return left + plot_width / 2
        return left + plot_width * position / (len(x_labels) - 1)

    def y_at(value: float) -> float:
        return top + plot_height * (1 - min(max(value, 0), y_max) / y_max)

    parts = _open_svg("lines", width, height, title, description)
    for tick in range(0, int(y_max) + 1, int(y_max) // 5 or 1):
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_width}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, str(tick), "end", 12))
    for position, label in enumerate(x_labels):
        parts.append(_text(x_at(position), top + plot_height + 20, label, "middle", 12))
    for number, line in enumerate(series):
        color = SERIES_COLORS[number % len(SERIES_COLORS)]
        dash = DASHES[number % len(DASHES)]
        marker = MARKERS[number % len(MARKERS)]
        points = [
            None if value is None else (x_at(i), y_at(value)) for i, value in enumerate(line.values)
        ]
        for run in _segments(points):
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{color}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
            parts.extend(_marker(marker, x, y, color) for x, y in run)
        parts.append(_legend_entry(left + plot_width + 24, top + 18 * number, line.name, number))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part was escaped above


def small_multiple_svg(
    x_labels: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    title: str,
    description: str,
    y_max: float = 100,
    number: int = 0,
) -> Markup:
    """One series across rounds in a panel of its own, each point labelled with its value:
    several series on one chart overlap; panels side by side compare at a glance."""
    left, right, top, bottom = 30, 4, 22, 26
    half = max((text_width(t) for t in (*x_labels, *texts)), default=0) / 2 + 4
    step = max(2 * half + 6, 64)
    span = max(step * (len(x_labels) - 1), 0)
    width = left + max(half + span + half, 150) + right
    plot_height = 96
    height = top + plot_height + bottom

    def x_at(position: int) -> float:
        if len(x_labels) == 1:
            return left + (width - left - right) / 2
        return left + half + step * position

    def y_at(value: float) -> float:
        return top + plot_height * (1 - min(max(value, 0), y_max) / y_max)

    parts = _open_svg("panel", width, height, title, description)
    for tick in (0, 50, 100):
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 5, y + 4, str(tick), "end", 12))
    for position, label in enumerate(x_labels):
        parts.append(_text(x_at(position), height - 6, label, "middle"))
    color = SERIES_COLORS[number % len(SERIES_COLORS)]
    points = [None if v is None else (x_at(i), y_at(v)) for i, v in enumerate(values)]
    for run in _segments(points):
        if len(run) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
    for point, text in zip(points, texts, strict=True):
        if point is not None:
            x, y = point
            parts.append(_marker("circle", x, y, color))
            parts.append(_text(x, y - 9, text, "middle", FONT_SIZE, font_weight="bold"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part was escaped above


# --- Bar chart -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str
    """Written after the bar: the formatted number, or why there is none."""
    color: str | None = None


def bar_chart_svg(bars: Sequence[Bar], title: str, description: str, x_max: float = 100) -> Markup:
    """Horizontal bars on a 0..x_max scale, each labelled with its value."""
    plot_width, bar_height, gap, top, bottom = 420, 20, 6, 8, 28
    label_width = round(max((text_width(bar.label) for bar in bars), default=0) + 10)
    widest_text = max((text_width(bar.text) for bar in bars), default=0)
    width = label_width + plot_width + 8 + widest_text + 4
    height = top + (bar_height + gap) * len(bars) + bottom
    parts = _open_svg("bars", width, height, title, description)
    axis_y = top + (bar_height + gap) * len(bars)
    for tick in range(0, int(x_max) + 1, int(x_max) // 5 or 1):
        x = label_width + plot_width * tick / x_max
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        parts.append(_text(x, axis_y + 16, str(tick), "middle", 12))
    for position, bar in enumerate(bars):
        y = top + position * (bar_height + gap)
        parts.append(_text(label_width - 6, y + bar_height - 5, bar.label, "end"))
        length = 0.0
        if bar.value is not None:
            length = plot_width * min(max(bar.value, 0), x_max) / x_max
            fill = escape(bar.color or SERIES_COLORS[0])
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                f'fill="{fill}" stroke="{INK}" stroke-width="0.5"/>'
            )
        parts.append(_text(label_width + length + 6, y + bar_height - 5, bar.text, "start"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part was escaped above


# --- Diverging bars (gaps) ------------------------------------------------------------------------


@dataclass(frozen=True)
class GapBar:
    label: str
    value: float
    """The gap in index points: positive to the right of zero, negative to the left."""
    text: str
    """The formatted gap, written at the end of the bar."""
    detail: str
    """The two indices behind the gap, written under the country's name."""


def gap_chart_svg(bars: Sequence[GapBar], title: str, description: str) -> Markup:
    """Horizontal bars from a zero line, one per country, each with its value and the two
    indices it is the difference of; the scale is symmetric and in steps of 10 points."""
    label_width, plot_width, bar_height, gap, top, bottom = 190, 400, 16, 22, 8, 28
    width = label_width + plot_width + 70
    row = bar_height + gap
    height = top + row * len(bars) + bottom
    largest = max((abs(b.value) for b in bars), default=0.0)
    half = min(100, max(20, math.ceil(largest / 10) * 10))
    parts = _open_svg("gaps", width, height, title, description)
    axis_y = top + row * len(bars)
    zero = label_width + plot_width / 2
    reach = plot_width / 2 - 48  # room for the value written beyond the longest bar

    def x_at(value: float) -> float:
        return zero + reach * max(-half, min(half, value)) / half

    step = 10 if half <= 50 else 20
    for tick in range(-half, half + 1, step):
        x = x_at(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        parts.append(_text(x, axis_y + 16, f"{tick:+d}" if tick else "0", "middle", 11))
    parts.append(
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top}" y2="{axis_y}" stroke="{INK}" '
        'stroke-width="1.5"/>'
    )
    for position, bar in enumerate(bars):
        y = top + position * row
        parts.append(_text(label_width - 6, y + bar_height - 3, _fit(bar.label, 26), "end"))
        parts.append(_text(label_width - 6, y + bar_height + 12, _fit(bar.detail, 34), "end", 10))
        end = x_at(bar.value)
        left, length = min(zero, end), abs(end - zero)
        fill = SERIES_COLORS[0] if bar.value >= 0 else SERIES_COLORS[1]
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{fill}" stroke="{INK}" stroke-width="0.5"/>'
        )
        if bar.value >= 0:
            parts.append(_text(end + 4, y + bar_height - 3, bar.text, "start", 11))
        else:
            parts.append(_text(end - 4, y + bar_height - 3, bar.text, "end", 11))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part was escaped above


def swatch_svg(color: str | None, size: int = 12) -> Markup:
    """A small square of a band's colour, for legends and table cells (no inline style)."""
    fill = color or NO_VALUE_FILL
    return Markup(  # noqa: S704 - the colour is escaped
        f'<svg class="swatch" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'aria-hidden="true" focusable="false"><rect width="{size}" height="{size}" '
        f'fill="{escape(fill)}" stroke="{INK}" stroke-width="1"/></svg>'
    )
