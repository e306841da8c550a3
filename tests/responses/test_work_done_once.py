"""Issue 18: work done once per process, light widgets, saves that write what changed.

A published version cannot change, so its parsed definition and the form classes of its areas
are kept per process, keyed by the version's hash: only a new version (a new hash) gives new
ones, and two languages or two versions never share a form class. The fast widget writer
writes what WTForms writes. An autosave of one field changes that field's answer and revision
and nothing else.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from markupsafe import Markup
from wtforms.meta import DefaultMeta

from surveys.questionnaire.models import QuestionnaireVersion
from surveys.responses.forms import area_form_class, posted_part
from surveys.responses.models import Answer, AnswerRevision, Submission
from surveys.responses.widgets import render_field
from tests.conftest import MINI_V2
from tests.responses.test_merging import JSON, Page


def _form_class(version, area_id: str, language: str):
    definition = version.definition
    return area_form_class(definition, definition.area(area_id), language, version.sha256)


def test_a_versions_definition_is_parsed_once_and_survives_reloads(db, world):
    first = world.version.definition
    db.session.expire_all()  # a new request reads the row again
    again = db.session.get(QuestionnaireVersion, world.version.id)
    assert again.definition is first


def test_a_new_version_gets_its_own_definition_and_forms(db, world, create_version):
    newer = create_version(MINI_V2)
    assert newer.sha256 != world.version.sha256
    assert newer.definition is not world.version.definition
    assert _form_class(newer, "legal", "en") is not _form_class(world.version, "legal", "en")


def test_an_areas_form_class_is_built_once_per_version_area_and_language(db, world):
    english = _form_class(world.version, "legal", "en")
    db.session.expire_all()
    version = db.session.get(QuestionnaireVersion, world.version.id)
    assert _form_class(version, "legal", "en") is english
    french = _form_class(version, "legal", "fr")
    assert french is not english
    question = version.definition.area("legal").questions[0]
    assert str(english.__dict__[question.id].args[0]) != str(french.__dict__[question.id].args[0])
    assert _form_class(version, "protection", "en") is not english


def test_the_part_of_an_area_an_autosave_posts_has_a_form_of_its_own(app, db, world):
    definition = world.version.definition
    area = definition.area("legal")
    part = posted_part(area, ["legal_notes-comment", "lock_version", "base"])
    assert [q.id for q in part.questions] == ["legal_notes"]
    assert posted_part(area, [f"{q.id}" for q in area.questions]) is area
    whole = area_form_class(definition, area, "en", world.version.sha256)
    partial = area_form_class(definition, part, "en", world.version.sha256)
    assert partial is not whole
    with app.test_request_context():
        fields = set(partial()._fields)
    assert fields - {"csrf_token"} == {
        "lock_version",
        "base",
        "legal_notes",
        "legal_notes-comment",
        "legal_notes-confirm",
    }


@pytest.mark.parametrize(
    ("name", "render_kw"),
    [
        ("legal_notes", {}),
        ("legal_notes", {"aria_describedby": "x-hint", "aria-invalid": "true"}),
        ("legal_notes-comment", {"rows": 3}),
        ("legal_last_review", {"aria-invalid": False, "data_x": 'a "quoted" <b>'}),
        ("legal_notes-confirm", {}),
        ("lock_version", {}),
        ("base", {"value": Markup('{"a":"b"}')}),
    ],
)
def test_the_fast_widget_writer_writes_what_wtforms_writes(app, world, name, render_kw):
    with app.test_request_context():
        form = _form_class(world.version, "legal", "en")(
            formdata=None,
            data={
                "legal_notes": 'Notes with "quotes" & <tags>',
                "legal_notes-comment": "Line one\nline two",
                "legal_notes-confirm": True,
                "legal_last_review": "2024-03-16",
                "base": "{}",
            },
        )
        field = form[name]
        assert render_field(field, dict(render_kw)) == DefaultMeta().render_field(
            field, dict(render_kw)
        )


def test_the_fast_widget_writer_writes_radio_options_as_wtforms(app, world):
    with app.test_request_context():
        form = _form_class(world.version, "legal", "en")(
            formdata=None, data={"legal_tip_offence": "yes", "legal_instruments": ["untoc"]}
        )
        for name in ("legal_tip_offence", "legal_instruments"):
            for option in form[name]:
                assert render_field(option, {}) == DefaultMeta().render_field(option, {})


def _rows(db, submission_id: int):
    db.session.expire_all()
    answers = {
        a.question_id: (a.value, a.not_applicable, a.na_justification, a.comment, a.updated_at)
        for a in db.session.scalars(sa.select(Answer).where(Answer.submission_id == submission_id))
    }
    revisions = db.session.scalars(
        sa.select(AnswerRevision.question_id)
        .where(AnswerRevision.submission_id == submission_id)
        .order_by(AnswerRevision.id)
    ).all()
    return answers, revisions


def test_an_autosave_of_one_field_changes_only_that_field_and_its_revision(
    app, client, db, login, world, started
):
    login(world.respondent)
    page = Page(app, client, started)
    filled = page.submit(
        legal_tip_offence="yes",
        legal_framework_status="draft",
        legal_notes="Notes",
        **{"legal_notes-comment": "Old comment", "legal_tip_offence-comment": "Kept"},
    )
    assert filled.status_code == 302
    before, revisions_before = _rows(db, started.id)
    lock_before = db.session.get(Submission, started.id).lock_version

    page = Page(app, client, started)
    reply = page.autosave(**{"legal_notes-comment": "New comment"})
    assert reply.status_code == 200
    assert set(reply.get_json()["base"]) == {"legal_notes-comment"}
    assert "server" not in reply.get_json()  # not stale: no field's stored value is resent

    after, revisions_after = _rows(db, started.id)
    assert revisions_after == [*revisions_before, "legal_notes"]
    assert after["legal_notes"][:4] == ("Notes", False, "", "New comment")
    assert after["legal_notes"][4] != before["legal_notes"][4]
    assert {k: v for k, v in after.items() if k != "legal_notes"} == {
        k: v for k, v in before.items() if k != "legal_notes"
    }
    assert db.session.get(Submission, started.id).lock_version == lock_before + 1


def test_a_one_field_autosave_is_a_small_urlencoded_body(app, client, login, world, started):
    login(world.respondent)
    page = Page(app, client, started)
    body = {
        "lock_version": page.body["lock_version"],
        "legal_notes": "x" * 200,
        "base": json.dumps({"legal_notes": page.base["legal_notes"]}),
    }
    from urllib.parse import urlencode

    assert len(urlencode(body)) <= 2048
    response = client.post(
        page.url,
        data=urlencode(body),
        content_type="application/x-www-form-urlencoded",
        headers=JSON,
    )
    assert response.status_code == 200
    assert response.get_json()["base"].keys() == {"legal_notes"}
