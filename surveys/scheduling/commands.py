"""`surveys scheduler`: run the scheduler process (see surveys.scheduling.process)."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.ops.logs import configure_process_logging

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
