"""NUL and other control characters in any text input (issue 10, point 3): PostgreSQL refused
them with a 500 (comments, short text, names, queries, round labels, the e-mail of the sign-in
and reset forms), and the autosave then retried for ever. They are removed from every request
parameter before any view reads it; this test types them into every text input of every form
the pages show, on each database, and finds no error and no control character stored."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from surveys.inputs import CleanMultiDict, clean_text
from tests.crawl import (
    FORM_WORLD,
    SUBMISSION_STATUS,
    build_world,
    client_as,
    collect_forms,
    forms_of_page,
    identities_for,
    reset_database,
    set_submission_status,
    url_for_rule,
)

TYPED = "Before\x00in\x01the\x08middle\x0b\x1f\x7fafter"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Inputs the issue found failing, as (endpoint, field name pattern): each must be covered.
REPORTED = [
    ("responses.area", r".+-comment$"),
    ("responses.area", r"^protection_focal_point$"),  # a short-text answer
    ("responses.area", r"^legal_notes$"),  # a long-text answer
    ("accounts.profile", r"^name$"),
    ("accounts.invite", r"^name$"),
    ("review.ask", r"^text$"),
    ("rounds.create", r"^period_label$"),
    ("accounts.login", r"^email$"),
    ("accounts.forgot_password", r"^email$"),
    ("accounts.people", r"^q$"),  # a search, sent by GET
]


def texts(value) -> list[str]:
    """The strings in a column value (JSON values included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.items() for part in item for text in texts(part)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in texts(item)]
    return []


def stored_control_characters(db) -> list[str]:
    """Text anywhere in the database holding a control character (tab and breaks allowed)."""
    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if any(CONTROL.search(text) for text in texts(value)):
                        found.append(f"{table.name}.{column.name}")
    return found


def every_form(app, db, factories, login) -> list[tuple[str, str, str, object]]:
    """(endpoint, method, url path, form) of every form, and of every area page (the world's
    URLs name one area)."""
    forms = collect_forms(app, db, factories, login)
    rules = {r.endpoint: r for r in app.url_map.iter_rules() if r.endpoint != "static"}
    reset_database(db)
    world = build_world(db, factories, wanted=FORM_WORLD)
    listed = []
    for (endpoint, method), form in sorted(forms.items()):
        listed.append((endpoint, method, url_for_rule(rules[endpoint], world), form))
    client = client_as(app, login, world, "respondent")
    for area in world.submission.round.version.definition.areas:
        path = f"/submissions/{world.submission.id}/areas/{area.id}"
        page = client.get(path).get_data(as_text=True)
        for form in forms_of_page(app, page, path):
            if form.endpoint == "responses.area" and path not in {u for *_, u, _f in listed}:
                listed.append((form.endpoint, "POST", path, form))
    return listed


def test_every_text_input_of_every_form_takes_control_characters(app, db, factories, login):
    forms = every_form(app, db, factories, login)
    reset_database(db)
    world = build_world(db, factories, wanted=FORM_WORLD)
    covered, problems = [], []
    for endpoint, method, url, form in forms:
        set_submission_status(db, world, SUBMISSION_STATUS.get(endpoint, "draft"))
        identity = identities_for(app, endpoint)[0]
        for name in form.text_names():
            client = client_as(app, login, world, identity)
            body = form.body()
            body.setlist(name, [TYPED])
            if method == "GET":
                response = client.get(url, query_string=list(body.items(multi=True)))
            else:
                response = client.post(url, data=body, content_type="multipart/form-data")
            response.close()
            covered.append((endpoint, name))
            if response.status_code >= 500:
                problems.append(f"{endpoint} {name} as {identity}: {response.status_code}")
    problems.extend(f"stored in {where}" for where in stored_control_characters(db))
    print(f"\n{len(covered)} text inputs of {len({e for e, _ in covered})} forms given {TYPED!r}")
    missing = [
        (endpoint, pattern)
        for endpoint, pattern in REPORTED
        if not any(e == endpoint and re.search(pattern, n) for e, n in covered)
    ]
    assert not missing, f"text inputs the crawl did not find: {missing}"
    assert not problems, "\n".join(problems)


def test_a_comment_typed_with_nul_is_stored_without_it(app, db, login, factories):
    world = build_world(db, factories, wanted={"submission_id"})
    client = client_as(app, login, world, "respondent")
    url = f"/submissions/{world.submission.id}/areas/legal"
    response = client.post(url, data={"legal_notes-comment": "Law\x00 2015-36", "base": "{}"})
    assert response.status_code == 302
    from surveys.responses.operations import answers_by_question

    db.session.expire_all()
    assert answers_by_question(world.submission)["legal_notes"].comment == "Law 2015-36"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("tab\tand\r\nbreaks\n", "tab\tand\r\nbreaks\n"),
        ("\x01\x02\x1b[31mred\x7f", "[31mred"),
        ("é 😀 \u202e", "é 😀 \u202e"),  # not control characters: kept
    ],
)
def test_clean_text_keeps_everything_but_control_characters(raw, clean):
    assert clean_text(raw) == clean
    assert CleanMultiDict([("k\x00", raw)]).getlist("k") == [clean]
