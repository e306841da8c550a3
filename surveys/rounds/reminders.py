"""Reminders of a round: the ledger of round work (JobRun), who can be reminded now, and the
reminders coordinators send by hand ("remind now", "remind every country"), counted with the
scheduled ones (which the scheduler sends: surveys.scheduling.jobs.send_reminders).

Which countries have submitted is the caller's to say (`submitted`: the ids of the countries
whose submission counts), so that rounds need not know how a submission is kept.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.accounts.queries import (
    countries_with_respondents,
    country_respondents,
    respondents_by_country,
)
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import gettext as _
from surveys.notifications.outbox import Withdrawal
from surveys.rounds import notices
from surveys.rounds.models import JobRun, Round, RoundCountry
from surveys.rounds.operations import (
    RoundError,
    country_state_of,
    extend_country,
    move_closing,
)
from surveys.rounds.progress import country_completion
from surveys.rounds.state import RoundState, reminder_due_at

# JobRun kinds of reminders: scheduled (one per offset) and sent by hand.
REMINDER = "reminder"
MANUAL_REMINDER = "reminder_now"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def country_scope(round_id: int, country_id: int) -> str:
    return f"r{round_id}/c{country_id}"


def reminder_slot(offset: int, closes_at: datetime) -> str:
    """The scheduled reminder `offset` days before `closes_at`: a new closing date has slots of
    its own, so that reminders count down to it again. (Before 0.3.0 the slot was "7d" for any
    date: such a slot, once done, stays done.)"""
    return f"{offset}d@{closes_at:%Y-%m-%dT%H:%M}"


def legacy_reminder_slot(offset: int) -> str:
    return f"{offset}d"


def is_done(kind: str, scope: str, slot: str) -> bool:
    return (
        db.session.scalar(
            sa.select(JobRun.id).where(
                JobRun.kind == kind, JobRun.scope == scope, JobRun.slot == slot
            )
        )
        is not None
    )


def notify_country(
    kind: str,
    round_: Round,
    participant: RoundCountry,
    answers: Any = None,
    *,
    instead: Mapping[int, str] | None = None,
    **details: Any,
) -> int:
    """Queue one notice to each enabled respondent of the country; returns how many.

    `answers` (responses.operations.round_answers): a reminder then says how far the country
    has come, carried-over answers counted apart as on the round page. `instead`: another
    kind of notice for some of them (by user id)."""
    if answers is not None:
        definition = round_.version.definition
        details["progress"] = country_completion(definition, answers, participant.country_id)
        details["progress_known"] = True
    count = 0
    for user in country_respondents(participant.country_id):
        notices.queue_notice(
            (instead or {}).get(user.id, kind),
            round_,
            user,
            country=participant.country,
            closes_at=participant.closes_at,
            **details,
        )
        count += 1
    return count


@dataclass(frozen=True)
class ClosingNews:
    """What moving closing dates did to the respondents' mail."""

    told: int = 0  # notices of the new date queued
    withdrawn: int = 0  # notices stating the old date, withdrawn before they went
    # Stating the old date and being sent at that moment: they go unless that attempt fails.
    being_sent: int = 0


def extend_closing(
    round_: Round,
    closes_at: datetime,
    *,
    country_id: int | None = None,
    submitted: Collection[int],
    actor: User | None = None,
    now: datetime | None = None,
) -> ClosingNews:
    """Move the round's closing date (or give one country a later one), then tell the
    countries it gives time (`announce_new_closing`). The page and `surveys rounds extend`
    both come here. RoundError as `move_closing` and `extend_country` refuse."""
    now = now or utcnow()
    before = {p.country_id: p.closes_at for p in round_.participants}
    if country_id:
        extend_country(round_, country_id, closes_at, actor=actor, now=now)
    else:
        move_closing(round_, closes_at, actor=actor, now=now)
    return announce_new_closing(round_, before, submitted=submitted, now=now, actor=actor)


