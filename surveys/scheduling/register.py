"""The scheduling slice joins the application: its commands, and the rounds' "at once" commands
(`surveys rounds open-now`, `close-now`), which run its jobs."""

from __future__ import annotations

from flask import Flask

from surveys.rounds.commands import rounds_cli
from surveys.scheduling.commands import close_now_command, open_now_command, scheduler_command


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    rounds_cli.add_command(open_now_command)
    rounds_cli.add_command(close_now_command)
