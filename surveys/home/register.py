"""The home slice joins the application: its pages."""

from __future__ import annotations

from flask import Flask

from surveys.home.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
