"""Two people on one area never revert each other (issue 10, point 1): a save writes only the
fields its person changed, compared field by field with what their page showed, whether it
comes from the autosave script (only the changed fields) or from the plain form (every field).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from surveys.responses.models import Answer, AnswerRevision
from surveys.responses.operations import answers_by_question
from tests.crawl import forms_of_page

JSON = {"Accept": "application/json"}


class Page:
    """One person's area page as their browser holds it: the form's values and base prints."""

    def __init__(self, app, client, submission, area="legal") -> None:
        self.client = client
        self.url = f"/submissions/{submission.id}/areas/{area}"
        html = client.get(self.url).get_data(as_text=True)
        [form] = [f for f in forms_of_page(app, html, self.url) if f.endpoint == "responses.area"]
        self.body = form.body()
        self.base = json.loads(self.body["base"])

    def autosave(self, **changes):
        """What the script posts: the changed fields, each with the print it was changed from."""
        data = {"lock_version": self.body["lock_version"]}
        data.update(changes)
        data["base"] = json.dumps({name: self.base[name] for name in changes})
        self.sent_lock_version = data["lock_version"]
        response = self.client.post(self.url, data=data, headers=JSON)
        if response.status_code in (200, 422):
            self.last_reply = response.get_json()
            self.take(self.last_reply, changes)
        return response

    def take(self, reply: dict, sent: dict) -> None:
        """As the script does: acknowledged prints, then the stored values of untouched fields."""
        self.body["lock_version"] = str(reply["lock_version"])
        for name, value in sent.items():
            if name in reply["base"]:
                self.base[name] = reply["base"][name]
                self.body.setlist(name, [value])
        for name, stored in reply.get("server", {}).items():
            if stored["print"] != self.base.get(name):
                self.body.setlist(name, stored["value"])
                self.base[name] = stored["print"]

    def submit(self, **changes):
        """The plain form (no script): every field, with the page's base prints."""
        data = self.body.copy()
        for name, value in changes.items():
            data.setlist(name, [value])
        data["base"] = json.dumps(self.base)
        return self.client.post(self.url, data=data)


def stored(db, submission, question_id):
    db.session.expire_all()
    return answers_by_question(submission).get(question_id)


def authors(db, submission, question_id) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(AnswerRevision.saved_by_id).where(
                AnswerRevision.submission_id == submission.id,
                AnswerRevision.question_id == question_id,
            )
        )
    )


@pytest.fixture
def two_pages(app, login, world, started):
    mine, theirs = app.test_client(), app.test_client()
    login(world.respondent, on=mine)
    login(world.colleague, on=theirs)
    return Page(app, mine, started), Page(app, theirs, started)


def test_the_issues_scenario_no_longer_reverts_the_colleagues_comment(
    db, world, started, two_pages
):
    a, b = two_pages
    assert a.autosave(**{"legal_notes-comment": "A's comment"}).status_code == 200
    # B's page still shows X empty; B comments on Y: merged, and B's page takes A's comment.
    reply = b.autosave(**{"legal_tip_offence-comment": "B's comment"})
    assert reply.status_code == 200
    server = reply.get_json()["server"]
    assert server["legal_notes-comment"]["value"] == ["A's comment"]
    assert b.body["legal_notes-comment"] == "A's comment"
    # B's next autosave (another change of Y) is not stale, and still leaves X alone.
    assert b.autosave(**{"legal_tip_offence-comment": "B's second comment"}).status_code == 200
    assert stored(db, started, "legal_notes").comment == "A's comment"
    assert authors(db, started, "legal_notes") == {world.respondent.id}
    assert authors(db, started, "legal_tip_offence") == {world.colleague.id}


def test_a_stale_plain_form_writes_only_the_fields_its_person_changed(
    db, world, started, two_pages
):
    a, b = two_pages
    assert a.submit(legal_notes="A's notes", legal_tip_offence="yes").status_code == 302
    # B's page (loaded before) still shows both empty; B only answers another question.
    assert b.submit(legal_framework_status="draft").status_code == 302
    assert stored(db, started, "legal_notes").value == "A's notes"
    assert stored(db, started, "legal_tip_offence").value == "yes"
    assert stored(db, started, "legal_framework_status").value == "draft"
    assert authors(db, started, "legal_notes") == {world.respondent.id}


