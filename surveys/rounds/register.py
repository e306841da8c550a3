"""The rounds slice joins the application: its pages, its commands, its menu entries, and the
submission status in words for every page (`submission_status_label` in templates)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.i18n import gettext as _
from surveys.navigation import add_nav_item
from surveys.roles import Role
from surveys.rounds.commands import rounds_cli
from surveys.rounds.submission_status import status_label
from surveys.rounds.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/rounds")
    app.cli.add_command(rounds_cli)
    app.jinja_env.globals["submission_status_label"] = submission_status_label
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
            "round.notices_withdrawn": _l("Unsent messages withdrawn"),
            "cadence.created": _l("Cadence set"),
            "cadence.stopped": _l("Cadence stopped"),
            "cadence.round_skipped": _l("Cadence could not create its round"),
        }
    )


def submission_status_label(status: str | None) -> str:
    """A submission's status in the reader's language (None: not started)."""
    return _(status_label(status))
