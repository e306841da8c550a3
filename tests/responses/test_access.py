"""Who may read and change a submission: own country only, nobody once it is submitted; a
country's work in progress is not shown to analysts."""

from __future__ import annotations

import io

import pytest

from surveys.responses.fields import AnswerInput
from surveys.responses.operations import answers_by_question, save_area
from surveys.roles import Role

pytestmark = pytest.mark.usefixtures("uploads")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def with_evidence(client, login, world, started):
    """The Niger submission with one PDF attached by its respondent."""
    login(world.respondent)
    from tests.responses.conftest import form_state

    state = form_state(client, started.id, "legal")
    client.post(
        f"/submissions/{started.id}/areas/legal",
        data={**state, "legal_notes-evidence": (io.BytesIO(PDF), "law.pdf")},
        content_type="multipart/form-data",
    )
    [evidence] = started_evidence(started)
    client.get("/")  # keep the session, then switch user below
    return evidence


def started_evidence(submission):
    from surveys.responses.evidence import evidence_by_question

    return evidence_by_question(submission).get("legal_notes", [])


def status_of(client, url: str) -> int:
    response = client.get(url)
    response.close()  # file downloads hold the file open until closed
    return response.status_code


def urls(submission, evidence_id=None):
    base = f"/submissions/{submission.id}"
    pages = [
        base,
        f"{base}/areas/legal",
        f"{base}/questions/legal_notes/history",
        f"{base}/areas/legal/conflicts?r=1",
    ]
    if evidence_id:
        pages.append(f"/evidence/{evidence_id}")
    return pages


def test_another_countrys_respondent_cannot_read_anything(
    client, login, world, started, with_evidence
):
    login(world.stranger)
    for url in urls(started, with_evidence.id):
        assert status_of(client, url) == 404, url


def test_another_countrys_respondent_cannot_save_or_upload(client, login, world, started):
    login(world.stranger)
    response = client.post(
        f"/submissions/{started.id}/areas/legal",
        data={
            "lock_version": started.lock_version,
            "legal_notes": "Hijack",
            "legal_notes-evidence": (io.BytesIO(PDF), "x.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert answers_by_question(started) == {}
    assert started_evidence(started) == []
    resolve = client.post(f"/submissions/{started.id}/areas/legal/conflicts", data={"r": "1"})
    assert resolve.status_code == 404


def test_coordinators_read_any_submission_but_cannot_change_it(
    client, login, world, started, with_evidence
):
    login(world.coordinator)
    for url in urls(started, with_evidence.id):
        assert status_of(client, url) == 200, url
    page = client.get(f"/submissions/{started.id}/areas/legal").get_data(as_text=True)
    assert 'id="area-form"' not in page and "read-only" in page
    response = client.post(
        f"/submissions/{started.id}/areas/legal",
        data={"lock_version": started.lock_version, "legal_notes": "Edited"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_an_analyst_does_not_read_a_country_s_work_in_progress(
    client, login, world, started, with_evidence, create_user, db, status
):
    """Analysts read what countries submitted: a draft or returned submission, its files and
    its history are not found for them, as on the results pages; administrators, who support
    the respondents, read it."""
    started.status = status
    db.session.commit()
    login(create_user(Role.ANALYST))
    for url in urls(started, with_evidence.id):
        assert status_of(client, url) == 404, url
    login(create_user(Role.ADMIN))
    for url in urls(started, with_evidence.id):
        assert status_of(client, url) == 200, url


@pytest.mark.parametrize("status", ["submitted", "validated"])
def test_an_analyst_reads_a_submitted_submission(
    client, login, world, started, with_evidence, create_user, db, status
):
    started.status = status
    db.session.commit()
    login(create_user(Role.ANALYST))
    for url in urls(started, with_evidence.id):
        assert status_of(client, url) == 200, url


@pytest.mark.parametrize("status", ["submitted", "validated"])
def test_nobody_changes_a_submitted_or_validated_submission(
    client, login, world, started, db, status
):
    save_area(
        started,
        "legal",
        {"legal_notes": AnswerInput("Final")},
        actor=world.respondent,
        lock_version=started.lock_version,
    )
    started.status = status
    db.session.commit()
    login(world.respondent)

    page = client.get(f"/submissions/{started.id}/areas/legal")
    assert page.status_code == 200
    assert 'id="area-form"' not in page.get_data(as_text=True)
    for headers in ({}, {"Accept": "application/json"}):
        response = client.post(
            f"/submissions/{started.id}/areas/legal",
            data={
                "lock_version": started.lock_version,
                "legal_notes": "Changed",
                "legal_notes-evidence": (io.BytesIO(PDF), "late.pdf"),
            },
            content_type="multipart/form-data",
            headers=headers,
        )
        assert response.status_code == 403
    assert "no longer be changed" in response.get_json()["message"]
    db.session.expire_all()
    assert answers_by_question(started)["legal_notes"].value == "Final"
    assert started_evidence(started) == []


def test_a_closed_round_is_read_only_for_a_draft(client, login, world, started, db):
    from datetime import timedelta

    from surveys.columns import utcnow

    world.round.opens_at = utcnow() - timedelta(days=40)
    world.round.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    login(world.respondent)
    response = client.post(
        f"/submissions/{started.id}/areas/legal",
        data={"lock_version": started.lock_version, "legal_notes": "Late"},
    )
    assert response.status_code == 403
    assert "2026-H2" not in client.get("/my-questionnaires").get_data(as_text=True)


def test_a_respondents_own_evidence_downloads_with_safe_headers(
    client, login, world, started, with_evidence
):
    login(world.colleague)  # same country
    response = client.get(f"/evidence/{with_evidence.id}")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert body == PDF
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "law.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