def test_two_fields_of_one_question_changed_by_two_people_are_both_kept(
    db, world, started, two_pages
):
    a, b = two_pages
    assert a.autosave(legal_notes="A's notes").status_code == 200
    assert b.submit(**{"legal_notes-comment": "B's comment"}).status_code == 302
    answer = stored(db, started, "legal_notes")
    assert (answer.value, answer.comment) == ("A's notes", "B's comment")


def test_the_same_field_changed_by_both_is_a_conflict_with_both_values_kept(
    db, world, started, two_pages
):
    a, b = two_pages
    assert a.autosave(legal_notes="A's notes").status_code == 200
    reply = b.autosave(legal_notes="B's notes", **{"legal_tip_offence-comment": "B's comment"})
    assert reply.status_code == 409
    assert stored(db, started, "legal_notes").value == "A's notes"
    assert stored(db, started, "legal_tip_offence").comment == "B's comment"  # no clash there
    kept = db.session.scalars(
        sa.select(AnswerRevision.value).where(AnswerRevision.source == "conflict")
    ).all()
    assert kept == ["B's notes"]


def test_a_checkbox_unticked_by_the_script_is_sent_as_a_field_with_no_value(
    db, world, started, two_pages
):
    a, _ = two_pages
    assert a.submit(legal_instruments="untoc").status_code == 302
    page = Page(a.client.application, a.client, started)
    reply = page.client.post(
        page.url,
        data={
            "lock_version": page.body["lock_version"],
            "base": json.dumps({"legal_instruments": page.base["legal_instruments"]}),
        },
        headers=JSON,
    )
    assert reply.status_code == 200
    assert stored(db, started, "legal_instruments").value is None


def test_a_one_field_autosave_is_small(app, client, login, world, started):
    login(world.respondent)
    page = Page(app, client, started)
    from werkzeug.test import EnvironBuilder

    body = {
        "lock_version": page.body["lock_version"],
        "legal_notes-comment": "A short comment on the legal framework",
        "base": json.dumps({"legal_notes-comment": page.base["legal_notes-comment"]}),
    }
    size = len(EnvironBuilder(method="POST", data=body).get_request().get_data())
    assert size <= 2048, size
    assert page.autosave(**{"legal_notes-comment": body["legal_notes-comment"]}).status_code == 200


def test_a_refused_value_keeps_its_base_so_a_later_save_still_sees_a_colleague(
    db, world, started, two_pages
):
    a, b = two_pages
    bad = a.client.post(
        a.url,
        data={
            "lock_version": a.body["lock_version"],
            "legal_last_review": "31/02/2020",
            "base": json.dumps({"legal_last_review": a.base["legal_last_review"]}),
        },
        headers=JSON,
    )
    assert bad.status_code == 422
    assert "legal_last_review" not in bad.get_json()["base"]  # not acknowledged
    assert b.autosave(legal_last_review="2020-02-01").status_code == 200
    # A corrects the date, still based on what A's page showed: both changed it, a conflict.
    assert a.autosave(legal_last_review="2020-02-28").status_code == 409
    assert stored(db, started, "legal_last_review").value == "2020-02-01"


def test_confirming_a_carried_over_answer_while_editing_its_comment_does_both(
    app, client, db, login, world, started
):
    """Issue 10, point 8: the confirmation applies whatever else the same post changes."""
    db.session.add(
        Answer(submission_id=started.id, question_id="legal_notes", value="Old", carried_over=True)
    )
    db.session.commit()
    login(world.respondent)
    page = Page(app, client, started)
    data = page.body.copy()
    data["legal_notes-comment"] = "Still true in 2026"
    data["action"] = "confirm_all"
    data["base"] = json.dumps(page.base)
    assert client.post(page.url, data=data).status_code == 302
    answer = stored(db, started, "legal_notes")
    assert (answer.comment, answer.carried_over) == ("Still true in 2026", False)
    overview = client.get(f"/submissions/{started.id}").get_data(as_text=True)
    assert "Confirm or update the answer carried over" not in overview
