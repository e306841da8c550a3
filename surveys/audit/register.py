"""The audit slice joins the application: its pages, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.views import bp
from surveys.navigation import add_nav_item
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/audit")
    add_nav_item("audit.index", _l("Audit log"), roles=(Role.ADMIN,), order=95)
