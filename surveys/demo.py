"""`surveys demo`: a complete demonstration data set, loaded step by step by each slice.

Every step is idempotent: running the command twice changes nothing the second time.
"""

from __future__ import annotations

import importlib

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.extensions import db

# Each module exposes `load_demo(out: DemoOutput) -> None`; order matters: later steps use
# earlier data.
DEMO_STEPS = (
    "surveys.countries.demo",
    "surveys.questionnaire.demo",
    "surveys.accounts.demo",
    "surveys.rounds.demo",
    "surveys.responses.demo",
    "surveys.notifications.demo",
    "surveys.results.demo",
    "surveys.export.demo",
)


class DemoOutput:
    """What the demo tells the person who ran it (logins, counts)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        self.lines.append(line)


def load_demo() -> DemoOutput:
    out = DemoOutput()
    for module_name in DEMO_STEPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that slice has no demo data
            raise
        module.load_demo(out)
        db.session.commit()
    return out


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demonstration data (countries, questionnaires, people, rounds, answers)."""
    if not current_app.config.get("DEMO_ENABLED"):
        raise click.ClickException("demo data is disabled in this configuration (production)")
    if if_empty:
        from surveys.accounts.models import User

        if db.session.scalar(db.select(db.func.count(User.id))):
            click.echo("The database already has data; demo not loaded.")
            return
    out = load_demo()
    for line in out.lines:
        click.echo(line)
