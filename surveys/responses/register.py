"""The responses slice joins the application: its pages, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.navigation import add_nav_item
from surveys.responses.views import bp
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav_item("responses.home", _l("My questionnaires"), roles=(Role.RESPONDENT,), order=10)
