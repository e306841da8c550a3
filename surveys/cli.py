"""The `surveys` command: Flask's CLI for this app (`surveys run`, `surveys db upgrade`, ...)."""

import sys
from importlib.metadata import PackageNotFoundError, version

import click
from flask.cli import AppGroup, FlaskGroup, ScriptInfo
from sqlalchemy.exc import OperationalError, ProgrammingError

from surveys import create_app
from surveys.config import StartupError


def platform_version() -> str:
    """The installed package's version (pyproject.toml's, as pip recorded it)."""
    try:
        return version("surveys")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"surveys {platform_version()}")
        ctx.exit()


class SurveysGroup(FlaskGroup):
    """Flask's command group, with the platform's version and without Flask's `--env-file`.

    Settings come from the environment only (systemd's EnvironmentFile, or `set -a; .
    /etc/surveys/env; set +a` in a shell): Flask's `--env-file` and its `.env` files need
    python-dotenv, which the platform does not install, and would make a setting depend on the
    folder a command is started from.
    """

    def __init__(self, **extra) -> None:
        super().__init__(add_version_option=False, load_dotenv=False, **extra)
        self.params = [p for p in self.params if p.name != "env_file"]
        self.params.append(
            click.Option(
                ["--version"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_print_version,
                help="Show the platform's version.",
            )
        )

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
    except (OperationalError, ProgrammingError) as exc:
        line = schema_problem(exc)
        if line is None:
            raise
        click.echo(line, err=True)
        sys.exit(2)


# How SQLite and PostgreSQL say that a table or a column the code reads is not there.
_MISSING = (
    ("no such table", "has no table"),
    ("undefinedtable", "has no table"),
    ("no such column", "lacks a column"),
    ("undefinedcolumn", "lacks a column"),
)


def schema_problem(exc: Exception) -> str | None:
    """One line for a command run on a database whose schema is missing or older than the
    code (before `surveys db upgrade`), instead of SQLAlchemy's traceback; None otherwise."""
    said = f"{type(getattr(exc, 'orig', exc)).__name__} {exc}".lower()
    for words, what in _MISSING:
        if words in said:
            return (
                f"surveys: the database {what} this version reads: run `surveys db upgrade` "
                "first (`surveys check` says which migration it is at)"
            )
    return None
