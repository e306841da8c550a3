"""The offline slice joins the application: its pages, its commands."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.offline.commands import offline_cli
from surveys.offline.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/offline")
    app.cli.add_command(offline_cli)
    add_action_labels(
        {
            "offline.imported": _l("Answers imported from a workbook"),
        }
    )
