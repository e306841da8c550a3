"""Country scope and locking on every route that touches a submission: another country's
respondent gets 404 (its existence is not revealed); a submitted or validated submission cannot
be changed, whatever the route."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from surveys.responses.models import Answer, Evidence
from surveys.review import workflow
from surveys.review.models import ReviewQuery
from surveys.review.operations import add_query
from tests.review.builders import build_scenario, stub_completeness

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def scenario(create_country, create_user, create_version, create_round):
    return build_scenario(create_country, create_user, create_version, create_round)


@pytest.fixture
def niger_draft(scenario, create_submission):
    return create_submission(scenario.round, scenario.niger, {"protection_focal_point": "DGPV"})


def save(client, submission, text: str = "Changed", *, upload: bytes | None = None, json=False):
    """Post the protection area form the way the page does (optionally with a file)."""
    data = {
        "lock_version": str(submission.lock_version),
        "base": "{}",
        "protection_focal_point": text,
        "goto": "protection",
    }
    if upload is not None:
        data["protection_focal_point-evidence"] = (io.BytesIO(upload), "law.pdf")
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        f"/submissions/{submission.id}/areas/protection",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def stored_text(db, submission) -> str:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Answer.value).where(
            Answer.submission_id == submission.id, Answer.question_id == "protection_focal_point"
        )
    )


def test_a_niger_respondent_can_save_and_upload(db, client, login, scenario, niger_draft):
    login(scenario.respondent)
    assert save(client, niger_draft, "Direction générale", upload=PDF).status_code == 302
    assert stored_text(db, niger_draft) == "Direction générale"
    evidence = db.session.scalar(sa.select(Evidence))
    assert evidence is not None
    with client.get(f"/evidence/{evidence.id}") as download:
        assert download.status_code == 200 and download.data == PDF


def test_another_countrys_respondent_can_neither_read_nor_change_it(
    db, client, login, scenario, niger_draft
):
    login(scenario.respondent)
    save(client, niger_draft, "DGPV", upload=PDF)
    evidence_id = db.session.scalar(sa.select(Evidence.id))
    sid = niger_draft.id

    login(scenario.other_respondent)  # Mali's focal point
    reads = [
        f"/submissions/{sid}",
        f"/submissions/{sid}/areas/legal",
        f"/submissions/{sid}/areas/protection",
        f"/submissions/{sid}/questions/protection_focal_point/history",
        f"/submissions/{sid}/areas/protection/conflicts",
        f"/evidence/{evidence_id}",
        f"/rounds/{scenario.round.id}/countries/{scenario.niger.id}/answers",
    ]
    for url in reads:
        assert client.get(url).status_code == 404, url
    assert save(client, niger_draft, "Hijacked").status_code == 404
    assert save(client, niger_draft, "Hijacked", json=True).status_code == 404
    assert save(client, niger_draft, "Hijacked", upload=PDF).status_code == 404
    assert client.post(f"/submissions/{sid}/areas/protection/conflicts").status_code == 404
    start = f"/rounds/{scenario.round.id}/countries/{scenario.niger.id}/answers"
    assert client.post(start).status_code == 404
    assert client.post(f"/review/submissions/{sid}/submit").status_code == 404

    assert stored_text(db, niger_draft) == "DGPV"
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 1


def test_another_countrys_respondent_cannot_answer_its_queries(
    db, client, login, scenario, niger_draft, monkeypatch
):
    stub_completeness(monkeypatch, [])
    workflow.submit(niger_draft, scenario.respondent)
    query = add_query(niger_draft, scenario.coordinator, question_id=None, text="Source?")
    workflow.return_for_changes(niger_draft, scenario.coordinator)
    db.session.commit()
    login(scenario.other_respondent)
    response = client.post(f"/review/queries/{query.id}/answer", data={"response": "Mine"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ReviewQuery, query.id).response == ""


@pytest.mark.parametrize("final_status", ["submitted", "validated"])
def test_a_submitted_or_validated_submission_cannot_be_changed(
    db, client, login, scenario, niger_draft, monkeypatch, final_status
):
    stub_completeness(monkeypatch, [])
    workflow.submit(niger_draft, scenario.respondent)
    if final_status == "validated":
        workflow.validate(niger_draft, scenario.coordinator)
    db.session.commit()

    login(scenario.respondent)
    assert save(client, niger_draft, "Too late").status_code == 403
    refused = save(client, niger_draft, "Too late", json=True)
    assert refused.status_code == 403 and refused.get_json()["error"] == "read_only"
    assert save(client, niger_draft, "Too late", upload=PDF).status_code == 403
    assert stored_text(db, niger_draft) == "DGPV"
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0
    # The page still shows the answers, read-only.
    page = client.get(f"/submissions/{niger_draft.id}/areas/protection")
    assert page.status_code == 200
    assert 'id="area-form"' not in page.get_data(as_text=True)
    assert "DGPV" in page.get_data(as_text=True)
