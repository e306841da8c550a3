"""The `surveys` command: Flask's CLI for this app (`surveys run`, `surveys db upgrade`, ...)."""

import sys

import click
from flask.cli import AppGroup, FlaskGroup, ScriptInfo

from surveys import create_app
from surveys.config import StartupError


class SurveysGroup(FlaskGroup):
    """Flask's command group, telling settings that stop the app in one line each."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """`surveys --help` with settings that stop the app: their lines, then the commands
        that need no app (Flask would print a traceback)."""
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except StartupError as refused:
            click.echo(refused.report() + "\n", err=True)
            return sorted(AppGroup.list_commands(self, ctx))
        return super().list_commands(ctx)


def _lenient_app():
    """For `surveys check`: an app that records what would stop it, so the check can say so."""
    return create_app({"STARTUP_CHECKS": False})


def main() -> None:
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    factory = _lenient_app if command == "check" else create_app
    cli = SurveysGroup(create_app=factory, help="The Niamey monitoring platform.")
    try:
        cli.main(prog_name="surveys")
    except StartupError as refused:
        click.echo(refused.report(), err=True)
        sys.exit(2)
