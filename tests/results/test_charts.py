"""Server-side SVG charts: accessible, escaped, readable without colour, no inline styles."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from surveys.results.charts import (
    Bar,
    HeatCell,
    Series,
    bar_chart_svg,
    content_extent,
    heatmap_svg,
    lighten,
    line_chart_svg,
    small_multiple_svg,
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


# --- Size against content, full labels (issue 14, point 7) ---------------------------------------

LONG_AREAS = [
    "Legal framework",
    "Operational tools and coordination",
    "Capacity of defence and security forces",
    "Prevention, development and alternative economies",
]
LONG_COUNTRIES = ["Niger", "Côte d'Ivoire", "United Kingdom of Great Britain", "Mauritanie"]


def _declared(svg: str) -> tuple[float, float]:
    root = _parse(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width:.0f} {height:.0f}"
    return width, height


def _texts(svg: str) -> list[ET.Element]:
    return list(_parse(svg).iter(f"{SVG}text"))


def _assert_fits_its_content(svg: str) -> None:
    """Nothing drawn beyond the declared size, and no more than a tenth of it left empty."""
    width, height = _declared(svg)
    right, bottom = content_extent(str(svg))
    assert right <= width + 0.5, (right, width)
    assert bottom <= height + 0.5, (bottom, height)
    assert right >= 0.9 * width, f"{width - right:.0f} of {width:.0f} px empty on the right"
    for text in _texts(svg):
        assert int(text.get("font-size")) >= 12
        assert float(text.get("x")) >= 0 and "…" not in (text.text or "")


def _heatmap(rows=LONG_COUNTRIES, areas=LONG_AREAS) -> str:
    keys = [str(n) for n in range(1, len(areas) + 1)] + ["All"]
    cells = [
        [
            HeatCell("insufficient" if (r + c) % 5 == 0 else "84.21", "#5cb85c")
            for c, _ in enumerate(keys)
        ]
        for r in range(len(rows))
    ]
    return str(heatmap_svg(rows, keys, cells, "t", "d", column_names=[*areas, "Overall"]))


def test_heatmap_is_as_wide_as_its_content_with_every_row_label_whole():
    svg = _heatmap()
    _assert_fits_its_content(svg)
    texts = [t.text for t in _texts(svg)]
    assert set(LONG_COUNTRIES) <= set(texts)
    # Columns are headed by keys; each key carries the full area name as its tooltip.
    tooltips = [t.text for t in _parse(svg).iter(f"{SVG}title")][1:]
    assert tooltips == [*LONG_AREAS, "Overall"]
    assert {"1", "2", "3", "4", "All"} <= set(texts)


def test_heatmap_width_follows_the_number_of_columns_and_the_longest_label():
    narrow = _declared(_heatmap(rows=["Mali"], areas=LONG_AREAS[:1]))[0]
    wide = _declared(_heatmap(rows=["United Kingdom of Great Britain"], areas=LONG_AREAS))[0]
    assert narrow < 260 < wide


def test_bar_chart_writes_whole_labels_and_fits_them():
    bars = [Bar(name, 40.0 + 10 * n, "84.21") for n, name in enumerate(LONG_COUNTRIES)]
    bars.append(Bar("Chad", None, "Insufficient information"))
    svg = str(bar_chart_svg(bars, "t", "d"))
    width, _ = _declared(svg)
    right, _ = content_extent(svg)
    assert right <= width + 0.5
    assert set(LONG_COUNTRIES) <= {t.text for t in _texts(svg)}
    assert not any("…" in (t.text or "") for t in _texts(svg))


def test_history_panels_label_every_point_and_fit_their_content():
    svg = str(
        small_multiple_svg(
            ["2024-H2", "2025-H1", "2025-H2", "2026-H1"],
            [84.21, None, 82.5, 90.0],
            ["84.21", "Insufficient information", "82.50", "90.00"],
            "Legal framework across rounds",
            "2024-H2: 84.21; …",
        )
    )
    _assert_fits_its_content(svg)
    texts = [t.text for t in _texts(svg)]
    assert {"84.21", "82.50", "90.00", "2024-H2", "2026-H1"} <= set(texts)
    assert "Insufficient information" not in texts  # no point drawn, no value written
    (line,) = [p.get("points").split() for p in _parse(svg).iter(f"{SVG}polyline")]
    assert len(line) == 2  # 82.50 to 90.00; 84.21 stands alone before the gap


def test_line_chart_legend_names_are_whole_and_inside_the_chart():
    series = [Series(name, [10.0, 20.0]) for name in LONG_AREAS]
    svg = str(line_chart_svg(["2025-H2", "2026-H2"], series, "t", "d"))
    width, _ = _declared(svg)
    assert content_extent(svg)[0] <= width + 0.5
    assert set(LONG_AREAS) <= {t.text for t in _texts(svg)}
