"""The forms of the application as a browser sees them: every page of `app.url_map` is opened as
each kind of visitor, and each form found is kept with what a browser would post by default.

Used by the fuzz test (bodies to break) and the NUL test (every text input of every form).
The world the pages show is the access matrix's, built in a fixed order so that its ids are the
same after every rebuild (tables are emptied with their id counters reset).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from surveys.access import PUBLIC, ROLES
from tests.test_access_matrix import (
    ANONYMOUS,
    ARGUMENTS,
    IDENTITIES,
    QUERY_STRINGS,
    ROLE_OF,
    World,
)

# What form endpoints' URLs and forms name (the archived workbook is for a download only).
FORM_WORLD = frozenset(ARGUMENTS) - {"archive_id"}
TEXT_TYPES = frozenset({"text", "email", "search", "password", "url", "tel", ""})


@dataclass
class Input:
    tag: str  # input, textarea, select, button
    type: str
    name: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)

    @property
    def is_text(self) -> bool:
        return self.tag == "textarea" or (self.tag == "input" and self.type in TEXT_TYPES)


@dataclass
class Form:
    endpoint: str
    action: str
    inputs: list[Input]
    multipart: bool = False
    method: str = "POST"

    def body(self) -> MultiDict:
        """What a browser posts when the form's first button is pressed, nothing changed."""
        data: MultiDict = MultiDict()
        button_used = False
        for item in self.inputs:
            if item.tag == "button" or item.type in ("submit", "image"):
                if item.name and not button_used:
                    data.add(item.name, item.value)
                    button_used = True
            elif item.type in ("checkbox", "radio"):
                if item.checked:
                    data.add(item.name, item.value or "on")
            elif item.type == "file":
                continue
            elif item.tag == "select":
                chosen = [v for v, selected in item.options if selected] or [
                    v for v, _ in item.options[:1]
                ]
                for value in chosen:
                    data.add(item.name, value)
            else:
                data.add(item.name, item.value)
        return data

    def text_names(self) -> list[str]:
        return list(dict.fromkeys(i.name for i in self.inputs if i.is_text and i.name))

    def file_names(self) -> list[str]:
        return [i.name for i in self.inputs if i.type == "file" and i.name]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[Input]]] = []
        self._form: list[Input] | None = None
        self._textarea: Input | None = None
        self._select: Input | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = []
            self.forms.append((attributes, self._form))
        elif self._form is None or (not attributes.get("name") and tag != "option"):
            return
        elif tag in ("input", "button"):
            kind = attributes.get("type", "submit" if tag == "button" else "text").lower()
            self._form.append(
                Input(
                    tag,
                    kind,
                    attributes["name"],
                    attributes.get("value", ""),
                    "checked" in attributes,
                )
            )
        elif tag == "textarea":
            self._textarea = Input("textarea", "textarea", attributes["name"])
            self._form.append(self._textarea)
        elif tag == "select":
            self._select = Input("select", "select", attributes["name"])
            self._form.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [attributes.get("value"), "selected" in attributes, ""]
            self._select.options.append(("", False))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select.options[-1] = (text.strip() if value is None else value, selected)
            self._option = None


