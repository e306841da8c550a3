"""The questionnaire slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.navigation import add_nav_item
from surveys.questionnaire.commands import questionnaire_cli
from surveys.questionnaire.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/questionnaires")
    app.cli.add_command(questionnaire_cli)
    add_nav_item("questionnaire.index", _l("Questionnaires"), order=60)
    add_action_labels(
        {
            "questionnaire.imported": _l("Questionnaire version imported"),
            "questionnaire.draft_replaced": _l("Draft questionnaire version replaced"),
            "questionnaire.published": _l("Questionnaire version published"),
        }
    )
