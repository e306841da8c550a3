"""The Niamey monitoring platform: periodic self-assessments against migrant smuggling and
trafficking in persons, under the UNODC-led monitoring mechanism."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from surveys import inputs
from surveys.config import (
    UNUSABLE_DATABASE,
    StartupError,
    database_url_problem,
    production_problems,
    settings_from_environment,
    shipped_folder,
)


def create_app(config: dict | None = None, *, commands: bool = True) -> Flask:
    """Build the web application. `config` overrides settings (tests pass their own).

    Refuses to start (StartupError, one line per problem) with a configuration that cannot
    work; with STARTUP_CHECKS=False it records them instead, for `surveys check` to report.
    `commands=False` (the web workers' entry point, surveys.wsgi) leaves out what only the
    command line uses: `surveys db` (Flask-Migrate and Alembic, about 10 MB a process).
    """
    instance_path = os.environ.get("SURVEYS_INSTANCE_PATH", "").strip()
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
    )
    settings, problems = settings_from_environment()
    app.config.update(settings)
    if config:
        app.config.update(config)
    problems += _apply_derived_settings(app)
    _refuse_unworkable_settings(app, problems)

    if app.config["TRUSTED_PROXIES"]:
        trusted = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=0)
    _init_extensions(app)
    if commands:
        _init_migrations(app)
    inputs.init_app(app)  # before the blueprints: their routes use its URL converters
    _register_slices(app)
    _register_request_hooks(app)
    return app


def is_production(app: Flask) -> bool:
    return app.config.get("SURVEYS_ENV") == "production" and not app.testing


def _apply_derived_settings(app: Flask) -> list[str]:
    """Fill in the defaults that depend on the instance folder; the problems found.

    The instance folder is created only when something is kept there: the default SQLite
    database here, the scheduler's lock file (SQLite), a directory file store or the demo's
    logins where they are written. In production (PostgreSQL, the database file store) nothing
    is, so a service user that cannot write `<venv>/var/surveys-instance` never needs to.
    """
    problems = []
    if not app.config.get("SQLALCHEMY_DATABASE_URI") and not is_production(app):
        problem = instance_folder_problem(app)
        if problem:
            problems.append(problem)
        else:
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
                Path(app.instance_path) / "surveys.db"
            )
    app.config.setdefault("UPLOAD_DIR", None)
    app.config["UPLOAD_DIR"] = app.config["UPLOAD_DIR"] or str(Path(app.instance_path) / "uploads")
    app.config["ARCHIVE_DIR"] = app.config.get("ARCHIVE_DIR") or str(
        Path(app.instance_path) / "archive"
    )
    app.config["FILE_STORAGE_DIR"] = app.config.get("FILE_STORAGE_DIR") or str(
        Path(app.instance_path) / "files"
    )
    app.config["SCHEDULER_LOCK_FILE"] = app.config.get("SCHEDULER_LOCK_FILE") or str(
        Path(app.instance_path) / "scheduler.lock"
    )
    if str(app.config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        from surveys.columns import json_from_postgresql

        # A database host that does not answer fails a request in seconds, not minutes.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"connect_timeout": 5, **options.get("connect_args", {})}
        options.setdefault("json_deserializer", json_from_postgresql)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    # Uploads above the evidence limit are refused before they are read (413).
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    return problems


def instance_folder_problem(app: Flask) -> str | None:
    """Create the instance folder; why it cannot be (None: it exists now)."""
    try:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return (
            f"SURVEYS_INSTANCE_PATH: cannot create {app.instance_path}: {reason}; set "
            "SURVEYS_INSTANCE_PATH to a folder the service user can write"
        )
    return None


def startup_problems(app: Flask) -> list[str]:
    from surveys.i18n import configure_languages, missing_catalogues
    from surveys.storage.backends import BACKENDS

    problems = []
    if is_production(app):
        problems += production_problems(app.config)
    database = database_url_problem(app.config.get("SQLALCHEMY_DATABASE_URI"))
    if database:
        problems.append(database)
    if app.config["FILE_STORAGE"] not in BACKENDS:
        problems.append(
            f"FILE_STORAGE={app.config['FILE_STORAGE']!r} is not one of {', '.join(BACKENDS)}"
        )
    problems += configure_languages(app)
    problems += missing_catalogues(app)
    return problems


def _refuse_unworkable_settings(app: Flask, problems: list[str]) -> None:
    problems = problems + startup_problems(app)
    app.extensions["surveys.startup_problems"] = problems
    if problems and app.config.get("STARTUP_CHECKS", True):
        raise StartupError(problems)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri or database_url_problem(uri):
        # Only a lenient app gets here (`surveys check`), to report; it reaches no database.
        app.extensions[UNUSABLE_DATABASE] = True
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}


def _init_extensions(app: Flask) -> None:
    from surveys import engine
    from surveys.extensions import babel, csrf, db, login_manager
    from surveys.i18n import install_template_translations, select_locale, select_timezone
    from surveys.slices import import_all_models

    import_all_models()
    db.init_app(app)
    engine.configure_engine(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_translations(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    from surveys.accounts.session import load_user

    login_manager.user_loader(load_user)


def _init_migrations(app: Flask) -> None:
    """`surveys db ...` and app.extensions["migrate"] (read by `surveys check` and backups)."""
    from flask_migrate import Migrate
    from flask_migrate.cli import downgrade

    from surveys.extensions import db

    Migrate(app, db, directory=str(shipped_folder("migrations")))
    # `surveys db downgrade -1`, as Alembic writes a step back: Click would refuse the "-1" as
    # an option it does not know ("No such option '-1'"); it is the revision.
    downgrade.context_settings["ignore_unknown_options"] = True


def _register_slices(app: Flask) -> None:
    from surveys import slices
    from surveys.demo import demo_command, demo_logins_command

    slices.init_app(app)
    app.cli.add_command(demo_command)
    app.cli.add_command(demo_logins_command)


def _register_request_hooks(app: Flask) -> None:
    from surveys import assets, logs, web

    logs.init_app(app)  # first: its timer starts before any other hook may answer
    web.init_app(app)
    assets.init_app(app)
