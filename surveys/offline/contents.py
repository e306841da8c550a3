"""What an offline workbook holds and what is wrong with one, as plain data: the cover of a
workbook to write, the cells and answers read from one, its problems.

No openpyxl (surveys.offline.workbook writes and reads the files): the pages that show
problems and the import's checks use these without loading the workbook library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from surveys.offline.identity import Identity
from surveys.questionnaire.rules import Failure

FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Cover:
    """What the instructions sheet says about this workbook (already in its language)."""

    title: str
    country: str
    period: str
    deadline: str
    version: str
    areas: tuple[str, ...]
    made_for: str = ""


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where (sheet and cell, when known) and a msgid with params."""

    message: str
    sheet: str = ""
    cell: str = ""
    params: Mapping[str, object] = field(default_factory=dict)
    field: str = ""  # the form field concerned, if any
    # A validation rule the answers break: its text (the reader's language) is the "rule" param.
    failure: Failure | None = None


class WorkbookRefused(ValueError):
    """The file as a whole cannot be read as one of our workbooks; nothing else is checked."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.problem = Problem(message, params=params)


Grid = dict[tuple[int, int], tuple[object, str]]  # (row, column) -> (value, openpyxl data_type)


@dataclass
class OpenedWorkbook:
    identity: Identity
    sheets: dict[str, Grid]  # title -> non-empty cells


@dataclass
class Answers:
    """What a workbook holds for each area: form data pairs, and where each field was read."""

    formdata: dict[str, list[tuple[str, object]]] = field(default_factory=dict)  # area id -> pairs
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (sheet, cell)
    raw_text: dict[str, str] = field(
        default_factory=dict
    )  # field -> text read (for formula checks)
    problems: list[Problem] = field(default_factory=list)


def is_formula_text(text: str) -> bool:
    return text.startswith(FORMULA_START)
