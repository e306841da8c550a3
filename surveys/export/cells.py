"""Safe, typed, styled cells for openpyxl write-only worksheets.

No Flask, no database. Two dangers are handled here, once, for every workbook we write:

- Formula injection. openpyxl turns any string starting with "=" into a formula, and a
  spreadsheet program may evaluate text starting with + - @ or a control character when a user
  edits the cell. Text starting with any of FORMULA_TRIGGERS (and text that looks like an Excel
  error code such as "#N/A"; both in surveys.export.text) is written as an explicit string
  cell (data_type "s") with Excel's "quote prefix" flag, so the text stays text even after the
  cell is edited.
- Characters that Excel refuses (C0 controls other than tab, line feed and carriage return, lone
  surrogates, U+FFFE/U+FFFF) are removed, and text is cut to Excel's 32,767 characters.

`RowWriter` turns plain Python values into typed cells with precomputed, shared styles; its
worksheets take those cells as they are (`prepare_worksheet`), so each value is checked and typed
once, here, and never guessed again by openpyxl.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from math import isfinite
from types import MethodType

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook import Workbook

from surveys.export.text import clean_text, needs_guard


def excel_datetime(value: datetime) -> datetime:
    """Excel has no time zones: aware datetimes are written as naive UTC (About says so)."""
    if value.tzinfo is None:
        return value
    offset = value.utcoffset()
    naive = value.replace(tzinfo=None)
    return naive - offset if offset else naive


# --- Styles ------------------------------------------------------------------------------------

HEADER_FILL = "1F4E79"
HEADER_FONT = "FFFFFF"
THIN = Side(style="thin", color="BFBFBF")


@dataclass(frozen=True)
class StyleSpec:
    """A cell style: number format, font, fill and alignment, built once per workbook."""

    number_format: str = "General"
    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    wrap: bool = False
    vertical: str | None = "top"
    border: bool = False


STYLE_SPECS: Mapping[str, StyleSpec] = {
    "text": StyleSpec(),
    "wrap": StyleSpec(wrap=True),
    "header": StyleSpec(bold=True, color=HEADER_FONT, fill=HEADER_FILL, wrap=True, border=True),
    "title": StyleSpec(bold=True, size=14),
    "subtitle": StyleSpec(bold=True, size=11.5),
    "label": StyleSpec(bold=True),
    "note": StyleSpec(italic=True, color="595959", wrap=True),
    "date": StyleSpec(number_format="yyyy-mm-dd"),
    "datetime": StyleSpec(number_format="yyyy-mm-dd hh:mm"),
    "integer": StyleSpec(number_format="#,##0"),
    "number": StyleSpec(number_format="#,##0.##"),
    "index": StyleSpec(number_format="0.00"),
    "index_bold": StyleSpec(number_format="0.00", bold=True),
    "score": StyleSpec(number_format="0.00##"),
    "percent": StyleSpec(number_format="0.0%"),
    # Coverage and evidence shares: stored truncated to 4 decimals, so two decimals of a percent
    # show them exactly, as the pages do (no rounding up to a threshold in either).
    "share": StyleSpec(number_format="0.00%"),
    "percent_value": StyleSpec(number_format='0.0"%"'),
    "change": StyleSpec(number_format="+0.00;-0.00;0.00"),
    "aggregate_label": StyleSpec(bold=True, italic=True),
    "aggregate": StyleSpec(number_format="0.00", bold=True, italic=True),
}

EXACT_FORMATS = {"number": "#,##0{decimals}", "percent": "0{decimals}%"}
"""Styles that also come with an exact number of decimals (named by
surveys.export.layout.exact_style): "number.3" is "#,##0.000" and "percent.2" is "0.00%", so
that a cell shows every digit of its value, as the pages do, and no more (a fixed "0.0%"
showed the answer 89.95 as 90.0%, above a threshold it does not reach)."""


def _spec(name: str) -> StyleSpec:
    """The spec of a style name, including the exact-decimals variants (see EXACT_FORMATS)."""
    base, _, digits = name.partition(".")
    if base not in EXACT_FORMATS or not digits.isdigit():
        return STYLE_SPECS[name]
    decimals = "." + "0" * int(digits) if int(digits) else ""
    return replace(STYLE_SPECS[base], number_format=EXACT_FORMATS[base].format(decimals=decimals))


def _style_array(workbook: Workbook, spec: StyleSpec) -> StyleArray:
    """The style indices of `spec` in this workbook, computed through a scratch cell."""
    scratch = Cell(_ScratchSheet(workbook))
    scratch.number_format = spec.number_format
    scratch.font = Font(
        bold=spec.bold, italic=spec.italic, size=spec.size or 11, color=spec.color, name="Calibri"
    )
    if spec.fill:
        scratch.fill = PatternFill("solid", start_color=spec.fill, end_color=spec.fill)
    if spec.wrap or spec.vertical:
        scratch.alignment = Alignment(wrap_text=spec.wrap or None, vertical=spec.vertical)
    if spec.border:
        scratch.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    return scratch._style


class _ScratchSheet:
    """Just enough of a worksheet for a Cell to register its style in the workbook."""

    def __init__(self, workbook: Workbook) -> None:
        self.parent = workbook
        self.encoding = "utf-8"


class Styles:
    """The workbook's styles, registered once; cells copy the precomputed style arrays."""

    def __init__(self, workbook: Workbook, extra: Mapping[str, StyleSpec] | None = None) -> None:
        self.workbook = workbook
        self._arrays: dict[str, StyleArray] = {}
        for name, spec in {**STYLE_SPECS, **(extra or {})}.items():
            self._arrays[name] = _style_array(workbook, spec)
        guard = StyleArray()
        guard.quotePrefix = 1
        self._guard = guard

    def array(self, name: str | None) -> StyleArray | None:
        if name is None:
            return None
        found = self._arrays.get(name)
        if found is None:  # an exact-decimals variant, registered when first asked for
            found = self._arrays[name] = _style_array(self.workbook, _spec(name))
        return found

    def guarded(self, name: str | None) -> StyleArray:
        """The style `name` with Excel's quote prefix (the cell is text even when edited)."""
        key = f"{name}+guard"
        found = self._arrays.get(key)
        if found is None:
            found = copy(self._arrays[name]) if name else copy(self._guard)
            found.quotePrefix = 1
            self._arrays[key] = found
        return found


