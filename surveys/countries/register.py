"""The countries slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.countries.commands import countries_cli
from surveys.countries.views import bp
from surveys.navigation import add_nav_item
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/countries")
    app.cli.add_command(countries_cli)
    add_nav_item("countries.index", _l("Countries"), roles=(Role.ADMIN, Role.COORDINATOR), order=80)
    add_action_labels(
        {
            "country.renamed": _l("Country renamed"),
            "country.deactivated": _l("Country no longer offered for new rounds"),
            "country.activated": _l("Country offered for new rounds again"),
        }
    )
