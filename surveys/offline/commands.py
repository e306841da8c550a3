"""`surveys offline template|import`: a country's workbook from the shell, and importing filled
ones on someone's behalf (the same checks, preview and merge as the upload page)."""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from surveys.accounts.models import User
from surveys.countries.models import Country
from surveys.export.commands import _write_atomically
from surveys.i18n import gettext as _
from surveys.i18n import in_language, language_option
from surveys.responses import operations as ops
from surveys.rounds.models import Round

offline_cli = AppGroup("offline", help="Offline answering: workbooks that go out and come back.")


def _round_and_country(round_id: int, code: str):
    from surveys.extensions import db

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    country = db.session.scalar(sa.select(Country).where(Country.iso2 == code.upper()))
    if country is None or round_.participant(country.id) is None:
        raise click.ClickException(f"country {code} does not take part in round {round_id}")
    return round_, country


@offline_cli.command("template")
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option("--country", "code", required=True, help="The country's ISO code, e.g. NE.")
@language_option("--lang", "language")
@click.option("--area", "areas", multiple=True, help="Only this area (repeat for several).")
@click.option("--blank", is_flag=True, help="Without the answers saved online.")
@click.option("--timezone", default="UTC", show_default=True, help="For the deadline shown.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def template_command(round_id, code, language, areas, blank, timezone, output) -> None:
    """Write a country's workbook for a round."""
    from surveys.offline.operations import make_template

    round_, country = _round_and_country(round_id, code)
    unknown = [a for a in areas if round_.version.definition.area(a) is None]
    if unknown:
        raise click.ClickException(f"unknown area: {', '.join(unknown)}")
    started = time.perf_counter()
    _write_atomically(
        output,
        lambda path: make_template(
            path,
            round_,
            country,
            language,
            secret=current_app.config["SECRET_KEY"],
            area_ids=areas,
            blank=blank,
            timezone=timezone,
        ),
    )
    size = Path(output).stat().st_size
    click.echo(f"{output}: {size} bytes, written in {time.perf_counter() - started:.2f} s")


@offline_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "email", required=True, help="Who imports (recorded in the history).")
@click.option(
    "--keep",
    type=click.Choice(["file", "online"]),
    default=None,
    help="For conflicts: keep the file's or the online answer (default: stop).",
)
@click.option(
    "--confirm-carried", is_flag=True, help="Confirm carried-over answers left as they were."
)
@click.option("--dry-run", is_flag=True, help="Show the preview only.")
def import_command(files, email, keep, confirm_carried, dry_run) -> None:
    """Import filled workbooks for the country and round they were made for."""
    from surveys.extensions import db
    from surveys.offline import operations as offline
    from surveys.offline.workbook import WorkbookRefused, open_workbook

    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None or not user.is_active:
        raise click.ClickException(f"no active user {email}")
    secret = current_app.config["SECRET_KEY"]
    try:
        identity = open_workbook(Path(files[0]), secret).identity
    except WorkbookRefused as refused:
        with in_language(user.language):
            raise click.ClickException(
                f"{files[0]}: {_(refused.problem.message, **dict(refused.problem.params))}"
            ) from None

    round_ = db.session.get(Round, identity.round_id)
    country = db.session.get(Country, identity.country_id)
    if round_ is None or country is None:
        raise click.ClickException(f"{files[0]}: its round or country no longer exists")
    started = time.perf_counter()
    with in_language(user.language):
        submission = ops.find_submission(round_.id, country.id)
        refusal = offline.refusal(user, round_, country.id, submission)
        if refusal:
            raise click.ClickException(_(refusal))
        uploads = [(Path(f), Path(f).name) for f in files]
        preview = offline.preview_import(round_, country, uploads, secret=secret)
        for result, problem in preview.problems:
            place = "!".join(p for p in (problem.sheet, problem.cell) if p)
            click.echo(
                f"{result.name} {place}: {_(problem.message, **dict(problem.params))}", err=True
            )
        if not preview.ok:
            raise click.ClickException("nothing was imported")
        for change in preview.changes("changed", "conflict"):
            click.echo(f"{change.state:9} {change.number} {change.question.id}")
        if preview.conflicts and keep is None:
            raise click.ClickException(
                f"{len(preview.conflicts)} conflicts: choose --keep file or --keep online"
            )
        if dry_run:
            return
        if submission is None:
            submission = ops.start_submission(round_, country, actor=user)
            db.session.flush()
            preview = offline.preview_import(round_, country, uploads, secret=secret)
        choices = {c.question.id: keep for c in preview.conflicts}
        carried = [c.question.id for c in preview.carried] if confirm_carried else []
        outcome = offline.apply_import(
            preview, submission, actor=user, choices=choices, confirm=carried
        )
        db.session.commit()
    click.echo(
        f"saved {outcome.saved}, conflicts settled with the file {outcome.resolved}, "
        f"kept online {outcome.kept_online}, confirmed {outcome.confirmed} "
        f"in {time.perf_counter() - started:.2f} s"
    )
