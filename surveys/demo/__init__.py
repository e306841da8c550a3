"""`surveys demo`: a complete demonstration data set, loaded step by step.

One module of this package per step, named after the slice whose data it makes. Every step is
idempotent: running the command twice changes nothing the second time.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.accounts.models import User
from surveys.extensions import db

from . import accounts, countries, export, notifications, questionnaire, responses, results, rounds

# Each step exposes `load_demo(out: DemoOutput) -> None`; order matters: later steps use earlier
# data.
DEMO_STEPS = (countries, questionnaire, accounts, rounds, responses, notifications, results, export)


class DemoOutput:
    """What the demo tells the person who ran it (logins, counts)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        self.lines.append(line)


def load_demo() -> DemoOutput:
    out = DemoOutput()
    for step in DEMO_STEPS:
        step.load_demo(out)
        db.session.commit()
    return out


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demonstration data (countries, questionnaires, people, rounds, answers)."""
    if not current_app.config.get("DEMO_ENABLED"):
        raise click.ClickException("demo data is disabled in this configuration (production)")
    if if_empty and db.session.scalar(db.select(db.func.count(User.id))):
        click.echo("The database already has data; demo not loaded.")
        return
    out = load_demo()
    for line in out.lines:
        click.echo(line)


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the sign-in details of the demonstration accounts (written by `surveys demo`)."""
    if not current_app.config.get("DEMO_ENABLED"):
        raise click.ClickException("demo data is disabled in this configuration (production)")
    path = accounts.demo_logins_path()
    if not path.exists():
        click.echo("No demo accounts yet: run `surveys demo` first.")
        return
    click.echo(path.read_text(encoding="utf-8").rstrip("\n"))
