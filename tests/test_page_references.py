"""Every reference a page makes to one of its own elements leads somewhere: a label's `for`, an
`aria-describedby`, `aria-labelledby` or `aria-controls`, a control's `form`, a link to `#id`;
and no two elements share an id (the hidden CSRF inputs of a page's forms did). A broken one is a
link that goes nowhere, or a field whose label or message assistive technology cannot find (the
data-quality page linked to its table of failures when it had none to show).

Every page of the application, as each crawler of tests/crawl.py sees it, in the access
matrix's world; then the submission's pages again in each status that shows other forms."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.demo import load_demo
from surveys.demo.rounds import closed_demo_round, open_demo_round
from tests.crawl import (
    SUBMISSION_STATUS,
    build_world,
    crawl_pages,
    pages_of_people,
    reset_database,
    set_submission_status,
)

REFERRING = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "form")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.references: list[tuple[str, str]] = []  # (attribute, id)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if identifier := attributes.get("id"):
            self.ids[identifier] += 1
        for name in REFERRING:
            self.references.extend((name, ref) for ref in attributes.get(name, "").split())
        href = attributes.get("href", "")
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.references.append(("href", href[1:]))


def page_problems(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    broken = [
        f'{name}="{ref}" leads nowhere' for name, ref in parser.references if ref not in parser.ids
    ]
    repeated = [f'id="{ref}" {n} times' for ref, n in parser.ids.items() if n > 1]
    return sorted(set(broken)) + repeated


def _problems_of_every_page(app, login, world, naming: str | None = None) -> dict[str, list]:
    found: dict[str, list] = {}
    for identity, path, html in crawl_pages(app, login, world, naming=naming):
        if problems := page_problems(html):
            found[f"{identity} {path}"] = problems
    return found


def test_every_reference_within_a_page_leads_somewhere(app, db, factories, login, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # pages as served: with tokens
    reset_database(db)
    world = build_world(db, factories)
    found = _problems_of_every_page(app, login, world)
    for status in sorted(set(SUBMISSION_STATUS.values())):
        set_submission_status(db, world, status)
        found.update(_problems_of_every_page(app, login, world, naming="submission_id"))
    assert not found, found


def test_the_check_sees_a_broken_reference_and_a_repeated_id():
    page = (
        '<label for="name">Name</label><input id="name">'
        '<a href="#nowhere">Go</a><p id="twice"></p><p id="twice"></p>'
        '<input type="hidden" id="token"><input type="hidden" id="token">'
        '<input aria-describedby="name-hint name">'
    )
    assert page_problems(page) == [
        'aria-describedby="name-hint" leads nowhere',
        'href="nowhere" leads nowhere',
        'id="twice" 2 times',
        'id="token" 2 times',
    ]


def test_the_demos_pages_of_many_forms_repeat_no_id(app, db, login, monkeypatch):
    """The coordinator's and the administrator's pages that hold a form a row (a round's
    countries, the cadences, a person's actions): each form's CSRF input had id "csrf_token"."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # pages as served: with tokens
    load_demo()
    people = db.session.scalars(sa.select(User).order_by(User.id)).all()
    by_role = {p.email.split("@")[0]: p for p in people}
    pages = {
        "coordinator": [
            "/rounds/",
            "/rounds/cadences",
            f"/rounds/{open_demo_round().id}",
            f"/rounds/{closed_demo_round().id}",
        ],
        "admin": ["/people", *(f"/people/{person.id}" for person in people[:6])],
    }
    found = {
        path: problems
        for _role, path, html in pages_of_people(app, login, by_role, pages)
        if (problems := page_problems(html))
    }
    assert not found, found
