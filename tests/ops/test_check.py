"""`surveys check` on a production-like configuration, and on each broken setting.

A production configuration means PostgreSQL (SQLite is itself a production problem), so these
tests run on the PostgreSQL test database, in a schema migrated with the real migrations.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from surveys import create_app
from surveys.config import StartupError
from surveys.extensions import db
from surveys.notifications.delivery import DeliveryError, Mail, backend_from_config
from surveys.ops.checks import run_checks, smtp_problems
from surveys.scheduling.heartbeat import LEADER, Heart
from tests.conftest import ROOT, STRONG_SECRET, postgres_url
from tests.notifications.test_smtp import _Server, _SMTPHandler


@pytest.fixture(scope="module")
def migrated_schema() -> Iterator[dict]:
    """A PostgreSQL schema built by `surveys db upgrade`; database settings to reach it."""
    url = postgres_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set: the production checks need PostgreSQL")
    schema = f"c_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
    }
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **settings})
    with app.app_context():
        upgrade()
        Heart(db.engine, "sched1:1").beat(LEADER)
        db.engine.dispose()
    try:
        yield settings
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _SMTPHandler)
    server.refuse = False  # type: ignore[attr-defined]
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def production(monkeypatch, migrated_schema, smtp_server, tmp_path):
    """Build a production app from settings; returns its problems as `surveys check` lists them."""
    monkeypatch.setenv("SURVEYS_ENV", "production")
    good = {
        **migrated_schema,
        "SECRET_KEY": STRONG_SECRET,
        "BASE_URL": "https://monitoring.example.org",
        "TRUSTED_PROXIES": 1,
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server.server_address[1],
        "MAIL_FROM": "monitoring@unodc.example.org",
        "FILE_STORAGE_DIR": str(tmp_path / "files"),
    }
    apps = []

    def problems(**overrides) -> list[str]:
        app = create_app({**good, **overrides, "STARTUP_CHECKS": False})
        apps.append(app)
        with app.app_context():
            return run_checks(app)

    yield problems
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_good_production_configuration_passes(production):
    assert production() == []


def test_production_passes_without_a_writable_instance_folder(production, monkeypatch, tmp_path):
    """systemd units run as User=surveys while root made the venv: <venv>/var/surveys-instance
    cannot be created, and production keeps nothing there."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("SURVEYS_INSTANCE_PATH", str(tmp_path / "a-file" / "instance"))
    assert production() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY: must be a random string of at least 32"),
        ({"SECRET_KEY": "dev-only-not-secret" * 3}, None),  # long enough, and not a known one
        ({"BASE_URL": "monitoring.example.org"}, "BASE_URL: 'monitoring.example.org' is not"),
        ({"BASE_URL": "http://monitoring.example.org"}, "BASE_URL: http://monitoring.example"),
        ({"BASE_URL": "https://127.0.0.1:5000"}, "points at this machine"),
        ({"MAIL_BACKEND": "console"}, "MAIL_BACKEND: console does not send e-mails"),
        ({"MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND: 'pigeon' is not one of"),
        ({"MAIL_FROM": "no-reply@niamey-monitoring.invalid"}, "MAIL_FROM: no-reply@niamey"),
        ({"MAIL_FROM": "monitoring"}, "MAIL_FROM: 'monitoring' is not an e-mail address"),
        ({"SMTP_HOST": ""}, "SMTP_HOST: not set"),
        ({"SMTP_PORT": "closed"}, "SMTP_HOST: cannot talk to the mail server 127.0.0.1:"),
        ({"SMTP_USERNAME": "mailer"}, "SMTP_PASSWORD: not set, though SMTP_USERNAME is"),
        ({"TRUSTED_PROXIES": 0}, "TRUSTED_PROXIES: 0, yet BASE_URL is https"),
        ({"TRUSTED_PROXIES": 7}, "TRUSTED_PROXIES: 7 proxies is more than any usual chain"),
        ({"TRUSTED_PROXIES": -1}, "TRUSTED_PROXIES: -1 must be the number of proxies"),
        ({"LANGUAGES": ("en", "fr", "de")}, "language 'de' has no compiled catalogue"),
        ({"FILE_STORAGE": "floppy"}, "FILE_STORAGE='floppy' is not one of database, directory"),
        ({"FILE_STORAGE": "directory", "FILE_STORAGE_DIR": "/proc/nowhere"}, "file store:"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, "DATABASE_URL: SQLite serves one"),
        (
            {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:closed/x"},
            "database: cannot connect",
        ),
    ],
)
def test_each_broken_setting_gives_its_own_line(production, overrides, expected):
    if overrides.get("SMTP_PORT") == "closed":
        overrides["SMTP_PORT"] = closed_port()
    url = overrides.get("SQLALCHEMY_DATABASE_URI", "")
    if url:
        overrides["SQLALCHEMY_DATABASE_URI"] = url.replace("closed", str(closed_port()))
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    problems = [p for p in production(**overrides) if not p.startswith("database: no schema")]
    if expected is None:
        assert problems == []
        return
    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "WEB_CONCURRENCY",
            "abc",
            "WEB_CONCURRENCY: expected a whole number (1 or more), got 'abc'",
        ),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY: expected a whole number (1 or more), got '0'"),
        ("WEB_TIMEOUT", "-5", "WEB_TIMEOUT: expected a whole number (0 or more), got '-5'"),
        ("WEB_THREADS", "four", "WEB_THREADS: expected a whole number (1 or more), got 'four'"),
        ("WEB_TIMEOUT", "0", None),  # 0: never
    ],
)
def test_a_web_server_setting_gunicorn_would_refuse_is_named(
    production, monkeypatch, name, value, expected
):
    """gunicorn itself reads WEB_CONCURRENCY before the platform's settings, and stops on a
    bad value with a traceback: `surveys check` names it in one line before a start."""
    monkeypatch.setenv(name, value)
    assert production() == ([expected] if expected else [])


