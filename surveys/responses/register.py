"""The responses slice joins the application: its pages, its menu entries, its evidence files
(checked and migrated by the file store's commands)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.navigation import add_nav_item
from surveys.responses.evidence import evidence_files
from surveys.responses.models import Evidence
from surveys.responses.views import bp
from surveys.roles import Role
from surveys.storage.references import FileReferences, refer_to_files


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav_item("responses.home", _l("My questionnaires"), roles=(Role.RESPONDENT,), order=10)
    refer_to_files(app, FileReferences(Evidence.sha256, evidence_files))
