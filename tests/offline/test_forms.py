"""The forms of issue 12, point 6 in the offline workbook (fixture questionnaire forms/v1): the
drop-downs list every level of scales of 3, 4 and 7 levels and "don't know", the sheet says that
"none of these" goes alone, and the import refuses it ticked beside another option."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from surveys.offline.layout import COL_ANSWER
from surveys.responses.operations import answers_by_question, start_submission
from surveys.roles import Role
from tests.conftest import FORMS_V1
from tests.offline.conftest import confirm, download, fill, find_row, upload


@pytest.fixture
def forms_world(db, create_country, create_user, create_version, create_round):
    niger = create_country("NE", "NER", "Niger", "Niger")
    round_ = create_round(create_version(FORMS_V1), [niger])
    respondent = create_user(Role.RESPONDENT, countries=[niger], name="Aïcha")
    submission = start_submission(round_, niger, actor=respondent)
    db.session.commit()
    return niger, round_, respondent, submission


def _drop_down(workbook, key: str) -> list[str]:
    """The values the drop-down of a row's answer cell offers, read from the list it points at."""
    worksheet, row = find_row(workbook, key)
    for validation in worksheet.data_validations.dataValidation:
        if validation.type == "list" and any(
            r.min_row <= row <= r.max_row and r.min_col <= COL_ANSWER <= r.max_col
            for r in validation.sqref.ranges
        ):
            sheet_name, _, area = validation.formula1.lstrip("=").rpartition("!")
            source = workbook[sheet_name.strip("'")]
            low_col, low_row, high_col, high_row = range_boundaries(area.replace("$", ""))
            cells = source.iter_rows(
                min_row=low_row,
                max_row=high_row,
                min_col=low_col,
                max_col=high_col,
                values_only=True,
            )
            return [value for line in cells for value in line if value]
    raise AssertionError(f"no drop-down on {key}")


@pytest.mark.parametrize(
    ("language", "levels", "dont_know"),
    [
        ("en", ["No plan", "Drafted", "Adopted"], "Don't know"),
        ("fr", ["Aucun plan", "Rédigé", "Adopté"], "Ne sait pas"),
    ],
)
def test_drop_downs_list_the_levels_and_dont_know(
    client, login, forms_world, language, levels, dont_know
):
    niger, round_, respondent, _ = forms_world
    login(respondent)
    workbook = load_workbook(io.BytesIO(download(client, round_.id, niger.id, lang=language)))
    assert _drop_down(workbook, "plan_maturity") == levels
    assert len(_drop_down(workbook, "unit_maturity")) == 4
    assert len(_drop_down(workbook, "training_maturity")) == 7
    assert _drop_down(workbook, "data_sharing")[-1] == dont_know
    worksheet, row = find_row(workbook, "support_measures")
    notes = "\n".join(str(c.value) for c in worksheet[row] if c.value)
    alone = {
        "en": "“None of these” only on its own: answer No to the others.",
        "fr": "«\u00a0Aucun de ceux-ci\u00a0»\u00a0: à choisir seule, répondez Non aux autres.",
    }
    assert alone[language] in notes


def test_the_import_refuses_none_of_these_beside_another_option_and_stores_it_alone(
    db, client, login, forms_world
):
    niger, round_, respondent, submission = forms_world
    login(respondent)
    book = download(client, round_.id, niger.id, lang="en")
    typed = {
        "plan_maturity": "Adopted",
        "unit_maturity": "Planned",
        "training_maturity": "Compulsory",
        "data_sharing": "Don't know",
        "support_measures:shelter": "Yes",
        "support_measures:none": "Yes",
        "focal_point_named": "No",
    }
    preview = upload(client, round_.id, niger.id, fill(book, typed))
    html = preview.get_data(as_text=True)
    assert "“None of these” cannot be ticked together with other options" in html
    assert "/import/confirm" not in html or "support_measures" not in answers_by_question(
        submission
    )

    fixed = fill(book, {**typed, "support_measures:shelter": "No"})
    preview = upload(client, round_.id, niger.id, fixed)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "cannot be ticked together" not in html
    done = confirm(client, round_.id, niger.id, html)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    db.session.expire_all()
    stored = {qid: a.value for qid, a in answers_by_question(submission).items()}
    assert stored == {
        "plan_maturity": 2,
        "unit_maturity": 1,
        "training_maturity": 5,
        "data_sharing": "dont_know",
        "support_measures": ["none"],
        "focal_point_named": "no",
    }
