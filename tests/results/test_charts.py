"""Server-side SVG charts: accessible, escaped, readable without colour, no inline styles."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from surveys.results.charts import (
    Bar,
    HeatCell,
    Series,
    bar_chart_svg,
    heatmap_svg,
    lighten,
    line_chart_svg,
    swatch_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to check it


def _check_accessible(svg: str, title: str) -> None:
    root = _parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == title
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert "style=" not in str(svg)  # the Content-Security-Policy forbids inline styles


def test_heatmap_writes_every_value_and_hatches_cells_without_number():
    svg = heatmap_svg(
        ["Niger", "Mali <b>"],
        ["Legal framework", "Overall"],
        [
            [HeatCell("62.50", "#f0ad4e"), HeatCell("70.00", "#5cb85c")],
            [HeatCell("insufficient", None), HeatCell("12.00", "#d9534f")],
        ],
        "Indices",
        "A heatmap",
    )
    _check_accessible(svg, "Indices")
    texts = [t.text for t in _parse(svg).iter(f"{SVG}text")]
    assert {"62.50", "70.00", "insufficient", "12.00", "Niger", "Mali <b>"} <= set(texts)
    assert "<b>" not in str(svg)  # labels are escaped
    fills = [r.get("fill") for r in _parse(svg).iter(f"{SVG}rect")]
    assert lighten("#f0ad4e") in fills
    assert any(f.startswith("url(#hatch-") for f in fills)


def test_line_chart_breaks_the_line_where_a_round_has_no_number():
    svg = line_chart_svg(
        ["2024", "2025", "2026", "2027"],
        [Series("Legal", [10, 20, None, 40]), Series("Overall", [50, 60, 70, 80])],
        "History",
        "Lines",
    )
    _check_accessible(svg, "History")
    lines = [p.get("points").split() for p in _parse(svg).iter(f"{SVG}polyline")]
    assert sorted(len(points) for points in lines) == [2, 4]  # 10-20 then 40 alone; 50..80
    texts = [t.text for t in _parse(svg).iter(f"{SVG}text")]
    assert {"Legal", "Overall", "2024", "2027", "0", "100"} <= set(texts)


def test_line_chart_places_values_on_the_0_to_100_scale():
    svg = line_chart_svg(["a", "b"], [Series("x", [0, 100])], "t", "d")
    (points,) = [p.get("points").split() for p in _parse(svg).iter(f"{SVG}polyline")]
    (x0, y0), (x1, y1) = (tuple(map(float, p.split(","))) for p in points)
    assert y0 - y1 == 240  # the whole plot height
    assert x1 > x0


def test_series_differ_by_dash_pattern_not_only_by_colour():
    svg = line_chart_svg(["a", "b"], [Series("one", [1, 2]), Series("two", [3, 4])], "t", "d")
    dashes = [p.get("stroke-dasharray") for p in _parse(svg).iter(f"{SVG}polyline")]
    assert dashes[0] != dashes[1]


def test_bar_lengths_are_proportional_and_missing_values_are_written_not_drawn():
    svg = bar_chart_svg(
        [
            Bar("Niger", 50.0, "50.00", "#f0ad4e"),
            Bar("Mali", 100.0, "100.00", "#5cb85c"),
            Bar("Chad", None, "Insufficient information"),
        ],
        "Legal framework",
        "Bars",
    )
    _check_accessible(svg, "Legal framework")
    widths = [float(r.get("width")) for r in _parse(svg).iter(f"{SVG}rect")]
    assert widths == [210.0, 420.0]
    texts = [t.text for t in _parse(svg).iter(f"{SVG}text")]
    assert "Insufficient information" in texts and "Chad" in texts


def test_colours_from_the_definition_cannot_inject_markup():
    svg = bar_chart_svg([Bar("x", 10.0, "10", '"/><script>')], "t", "d")
    assert "<script>" not in str(svg)
    assert "<script>" not in str(swatch_svg('"/><script>'))


def test_lighten_mixes_with_white_and_survives_bad_colours():
    assert lighten("#000000", 0.5) == "#808080"
    assert lighten("#fff") == "#ffffff"
    assert lighten("not a colour") == "#ffffff"
    assert re.fullmatch(r"#[0-9a-f]{6}", lighten("#d9534f"))