def test_a_stale_heartbeat_and_migrations_behind_are_reported(production, migrated_schema):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **migrated_schema})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE scheduler_heartbeats SET beat_at = beat_at - INTERVAL '1 hour'")
            )
            conn.execute(
                sa.text(
                    "INSERT INTO countries (iso2, iso3, names, active) "
                    """VALUES ('NE', 'NER', '{"en": "Niger", "fr": "Niger"}', true)"""
                )
            )
        [heartbeat] = production()
        assert heartbeat.startswith("scheduler: the last heartbeat is 36")
        downgrade(revision="-1")
        [behind] = production()
        # One migration behind the newest (whichever that is as migrations are added).
        found = re.match(
            r"database: at migration (\w+) but this version of the code expects (\w+)", behind
        )
        assert found and found.group(1) != found.group(2), behind
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE scheduler_heartbeats SET beat_at = now()"))
        db.engine.dispose()


def test_the_command_prints_one_line_per_problem_and_fails(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SURVEYS_ENV": "production",
        "SECRET_KEY": "short",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "SURVEYS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    surveys = Path(sys.executable).parent / "surveys"
    done = subprocess.run(
        [str(surveys), "check"], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("SECRET_KEY: ")
    assert any(line.startswith("DATABASE_URL: SQLite") for line in lines)
    assert lines[-1] == "database: no schema yet; run `surveys db upgrade`"
    assert "problems found (production)" in done.stderr
    refused = subprocess.run(
        [str(surveys), "rounds", "list"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[:2] == [
        "surveys cannot start:",
        "  SECRET_KEY: must be a random string of at least 32 characters in production "
        '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))").',
    ]


def test_the_app_refuses_to_start_without_a_configured_languages_catalogue(tmp_path):
    with pytest.raises(StartupError, match="language 'de' has no compiled catalogue"):
        create_app(
            {
                "TESTING": True,
                "LANGUAGES": ("en", "fr", "de"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
            }
        )


# ---------------------------------------------------------------- the mail server, as delivery


@contextmanager
def mail_server(*, credentials=None, tls_context=None) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _SMTPHandler)
    server.refuse = False  # type: ignore[attr-defined]
    server.received = []  # type: ignore[attr-defined]
    server.credentials = credentials  # type: ignore[attr-defined]
    server.tls_context = tls_context  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """A throw-away self-signed certificate for 127.0.0.1 (its own authority), and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the STARTTLS server")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem"


@pytest.fixture(scope="module")
def tls_context(certificate) -> ssl.SSLContext:
    """A server-side TLS context with the throw-away certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, certificate.with_name("key.pem"))
    return context


def smtp_settings(server: _Server, **settings) -> dict:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": server.server_address[1],
        "SMTP_USE_TLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        **settings,
    }


def test_the_mail_check_signs_in_as_delivery_does():
    with mail_server(credentials=("mailer", "right")) as server:
        port = server.server_address[1]
        signed_in = smtp_settings(server, SMTP_USERNAME="mailer", SMTP_PASSWORD="right")
        assert smtp_problems(signed_in) == []
        wrong = smtp_settings(server, SMTP_USERNAME="mailer", SMTP_PASSWORD="wrong")
        assert smtp_problems(wrong) == [
            f"SMTP_PASSWORD: the mail server 127.0.0.1:{port} refused to sign in mailer "
            "(535 5.7.8 Authentication credentials invalid); check SMTP_USERNAME and "
            "SMTP_PASSWORD"
        ]
        missing = smtp_settings(server, SMTP_USERNAME="mailer")
        assert smtp_problems(missing) == ["SMTP_PASSWORD: not set, though SMTP_USERNAME is"]


def test_the_mail_check_says_when_the_server_offers_no_sign_in():
    with mail_server() as server:
        port = server.server_address[1]
        settings = smtp_settings(server, SMTP_USERNAME="mailer", SMTP_PASSWORD="right")
        assert smtp_problems(settings) == [
            f"SMTP_USERNAME: the mail server 127.0.0.1:{port} offers no sign-in (AUTH); many "
            "offer it only after STARTTLS (SMTP_USE_TLS=true)"
        ]


def test_the_mail_check_asks_for_starttls_when_smtp_use_tls_is_set(tls_context, certificate):
    with mail_server() as plain:
        port = plain.server_address[1]
        assert smtp_problems(smtp_settings(plain, SMTP_USE_TLS=True)) == [
            f"SMTP_USE_TLS: STARTTLS with the mail server 127.0.0.1:{port} failed (STARTTLS "
            "extension not supported by server.)"
        ]
    with mail_server(credentials=("mailer", "right"), tls_context=tls_context) as secure:
        settings = smtp_settings(
            secure,
            SMTP_USE_TLS=True,
            SMTP_USERNAME="mailer",
            SMTP_PASSWORD="right",
            SMTP_TLS_CA_FILE=str(certificate),
        )
        assert smtp_problems(settings) == []
        # Without STARTTLS this server offers no sign-in: the line says what to set.
        assert "SMTP_USE_TLS=true" in smtp_problems({**settings, "SMTP_USE_TLS": False})[0]


def test_starttls_checks_the_mail_servers_certificate(tls_context, certificate):
    """The password and the invitation links go through STARTTLS: a certificate nobody trusts
    is refused (smtplib checks nothing without a context), by the check as by delivery; a
    relay signed by a private authority is trusted through SMTP_TLS_CA_FILE."""
    with mail_server(credentials=("mailer", "right"), tls_context=tls_context) as secure:
        port = secure.server_address[1]
        untrusted = smtp_settings(
            secure, SMTP_USE_TLS=True, SMTP_USERNAME="mailer", SMTP_PASSWORD="right"
        )
        [problem] = smtp_problems(untrusted)
        assert problem.startswith(
            f"SMTP_USE_TLS: the certificate of the mail server 127.0.0.1:{port} could not be "
            "verified (self-signed certificate)"
        )
        assert "set SMTP_TLS_CA_FILE" in problem
        backend = backend_from_config({"MAIL_BACKEND": "smtp", **untrusted})
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            backend.send(Mail("a@example.org", "b@example.org", "Subject", "Body", "en"))
        assert secure.received == []
        trusted = {**untrusted, "SMTP_TLS_CA_FILE": str(certificate)}
        assert smtp_problems(trusted) == []
        backend_from_config({"MAIL_BACKEND": "smtp", **trusted}).send(
            Mail("a@example.org", "b@example.org", "Subject", "Body", "en")
        )
        assert len(secure.received) == 1


def test_a_ca_file_that_cannot_be_read_is_one_line(tmp_path):
    with mail_server() as server:
        settings = smtp_settings(
            server, SMTP_USE_TLS=True, SMTP_TLS_CA_FILE=str(tmp_path / "missing.pem")
        )
        assert smtp_problems(settings) == [
            f"SMTP_TLS_CA_FILE: {tmp_path / 'missing.pem'} is not a readable file"
        ]
