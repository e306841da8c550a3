"""`surveys scheduler`: run the scheduler process (see surveys.scheduling.process).

`surveys rounds open-now` and `close-now` live here too (the scheduling slice adds them to the
rounds group): an operator's "at once" is the round's change plus the very jobs the scheduler
runs when the date comes (notices, score snapshot, archived workbooks), each done once."""

from __future__ import annotations

import logging
import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from surveys.columns import utcnow
from surveys.export.models import ArchivedWorkbook
from surveys.extensions import db
from surveys.logs import configure_process_logging
from surveys.rounds.commands import echo_withdrawn, in_english, round_by_id
from surveys.rounds.operations import close_now, open_now
from surveys.rounds.reminders import withdraw_outdated_notices
from surveys.scheduling.jobs import close_round, open_round

# The scheduler process (surveys.scheduling.process) brings APScheduler: it is imported when the
# command runs, so that web workers, which register the command but never run it, do without.
DEFAULT_POLL_SECONDS = 5.0


@click.command("scheduler")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(min=0.1, max=55),
    default=DEFAULT_POLL_SECONDS,
    show_default=True,
    help="How often a standby checks whether the active scheduler is gone.",
)
@click.option("--once", is_flag=True, help="Do everything due now once, then exit.")
@click.option("--plan", is_flag=True, help="List the round jobs of the next 60 days and exit.")
@with_appcontext
def scheduler_command(poll_seconds: float, once: bool, plan: bool) -> None:
    """Run the scheduler process (one active leader; others wait as standbys)."""
    from surveys.scheduling.process import next_moments, run

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if plan:
        for job in next_moments(app):
            click.echo(f"{job.run_date:%Y-%m-%d %H:%M} UTC  {job.id}")
        return
    configure_process_logging(app)
    # The scheduler logs what it did (surveys.scheduler); APScheduler's "Running job ... executed
    # successfully" for every routine run would bury that. Its warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sys.exit(run(app, poll_seconds=poll_seconds, once=once))


@click.command("open-now")
@click.argument("round_id", type=int)
@in_english
def open_now_command(round_id):
    """Open a scheduled round at once, with its opening notices (as the scheduler sends them)."""

    round_ = round_by_id(round_id)
    now = utcnow()
    open_now(round_, now=now)
    db.session.commit()
    queued = open_round(round_id, now=now)
    click.echo(
        f"Round {round_id} ({round_.period_label}) is open; {queued} opening notices queued."
    )


@click.command("close-now")
@click.argument("round_id", type=int)
@in_english
def close_now_command(round_id):
    """Close an open round at once for every country: closing notices, the score snapshot and
    the archived workbooks, exactly as when its closing date passes (each done once)."""

    round_ = round_by_id(round_id)
    now = utcnow()
    before = {p.country_id: p.closes_at for p in round_.participants}
    close_now(round_, now=now)
    # Reminders not sent yet still name the date it would have closed on: withdrawn, and the
    # closing notices queued next say what holds.
    withdrawal = withdraw_outdated_notices(round_, before, now=now)
    db.session.commit()
    queued = close_round(round_id, now=now)
    archived = db.session.scalars(
        sa.select(ArchivedWorkbook.filename).where(ArchivedWorkbook.round_id == round_id)
    ).all()
    click.echo(
        f"Round {round_id} ({round_.period_label}) is closed; {queued} notices queued; "
        f"archived: {', '.join(archived) or 'none'}."
    )
    echo_withdrawn(len(withdrawal.withdrawn), len(withdrawal.being_sent))
