"""Demo data: score snapshots for the demo rounds' submitted and validated submissions."""

from __future__ import annotations

from sqlalchemy import select

from surveys.extensions import db
from surveys.responses.models import Status, Submission
from surveys.results.models import ScoreSnapshot, Trigger
from surveys.results.operations import snapshot_round_close, snapshot_submission
from surveys.rounds.models import Round

# The snapshots a submission of each status would have been given by the workflow.
TRIGGERS_BY_STATUS = {
    Status.SUBMITTED.value: (Trigger.SUBMITTED,),
    Status.VALIDATED.value: (Trigger.SUBMITTED, Trigger.VALIDATED),
}


def load_demo(out) -> None:
    """Idempotent: a submission that already has a snapshot is left as it is."""
    has_snapshot = select(ScoreSnapshot.submission_id).distinct()
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.status.in_(tuple(TRIGGERS_BY_STATUS)))
        .where(Submission.id.not_in(has_snapshot))
        .order_by(Submission.id)
    ).all()
    stored = 0
    for submission in submissions:
        for trigger in TRIGGERS_BY_STATUS[submission.status]:
            snapshot_submission(submission, trigger)
            stored += 1
    stored += _close_past_rounds()
    if stored:
        out.say(f"Results: {stored} score snapshots stored.")


def _close_past_rounds() -> int:
    """Closing snapshots of the demo rounds whose closing date has passed."""
    from surveys.columns import utcnow

    now = utcnow()
    rounds = db.session.scalars(
        select(Round).where(Round.cancelled_at.is_(None), Round.closes_at < now)
    ).all()
    return sum(
        snapshot_round_close(r.id) for r in rounds if all(p.closes_at < now for p in r.participants)
    )
