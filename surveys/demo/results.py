"""Demo data: score snapshots for the demo rounds' submitted and validated submissions, and the
closing snapshots of the rounds that have closed.

Each snapshot is dated when the demo's history says it was taken (the submission's submission or
validation, the round's closing), and stored in that order, so that the latest snapshot of a
submission is also the most recent one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.responses.models import Submission
from surveys.results.models import ScoreSnapshot, Trigger
from surveys.results.operations import snapshot_round_close, snapshot_submission
from surveys.rounds.models import Round
from surveys.rounds.submission_status import Status

# The snapshots a submission of each status would have been given by the workflow, and the
# submission's column that dates each.
TRIGGERS_BY_STATUS = {
    Status.SUBMITTED.value: ((Trigger.SUBMITTED, "submitted_at"),),
    Status.VALIDATED.value: (
        (Trigger.SUBMITTED, "submitted_at"),
        (Trigger.VALIDATED, "validated_at"),
    ),
}


def load_demo(out) -> None:
    """Idempotent: a submission that already has a snapshot is left as it is."""
    now = utcnow()
    has_snapshot = select(ScoreSnapshot.submission_id).distinct()
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.status.in_(tuple(TRIGGERS_BY_STATUS)))
        .where(Submission.id.not_in(has_snapshot))
        .order_by(Submission.id)
    ).all()
    # (when, order, action): submissions' snapshots and rounds' closings in the order they
    # happened; a closing comes after a snapshot taken at the same moment.
    events: list[tuple[datetime, int, object]] = []
    for submission in submissions:
        for trigger, column in TRIGGERS_BY_STATUS[submission.status]:
            when = getattr(submission, column) or now
            events.append((when, 0, (submission, trigger, when)))
    for round_ in _closed_rounds(now):
        events.append((round_.latest_closes_at, 1, round_))
    stored = 0
    for when, _, action in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(action, Round):
            stored += snapshot_round_close(action.id, at=when)
        else:
            submission, trigger, at = action
            snapshot_submission(submission, trigger, at=min(at, now))
            stored += 1
    if stored:
        out.say(f"Results: {stored} score snapshots stored.")


def _closed_rounds(now: datetime) -> list[Round]:
    """The demo rounds whose every country has closed and that have no closing snapshot yet."""
    closed_already = (
        select(Submission.round_id)
        .join(ScoreSnapshot, ScoreSnapshot.submission_id == Submission.id)
        .where(ScoreSnapshot.trigger == Trigger.ROUND_CLOSED.value)
    )
    rounds = db.session.scalars(
        select(Round).where(
            Round.cancelled_at.is_(None), Round.closes_at < now, Round.id.not_in(closed_already)
        )
    ).all()
    return [r for r in rounds if r.latest_closes_at < now]
