"""The `surveys` command: Flask's CLI for this app (`surveys run`, `surveys db upgrade`, ...)."""

import sys

import click
from flask.cli import FlaskGroup

from surveys import create_app
from surveys.config import StartupError


def _lenient_app():
    """For `surveys check`: an app that records what would stop it, so the check can say so."""
    return create_app({"STARTUP_CHECKS": False})


def main() -> None:
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    factory = _lenient_app if command == "check" else create_app
    cli = FlaskGroup(create_app=factory, help="The Niamey monitoring platform.")
    try:
        cli.main(prog_name="surveys")
    except StartupError as refused:
        click.echo("surveys cannot start:", err=True)
        for problem in refused.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
