"""Shared fixtures: an app per database backend, a clean database per test, and factories.

Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too (in a
schema of its own, dropped at the end). Without TEST_DATABASE_URL the PostgreSQL runs are skipped
with a reason; with it, an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys import create_app
from surveys.columns import utcnow
from surveys.config import settings_from_environment
from surveys.extensions import db as _db


class _AskedFor(dict):
    """An empty environment that remembers every variable the settings ask it for."""

    def __init__(self, **values: str) -> None:
        super().__init__(values)
        self.names: set[str] = set(values)

    def get(self, name, default=None):
        self.names.add(name)
        return super().get(name, default)


def _platform_variables() -> set[str]:
    """Every variable `surveys.config` reads (in development and in production), asked of it
    rather than listed here, so that a new setting is never forgotten."""
    names: set[str] = set()
    for environment in ({}, {"SURVEYS_ENV": "production"}):
        asked = _AskedFor(**environment)
        settings_from_environment(asked)
        names |= asked.names
    return names


# The suite builds every setting it needs: a shell's own (an operator's, or one left over from a
# demo) must not reach it, or a test writes into that instance folder or mails through that relay.
# Besides the settings: the instance folder, and what gunicorn's and the scheduler's files read.
RUNTIME_PREFIXES = ("SMTP_", "WEB_", "GUNICORN_", "API_", "SCHEDULER_", "OUTBOX_")
_runtime = _platform_variables() | {"SURVEYS_INSTANCE_PATH"}
for _name in [n for n in os.environ if n in _runtime or n.startswith(RUNTIME_PREFIXES)]:
    del os.environ[_name]


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI_V1 = FIXTURES / "questionnaires" / "mini" / "v1.yaml"
MINI_V2 = FIXTURES / "questionnaires" / "mini" / "v2.yaml"
FORMS_V1 = FIXTURES / "questionnaires" / "forms" / "v1.yaml"
BACKENDS = ("sqlite", "postgresql")
# A secret production accepts: long, and of many different characters (not "x" * 48).
STRONG_SECRET = "t3st-Only_9QfZ2vLk8WmX4pRj7Hs1NcYe6BdUa0Tg5"


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@contextmanager
def fresh_postgres_schema() -> Iterator[tuple[str, str]]:
    """A new schema in the test database, dropped on leaving: (url, schema)."""
    url = postgres_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:  # set but unreachable: fail, never skip
        pytest.fail(f"TEST_DATABASE_URL is set but the database is unreachable: {exc}")
    try:
        yield url, schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema in the test database for this test session: (url, schema)."""
    with fresh_postgres_schema() as found:
        yield found


def database_settings(backend: str, tmp_dir: Path, request) -> dict:
    if backend == "sqlite":
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_dir / 'test.db'}"}
    return postgres_settings(*request.getfixturevalue("postgres_schema"))


