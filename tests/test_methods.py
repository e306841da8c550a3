"""Writes happen on POST only (issue 10, point 2): every rule of `app.url_map` gets HEAD, PUT,
PATCH and DELETE with a valid session and a body a browser would post there, and no row of any
table changes. (HEAD once erased an area's answers and started submissions; CSRF protection does
not check it.)"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import sqlalchemy as sa

from tests.crawl import (
    build_world,
    client_as,
    collect_forms,
    identities_for,
    reset_database,
    url_for_rule,
)
from tests.test_access_matrix import QUERY_STRINGS

METHODS = ("HEAD", "PUT", "PATCH", "DELETE")


def database_state(db) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(sa.select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def send_every_method(app, login, world, forms, rule, problems: list[str]) -> int:
    """HEAD (as every visitor allowed), PUT, PATCH and DELETE to one rule; how many requests."""
    url = url_for_rule(rule, world)
    form = forms.get((rule.endpoint, "POST"))
    # The form's own body, the same with its answers emptied (the HEAD that erased an area) and
    # with its texts changed.
    bodies = [None, urlencode(list(form.body().items(multi=True))) if form else "a=b"]
    if form is not None:
        bodies.append(urlencode([(k, "") for k in form.body()]))
        changed = form.body()
        for name in form.text_names():
            changed.setlist(name, ["Written by a HEAD request"])
        bodies.append(urlencode(list(changed.items(multi=True))))
    query = QUERY_STRINGS[rule.endpoint](world) if rule.endpoint in QUERY_STRINGS else None
    requests = 0
    for number, identity in enumerate(identities_for(app, rule.endpoint)):
        client = client_as(app, login, world, identity)
        for method in METHODS:
            if method != "HEAD" and number > 0:
                continue  # refused by the routing (405) before any view: one visitor will do
            for body in bodies if method == "HEAD" else bodies[1:2]:
                response = client.open(
                    url,
                    method=method,
                    data=body,
                    query_string=query,
                    content_type="application/x-www-form-urlencoded",
                    headers={"Accept": "text/html"},
                )
                response.close()
                requests += 1
                if response.status_code >= 500:
                    problems.append(f"{method} {url} as {identity}: {response.status_code}")
    return requests


def test_no_method_but_post_changes_anything(app, db, factories, login):
    forms = collect_forms(app, db, factories, login)
    reset_database(db)
    world = build_world(db, factories)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )
    problems: list[str] = []
    before = database_state(db)
    requests = sum(send_every_method(app, login, world, forms, r, problems) for r in rules)
    if database_state(db) != before:  # find which rules: one at a time, with a fresh world
        for rule in rules:
            reset_database(db)
            world = build_world(db, factories)
            state = database_state(db)
            send_every_method(app, login, world, forms, rule, [])
            if database_state(db) != state:
                problems.append(f"{rule.rule} ({rule.endpoint}): the database changed")
    print(
        f"\n{requests} HEAD/PUT/PATCH/DELETE requests to {len(rules)} rules, "
        f"{len(problems)} problems"
    )
    assert requests > 500
    assert not problems, "\n".join(problems)


def test_a_head_request_on_the_start_link_starts_nothing(
    app, db, client, login, create_country, create_user, create_version, create_round
):
    from surveys.responses.models import Submission

    niger = create_country("NE")
    round_ = create_round(create_version(), [niger])
    login(create_user("respondent", countries=[niger]))
    url = f"/rounds/{round_.id}/countries/{niger.id}/answers"
    assert client.head(url).status_code == 200
    assert client.open(url, method="HEAD", data={"x": "1"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
    assert client.post(url).status_code == 302  # the button still starts it
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1


def test_a_head_request_on_an_area_erases_nothing(app, db, client, login, factories):
    world = build_world(db, factories, wanted={"submission_id"})
    login(world.users["respondent"])
    url = f"/submissions/{world.submission.id}/areas/legal"
    response = client.open(url, method="HEAD", data="legal_tip_offence=")  # 19 bytes
    assert response.status_code == 200
    db.session.expire_all()
    from surveys.responses.operations import answers_by_question

    assert answers_by_question(world.submission)["legal_tip_offence"].value == "yes"


def test_a_download_answered_to_head_records_nothing(app, db, client, login, factories):
    """A GET may record that a workbook was downloaded; a HEAD downloads nothing."""
    from surveys.audit.models import AuditEvent

    world = build_world(db, factories, wanted={"round_id"})
    login(world.users["analyst"])
    count = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "export.scorecard")
    url = f"/exports/rounds/{world.round.id}/scorecard.xlsx"
    with client.head(url) as response:  # the workbook is built, and its file closed unread
        assert response.status_code == 200
    assert db.session.scalar(count) == 0
    with client.get(url) as download:
        assert download.status_code == 200
    assert db.session.scalar(count) == 1
