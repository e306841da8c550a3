"""Every bad file of issue 13 point 3: a specific, translated message, and nothing changed."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from surveys.columns import utcnow
from surveys.responses.fields import AnswerInput
from surveys.responses.models import Answer, AnswerRevision, Submission
from surveys.responses.operations import save_area
from tests.conftest import MINI_V2
from tests.offline.conftest import download, fill, find_row, upload


@pytest.fixture
def saved(db, world, started):
    """The Niger submission with a few answers saved online."""
    save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("yes", comment="Law 2015-36")},
        actor=world.colleague,
        lock_version=started.lock_version,
    )
    save_area(
        started,
        "protection",
        {"protection_shelters": AnswerInput(4)},
        actor=world.colleague,
        lock_version=started.lock_version,
    )
    db.session.commit()
    return started


def state(db) -> tuple:
    """Every answer, comment and flag, the revisions and the submissions' versions."""
    db.session.expire_all()
    answers = db.session.execute(
        sa.select(
            Answer.question_id,
            Answer.value,
            Answer.comment,
            Answer.not_applicable,
            Answer.na_justification,
            Answer.carried_over,
            Answer.updated_by_id,
        ).order_by(Answer.id)
    ).all()
    revisions = db.session.scalar(sa.select(sa.func.count()).select_from(AnswerRevision))
    versions = db.session.execute(sa.select(Submission.id, Submission.lock_version)).all()
    return [tuple(a) for a in answers], revisions, [tuple(v) for v in versions]


def refused(client, world, data: bytes, name="answers.xlsx"):
    response = upload(client, world.round.id, world.country.id, data, names=[name])
    return response.status_code, response.get_data(as_text=True)


def edit(data: bytes, change) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    change(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def book(client, login, world, saved):
    login(world.respondent)
    return download(client, world.round.id, world.country.id)


def assert_refused(client, db, world, data, message, status=422, name="answers.xlsx"):
    before = state(db)
    code, html = refused(client, world, data, name)
    assert code == status, html[:3000]
    assert message in html.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"), html[
        html.find("<main") :
    ][:4000]
    assert "/import/confirm" not in html  # nothing to confirm
    assert state(db) == before
    return html


def test_a_file_that_is_not_a_workbook(client, db, world, book):
    assert_refused(
        client,
        db,
        world,
        b"%PDF-1.4 not a spreadsheet",
        "This file is not an Excel workbook (.xlsx).",
    )
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert_refused(
        client, db, world, other_zip.getvalue(), "This file is not an Excel workbook (.xlsx)."
    )


def test_a_workbook_not_made_by_the_platform(client, db, world, book):
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    assert_refused(client, db, world, out.getvalue(), "its identification sheet is missing")


def test_a_workbook_of_another_country(client, db, login, world, book):
    login(world.coordinator)
    mali = download(client, world.round.id, world.other_country.id)
    login(world.respondent)
    assert_refused(
        client,
        db,
        world,
        fill(mali, {"protection_shelters": 9}),
        "This workbook is for another country (ML)",
    )


def test_a_workbook_of_another_round(client, db, login, world, book, create_round):
    other = create_round(world.version, [world.country], period="2027-H1")
    data = fill(download(client, other.id, world.country.id), {"protection_shelters": 9})
    assert_refused(client, db, world, data, "This workbook is for another round")


def test_a_workbook_of_another_version(client, db, world, book, create_version):
    """A round's version never changes; the check stands guard all the same (a workbook of a
    version whose definition differs would put answers in the wrong cells)."""
    version = create_version(MINI_V2)
    world.round.questionnaire_version_id = version.id
    db.session.commit()
    assert_refused(
        client,
        db,
        world,
        book,
        "This workbook is for version 1 of the questionnaire; this round uses version 2.",
    )


def test_a_broken_signature(client, db, world, book):
    def tamper(workbook):
        sheet = workbook["Identity"]
        sheet["B2"].value = sheet["B2"].value.replace('"country_code":"NE"', '"country_code":"ML"')

    assert_refused(client, db, world, edit(book, tamper), "its signature does not match")