def postgres_settings(url: str, schema: str) -> dict:
    """The app's settings for a schema of the test database."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={schema}"},
        },
        "TEST_PG_SCHEMA": schema,
    }


def _fresh_request_globals(sender, **extra) -> None:
    """Tests hold one app context across requests, so `g` would keep the previous request's
    signed-in user (Flask-Login) and locale (Flask-Babel); in production every request has its
    own. Start each request with an empty `g`, as a real worker would."""
    from flask import g

    g.__dict__.clear()


def make_app(backend: str, tmp_dir: Path, request, **overrides):
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-only-not-secret",
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
        "UPLOAD_DIR": str(tmp_dir / "uploads"),
        "ARCHIVE_DIR": str(tmp_dir / "archive"),
        "SCHEDULER_LOCK_FILE": str(tmp_dir / "scheduler.lock"),
        "DEMO_ENABLED": True,
        "BASE_URL": "http://localhost",
        "PASSWORD_RESET_MIN_SECONDS": 0,
    }
    settings.update(database_settings(backend, tmp_dir, request))
    settings.update(overrides)
    app = create_app(settings)
    from flask import request_started

    request_started.connect(_fresh_request_globals, app)
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def _session_app(backend, tmp_path_factory, request):
    tmp_dir = tmp_path_factory.mktemp(f"app-{backend}")
    app = make_app(backend, tmp_dir, request)
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def wipe_database() -> None:
    """Delete every row (children first) so the next test starts from an empty database."""
    _db.session.rollback()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app(_session_app):
    """The app with an application context and an empty database."""
    with _session_app.app_context():
        yield _session_app
        _db.session.remove()
        wipe_database()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- factories


@pytest.fixture
def create_country(db):
    from surveys.countries.models import Country

    def create(
        iso2: str = "NE",
        iso3: str | None = None,
        name_en: str | None = None,
        name_fr: str | None = None,
        names: dict[str, str] | None = None,
    ) -> Country:
        country = Country(
            iso2=iso2,
            iso3=iso3 or (iso2 + "X")[:3],
            names=names or {"en": name_en or f"Country {iso2}", "fr": name_fr or f"Pays {iso2}"},
        )
        db.session.add(country)
        db.session.commit()
        return country

    return create


@pytest.fixture
def create_user(db):
    from surveys.accounts.models import User
    from surveys.accounts.passwords import hash_password

    counter = {"n": 0}

    def create(
        *roles: str,
        countries=(),
        email: str | None = None,
        password: str = "correct horse battery",
        language: str = "en",
        timezone: str = "UTC",
        name: str | None = None,
    ) -> User:
        counter["n"] += 1
        user = User(
            email=email or f"user{counter['n']}@example.org",
            name=name or f"User {counter['n']}",
            password_hash=hash_password(password),
            language=language,
            timezone=timezone,
        )
        for role in roles:
            user.grant(role)
        user.countries.extend(countries)
        db.session.add(user)
        db.session.commit()
        return user

    return create


@pytest.fixture
def login(client):
    """Sign a user in on the test client without going through the sign-in form."""

    def sign_in(user, on=None):
        target = on or client
        with target.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return target

    return sign_in


@pytest.fixture
def create_version(db):
    """Import (and by default publish) a questionnaire definition file."""
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json

    def create(path: Path = MINI_V1, publish: bool = True) -> QuestionnaireVersion:
        definition = load_definition(path)
        questionnaire = db.session.scalar(
            sa.select(Questionnaire).where(Questionnaire.key == definition.key)
        ) or Questionnaire(key=definition.key)
        version = QuestionnaireVersion(
            questionnaire=questionnaire,
            version=definition.version,
            definition_json=to_canonical_json(definition),
            sha256=definition_hash(definition),
            source_name=path.name,
        )
        if publish:
            version.status = PUBLISHED
            version.published_at = utcnow()
        db.session.add(version)
        db.session.commit()
        return version

    return create


@pytest.fixture
def create_round(db):
    from surveys.rounds.models import Round, RoundCountry

    def create(
        version,
        countries,
        *,
        period: str = "2026-H2",
        opens_in: timedelta = timedelta(days=-1),
        closes_in: timedelta = timedelta(days=30),
        reminder_offsets=(14, 7, 1),
    ) -> Round:
        now = utcnow()
        round_ = Round(
            questionnaire_version_id=version.id,
            period_label=period,
            opens_at=now + opens_in,
            closes_at=now + closes_in,
            reminder_offsets=list(reminder_offsets),
        )
        round_.participants = [RoundCountry(country_id=c.id) for c in countries]
        db.session.add(round_)
        db.session.commit()
        return round_

    return create


@pytest.fixture
def create_submission(db):
    from surveys.responses.models import Answer, Submission

    def create(
        round_, country, answers: dict | None = None, status: str = "draft", **fields
    ) -> Submission:
        submission = Submission(round_id=round_.id, country_id=country.id, status=status, **fields)
        db.session.add(submission)
        db.session.flush()
        for question_id, value in (answers or {}).items():
            not_applicable = value == "N/A"
            db.session.add(
                Answer(
                    submission_id=submission.id,
                    question_id=question_id,
                    value=None if not_applicable else value,
                    not_applicable=not_applicable,
                )
            )
        db.session.commit()
        return submission

    return create


@pytest.fixture
def factories(create_country, create_user, create_version, create_round, create_submission):
    """The factories in one object, for builders that need several (see test_access_matrix)."""
    from dataclasses import dataclass
    from typing import Any

    @dataclass
    class Factories:
        create_country: Any
        create_user: Any
        create_version: Any
        create_round: Any
        create_submission: Any

    return Factories(create_country, create_user, create_version, create_round, create_submission)