def announce_new_closing(
    round_: Round,
    before: Mapping[int, datetime],
    *,
    submitted: Collection[int],
    now: datetime,
    actor: User | None = None,
) -> ClosingNews:
    """After countries' closing dates moved (`before`: each country's closing date before the
    change), in the same transaction: withdraw the notices not sent yet that state an old date
    (`withdraw_outdated_notices`), then tell the respondents of each country whose date moved
    later its new date, while the round is open for it and it has not submitted."""
    withdrawal = withdraw_outdated_notices(round_, before, now=now, actor=actor)
    skip_passed_reminders(round_, before, now=now)
    # Whoever was still waiting for the round's opening notice gets it again, with the new
    # date, rather than only the news of a date for a round they were never told was open.
    opening_again = notices.withdrawn_openings(withdrawal.withdrawn)
    told = 0
    for participant in round_.participants:
        was = before.get(participant.country_id)
        if (
            was is None
            or participant.closes_at <= was
            or participant.country_id in submitted
            or not round_.opens_at <= now < participant.closes_at
            or round_.cancelled_at is not None
        ):
            continue
        instead = {
            user_id: notices.OPENING
            for user_id, country_id in opening_again
            if country_id == participant.country_id
        }
        told += notify_country(notices.EXTENDED, round_, participant, instead=instead)
    return ClosingNews(told, len(withdrawal.withdrawn), len(withdrawal.being_sent))


def skip_passed_reminders(round_: Round, before: Mapping[int, datetime], *, now: datetime) -> None:
    """For each country whose closing date has just moved: its reminders count down to the new
    date, but those whose moment for the new date has already passed are marked done (flush
    only), not sent at once: the news of the new date (queued with this) tells it."""
    for participant in round_.participants:
        was = before.get(participant.country_id)
        if was is None or participant.closes_at == was:
            continue
        scope = country_scope(round_.id, participant.country_id)
        for offset in sorted(set(round_.reminder_offsets)):
            slot = reminder_slot(offset, participant.closes_at)
            if reminder_due_at(participant.closes_at, offset) > now or is_done(
                REMINDER, scope, slot
            ):
                continue
            db.session.add(
                JobRun(
                    kind=REMINDER,
                    scope=scope,
                    slot=slot,
                    round_id=round_.id,
                    country_id=participant.country_id,
                    done_at=now,
                    messages_queued=0,
                    worker="closing date moved",
                )
            )
    db.session.flush()


def withdraw_outdated_notices(
    round_: Round, before: Mapping[int, datetime], *, now: datetime, actor: User | None = None
) -> Withdrawal:
    """Withdraw the notices of the round not sent yet that state the closing date of a country
    whose date has moved since `before` (flush only), and say so in the audit log.

    A respondent then never receives "closes on 10 January" after "now closes on 31 January",
    however long the mail relay kept it: the news of the new date (or of the closing) is queued
    after this, and says what holds."""
    moved = [
        participant
        for participant in round_.participants
        if participant.country_id in before
        and participant.closes_at != before[participant.country_id]
    ]
    withdrawal = notices.withdraw_outdated(
        round_.id, [participant.country_id for participant in moved], now=now
    )
    if withdrawal:
        record(
            "round.notices_withdrawn",
            target_type="round",
            target_id=round_.id,
            details={
                "countries": [participant.country.iso2 for participant in moved],
                "reason": notices.CLOSING_MOVED,
                "messages": withdrawal.withdrawn,
                "being_sent": withdrawal.being_sent,
            },
            actor=actor,
        )
    return withdrawal


def send_reminder_now(
    round_id: int,
    country_id: int,
    *,
    submitted: Collection[int],
    answers: Any = None,
    now: datetime | None = None,
) -> int:
    """A coordinator's "remind now" (flush only; the view commits); counted with reminders.

    Refused (RoundError) when the round is not open for the country or it has submitted (its
    id is in `submitted`, the countries whose submission counts): the reminder would tell it
    something untrue.
    """
    now = now or utcnow()
    round_ = db.session.get(Round, round_id)
    participant = round_.participant(country_id)
    if country_state_of(participant, now) != RoundState.OPEN:
        raise RoundError(_("The round is not open for this country; no reminder was sent."))
    if country_id in submitted:
        raise RoundError(
            _("This country has already submitted its questionnaire; no reminder was sent.")
        )
    run = JobRun(
        kind=MANUAL_REMINDER,
        scope=country_scope(round_id, country_id),
        slot=now.astimezone(UTC).isoformat(),
        round_id=round_id,
        country_id=country_id,
        done_at=now,
        worker=worker_name(),
    )
    db.session.add(run)
    run.messages_queued = notify_country(notices.MANUAL_REMINDER, round_, participant, answers)
    db.session.flush()
    return run.messages_queued


