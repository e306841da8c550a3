"""Browser tests: Playwright (sync API) driving Debian's Chromium against a live server.

The server is the real application (CSRF on, real sign-in form) served by werkzeug from a thread,
on a temporary SQLite database seeded with a small demo-like data set. Every test module here is
marked `browser` (`pytest -m "not browser"` leaves them out); without /usr/bin/chromium they are
skipped with the reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import BACKENDS, fresh_postgres_schema, postgres_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
# Generous: a slow CI machine still passes; nothing here measures speed.
WAIT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@dataclass
class Site:
    """The live server and its data: ids and logins the tests use."""

    app: object
    base_url: str
    round_id: int
    niger_id: int
    respondent: str
    respondent_fr: str
    colleague: str
    coordinator: str
    coordinator_fr: str

    def url(self, path: str) -> str:
        return self.base_url + path

    def query(self, fn: Callable):
        """Run `fn(session)` on a fresh session of the server's database (reads what it wrote)."""
        from surveys.extensions import db

        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    def wait_for(self, fn: Callable, *, timeout: float = WAIT_MS / 1000, what: str = "") -> object:
        """Poll the database until `fn(session)` is truthy (the browser works asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(fn)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or fn}")
            time.sleep(0.1)


def _seed(app) -> dict:
    from surveys.accounts.models import User
    from surveys.accounts.passwords import hash_password
    from surveys.columns import utcnow
    from surveys.countries.models import Country
    from surveys.extensions import db
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.roles import Role
    from surveys.rounds.models import Round, RoundCountry
    from tests.conftest import MINI_V1

    with app.app_context():
        db.create_all()
        niger = Country(iso2="NE", iso3="NER", names={"en": "Niger", "fr": "Niger"})
        mali = Country(iso2="ML", iso3="MLI", names={"en": "Mali", "fr": "Mali"})
        db.session.add_all([niger, mali])
        definition = load_definition(MINI_V1)
        version = QuestionnaireVersion(
            questionnaire=Questionnaire(key=definition.key),
            version=definition.version,
            definition_json=to_canonical_json(definition),
            sha256=definition_hash(definition),
            source_name=MINI_V1.name,
            status=PUBLISHED,
            published_at=utcnow(),
        )
        db.session.add(version)
        db.session.flush()
        now = utcnow()
        round_ = Round(
            questionnaire_version_id=version.id,
            period_label="2026-H2",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
        )
        round_.participants = [RoundCountry(country_id=niger.id), RoundCountry(country_id=mali.id)]
        db.session.add(round_)
        people = {
            "respondent": ("focal.ne@example.org", "Aïcha Focal", Role.RESPONDENT, "en", [niger]),
            "respondent_fr": ("pf.ne@example.org", "Issa Point", Role.RESPONDENT, "fr", [niger]),
            "colleague": ("second.ne@example.org", "Moussa Second", Role.RESPONDENT, "en", [niger]),
            "mali": ("focal.ml@example.org", "Awa Mali", Role.RESPONDENT, "en", [mali]),
            "coordinator": ("coord@example.org", "Chris Coord", Role.COORDINATOR, "en", []),
            "coordinator_fr": ("coord.fr@example.org", "Coline Coord", Role.COORDINATOR, "fr", []),
        }
        emails = {}
        password_hash = hash_password(PASSWORD)
        for key, (email, name, role, language, countries) in people.items():
            user = User(email=email, name=name, password_hash=password_hash, language=language)
            user.grant(role)
            user.countries.extend(countries)
            db.session.add(user)
            emails[key] = email
        db.session.commit()
        ids = {"round_id": round_.id, "niger_id": niger.id}
        db.session.remove()
    return {**ids, **{k: v for k, v in emails.items() if k != "mali"}}


@pytest.fixture
def site_backend() -> str:
    """The database of a browser test's site: SQLite, unless the test runs on both."""
    return "sqlite"


@pytest.fixture
def site_database(site_backend, tmp_path) -> Iterator[dict]:
    """The settings of the site's database; on PostgreSQL a schema of this test's own."""
    if site_backend == "sqlite":
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.db'}"}
        return
    with fresh_postgres_schema() as (url, schema):
        yield postgres_settings(url, schema)


# A browser test of saving (autosave, races, conflicts) on PostgreSQL too, whose saves take
# their own path there (one statement; see responses.operations._Rows.write).
on_both_databases = pytest.mark.parametrize("site_backend", BACKENDS)


@pytest.fixture
def site(browser, tmp_path, site_database) -> Iterator[Site]:
    """A fresh application, database and live server for one test."""
    from werkzeug.serving import make_server

    from surveys import create_app

    app = create_app(
        {
            "TESTING": False,  # behave as deployed: CSRF on, errors rendered as pages
            "SECRET_KEY": "browser-tests-only-not-secret",
            **site_database,
            "WTF_CSRF_ENABLED": True,
            "MAIL_BACKEND": "memory",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "ARCHIVE_DIR": str(tmp_path / "archive"),
            "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
            "BASE_URL": "http://127.0.0.1",
            "DEMO_ENABLED": False,
            "PASSWORD_RESET_MIN_SECONDS": 0,
        }
    )
    seeded = _seed(app)
    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(app=app, base_url=f"http://127.0.0.1:{server.server_port}", **seeded)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            from surveys.extensions import db

            db.session.remove()
            db.engine.dispose()


def _read_whole(app):
    """The app with each response read whole (its file closed) before the server sends it.

    werkzeug's development server skips the response's close() when the browser drops the
    connection while the server drains it (a page left while a static file was on its way): the
    file is then closed by the garbage collector, whose ResourceWarning fails whichever test is
    running (filterwarnings = error). gunicorn closes it; no test here reads a response that
    does not end."""

    def application(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return application


@pytest.fixture
def new_context(browser):
    """Open browser contexts (separate cookie jars), all closed at the end of the test."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def sign_in(page, site: Site, email: str) -> None:
    """Through the real sign-in form."""
    page.goto(site.url("/login"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    # The post leaves the page: read the URL of the page it leads to, not of the one it leaves.
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"sign-in failed for {email}"


def submission_id(site: Site) -> int:
    from surveys.responses.models import Submission

    return site.query(
        lambda s: s.scalar(
            sa.select(Submission.id).where(
                Submission.round_id == site.round_id, Submission.country_id == site.niger_id
            )
        )
    )
