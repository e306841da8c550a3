"""Validation rules in the offline workbook (issue 13 follow-up): each rule is explained in words
beside the questions it reads, and an upload is checked with the web form's rules: a broken error
rule refuses the file at its sheet and cell; a warning needs an explanation, typed in the
workbook's "Explanation of a warning" column (saved with the answers) or given later online."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from surveys.i18n import make_translate
from surveys.offline.layout import COL_ANSWER, COL_EXPLAIN, COL_NOTES, HEADER_ROW, rule_reads
from surveys.questionnaire.rules import rule_in_words
from surveys.questionnaire.schema import localized
from surveys.responses.models import Answer, RuleExplanation
from surveys.roles import Role
from tests.conftest import ROOT
from tests.offline.conftest import confirm, download, fill, find_row, upload

V3 = ROOT / "questionnaires" / "niamey-2018" / "v3.yaml"
TABLE = "stats_victims"


@pytest.fixture
def v3(db, create_version, create_country, create_round, create_user, login):
    version = create_version(V3)
    niger = create_country("NE")
    round_ = create_round(version, [niger])
    respondent = create_user(Role.RESPONDENT, countries=[niger], language="en")
    login(respondent)
    return SimpleNamespace(version=version, country=niger, round=round_, respondent=respondent)


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_rule_is_explained_in_words_beside_its_questions(client, v3, language):
    definition = v3.version.definition
    assert len(definition.rules) == 21
    book = _book(download(client, v3.round.id, v3.country.id, lang=language))
    t = make_translate(language)
    for rule in definition.rules:
        words = rule_in_words(rule.check, definition, language, t)
        for question_id in rule_reads(rule.check):
            sheet, row = find_row(book, question_id)
            notes = sheet.cell(row=row, column=COL_NOTES).value or ""
            assert words in notes, (rule.id, question_id, notes)
            assert localized(rule.message, language) in notes  # typeset in French
    # A warning is explained in its own column, on the row of the question it shows on.
    sheet, row = find_row(book, TABLE)
    header = sheet.cell(row=HEADER_ROW, column=COL_EXPLAIN).value
    assert header == (
        "Explanation of a warning" if language == "en" else "Explication d'un avertissement"
    )
    assert sheet.cell(row=row, column=COL_EXPLAIN).protection.locked is False
    notes = sheet.cell(row=row, column=COL_NOTES).value
    if language == "en":
        labels = {
            c.id: c.label["en"] for c in v3.version.definition.question(TABLE).statistics.columns
        }
        total = f"{labels['total']} is at least {labels['female']} + {labels['male']}."
        assert f"Error unless, in each row and year, {total}" in notes
        assert "Warning if a figure changed by more than a factor of 3 since" in notes
        assert f"Error if not a whole number: {labels['female']}, {labels['male']}," in notes


def _cell(book, row_id: str, year: int, column: str) -> tuple[str, str, str]:
    """(sheet title, coordinate, fill key) of one cell of the victims table."""
    sheet, row = find_row(book, f"{TABLE}:{row_id}")
    years = [2025, 2026]
    columns = ["female", "male", "children", "total"]
    number = COL_ANSWER + years.index(year) * len(columns) + columns.index(column)
    return sheet.title, f"{get_column_letter(number)}{row}", f"{TABLE}:{row_id}/{number}"


def _stored(db) -> list:
    db.session.expire_all()
    return db.session.execute(sa.select(Answer.question_id, Answer.value)).all()


def test_an_upload_breaking_an_error_rule_is_refused_at_its_cell(client, db, v3):
    data = download(client, v3.round.id, v3.country.id)
    book = _book(data)
    table = v3.version.definition.question(TABLE).statistics
    assert [y for y in table.years] == [2025, 2026]
    assert [c.id for c in table.columns] == ["female", "male", "children", "total"]
    sheet, children, children_key = _cell(book, "victims_identified", 2025, "children")
    _, _, total_key = _cell(book, "victims_identified", 2025, "total")
    before = _stored(db)
    response = upload(
        client, v3.round.id, v3.country.id, fill(data, {children_key: 50, total_key: 10})
    )
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert "/import/confirm" not in html
    row = (
        f'<td data-label="Sheet">{sheet}</td><td data-label="Cell">{children}</td>'
        '<td data-label="Problem">Rule not respected: Children are part of the total'
    )
    assert row in html, html[html.find("<main") :][:3000]
    assert _stored(db) == before


def test_a_warning_without_explanation_is_reported_and_one_typed_in_the_file_is_saved(
    client, db, v3
):
    data = download(client, v3.round.id, v3.country.id)
    book = _book(data)
    _sheet, assisted, assisted_key = _cell(book, "victims_assisted", 2025, "total")
    _, _, identified_key = _cell(book, "victims_identified", 2025, "total")
    figures = {assisted_key: 30, identified_key: 10}

    response = upload(client, v3.round.id, v3.country.id, fill(data, figures))
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200
    warnings = html[
        html.index('id="warnings"') : html.index("</table>", html.index('id="warnings"'))
    ]
    assert "1 warning: the import is not stopped, but read it before confirming." in warnings
    assert f'<td data-label="Cell">{assisted}</td>' in warnings
    assert "More victims assisted than identified in 2025" in warnings
    explain_row = find_row(book, TABLE)[1]
    assert f"write it in the cell {get_column_letter(COL_EXPLAIN)}{explain_row}" in warnings
    assert "/import/confirm" in html  # a warning does not stop the import

    explained = fill(
        data, {**figures, f"{TABLE}/{COL_EXPLAIN}": "Assistance also covers victims of 2024."}
    )
    response = upload(client, v3.round.id, v3.country.id, explained)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="warnings"' not in html
    done = confirm(client, v3.round.id, v3.country.id, html)
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "1 warning explained." in page
    stored = db.session.scalars(sa.select(RuleExplanation)).all()
    assert [(e.failure_key, e.text) for e in stored] == [
        ("victims_assisted_not_above_identified_2025", "Assistance also covers victims of 2024.")
    ]
    # The web page now shows the warning as explained: nothing left to do before submitting.
    from surveys.responses import operations as ops
    from surveys.responses import rule_checks

    submission = ops.find_submission(v3.round.id, v3.country.id)
    answers = ops.answers_by_question(submission)
    shown = rule_checks.shown_failures(
        submission, v3.version.definition, answers, frozenset(), "en"
    )
    assert [f.key for f in shown] == ["victims_assisted_not_above_identified_2025"]
    assert not shown[0].needs_action


def test_an_explanation_where_no_warning_is_raised_is_reported_not_kept(client, db, v3):
    data = download(client, v3.round.id, v3.country.id)
    book = _book(data)
    _, _, identified_key = _cell(book, "victims_identified", 2025, "total")
    row = find_row(book, TABLE)[1]
    typed = fill(data, {identified_key: 10, f"{TABLE}/{COL_EXPLAIN}": "Nothing odd here."})
    html = upload(client, v3.round.id, v3.country.id, typed).get_data(as_text=True)
    warnings = html[html.index('id="warnings"') :]
    assert f'<td data-label="Cell">{get_column_letter(COL_EXPLAIN)}{row}</td>' in warnings
    assert "No warning is raised on this question with these answers" in warnings


def _explanations(db) -> dict:
    db.session.expire_all()
    return {
        e.failure_key: (e.text, e.updated_at)
        for e in db.session.scalars(sa.select(RuleExplanation))
    }


def _explanation_cell(data: bytes):
    sheet, row = find_row(_book(data), TABLE)
    return sheet.cell(row=row, column=COL_EXPLAIN).value


def test_stored_explanations_are_pre_filled_and_a_round_trip_keeps_them(client, db, v3):
    """An explanation given online (or in an earlier file) is in the downloaded workbook's
    "Explanation of a warning" cell; sending the workbook back with the cell as it was changes
    no explanation, edited it replaces it (even when no answer changes), and a blank workbook
    has none."""
    data = download(client, v3.round.id, v3.country.id)
    book = _book(data)
    _, _, assisted_key = _cell(book, "victims_assisted", 2025, "total")
    _, _, identified_key = _cell(book, "victims_identified", 2025, "total")
    first = fill(
        data,
        {
            assisted_key: 30,
            identified_key: 10,
            f"{TABLE}/{COL_EXPLAIN}": "Assistance also covers victims of 2024.",
        },
    )
    html = upload(client, v3.round.id, v3.country.id, first).get_data(as_text=True)
    assert confirm(client, v3.round.id, v3.country.id, html).status_code == 302
    saved = _explanations(db)
    assert [t for t, _ in saved.values()] == ["Assistance also covers victims of 2024."]

    again = download(client, v3.round.id, v3.country.id)
    assert _explanation_cell(again) == "Assistance also covers victims of 2024."
    assert _explanation_cell(download(client, v3.round.id, v3.country.id, blank=1)) is None

    # Back with a figure changed that still raises the warning: nothing to explain again, and
    # the stored explanation is not rewritten.
    html = upload(client, v3.round.id, v3.country.id, fill(again, {assisted_key: 31})).get_data(
        as_text=True
    )
    assert 'id="warnings"' not in html
    done = confirm(client, v3.round.id, v3.country.id, html)
    assert "warning explained" not in client.get(done.headers["Location"]).get_data(as_text=True)
    assert _explanations(db) == saved

    # The explanation edited in the workbook, no answer changed: saved.
    edited = fill(
        download(client, v3.round.id, v3.country.id),
        {f"{TABLE}/{COL_EXPLAIN}": "Assistance covers victims identified in 2024 too."},
    )
    html = upload(client, v3.round.id, v3.country.id, edited).get_data(as_text=True)
    assert "1 explanation of a warning changes." in html
    done = confirm(client, v3.round.id, v3.country.id, html)
    assert "1 warning explained." in client.get(done.headers["Location"]).get_data(as_text=True)
    assert [t for t, _ in _explanations(db).values()] == [
        "Assistance covers victims identified in 2024 too."
    ]


def test_two_warnings_of_one_question_keep_their_own_explanations(client, db, v3):
    """One cell per question: two explanations are one line each, and sent back unchanged
    they stay each with its own warning."""
    from surveys.responses import operations as ops
    from surveys.responses import rule_checks

    data = download(client, v3.round.id, v3.country.id)
    book = _book(data)
    figures = {}
    for year in (2025, 2026):
        figures[_cell(book, "victims_assisted", year, "total")[2]] = 30
        figures[_cell(book, "victims_identified", year, "total")[2]] = 10
    html = upload(client, v3.round.id, v3.country.id, fill(data, figures)).get_data(as_text=True)
    assert confirm(client, v3.round.id, v3.country.id, html).status_code == 302
    submission = ops.find_submission(v3.round.id, v3.country.id)
    for year, text in ((2025, "Victims of 2024 too."), (2026, "Includes relatives.")):
        key = f"victims_assisted_not_above_identified_{year}"
        rule_checks.save_explanation(submission, key, text, v3.respondent)
    db.session.commit()
    saved = _explanations(db)
    assert len(saved) == 2

    again = download(client, v3.round.id, v3.country.id)
    assert _explanation_cell(again) == "Victims of 2024 too.\nIncludes relatives."
    changed = fill(again, {_cell(book, "victims_assisted", 2025, "total")[2]: 31})
    html = upload(client, v3.round.id, v3.country.id, changed).get_data(as_text=True)
    assert 'id="warnings"' not in html
    assert confirm(client, v3.round.id, v3.country.id, html).status_code == 302
    assert _explanations(db) == saved
