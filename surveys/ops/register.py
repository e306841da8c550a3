"""The ops slice joins the application: its pages, its commands."""

from __future__ import annotations

from flask import Flask

from surveys.ops.commands import backup_command, check_command, restore_command
from surveys.ops.health import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(backup_command)
    app.cli.add_command(check_command)
    app.cli.add_command(restore_command)
