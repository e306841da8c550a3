"""The Niamey monitoring platform: periodic self-assessments against migrant smuggling and
trafficking in persons, under the UNODC-led monitoring mechanism."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from surveys import inputs
from surveys.config import (
    StartupError,
    config_from_environment,
    production_problems,
    shipped_folder,
)


def create_app(config: dict | None = None) -> Flask:
    """Build the web application. `config` overrides settings (tests pass their own).

    Refuses to start (StartupError, one line per problem) with a configuration that cannot
    work; with STARTUP_CHECKS=False it records them instead, for `surveys check` to report.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("SURVEYS_INSTANCE_PATH") or None,
    )
    settings = config_from_environment()
    app.config.from_object(settings)
    if config:
        app.config.update(config)
    _apply_derived_settings(app)
    _refuse_unworkable_settings(app)

    if app.config["TRUSTED_PROXIES"]:
        trusted = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=0)
    _init_extensions(app)
    inputs.init_app(app)  # before the blueprints: their routes use its URL converters
    _register_blueprints(app)
    _register_commands(app)
    _register_request_hooks(app)
    return app


def _apply_derived_settings(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "surveys.columns"
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
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database host that does not answer fails a request in seconds, not minutes.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"connect_timeout": 5, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    # Uploads above the evidence limit are refused before they are read (413).
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024


def startup_problems(app: Flask) -> list[str]:
    from surveys.i18n import configure_languages, missing_catalogues
    from surveys.storage.backends import BACKENDS

    problems = []
    if os.environ.get("SURVEYS_ENV") == "production" and not app.testing:
        problems += production_problems(app.config)
    if app.config["FILE_STORAGE"] not in BACKENDS:
        problems.append(
            f"FILE_STORAGE={app.config['FILE_STORAGE']!r} is not one of {', '.join(BACKENDS)}"
        )
    problems += configure_languages(app)
    problems += missing_catalogues(app)
    return problems


def _refuse_unworkable_settings(app: Flask) -> None:
    problems = startup_problems(app)
    app.extensions["surveys.startup_problems"] = problems
    if problems and app.config.get("STARTUP_CHECKS", True):
        raise StartupError(problems)


def _init_extensions(app: Flask) -> None:
    from surveys import engine
    from surveys.extensions import babel, csrf, db, login_manager, migrate
    from surveys.i18n import select_locale, select_timezone
    from surveys.models import import_all_models

    import_all_models()
    db.init_app(app)
    engine.configure_engine(app)
    migrate.init_app(app, db, directory=str(shipped_folder("migrations")))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    from surveys.accounts.session import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from surveys.accounts.views import bp as accounts_bp
    from surveys.audit.views import bp as audit_bp
    from surveys.countries.views import bp as countries_bp
    from surveys.export.views import bp as export_bp
    from surveys.home.views import bp as home_bp
    from surveys.offline.views import bp as offline_bp
    from surveys.ops.health import bp as ops_bp
    from surveys.questionnaire.views import bp as questionnaire_bp
    from surveys.responses.views import bp as responses_bp
    from surveys.results.views import bp as results_bp
    from surveys.review.views import bp as review_bp
    from surveys.rounds.views import bp as rounds_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(countries_bp, url_prefix="/countries")
    app.register_blueprint(questionnaire_bp, url_prefix="/questionnaires")
    app.register_blueprint(rounds_bp, url_prefix="/rounds")
    app.register_blueprint(responses_bp)
    app.register_blueprint(results_bp, url_prefix="/results")
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(export_bp, url_prefix="/exports")
    app.register_blueprint(offline_bp, url_prefix="/offline")

    from surveys import api

    api.init_app(app)


def _register_commands(app: Flask) -> None:
    from surveys.accounts.commands import demo_logins_command, users_cli
    from surveys.countries.commands import countries_cli
    from surveys.demo import demo_command
    from surveys.export.commands import export_cli
    from surveys.offline.commands import offline_cli
    from surveys.ops.commands import backup_command, check_command, restore_command
    from surveys.questionnaire.commands import questionnaire_cli
    from surveys.results.commands import scores_cli
    from surveys.rounds.commands import rounds_cli
    from surveys.scheduling.commands import scheduler_command
    from surveys.storage.commands import storage_cli

    for command in (
        users_cli,
        backup_command,
        check_command,
        restore_command,
        countries_cli,
        demo_command,
        demo_logins_command,
        export_cli,
        offline_cli,
        questionnaire_cli,
        scores_cli,
        rounds_cli,
        scheduler_command,
        storage_cli,
    ):
        app.cli.add_command(command)


def _register_request_hooks(app: Flask) -> None:
    from surveys import assets, web
    from surveys.ops import logs

    logs.init_app(app)  # first: its timer starts before any other hook may answer
    web.init_app(app)
    assets.init_app(app)
