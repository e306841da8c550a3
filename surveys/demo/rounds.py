"""Demo rounds: a closed round on niamey-2018 v1 (2025-H2), an open one on its newest version
(2026-H2; v3, with validation rules, so that people meet the rules on first use), both for every
active country, and a six-monthly cadence. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.rounds.models import Cadence, Round
from surveys.rounds.operations import add_months, create_cadence, create_round

QUESTIONNAIRE_KEY = "niamey-2018"
CLOSED_PERIOD = "2025-H2"
OPEN_PERIOD = "2026-H2"


def _version(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion | None:
    return next((v for v in questionnaire.versions if v.version == number and v.is_published), None)


def _newest(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """The newest published version: the open round's."""
    published = [v for v in questionnaire.versions if v.is_published]
    return max(published, key=lambda v: v.version) if published else None


def _existing(version: QuestionnaireVersion, period: str) -> Round | None:
    return db.session.scalar(
        sa.select(Round).where(
            Round.questionnaire_version_id == version.id, Round.period_label == period
        )
    )


def _at(moment: datetime, hour: int) -> datetime:
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def load_demo(out) -> None:
    questionnaire = db.session.scalar(
        sa.select(Questionnaire).where(Questionnaire.key == QUESTIONNAIRE_KEY)
    )
    v1 = _version(questionnaire, 1) if questionnaire else None
    v2 = _newest(questionnaire) if questionnaire else None
    if v1 is None or v2 is None or v2.version < 2:
        out.say(f"Rounds: skipped ({QUESTIONNAIRE_KEY} v1 and a later version are not published).")
        return
    now = utcnow()
    # The open round's dates follow today so that it is open whenever the demo is loaded.
    open_opens = _at(now - timedelta(days=30), 8)
    created = 0
    if _existing(v1, CLOSED_PERIOD) is None:
        create_round(
            version=v1,
            period_label=CLOSED_PERIOD,
            opens_at=datetime(2025, 9, 1, 8, 0, tzinfo=UTC),
            closes_at=datetime(2025, 11, 28, 18, 0, tzinfo=UTC),
            now=now,
            allow_past=True,
        )
        created += 1
    if _existing(v2, OPEN_PERIOD) is None:
        create_round(
            version=v2,
            period_label=OPEN_PERIOD,
            opens_at=open_opens,
            closes_at=_at(open_opens + timedelta(weeks=8), 18),
            now=now,
            allow_past=True,
        )
        created += 1
    if created:
        out.say(f"Rounds: {created} demo round(s) created (2025-H2 closed, 2026-H2 open).")
    if (
        db.session.scalar(sa.select(Cadence.id).where(Cadence.questionnaire_id == questionnaire.id))
        is None
    ):
        open_round = _existing(v2, OPEN_PERIOD)
        create_cadence(
            questionnaire=questionnaire,
            every_months=6,
            open_weeks=8,
            lead_days=14,
            first_opens_at=add_months(open_round.opens_at, 6),
            now=now,
        )
        out.say(
            "Rounds: a six-monthly cadence for niamey-2018 (open 8 weeks, created 14 days ahead)."
        )
    db.session.flush()
