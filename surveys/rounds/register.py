"""The rounds slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.navigation import add_nav_item
from surveys.roles import Role
from surveys.rounds.commands import rounds_cli
from surveys.rounds.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/rounds")
    app.cli.add_command(rounds_cli)
    add_nav_item("rounds.index", _l("Rounds"), roles=(Role.COORDINATOR, Role.ANALYST), order=30)
    add_action_labels(
        {
            "round.created": _l("Round created"),
            "round.updated": _l("Round changed"),
            "round.cancelled": _l("Round cancelled"),
            "round.closing_moved": _l("Closing date moved"),
            "round.extended": _l("Deadline extended for a country"),
            "round.reopened": _l("Round reopened for a country"),
            "round.opened_now": _l("Round opened at once by an operator"),
            "round.closed_now": _l("Round closed at once by an operator"),
            "cadence.created": _l("Cadence set"),
            "cadence.stopped": _l("Cadence stopped"),
            "cadence.round_skipped": _l("Cadence could not create its round"),
        }
    )
