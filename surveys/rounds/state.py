"""A round's state, derived from its dates and overrides at a given moment (pure functions).

Nothing here reads the clock: callers pass `now`, so tests walk a round through its life by
passing different moments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum


def N_(s: str) -> str:
    return s


class RoundState(StrEnum):
    SCHEDULED = "scheduled"  # not open yet
    OPEN = "open"  # at least one country may still answer
    CLOSED = "closed"  # every country's closing date has passed
    CANCELLED = "cancelled"


STATE_LABELS = {
    RoundState.SCHEDULED: N_("scheduled"),
    RoundState.OPEN: N_("open"),
    RoundState.CLOSED: N_("closed"),
    RoundState.CANCELLED: N_("cancelled"),
}


def effective_closes_at(round_closes_at: datetime, override: datetime | None) -> datetime:
    """A country's closing date: its own extension or reopening, never before the round's."""
    if override is None:
        return round_closes_at
    return max(override, round_closes_at)


def country_state(
    *,
    opens_at: datetime,
    closes_at: datetime,
    cancelled_at: datetime | None,
    now: datetime,
) -> RoundState:
    """The state of the round for one country whose effective closing date is `closes_at`."""
    if cancelled_at is not None:
        return RoundState.CANCELLED
    if now < opens_at:
        return RoundState.SCHEDULED
    if now < closes_at:
        return RoundState.OPEN
    return RoundState.CLOSED


def round_state(
    *,
    opens_at: datetime,
    closes_at: datetime,
    cancelled_at: datetime | None,
    now: datetime,
    country_closes_at: Iterable[datetime] = (),
) -> RoundState:
    """The round is open while any participating country may still answer."""
    latest = max([closes_at, *country_closes_at])
    return country_state(opens_at=opens_at, closes_at=latest, cancelled_at=cancelled_at, now=now)


def reminder_due_at(closes_at: datetime, offset_days: int) -> datetime:
    return closes_at - timedelta(days=offset_days)


def due_reminder_offsets(
    *,
    opens_at: datetime,
    closes_at: datetime,
    offsets: Iterable[int],
    now: datetime,
) -> list[int]:
    """Reminder offsets whose moment has come for a country still open at `now`, largest first.

    An offset whose moment falls before the opening is never due (a short round skips it).
    Reminders missed during a scheduler downtime are all due, so each is still sent once.
    """
    if not opens_at <= now < closes_at:
        return []
    due = []
    for offset in sorted(set(offsets), reverse=True):
        moment = reminder_due_at(closes_at, offset)
        if opens_at <= moment <= now:
            due.append(offset)
    return due


def clean_reminder_offsets(offsets: Iterable[int]) -> list[int]:
    """Distinct positive offsets, largest first (14, 7, 1)."""
    return sorted({int(o) for o in offsets if int(o) > 0}, reverse=True)
