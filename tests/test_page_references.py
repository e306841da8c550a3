"""Every reference a page makes to one of its own elements leads somewhere: a label's `for`, an
`aria-describedby`, `aria-labelledby` or `aria-controls`, a control's `form`, a link to `#id`;
and no two elements a person can reach share an id (hidden inputs aside). A broken one is a
link that goes nowhere, or a field whose label or message assistive technology cannot find (the
data-quality page linked to its table of failures when it had none to show).

Every page of the application, as each crawler of tests/crawl.py sees it, in the access
matrix's world; then the submission's pages again in each status that shows other forms."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from tests.crawl import (
    SUBMISSION_STATUS,
    build_world,
    crawl_pages,
    reset_database,
    set_submission_status,
)

REFERRING = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "form")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.reachable: Counter[str] = Counter()  # ids of elements other than hidden inputs
        self.references: list[tuple[str, str]] = []  # (attribute, id)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if identifier := attributes.get("id"):
            self.ids.add(identifier)
            if not (tag == "input" and attributes.get("type", "").lower() == "hidden"):
                self.reachable[identifier] += 1
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
    repeated = [f'id="{ref}" {n} times' for ref, n in parser.reachable.items() if n > 1]
    return sorted(set(broken)) + repeated


def _problems_of_every_page(app, login, world, naming: str | None = None) -> dict[str, list]:
    found: dict[str, list] = {}
    for identity, path, html in crawl_pages(app, login, world, naming=naming):
        if problems := page_problems(html):
            found[f"{identity} {path}"] = problems
    return found


def test_every_reference_within_a_page_leads_somewhere(app, db, factories, login):
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
    ]
