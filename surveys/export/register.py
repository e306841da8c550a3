"""The export slice joins the application: its pages, its commands, its menu entries, its archived
workbooks (checked and migrated by the file store's commands)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.export.archive import archived_files
from surveys.export.commands import export_cli
from surveys.export.models import ArchivedWorkbook
from surveys.export.views import bp
from surveys.navigation import add_nav_item
from surveys.roles import Role
from surveys.storage.references import FileReferences, refer_to_files


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/exports")
    app.cli.add_command(export_cli)
    refer_to_files(app, FileReferences(ArchivedWorkbook.sha256, archived_files))
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
