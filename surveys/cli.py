"""The `surveys` command: Flask's CLI for this app (`surveys run`, `surveys db upgrade`, ...)."""

import sys

import click
from flask.cli import FlaskGroup

from surveys import create_app
from surveys.config import StartupError


def main() -> None:
    cli = FlaskGroup(create_app=create_app, help="The Niamey monitoring platform.")
    try:
        cli.main(prog_name="surveys")
    except StartupError as refused:
        click.echo("surveys cannot start:", err=True)
        for problem in refused.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
