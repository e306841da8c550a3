"""The storage slice joins the application: its commands."""

from __future__ import annotations

from flask import Flask

from surveys.storage.commands import storage_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(storage_cli)
