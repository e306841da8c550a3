"""The accounts slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.accounts.commands import demo_logins_command, users_cli
from surveys.accounts.models import Role
from surveys.accounts.views import bp
from surveys.navigation import add_nav_item


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_logins_command)
    add_nav_item("accounts.people", _l("People"), roles=(Role.ADMIN, Role.COORDINATOR), order=85)
    add_nav_item("accounts.profile", _l("My account"), order=99)