def test_a_renamed_sheet(client, db, world, book):
    def rename(workbook):
        workbook["1 Legal framework"].title = "Legal"

    assert_refused(
        client,
        db,
        world,
        edit(fill(book, {"protection_shelters": 9}), rename),
        "The sheet “1 Legal framework” is missing: it was renamed or deleted.",
    )


def test_a_deleted_sheet(client, db, world, book):
    assert_refused(
        client,
        db,
        world,
        edit(book, lambda wb: wb.remove(wb["2 Protection of victims"])),
        "The sheet “2 Protection of victims” is missing",
    )


def test_moved_rows(client, db, world, book):
    def swap(workbook):
        sheet, row = find_row(workbook, "legal_framework_status")
        for column in range(1, 10):
            a, b = sheet.cell(row=row, column=column), sheet.cell(row=row + 1, column=column)
            a.value, b.value = b.value, a.value

    assert_refused(
        client, db, world, edit(book, swap), "The row of “legal_framework_status” was moved to row"
    )


def test_a_deleted_row(client, db, world, book):
    def delete(workbook):
        sheet, row = find_row(workbook, "legal_notes")
        sheet.delete_rows(row)

    assert_refused(
        client, db, world, edit(book, delete), "The row of “legal_notes” (row 12) was deleted."
    )


def test_an_extra_column(client, db, world, book):
    def add(workbook):
        sheet, row = find_row(workbook, "legal_notes")
        sheet.cell(row=row, column=20).value = "my notes"

    html = assert_refused(
        client, db, world, edit(book, add), "Column T holds data but is not part of the workbook"
    )
    assert "T12" in html


def test_a_value_of_the_wrong_type(client, db, world, book):
    html = assert_refused(
        client, db, world, fill(book, {"protection_shelters": "many"}), "Enter a whole number."
    )
    assert (
        '<td data-label="Sheet">2 Protection of victims</td><td data-label="Cell">E4</td>' in html
    )
    html = assert_refused(
        client,
        db,
        world,
        fill(book, {"legal_framework_status": "Perhaps"}),
        "“Perhaps” is not one of the choices of the list: No law, Draft, In force.",
    )
    html = assert_refused(
        client, db, world, fill(book, {"legal_last_review": "someday"}), "Enter a real date"
    )


def test_a_value_out_of_bounds(client, db, world, book):
    assert_refused(
        client,
        db,
        world,
        fill(book, {"protection_shelters": 5000}),
        "Enter a number between 0 and 1,000.",
    )
    assert_refused(
        client,
        db,
        world,
        fill(book, {"protection_statistics:prosecuted/5": -3}),
        "Enter a number of at least 0.",
    )


@pytest.mark.parametrize("text", ["=1+2", "+33 1 23", "-bad", "@SUM(A1)"])
def test_text_starting_like_a_formula(client, db, world, book, text):
    def typed_as_text(workbook):
        sheet, row = find_row(workbook, "protection_focal_point")
        cell = sheet.cell(row=row, column=5)
        cell.value = text
        cell.data_type = "s"

    html = assert_refused(
        client, db, world, edit(book, typed_as_text), "Text may not start with “=”, “+”, “-” or “@”"
    )
    assert '<td data-label="Cell">E7</td>' in html


def test_a_formula_in_an_answer_cell(client, db, world, book):
    html = assert_refused(
        client,
        db,
        world,
        fill(book, {"protection_shelters": "=2+2"}),
        "This cell holds a formula; formulas are not evaluated.",
    )
    assert (
        '<td data-label="Sheet">2 Protection of victims</td><td data-label="Cell">E4</td>' in html
    )


