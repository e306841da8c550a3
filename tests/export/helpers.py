"""Reading generated workbooks back with two independent readers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from surveys.extensions import db
from surveys.questionnaire.schema import Response
from surveys.responses.models import Answer
from surveys.scoring import Scorecard, score


def calamine_sheets(path: Path) -> dict[str, list[list]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {
        name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in workbook.sheet_names
    }


def openpyxl_book(path: Path):
    return load_workbook(path)


def values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table(rows: list[list], first_header: str, start: int = 0) -> list[dict]:
    """The rows under the header row starting with `first_header`, as dicts, up to a blank row."""
    for position in range(start, len(rows)):
        if rows[position] and rows[position][0] == first_header:
            header = rows[position]
            found = []
            for row in rows[position + 1 :]:
                if not any(v not in (None, "") for v in row):
                    break
                found.append(dict(zip(header, row, strict=False)))
            return found
    raise AssertionError(f"no table headed {first_header!r}")


def formulas_in(path: Path) -> list[str]:
    """Every sheet part of the file that holds a formula element."""
    with zipfile.ZipFile(path) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
            and (b"<f>" in archive.read(name) or b"<f " in archive.read(name))
        ]


def engine_scorecard(submission) -> Scorecard:
    """What the scoring engine gives for the submission's stored answers."""
    answers = db.session.scalars(sa.select(Answer).where(Answer.submission_id == submission.id))
    responses = [Response(a.question_id, a.value, a.not_applicable) for a in answers]
    return score(submission.round.version.definition, responses)


def number(value) -> float | None:
    return None if value is None else float(value)


def as_bytes(path: Path) -> io.BytesIO:
    return io.BytesIO(path.read_bytes())