def last_reminders(round_id: int) -> dict[int, datetime]:
    """When each country of the round was last reminded (scheduled or by hand, and someone
    was there to receive it)."""
    rows = db.session.execute(
        sa.select(JobRun.country_id, sa.func.max(JobRun.done_at))
        .where(
            JobRun.round_id == round_id,
            JobRun.kind.in_((REMINDER, MANUAL_REMINDER)),
            JobRun.messages_queued > 0,
        )
        .group_by(JobRun.country_id)
    )
    return {country_id: _aware(moment) for country_id, moment in rows if country_id is not None}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# A bulk reminder reaches a country at most once a day: skipped when the country was reminded
# in the last 24 hours, and one bulk reminder per country and UTC day (the JobRun slot).
BULK_REMINDER_GAP = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderTarget:
    """A country a reminder now would be for, with the people it would reach."""

    participant: RoundCountry
    people: list
    last_reminded_at: datetime | None

    @property
    def country_id(self) -> int:
        return self.participant.country_id

    def reminded_recently(self, now: datetime) -> bool:
        return _reminded_recently(self.last_reminded_at, now)


def _reminded_recently(last: datetime | None, now: datetime) -> bool:
    return last is not None and now - last < BULK_REMINDER_GAP


def reminder_targets(
    round_id: int, *, submitted: Collection[int], now: datetime | None = None
) -> list[ReminderTarget]:
    """Countries of the round that can be reminded now: open for them, not in `submitted`."""
    now = now or utcnow()
    open_ = _open_and_not_submitted(round_id, submitted, now)
    people = respondents_by_country([p.country_id for p in open_])
    last = last_reminders(round_id)
    return [ReminderTarget(p, people.get(p.country_id, []), last.get(p.country_id)) for p in open_]


def remindable_countries(
    round_id: int, *, submitted: Collection[int], now: datetime | None = None
) -> list[int]:
    """The countries a bulk reminder offered now would reach: those of `reminder_targets` with
    someone to receive it, not reminded in the last 24 hours. The round's page counts them,
    without loading the people (some 200 respondents in 16 countries)."""
    now = now or utcnow()
    open_ = [p.country_id for p in _open_and_not_submitted(round_id, submitted, now)]
    reachable = countries_with_respondents(open_)
    last = last_reminders(round_id)
    return [c for c in open_ if c in reachable and not _reminded_recently(last.get(c), now)]


def _open_and_not_submitted(
    round_id: int, submitted: Collection[int], now: datetime
) -> list[RoundCountry]:
    round_ = db.session.get(Round, round_id)
    return [
        participant
        for participant in round_.participants
        if country_state_of(participant, now) == RoundState.OPEN
        and participant.country_id not in submitted
    ]


def send_bulk_reminders(
    round_id: int, *, submitted: Collection[int], answers: Any = None, now: datetime | None = None
) -> tuple[list[ReminderTarget], list[ReminderTarget]]:
    """Remind every country that has not submitted, at most once a day each (flush only; the
    view commits). Returns (reminded, skipped because reminded in the last 24 hours)."""
    now = now or utcnow()
    round_ = db.session.get(Round, round_id)
    reminded, skipped = [], []
    for target in reminder_targets(round_id, submitted=submitted, now=now):
        if not target.people:  # nobody to remind: the confirmation page lists it apart
            continue
        slot = "bulk-" + now.astimezone(UTC).date().isoformat()
        scope = country_scope(round_id, target.country_id)
        if target.reminded_recently(now) or is_done(MANUAL_REMINDER, scope, slot):
            skipped.append(target)
            continue
        run = JobRun(
            kind=MANUAL_REMINDER,
            scope=scope,
            slot=slot,
            round_id=round_id,
            country_id=target.country_id,
            done_at=now,
            worker=worker_name(),
        )
        db.session.add(run)
        run.messages_queued = notify_country(
            notices.MANUAL_REMINDER, round_, target.participant, answers
        )
        if run.messages_queued:
            reminded.append(target)
    db.session.flush()
    return reminded, skipped
