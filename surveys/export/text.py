"""Text as a spreadsheet cell may hold it, and text a spreadsheet could take for a formula.

No openpyxl (and no Flask, no database): the data API guards the text it returns with
`needs_guard` too, and web workers need no workbook library for that. The cells of the
workbooks we write (surveys.export.cells) and the offline workbook's reader use the same rules.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
"""A text starting with one of these may be read as a formula by a spreadsheet program."""

MAX_CELL_TEXT = 32767
"""Excel keeps at most this many characters in a cell."""

ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
"""Excel's error values (openpyxl's ERROR_CODES): a text cell equal to one reads as the error."""

_REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """The text without the characters Excel refuses, cut to what a cell can hold.

    Line endings become LF, as in Excel's own cells: the XML a workbook is made of turns a
    carriage return into a line feed anyway (browsers send CR LF from every text area).
    """
    if _REFUSED_CHARACTERS.search(text) is not None:
        text = _REFUSED_CHARACTERS.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT]
    return text


def needs_guard(text: str) -> bool:
    """True for text that a spreadsheet could take for a formula or an error value."""
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES
