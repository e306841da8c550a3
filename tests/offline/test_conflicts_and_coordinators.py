"""Conflicts between a workbook and answers saved online since its download; coordinators
answering on a country's behalf; who may use the offline pages."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.audit.models import AuditEvent
from surveys.responses.fields import AnswerInput
from surveys.responses.models import AnswerRevision, RevisionSource
from surveys.responses.operations import answers_by_question, save_area
from tests.offline.conftest import confirm, download, fill, upload


def history(db, submission, question_id):
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AnswerRevision)
            .where(
                AnswerRevision.submission_id == submission.id,
                AnswerRevision.question_id == question_id,
            )
            .order_by(AnswerRevision.id)
        )
    )


def colleague_saves(db, world, submission, area, inputs):
    save_area(submission, area, inputs, actor=world.colleague, lock_version=submission.lock_version)
    db.session.commit()


def test_an_answer_changed_online_after_the_download_is_a_conflict_settled_per_question(
    db, client, login, world, started
):
    login(world.respondent)
    book = download(client, world.round.id, world.country.id)
    # After the download, a colleague changes three answers online.
    colleague_saves(
        db,
        world,
        started,
        "protection",
        {
            "protection_shelters": AnswerInput(4),
            "protection_focal_point": AnswerInput("Mr Online"),
            "protection_budget": AnswerInput(9.5),
        },
    )
    # The workbook changes two of them, and another one nobody touched online.
    filled = fill(
        book,
        {
            "protection_shelters": 6,
            "protection_focal_point": "Ms File",
            "legal_framework_status": "Draft",
        },
    )
    preview = upload(client, world.round.id, world.country.id, filled)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'class="offline-conflict" id="change-protection_shelters"' in html
    assert 'class="offline-conflict" id="change-protection_focal_point"' in html
    assert 'class="offline-changed" id="change-legal_framework_status"' in html
    assert 'id="change-protection_budget"' not in html  # untouched in the file: not reverted

    # No choice made: nothing is stored, the question is asked again.
    refused = confirm(client, world.round.id, world.country.id, html)
    assert refused.status_code == 422
    assert "Choose, for each conflict, which answer to keep." in refused.get_data(as_text=True)

    done = confirm(
        client,
        world.round.id,
        world.country.id,
        html,
        **{"choice-protection_shelters": "file", "choice-protection_focal_point": "online"},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    db.session.expire_all()
    answers = answers_by_question(started)
    assert answers["protection_shelters"].value == 6  # the file's, as chosen
    assert answers["protection_shelters"].updated_by_id == world.respondent.id
    assert answers["protection_focal_point"].value == "Mr Online"  # online's, as chosen
    assert answers["protection_budget"].value == 9.5  # not in the change: not reverted
    assert answers["legal_framework_status"].value == "draft"

    shelters = history(db, started, "protection_shelters")
    assert [(r.value, r.source, r.saved_by_id) for r in shelters] == [
        (4, RevisionSource.SAVED, world.colleague.id),
        (6, RevisionSource.RESOLVED, world.respondent.id),
    ]
    focal = history(db, started, "protection_focal_point")
    assert [(r.value, r.source, r.saved_by_id) for r in focal] == [
        ("Mr Online", RevisionSource.SAVED, world.colleague.id),
        ("Ms File", RevisionSource.CONFLICT, world.respondent.id),
    ]


def test_a_change_online_between_preview_and_confirmation_is_shown_before_anything_is_saved(
    db, client, login, world, started
):
    login(world.respondent)
    book = fill(download(client, world.round.id, world.country.id), {"protection_shelters": 6})
    html = upload(client, world.round.id, world.country.id, book).get_data(as_text=True)
    colleague_saves(db, world, started, "protection", {"protection_shelters": AnswerInput(2)})
    again = confirm(client, world.round.id, world.country.id, html)
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "The answers changed online while you were reading the preview." in page
    assert 'class="offline-conflict" id="change-protection_shelters"' in page
    db.session.expire_all()
    assert answers_by_question(started)["protection_shelters"].value == 2


def test_a_coordinator_downloads_a_blank_workbook_and_imports_it_on_the_countrys_behalf(
    db, client, login, world
):
    login(world.coordinator)
    round_page = client.get(f"/rounds/{world.round.id}").get_data(as_text=True)
    assert f'href="/offline/rounds/{world.round.id}/countries/{world.country.id}"' in round_page
    page = client.get(f"/offline/rounds/{world.round.id}/countries/{world.country.id}")
    assert page.status_code == 200
    assert "You are acting on behalf of the country's respondents (Niger)" in page.get_data(
        as_text=True
    )
    book = download(client, world.round.id, world.country.id, blank="1")
    filled = fill(book, {"legal_tip_offence": "No", "protection_shelters": 1})
    html = upload(client, world.round.id, world.country.id, filled).get_data(as_text=True)
    assert confirm(client, world.round.id, world.country.id, html).status_code == 302

    from surveys.responses.operations import find_submission

    submission = find_submission(world.round.id, world.country.id)
    answers = answers_by_question(submission)
    assert {q: (a.value, a.updated_by_id) for q, a in answers.items()} == {
        "legal_tip_offence": ("no", world.coordinator.id),
        "protection_shelters": (1, world.coordinator.id),
    }
    assert {r.saved_by_id for r in history(db, submission, "legal_tip_offence")} == {
        world.coordinator.id
    }
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "offline.imported"))
    assert event.actor_id == world.coordinator.id and event.target_id == submission.id
    assert event.details["on_behalf"] is True and event.details["saved"] == 2
    assert event.details["files"][0]["areas"] == ["legal", "protection"]


def test_a_blank_workbook_never_erases_answers_saved_online(db, client, login, world, started):
    colleague_saves(db, world, started, "protection", {"protection_shelters": AnswerInput(4)})
    login(world.coordinator)
    book = download(client, world.round.id, world.country.id, blank="1")
    html = upload(
        client, world.round.id, world.country.id, fill(book, {"legal_tip_offence": "Yes"})
    )
    assert (
        confirm(client, world.round.id, world.country.id, html.get_data(as_text=True)).status_code
        == 302
    )
    db.session.expire_all()
    values = {q: a.value for q, a in answers_by_question(started).items()}
    assert values == {"protection_shelters": 4, "legal_tip_offence": "yes"}


def test_who_may_use_the_offline_pages(db, client, login, world, started, create_user):
    url = f"/offline/rounds/{world.round.id}/countries/{world.country.id}"
    login(world.stranger)  # a respondent of another country
    assert client.get(url).status_code == 404
    assert client.get(url + "/workbook").status_code == 404
    assert client.post(url + "/import", data={}).status_code == 404
    login(create_user("analyst"))
    assert client.get(url).status_code == 403
    login(world.respondent)
    page = client.get(url).get_data(as_text=True)
    assert "You are acting on behalf" not in page and 'name="workbook"' in page
    submission_page = client.get(f"/submissions/{started.id}").get_data(as_text=True)
    assert url in submission_page
