"""A submission that can no longer change (submitted, validated, or its round closed) is not
offered a workbook to upload: its page says why, with its status, and offers a copy to download;
no import result is shown before anything was uploaded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from surveys.columns import utcnow
from tests.offline.conftest import download

REASONS = {
    "submitted": "This submission has been submitted for review: its answers can no longer be "
    "changed unless the secretariat returns it.",
    "validated": "The secretariat has validated this submission: its answers can no longer be "
    "changed.",
}
FRENCH_REASON = "Le secrétariat a validé ces réponses"


def offline_page(client, world) -> str:
    response = client.get(f"/offline/rounds/{world.round.id}/countries/{world.country.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("&#39;", "'")


@pytest.mark.parametrize("status", ["submitted", "validated"])
def test_a_locked_submission_is_offered_a_copy_not_an_upload(
    client, db, login, world, started, status
):
    started.status = status
    db.session.commit()
    login(world.respondent)
    page = offline_page(client, world)
    assert REASONS[status] in page
    assert 'name="workbook"' not in page and "/import" not in page  # no upload form
    assert "nothing was imported" not in page.lower()  # nothing was uploaded
    assert "Download a copy of the answers as a workbook</h1>" in page
    assert "Upload filled workbooks" not in page and "then upload it here" not in page
    assert download(client, world.round.id, world.country.id)  # the copy is still there

    overview = client.get(f"/submissions/{started.id}").get_data(as_text=True)
    overview = overview.replace("&#39;", "'")
    assert "Answer offline with a workbook" not in overview
    assert "upload it back" not in overview
    assert "Download a copy of the answers as a workbook" in overview
    assert REASONS[status] in overview


def test_a_validated_submission_says_validated_not_submitted_in_french(
    client, db, login, world, started, create_user
):
    started.status = "validated"
    db.session.commit()
    login(create_user("respondent", countries=[world.country], language="fr"))
    page = offline_page(client, world)
    assert FRENCH_REASON in page and "soumis" not in page.split("<main")[1]
    area = client.get(f"/submissions/{started.id}/areas/legal").get_data(as_text=True)
    assert "Le secrétariat a validé ces réponses" in area


def test_a_draft_of_a_closed_round_is_not_offered_an_upload(client, db, login, world, started):
    world.round.opens_at = utcnow() - timedelta(days=60)
    world.round.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    login(world.respondent)
    page = offline_page(client, world)
    assert "The round is closed for this country: its answers can no longer be changed." in page
    assert 'name="workbook"' not in page and "nothing was imported" not in page.lower()


def test_an_open_draft_is_still_offered_the_upload(client, login, world, started):
    login(world.respondent)
    page = offline_page(client, world)
    assert 'name="workbook"' in page and 'id="cannot-import"' not in page
    overview = client.get(f"/submissions/{started.id}").get_data(as_text=True)
    assert "Answer offline with a workbook" in overview
