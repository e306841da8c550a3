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

from surveys.i18n import in_language
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.responses.area_html import area_parts
from surveys.responses.forms import area_form_class, posted_part
from surveys.responses.merge import field_prints
from surveys.responses.models import Submission
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


def _parts(version, area_id: str, language: str):
    """An area's parts as a page in `language` gets them (inside a request)."""
    definition = version.definition
    area = definition.area(area_id)
    with in_language(language):
        form_class = area_form_class(definition, area, language, version.sha256)
        return area_parts(form_class, definition, area, language)


def test_an_areas_parts_are_built_once_per_version_area_and_language(
    app, db, world, create_version
):
    newer = create_version(MINI_V2)
    with app.test_request_context():
        english = _parts(world.version, "legal", "en")
        db.session.expire_all()  # a new request reads the version again
        version = db.session.get(QuestionnaireVersion, world.version.id)
        assert _parts(version, "legal", "en") is english
        french = _parts(version, "legal", "fr")
        assert french is not english
        assert (english.texts["comment"], french.texts["comment"]) == ("Comment", "Commentaire")
        assert "Comments on the legal" in english.questions["legal_notes"].heading[0]
        assert "Commentaires sur le cadre" in french.questions["legal_notes"].heading[0]
        assert _parts(version, "protection", "en") is not english
        assert _parts(newer, "legal", "en") is not english
        assert _parts(newer, "legal", "fr") is not french


@pytest.mark.parametrize(
    "data",
    [
        {},
        {
            "legal_tip_offence": "yes",
            "legal_instruments": ["untoc", "tip_protocol"],
            "legal_strategy_maturity": 3,
            "legal_last_review": "2024-03-16",
            "legal_notes": 'Notes "quoted" <b>',
            "legal_notes-comment": None,
            "legal_tip_offence-confirm": "y",
            "protection_shelters": "12",
            "protection_assisted_share-na": 1,
            "protection_statistics-prosecuted-2025-total": "3",
            "protection_statistics-source": "Ministry",
        },
        {"legal_instruments": None, "legal_tip_offence": None, "legal_notes": 12},
        {"legal_instruments": 5, "legal_tip_offence": ["a"], "legal_notes": ""},
        {"legal_instruments": "untoc", "legal_tip_offence-confirm": "", "lock_version": 3},
    ],
)
@pytest.mark.parametrize("area_id", ["legal", "protection"])
def test_a_pages_field_data_and_prints_are_what_a_wtforms_form_holds(app, world, data, area_id):
    with app.test_request_context():
        version = world.version
        definition = version.definition
        area = definition.area(area_id)
        parts = _parts(version, area_id, "en")
        form = _form_class(version, area_id, "en")(formdata=None, data=data)
        values = parts.values(data)
        assert values == {name: form[name].data for name in form._fields}
        assert parts.prints(values) == field_prints(form, area)


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


def _tables(db) -> dict[str, dict[object, dict[str, object]]]:
    """Every row of every table, by primary key: what the database holds."""
    db.session.expire_all()
    found = {}
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        found[table.name] = {
            tuple(row[c.name] for c in key): dict(row)
            for row in db.session.execute(sa.select(table)).mappings()
        }
    return found


def _differences(before: dict, after: dict) -> dict[str, dict[str, object]]:
    """Per table: rows added, removed, and for changed rows the columns that changed."""
    out: dict[str, dict[str, object]] = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, {}), after.get(name, {})
        changed = {
            key: sorted(c for c in new[key] if new[key][c] != old[key][c])
            for key in old.keys() & new.keys()
            if new[key] != old[key]
        }
        added = [new[key] for key in new.keys() - old.keys()]
        removed = sorted(old.keys() - new.keys())
        if changed or added or removed:
            out[name] = {"changed": changed, "added": added, "removed": removed}
    return out


def _one_field_autosave_changes_only_that_field(db, page, started, author, **change) -> None:
    [(name, value)] = change.items()
    question_id = name.split("-", 1)[0]
    before = _tables(db)
    lock_before = db.session.get(Submission, started.id).lock_version
    reply = page.autosave(**change)
    assert reply.status_code == 200
    assert set(reply.get_json()["base"]) == {name}
    after = _tables(db)

    differences = _differences(before, after)
    assert differences.keys() == {"submissions", "answers", "answer_revisions"}
    assert differences["submissions"] == {
        "changed": {(started.id,): ["last_activity_at", "lock_version"]},
        "added": [],
        "removed": [],
    }
    [(answer_key, columns)] = differences["answers"]["changed"].items()
    answer = after["answers"][answer_key]
    assert answer["question_id"] == question_id
    assert set(columns) <= {"comment", "updated_at", "updated_by_id"} and "comment" in columns
    assert answer["comment"] == value and answer["updated_by_id"] == author.id
    assert not differences["answers"]["added"] and not differences["answers"]["removed"]
    [revision] = differences["answer_revisions"]["added"]
    assert not differences["answer_revisions"]["changed"]
    assert {k: revision[k] for k in ("question_id", "comment", "source", "saved_by_id")} == {
        "question_id": question_id,
        "comment": value,
        "source": "saved",
        "saved_by_id": author.id,
    }
    assert (revision["value"], revision["not_applicable"], revision["na_justification"]) == (
        answer["value"],
        answer["not_applicable"],
        answer["na_justification"],
    )
    assert revision["based_on_version"] == int(page.sent_lock_version)
    lock_after = db.session.get(Submission, started.id).lock_version
    assert lock_after == lock_before + 1 == reply.get_json()["lock_version"]


def test_an_autosave_of_one_field_changes_only_that_field_and_its_revision(
    app, client, db, login, world, started
):
    """Every table of the database compared before and after (both databases)."""
    login(world.respondent)
    page = Page(app, client, started)
    filled = page.submit(
        legal_tip_offence="yes",
        legal_framework_status="draft",
        legal_notes="Notes",
        **{"legal_notes-comment": "Old comment", "legal_tip_offence-comment": "Kept"},
    )
    assert filled.status_code == 302
    page = Page(app, client, started)
    _one_field_autosave_changes_only_that_field(
        db, page, started, world.respondent, **{"legal_notes-comment": "New comment"}
    )
    assert "server" not in page.last_reply  # not stale: no field's stored value is resent
    # The next one, on the version the reply gave, too.
    _one_field_autosave_changes_only_that_field(
        db, page, started, world.respondent, **{"legal_tip_offence-comment": "Changed"}
    )


def test_a_stale_one_field_autosave_changes_only_that_field_too(
    app, client, db, login, world, started
):
    """A colleague saved another answer since the page was loaded: the autosave is merged,
    writes its one field, and the reply brings the colleague's value."""
    login(world.respondent)
    page = Page(app, client, started)
    assert page.submit(legal_notes="Notes", legal_tip_offence="yes").status_code == 302
    page = Page(app, client, started)
    colleague = app.test_client()
    login(world.colleague, on=colleague)
    theirs = Page(app, colleague, started)
    assert theirs.autosave(legal_notes="Their notes").status_code == 200
    _one_field_autosave_changes_only_that_field(
        db, page, started, world.respondent, **{"legal_tip_offence-comment": "Mine"}
    )
    server = page.last_reply["server"]
    assert server["legal_notes"]["value"] == ["Their notes"]
    assert page.body["legal_notes"] == "Their notes"


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