# --- Cells -------------------------------------------------------------------------------------

_UNSTYLED = StyleArray()
"""The style of an unstyled cell. Style arrays are shared between cells, never mutated."""


def _typed_cell(worksheet, value: object, data_type: str, style: StyleArray | None) -> Cell:
    """A cell holding `value` with an explicit data type: no type guessing, no formula.

    Built without `Cell.__init__` (which would bind the value again after we checked it).
    """
    cell = Cell.__new__(Cell)
    cell.parent = worksheet
    cell._style = style if style is not None else _UNSTYLED
    cell.row = 1
    cell.column = 1
    cell._value = value
    cell.data_type = data_type
    cell._hyperlink = None
    cell._comment = None
    return cell


def _cells_to_row(worksheet, cells, row_idx):
    """Replaces WriteOnlyWorksheet._values_to_row for our sheets: every value is already a
    typed cell (see RowWriter), so only its position is set."""
    for col_idx, cell in enumerate(cells, 1):
        if cell is None:
            continue
        cell.row = row_idx
        cell.column = col_idx
        yield cell


def prepare_worksheet(worksheet) -> None:
    """Make a write-only worksheet take RowWriter's typed cells as they are."""
    worksheet._values_to_row = MethodType(_cells_to_row, worksheet)


class StyleRow:
    """The style arrays of one row layout, resolved once and reused for every such row."""

    __slots__ = ("arrays", "names")

    def __init__(self, styles: Styles, names: Sequence[str | None]) -> None:
        self.names = tuple(names)
        self.arrays = tuple(styles.array(name) for name in self.names)


class RowWriter:
    """Appends rows of plain values to a write-only worksheet, safely and with column styles.

    `column_styles[i]` names the style of column i (None: unstyled). A row may use another
    layout (a header, an aggregate row) through `style_row(names)`, which is cached.
    """

    def __init__(self, worksheet, styles: Styles, column_styles: Sequence[str | None] = ()):
        self.worksheet = worksheet
        prepare_worksheet(worksheet)
        self.styles = styles
        self._layouts: dict[tuple[str | None, ...], StyleRow] = {}
        self.default = self.style_row(column_styles)
        self.rows_written = 0

    def style_row(self, names: Sequence[str | None]) -> StyleRow:
        key = tuple(names)
        found = self._layouts.get(key)
        if found is None:
            found = self._layouts[key] = StyleRow(self.styles, key)
        return found

    def cell(self, value: object, style_name: str | None = None) -> object:
        """One value made safe: a bare value when openpyxl can take it as is, else a cell."""
        return self._cell(value, self.styles.array(style_name), style_name)

    def _cell(self, value: object, style: StyleArray | None, style_name: str | None) -> object:
        if value is None:
            return None
        kind = type(value)
        worksheet = self.worksheet
        if kind is str:
            text = clean_text(value)  # type: ignore[arg-type]
            if needs_guard(text):
                return _typed_cell(worksheet, text, "s", self.styles.guarded(style_name))
            return _typed_cell(worksheet, text, "s", style)
        if kind is int:
            return _typed_cell(worksheet, value, "n", style)
        if kind is float:
            if not isfinite(value):  # type: ignore[arg-type]
                return self._cell(str(value), style, style_name)  # Excel has no NaN/infinity
            return _typed_cell(worksheet, value, "n", style)
        if kind is bool:
            return _typed_cell(worksheet, value, "b", style)
        if kind is Decimal:
            return self._cell(float(value), style, style_name)  # type: ignore[arg-type]
        if kind is datetime:
            moment = excel_datetime(value)  # type: ignore[arg-type]
            return _typed_cell(worksheet, moment, "d", style or self.styles.array("datetime"))
        if kind is date:
            return _typed_cell(worksheet, value, "d", style or self.styles.array("date"))
        if isinstance(value, Cell):
            return value
        return self._cell(str(value), style, style_name)

    def append(self, values: Iterable[object], layout: StyleRow | None = None) -> None:
        layout = layout or self.default
        arrays, names = layout.arrays, layout.names
        width = len(arrays)
        cell = self._cell
        row = [
            cell(value, arrays[i], names[i]) if i < width else cell(value, None, None)
            for i, value in enumerate(values)
        ]
        self.worksheet.append(row)
        self.rows_written += 1

    def append_styled(self, values: Iterable[object], names: Sequence[str | None]) -> None:
        self.append(values, self.style_row(names))

    def blank(self) -> None:
        self.worksheet.append([])
        self.rows_written += 1
