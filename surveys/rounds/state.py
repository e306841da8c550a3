"""A round's state, derived from its dates and overrides at a given moment (pure functions).

Nothing here reads the clock: callers pass `now`, so tests walk a round through its life by
passing different moments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum


class RoundState(StrEnum):
    SCHEDULED = "scheduled"  # not open yet
    OPEN = "open"  # at least one country may still answer
    CLOSED = "closed"  # every country's closing date has passed
    CANCELLED = "cancelled"


def country_state(
    *,
    opens_at: datetime,
    closes_at: datetime,
    cancelled_at: datetime | None,
    now: datetime,
) -> RoundState:
    """The state at `now` for one country's closing date, or the last one's for the round."""
    if cancelled_at is not None:
        return RoundState.CANCELLED
    if now < opens_at:
        return RoundState.SCHEDULED
    if now < closes_at:
        return RoundState.OPEN
    return RoundState.CLOSED


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
