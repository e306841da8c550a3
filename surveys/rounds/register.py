"""The rounds slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.accounts.models import Role
from surveys.navigation import add_nav_item
from surveys.rounds.commands import rounds_cli
from surveys.rounds.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/rounds")
    app.cli.add_command(rounds_cli)
    add_nav_item("rounds.index", _l("Rounds"), roles=(Role.COORDINATOR, Role.ANALYST), order=30)
