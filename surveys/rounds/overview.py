"""The round page's table: each country's status, progress, activity, reminders, extension."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from surveys.collation import sort_key
from surveys.extensions import db
from surveys.rounds.models import JobRun, Round, RoundCountry
from surveys.rounds.operations import country_state_of
from surveys.rounds.progress import country_completion
from surveys.rounds.reminders import MANUAL_REMINDER, REMINDER
from surveys.rounds.state import RoundState
from surveys.rounds.submission_status import NOT_STARTED

COUNTRY_STATUSES = (NOT_STARTED, "draft", "submitted", "returned", "validated")
STATE_LABELS = {
    RoundState.SCHEDULED: _l("scheduled"),
    RoundState.OPEN: _l("open"),
    RoundState.CLOSED: _l("closed"),
    RoundState.CANCELLED: _l("cancelled"),
}
SORT_KEYS = ("country", "status", "progress", "activity", "closes")


@dataclass
class CountryRow:
    participant: RoundCountry
    name: str
    status: str
    state: RoundState
    percent: int | None  # None before any answer exists
    answered: int
    required: int
    to_confirm: int  # required answers carried over and not yet confirmed
    last_activity_at: datetime | None
    reminders: int
    extended: bool
    submission_id: int | None

    @property
    def country_id(self) -> int:
        return self.participant.country_id

    @property
    def closes_at(self) -> datetime:
        return self.participant.closes_at


class RoundAnswers(Protocol):
    """The round's submissions and answers (responses.operations.round_answers gives them)."""

    submissions: Mapping[int, Any]  # by country id: status, id, updated_at
    values: Mapping[int, Mapping[str, object]]  # by submission id, then question id
    not_applicable: Mapping[int, set[str]]
    carried_over: Mapping[int, set[str]]


def country_rows(
    round_: Round, answers: RoundAnswers, language: str, now: datetime
) -> list[CountryRow]:
    submissions = answers.submissions
    reminders = Counter(
        db.session.scalars(
            sa.select(JobRun.country_id).where(
                JobRun.round_id == round_.id,
                JobRun.kind.in_((REMINDER, MANUAL_REMINDER)),
                # A country without an active respondent was not reminded of anything.
                JobRun.messages_queued > 0,
            )
        )
    )
    definition = round_.version.definition
    result = []
    for participant in round_.participants:
        submission = submissions.get(participant.country_id)
        completion = country_completion(definition, answers, participant.country_id)
        result.append(
            CountryRow(
                participant=participant,
                name=participant.country.name(language),
                status=submission.status if submission else NOT_STARTED,
                state=country_state_of(participant, now),
                percent=completion.percent if completion else None,
                answered=completion.answered if completion else 0,
                required=completion.required if completion else 0,
                to_confirm=completion.to_confirm if completion else 0,
                last_activity_at=submission.last_activity_at if submission else None,
                reminders=reminders.get(participant.country_id, 0),
                extended=participant.closes_at_override is not None,
                submission_id=submission.id if submission else None,
            )
        )
    return result


def filter_and_sort(
    rows: list[CountryRow],
    *,
    status: str = "",
    query: str = "",
    sort: str = "country",
    descending: bool = False,
) -> list[CountryRow]:
    if status in COUNTRY_STATUSES:
        rows = [r for r in rows if r.status == status]
    if query:
        needle = query.strip().lower()
        rows = [
            r
            for r in rows
            if needle in r.name.lower() or needle == r.participant.country.iso2.lower()
        ]
    # By name first (in the reader's alphabetical order), so that ties stay in that order.
    rows = sorted(rows, key=lambda r: sort_key(r.name))
    keys = {
        "country": lambda r: sort_key(r.name),
        "status": lambda r: COUNTRY_STATUSES.index(r.status),
        "progress": lambda r: r.percent if r.percent is not None else -1,
        "closes": lambda r: r.closes_at,
    }
    key = keys.get(sort, keys["country"])
    if sort == "activity":
        with_activity = sorted(
            (r for r in rows if r.last_activity_at), key=lambda r: r.last_activity_at
        )
        without = [r for r in rows if not r.last_activity_at]
        ordered = with_activity[::-1] + without if descending else without + with_activity
        return ordered
    return sorted(rows, key=key, reverse=descending)
