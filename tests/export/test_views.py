"""Download pages: who may download, what they get, and archived files served as stored."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from surveys.export.archive import archive_round
from surveys.export.models import ArchivedWorkbook
from surveys.responses.models import Answer
from tests.export.helpers import table, values

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fetch(client, url):
    """The response with its body read and the streamed file closed (as a server would)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def analyst(create_user, login):
    return login(create_user("analyst"))


def test_only_analysts_and_coordinators_download(export_data, create_user, login, client):
    url = f"/exports/rounds/{export_data.round.id}/scorecard.xlsx?lang=en"
    assert fetch(client, url).status_code in (302, 401)
    login(create_user("respondent", countries=[export_data.countries["NE"]]))
    assert fetch(client, url).status_code == 403
    assert fetch(client, "/exports/").status_code == 403
    login(create_user("coordinator"))
    assert fetch(client, url).status_code == 200


def test_current_scorecard_is_streamed_as_a_file(export_data, analyst):
    response = fetch(analyst, f"/exports/rounds/{export_data.round.id}/scorecard.xlsx?lang=fr")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "scorecard_mini_2026_fr_" in disposition
    book = load_workbook(io.BytesIO(response.get_data()))
    assert "Sénégal" in book.sheetnames


def test_a_scorecard_streams_from_a_worker_s_fresh_session(export_data, analyst, db):
    """A worker's request starts on an empty session (tests otherwise share one across requests,
    which hides how a download begins): its rows stream through a server-side cursor, which
    PostgreSQL opens only inside a transaction."""
    url = f"/exports/rounds/{export_data.round.id}/scorecard.xlsx?lang=en"
    db.session.commit()
    db.session.remove()
    response = fetch(analyst, url)
    assert response.status_code == 200
    assert "Senegal" in load_workbook(io.BytesIO(response.get_data())).sheetnames


def test_trends_with_responses_is_offered_in_the_background(export_data, analyst, db):
    """A GET changes nothing: it offers the background export (see test_background.py)."""
    from surveys.export.models import ExportJob

    response = fetch(analyst, "/exports/questionnaires/mini/trends.xlsx?lang=en&with_responses=1")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Prepare the workbook" in page and "surveys export trends" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0


def test_unknown_things_are_not_found(export_data, analyst):
    assert fetch(analyst, "/exports/rounds/999/scorecard.xlsx").status_code == 404
    assert fetch(analyst, "/exports/questionnaires/nope/trends.xlsx").status_code == 404
    url = f"/exports/rounds/{export_data.round.id}/scorecard.xlsx?lang=de"
    assert fetch(analyst, url).status_code == 404
    assert fetch(analyst, "/exports/archive/999").status_code == 404


def test_archived_file_is_the_stored_one_even_after_data_changes(export_data, analyst, db):
    records = archive_round(export_data.round.id)
    db.session.commit()
    assert [r.language for r in records] == ["en", "fr"]
    english = records[0]
    assert english.filename.startswith("scorecard_mini_2026_en_")
    page = fetch(analyst, "/exports/").get_data(as_text=True)
    assert english.filename in page and "2026" in page
    # The data change after closing: a reopened country changes an answer.
    answer = db.session.scalar(
        sa.select(Answer).where(
            Answer.submission_id == export_data.submissions["NE"].id,
            Answer.question_id == "protection_focal_point",
        )
    )
    answer.value = "Changed after closing"
    db.session.commit()
    stored = fetch(analyst, f"/exports/archive/{english.id}")
    assert stored.status_code == 200
    assert stored.mimetype == XLSX
    import hashlib

    assert hashlib.sha256(stored.get_data()).hexdigest() == english.sha256
    rows = table(values(load_workbook(io.BytesIO(stored.get_data()))["Responses"]), "Round")
    focal = {r["Country code"]: r for r in rows if r["Question id"] == "protection_focal_point"}
    assert focal["NE"]["Answer value"] == "Mme Aïssa"
    current = fetch(analyst, f"/exports/rounds/{export_data.round.id}/scorecard.xlsx")
    rows = table(values(load_workbook(io.BytesIO(current.get_data()))["Responses"]), "Round")
    focal = {r["Country code"]: r for r in rows if r["Question id"] == "protection_focal_point"}
    assert focal["NE"]["Answer value"] == "Changed after closing"


def test_a_damaged_archive_is_reported_not_served(export_data, analyst, db, app):
    from surveys.storage.models import StoredFileChunk

    record = archive_round(export_data.round.id)[0]
    db.session.commit()
    db.session.execute(
        sa.update(StoredFileChunk)
        .where(StoredFileChunk.sha256 == record.sha256)
        .values(data=b"tampered")
    )
    db.session.commit()
    response = fetch(analyst, f"/exports/archive/{record.id}")
    assert response.status_code == 500
    assert record.filename in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchivedWorkbook)) == 2


def test_downloads_are_audited(export_data, analyst, db):
    from surveys.audit.models import AuditEvent

    fetch(analyst, f"/exports/rounds/{export_data.round.id}/scorecard.xlsx?lang=fr")
    fetch(analyst, "/exports/questionnaires/mini/trends.xlsx?lang=en")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.details) for e in events] == [
        ("export.scorecard", {"lang": "fr"}),
        ("export.trends", {"key": "mini", "lang": "en", "with_responses": False}),
    ]


def test_response_counts_leave_out_cancelled_rounds(export_data, db):
    from surveys.columns import utcnow
    from surveys.export.queries import response_counts
    from surveys.responses.models import Answer, Submission

    counted = sum(response_counts().values())
    in_round = db.session.scalar(
        sa.select(sa.func.count(Answer.id))
        .join(Submission)
        .where(Submission.round_id == export_data.round.id)
        .where(Submission.status.in_(("submitted", "validated")))  # a draft's are not printed
    )
    assert counted > in_round > 0  # the previous round's answers count too
    export_data.round.cancelled_at = utcnow()
    db.session.flush()
    assert sum(response_counts().values()) == counted - in_round
