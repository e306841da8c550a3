"""Demo data: the archived scorecards of the demo rounds that have closed, dated with their
closing (idempotent)."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.export.archive import archive_round
from surveys.export.models import ArchivedWorkbook
from surveys.extensions import db
from surveys.rounds.models import Round


def closed_rounds_without_archive() -> list[Round]:
    now = utcnow()
    archived = sa.select(ArchivedWorkbook.round_id)
    rounds = db.session.scalars(
        sa.select(Round)
        .where(Round.cancelled_at.is_(None), Round.id.not_in(archived))
        .order_by(Round.opens_at)
    )
    return [r for r in rounds if max([r.closes_at, *(p.closes_at for p in r.participants)]) <= now]


def load_demo(out) -> None:
    for round_ in closed_rounds_without_archive():
        # Stamped with the round's closing, when the scheduler would have archived it.
        records = archive_round(round_.id, now=round_.latest_closes_at)
        out.say(f"Archived the {round_.period_label} scorecard ({len(records)} files).")
