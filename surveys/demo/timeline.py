"""The demo's calendar, derived from the day it is loaded.

Every date of the demo follows from one "today": the open round opened a month ago, the closed
round ran a year before it, each questionnaire version was published before the round that used
it, and every label (2026-H2) is the half-year its round opened in. Loaded in January or in July,
the demo tells the same, true story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.rounds.operations import add_months, period_label_for

EVERY_MONTHS = 6  # the demo cadence: a round per half-year
OPEN_WEEKS = 8
OPENED_DAYS_AGO = 30
# How long before a round its questionnaire version was published (time to translate and
# announce it), and how long after a round closed the next version came out.
PUBLISHED_BEFORE_ROUND = timedelta(days=45)
NEXT_VERSION_AFTER_CLOSING = timedelta(days=60)


def _at(moment: datetime, hour: int) -> datetime:
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DemoTimeline:
    today: datetime
    closed_opens: datetime
    closed_closes: datetime
    open_opens: datetime
    open_closes: datetime

    @property
    def closed_period(self) -> str:
        return period_label_for(self.closed_opens, EVERY_MONTHS)

    @property
    def open_period(self) -> str:
        return period_label_for(self.open_opens, EVERY_MONTHS)

    def published_at(self, version: int, newest: int) -> datetime:
        """When version `version` of `newest` was published: v1 before the closed round, the
        newest before the open round, any between them spread after the closed round."""
        if version <= 1:
            return _at(self.closed_opens - PUBLISHED_BEFORE_ROUND, 9)
        if version >= newest:
            return _at(self.open_opens - PUBLISHED_BEFORE_ROUND // 2, 9)
        first = self.closed_closes + NEXT_VERSION_AFTER_CLOSING
        last = self.open_opens - PUBLISHED_BEFORE_ROUND
        step = (last - first) / max(newest - 2, 1)
        return _at(first + step * (version - 2), 9)


def demo_timeline(today: datetime) -> DemoTimeline:
    """The demo's dates for a demo loaded on `today` (an aware UTC datetime)."""
    open_opens = _at(today - timedelta(days=OPENED_DAYS_AGO), 8)
    closed_opens = add_months(open_opens, -2 * EVERY_MONTHS)
    return DemoTimeline(
        today=today,
        closed_opens=closed_opens,
        closed_closes=_at(closed_opens + timedelta(weeks=OPEN_WEEKS), 18),
        open_opens=open_opens,
        open_closes=_at(open_opens + timedelta(weeks=OPEN_WEEKS), 18),
    )
