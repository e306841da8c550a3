"""What every workbook we build shares: the write-only workbook, its styles, sheet setup,
translations in the chosen language and band colours by conditional formatting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from surveys.export.cells import RowWriter, Styles, StyleSpec
from surveys.export.layout import (
    Column,
    SheetNames,
    Translate,
    band_colour,
    headers,
)
from surveys.languages import direction_of
from surveys.questionnaire.schema import Band, Definition


def band_styles(definition: Definition | None) -> dict[str, StyleSpec]:
    """A filled style per band of the definition, for the About sheet's legend."""
    if definition is None:
        return {}
    return {
        f"band:{band.key}": StyleSpec(bold=True, fill=band_colour(band.color))
        for band in definition.scoring.bands
    }


@dataclass
class Book:
    """A write-only workbook being built in one language."""

    language: str
    translate: Translate
    definition: Definition | None = None
    workbook: Workbook = field(default_factory=lambda: Workbook(write_only=True))
    names: SheetNames = field(default_factory=SheetNames)

    def __post_init__(self) -> None:
        self.styles = Styles(self.workbook, band_styles(self.definition))

    def t(self, message: str) -> str:
        return self.translate(message)

    def sheet(
        self,
        title: str,
        widths: Sequence[float] = (),
        column_styles: Sequence[str | None] = (),
        freeze: str | None = None,
        landscape: bool = True,
    ) -> RowWriter:
        """A new sheet, set up before its first row (write-only sheets write their top early)."""
        worksheet = self.workbook.create_sheet(self.names.unique(title))
        for position, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(position)].width = width
        if freeze:
            worksheet.freeze_panes = freeze
        if landscape:
            worksheet.page_setup.orientation = "landscape"
        worksheet.page_setup.fitToWidth = 1
        worksheet.page_setup.fitToHeight = 0
        worksheet.sheet_properties.pageSetUpPr.fitToPage = True
        # Sheets in a right-to-left language read from the right, as their text does.
        if direction_of(self.language) == "rtl":
            worksheet.sheet_view.rightToLeft = True
        return RowWriter(worksheet, self.styles, column_styles)

    def table_sheet(self, title: str, columns: Sequence[Column]) -> RowWriter:
        """A sheet holding one table: header row frozen, column widths and styles set."""
        writer = self.sheet(
            title,
            widths=[c.width for c in columns],
            column_styles=[c.style for c in columns],
            freeze="A2",
        )
        writer.append_styled(headers(columns, self.t), ["header"] * len(columns))
        writer.worksheet.print_title_rows = "1:1"
        return writer

    def save(self, target) -> None:
        self.workbook.save(target)


def autofilter(
    writer: RowWriter, columns: int, first_row: int = 1, last_row: int | None = None
) -> None:
    """An autofilter over the table from `first_row` (its header) to `last_row`."""
    last = last_row if last_row is not None else writer.rows_written
    if last > first_row:
        writer.worksheet.auto_filter.ref = f"A{first_row}:{get_column_letter(columns)}{last}"


def add_band_rules(
    writer: RowWriter,
    cell_range: str,
    anchor: str,
    bands: Sequence[Band],
) -> None:
    """Colour `cell_range` by the band of the number in `anchor` (relative to its top-left cell).

    The formulas are built from the definition's numbers only, never from user text.
    """
    ordered = sorted(bands, key=lambda b: b.min)
    for position, band in enumerate(ordered):
        conditions = [f"ISNUMBER({anchor})", f"{anchor}>={float(band.min)!r}"]
        if position + 1 < len(ordered):
            conditions.append(f"{anchor}<{float(ordered[position + 1].min)!r}")
        colour = band_colour(band.color)
        writer.worksheet.conditional_formatting.add(
            cell_range,
            FormulaRule(
                formula=[f"AND({','.join(conditions)})"],
                fill=PatternFill(bgColor=colour, fill_type="solid"),
            ),
        )


def add_regression_rule(writer: RowWriter, cell_range: str, definition: Definition) -> None:
    """Changes below minus the definition's regression threshold in bold dark red."""
    threshold = float(definition.scoring.regression_threshold)
    writer.worksheet.conditional_formatting.add(
        cell_range,
        CellIsRule(
            operator="lessThan", formula=[repr(-threshold)], font=Font(color="C00000", bold=True)
        ),
    )


def column_letter(position: int) -> str:
    return get_column_letter(position)


Progress = Callable[[str], None]
"""Receives a line of progress (the CLI prints it); optional everywhere."""
