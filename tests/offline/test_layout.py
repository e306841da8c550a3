"""What the downloaded workbook holds: locked structure, drop-downs and validation with the
definition's bounds, conditions and rules in words, the deadline in the person's time zone."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from surveys.offline.layout import (
    COL_ANSWER,
    AnswerCell,
    CellProblem,
    Entry,
    describe_condition,
    form_data,
    question_numbers,
)
from surveys.questionnaire.expressions import parse
from tests.offline.conftest import download, find_row


def validation_of(sheet, coordinate: str):
    found = [v for v in sheet.data_validations.dataValidation if coordinate in v.sqref]
    assert len(found) == 1, f"{coordinate}: {found}"
    return found[0]


def test_the_workbook_locks_its_structure_and_validates_each_answer_cell(
    db, client, login, world, started
):
    world.respondent.timezone = "Africa/Niamey"
    db.session.commit()
    login(world.respondent)
    workbook = load_workbook(io.BytesIO(download(client, world.round.id, world.country.id)))
    assert workbook.sheetnames == [
        "Instructions",
        "Lists",
        "1 Legal framework",
        "2 Protection of victims",
        "Identity",
    ]
    assert workbook["Lists"].sheet_state == "hidden"
    assert workbook["Identity"].sheet_state == "veryHidden"
    for name in ("1 Legal framework", "2 Protection of victims", "Instructions"):
        assert workbook[name].protection.sheet and not workbook[name].protection.password

    sheet, row = find_row(workbook, "legal_tip_offence")
    assert not sheet.cell(row=row, column=5).protection.locked  # answer
    assert not sheet.cell(row=row, column=6).protection.locked  # comment
    assert sheet.cell(row=row, column=3).protection.locked  # the question's text
    choice = validation_of(sheet, f"E{row}")
    assert choice.type == "list" and choice.formula1 == "'Lists'!$A$1:$A$3"
    sheet, row = find_row(workbook, "legal_strategy_maturity")
    assert "Answer only if 1.1 is “Yes” or “Partly”." in sheet.cell(row=row, column=9).value
    sheet, row = find_row(workbook, "legal_last_review")
    assert validation_of(sheet, f"E{row}").type == "date"

    sheet, row = find_row(workbook, "protection_shelters")
    shelters = validation_of(sheet, f"E{row}")
    assert (shelters.type, shelters.formula1, shelters.formula2) == ("whole", "0", "1000")
    assert "Between 0 and 1000." in sheet.cell(row=row, column=9).value
    sheet, row = find_row(workbook, "protection_assisted_share")
    share = validation_of(sheet, f"E{row}")
    assert (share.type, share.formula1, share.formula2) == ("decimal", "0", "100")
    assert not sheet.cell(row=row, column=7).protection.locked  # "not applicable" allowed
    assert validation_of(sheet, f"G{row}").type == "list"
    sheet, row = find_row(workbook, "protection_focal_point")
    assert sheet.cell(row=row, column=7).protection.locked  # no "not applicable" here

    # Statistics as a table: a header row of year and column, one row per indicator.
    sheet, row = find_row(workbook, "protection_statistics:years")
    headers = [sheet.cell(row=row, column=c).value for c in range(5, 11)]
    assert headers == [
        "2024 Female",
        "2024 Male",
        "2024 Total",
        "2025 Female",
        "2025 Male",
        "2025 Total",
    ]
    sheet, row = find_row(workbook, "protection_statistics:prosecuted")
    assert sheet.cell(row=row, column=3).value == "Persons prosecuted"
    figure = validation_of(sheet, f"J{row}")
    assert figure.type == "decimal" and figure.formula1 == "0"

    facts = {
        row[0].value: row[1].value for row in workbook["Instructions"].iter_rows() if row[0].value
    }
    closes = world.round.closes_at.astimezone(__import__("zoneinfo").ZoneInfo("Africa/Niamey"))
    assert facts["Deadline"].endswith(f"{closes:%H:%M} (Africa/Niamey)")
    assert facts["Country"] == "Niger" and facts["Round"] == "2026-H2"


def test_carried_over_answers_are_marked(db, client, login, world, started):
    from surveys.responses.models import Answer

    db.session.add(
        Answer(
            submission_id=started.id, question_id="protection_shelters", value=4, carried_over=True
        )
    )
    db.session.commit()
    login(world.respondent)
    workbook = load_workbook(io.BytesIO(download(client, world.round.id, world.country.id)))
    sheet, row = find_row(workbook, "protection_shelters")
    assert sheet.cell(row=row, column=5).value == 4
    assert sheet.cell(row=row, column=5).fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.cell(row=row, column=9).value.startswith("Carried over from the previous round.")


def test_conditions_in_words(world):
    definition = world.version.definition
    numbers = question_numbers(definition)

    def words(text: str) -> str:
        return describe_condition(parse(text), definition, numbers, "en", lambda m: m)

    assert words("legal_tip_offence == 'yes'") == "1.1 is “Yes”"
    assert (
        words("answered(legal_last_review) and not protection_shelters > 3")
        == "1.5 is answered and not (2.1 is more than “3”)"
    )
    assert (
        words("'untoc' in legal_instruments or legal_framework_status != 'none'")
        == "1.2 includes “UNTOC” or 1.3 is not “No law”"
    )


def test_a_choice_reads_whatever_spaces_its_label_is_typed_with():
    """A drop-down label with French no-break spaces matches the same words typed (or written
    by a workbook of before) with ordinary spaces, and the other way round; words still count."""
    cell = AnswerCell(
        "q",
        COL_ANSWER,
        Entry.CHOICE,
        choices=(("yes", "Oui\u00a0: en vigueur"), ("unsure", "Peut-être\u202f?"), ("no", "Non")),
    )
    assert form_data(cell, "Oui : en vigueur", "fr") == "yes"
    assert form_data(cell, "  oui\u202f:  EN vigueur ", "fr") == "yes"
    assert form_data(cell, "Peut-être ?", "fr") == "unsure"
    assert form_data(cell, "Peut-être\u202f?", "fr") == "unsure"
    with pytest.raises(CellProblem):
        form_data(cell, "Oui: en vigueur", "fr")  # other words, not other spaces
