"""The access matrix: every route of the application, every kind of visitor, the expected answer.

Expectations come from each view's declared policy (`@public`, `@signed_in`, `@allow(...)`):

- anonymous visitors are sent to the sign-in page (GET) or get 401 (other methods);
- a role the policy does not name gets 403;
- a respondent of ANOTHER country gets 404 on every route whose arguments name something that
  belongs to a country (a submission, its evidence, a query...), so its existence is not revealed;
- everyone the policy allows gets an answer that is neither 401, 403, 404 nor a server error.

Routes of the data API (`token_only` policies) are called with a personal access token of each
visitor instead of a session; anonymous callers get 401 there. Their list endpoints are asked
for country A (`country=NE`): a respondent of another country must get 404, as on the web.

When a new route appears:
- a new URL argument name needs ONE line in ARGUMENTS (how to build a value; scoped=True if the
  object belongs to one country);
- a route whose answer legitimately differs from its policy (e.g. a page that is "signed_in" but
  refuses staff inside the view) gets ONE line in OVERRIDES, with the reason.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys import create_app
from surveys.access import PUBLIC, ROLES, SIGNED_IN
from surveys.web import CONTENT_SECURITY_POLICY

MINI_V1 = Path(__file__).resolve().parent / "fixtures" / "questionnaires" / "mini" / "v1.yaml"

ANONYMOUS = "anonymous"
ADMIN = "admin"
COORDINATOR = "coordinator"
ANALYST = "analyst"
RESPONDENT = "respondent"  # a respondent of the country the URL's objects belong to
OTHER_RESPONDENT = "other_respondent"  # a respondent of another country
IDENTITIES = (ANONYMOUS, ADMIN, COORDINATOR, ANALYST, RESPONDENT, OTHER_RESPONDENT)
ROLE_OF = {
    ADMIN: "admin",
    COORDINATOR: "coordinator",
    ANALYST: "analyst",
    RESPONDENT: "respondent",
    OTHER_RESPONDENT: "respondent",
}

OK = "ok"  # allowed: not 401, 403 or 404, and no server error
LOGIN = "login"  # anonymous: redirected to sign in (GET) or 401 (other methods)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SKIPPED_ENDPOINTS = {"static"}  # Flask's own static files: public by nature


class World:
    """The objects URLs point at, built on first use: country A (the respondent's), country B
    (the other respondent's), a round with both, A's submission, and what hangs off it."""

    def __init__(self, db, factories) -> None:
        self.db = db
        self.f = factories

    @cached_property
    def country(self):
        return self.f.create_country("NE", "NER", "Niger", "Niger")

    @cached_property
    def other_country(self):
        return self.f.create_country("ML", "MLI", "Mali", "Mali")

    @cached_property
    def users(self) -> dict:
        make = self.f.create_user
        return {
            ADMIN: make("admin", email="admin@example.org"),
            COORDINATOR: make("coordinator", email="coordinator@example.org"),
            ANALYST: make("analyst", email="analyst@example.org"),
            RESPONDENT: make("respondent", countries=[self.country], email="own@example.org"),
            OTHER_RESPONDENT: make(
                "respondent", countries=[self.other_country], email="other@example.org"
            ),
        }

    @cached_property
    def target_user(self):
        """A person the people pages act upon (not one of the visitors)."""
        return self.f.create_user("respondent", countries=[self.country], email="t@example.org")

    @cached_property
    def version(self):
        return self.f.create_version(MINI_V1)

    @cached_property
    def round(self):
        return self.f.create_round(self.version, [self.country, self.other_country])

    @cached_property
    def submission(self):
        self.users  # noqa: B018 - the visitors exist before the objects they act upon
        return self.f.create_submission(
            self.round, self.country, answers={"legal_tip_offence": "yes"}
        )

    @cached_property
    def submitted(self):
        """Country A's submission of an earlier round, submitted: results show only those."""
        self.users  # noqa: B018
        earlier = self.f.create_round(
            self.version, [self.country], period="2025-H2", closes_in=timedelta(days=1)
        )
        return self.f.create_submission(
            earlier, self.country, answers={"legal_tip_offence": "yes"}, status="submitted"
        )

    @cached_property
    def evidence(self):
        from surveys.responses.models import Evidence
        from surveys.storage.backends import current_store, digest_of

        content = b"%PDF-1.4 evidence for the access matrix\n"
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "law.pdf"
            source.write_bytes(content)
            sha = digest_of(source).sha256
            current_store().put(source, digest_of(source))
        evidence = Evidence(
            submission_id=self.submission.id,
            question_id="legal_tip_offence",
            filename="law.pdf",
            content_type="application/pdf",
            size_bytes=len(content),
            sha256=sha,
        )
        self.db.session.add(evidence)
        self.db.session.commit()
        return evidence

    @cached_property
    def query(self):
        from surveys.review.models import ReviewQuery

        query = ReviewQuery(
            submission_id=self.submission.id,
            question_id="legal_tip_offence",
            text="Which article?",
            author_id=self.users[COORDINATOR].id,
        )
        self.db.session.add(query)
        self.db.session.commit()
        return query

    @cached_property
    def message(self):
        from surveys.notifications.outbox import queue_message

        message = queue_message(
            recipient_email=self.target_user.email,
            subject="Subject",
            body="Body",
            language="en",
            user_id=self.target_user.id,
            round_id=self.round.id,
            kind="round.opening",
        )
        self.db.session.commit()
        return message

    @cached_property
    def cadence(self):
        from surveys.columns import utcnow
        from surveys.rounds.models import Cadence

        cadence = Cadence(
            questionnaire_id=self.version.questionnaire_id,
            every_months=6,
            open_weeks=6,
            lead_days=14,
            first_opens_at=utcnow(),
            reminder_offsets=[7, 1],
        )
        self.db.session.add(cadence)
        self.db.session.commit()
        return cadence

    @cached_property
    def archived(self):
        from surveys.export.archive import archive_round

        record = archive_round(self.round.id)[0]
        self.db.session.commit()
        return record

    @cached_property
    def export_job(self):
        """A background export the analyst asked for, written by the scheduler's job."""
        from flask import current_app

        from surveys.export.jobs import queue_trends, run_pending

        self.round  # noqa: B018 - the questionnaire has a round to export
        job = queue_trends(self.version.questionnaire.key, "en", self.users[ANALYST])
        self.db.session.commit()
        run_pending("access-matrix:1", current_app.config)
        return job

    @cached_property
    def api_tokens(self) -> dict[str, str]:
        """A personal access token of each visitor, for the data API."""
        from surveys.api.tokens import issue_api_token

        raw = {
            identity: issue_api_token(user, "matrix")[1] for identity, user in self.users.items()
        }
        self.db.session.commit()
        return raw

    @cached_property
    def target_token(self):
        """A personal access token of the target person (revoked by an admin only)."""
        from surveys.api.tokens import issue_api_token

        token, _ = issue_api_token(self.target_user, "target")
        self.db.session.commit()
        return token

    @cached_property
    def tokens(self) -> dict[str, str]:
        """A working invitation link and reset link, each for its own person."""
        from surveys.accounts.tokens import issue_token

        raw = {}
        for purpose in ("invitation", "password_reset"):
            person = self.f.create_user("analyst", email=f"{purpose}@example.org")
            raw[purpose] = issue_token(person, purpose)
        self.db.session.commit()
        return raw


@dataclass(frozen=True)
class Argument:
    build: Callable[[World], object]
    # True when the value names something that belongs to one country: a respondent of another
    # country must get 404 for it.
    scoped: bool = False


# One line per URL argument name used by any route.
ARGUMENTS: dict[str, Argument] = {
    "country_id": Argument(lambda w: w.country.id, scoped=True),
    "submission_id": Argument(lambda w: w.submission.id, scoped=True),
    "evidence_id": Argument(lambda w: w.evidence.id, scoped=True),
    "query_id": Argument(lambda w: w.query.id, scoped=True),
    "round_id": Argument(lambda w: w.round.id),
    "version_id": Argument(lambda w: w.version.id),
    "key": Argument(lambda w: w.version.questionnaire.key),
    "version": Argument(lambda w: w.version.version),
    "area_id": Argument(lambda w: "legal"),
    "question_id": Argument(lambda w: "legal_tip_offence"),
    "user_id": Argument(lambda w: w.target_user.id),
    "message_id": Argument(lambda w: w.message.id),
    "cadence_id": Argument(lambda w: w.cadence.id),
    "archive_id": Argument(lambda w: w.archived.id),
    "job_id": Argument(lambda w: w.export_job.id),
    "invitation_token": Argument(lambda w: w.tokens["invitation"]),
    "reset_token": Argument(lambda w: w.tokens["password_reset"]),
    "token_id": Argument(lambda w: w.target_token.id),
}

# Deliberate departures from the policy-derived expectation, one line per endpoint (or
# "endpoint METHOD"), each with its reason: {identity: OK | LOGIN | status code}.
STAFF_REFUSED = {ADMIN: 403, COORDINATOR: 403, ANALYST: 403}
OVERRIDES: dict[str, dict[str, object]] = {
    # Staff read every country's answers, but only the country's respondents change them.
    # (An analyst is not shown the draft at all: 404.)
    "responses.area POST": {**STAFF_REFUSED, ANALYST: 404},
    "responses.explain POST": {**STAFF_REFUSED, ANALYST: 404},
    # A draft is the country's work in progress: its respondents, coordinators and
    # administrators read it; analysts read what countries submitted (as results pages show it).
    "responses.submission": {ANALYST: 404},
    "responses.area GET": {ANALYST: 404},
    "responses.conflicts GET": {ANALYST: 404},
    "responses.history": {ANALYST: 404},
    "responses.evidence_file": {ANALYST: 404},
    # A background export holds every answer: only the person who asked for it sees it (the
    # world's export was asked for by the analyst).
    "export.export_job": {COORDINATOR: 404},
    "export.download_export": {COORDINATOR: 404},
    # Someone else's token: only an admin may revoke it; to anyone else it does not exist.
    "api_pages.revoke POST": {
        COORDINATOR: 404,
        ANALYST: 404,
        RESPONDENT: 404,
        OTHER_RESPONDENT: 404,
    },
}

# Arguments some routes need other than ARGUMENTS' (one line per endpoint): results pages show
# a submitted submission (a draft is the country's work in progress: 404 to every reader).
ENDPOINT_ARGUMENTS: dict[str, dict[str, Callable[[World], object]]] = {
    endpoint: {"submission_id": lambda w: w.submitted.id}
    for endpoint in (
        "results.submission_answers",
        "results.area_answers",
        "results.dimension_answers",
    )
}

# Query strings some routes need to show a page rather than a 404 (one line per endpoint).
QUERY_STRINGS: dict[str, Callable[[World], dict]] = {
    "questionnaire.diff": lambda w: {"old": w.version.version, "new": w.version.version},
    # Data API tables asked for country A: another country's respondent gets 404.
    "api.rounds": lambda w: {"country": w.country.iso2},
    "api.responses": lambda w: {"country": w.country.iso2, "round": w.round.id},
    "api.statistics": lambda w: {"country": w.country.iso2},
    "api.scorecards": lambda w: {"country": w.country.iso2},
}
# Endpoints whose query string (above) names country A.
SCOPED_BY_QUERY = {"api.rounds", "api.responses", "api.statistics", "api.scorecards"}


def _collect_app():
    """An app built at collection time, only to list the routes (no database is touched)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


ROUTE_APP = _collect_app()


def route_cases() -> list[tuple[str, str, str]]:
    cases = []
    for rule in ROUTE_APP.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods & set(METHODS)):
            cases.append((rule.endpoint, rule.rule, method))
    return sorted(cases)


def test_every_route_declares_an_access_policy():
    missing = sorted(
        f"{rule.endpoint} ({rule.rule})"
        for rule in ROUTE_APP.url_map.iter_rules()
        if rule.endpoint not in SKIPPED_ENDPOINTS
        and getattr(ROUTE_APP.view_functions[rule.endpoint], "access_policy", None) is None
    )
    assert not missing, (
        "these routes have no access policy; put @public, @signed_in or @allow(...) right "
        "under the route decorator: " + ", ".join(missing)
    )


def test_every_url_argument_is_known():
    unknown = sorted(
        f"{name!r} (route {rule.endpoint} {rule.rule})"
        for rule in ROUTE_APP.url_map.iter_rules()
        if rule.endpoint not in SKIPPED_ENDPOINTS
        for name in rule.arguments
        if name not in ARGUMENTS
    )
    assert not unknown, (
        "add one line per argument name to ARGUMENTS in tests/test_access_matrix.py: "
        + ", ".join(unknown)
    )


def is_api(endpoint: str) -> bool:
    return getattr(ROUTE_APP.view_functions[endpoint].access_policy, "token_only", False)


def expected_answers(endpoint: str, rule, method: str) -> dict[str, object]:
    policy = ROUTE_APP.view_functions[endpoint].access_policy
    scoped = endpoint in SCOPED_BY_QUERY or any(
        ARGUMENTS[name].scoped for name in rule.arguments if name in ARGUMENTS
    )
    expected: dict[str, object] = {}
    for identity in IDENTITIES:
        if policy.kind == PUBLIC:
            expected[identity] = OK
        elif identity == ANONYMOUS:
            expected[identity] = 401 if policy.token_only else LOGIN
        elif policy.kind == ROLES and ROLE_OF[identity] not in policy.roles:
            expected[identity] = 403
        elif identity == OTHER_RESPONDENT and scoped:
            expected[identity] = 404
        else:
            assert policy.kind in (SIGNED_IN, ROLES)
            expected[identity] = OK
    expected.update(OVERRIDES.get(endpoint, {}))
    expected.update(OVERRIDES.get(f"{endpoint} {method}", {}))
    return expected


def reset_database(db) -> None:
    db.session.rollback()
    db.session.expunge_all()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def check_headers(response, where: str) -> list[str]:
    """Every HTML page carries the security headers."""
    if response.mimetype != "text/html":
        return []
    wanted = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    problems = [
        f"{where}: header {name} is {response.headers.get(name)!r}"
        for name, value in wanted.items()
        if response.headers.get(name) != value
    ]
    if "frame-ancestors 'none'" not in response.headers.get("Content-Security-Policy", ""):
        problems.append(f"{where}: CSP lacks frame-ancestors 'none'")
    return problems


def verdict(expected, response, method: str) -> str | None:
    """None if the response is what `expected` says, else a description of the difference."""
    status = response.status_code
    if expected == OK:
        if status in (401, 403, 404) or status >= 500:
            return f"expected an allowed answer, got {status}"
        return None
    if expected == LOGIN:
        if method == "GET":
            location = response.headers.get("Location", "")
            if status == 302 and location.startswith("/login"):
                return None
            return f"expected a redirect to /login, got {status} {location}"
        return None if status == 401 else f"expected 401, got {status}"
    return None if status == expected else f"expected {expected}, got {status}"


@pytest.mark.parametrize(
    ("endpoint", "path", "method"), route_cases(), ids=lambda v: str(v).replace("/", "∕")
)
def test_route_answers_each_visitor_as_its_policy_says(
    app, db, factories, login, endpoint, path, method
):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == path)
    unknown = [name for name in rule.arguments if name not in ARGUMENTS]
    assert not unknown, (
        f"route {endpoint} ({path}) takes {unknown}: add a line to ARGUMENTS in "
        "tests/test_access_matrix.py"
    )
    expected = expected_answers(endpoint, rule, method)
    # Refused visitors first: they must change nothing. Allowed ones may change the data, so
    # after a POST each allowed visitor gets a fresh world.
    order = sorted(IDENTITIES, key=lambda identity: expected[identity] == OK)
    problems: list[str] = []
    world = World(db, factories)
    first_allowed = True
    for identity in order:
        if expected[identity] == OK and method != "GET":
            if not first_allowed:
                reset_database(db)
                world = World(db, factories)
            first_allowed = False
        users = world.users
        special = ENDPOINT_ARGUMENTS.get(endpoint, {})
        url = rule.build(
            {
                name: special[name](world) if name in special else ARGUMENTS[name].build(world)
                for name in rule.arguments
            },
            append_unknown=False,
        )[1]
        query = QUERY_STRINGS[endpoint](world) if endpoint in QUERY_STRINGS else None
        client = app.test_client()
        headers = {"Accept": "text/html"}
        if identity != ANONYMOUS and is_api(endpoint):
            headers["Authorization"] = f"Bearer {world.api_tokens[identity]}"
        elif identity != ANONYMOUS:
            login(users[identity], on=client)
        response = client.open(url, method=method, query_string=query, headers=headers)
        response.close()  # file downloads hold their file open until closed
        problem = verdict(expected[identity], response, method)
        if problem:
            problems.append(f"{identity}: {problem}")
        problems.extend(check_headers(response, f"{identity} {method} {url}"))
    assert not problems, f"{method} {path} ({endpoint}):\n  " + "\n  ".join(problems)


def test_anonymous_non_browser_requests_get_401(app, db, factories):
    """API-like clients (no text/html in Accept) get 401 rather than a redirect."""
    world = World(db, factories)
    response = app.test_client().get(f"/submissions/{world.submission.id}")
    assert response.status_code == 401


def test_respondent_lists_only_their_own_countries_submissions(app, db, factories, login):
    """Queries are filtered by country, not only the links: the other country's id is absent."""
    world = World(db, factories)
    other = factories.create_submission(world.round, world.other_country)
    own = world.submission
    client = login(world.users[RESPONDENT], on=app.test_client())
    pages = [
        client.get(url, headers={"Accept": "text/html"}, follow_redirects=True)
        for url in ("/my-questionnaires", "/submissions/")
    ]
    assert [page.status_code for page in pages] == [200, 200]
    body = b"".join(page.data for page in pages)
    assert f"/submissions/{own.id}".encode() in body
    assert f"/submissions/{other.id}".encode() not in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(own))) == 2
