"""The scheduled jobs: opening notices, reminders, closing notices and snapshot, cadence rounds,
outbox delivery. Referenced by the scheduler as "surveys.scheduling.jobs:<name>" with ids only.

Idempotence: each unit of work (one country's reminder at one offset, one round's snapshot, ...)
first inserts its `JobRun` row, then queues its messages, then commits both together. The
unique constraint on JobRun makes a second attempt (a retry, a crash mid-run, a second scheduler)
fail before it has any effect. Each job takes an optional `now` so that tests pass the moment
explicitly instead of patching the clock.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from surveys.accounts.queries import coordinators
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.export.archive import archive_round
from surveys.export.jobs import run_pending
from surveys.extensions import db
from surveys.i18n import default_language, in_language
from surveys.notifications.outbox import deliver_pending
from surveys.responses.models import Submission
from surveys.responses.operations import round_answers
from surveys.results.operations import snapshot_round_close
from surveys.rounds import notices
from surveys.rounds.models import Cadence, JobRun, Round
from surveys.rounds.operations import (
    RoundError,
    cadence_occurrence_due,
    country_state_of,
    create_cadence_round,
    state_of,
)
from surveys.rounds.reminders import (
    REMINDER,
    country_scope,
    is_done,
    legacy_reminder_slot,
    notify_country,
    reminder_slot,
    worker_name,
)
from surveys.rounds.state import RoundState, due_reminder_offsets
from surveys.rounds.submission_status import COUNTED_STATUSES

logger = logging.getLogger("surveys.scheduler")

OPENING = "opening"
CLOSING = "closing"
SNAPSHOT = "snapshot"
CADENCE = "cadence"

# A closing notice this late would confuse more than inform (a round loaded or restored long
# after it closed): the unit is recorded as done without a message.
STALE_CLOSING_NOTICE = timedelta(days=7)

_process_app: Flask | None = None
F = TypeVar("F", bound=Callable[..., Any])


def bind_app(app: Flask) -> None:
    """The application the scheduler process runs its jobs in."""
    global _process_app
    _process_app = app


def in_app_context(function: F) -> F:
    """Run the job inside the process's app context unless the caller already has one."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():
            with in_language(default_language()):
                return function(*args, **kwargs)
        if _process_app is None:
            raise RuntimeError("no application bound: call bind_app(app) first")
        # No request here: the locale is forced (texts for a person use their own language).
        with (
            _process_app.app_context(),
            in_language(default_language()),
        ):
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper  # type: ignore[return-value]


def slot_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def claim(
    kind: str,
    scope: str,
    slot: str,
    *,
    now: datetime,
    round_id: int | None = None,
    country_id: int | None = None,
    cadence_id: int | None = None,
) -> JobRun | None:
    """Insert the unit's JobRun (not committed yet); None when it was already done.

    On PostgreSQL a concurrent insert of the same unit waits for the other transaction and
    then fails with an integrity error, so at most one of them goes on.
    """
    if is_done(kind, scope, slot):
        return None
    run = JobRun(
        kind=kind,
        scope=scope,
        slot=slot,
        round_id=round_id,
        country_id=country_id,
        cadence_id=cadence_id,
        done_at=now,
        messages_queued=0,
        worker=worker_name(),
    )
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def finish(run: JobRun, messages: int) -> None:
    """Commit the unit: its JobRun and everything it queued, together."""
    run.messages_queued = messages
    db.session.flush()
    db.session.commit()
    logger.info("done: %s %s %s, %s message(s) queued", run.kind, run.scope, run.slot, messages)


def _load_round(round_id: int) -> Round | None:
    db.session.expire_all()
    return db.session.get(Round, round_id)


def _submission_statuses(round_id: int) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(Submission.country_id, Submission.status).where(Submission.round_id == round_id)
    )
    return {country_id: status for country_id, status in rows}


# ---------------------------------------------------------------- round jobs


@in_app_context
def open_round(round_id: int, now: datetime | None = None) -> int:
    """Tell each country's respondents that the round is open (once per country)."""
    now = now or utcnow()
    round_ = _load_round(round_id)
    if round_ is None:
        return 0
    queued = 0
    for country_id in [p.country_id for p in round_.participants]:
        round_ = _load_round(round_id)
        participant = round_.participant(country_id)
        if country_state_of(participant, now) != RoundState.OPEN:
            continue
        run = claim(
            OPENING,
            country_scope(round_id, country_id),
            "open",
            now=now,
            round_id=round_id,
            country_id=country_id,
        )
        if run is None:
            continue
        count = notify_country(notices.OPENING, round_, participant)
        finish(run, count)
        queued += count
    return queued


@in_app_context
def send_reminders(round_id: int, now: datetime | None = None) -> int:
    """Remind countries that have not submitted, once per reminder offset.

    Offsets are counted back from each country's own (possibly extended) closing date; all
    offsets whose moment has passed are due, so a downtime never swallows a reminder.
    """
    now = now or utcnow()
    round_ = _load_round(round_id)
    if round_ is None or round_.cancelled_at is not None:
        return 0
    queued = 0
    for country_id in [p.country_id for p in round_.participants]:
        statuses = _submission_statuses(round_id)
        if statuses.get(country_id) in COUNTED_STATUSES:
            continue
        round_ = _load_round(round_id)
        participant = round_.participant(country_id)
        offsets = due_reminder_offsets(
            opens_at=round_.opens_at,
            closes_at=participant.closes_at,
            offsets=round_.reminder_offsets,
            now=now,
        )
        scope = country_scope(round_id, country_id)
        for offset in offsets:
            if is_done(REMINDER, scope, legacy_reminder_slot(offset)):
                continue  # sent before 0.3.0, when a slot named no date
            run = claim(
                REMINDER,
                scope,
                reminder_slot(offset, participant.closes_at),
                now=now,
                round_id=round_id,
                country_id=country_id,
            )
            if run is None:
                continue
            answers = round_answers(round_id)  # how far the country has come, said in it
            count = notify_country(notices.REMINDER, round_, participant, answers)
            finish(run, count)
            queued += count
    return queued


