"""Demo notifications: the open round's opening notices and reminders, a few already sent and
one failed delivery. Idempotent: nothing is added once the open round has messages."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.demo.rounds import open_demo_round
from surveys.extensions import db
from surveys.notifications.delivery import MemoryBackend
from surveys.notifications.models import MessageStatus, OutboxMessage
from surveys.notifications.outbox import deliver_pending

SENT_IN_DEMO = 6


def load_demo(out) -> None:
    from surveys.scheduling import jobs

    round_ = open_demo_round()
    if round_ is None:
        out.say("Notifications: skipped (no open demo round).")
        return
    if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.round_id == round_.id)):
        return
    round_id = round_.id
    now = utcnow()
    queued = jobs.open_round(round_id, now=now) + jobs.send_reminders(round_id, now=now)
    # A few delivered already (oldest first); the rest wait for the scheduler.
    deliver_pending(MemoryBackend([]), now=now, limit=SENT_IN_DEMO)
    failed = db.session.scalar(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.round_id == round_id,
            OutboxMessage.status == MessageStatus.PENDING.value,
        )
        .order_by(OutboxMessage.id)
    )
    if failed is not None:
        failed.status = MessageStatus.FAILED.value
        failed.attempts = 1
        failed.last_attempt_at = now
        failed.last_error = "SMTP 451: 4.7.1 Greylisted, please try again later (demo)"
        failed.next_attempt_at = now
    db.session.flush()
    out.say(
        f"Notifications: {queued} round message(s) queued, {SENT_IN_DEMO} marked sent, "
        "one failed delivery to retry."
    )