def forms_of_page(app, html: str, page_path: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    adapter = app.url_map.bind("localhost")
    forms = []
    for attributes, inputs in parser.forms:
        method = attributes.get("method", "get").upper()
        action = urlsplit(attributes.get("action") or page_path).path
        try:
            endpoint, _ = adapter.match(action, method=method)
        except HTTPException:
            continue
        multipart = attributes.get("enctype", "").lower() == "multipart/form-data"
        forms.append(Form(endpoint, action, inputs, multipart, method))
    return forms


# ---------------------------------------------------------------------------- the world


def reset_database(db) -> None:
    """Empty every table; PostgreSQL id counters restart so a rebuilt world has the same ids."""
    db.session.rollback()
    db.session.expunge_all()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":  # SQLite reuses ids of an empty table by itself
            restarts = ", ".join(
                f"setval(pg_get_serial_sequence('{t.name}', 'id'), 1, false)"
                for t in tables
                if "id" in t.c and t.c.id.primary_key and t.c.id.autoincrement is not False
            )
            conn.execute(sa.text(f"SELECT {restarts}"))


def build_world(db, factories, *, wanted=None) -> World:
    """The objects URLs can name (those of `wanted` argument names, default all), created in the
    same order each time, so that their ids are too."""
    world = World(db, factories)
    world.users  # noqa: B018 - the visitors first, as the access matrix does
    for name, argument in ARGUMENTS.items():
        if wanted is None or name in wanted:
            argument.build(world)
    return world


def identities_for(app, endpoint: str) -> list[str]:
    """Who may use the endpoint: anonymous (and a respondent) for public pages, else every
    signed-in identity its policy allows."""
    policy = app.view_functions[endpoint].access_policy
    if policy.kind == PUBLIC:
        return [ANONYMOUS, "respondent"]
    signed = [identity for identity in IDENTITIES if identity != ANONYMOUS]
    if policy.kind == ROLES:
        return [identity for identity in signed if ROLE_OF[identity] in policy.roles]
    return signed


def url_for_rule(rule, world: World) -> str:
    return rule.build(
        {name: ARGUMENTS[name].build(world) for name in rule.arguments}, append_unknown=False
    )[1]


def client_as(app, login, world: World, identity: str):
    client = app.test_client()
    if identity != ANONYMOUS:
        login(world.users[identity], on=client)
    return client


CRAWLERS = (ANONYMOUS, "admin", "coordinator", "respondent")


def crawl_pages(
    app, login, world: World, *, naming: str | None = None, headers: dict | None = None
) -> Iterator[tuple[str, str, str]]:
    """(visitor, path, HTML) of every page the visitors of CRAWLERS may open (only pages whose
    URL names a `naming` argument, if given; with `headers` added to each request)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if naming is not None and naming not in rule.arguments:
            continue
        path = url_for_rule(rule, world)
        query = QUERY_STRINGS[rule.endpoint](world) if rule.endpoint in QUERY_STRINGS else None
        for identity in identities_for(app, rule.endpoint):
            if identity not in CRAWLERS:
                continue
            response = client_as(app, login, world, identity).get(
                path, query_string=query, headers={"Accept": "text/html", **(headers or {})}
            )
            if response.status_code == 200 and response.mimetype == "text/html":
                yield identity, path, response.get_data(as_text=True)
            response.close()


def pages_of_people(
    app, login, people: dict, pages: dict[str, list[str]]
) -> Iterator[tuple[str, str, str]]:
    """(who, path, HTML) of each page of `pages` (paths by key of `people`), each opened by its
    person, signed in on a client of their own; every one must answer 200."""
    for who, paths in pages.items():
        client = app.test_client()
        login(people[who], on=client)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            yield who, path, response.get_data(as_text=True)


def crawl_forms(
    app, login, world: World, *, naming: str | None = None
) -> dict[tuple[str, str], Form]:
    """Per (endpoint, method), the fullest form found on any page (only pages whose URL names a
    `naming` argument, if given), by the visitors of CRAWLERS."""
    found: dict[tuple[str, str], Form] = {}
    for _identity, path, html in crawl_pages(app, login, world, naming=naming):
        for form in forms_of_page(app, html, path):
            known = found.get((form.endpoint, form.method))
            if known is None or len(form.inputs) > len(known.inputs):
                found[form.endpoint, form.method] = form
    return found


# The submission's status that shows each endpoint's form (a draft hides the review forms).
SUBMISSION_STATUS = {
    "review.ask": "submitted",
    "review.return_submission": "submitted",
    "review.validate_submission": "submitted",
    "review.reopen_submission": "validated",
    "review.answer": "returned",
    "review.resolve": "submitted",
}


def set_submission_status(db, world: World, status: str) -> None:
    world.submission.status = status
    db.session.commit()


_COLLECTED: dict[str, dict[tuple[str, str], Form]] = {}


def collect_forms(app, db, factories, login) -> dict[tuple[str, str], Form]:
    """Every form of the application: all pages in a fresh world, then the submission's pages
    again in each status of SUBMISSION_STATUS. Read once per database and test session (worlds
    are rebuilt with the same ids); the caller builds the world it needs afterwards."""
    cache_key = repr(db.engine.url) + app.config.get("TEST_PG_SCHEMA", "")
    if cache_key not in _COLLECTED:
        _COLLECTED[cache_key] = _collect_forms(app, db, factories, login)
    return _COLLECTED[cache_key]


def _collect_forms(app, db, factories, login) -> dict[tuple[str, str], Form]:
    reset_database(db)
    world = build_world(db, factories)
    forms = crawl_forms(app, login, world)
    for status in sorted(set(SUBMISSION_STATUS.values())):
        set_submission_status(db, world, status)
        for key, form in crawl_forms(app, login, world, naming="submission_id").items():
            forms.setdefault(key, form)
    return forms
