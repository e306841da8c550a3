"""The questionnaire slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.navigation import add_nav_item
from surveys.questionnaire.commands import questionnaire_cli
from surveys.questionnaire.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/questionnaires")
    app.cli.add_command(questionnaire_cli)
    add_nav_item("questionnaire.index", _l("Questionnaires"), order=60)
