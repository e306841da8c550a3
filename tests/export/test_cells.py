"""Safe cells: formula-like text stays text, refused characters go, values keep their types."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES as OPENPYXL_ERROR_CODES
from python_calamine import CalamineWorkbook

from surveys.export.cells import RowWriter, Styles
from surveys.export.text import (
    ERROR_CODES,
    FORMULA_TRIGGERS,
    MAX_CELL_TEXT,
    clean_text,
    needs_guard,
)

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "#N/A",
    "#DIV/0!",
]


def same_text(text: str) -> str:
    """The text as any workbook holds it: XML turns CR into LF (a leading CR comes back LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_rows(rows, styles=()):
    """Rows through RowWriter into an in-memory workbook; returns the file's bytes."""
    workbook = Workbook(write_only=True)
    writer = RowWriter(workbook.create_sheet("Data"), Styles(workbook), styles)
    for row in rows:
        writer.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_every_trigger_character_is_guarded():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r", "\n"}
    for trigger in FORMULA_TRIGGERS:
        assert needs_guard(trigger + "x")
    assert needs_guard("#REF!")
    assert not needs_guard("Ministry of Justice")
    assert not needs_guard("x=1")


def test_every_excel_error_value_is_guarded():
    """The guard's list is openpyxl's own (the guard does without openpyxl: see export.text)."""
    assert set(ERROR_CODES) == set(OPENPYXL_ERROR_CODES)
    for code in ERROR_CODES:
        assert needs_guard(code)


def test_bare_openpyxl_would_write_a_formula():
    """Why the guard exists: openpyxl takes any text starting with "=" for a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append(["=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "<f>" in sheet_xml(buffer.getvalue())


@pytest.mark.parametrize("styles", [(), ("wrap",)], ids=["unstyled", "styled"])
def test_formula_like_text_comes_back_as_the_same_text(styles):
    content = write_rows([[text] for text in DANGEROUS], styles)
    xml = sheet_xml(content)
    assert "<f>" not in xml and "<f " not in xml
    expected = [same_text(text) for text in DANGEROUS]
    sheet = load_workbook(io.BytesIO(content))["Data"]
    for row, text in enumerate(expected, start=1):
        cell = sheet.cell(row, 1)
        assert cell.data_type == "s"
        assert cell.value == text
        assert cell.quotePrefix  # stays text even when a user edits the cell
    calamine = (
        CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Data").to_python()
    )
    assert [row[0] for row in calamine] == expected


def test_refused_characters_are_removed_and_long_text_is_cut():
    assert clean_text("a\x00b\x07c\x1fd\x0be") == "abcde"
    assert clean_text("tab\tline\nreturn\r") == "tab\tline\nreturn\n"
    assert clean_text("windows\r\nline") == "windows\nline"
    assert clean_text("lone \ud800 surrogate \uffff") == "lone  surrogate "
    assert len(clean_text("x" * (MAX_CELL_TEXT + 10))) == MAX_CELL_TEXT
    content = write_rows([["bell\x07 and null\x00"]])
    assert load_workbook(io.BytesIO(content))["Data"]["A1"].value == "bell and null"


def test_values_keep_their_types():
    moment = datetime(2026, 3, 16, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    content = write_rows(
        [[1, 2.5, Decimal("62.50"), True, date(2018, 3, 16), moment, None, "text"]]
    )
    row = [c for c in next(load_workbook(io.BytesIO(content))["Data"].iter_rows())]
    assert [c.value for c in row[:5]] == [1, 2.5, 62.5, True, datetime(2018, 3, 16)]
    assert row[4].is_date and row[5].is_date
    assert row[5].value == datetime(2026, 3, 16, 8, 30)  # written as UTC
    assert row[6].value is None and row[7].value == "text"
    assert datetime(2026, 3, 16, 8, 30, tzinfo=UTC) == moment


def test_infinite_and_nan_numbers_are_written_as_text():
    content = write_rows([[float("nan"), float("inf")]])
    sheet = load_workbook(io.BytesIO(content))["Data"]
    assert (sheet["A1"].value, sheet["B1"].value) == ("nan", "inf")


def test_column_styles_give_number_formats():
    content = write_rows([[0.625, 62.5, date(2025, 1, 2)]], ("percent", "index", None))
    sheet = load_workbook(io.BytesIO(content))["Data"]
    assert sheet["A1"].number_format == "0.0%"
    assert sheet["B1"].number_format == "0.00"
    assert sheet["C1"].number_format == "yyyy-mm-dd"