def test_a_file_over_the_upload_limit(client, db, world, book, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    big = fill(book, {"legal_notes": "x"}) + b"\0" * (1024 * 1024)
    assert_refused(
        client,
        db,
        world,
        big,
        "The file answers.xlsx is larger than 1 MB: nothing was imported.",
        status=413,
    )


def test_a_request_over_what_the_server_accepts_shows_the_upload_page(
    client, db, world, book, app, monkeypatch
):
    """Larger than MAX_CONTENT_LENGTH: refused before the view reads it, yet the person gets
    the upload page with a specific message (not a bare 413 page) and nothing changes."""
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    huge = fill(book, {"legal_notes": "x"}) + b"\0" * (3 * 1024 * 1024)
    html = assert_refused(
        client, db, world, huge, "is larger than 1 MB, the most one file may weigh", status=413
    )
    assert "nothing was imported and your saved answers are unchanged" in html
    assert 'name="workbook"' in html  # the upload form is there to try again
    assert "File too large</h1>" not in html


def test_a_zip_bomb(client, db, world, book):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    assert_refused(
        client,
        db,
        world,
        bomb.getvalue(),
        "This file decompresses to far more than a workbook would.",
    )


LOCKED = {
    "submitted": "This submission has been submitted for review: its answers can no longer be "
    "changed unless the secretariat returns it.",
    "validated": "The secretariat has validated this submission: its answers can no longer be "
    "changed.",
}


@pytest.mark.parametrize("status", ["submitted", "validated"])
def test_a_submission_no_longer_editable(client, db, world, book, saved, status):
    saved.status = status
    db.session.commit()
    html = assert_refused(
        client, db, world, fill(book, {"protection_shelters": 9}), LOCKED[status], status=403
    )
    assert "Nothing was imported" in html  # an upload was sent: its outcome is said


def test_a_closed_round(client, db, world, book):
    world.round.opens_at = utcnow() - timedelta(days=60)
    world.round.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert_refused(
        client,
        db,
        world,
        fill(book, {"protection_shelters": 9}),
        "The round is closed for this country: its answers can no longer be changed.",
        status=403,
    )


def test_messages_are_in_french_for_a_french_respondent(client, db, world, book):
    world.respondent.language = "fr"
    db.session.commit()
    assert_refused(
        client, db, world, b"not a workbook", "Ce fichier n'est pas un classeur Excel (.xlsx)."
    )
    assert_refused(
        client,
        db,
        world,
        fill(book, {"protection_shelters": "=2+2"}),
        "Cette cellule contient une formule",
    )


def test_a_reason_without_not_applicable(client, db, world, book):
    assert_refused(
        client,
        db,
        world,
        fill(book, {"protection_assisted_share/reason": "No data"}),
        "A reason is given but the question is not marked not applicable",
    )


def test_a_figure_typed_as_text_that_reads_two_ways_is_asked_again(client, db, world, login, saved):
    """Typed as text in a cell of a French workbook, "1.234" is a thousand or a decimal: named
    with the cell, nothing imported. (A number cell holds a number: nothing to read.)"""
    login(world.respondent)
    french = download(client, world.round.id, world.country.id, lang="fr")

    def typed_as_text(workbook):
        sheet, row = find_row(workbook, "protection_budget")
        cell = sheet.cell(row=row, column=5)
        cell.value = "1.234"
        cell.data_type = "s"

    html = assert_refused(
        client,
        db,
        world,
        edit(french, typed_as_text),
        "“1.234” can be read as 1234 or as 1,234: type 1234 for the whole number, or 1,234 "
        "for the decimal one.",
    )
    assert '<td data-label="Cell">E5</td>' in html


def test_a_period_label_with_a_line_break_still_gives_the_workbook(app, client, login, world, db):
    """A label stored with a line break (an earlier release, a hand-made post) went into the
    download's file name: a header may not hold one, so every country's download was a 500."""
    world.round.period_label = "2026\r\nH2"
    db.session.commit()
    login(world.respondent)
    response = client.get(f"/offline/rounds/{world.round.id}/countries/{world.country.id}/workbook")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "NE-2026_H2-en.xlsx" in disposition
