"""`surveys check`: the operator's readiness check (see surveys.ops.checks)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.ops.checks import is_production, run_checks


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check configuration, database, migrations, catalogues, file store and scheduler.

    Prints one line per problem and exits with status 1 when there is any.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    problems = run_checks(app)
    for problem in problems:
        click.echo(problem)
    scope = "production" if is_production() else "development (production rules not applied)"
    if problems:
        count = len(problems)
        click.echo(f"{count} problem{'' if count == 1 else 's'} found ({scope}).", err=True)
        raise SystemExit(1)
    click.echo(f"Ready: every check passed ({scope}).")
