"""The scheduling slice joins the application: its commands."""

from __future__ import annotations

from flask import Flask

from surveys.scheduling.commands import scheduler_command


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
