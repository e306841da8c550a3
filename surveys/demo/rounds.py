"""Demo rounds: a closed round on niamey-2018 v1 a year before an open one on its newest version
(v3, with validation rules, so that people meet the rules on first use), both for every active
country, and a six-monthly cadence. Dates and period labels follow the day the demo is loaded
(surveys.demo.timeline). Idempotent: a version that already has a round gets no other."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.demo.timeline import EVERY_MONTHS, OPEN_WEEKS, demo_timeline
from surveys.extensions import db
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.rounds.models import Cadence, Round
from surveys.rounds.operations import add_months, create_cadence, create_round

QUESTIONNAIRE_KEY = "niamey-2018"


def _questionnaire() -> Questionnaire | None:
    return db.session.scalar(sa.select(Questionnaire).where(Questionnaire.key == QUESTIONNAIRE_KEY))


def _version(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion | None:
    return next((v for v in questionnaire.versions if v.version == number and v.is_published), None)


def _newest(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """The newest published version: the open round's."""
    published = [v for v in questionnaire.versions if v.is_published]
    return max(published, key=lambda v: v.version) if published else None


def _first_round_of(version: QuestionnaireVersion | None) -> Round | None:
    if version is None:
        return None
    return db.session.scalar(
        sa.select(Round)
        .where(Round.questionnaire_version_id == version.id)
        .order_by(Round.opens_at, Round.id)
        .limit(1)
    )


def closed_demo_round() -> Round | None:
    """The demo's closed round: the first round on niamey-2018 v1."""
    questionnaire = _questionnaire()
    return _first_round_of(_version(questionnaire, 1)) if questionnaire else None


def open_demo_round() -> Round | None:
    """The demo's open round: the first round on niamey-2018's newest version (not v1)."""
    questionnaire = _questionnaire()
    newest = _newest(questionnaire) if questionnaire else None
    if newest is None or newest.version < 2:
        return None
    return _first_round_of(newest)


def load_demo(out) -> None:
    questionnaire = _questionnaire()
    v1 = _version(questionnaire, 1) if questionnaire else None
    newest = _newest(questionnaire) if questionnaire else None
    if v1 is None or newest is None or newest.version < 2:
        out.say(f"Rounds: skipped ({QUESTIONNAIRE_KEY} v1 and a later version are not published).")
        return
    now = utcnow()
    timeline = demo_timeline(now)
    made = []
    if _first_round_of(v1) is None:
        create_round(
            version=v1,
            period_label=timeline.closed_period,
            opens_at=timeline.closed_opens,
            closes_at=timeline.closed_closes,
            now=now,
            allow_past=True,
        )
        made.append(f"{timeline.closed_period} closed")
    if _first_round_of(newest) is None:
        create_round(
            version=newest,
            period_label=timeline.open_period,
            opens_at=timeline.open_opens,
            closes_at=timeline.open_closes,
            now=now,
            allow_past=True,
        )
        made.append(f"{timeline.open_period} open")
    if made:
        out.say(f"Rounds: {len(made)} demo round(s) created ({', '.join(made)}).")
    if (
        db.session.scalar(sa.select(Cadence.id).where(Cadence.questionnaire_id == questionnaire.id))
        is None
    ):
        open_round = _first_round_of(newest)
        create_cadence(
            questionnaire=questionnaire,
            every_months=EVERY_MONTHS,
            open_weeks=OPEN_WEEKS,
            lead_days=14,
            first_opens_at=add_months(open_round.opens_at, EVERY_MONTHS),
            now=now,
        )
        out.say(
            "Rounds: a six-monthly cadence for niamey-2018 (open 8 weeks, created 14 days ahead)."
        )
    db.session.flush()
