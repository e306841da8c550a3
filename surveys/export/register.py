"""The export slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.export.commands import export_cli
from surveys.export.views import bp
from surveys.navigation import add_nav_item
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/exports")
    app.cli.add_command(export_cli)
    add_nav_item(
        "export.index", _l("Excel workbooks"), roles=(Role.ANALYST, Role.COORDINATOR), order=70
    )
    add_action_labels(
        {
            "export.scorecard": _l("Scorecard downloaded"),
            "export.trends": _l("Trends workbook downloaded"),
            "export.queued": _l("Trends workbook with every answer requested"),
            "export.downloaded": _l("Prepared workbook downloaded"),
        }
    )
