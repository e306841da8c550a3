"""The results slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.navigation import add_nav_item
from surveys.results.commands import scores_cli
from surveys.results.views import bp
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/results")
    app.cli.add_command(scores_cli)
    add_nav_item(
        "results.index", _l("Results"), roles=(Role.ANALYST, Role.COORDINATOR, Role.ADMIN), order=40
    )
