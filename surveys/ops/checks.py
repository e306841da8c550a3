"""`surveys check`: is this installation ready to serve? One line per problem, each saying which
setting or part is wrong and what to do.

Configuration rules that only matter in production (secret strength, https, real e-mail) apply
when SURVEYS_ENV=production; the rest (database, migrations, catalogues, file store, scheduler,
forwarded headers) apply everywhere.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask

from surveys.config import UNUSABLE_DATABASE
from surveys.extensions import db
from surveys.notifications.delivery import SMTPBackend, smtp_reason
from surveys.scheduling.heartbeat import scheduler_status
from surveys.storage.backends import current_store
from surveys.storage.commands import missing_count
from surveys.web_settings import web_server_problems

MAIL_BACKENDS = ("console", "smtp", "memory")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # noqa: S104 - names, not a bind
MAX_SENSIBLE_PROXIES = 3
SMTP_CONNECT_SECONDS = 5


def is_production() -> bool:
    return os.environ.get("SURVEYS_ENV") == "production"


# ---------------------------------------------------------------- configuration


def base_url_problems(config, production: bool) -> list[str]:
    url = config.get("BASE_URL") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            f"BASE_URL: {url!r} is not an absolute http(s) address "
            "(e.g. https://monitoring.example.org); links in e-mails use it"
        ]
    problems = []
    if production and parts.scheme != "https":
        problems.append(f"BASE_URL: {url} is not https; sign-in cookies are only sent over https")
    if production and parts.hostname in LOCAL_HOSTS:
        problems.append(f"BASE_URL: {url} points at this machine; e-mail links would not work")
    return problems


def mail_problems(config, production: bool) -> list[str]:
    backend = config.get("MAIL_BACKEND")
    if backend not in MAIL_BACKENDS:
        return [f"MAIL_BACKEND: {backend!r} is not one of {', '.join(MAIL_BACKENDS)}"]
    problems = []
    sender = config.get("MAIL_FROM") or ""
    if "@" not in sender:
        problems.append(f"MAIL_FROM: {sender!r} is not an e-mail address")
    if production:
        if backend != "smtp":
            problems.append(
                f"MAIL_BACKEND: {backend} does not send e-mails (invitations, reminders); "
                "set MAIL_BACKEND=smtp and SMTP_HOST"
            )
        if sender.endswith(".invalid"):
            problems.append(f"MAIL_FROM: {sender} is the placeholder; set the real sender")
    if backend == "smtp":
        problems += smtp_problems(config)
    return problems


def smtp_problems(config) -> list[str]:
    """Talk to the mail server as delivery does: connect, STARTTLS when SMTP_USE_TLS, sign in
    when SMTP_USERNAME is set (a wrong password is a problem here, not at the first invitation)."""
    host, port = config.get("SMTP_HOST") or "", config.get("SMTP_PORT")
    if not host:
        return ["SMTP_HOST: not set, though MAIL_BACKEND is smtp"]
    if not isinstance(port, int) or not 0 < port < 65536:
        return [f"SMTP_PORT: {port!r} is not a port number"]
    problems = []
    username = config.get("SMTP_USERNAME") or None
    use_tls = bool(config.get("SMTP_USE_TLS"))
    ca_file = config.get("SMTP_TLS_CA_FILE") or None
    if ca_file and not (os.path.isfile(ca_file) and os.access(ca_file, os.R_OK)):
        return [f"SMTP_TLS_CA_FILE: {ca_file} is not a readable file"]
    if username and not config.get("SMTP_PASSWORD"):
        problems.append("SMTP_PASSWORD: not set, though SMTP_USERNAME is")
        username = None  # signing in without it can only fail: that line says so already
    backend = SMTPBackend(
        host,
        port,
        use_tls=use_tls,
        username=username,
        password=config.get("SMTP_PASSWORD") or None,
        timeout=SMTP_CONNECT_SECONDS,
        ca_file=ca_file,
    )
    steps: list[str] = []
    server = f"{host}:{port}"
    try:
        with backend.session(steps.append) as smtp:
            steps.append("noop")
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        reason = smtp_reason(exc)
        step = steps[-1] if steps else "connect"
        if step == "starttls" and isinstance(exc, ssl.SSLCertVerificationError):
            problems.append(
                f"SMTP_USE_TLS: the certificate of the mail server {server} could not be "
                f"verified ({exc.verify_message}); if it is signed by a private authority, set "
                "SMTP_TLS_CA_FILE to that authority's certificate"
            )
        elif step == "starttls":
            problems.append(
                f"SMTP_USE_TLS: STARTTLS with the mail server {server} failed ({reason})"
            )
        elif step == "login" and isinstance(exc, smtplib.SMTPNotSupportedError):
            problems.append(
                f"SMTP_USERNAME: the mail server {server} offers no sign-in (AUTH)"
                + ("" if use_tls else "; many offer it only after STARTTLS (SMTP_USE_TLS=true)")
            )
        elif step == "login":
            problems.append(
                f"SMTP_PASSWORD: the mail server {server} refused to sign in {username} "
                f"({reason}); check SMTP_USERNAME and SMTP_PASSWORD"
            )
        else:
            problems.append(f"SMTP_HOST: cannot talk to the mail server {server} ({reason})")
    return problems


def proxy_problems(config, production: bool) -> list[str]:
    proxies = config.get("TRUSTED_PROXIES")
    if not isinstance(proxies, int) or proxies < 0:
        return [f"TRUSTED_PROXIES: {proxies!r} must be the number of proxies (0 or more)"]
    if proxies > MAX_SENSIBLE_PROXIES:
        return [
            f"TRUSTED_PROXIES: {proxies} proxies is more than any usual chain; counting more "
            "than there are lets a client forge its address in X-Forwarded-For"
        ]
    if production and proxies == 0 and urlsplit(config.get("BASE_URL") or "").scheme == "https":
        return [
            "TRUSTED_PROXIES: 0, yet BASE_URL is https, so a reverse proxy ends TLS in front "
            "of the app; set it to the number of proxies (usually 1), or every visitor shares "
            "the proxy's address in the sign-in throttle and the audit log"
        ]
    return []


def database_url_problems(config, production: bool) -> list[str]:
    if production and str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        return [
            "DATABASE_URL: SQLite serves one machine only; production runs on PostgreSQL "
            "(postgresql+psycopg://user@host/database)"
        ]
    return []


# ---------------------------------------------------------------- what is running


def migration_problems(connection) -> list[str]:
    # Alembic is imported here, not by web workers (which register this command, never run it).
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    directory = current_app.extensions["migrate"].directory
    script = ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config(directory)
    )
    expected = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return ["database: no schema yet; run `surveys db upgrade`"]
    if current != expected:
        return [
            f"database: at migration {', '.join(sorted(current))} but this version of the code "
            f"expects {', '.join(sorted(expected))}; run `surveys db upgrade`"
        ]
    return []


def storage_problems(app: Flask) -> list[str]:
    store = current_store()
    problem = store.problem()
    if problem:
        return [f"file store: {problem}"]
    missing = missing_count(store)
    if missing:
        files = (
            "1 file the database refers to is"
            if missing == 1
            else (f"{missing} files the database refers to are")
        )
        return [f"file store: {files} not in the {store.name} store; run `surveys storage migrate`"]
    return []


def scheduler_problems(connection, max_age: int) -> list[str]:
    status = scheduler_status(connection, max_age)
    if status.leader_age_seconds is None:
        return [
            "scheduler: no heartbeat; start `surveys scheduler` (one per machine: one leads, "
            "the others stand by)"
        ]
    if not status.fresh(max_age):
        return [
            f"scheduler: the last heartbeat is {round(status.leader_age_seconds)} s old (more "
            f"than {max_age} s); is `surveys scheduler` running and reaching the database?"
        ]
    return []


def run_checks(app: Flask) -> list[str]:
    """Every problem found, one line each (empty: ready)."""
    production = is_production()
    config = app.config
    problems = list(app.extensions.get("surveys.startup_problems", []))
    config_checks: list[Callable] = [base_url_problems, mail_problems, proxy_problems]
    for check in config_checks:
        problems += check(config, production)
    problems += web_server_problems()  # gunicorn would refuse to start
    if app.extensions.get(UNUSABLE_DATABASE):
        return problems  # DATABASE_URL's own line says why; there is no database to check
    problems += database_url_problems(config, production)
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            schema = migration_problems(connection)
            problems += schema
            if schema:
                return problems
            problems += scheduler_problems(connection, config["SCHEDULER_HEARTBEAT_MAX_AGE"])
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        problems.append(f"database: cannot connect ({reason}); check DATABASE_URL")
        return problems
    problems += storage_problems(app)
    return problems