@in_app_context
def close_round(round_id: int, now: datetime | None = None) -> int:
    """Closing notice per country once its closing date passed; snapshot when all closed."""
    now = now or utcnow()
    round_ = _load_round(round_id)
    if round_ is None or round_.cancelled_at is not None:
        return 0
    queued = 0
    for country_id in [p.country_id for p in round_.participants]:
        round_ = _load_round(round_id)
        participant = round_.participant(country_id)
        if country_state_of(participant, now) != RoundState.CLOSED:
            continue
        run = claim(
            CLOSING,
            country_scope(round_id, country_id),
            slot_time(participant.closes_at),
            now=now,
            round_id=round_id,
            country_id=country_id,
        )
        if run is None:
            continue
        if now - participant.closes_at > STALE_CLOSING_NOTICE:
            finish(run, 0)
            continue
        submitted = _submission_statuses(round_id).get(country_id) in COUNTED_STATUSES
        count = notify_country(notices.CLOSING, round_, participant, submitted=submitted)
        finish(run, count)
        queued += count
    return queued + snapshot_round(round_id, now=now)


@in_app_context
def snapshot_round(round_id: int, now: datetime | None = None) -> int:
    """When every country is closed: the score snapshot, the archive and the coordinators'
    summary, once per closing (a reopened country closing again gives a new snapshot)."""
    now = now or utcnow()
    round_ = _load_round(round_id)
    if round_ is None or state_of(round_, now) != RoundState.CLOSED:
        return 0
    latest = round_.latest_closes_at
    run = claim(SNAPSHOT, f"r{round_id}", slot_time(latest), now=now, round_id=round_id)
    if run is None:
        return 0
    snapshot_round_close(round_id)
    archive_round(round_id)
    statuses = _submission_statuses(round_id)
    summary = {
        "submitted": sum(1 for s in statuses.values() if s in COUNTED_STATUSES),
        "total": len(round_.participants),
    }
    count = 0
    if now - latest <= STALE_CLOSING_NOTICE:
        for user in coordinators():
            notices.queue_notice(notices.CLOSED_SUMMARY, round_, user, summary=summary)
            count += 1
    finish(run, count)
    return count


# ---------------------------------------------------------------- sweeps


def rounds_to_sweep(now: datetime) -> list[int]:
    """Opened, not cancelled rounds whose closing snapshot for their current dates is missing."""
    rounds = db.session.scalars(
        sa.select(Round)
        .where(Round.cancelled_at.is_(None), Round.opens_at <= now)
        .order_by(Round.id)
    ).all()
    done = set(
        db.session.execute(
            sa.select(JobRun.round_id, JobRun.slot).where(JobRun.kind == SNAPSHOT)
        ).all()
    )
    pending = []
    for round_ in rounds:
        if (round_.id, slot_time(round_.latest_closes_at)) not in done:
            pending.append(round_.id)
    return pending


@in_app_context
def sweep(now: datetime | None = None) -> int:
    """Do every round job whose moment has passed (catch-up after downtime or a crash)."""
    now = now or utcnow()
    queued = 0
    round_ids = rounds_to_sweep(now)
    db.session.commit()
    for round_id in round_ids:
        queued += open_round(round_id, now=now)
        queued += send_reminders(round_id, now=now)
        queued += close_round(round_id, now=now)
    return queued


@in_app_context
def run_cadences(now: datetime | None = None) -> list[int]:
    """Create each cadence's next round when its creation day has come; tell coordinators."""
    now = now or utcnow()
    created: list[int] = []
    cadence_ids = db.session.scalars(
        sa.select(Cadence.id).where(Cadence.active.is_(True)).order_by(Cadence.id)
    ).all()
    for cadence_id in cadence_ids:
        db.session.expire_all()
        cadence = db.session.get(Cadence, cadence_id)
        opens_at = cadence_occurrence_due(cadence, now)
        if opens_at is None:
            continue
        run = claim(CADENCE, f"k{cadence_id}", slot_time(opens_at), now=now, cadence_id=cadence_id)
        if run is None:
            continue
        try:
            round_ = create_cadence_round(cadence, opens_at, now=now)
        except RoundError as exc:
            # Recorded as done so it is not retried every minute, and in the audit log so
            # coordinators can see why the round they expected does not exist.
            logger.warning("cadence %s: round for %s not created: %s", cadence_id, opens_at, exc)
            record(
                "cadence.round_skipped",
                target_type="cadence",
                target_id=cadence_id,
                details={"opens_at": opens_at.isoformat(), "reason": exc.message},
            )
            finish(run, 0)
            continue
        run.round_id = round_.id
        count = 0
        for user in coordinators():
            notices.queue_notice(notices.CADENCE_CREATED, round_, user)
            count += 1
        finish(run, count)
        created.append(round_.id)
    return created


@in_app_context
def deliver_outbox(now: datetime | None = None) -> dict[str, int]:
    report = deliver_pending(current_app.config, now=now).as_dict()
    if any(report.values()):
        logger.info(
            "outbox: %s", ", ".join(f"{count} {what}" for what, count in report.items() if count)
        )
    return report


@in_app_context
def run_exports() -> int:
    """Write the workbooks queued from the pages (see surveys.export.jobs)."""

    return run_pending(worker_name(), current_app.config)
